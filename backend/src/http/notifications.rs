//! Notifications in the app (`/api/v1/notifications`), their settings, unsubscribe links, and
//! webhooks (`/api/v1/webhooks`, member admins of the organisation only).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use shared::notify::{
    MarkRead, NewWebhook, NotificationKind, NotificationList, NotificationSetting,
    NotificationSettings, UnreadCount, Unsubscribed, WEBHOOKS_PER_ORG, Webhook, WebhookAttempt,
    WebhookInput, validate_webhook,
};

use super::AppState;
use super::extract::{ApiJson, CurrentUser, OrgAdmin};
use super::routes::*;
use crate::auth;
use crate::error::{AppError, Result};
use crate::events::{Audit, Event};
use crate::notify::compose::read_unsubscribe_token;
use crate::store::AuditRecord;

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/v1/notifications",
            list,
            200,
            Session,
            "The user's latest notifications (at most 50) and unread count",
        )
        .returns(one::<NotificationList>()),
        get(
            "/v1/notifications/unread",
            unread,
            200,
            Session,
            "The user's unread count (the bell)",
        )
        .returns(one::<UnreadCount>()),
        post(
            "/v1/notifications/read",
            mark_read,
            200,
            Session,
            "Mark the given notifications read, or all of them",
        )
        .takes(one::<MarkRead>())
        .returns(one::<UnreadCount>()),
        get(
            "/v1/notifications/settings",
            settings,
            200,
            Session,
            "Per kind: shown in the app, emailed; and whether email is configured",
        )
        .returns(one::<NotificationSettings>()),
        put(
            "/v1/notifications/settings",
            save_settings,
            200,
            Session,
            "Change what each kind of notification reaches",
        )
        .takes(one::<NotificationSettings>())
        .returns(one::<NotificationSettings>()),
        post(
            "/v1/unsubscribe",
            unsubscribe,
            200,
            Anyone,
            "Follow an email's unsubscribe link (RFC 8058 one-click): stop that kind of email",
        )
        .query(&[("token", true, string)])
        .returns(one::<Unsubscribed>())
        .errors(&[404]),
        get(
            "/v1/webhooks",
            webhooks,
            200,
            Session,
            "The organisation's webhooks (member admin)",
        )
        .returns(many::<Webhook>()),
        post(
            "/v1/webhooks",
            create_webhook,
            201,
            Session,
            "Register an HTTPS endpoint for events; its signing secret is shown once (member admin)",
        )
        .takes(one::<WebhookInput>())
        .returns(one::<NewWebhook>())
        .errors(&[409]),
        delete(
            "/v1/webhooks/{id}",
            delete_webhook,
            204,
            Session,
            "Delete a webhook, keeping its delivery log (member admin)",
        ),
        post(
            "/v1/webhooks/{id}/test",
            test_webhook,
            202,
            Session,
            "Queue a sample `ping` request to the webhook (member admin)",
        ),
        post(
            "/v1/webhooks/{id}/resume",
            resume_webhook,
            200,
            Session,
            "Resume a webhook paused after repeated failures (member admin)",
        )
        .returns(one::<Webhook>()),
        get(
            "/v1/webhooks/{id}/attempts",
            attempts,
            200,
            Session,
            "A webhook's latest delivery attempts with the answers (member admin)",
        )
        .returns(many::<WebhookAttempt>()),
    ]
}

/// Notifications listed at most.
const LISTED: i64 = 50;
/// Ids one request may mark read.
const MARK_AT_MOST: usize = 200;

async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<NotificationList>> {
    let (unread, items) = state.store.notifications(user.id, LISTED).await?;
    Ok(Json(NotificationList { unread, items }))
}

