use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use shared::account::MIN_PASSWORD_CHARS;

use super::landing;
use crate::api;
use crate::components::{ErrorNotice, FieldError, Loading, load, use_auth, use_go};

/// Where an invitee sets their name and password.
#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let invitation = load(token, |token: String| async move {
        api::invitation(&token).await
    });
    let auth = use_auth();
    let go = use_go();
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let fields = RwSignal::new(std::collections::BTreeMap::<String, String>::new());
    let error = RwSignal::new(None::<String>);

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        error.set(None);
        fields.set(Default::default());
        if password.get_untracked() != confirm.get_untracked() {
            fields.update(|f| {
                f.insert("confirm".into(), "does not match the password".into());
            });
            return;
        }
        let go = go.clone();
        leptos::task::spawn_local(async move {
            match api::accept_invitation(&token(), name.get_untracked(), password.get_untracked())
                .await
            {
                Ok(user) => {
                    let to = landing(user.role);
                    auth.user.set(Some(user));
                    go(to);
                }
                Err(failure) => {
                    fields.set(failure.fields());
                    if failure.fields().is_empty() {
                        error.set(Some(failure.to_string()));
                    }
                }
            }
        });
    };
    let field =
        move |key: &'static str| Signal::derive(move || fields.with(|f| f.get(key).cloned()));

    let content = move || {
        invitation.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(info) => view! {
                <p>
                    "You are invited to PeerPosture as "<strong>{info.role.label()}</strong>
                    {info.org.map(|org| format!(" of {}", org.name))}
                    " with the email "<strong>{info.email}</strong>"."
                </p>
                <form class="form" on:submit=submit.clone()>
                    <label class="field">
                        <span class="field__label">"Your name"</span>
                        <input type="text" autocomplete="name" required bind:value=name/>
                        <FieldError message=field("name")/>
                    </label>
                    <label class="field">
                        <span class="field__label">"Password"</span>
                        <input type="password" autocomplete="new-password" required bind:value=password/>
                        <span class="field__hint">{format!("At least {MIN_PASSWORD_CHARS} characters.")}</span>
                        <FieldError message=field("password")/>
                    </label>
                    <label class="field">
                        <span class="field__label">"Repeat the password"</span>
                        <input type="password" autocomplete="new-password" required bind:value=confirm/>
                        <FieldError message=field("confirm")/>
                    </label>
                    {move || error.get().map(|message| view! { <p class="notice notice--error" role="alert">{message}</p> })}
                    <button type="submit" class="button button--primary">"Create my account"</button>
                </form>
                <p class="hint">{format!("This link works once and expires {}.", shared::format::timestamp(&info.expires_at))}</p>
            }
            .into_any(),
        })
    };
    view! {
        <section class="page page--narrow">
            <div class="card">
                <h1>"Accept your invitation"</h1>
                {move || content().unwrap_or_else(|| view! { <Loading what="the invitation"/> }.into_any())}
            </div>
        </section>
    }
}
