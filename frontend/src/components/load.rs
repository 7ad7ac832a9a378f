//! Server data for the page: a small stand-in for Leptos resources, which cost several KB of
//! wasm each (the dashboard's first load has a byte budget). No suspense boundaries: a view
//! shows its loading state while the value is `None`.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;

/// Data from the server: `None` until the first answer arrives.
pub type Loaded<T> = ReadSignal<Option<T>, LocalStorage>;

/// Runs `fetch` with the value of `source` now and whenever `source` changes. The previous
/// answer stays until the next arrives; the answer of a superseded request is dropped.
pub fn load<S, T, Fut>(
    source: impl Fn() -> S + 'static,
    fetch: impl Fn(S) -> Fut + 'static,
) -> Loaded<T>
where
    S: 'static,
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    load_boxed(Box::new(move || Box::pin(fetch(source()))))
}

/// A request whose future is boxed.
type Request<T> = Box<dyn Fn() -> Pin<Box<dyn Future<Output = T>>>>;

/// `load` with the request type erased, so that its effect and task are compiled once per
/// answer type rather than once per call site (the first load has a byte budget).
fn load_boxed<T: 'static>(request: Request<T>) -> Loaded<T> {
    let (value, set_value) = signal_local(None::<T>);
    let latest = Rc::new(Cell::new(0u64));
    Effect::new(move |_| {
        let answer = request();
        let ticket = latest.get() + 1;
        latest.set(ticket);
        let latest = latest.clone();
        leptos::task::spawn_local(async move {
            let answer = answer.await;
            if latest.get() == ticket {
                set_value.set(Some(answer));
            }
        });
    });
    value
}

/// Loads once.
pub fn load_once<T, Fut>(fetch: impl Fn() -> Fut + 'static) -> Loaded<T>
where
    T: 'static,
    Fut: Future<Output = T> + 'static,
{
    load(|| (), move |()| fetch())
}
