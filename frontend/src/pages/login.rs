use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::landing;
use crate::api;
use crate::components::{HealthResource, use_auth, use_go};

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let go = use_go();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let health = expect_context::<HealthResource>();
    let demo = move || {
        health
            .get()
            .is_some_and(|result| result.is_ok_and(|h| h.demo))
    };

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        busy.set(true);
        error.set(None);
        let go = go.clone();
        leptos::task::spawn_local(async move {
            match api::login(email.get_untracked(), password.get_untracked()).await {
                Ok(user) => {
                    let to = landing(user.role);
                    auth.user.set(Some(user));
                    go(to);
                }
                Err(failure) => error.set(Some(failure.to_string())),
            }
            busy.set(false);
        });
    };

    view! {
        <section class="page page--narrow">
            <div class="card">
                <h1>"Log in"</h1>
                <form class="form" on:submit=submit>
                    <label class="field">
                        <span class="field__label">"Email"</span>
                        <input type="email" name="email" autocomplete="username" required bind:value=email/>
                    </label>
                    <label class="field">
                        <span class="field__label">"Password"</span>
                        <input type="password" name="password" autocomplete="current-password" required bind:value=password/>
                    </label>
                    {move || error.get().map(|message| view! { <p class="notice notice--error" role="alert">{message}</p> })}
                    <button type="submit" class="button button--primary" disabled=busy>
                        {move || if busy.get() { "Logging in…" } else { "Log in" }}
                    </button>
                </form>
                <p class="hint">"New here? Ask your organisation's admin or the platform operator for an invitation link."</p>
            </div>
            <Show when=demo>
                <div class="card card--muted">
                    <h2>"Demo logins"</h2>
                    <p>"This server holds synthetic demo data. Every demo account uses the password "<code>"demo-password"</code>"."</p>
                    <ul class="demo-logins">
                        <li><code>"member-admin@demo.local"</code>" — submits for Demo Contact Center 001"</li>
                        <li><code>"member-viewer@demo.local"</code>" — executive of Demo Contact Center 001"</li>
                        <li><code>"member-admin-2@demo.local"</code>" — another organisation"</li>
                        <li><code>"publisher@demo.local"</code>" — industry group"</li>
                        <li><code>"admin@demo.local"</code>" — platform operator"</li>
                    </ul>
                </div>
            </Show>
        </section>
    }
}
