//! What each event tells whom: the expansion of an event into in-app notifications, emails and
//! webhook requests, after each recipient's settings and unsubscribes.
//!
//! Figures in notifications come from the recipient organisation's own values and published
//! cells only, as on its overview: nothing about another member is computed here.

use std::collections::{HashMap, HashSet};

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use shared::account::{Role, User};
use shared::catalogue::CATALOGUE;
use shared::notify::{NotificationKind, WEBHOOK_PAUSE_AFTER};
use shared::standard::Standard;
use shared::{CohortKey, Period};

use super::Worker;
use crate::events::Event;
use crate::services::benchmarks::{cached, released_before};
use crate::services::values::Reader;
use crate::store::StoreError;
use crate::store::notify::{Channel, EventRow, NewDelivery, NewNotification};

type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Expands one event, in one transaction, and marks it expanded.
pub async fn expand(worker: &Worker, event: &EventRow) -> Result<()> {
    let mut fan = Fanout::load(worker, event).await?;
    match Event::read(&event.kind, &event.payload) {
        Ok(Event::Released { period }) => released(worker, period, &mut fan).await?,
        Ok(Event::StandardVersion { standard_id }) => {
            standard_version(worker, standard_id, &mut fan).await?;
        }
        Ok(Event::Practice {
            practice_id,
            title,
            published,
            comment,
            author_user_id,
            author_org_id,
        }) => {
            let practice = Moderated {
                id: practice_id,
                title,
                published,
                comment,
            };
            practice_moderated(&practice, author_user_id, author_org_id, &mut fan).await?;
        }
        Ok(Event::AttestationOpened {
            attestation_id,
            org_id,
            audience,
        }) => attestation_opened(attestation_id, org_id, &audience, &mut fan).await?,
        Ok(Event::Deadline {
            period,
            due_at,
            days,
        }) => deadline(worker, period, &due_at, days, &mut fan).await?,
        Ok(Event::Invitation {
            email,
            link,
            role,
            org,
        }) => invitation(&email, &link, &role, &org, &mut fan),
        Ok(Event::WebhookPaused {
            url,
            user_id,
            error,
            ..
        }) => webhook_paused(&url, user_id, &error, &mut fan),
        Ok(Event::WebhookTest { webhook_id }) => webhook_test(worker, webhook_id, &mut fan).await?,
        Err(error) => tracing::warn!(
            kind = event.kind,
            id = event.id,
            %error,
            "an event that does not read: skipped"
        ),
    }
    let now = worker.clock.now();
    worker
        .store
        .expand_event(event.id, &fan.notifications, &fan.deliveries, now)
        .await?;
    if !fan.deliveries.is_empty() {
        worker.hub.wake();
    }
    Ok(())
}

/// The recipients of one event and what they get.
struct Fanout<'a> {
    worker: &'a Worker,
    event: &'a EventRow,
    users: Vec<User>,
    settings: HashMap<(i64, String), (bool, bool)>,
    optouts: HashSet<(String, String)>,
    notifications: Vec<NewNotification>,
    deliveries: Vec<NewDelivery>,
}

impl<'a> Fanout<'a> {
    async fn load(worker: &'a Worker, event: &'a EventRow) -> Result<Self> {
        let settings = worker
            .store
            .notification_settings(None)
            .await?
            .into_iter()
            .map(|(user, kind, in_app, email)| ((user, kind), (in_app, email)))
            .collect();
        Ok(Self {
            worker,
            event,
            users: worker.store.users().await?,
            settings,
            optouts: worker.store.email_optouts().await?.into_iter().collect(),
            notifications: Vec::new(),
            deliveries: Vec::new(),
        })
    }

    /// Member admins and viewers of an organisation (admins only with `admins_only`).
    fn members(&self, org_id: i64, admins_only: bool) -> Vec<User> {
        self.users
            .iter()
            .filter(|u| u.org.as_ref().is_some_and(|o| o.id == org_id))
            .filter(|u| {
                u.role == Role::MemberAdmin || (!admins_only && u.role == Role::MemberViewer)
            })
            .cloned()
            .collect()
    }

    fn user(&self, id: i64) -> Option<User> {
        self.users.iter().find(|u| u.id == id).cloned()
    }

