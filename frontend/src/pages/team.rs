//! "Team & tokens", for member admins: who has an account in the organisation and who created
//! it, every invitation, every read of the organisation's values, inviting colleagues and
//! managing API tokens.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::account::{ApiTokenCreated, NewApiToken, Role, TOKEN_DEFAULT_DAYS, Team, TokenScope};
use shared::format::timestamp;

use crate::api;
use crate::components::{
    ErrorNotice, Form, InvitationForm, Loading, RequireRole, listing, load, load_once, use_auth,
};

#[component]
pub fn TeamPage() -> impl IntoView {
    view! {
        <RequireRole roles=&[Role::MemberAdmin]>
            <section class="page">
                <h1>"Team & tokens"</h1>
                <People/>
                <TeamInvitations/>
                <Tokens/>
            </section>
        </RequireRole>
    }
}

/// "Platform admin" beside an inviter from outside the organisation: nobody joins unseen.
fn inviter(email: Option<String>, outside: bool) -> impl IntoView {
    match email {
        None => view! { <span class="muted">"set up with the organisation"</span> }.into_any(),
        Some(email) => view! {
            {email}
            {outside.then(|| view! { " " <span class="badge badge--outside">"from outside your organisation"</span> })}
        }
        .into_any(),
    }
}

/// Every account and invitation of the organisation, and every read of its values.
#[component]
fn People() -> impl IntoView {
    let team = load_once(api::team);
    let body = move || {
        team.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(Team { accounts, invitations, value_reads }) => {
                let accounts = accounts.into_iter().map(|a| view! {
                    <tr data-email=a.email.clone()>
                        <td>{a.name}</td><td>{a.email.clone()}</td><td>{a.role.label()}</td>
                        <td>{timestamp(&a.created_at)}</td>
                        <td>{inviter(a.invited_by, a.invited_from_outside)}</td>
                    </tr>
                }.into_any()).collect();
                let invitations = invitations.into_iter().map(|i| view! {
                    <tr>
                        <td>{i.email}</td><td>{i.role.label()}</td>
                        <td>{inviter(Some(i.invited_by), i.invited_from_outside)}</td>
                        <td>{i.accepted_at.as_deref().map_or_else(|| format!("open until {}", timestamp(&i.expires_at)), |at| format!("accepted {}", timestamp(at)))}</td>
                    </tr>
                }.into_any()).collect();
                let reads = value_reads.into_iter().map(|entry| view! {
                    <tr>
                        <td>{timestamp(&entry.at)}</td><td>{entry.actor}</td>
                        <td>{entry.target.rsplit(", ").next().unwrap_or_default().to_owned()}</td>
                        <td>{entry.detail}</td>
                    </tr>
                }.into_any()).collect();
                view! {
                    <section class="card">
                        <h2>"People"</h2>
                        <p class="hint">"Everyone with an account in your organisation, and who invited them. Platform admins can invite people into any organisation; such accounts are marked."</p>
                        {listing("team-accounts", &["Name", "Email", "Role", "Since", "Invited by"], "No accounts yet.", accounts)}
                        <h3>"Invitations"</h3>
                        {listing("team-invitations", &["Email", "Role", "Invited by", "Status"], "No invitations yet.", invitations)}
                        <h3>"Reads of your values"</h3>
                        <p class="hint">"Every time anyone opened your organisation's submitted values (the form, your position, compliance), newest first."</p>
                        {listing("value-reads", &["When", "Who", "Quarter", "Through"], "Nobody has read your values yet.", reads)}
                    </section>
                }
                .into_any()
            }
        })
    };
    move || body().unwrap_or_else(|| view! { <Loading what="your team"/> }.into_any())
}

#[component]
fn TeamInvitations() -> impl IntoView {
    let auth = use_auth();
    let org = auth
        .user
        .with_untracked(|u| u.as_ref().and_then(|u| u.org.clone()));
    let org_id = org.as_ref().map(|o| o.id);
    view! {
        <section class="card">
            <h2>"Invite a colleague"</h2>
            <p class="hint">
                {format!("Colleagues join {} as viewers (executives who read) or admins (who submit and manage tokens).",
                    org.map_or_else(String::new, |o| o.name))}
            </p>
            <InvitationForm roles=&[Role::MemberViewer, Role::MemberAdmin] fixed_org=org_id/>
        </section>
    }
}