async fn unread(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<UnreadCount>> {
    Ok(Json(UnreadCount {
        unread: state.store.unread_count(user.id).await?,
    }))
}

async fn mark_read(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(request): ApiJson<MarkRead>,
) -> Result<Json<UnreadCount>> {
    if request
        .ids
        .as_ref()
        .is_some_and(|ids| ids.len() > MARK_AT_MOST)
    {
        return Err(AppError::invalid(
            "ids",
            format!("at most {MARK_AT_MOST} at a time"),
        ));
    }
    state
        .store
        .mark_read(user.id, request.ids.as_deref(), state.clock.now())
        .await?;
    Ok(Json(UnreadCount {
        unread: state.store.unread_count(user.id).await?,
    }))
}

/// Every kind a user may set, with the stored choice or the default (both on).
async fn settings_of(state: &AppState, user_id: i64) -> Result<NotificationSettings> {
    let stored = state.store.notification_settings(Some(user_id)).await?;
    let settings = NotificationKind::user_kinds()
        .map(|kind| {
            let (in_app, email) = stored
                .iter()
                .find(|(_, k, _, _)| k == kind.key())
                .map_or((true, true), |(_, _, in_app, email)| (*in_app, *email));
            NotificationSetting {
                kind,
                in_app,
                email,
            }
        })
        .collect();
    Ok(NotificationSettings {
        email_configured: state.notify.mailer.is_some(),
        settings,
    })
}

async fn settings(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Json<NotificationSettings>> {
    Ok(Json(settings_of(&state, user.id).await?))
}

async fn save_settings(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(request): ApiJson<NotificationSettings>,
) -> Result<Json<NotificationSettings>> {
    if let Some(bad) = request
        .settings
        .iter()
        .find(|s| !NotificationKind::user_kinds().any(|k| k == s.kind))
    {
        return Err(AppError::invalid(
            "settings",
            format!("`{}` is not a setting of users", bad.kind.key()),
        ));
    }
    state
        .store
        .set_notification_settings(user.id, &request.settings)
        .await?;
    // Turning an email back on also lifts an earlier unsubscribe of that kind.
    let turned_on: Vec<NotificationKind> = request
        .settings
        .iter()
        .filter(|s| s.email)
        .map(|s| s.kind)
        .collect();
    if !turned_on.is_empty() {
        state.store.resubscribe(&user.email, &turned_on).await?;
    }
    Ok(Json(settings_of(&state, user.id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenQuery {
    token: String,
}

/// The target of an email's unsubscribe link: the address stops receiving that kind. Works
/// without a session, from the link alone (RFC 8058 one-click: the body is not read).
async fn unsubscribe(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> Result<Json<Unsubscribed>> {
    let (email, kind) = read_unsubscribe_token(&state.notify.link_key, &query.token)
        .ok_or_else(|| AppError::NotFound("this unsubscribe link is not valid".to_owned()))?;
    let user_id = state.store.credentials(&email).await?.map(|c| c.user.id);
    state
        .store
        .unsubscribe(&email, kind, user_id, state.clock.now())
        .await?;
    tracing::info!(kind = kind.key(), "an address unsubscribed");
    Ok(Json(Unsubscribed { email, kind }))
}

async fn webhooks(State(state): State<AppState>, admin: OrgAdmin) -> Result<Json<Vec<Webhook>>> {
    Ok(Json(
        state
            .store
            .webhooks(admin.org_id)
            .await?
            .iter()
            .map(|w| w.info())
            .collect(),
    ))
}

async fn create_webhook(
    State(state): State<AppState>,
    OrgAdmin { user, org_id }: OrgAdmin,
    ApiJson(mut input): ApiJson<WebhookInput>,
) -> Result<(StatusCode, Json<NewWebhook>)> {
    input.url = input.url.trim().to_owned();
    validate_webhook(&input, state.config.webhook_allow_loopback).map_err(AppError::validation)?;
    input.events.sort_unstable();
    input.events.dedup();
    if state.store.webhooks(org_id).await?.len() >= WEBHOOKS_PER_ORG {
        return Err(AppError::Conflict(format!(
            "an organisation may register at most {WEBHOOKS_PER_ORG} webhooks"
        )));
    }
    let secret = format!("whsec_{}", auth::random_token());
    let mut audit = AuditRecord::new(&user.email, Audit::WebhookCreated, &input.url, "");
    audit.org_id = Some(org_id);
    let mut write = state.store.write().await?;
    let id = state
        .store
        .create_webhook(
            &mut write,
            org_id,
            &input.url,
            &secret,
            &input.events,
            user.id,
        )
        .await?;
    write.commit_audited(&audit).await?;
    let webhook = state
        .store
        .webhook(id)
        .await?
        .ok_or_else(|| AppError::Internal("the new webhook is gone".to_owned()))?
        .info();
    Ok((StatusCode::CREATED, Json(NewWebhook { webhook, secret })))
}

/// The organisation's webhook `id`, or 404 (also for another organisation's).
async fn own_webhook(
    state: &AppState,
    org_id: i64,
    id: i64,
) -> Result<crate::store::notify::WebhookRow> {
    state
        .store
        .webhook(id)
        .await?
        .filter(|w| w.org_id == org_id && w.deleted_at.is_none())
        .ok_or_else(|| AppError::NotFound(format!("no webhook #{id}")))
}

async fn delete_webhook(
    State(state): State<AppState>,
    OrgAdmin { user, org_id }: OrgAdmin,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    let hook = own_webhook(&state, org_id, id).await?;
    let mut audit = AuditRecord::new(&user.email, Audit::WebhookDeleted, &hook.url, "");
    audit.org_id = Some(org_id);
    let mut write = state.store.write().await?;
    if !state
        .store
        .delete_webhook(&mut write, org_id, id, state.clock.now())
        .await?
    {
        return Err(AppError::NotFound(format!("no webhook #{id}")));
    }
    write.commit_audited(&audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Queues a sample `ping` to the webhook; its attempt shows in the webhook's log.
async fn test_webhook(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    own_webhook(&state, admin.org_id, id).await?;
    let now = state.clock.now();
    let event = Event::WebhookTest { webhook_id: id }.record(now);
    state.store.add_event(&event).await?;
    state.notify.wake();
    Ok(StatusCode::ACCEPTED)
}

async fn resume_webhook(
    State(state): State<AppState>,
    OrgAdmin { user, org_id }: OrgAdmin,
    Path(id): Path<i64>,
) -> Result<Json<Webhook>> {
    let hook = own_webhook(&state, org_id, id).await?;
    let mut audit = AuditRecord::new(&user.email, Audit::WebhookResumed, &hook.url, "");
    audit.org_id = Some(org_id);
    let mut write = state.store.write().await?;
    if state.store.resume_webhook(&mut write, org_id, id).await? {
        write.commit_audited(&audit).await?;
    }
    state.notify.wake();
    Ok(Json(own_webhook(&state, org_id, id).await?.info()))
}

async fn attempts(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(id): Path<i64>,
) -> Result<Json<Vec<WebhookAttempt>>> {
    own_webhook(&state, admin.org_id, id).await?;
    Ok(Json(state.store.webhook_attempts(id, 50).await?))
}
