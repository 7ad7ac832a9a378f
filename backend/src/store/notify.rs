//! The outbox: events, in-app notifications, settings, email opt-outs, webhooks and their
//! deliveries. Times are Unix seconds.

use async_trait::async_trait;
use shared::notify::{Notification, NotificationKind, NotificationSetting, WebhookAttempt};

use sqlx::AnyConnection;

use super::SqlStore;
use super::StoreError;
use super::Write;

pub use crate::events::EventRecord;

/// Writes `event` on `connection` (a transaction's, when it goes with other writes) at `now`,
/// unless an event with its key exists; true when it was written.
pub(super) async fn insert_event(
    connection: &mut AnyConnection,
    event: &EventRecord,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO events (kind, key, payload, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING",
    )
    .bind(event.kind)
    .bind(&event.key)
    .bind(&event.payload)
    .bind(event.at)
    .execute(connection)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An event waiting to be expanded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub created_at: i64,
}

/// An in-app notification to write.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: i64,
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    pub link: String,
}

/// An email or webhook request to send.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub channel: Channel,
    /// The address, or the webhook's id.
    pub target: String,
    pub webhook_id: Option<i64>,
    pub kind: NotificationKind,
    /// The email's subject (webhooks: the event type).
    pub subject: String,
    /// The email's text, or the webhook's JSON body.
    pub body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Webhook,
}

impl Channel {
    pub fn key(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }
}

/// A claimed delivery, with its webhook's address and secret.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub event_id: i64,
    pub channel: String,
    pub target: String,
    pub webhook_id: Option<i64>,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    pub created_at: i64,
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Failed; tried again at this time.
    Retry {
        error: String,
        at: i64,
    },
    /// Failed for the last time (or its webhook is gone).
    GaveUp {
        error: String,
    },
}

/// One webhook request and its answer, for the delivery log.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub webhook_id: i64,
    pub status: Option<i64>,
    pub response: String,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// A registered webhook.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookRow {
    pub id: i64,
    pub org_id: i64,
    pub url: String,
    pub secret: String,
    pub events: String,
    pub created_by: i64,
    pub created_by_email: String,
    pub created_at: i64,
    pub failures: i64,
    pub paused_at: Option<i64>,
    pub deleted_at: Option<i64>,
}

impl WebhookRow {
    pub fn kinds(&self) -> Vec<NotificationKind> {
        self.events
            .split(',')
            .filter_map(NotificationKind::from_key)
            .collect()
    }

    pub fn info(&self) -> shared::notify::Webhook {
        shared::notify::Webhook {
            id: self.id,
            url: self.url.clone(),
            events: self.kinds(),
            created_by: self.created_by_email.clone(),
            created_at: shared::period::rfc3339(self.created_at),
            failures: self.failures,
            paused_at: self.paused_at.map(shared::period::rfc3339),
        }
    }
}

