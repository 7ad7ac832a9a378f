use leptos::prelude::*;

use shared::account::Role;

use super::auth::use_auth;
use super::link::{Link, use_go};
use crate::api;

/// Product name, the navigation the user's role may use, and who is logged in.
#[component]
pub fn Header() -> impl IntoView {
    let auth = use_auth();
    let go = use_go();
    let logout = move |_| {
        let go = go.clone();
        leptos::task::spawn_local(async move {
            // Whatever the server says, the browser forgets the session.
            let _ = api::logout().await;
            auth.user.set(None);
            go("/");
        });
    };
    let role = move || auth.role();
    let is = move |roles: &'static [Role]| move || role().is_some_and(|r| roles.contains(&r));
    view! {
        <header class="site-header">
            <a class="skip-link" href="#content">"Skip to content"</a>
            <div class="site-header__inner">
                <Link href="/" class="brand">
                    <span class="brand__mark" aria-hidden="true">"PP"</span>
                    <span class="brand__name">"PeerPosture"</span>
                </Link>
                <nav aria-label="Main">
                    <ul class="nav">
                        // Logged-in users reach the overview through the brand; the room goes to
                        // their own pages.
                        // Logged-in users find the catalogue and the methodology in the footer.
                        <Show when=move || role().is_none()>
                            <li><Link href="/" exact=true>"Overview"</Link></li>
                            <li><Link href="/metrics">"Metrics"</Link></li>
                            <li><Link href="/methodology">"Methodology"</Link></li>
                        </Show>
                        <Show when=is(&[Role::ClientReviewer])>
                            <li><Link href="/portfolio">"Portfolio"</Link></li>
                        </Show>
                        <Show when=is(&[Role::MemberAdmin, Role::MemberViewer])>
                            <li><Link href="/dashboard">"Dashboard"</Link></li>
                            <li><Link href="/roadmap">"Roadmap"</Link></li>
                            <li><Link href="/submit">"Our data"</Link></li>
                        </Show>
                        <li><Link href="/industry">"Industry"</Link></li>
                        <li><Link href="/standards">"Standards"</Link></li>
                        <Show when=is(&[Role::MemberAdmin, Role::MemberViewer, Role::Publisher, Role::Admin])>
                            <li><Link href="/practices">"Practices"</Link></li>
                        </Show>
                        <Show when=is(&[Role::MemberAdmin])>
                            <li><Link href="/share">"Share"</Link></li>
                            <li><Link href="/team">"Team & tokens"</Link></li>
                        </Show>
                        <Show when=is(&[Role::Publisher, Role::Admin])>
                            <li><Link href="/releases">"Releases"</Link></li>
                        </Show>
                        <Show when=is(&[Role::Admin])>
                            <li><Link href="/admin">"Administration"</Link></li>
                        </Show>
                    </ul>
                </nav>
                <div class="session">
                    <Show when=move || role().is_some()>
                        <Bell/>
                    </Show>
                    {move || match auth.user.get() {
                        Some(user) => view! {
                            <span class="session__who" data-testid="session-user">
                                <strong>{user.name.clone()}</strong>
                                <span class="session__org">
                                    {user.org.as_ref().or(user.client.as_ref()).map_or_else(|| user.role.label().to_owned(), |org| org.name.clone())}
                                </span>
                            </span>
                            <button class="button button--ghost" on:click=logout.clone()>"Log out"</button>
                        }
                        .into_any(),
                        None => view! { <Link href="/login" class="button button--ghost">"Log in"</Link> }.into_any(),
                    }}
                </div>
            </div>
        </header>
    }
}

/// The unread count the bell shows, shared with the notifications page (which lowers it).
#[derive(Debug, Clone, Copy)]
pub struct Unread(pub RwSignal<i64>);

/// Provides [`Unread`] to the header and the pages.
pub fn provide_unread() {
    provide_context(Unread(RwSignal::new(0)));
}

/// A bell linking to the notifications, with the unread count.
#[component]
fn Bell() -> impl IntoView {
    let Unread(unread) = expect_context::<Unread>();
    leptos::task::spawn_local(async move {
        if let Ok(count) = api::unread().await {
            unread.set(count.unread);
        }
    });
    let label = move || match unread.get() {
        0 => "Notifications".to_owned(),
        n => format!("Notifications, {n} unread"),
    };
    view! {
        <Link href="/notifications" class="bell">
            // Drawn by the stylesheet: an inline SVG costs the first load kilobytes of wasm.
            <span class="bell__icon" aria-hidden="true"></span>
            <span class="visually-hidden">{label}</span>
            <Show when=move || { unread.get() > 0 }>
                <span class="bell__count" aria-hidden="true" data-testid="unread-count">
                    {move || if unread.get() > 99 { "99+".to_owned() } else { unread.get().to_string() }}
                </span>
            </Show>
        </Link>
    }
}