    /// Tells `user`, in the app and by email, as their settings say.
    fn notify(&mut self, user: &User, kind: NotificationKind, title: &str, body: &str, link: &str) {
        let (in_app, email) = self
            .settings
            .get(&(user.id, kind.key().to_owned()))
            .copied()
            .unwrap_or((true, true));
        if in_app {
            self.notifications.push(NewNotification {
                user_id: user.id,
                kind,
                title: title.to_owned(),
                body: body.to_owned(),
                link: link.to_owned(),
            });
        }
        if email {
            self.email(&user.email, kind, title, body, link);
        }
    }

    /// Queues an email unless no relay is configured or the address unsubscribed the kind.
    fn email(
        &mut self,
        address: &str,
        kind: NotificationKind,
        title: &str,
        body: &str,
        link: &str,
    ) {
        if self.worker.hub.mailer.is_none()
            || self
                .optouts
                .contains(&(address.to_owned(), kind.key().to_owned()))
        {
            return;
        }
        let public = self.worker.config.issuer();
        let token = unsubscribe_token(&self.worker.hub.link_key, address, kind);
        let open = if link.starts_with("http") {
            link.to_owned()
        } else {
            format!("{public}{link}")
        };
        let text = format!(
            "{title}\n\n{body}\n\nOpen: {open}\n\n--\nPeerPosture sends you \"{}\" emails. \
             Unsubscribe from them: {public}/unsubscribe?token={token}\n\
             Choose what you receive: {public}/notifications\n",
            kind.label()
        );
        self.deliveries.push(NewDelivery {
            channel: Channel::Email,
            target: address.to_owned(),
            webhook_id: None,
            kind,
            subject: format!("PeerPosture: {title}"),
            body: text,
        });
    }

    /// Queues a request to each webhook of `org_id` that takes `kind`.
    async fn webhooks(&mut self, org_id: i64, kind: NotificationKind, data: Value) -> Result<()> {
        for hook in self.worker.store.webhooks(org_id).await? {
            if hook.kinds().contains(&kind) {
                self.webhook(hook.id, kind.key(), &data);
            }
        }
        Ok(())
    }

    fn webhook(&mut self, webhook_id: i64, kind: &str, data: &Value) {
        let body = json!({
            "id": format!("evt_{}", self.event.id),
            "type": kind,
            "created_at": shared::period::rfc3339(self.event.created_at),
            "data": data,
        });
        self.deliveries.push(NewDelivery {
            channel: Channel::Webhook,
            target: webhook_id.to_string(),
            webhook_id: Some(webhook_id),
            kind: NotificationKind::from_key(kind).unwrap_or(NotificationKind::Released),
            subject: kind.to_owned(),
            body: body.to_string(),
        });
    }
}

/// The mean standing of the CSF functions with one: the overview's posture in one number.
fn average_standing(position: &shared::benchmark::Position) -> Option<f64> {
    let standings: Vec<f64> = position
        .functions
        .iter()
        .filter_map(|f| f.standing)
        .collect();
    (!standings.is_empty()).then(|| standings.iter().sum::<f64>() / standings.len() as f64)
}