#[component]
fn Tokens() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let tokens = load(move || version.get(), |_| api::tokens());
    let name = RwSignal::new(String::new());
    let access = RwSignal::new("read,submit".to_owned());
    let days = RwSignal::new(TOKEN_DEFAULT_DAYS.to_string());
    let created = RwSignal::new(None::<ApiTokenCreated>);
    let form = Form::new();
    let create = move |event: SubmitEvent| {
        event.prevent_default();
        let request = NewApiToken {
            name: name.get_untracked(),
            scopes: access
                .get_untracked()
                .split(',')
                .filter_map(TokenScope::from_key)
                .collect(),
            expires_in_days: days.get_untracked().parse().unwrap_or(TOKEN_DEFAULT_DAYS),
        };
        form.send(
            async move { api::create_token(&request).await },
            move |token| {
                created.set(Some(token));
                name.set(String::new());
                version.update(|v| *v += 1);
            },
        );
    };
    let revoke = move |id: i64| {
        form.send(api::revoke_token(id), move |()| version.update(|v| *v += 1));
    };
    let list = move || {
        tokens.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(tokens) => {
                let rows = tokens.into_iter().map(|token| {
                    let id = token.id;
                    let status = match (&token.revoked_at, token.active) {
                        (Some(at), _) => format!("revoked {}", timestamp(at)),
                        (None, true) => "active".to_owned(),
                        (None, false) => "ended: expired, or its creator is no longer an admin".to_owned(),
                    };
                    let scopes: Vec<&str> = token.scopes.iter().map(|scope| scope.key()).collect();
                    view! {
                        <tr>
                            <td>{token.name}</td>
                            <td>{scopes.join(", ")}</td>
                            <td>{timestamp(&token.created_at)}</td>
                            <td>{timestamp(&token.expires_at)}</td>
                            <td>{token.last_used_at.as_deref().map_or_else(|| "never".to_owned(), timestamp)}</td>
                            <td>{status}</td>
                            <td>{token.revoked_at.is_none().then(|| view! { <button class="button button--small" on:click=move |_| revoke(id)>"Revoke"</button> })}</td>
                        </tr>
                    }
                    .into_any()
                }).collect();
                listing("tokens", &["Name", "May", "Created", "Expires", "Last used", "Status", ""], "No API tokens yet.", rows)
            }
        })
    };
    view! {
        <section class="card">
            <h2>"API tokens"</h2>
            <p class="hint">
                "Systems send "<code>"Authorization: Bearer <token>"</code>" to submit ("
                <code>"PUT /api/v1/submissions/{period}"</code>") or read the organisation's values and position, as the token allows. "
                "A token is shown once; only a hash is stored. It ends when it expires, when it is revoked, or when you stop being an admin."
            </p>
            <form class="form form--inline" on:submit=create>
                <label class="field">
                    <span class="field__label">"Token name"</span>
                    <input type="text" name="token-name" required maxlength="80" placeholder="e.g. GRC platform export" bind:value=name/>
                </label>
                <label class="field">
                    <span class="field__label">"May"</span>
                    <select name="token-scopes" bind:value=access>
                        <option value="read,submit">"submit and read"</option>
                        <option value="submit">"submit only"</option>
                        <option value="read">"read only"</option>
                    </select>
                </label>
                <label class="field">
                    <span class="field__label">"Expires after"</span>
                    <select name="token-days" bind:value=days>
                        <option value="30">"30 days"</option>
                        <option value="90">"90 days"</option>
                        <option value="180">"180 days"</option>
                        <option value="365">"365 days"</option>
                    </select>
                </label>
                <button type="submit" class="button button--primary" data-testid="create-token" disabled=move || form.busy()>"Create token"</button>
            </form>
            {move || created.get().map(|token| view! {
                <div class="notice notice--ok" role="status">
                    "Token “"{token.name}"” created. Copy it now; it will not be shown again:"
                    <pre class="secret" data-testid="new-token">{token.token}</pre>
                </div>
            })}
            {move || form.failure().map(|error| view! { <ErrorNotice error/> })}
            {move || list().unwrap_or_else(|| view! { <Loading what="tokens"/> }.into_any())}
        </section>
    }
}
