//! The invitation form: invite someone by email with a role and show the one-time link.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::account::{InvitationCreated, NewInvitation, Role};
use shared::format::timestamp;

use crate::api;
use crate::components::{FieldError, Form, FormFailure, load_once};

/// Invites by email with a role; shows the one-time link. Member admins get their own
/// organisation fixed (`fixed_org`); admins choose one for member roles, and a client
/// organisation for client reviewers.
#[component]
pub fn InvitationForm(roles: &'static [Role], fixed_org: Option<i64>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(roles[0]);
    let org = RwSignal::new(fixed_org);
    let client = RwSignal::new(None::<i64>);
    let created = RwSignal::new(None::<InvitationCreated>);
    let form = Form::new();
    let orgs = load_once(move || async move {
        if fixed_org.is_some() {
            Ok(Vec::new())
        } else {
            api::orgs().await
        }
    });
    let invites_clients = roles.contains(&Role::ClientReviewer);
    let clients = load_once(move || async move {
        if invites_clients {
            api::client_orgs().await
        } else {
            Ok(Vec::new())
        }
    });

    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let chosen_role = role.get_untracked();
        let invitation = NewInvitation {
            email: email.get_untracked(),
            role: chosen_role,
            org_id: if chosen_role.is_member() {
                org.get_untracked()
            } else {
                None
            },
            client_id: if chosen_role == Role::ClientReviewer {
                client.get_untracked()
            } else {
                None
            },
        };
        form.send(
            async move { api::invite(&invitation).await },
            move |invitation| {
                created.set(Some(invitation));
                email.set(String::new());
            },
        );
    };
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();

    view! {
        <form class="form form--grid" on:submit=submit>
            <label class="field">
                <span class="field__label">"Email"</span>
                <input type="email" required bind:value=email/>
                <FieldError message=form.field("email")/>
            </label>
            <label class="field">
                <span class="field__label">"Role"</span>
                <select on:change=move |ev| {
                    if let Some(chosen) = Role::from_key(&event_target_value(&ev)) { role.set(chosen) }
                }>
                    {roles.iter().map(|r| view! { <option value=r.key()>{r.label()}</option> }).collect_view()}
                </select>
            </label>
            <Show when=move || fixed_org.is_none() && role.get().is_member()>
                <label class="field">
                    <span class="field__label">"Organisation"</span>
                    <select on:change=move |ev| org.set(event_target_value(&ev).parse().ok())>
                        <option value="">"Choose…"</option>
                        {move || orgs.get().and_then(Result::ok).unwrap_or_default().into_iter()
                            .map(|o| view! { <option value=o.id.to_string()>{o.name}</option> }).collect_view()}
                    </select>
                    <FieldError message=form.field("org_id")/>
                </label>
            </Show>
            <Show when=move || role.get() == Role::ClientReviewer>
                <label class="field">
                    <span class="field__label">"Client organisation"</span>
                    <select name="client_id" on:change=move |ev| client.set(event_target_value(&ev).parse().ok())>
                        <option value="">"Choose…"</option>
                        {move || clients.get().and_then(Result::ok).unwrap_or_default().into_iter()
                            .map(|c| view! { <option value=c.id.to_string()>{c.name}</option> }).collect_view()}
                    </select>
                    <FieldError message=form.field("client_id")/>
                </label>
            </Show>
            <div class="form-actions field--wide">
                <button type="submit" class="button button--primary" disabled=move || form.busy()>"Create invitation"</button>
            </div>
        </form>
        <FormFailure form/>
        {move || created.get().map(|invitation| view! {
            <div class="notice notice--ok" role="status">
                "Invitation created. Send this one-time link to the invitee (valid until "
                {timestamp(&invitation.expires_at)}"):"
                <pre class="secret" data-testid="invitation-link">{format!("{origin}{}", invitation.url)}</pre>
            </div>
        })}
    }
}
