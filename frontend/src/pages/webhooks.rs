//! `/webhooks`, for member admins: HTTPS endpoints of the organisation's systems that receive
//! its events as signed requests, with a test button and each endpoint's delivery log.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::account::Role;
use shared::format::timestamp;
use shared::notify::{NewWebhook, NotificationKind, Webhook, WebhookInput};

use crate::api;
use crate::components::{
    ErrorNotice, FieldError, Form, FormFailure, Loading, RequireRole, listing, load,
};

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    view! {
        <RequireRole roles=&[Role::MemberAdmin]>
            <section class="page">
                <h1>"Webhooks"</h1>
                <p class="hint">"Your systems hear of your organisation's events as they happen: a signed JSON request to an HTTPS address you choose."</p>
                <NewWebhookForm version/>
                <WebhookList version/>
                <Verifying/>
            </section>
        </RequireRole>
    }
}

#[component]
fn NewWebhookForm(version: RwSignal<u32>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let chosen = RwSignal::new(vec![NotificationKind::Released, NotificationKind::Deadline]);
    let created = RwSignal::new(None::<NewWebhook>);
    let form = Form::new();
    let create = move |event: SubmitEvent| {
        event.prevent_default();
        let input = WebhookInput {
            url: url.get_untracked(),
            events: chosen.get_untracked(),
        };
        form.send(
            async move { api::create_webhook(&input).await },
            move |hook| {
                created.set(Some(hook));
                url.set(String::new());
                version.update(|v| *v += 1);
            },
        );
    };
    let kinds = NotificationKind::webhook_kinds()
        .map(|kind| {
            let checked = move || chosen.get().contains(&kind);
            let flip = move |_| {
                chosen.update(|list| {
                    if let Some(at) = list.iter().position(|k| *k == kind) {
                        list.remove(at);
                    } else {
                        list.push(kind);
                    }
                });
            };
            view! {
                <label class="check">
                    <input type="checkbox" name=format!("event-{}", kind.key()) prop:checked=checked on:change=flip/>
                    " " {kind.label()}
                </label>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>"Add a webhook"</h2>
            <form class="form" on:submit=create>
                <label class="field">
                    <span class="field__label">"HTTPS address"</span>
                    <input type="url" name="webhook-url" required maxlength="500" placeholder="https://hooks.example.com/peerposture" bind:value=url/>
                    <FieldError message=form.field("url")/>
                </label>
                <fieldset class="field">
                    <legend class="field__label">"Events"</legend>
                    {kinds}
                    <FieldError message=form.field("events")/>
                </fieldset>
                <p><button type="submit" class="button button--primary" disabled=move || form.busy()>"Add webhook"</button></p>
                <FormFailure form/>
            </form>
            {move || created.get().map(|hook| view! {
                <div class="notice notice--ok" role="status" data-testid="webhook-secret">
                    <p>{format!("Added {}. Its signing secret, shown this once:", hook.webhook.url)}</p>
                    <p><code class="secret">{hook.secret}</code></p>
                    <p>"Keep it in your receiving system to check each request's signature."</p>
                </div>
            })}
        </section>
    }
}

#[component]
fn WebhookList(version: RwSignal<u32>) -> impl IntoView {
    let hooks = load(move || version.get(), |_| api::webhooks());
    let error = RwSignal::new(None::<api::ApiError>);
    let message = RwSignal::new(None::<String>);
    let open_log = RwSignal::new(None::<i64>);
    let act = move |id: i64, action: &'static str| {
        leptos::task::spawn_local(async move {
            let result = match action {
                "test" => api::test_webhook(id).await.map(|()| {
                    "A test request is on its way: its answer appears in the delivery log."
                        .to_owned()
                }),
                "resume" => api::resume_webhook(id)
                    .await
                    .map(|_| "Resumed: what was waiting is sent now.".to_owned()),
                _ => api::delete_webhook(id)
                    .await
                    .map(|()| "Deleted.".to_owned()),
            };
            match result {
                Ok(text) => {
                    message.set(Some(text));
                    error.set(None);
                    if action == "test" {
                        open_log.set(Some(id));
                    }
                    version.update(|v| *v += 1);
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let row = move |hook: Webhook| {
        let id = hook.id;
        let events: Vec<&str> = hook.events.iter().map(|k| k.label()).collect();
        let status = match &hook.paused_at {
            Some(at) => format!("paused {} after {} failures", timestamp(at), hook.failures),
            None if hook.failures > 0 => format!("active, {} failed in a row", hook.failures),
            None => "active".to_owned(),
        };
        let paused = hook.paused_at.is_some();
        view! {
            <tr data-id=id>
                <td class="secret">{hook.url}</td>
                <td>{events.join(", ")}</td>
                <td>{status}</td>
                <td>{hook.created_by} <br/> <span class="muted">{timestamp(&hook.created_at)}</span></td>
                <td class="actions">
                    <button class="button button--small" on:click=move |_| act(id, "test")>"Send test"</button>
                    " "
                    <button class="button button--small" on:click=move |_| open_log.set(if open_log.get_untracked() == Some(id) { None } else { Some(id) })>"Delivery log"</button>
                    " "
                    {paused.then(|| view! { <button class="button button--small" on:click=move |_| act(id, "resume")>"Resume"</button> " " })}
                    <button class="button button--small" on:click=move |_| act(id, "delete")>"Delete"</button>
                </td>
            </tr>
        }
        .into_any()
    };
    let body = move || {
        hooks.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(list) => listing(
                "webhooks",
                &["Address", "Events", "Status", "Added by", ""],
                "No webhooks yet.",
                list.into_iter().map(row).collect(),
            ),
        })
    };
    view! {
        <section class="card">
            <h2>"Your webhooks"</h2>
            {move || message.get().map(|text| view! { <p class="notice notice--ok" role="status">{text}</p> })}
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            {move || body().unwrap_or_else(|| view! { <Loading what="your webhooks"/> }.into_any())}
            {move || open_log.get().map(|id| view! { <DeliveryLog id version/> })}
        </section>
    }
}

/// A webhook's latest attempts with the endpoint's answers; refreshed while a test is pending.
#[component]
fn DeliveryLog(id: i64, version: RwSignal<u32>) -> impl IntoView {
    let tick = RwSignal::new(0u32);
    let attempts = load(
        move || (version.get(), tick.get()),
        move |_| api::webhook_attempts(id),
    );
    // Deliveries are sent in the background: look again for a few seconds.
    for i in 1..=5u64 {
        set_timeout(
            move || {
                tick.try_update(|t| *t += 1);
            },
            std::time::Duration::from_millis(1_500 * i),
        );
    }
    let body = move || {
        attempts.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(list) => listing(
                "webhook-attempts",
                &["When", "Event", "Answer", "Took", "Response"],
                "No deliveries yet.",
                list.into_iter()
                    .map(|a| {
                        let answer = match (a.status, &a.error) {
                            (_, Some(error)) => error.clone(),
                            (Some(status), None) => format!("HTTP {status}"),
                            (None, None) => "no answer".to_owned(),
                        };
                        view! {
                            <tr>
                                <td>{timestamp(&a.at)}</td>
                                <td>{a.event} <br/> <span class="muted">{a.delivery}</span></td>
                                <td>{answer}</td>
                                <td>{format!("{} ms", a.duration_ms)}</td>
                                <td><code class="secret">{a.response}</code></td>
                            </tr>
                        }
                        .into_any()
                    })
                    .collect(),
            ),
        })
    };
    view! {
        <h3>"Delivery log"</h3>
        {move || body().unwrap_or_else(|| view! { <Loading what="the delivery log"/> }.into_any())}
    }
}

#[component]
fn Verifying() -> impl IntoView {
    view! {
        <section class="card card--muted">
            <h2>"Checking a request"</h2>
            <p>"Each request is a JSON "<code>"POST"</code>" with these headers:"</p>
            <ul>
                <li><code>"PeerPosture-Event"</code>": the event type ("<code>"released"</code>", "<code>"deadline"</code>", … or "<code>"ping"</code>" for a test)."</li>
                <li><code>"PeerPosture-Delivery"</code>": the event's id, the same on every retry: drop repeats by it."</li>
                <li><code>"PeerPosture-Signature: t=<unix seconds>,v1=<hex>"</code>": HMAC-SHA256 with your secret over "<code>"<t>.<raw body>"</code>". Recompute it, compare in constant time, and refuse a "<code>"t"</code>" more than five minutes from your clock."</li>
            </ul>
            <p>"Answer with a 2xx status within 10 seconds. Other answers are retried after 1, 5 and 30 minutes, then 2 and 12 hours; after 5 failures in a row the webhook is paused and you are notified."</p>
        </section>
    }
}