/// A quarter was released: each member gets its headline change, and the organisations
/// following a standard hear of the requirements met last quarter and missed now.
async fn released(worker: &Worker, period: Period, fan: &mut Fanout<'_>) -> Result<()> {
    let released = |period: Period| async move {
        cached(
            worker.store.as_ref(),
            &worker.benchmarks,
            period,
            CohortKey::All,
        )
        .await?
        .map(|(benchmark, _)| benchmark)
        .ok_or_else(|| StoreError::Corrupt(format!("{period} is not released")))
    };
    let benchmark = released(period).await?;
    let previous = released_before(worker.store.as_ref(), period).await?;
    let previous_benchmark = match previous {
        Some(p) => Some(released(p).await?),
        None => None,
    };
    let mut standards: HashMap<i64, Option<Standard>> = HashMap::new();
    for org in worker
        .store
        .orgs()
        .await?
        .into_iter()
        .filter(|o| o.verified)
    {
        let members = fan.members(org.id, false);
        // Read as every read of members' values is: written to the organisation's audit log.
        let reader = Reader {
            org_id: org.id,
            label: "notification worker".to_owned(),
        };
        let purpose = format!("the {period} release notification");
        let periods: Vec<Period> = std::iter::once(period).chain(previous).collect();
        let mut read = reader
            .own_submissions(worker.store.as_ref(), &periods, &purpose)
            .await?
            .into_iter()
            .map(|s| s.map(|s| s.values));
        let own = read.next().flatten();
        let before = read.next().flatten();
        let position = own
            .as_ref()
            .map(|own| shared::benchmark::position(&benchmark, own));
        let now_avg = position.as_ref().and_then(average_standing);
        let before_position = match (&previous_benchmark, &before) {
            (Some(b), Some(v)) => Some(shared::benchmark::position(b, v)),
            _ => None,
        };
        let before_avg = before_position.as_ref().and_then(average_standing);
        let headline = match (now_avg, before_avg, previous) {
            (None, _, _) => format!(
                "Your organisation did not submit for {period}; the industry benchmark is ready."
            ),
            (Some(now), Some(before), Some(p)) => {
                let change = now.round() - before.round();
                let moved = match change {
                    c if c > 0.0 => format!("up {c:.0} from {p}"),
                    c if c < 0.0 => format!("down {:.0} from {p}", -c),
                    _ => format!("unchanged from {p}"),
                };
                let biggest =
                    position
                        .as_ref()
                        .zip(before_position.as_ref())
                        .and_then(|(now, before)| {
                            now.functions
                                .iter()
                                .filter_map(|f| {
                                    let old = before
                                        .functions
                                        .iter()
                                        .find(|b| b.function == f.function)?
                                        .standing?;
                                    Some((f.function, old, f.standing?))
                                })
                                .max_by(|a, b| (a.2 - a.1).abs().total_cmp(&(b.2 - b.1).abs()))
                        });
                let biggest = biggest
                    .filter(|(_, old, new)| old.round() != new.round())
                    .map(|(f, old, new)| {
                        format!(" Biggest move: {} {old:.0} → {new:.0}.", f.name())
                    })
                    .unwrap_or_default();
                format!(
                    "Your average standing across the CSF functions is {now:.0} of 100 among all \
                     members, {moved}.{biggest}"
                )
            }
            (Some(now), _, _) => format!(
                "Your average standing across the CSF functions is {now:.0} of 100 among all \
                 members."
            ),
        };
        let title = format!("{period} benchmarks are out");
        for member in &members {
            fan.notify(
                member,
                NotificationKind::Released,
                &title,
                &headline,
                "/dashboard",
            );
        }
        let functions: Vec<Value> = position
            .iter()
            .flat_map(|p| &p.functions)
            .map(|f| json!({ "function": f.function, "standing": f.standing }))
            .collect();
        fan.webhooks(
            org.id,
            NotificationKind::Released,
            json!({
                "period": period,
                "headline": headline,
                "average_standing": now_avg.map(shared::benchmark::round1),
                "previous_period": previous,
                "previous_average_standing": before_avg.map(shared::benchmark::round1),
                "functions": functions,
            }),
        )
        .await?;

        // Requirements met last quarter and missed now, by the organisation's own values.
        let (Some(own), Some(before), Some(p)) = (&own, &before, previous) else {
            continue;
        };
        let Some(followed) = worker.store.followed_standard(org.id).await? else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(entry) = standards.entry(followed) {
            entry.insert(worker.store.standard(followed).await?);
        }
        let Some(Some(standard)) = standards.get(&followed) else {
            continue;
        };
        let missed: Vec<String> = standard
            .requirements
            .iter()
            .filter(|r| {
                let met = |values: &std::collections::BTreeMap<String, f64>| {
                    values.get(&r.metric).map(|v| r.assess(*v).0)
                };
                met(before) == Some(true) && met(own) == Some(false)
            })
            .filter_map(|r| {
                let metric = CATALOGUE.iter().find(|m| m.key == r.metric)?;
                Some(shared::standard::requirement_text(metric, r))
            })
            .collect();
        if missed.is_empty() {
            continue;
        }
        let title = format!(
            "{} now missed in {period}",
            plural(missed.len(), "requirement")
        );
        let body = format!(
            "Met in {p}, missed in {period} ({} v{}): {}.",
            standard.name,
            standard.version,
            missed.join("; ")
        );
        let link = format!("/standards/{}", standard.id);
        for member in &members {
            fan.notify(
                member,
                NotificationKind::RequirementMissed,
                &title,
                &body,
                &link,
            );
        }
        fan.webhooks(
            org.id,
            NotificationKind::RequirementMissed,
            json!({
                "period": period,
                "previous_period": p,
                "standard_id": standard.id,
                "missed": missed,
            }),
        )
        .await?;
    }
    Ok(())
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A new version of a standard: the organisations following an earlier one hear of it.
async fn standard_version(worker: &Worker, id: i64, fan: &mut Fanout<'_>) -> Result<()> {
    let Some(standard) = worker.store.standard(id).await? else {
        return Ok(());
    };
    let mut earlier = HashSet::new();
    let mut cursor = standard.supersedes;
    while let Some(older) = cursor {
        if !earlier.insert(older) {
            break;
        }
        cursor = worker
            .store
            .standard(older)
            .await?
            .and_then(|s| s.supersedes);
    }
    if earlier.is_empty() {
        return Ok(());
    }
    let title = format!(
        "{} version {} is published",
        standard.name, standard.version
    );
    let changes: String = standard.change_log.chars().take(400).collect();
    for org in worker.store.orgs().await? {
        let Some(followed) = worker.store.followed_standard(org.id).await? else {
            continue;
        };
        if !earlier.contains(&followed) {
            continue;
        }
        let body = if changes.trim().is_empty() {
            "Your organisation follows an earlier version. Compare and switch on its page."
                .to_owned()
        } else {
            format!("Your organisation follows an earlier version. What changed: {changes}")
        };
        for member in fan.members(org.id, false) {
            fan.notify(
                &member,
                NotificationKind::StandardVersion,
                &title,
                &body,
                &format!("/standards/{id}"),
            );
        }
        fan.webhooks(
            org.id,
            NotificationKind::StandardVersion,
            json!({
                "standard_id": id,
                "name": standard.name,
                "version": standard.version,
                "followed_standard_id": followed,
            }),
        )
        .await?;
    }
    Ok(())
}

/// A practice was published or returned: its author hears of it.
/// A practice as its moderation left it.
struct Moderated {
    id: i64,
    title: String,
    published: bool,
    comment: String,
}

async fn practice_moderated(
    practice: &Moderated,
    author_user_id: i64,
    author_org_id: Option<i64>,
    fan: &mut Fanout<'_>,
) -> Result<()> {
    let Moderated {
        id,
        title: practice_title,
        published,
        comment,
    } = practice;
    let (title, body) = if *published {
        (
            "Your practice is published".to_owned(),
            format!("\"{practice_title}\" is now in the library for every member."),
        )
    } else {
        (
            "Your practice was returned".to_owned(),
            format!("\"{practice_title}\" needs changes: {comment}"),
        )
    };
    if let Some(author) = fan.user(author_user_id) {
        fan.notify(
            &author,
            NotificationKind::Practice,
            &title,
            &body,
            &format!("/practices/{id}"),
        );
    }
    if let Some(org_id) = author_org_id {
        fan.webhooks(
            org_id,
            NotificationKind::Practice,
            json!({ "practice_id": id, "title": practice_title, "published": published }),
        )
        .await?;
    }
    Ok(())
}

/// An attestation's share link was opened (told once a day per attestation).
async fn attestation_opened(
    attestation_id: i64,
    org_id: i64,
    audience: &str,
    fan: &mut Fanout<'_>,
) -> Result<()> {
    let title = format!("Your attestation for {audience} was opened");
    let body = "Someone opened its share link. The share page lists every opening.";
    for admin in fan.members(org_id, true) {
        fan.notify(
            &admin,
            NotificationKind::AttestationOpened,
            &title,
            body,
            "/share",
        );
    }
    fan.webhooks(
        org_id,
        NotificationKind::AttestationOpened,
        json!({ "attestation_id": attestation_id, "audience": audience }),
    )
    .await
}

/// A deadline is near: the members of organisations that have not submitted every metric.
async fn deadline(
    worker: &Worker,
    period: Period,
    due_at: &str,
    days: i64,
    fan: &mut Fanout<'_>,
) -> Result<()> {
    if worker.store.period_released(period).await? {
        return Ok(());
    }
    let saved: HashMap<i64, i64> = worker
        .store
        .latest_saves(period)
        .await?
        .into_iter()
        .map(|s| (s.org_id, s.metrics))
        .collect();
    let total = CATALOGUE.len() as i64;
    let title = format!("{period} submissions are due in {days} days");
    for org in worker
        .store
        .orgs()
        .await?
        .into_iter()
        .filter(|o| o.verified)
    {
        let done = saved.get(&org.id).copied().unwrap_or(0);
        if done >= total {
            continue;
        }
        let body = format!(
            "Due by the end of {} (UTC). Your organisation has submitted {done} of {total} metrics.",
            due_at.get(..10).unwrap_or(due_at)
        );
        for member in fan.members(org.id, false) {
            fan.notify(
                &member,
                NotificationKind::Deadline,
                &title,
                &body,
                "/submit",
            );
        }
        fan.webhooks(
            org.id,
            NotificationKind::Deadline,
            json!({
                "period": period,
                "due_at": due_at,
                "days": days,
                "metrics_submitted": done,
                "metrics_total": total,
            }),
        )
        .await?;
    }
    Ok(())
}

/// An invitation: emailed to the invited address (no account yet, so nothing in the app).
fn invitation(address: &str, link: &str, role: &str, org: &str, fan: &mut Fanout<'_>) {
    let of = if org.is_empty() {
        String::new()
    } else {
        format!(" of {org}")
    };
    let body = format!(
        "You are invited to PeerPosture, the security benchmark of BPO contact centers, as \
         {role}{of}. The link is yours alone, works once and expires in 7 days."
    );
    fan.email(
        address,
        NotificationKind::Invitation,
        "You are invited to PeerPosture",
        &body,
        link,
    );
}

/// A webhook was paused: the member admin who registered it hears why.
fn webhook_paused(url: &str, user_id: i64, error: &str, fan: &mut Fanout<'_>) {
    let body = format!(
        "{url} failed {WEBHOOK_PAUSE_AFTER} times in a row (last: {error}). Nothing is sent to it \
         until you resume it; what is waiting is sent then."
    );
    if let Some(owner) = fan.user(user_id) {
        fan.notify(
            &owner,
            NotificationKind::WebhookPaused,
            "A webhook was paused",
            &body,
            "/webhooks",
        );
    }
}

/// The test button: a sample request to one webhook.
async fn webhook_test(worker: &Worker, id: i64, fan: &mut Fanout<'_>) -> Result<()> {
    if worker.store.webhook(id).await?.is_some() {
        fan.webhook(
            id,
            "ping",
            &json!({ "message": "A test from PeerPosture: this endpoint receives its events." }),
        );
    }
    Ok(())
}

/// The token of an unsubscribe link: the address and kind, and an HMAC of both.
pub fn unsubscribe_token(key: &[u8; 32], address: &str, kind: NotificationKind) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let subject = format!("{}:{address}", kind.key());
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(subject.as_bytes());
    let tag = mac.finalize().into_bytes();
    format!(
        "{}.{}",
        engine.encode(subject.as_bytes()),
        engine.encode(&tag[..18])
    )
}

