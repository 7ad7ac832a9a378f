use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use shared::account::Role;

use super::auth::use_auth;
use crate::api;

/// Product name, the navigation the user's role may use, and who is logged in.
#[component]
pub fn Header() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let logout = move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            // Whatever the server says, the browser forgets the session.
            let _ = api::logout().await;
            auth.user.set(None);
            navigate("/", Default::default());
        });
    };
    let role = move || auth.role();
    let is = move |roles: &'static [Role]| move || role().is_some_and(|r| roles.contains(&r));
    view! {
        <header class="site-header">
            <a class="skip-link" href="#content">"Skip to content"</a>
            <div class="site-header__inner">
                <A href="/" attr:class="brand">
                    <span class="brand__mark" aria-hidden="true">"PP"</span>
                    <span class="brand__name">"PeerPosture"</span>
                </A>
                <nav aria-label="Main">
                    <ul class="nav">
                        <li><A href="/" exact=true>"Overview"</A></li>
                        <li><A href="/metrics">"Metrics"</A></li>
                        <li><A href="/methodology">"Methodology"</A></li>
                        <Show when=is(&[Role::MemberAdmin, Role::MemberViewer])>
                            <li><A href="/dashboard">"Dashboard"</A></li>
                            <li><A href="/submit">"Our data"</A></li>
                        </Show>
                        <li><A href="/industry">"Industry"</A></li>
                        <Show when=is(&[Role::MemberAdmin])>
                            <li><A href="/team">"Team & tokens"</A></li>
                        </Show>
                        <Show when=is(&[Role::Admin])>
                            <li><A href="/admin">"Administration"</A></li>
                        </Show>
                    </ul>
                </nav>
                <div class="session">
                    {move || match auth.user.get() {
                        Some(user) => view! {
                            <span class="session__who" data-testid="session-user">
                                <strong>{user.name.clone()}</strong>
                                <span class="session__org">
                                    {user.org.as_ref().map_or_else(|| user.role.label().to_owned(), |org| org.name.clone())}
                                </span>
                            </span>
                            <button class="button button--ghost" on:click=logout.clone()>"Log out"</button>
                        }
                        .into_any(),
                        None => view! { <A href="/login" attr:class="button button--ghost">"Log in"</A> }.into_any(),
                    }}
                </div>
            </div>
        </header>
    }
}
