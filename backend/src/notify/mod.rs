//! The notification worker: it turns events into in-app notifications, emails and webhook
//! requests, and delivers them.
//!
//! An action that concerns people (a release, a moderation, a new version of a standard, an
//! opened attestation link, an invitation) writes an event in its own transaction, with its
//! audit entry. The worker, a task of the server:
//!
//! 1. writes the events that come from time itself: a quarter's deadline 7 and 2 days ahead;
//! 2. expands each event, once, into notifications and deliveries in one transaction, after
//!    each recipient's settings ([`compose`]);
//! 3. claims due deliveries with a lease and sends them, at most [`IN_FLIGHT`] at a time, each
//!    in its own task: a slow endpoint holds one slot, never the request that caused it.
//!
//! A failed delivery is tried again after 1, 5, 30 minutes, 2 and 12 hours, then given up. A
//! webhook failing [`WEBHOOK_PAUSE_AFTER`] times in a row is paused and its owner told.

pub mod compose;
mod email;
mod webhook;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use shared::notify::{NotificationKind, WEBHOOK_PAUSE_AFTER};
use tokio::sync::{Notify, Semaphore};

use crate::clock::Clock;
use crate::config::Config;
use crate::events::Event;
use crate::services::benchmarks::BenchmarkCache;
use crate::store::notify::{DeliveryRow, Outcome};
use crate::store::{Store, StoreError};

pub use email::Mailer;
pub use webhook::{permitted, signature, signature_header};

/// Deliveries sent at the same time.
pub const IN_FLIGHT: usize = 16;
/// How long a claimed delivery is reserved for the worker that claimed it.
const LEASE_SECONDS: i64 = 120;
/// Delays before each retry; after the last, the delivery is given up.
const BACKOFF_SECONDS: [i64; 5] = [60, 300, 1_800, 7_200, 43_200];

/// What handlers and the worker share: the mailer, the key of unsubscribe links and a way to
/// wake the worker.
pub struct Hub {
    pub mailer: Option<Mailer>,
    /// Signs unsubscribe links (kept in the store, made on first start).
    pub link_key: [u8; 32],
    /// The client of webhook requests.
    pub http: reqwest::Client,
    wake: Notify,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("email", &self.mailer.is_some())
            .finish_non_exhaustive()
    }
}

impl Hub {
    pub fn new(mailer: Option<Mailer>, link_key: [u8; 32], allow_loopback: bool) -> Self {
        Self {
            mailer,
            link_key,
            http: webhook::client(allow_loopback),
            wake: Notify::new(),
        }
    }

    /// Has the worker look for work now rather than at its next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// The store setting holding the key of unsubscribe links.
const LINK_KEY_SETTING: &str = "notify_link_key";

/// The key of unsubscribe links, made and stored on first start.
pub async fn link_key(store: &dyn Store) -> Result<[u8; 32], StoreError> {
    let parse = |hex: &str| -> Option<[u8; 32]> { shared::format::unhex(hex)?.try_into().ok() };
    if let Some(key) = store
        .setting(LINK_KEY_SETTING)
        .await?
        .as_deref()
        .and_then(parse)
    {
        return Ok(key);
    }
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| StoreError::Corrupt(format!("no randomness: {e}")))?;
    store
        .set_setting(LINK_KEY_SETTING, &shared::format::hex(&key))
        .await?;
    // Another instance may have stored its key first: the stored one wins.
    Ok(store
        .setting(LINK_KEY_SETTING)
        .await?
        .as_deref()
        .and_then(parse)
        .unwrap_or(key))
}

/// The notification worker: what it reads, writes and sends with.
#[derive(Debug, Clone)]
pub struct Worker {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub hub: Arc<Hub>,
    pub clock: Clock,
    /// Released benchmarks, as the API serves them.
    pub benchmarks: Arc<BenchmarkCache>,
}

