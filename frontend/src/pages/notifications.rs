//! `/notifications`: the inbox behind the bell and what each kind of notification reaches
//! (the app, email); `/unsubscribe`: the target of an email's unsubscribe link.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::account::Role;
use shared::format::timestamp;
use shared::notify::{Notification, NotificationSetting, NotificationSettings};

use crate::api;
use crate::components::{
    ErrorNotice, Form, Link, Loading, RequireRole, Unread, load, use_auth, use_go,
};

const EVERYONE: &[Role] = &Role::ALL;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let auth = use_auth();
    let admin = move || auth.role() == Some(Role::MemberAdmin);
    view! {
        <RequireRole roles=EVERYONE>
            <section class="page">
                <h1>"Notifications"</h1>
                <Inbox/>
                <Settings/>
                <Show when=admin>
                    <section class="card card--muted">
                        <h2>"Your systems"</h2>
                        <p>"Send the same events to your organisation's systems (a SIEM, a ticketing tool, chat) as signed HTTPS requests."</p>
                        <p><Link href="/webhooks" class="button">"Manage webhooks"</Link></p>
                    </section>
                </Show>
            </section>
        </RequireRole>
    }
}

#[component]
fn Inbox() -> impl IntoView {
    let Unread(unread) = expect_context::<Unread>();
    let version = RwSignal::new(0u32);
    let list = load(move || version.get(), |_| api::notifications());
    let error = RwSignal::new(None::<api::ApiError>);
    let go = use_go();
    let mark = move |ids: Option<Vec<i64>>| {
        leptos::task::spawn_local(async move {
            match api::mark_read(ids).await {
                Ok(count) => {
                    unread.set(count.unread);
                    version.update(|v| *v += 1);
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let item = move |n: Notification| {
        let go = go.clone();
        let link = n.link.clone();
        let id = n.id;
        let was_read = n.read;
        let open = move |event: leptos::ev::MouseEvent| {
            event.prevent_default();
            let go = go.clone();
            let link = link.clone();
            leptos::task::spawn_local(async move {
                if !was_read {
                    let _ = api::mark_read(Some(vec![id])).await;
                }
                go(&link);
            });
        };
        view! {
            <li class=if n.read { "inbox__item" } else { "inbox__item inbox__item--unread" } data-kind=n.kind.key()>
                <a class="inbox__title" href=n.link.clone() on:click=open>{n.title}</a>
                <span>{n.body}</span>
                <span class="inbox__meta">
                    {n.kind.label()} " · " {timestamp(&n.created_at)}
                    {(!n.read).then_some(" · unread")}
                </span>
            </li>
        }
    };
    let body = move || {
        list.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(list) => {
                unread.set(list.unread);
                if list.items.is_empty() {
                    return view! {
                        <p class="empty">"Nothing yet. You will hear here when a quarter is released, a deadline draws near, the standard you follow changes, or your practices are reviewed."</p>
                    }
                    .into_any();
                }
                let count = list.unread;
                let items: Vec<_> = list.items.into_iter().map(item.clone()).collect();
                view! {
                    <p class="hint" data-testid="inbox-summary">
                        {match count { 0 => "All read.".to_owned(), 1 => "1 unread.".to_owned(), n => format!("{n} unread.") }}
                        " Showing the latest 50."
                    </p>
                    {(count > 0).then(|| view! {
                        <p><button class="button button--small" on:click=move |_| mark(None)>"Mark all as read"</button></p>
                    })}
                    <ul class="inbox" data-testid="inbox">{items}</ul>
                }
                .into_any()
            }
        })
    };
    view! {
        <section class="card">
            <h2>"Inbox"</h2>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            {move || body().unwrap_or_else(|| view! { <Loading what="your notifications"/> }.into_any())}
        </section>
    }
}

#[component]
fn Settings() -> impl IntoView {
    let settings = load(|| (), |()| api::notification_settings());
    let draft = RwSignal::new(Vec::<NotificationSetting>::new());
    let email_configured = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let form = Form::new();
    Effect::new(move |_| {
        if let Some(Ok(loaded)) = settings.get() {
            email_configured.set(loaded.email_configured);
            draft.set(loaded.settings);
        }
    });
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        saved.set(false);
        let request = NotificationSettings {
            email_configured: false,
            settings: draft.get_untracked(),
        };
        form.send(
            async move { api::save_notification_settings(&request).await },
            move |stored| {
                draft.set(stored.settings);
                saved.set(true);
            },
        );
    };
    let toggle = move |index: usize, email: bool| {
        saved.set(false);
        draft.update(|settings| {
            if let Some(setting) = settings.get_mut(index) {
                if email {
                    setting.email = !setting.email;
                } else {
                    setting.in_app = !setting.in_app;
                }
            }
        });
    };
    let rows = move || {
        draft
            .get()
            .into_iter()
            .enumerate()
            .map(|(index, setting)| {
                let key = setting.kind.key();
                view! {
                    <tr data-kind=key>
                        <th scope="row">{setting.kind.label()}</th>
                        <td>
                            <input type="checkbox" name=format!("in_app-{key}") prop:checked=setting.in_app
                                aria-label=format!("{} in the app", setting.kind.label())
                                on:change=move |_| toggle(index, false)/>
                        </td>
                        <td>
                            <input type="checkbox" name=format!("email-{key}") prop:checked=setting.email
                                aria-label=format!("{} by email", setting.kind.label())
                                on:change=move |_| toggle(index, true)/>
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <section class="card">
            <h2>"What you receive"</h2>
            <Show when=move || matches!(settings.get(), Some(Ok(_))) fallback=move || match settings.get() {
                Some(Err(error)) => view! { <ErrorNotice error/> }.into_any(),
                _ => view! { <Loading what="your settings"/> }.into_any(),
            }>
                <Show when=move || !email_configured.get()>
                    <p class="notice" data-testid="no-email">"This server has no mail relay configured: notifications stay in the app. Your email choices apply once it has one."</p>
                </Show>
                <form on:submit=save>
                    <div class="table-scroll" tabindex="0" role="region" aria-label="Notification settings">
                        <table class="table table--settings" data-testid="notification-settings">
                            <thead><tr><th scope="col">"Kind"</th><th scope="col">"In the app"</th><th scope="col">"By email"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                    <p class="hint">"Every email also carries a link that stops its kind with one click."</p>
                    <p>
                        <button type="submit" class="button button--primary" disabled=move || form.busy()>"Save settings"</button>
                        <Show when=move || saved.get()>
                            " " <span class="notice--ok" role="status" data-testid="settings-saved">"Saved."</span>
                        </Show>
                    </p>
                    {move || form.failure().map(|error| view! { <ErrorNotice error/> })}
                </form>
            </Show>
        </section>
    }
}

/// The page an email's unsubscribe link opens: one button, no login.
#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let done = RwSignal::new(None::<Result<shared::notify::Unsubscribed, api::ApiError>>);
    let confirm = move |_| {
        let token = token();
        leptos::task::spawn_local(async move {
            done.set(Some(api::unsubscribe(&token).await));
        });
    };
    view! {
        <section class="page page--narrow">
            <h1>"Unsubscribe"</h1>
            {move || match done.get() {
                None => view! {
                    <p>"Stop this kind of email from PeerPosture? Other kinds, and what you see in the app, stay as they are."</p>
                    <p><button class="button button--primary" on:click=confirm>"Stop these emails"</button></p>
                }
                .into_any(),
                Some(Ok(done)) => view! {
                    <p class="notice notice--ok" role="status" data-testid="unsubscribed">
                        {format!("Done: {} will no longer receive \u{201c}{}\u{201d} emails.", done.email, done.kind.label())}
                    </p>
                    <p>"You can turn them on again in your notification settings."</p>
                    <p><Link href="/notifications">"Notification settings"</Link></p>
                }
                .into_any(),
                Some(Err(error)) => view! { <ErrorNotice error/> }.into_any(),
            }}
        </section>
    }
}
