//! Who is logged in, shared by every page through context.

use leptos::prelude::*;
use shared::account::{Role, User};

use crate::api;

/// The session as the app knows it.
#[derive(Debug, Clone, Copy)]
pub struct Auth {
    /// `None` while logged out.
    pub user: RwSignal<Option<User>>,
    /// False until the first `GET /api/v1/auth/me` has answered.
    pub checked: RwSignal<bool>,
}

impl Auth {
    pub fn role(&self) -> Option<Role> {
        self.user.with(|user| user.as_ref().map(|u| u.role))
    }
}

/// Creates the session context and asks the server who is logged in.
pub fn provide_auth() -> Auth {
    let auth = Auth {
        user: RwSignal::new(None),
        checked: RwSignal::new(false),
    };
    provide_context(auth);
    leptos::task::spawn_local(async move {
        if let Ok(user) = api::me().await {
            auth.user.set(user);
        }
        auth.checked.set(true);
    });
    auth
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// Renders `children` only for a logged-in user with one of `roles`; otherwise explains why
/// not and offers the way forward.
#[component]
pub fn RequireRole(roles: &'static [Role], children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    move || {
        if !auth.checked.get() {
            return view! { <super::Loading what="your session"/> }.into_any();
        }
        match auth.role() {
            None => view! {
                <section class="page page--narrow">
                    <h1>"Please log in"</h1>
                    <p>"This page is for PeerPosture members and staff."</p>
                    <p><super::Link href="/login" class="button button--primary">"Log in"</super::Link></p>
                </section>
            }
            .into_any(),
            Some(role) if roles.contains(&role) => children().into_any(),
            Some(role) => view! {
                <section class="page page--narrow">
                    <h1>"Not available for your role"</h1>
                    <p>{format!("You are logged in as {}, which cannot use this page.", role.label())}</p>
                    <p><super::Link href="/">"Go to the overview"</super::Link></p>
                </section>
            }
            .into_any(),
        }
    }
}