/// The address and kind of a genuine unsubscribe token.
pub fn read_unsubscribe_token(key: &[u8; 32], token: &str) -> Option<(String, NotificationKind)> {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (subject, tag) = token.split_once('.')?;
    let subject = String::from_utf8(engine.decode(subject).ok()?).ok()?;
    let tag = engine.decode(tag).ok()?;
    if tag.len() != 18 {
        return None;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(subject.as_bytes());
    mac.verify_truncated_left(&tag).ok()?;
    let (kind, address) = subject.split_once(':')?;
    Some((address.to_owned(), NotificationKind::from_key(kind)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsubscribe_tokens_name_their_address_and_kind_and_resist_edits() {
        let key = [7u8; 32];
        let token = unsubscribe_token(&key, "a@example.org", NotificationKind::Released);
        assert_eq!(
            read_unsubscribe_token(&key, &token),
            Some(("a@example.org".to_owned(), NotificationKind::Released))
        );
        assert_eq!(read_unsubscribe_token(&[8u8; 32], &token), None);
        let (_, tag) = token.split_once('.').unwrap();
        let other = unsubscribe_token(&key, "b@example.org", NotificationKind::Released);
        let (subject, _) = other.split_once('.').unwrap();
        assert_eq!(
            read_unsubscribe_token(&key, &format!("{subject}.{tag}")),
            None
        );
        assert_eq!(read_unsubscribe_token(&key, "garbage"), None);
        assert_eq!(
            read_unsubscribe_token(&key, &token[..token.len() - 2]),
            None
        );
    }
}