impl Worker {
    /// Runs the worker until the task is dropped.
    pub async fn run(self) {
        let slots = Arc::new(Semaphore::new(IN_FLIGHT));
        let mut reminded = HashSet::new();
        let poll = Duration::from_millis(self.config.notify_poll_ms);
        loop {
            if let Err(error) = tick(&self, &slots, &mut reminded).await {
                tracing::warn!(%error, "notification worker: will try again");
            }
            tokio::select! {
                () = self.hub.wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
    }
}

async fn tick(
    worker: &Worker,
    slots: &Arc<Semaphore>,
    reminded: &mut HashSet<String>,
) -> Result<(), StoreError> {
    deadline_reminders(worker, reminded).await?;
    loop {
        let events = worker.store.pending_events(20).await?;
        if events.is_empty() {
            break;
        }
        for event in &events {
            compose::expand(worker, event).await?;
        }
    }
    if worker.config.deliver_notifications {
        dispatch(worker, slots).await?;
    }
    Ok(())
}

/// Writes the reminder events of deadlines 7 and 2 days ahead (once per deadline and stage:
/// the event's key is unique). A deadline moved later gets its reminders again.
async fn deadline_reminders(
    worker: &Worker,
    reminded: &mut HashSet<String>,
) -> Result<(), StoreError> {
    let now = worker.clock.now();
    for (period, due_at) in worker.store.deadlines().await? {
        let left = due_at - now;
        let days = match left {
            l if l <= 0 => continue,
            l if l <= 2 * 86_400 => 2,
            l if l <= 7 * 86_400 => 7,
            _ => continue,
        };
        let event = Event::Deadline {
            period,
            due_at: shared::period::rfc3339(due_at),
            days,
        }
        .record(now);
        if reminded.contains(&event.key) || worker.store.period_released(period).await? {
            continue;
        }
        worker.store.add_event(&event).await?;
        reminded.insert(event.key);
    }
    Ok(())
}

/// Claims as many due deliveries as there are free slots and sends each in its own task.
async fn dispatch(worker: &Worker, slots: &Arc<Semaphore>) -> Result<(), StoreError> {
    let free = slots.available_permits();
    if free == 0 {
        return Ok(());
    }
    let now = worker.clock.now();
    let claimed = worker
        .store
        .claim_deliveries(now, now + LEASE_SECONDS, free as i64)
        .await?;
    let full = claimed.len() == free;
    for delivery in claimed {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            break;
        };
        let worker = worker.clone();
        tokio::spawn(async move {
            if let Err(error) = deliver(&worker, &delivery).await {
                tracing::warn!(%error, delivery = delivery.id, "could not record a delivery");
            }
            drop(permit);
            worker.hub.wake();
        });
    }
    if full {
        // More may be due: look again as soon as a slot frees.
        worker.hub.wake();
    }
    Ok(())
}

/// What becomes of a failed attempt: another try later, or none.
fn after_failure(delivery: &DeliveryRow, error: String, now: i64) -> Outcome {
    match usize::try_from(delivery.attempts - 1)
        .ok()
        .and_then(|i| BACKOFF_SECONDS.get(i))
    {
        Some(delay) => Outcome::Retry {
            error,
            at: now + delay,
        },
        None => Outcome::GaveUp { error },
    }
}

/// The one-click unsubscribe address of an email (RFC 8058).
fn unsubscribe_url(worker: &Worker, delivery: &DeliveryRow) -> String {
    let kind = NotificationKind::from_key(&delivery.kind).unwrap_or(NotificationKind::Released);
    let token = compose::unsubscribe_token(&worker.hub.link_key, &delivery.target, kind);
    format!(
        "{}/api/v1/unsubscribe?token={token}",
        worker.config.issuer()
    )
}

async fn deliver(worker: &Worker, delivery: &DeliveryRow) -> Result<(), StoreError> {
    let store = worker.store.as_ref();
    if delivery.channel == "email" {
        let outcome = match &worker.hub.mailer {
            None => Outcome::GaveUp {
                error: "no SMTP relay is configured".to_owned(),
            },
            Some(mailer) => match mailer
                .send(delivery, &unsubscribe_url(worker, delivery))
                .await
            {
                Ok(()) => Outcome::Sent,
                Err(error) => after_failure(delivery, error, worker.clock.now()),
            },
        };
        if let Outcome::GaveUp { error } | Outcome::Retry { error, .. } = &outcome {
            tracing::warn!(delivery = delivery.id, %error, "email not sent");
        }
        store
            .finish_delivery(
                delivery,
                &outcome,
                None,
                WEBHOOK_PAUSE_AFTER,
                None,
                worker.clock.now(),
            )
            .await?;
        return Ok(());
    }
    let hook = match delivery.webhook_id {
        Some(id) => store.webhook(id).await?,
        None => None,
    };
    let Some(hook) = hook.filter(|h| h.deleted_at.is_none()) else {
        let outcome = Outcome::GaveUp {
            error: "webhook deleted".to_owned(),
        };
        store
            .finish_delivery(delivery, &outcome, None, 0, None, worker.clock.now())
            .await?;
        return Ok(());
    };
    let attempt = webhook::send(worker, &hook, delivery).await;
    let now = worker.clock.now();
    let outcome = match (&attempt.error, attempt.status) {
        (None, Some(status)) if (200..300).contains(&status) => Outcome::Sent,
        (Some(error), _) => after_failure(delivery, error.clone(), now),
        (None, status) => after_failure(
            delivery,
            format!("answered {}", status.unwrap_or_default()),
            now,
        ),
    };
    let paused_event = Event::WebhookPaused {
        webhook_id: hook.id,
        org_id: hook.org_id,
        url: hook.url.clone(),
        user_id: hook.created_by,
        error: match &outcome {
            Outcome::Retry { error, .. } | Outcome::GaveUp { error } => error.clone(),
            Outcome::Sent => String::new(),
        },
    }
    .record(now);
    let paused = store
        .finish_delivery(
            delivery,
            &outcome,
            Some(&attempt),
            WEBHOOK_PAUSE_AFTER,
            Some(&paused_event),
            now,
        )
        .await?;
    if paused {
        tracing::warn!(webhook = hook.id, "webhook paused after repeated failures");
    }
    Ok(())
}