#[async_trait]
pub trait NotifyStore {
    /// Writes an event unless one with its key exists; whether it was written.
    async fn add_event(&self, event: &EventRecord) -> Result<bool, StoreError>;
    /// Events not expanded yet, oldest first.
    async fn pending_events(&self, limit: i64) -> Result<Vec<EventRow>, StoreError>;
    /// Writes an event's notifications and deliveries and marks it expanded, in one
    /// transaction; what already exists is left as it is.
    async fn expand_event(
        &self,
        event_id: i64,
        notifications: &[NewNotification],
        deliveries: &[NewDelivery],
        now: i64,
    ) -> Result<(), StoreError>;
    /// A user's unread count and newest notifications.
    async fn notifications(
        &self,
        user_id: i64,
        limit: i64,
    ) -> Result<(i64, Vec<Notification>), StoreError>;
    async fn unread_count(&self, user_id: i64) -> Result<i64, StoreError>;
    /// Marks the user's notifications `ids` (all when `None`) read.
    async fn mark_read(
        &self,
        user_id: i64,
        ids: Option<&[i64]>,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Stored settings: of one user, or of everyone (user, kind, in app, email).
    async fn notification_settings(
        &self,
        user_id: Option<i64>,
    ) -> Result<Vec<(i64, String, bool, bool)>, StoreError>;
    async fn set_notification_settings(
        &self,
        user_id: i64,
        settings: &[NotificationSetting],
    ) -> Result<(), StoreError>;
    /// Lifts the address's unsubscribes of `kinds`.
    async fn resubscribe(
        &self,
        address: &str,
        kinds: &[NotificationKind],
    ) -> Result<(), StoreError>;
    /// Every (address, kind) that unsubscribed.
    async fn email_optouts(&self) -> Result<Vec<(String, String)>, StoreError>;
    /// Stops a kind of email to an address, and for its user (if any) in the settings.
    async fn unsubscribe(
        &self,
        address: &str,
        kind: NotificationKind,
        user_id: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Takes up to `limit` due deliveries, leasing them until `lease_until`. Deliveries of a
    /// paused webhook wait.
    async fn claim_deliveries(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError>;
    /// Records how a delivery went. For a webhook, also logs the attempt and counts the
    /// failures in a row; at `pause_after` the webhook is paused and `paused_event` written.
    /// Returns whether this paused the webhook.
    async fn finish_delivery(
        &self,
        delivery: &DeliveryRow,
        outcome: &Outcome,
        attempt: Option<&AttemptRecord>,
        pause_after: i64,
        paused_event: Option<&EventRecord>,
        now: i64,
    ) -> Result<bool, StoreError>;
    async fn create_webhook(
        &self,
        write: &mut Write,
        org_id: i64,
        url: &str,
        secret: &str,
        events: &[NotificationKind],
        created_by: i64,
    ) -> Result<i64, StoreError>;
    /// A webhook (also deleted ones, for the worker).
    async fn webhook(&self, id: i64) -> Result<Option<WebhookRow>, StoreError>;
    /// An organisation's webhooks, not deleted.
    async fn webhooks(&self, org_id: i64) -> Result<Vec<WebhookRow>, StoreError>;
    /// Deletes (keeping its log) or resumes an organisation's webhook; whether it existed.
    async fn delete_webhook(
        &self,
        write: &mut Write,
        org_id: i64,
        id: i64,
        now: i64,
    ) -> Result<bool, StoreError>;
    async fn resume_webhook(
        &self,
        write: &mut Write,
        org_id: i64,
        id: i64,
    ) -> Result<bool, StoreError>;
    /// A webhook's latest attempts, newest first.
    async fn webhook_attempts(
        &self,
        webhook_id: i64,
        limit: i64,
    ) -> Result<Vec<WebhookAttempt>, StoreError>;
}

#[derive(Debug, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

impl NotificationRow {
    pub fn into_notification(self) -> Result<Notification, StoreError> {
        Ok(Notification {
            id: self.id,
            kind: NotificationKind::from_key(&self.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("notification kind `{}`", self.kind)))?,
            title: self.title,
            body: self.body,
            link: self.link,
            created_at: shared::period::rfc3339(self.created_at),
            read: self.read_at.is_some(),
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct AttemptRow {
    pub id: i64,
    pub event_id: i64,
    pub event_kind: String,
    pub at: i64,
    pub status: Option<i64>,
    pub response: String,
    pub error: Option<String>,
    pub duration_ms: i64,
}

pub const WEBHOOK_SELECT: &str = "SELECT w.id, w.org_id, w.url, w.secret, w.events, \
    w.created_by, u.email AS created_by_email, w.created_at, w.failures, w.paused_at, \
    w.deleted_at FROM webhooks w JOIN users u ON u.id = w.created_by";

#[async_trait]
impl NotifyStore for SqlStore {
    async fn add_event(&self, event: &EventRecord) -> Result<bool, StoreError> {
        let mut connection = self.pool.acquire().await?;
        insert_event(&mut connection, event).await
    }

    async fn pending_events(&self, limit: i64) -> Result<Vec<EventRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, kind, payload, created_at FROM events \
             WHERE expanded_at IS NULL ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn expand_event(
        &self,
        event_id: i64,
        notifications: &[NewNotification],
        deliveries: &[NewDelivery],
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        // Claimed first: a second worker expanding the same event waits here, then
        // finds it expanded and writes nothing.
        let claimed =
            sqlx::query("UPDATE events SET expanded_at = $1 WHERE id = $2 AND expanded_at IS NULL")
                .bind(now)
                .bind(event_id)
                .execute(&mut *tx)
                .await?;
        if claimed.rows_affected() == 0 {
            return Ok(());
        }
        for n in notifications {
            sqlx::query(
                "INSERT INTO notifications (user_id, event_id, kind, title, body, link, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (user_id, event_id, kind) DO NOTHING",
            )
            .bind(n.user_id)
            .bind(event_id)
            .bind(n.kind.key())
            .bind(&n.title)
            .bind(&n.body)
            .bind(&n.link)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        for d in deliveries {
            sqlx::query(
                "INSERT INTO deliveries (event_id, channel, target, webhook_id, kind, \
                 subject, body, next_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
                 ON CONFLICT (channel, target, event_id, kind) DO NOTHING",
            )
            .bind(event_id)
            .bind(d.channel.key())
            .bind(&d.target)
            .bind(d.webhook_id)
            .bind(d.kind.key())
            .bind(&d.subject)
            .bind(&d.body)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        // An invitation's link is a secret: once in its email, the event forgets it.
        sqlx::query("UPDATE events SET payload = '{}' WHERE id = $1 AND kind = $2")
            .bind(event_id)
            .bind(NotificationKind::Invitation.key())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn notifications(
        &self,
        user_id: i64,
        limit: i64,
    ) -> Result<(i64, Vec<Notification>), StoreError> {
        let rows: Vec<NotificationRow> = sqlx::query_as(
            "SELECT id, kind, title, body, link, created_at, read_at FROM notifications \
             WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let unread = self.unread_count(user_id).await?;
        let items = rows
            .into_iter()
            .map(NotificationRow::into_notification)
            .collect::<Result<_, _>>()?;
        Ok((unread, items))
    }

    async fn unread_count(&self, user_id: i64) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn mark_read(
        &self,
        user_id: i64,
        ids: Option<&[i64]>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        match ids {
            None => {
                sqlx::query(
                    "UPDATE notifications SET read_at = $1 \
                     WHERE user_id = $2 AND read_at IS NULL",
                )
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            }
            Some(ids) => {
                for id in ids {
                    sqlx::query(
                        "UPDATE notifications SET read_at = $1 \
                         WHERE user_id = $2 AND id = $3 AND read_at IS NULL",
                    )
                    .bind(now)
                    .bind(user_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn notification_settings(
        &self,
        user_id: Option<i64>,
    ) -> Result<Vec<(i64, String, bool, bool)>, StoreError> {
        let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(
            "SELECT user_id, kind, in_app, email FROM notification_settings \
             WHERE $1 IS NULL OR user_id = $1 ORDER BY user_id, kind",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(user, kind, in_app, email)| (user, kind, in_app != 0, email != 0))
            .collect())
    }

    async fn set_notification_settings(
        &self,
        user_id: i64,
        settings: &[NotificationSetting],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for setting in settings {
            sqlx::query(
                "INSERT INTO notification_settings (user_id, kind, in_app, email) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, kind) DO UPDATE \
                 SET in_app = excluded.in_app, email = excluded.email",
            )
            .bind(user_id)
            .bind(setting.kind.key())
            .bind(i64::from(setting.in_app))
            .bind(i64::from(setting.email))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn resubscribe(
        &self,
        address: &str,
        kinds: &[NotificationKind],
    ) -> Result<(), StoreError> {
        for kind in kinds {
            sqlx::query("DELETE FROM email_optouts WHERE address = $1 AND kind = $2")
                .bind(address)
                .bind(kind.key())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    async fn email_optouts(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(sqlx::query_as("SELECT address, kind FROM email_optouts")
            .fetch_all(&self.pool)
            .await?)
    }

    async fn unsubscribe(
        &self,
        address: &str,
        kind: NotificationKind,
        user_id: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO email_optouts (address, kind, at) VALUES ($1, $2, $3) \
             ON CONFLICT (address, kind) DO NOTHING",
        )
        .bind(address)
        .bind(kind.key())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let Some(user_id) = user_id {
            sqlx::query(
                "INSERT INTO notification_settings (user_id, kind, in_app, email) \
                 VALUES ($1, $2, 1, 0) ON CONFLICT (user_id, kind) DO UPDATE SET email = 0",
            )
            .bind(user_id)
            .bind(kind.key())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn claim_deliveries(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        // The conditions are repeated outside the subquery: PostgreSQL checks them
        // again on a row another worker updated meanwhile, so no row is taken twice.
        Ok(sqlx::query_as(
            "UPDATE deliveries SET lease_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT d.id FROM deliveries d \
               LEFT JOIN webhooks w ON w.id = d.webhook_id \
               WHERE d.status = 'pending' AND d.next_at <= $1 \
               AND (d.lease_until IS NULL OR d.lease_until <= $1) \
               AND (w.id IS NULL OR w.paused_at IS NULL) \
               ORDER BY d.next_at, d.id LIMIT $3) \
             AND status = 'pending' AND (lease_until IS NULL OR lease_until <= $1) \
             RETURNING id, event_id, channel, target, webhook_id, kind, subject, body, \
             attempts, created_at",
        )
        .bind(now)
        .bind(lease_until)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn finish_delivery(
        &self,
        delivery: &DeliveryRow,
        outcome: &Outcome,
        attempt: Option<&AttemptRecord>,
        pause_after: i64,
        paused_event: Option<&EventRecord>,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        match outcome {
            Outcome::Sent => {
                // An invitation's email carries its link: not kept once sent.
                sqlx::query(
                    "UPDATE deliveries SET status = 'sent', sent_at = $1, \
                     lease_until = NULL, last_error = NULL, \
                     body = CASE WHEN kind = $3 THEN '' ELSE body END WHERE id = $2",
                )
                .bind(now)
                .bind(delivery.id)
                .bind(NotificationKind::Invitation.key())
                .execute(&mut *tx)
                .await?;
            }
            Outcome::Retry { error, at } => {
                sqlx::query(
                    "UPDATE deliveries SET next_at = $1, lease_until = NULL, \
                     last_error = $2 WHERE id = $3",
                )
                .bind(at)
                .bind(error)
                .bind(delivery.id)
                .execute(&mut *tx)
                .await?;
            }
            Outcome::GaveUp { error } => {
                sqlx::query(
                    "UPDATE deliveries SET status = 'failed', lease_until = NULL, \
                     last_error = $1 WHERE id = $2",
                )
                .bind(error)
                .bind(delivery.id)
                .execute(&mut *tx)
                .await?;
            }
        }
        let mut paused = false;
        if let Some(attempt) = attempt {
            sqlx::query(
                "INSERT INTO webhook_attempts (webhook_id, delivery_id, event_id, \
                 event_kind, at, status, response, error, duration_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(attempt.webhook_id)
            .bind(delivery.id)
            .bind(delivery.event_id)
            .bind(&delivery.subject)
            .bind(now)
            .bind(attempt.status)
            .bind(&attempt.response)
            .bind(&attempt.error)
            .bind(attempt.duration_ms)
            .execute(&mut *tx)
            .await?;
            if *outcome == Outcome::Sent {
                sqlx::query("UPDATE webhooks SET failures = 0 WHERE id = $1")
                    .bind(attempt.webhook_id)
                    .execute(&mut *tx)
                    .await?;
            } else {
                let failures: i64 = sqlx::query_scalar(
                    "UPDATE webhooks SET failures = failures + 1 WHERE id = $1 \
                     RETURNING failures",
                )
                .bind(attempt.webhook_id)
                .fetch_one(&mut *tx)
                .await?;
                if failures >= pause_after {
                    let done = sqlx::query(
                        "UPDATE webhooks SET paused_at = $1 \
                         WHERE id = $2 AND paused_at IS NULL AND deleted_at IS NULL",
                    )
                    .bind(now)
                    .bind(attempt.webhook_id)
                    .execute(&mut *tx)
                    .await?;
                    paused = done.rows_affected() == 1;
                    if let (true, Some(event)) = (paused, paused_event) {
                        insert_event(&mut tx, event).await?;
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(paused)
    }

    async fn create_webhook(
        &self,
        write: &mut Write,
        org_id: i64,
        url: &str,
        secret: &str,
        events: &[NotificationKind],
        created_by: i64,
    ) -> Result<i64, StoreError> {
        let tx = &mut *write.tx;
        let events: Vec<&str> = events.iter().map(|k| k.key()).collect();
        let id: i64 = sqlx::query_scalar(&format!(
            "INSERT INTO webhooks (org_id, url, secret, events, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, {now}) RETURNING id",
            now = self.dialect.now()
        ))
        .bind(org_id)
        .bind(url)
        .bind(secret)
        .bind(events.join(","))
        .bind(created_by)
        .fetch_one(&mut *tx)
        .await?;
        Ok(id)
    }

    async fn webhook(&self, id: i64) -> Result<Option<WebhookRow>, StoreError> {
        Ok(sqlx::query_as(&format!("{WEBHOOK_SELECT} WHERE w.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn webhooks(&self, org_id: i64) -> Result<Vec<WebhookRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "{WEBHOOK_SELECT} WHERE w.org_id = $1 AND w.deleted_at IS NULL ORDER BY w.id"
        ))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn delete_webhook(
        &self,
        write: &mut Write,
        org_id: i64,
        id: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let tx = &mut *write.tx;
        let done = sqlx::query(
            "UPDATE webhooks SET deleted_at = $1 \
             WHERE id = $2 AND org_id = $3 AND deleted_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE deliveries SET status = 'failed', last_error = 'webhook deleted' \
             WHERE webhook_id = $1 AND status = 'pending'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        Ok(true)
    }

    async fn resume_webhook(
        &self,
        write: &mut Write,
        org_id: i64,
        id: i64,
    ) -> Result<bool, StoreError> {
        let tx = &mut *write.tx;
        let done = sqlx::query(
            "UPDATE webhooks SET paused_at = NULL, failures = 0 \
             WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL",
        )
        .bind(id)
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn webhook_attempts(
        &self,
        webhook_id: i64,
        limit: i64,
    ) -> Result<Vec<WebhookAttempt>, StoreError> {
        let rows: Vec<AttemptRow> = sqlx::query_as(
            "SELECT id, event_id, event_kind, at, status, response, error, duration_ms \
             FROM webhook_attempts WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(webhook_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| WebhookAttempt {
                id: r.id,
                delivery: format!("evt_{}", r.event_id),
                event: r.event_kind,
                at: shared::period::rfc3339(r.at),
                status: r.status,
                response: r.response,
                error: r.error,
                duration_ms: r.duration_ms,
            })
            .collect())
    }
}
