//! Notifications and webhooks: what PeerPosture tells its users (in the app and by email) and
//! member systems (by signed HTTPS requests) when something that concerns them happens.

use serde::{Deserialize, Serialize};

use crate::cohort::keyed_enum;

keyed_enum! {
    /// What a notification is about. Each user chooses, per kind, whether it shows in the app
    /// and whether it is emailed; member admins choose which kinds their webhooks receive.
    NotificationKind {
        Deadline => ("deadline", "Submission deadline is near"),
        Released => ("released", "Quarter released"),
        StandardVersion => ("standard_version", "New version of the followed standard"),
        RequirementMissed => ("requirement_missed", "Requirement now missed"),
        Practice => ("practice", "Practice returned or published"),
        AttestationOpened => ("attestation_opened", "Attestation link opened"),
        WebhookPaused => ("webhook_paused", "Webhook paused"),
        Invitation => ("invitation", "Invitation"),
    }
}

impl NotificationKind {
    /// The kinds a user may set: invitations go to people without an account yet.
    pub fn user_kinds() -> impl Iterator<Item = NotificationKind> {
        Self::ALL
            .iter()
            .copied()
            .filter(|k| *k != NotificationKind::Invitation)
    }

    /// The kinds a webhook may receive: events about the organisation.
    pub fn webhook_kinds() -> impl Iterator<Item = NotificationKind> {
        Self::ALL.iter().copied().filter(|k| {
            !matches!(
                k,
                NotificationKind::Invitation | NotificationKind::WebhookPaused
            )
        })
    }
}

/// One notification in the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    /// A path in the app (`/dashboard`, `/standards/3`).
    pub link: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub read: bool,
}

/// `GET /api/v1/notifications`: the newest notifications (at most 50) and the unread count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationList {
    pub unread: i64,
    pub items: Vec<Notification>,
}

/// `GET /api/v1/notifications/unread`: what the bell shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnreadCount {
    pub unread: i64,
}

/// `POST /api/v1/notifications/read`: marks the given notifications read, or all of them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// Omitted: every notification of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<i64>>,
}

/// Where one kind of notification goes for a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationSetting {
    pub kind: NotificationKind,
    pub in_app: bool,
    pub email: bool,
}

/// `GET /api/v1/notifications/settings`, and the body of its `PUT` (which may name some kinds
/// only; `email_configured` is ignored there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// Whether this deployment sends email at all (an SMTP relay is configured).
    #[serde(default)]
    pub email_configured: bool,
    pub settings: Vec<NotificationSetting>,
}

/// `POST /api/v1/unsubscribe`: the token of an email's unsubscribe link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Unsubscribe {
    pub token: String,
}

/// The answer: which emails stop, and to which address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unsubscribed {
    pub email: String,
    pub kind: NotificationKind,
}

/// `POST /api/v1/webhooks`: an HTTPS endpoint and the events it receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    pub url: String,
    pub events: Vec<NotificationKind>,
}

/// A registered webhook (its secret is shown once, at creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub events: Vec<NotificationKind>,
    pub created_by: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// Failed attempts in a row; at [`WEBHOOK_PAUSE_AFTER`] the webhook is paused.
    pub failures: i64,
    /// RFC 3339, UTC: paused after repeated failures until a member admin resumes it.
    pub paused_at: Option<String>,
}

/// The answer to a creation: the webhook and its signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWebhook {
    pub webhook: Webhook,
    pub secret: String,
}

/// One attempt to deliver an event to a webhook, with the endpoint's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAttempt {
    pub id: i64,
    /// The event's id, as sent in `PeerPosture-Delivery`.
    pub delivery: String,
    pub event: String,
    /// RFC 3339, UTC.
    pub at: String,
    /// The HTTP status, when an answer came.
    pub status: Option<i64>,
    /// The start of the answer's body (at most 1,000 characters).
    pub response: String,
    /// Why no answer came (timeout, refused address, TLS).
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// Failed attempts in a row after which a webhook is paused and its owner told.
pub const WEBHOOK_PAUSE_AFTER: i64 = 5;
/// Webhooks an organisation may register.
pub const WEBHOOKS_PER_ORG: usize = 10;

/// Checks a webhook registration: an `https://` URL of at most 500 characters with a host,
/// no credentials and nothing a header could not carry, and at least one event kind a webhook
/// may receive. `allow_http_loopback` admits `http://127.0.0.1` and `http://localhost`
/// (development and tests). Messages are keyed by field.
pub fn validate_webhook(
    input: &WebhookInput,
    allow_http_loopback: bool,
) -> Result<(), std::collections::BTreeMap<String, String>> {
    let mut errors = std::collections::BTreeMap::new();
    let url = input.url.trim();
    let rest = url.strip_prefix("https://").or_else(|| {
        allow_http_loopback
            .then(|| url.strip_prefix("http://"))
            .flatten()
            .filter(|rest| {
                let host = rest.split(['/', ':']).next().unwrap_or("");
                host == "127.0.0.1" || host == "localhost"
            })
    });
    let problem = match rest {
        _ if url.chars().count() > 500 => Some("must be at most 500 characters"),
        None => Some("must start with https://"),
        Some(rest) => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            if authority.is_empty() {
                Some("must name a host")
            } else if authority.contains('@') {
                Some("must not carry a user name or password")
            } else if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
                Some("must not contain spaces or control characters")
            } else {
                None
            }
        }
    };
    if let Some(problem) = problem {
        errors.insert("url".to_owned(), problem.to_owned());
    }
    if input.events.is_empty() {
        errors.insert("events".to_owned(), "choose at least one event".to_owned());
    } else if let Some(kind) = input
        .events
        .iter()
        .find(|k| !NotificationKind::webhook_kinds().any(|w| w == **k))
    {
        errors.insert(
            "events".to_owned(),
            format!("`{}` is not sent to webhooks", kind.key()),
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(url: &str) -> WebhookInput {
        WebhookInput {
            url: url.to_owned(),
            events: vec![NotificationKind::Released],
        }
    }

    #[test]
    fn webhooks_need_https_a_host_and_webhook_events() {
        assert!(validate_webhook(&input("https://hooks.example.com/peerposture"), false).is_ok());
        let field = |url: &str, loopback| {
            validate_webhook(&input(url), loopback)
                .err()
                .and_then(|e| e.get("url").cloned())
        };
        assert_eq!(
            field("http://hooks.example.com/x", false).as_deref(),
            Some("must start with https://")
        );
        assert!(field("http://127.0.0.1:9000/hook", false).is_some());
        assert!(field("http://127.0.0.1:9000/hook", true).is_none());
        assert!(field("http://10.0.0.1/hook", true).is_some());
        assert!(field("https:///path", false).is_some());
        assert!(field("https://user:pw@example.com/", false).is_some());
        assert!(field("https://example.com/a b", false).is_some());
        assert!(field(&format!("https://example.com/{}", "a".repeat(500)), false).is_some());
        let none = WebhookInput {
            url: "https://example.com".into(),
            events: vec![],
        };
        assert!(
            validate_webhook(&none, false)
                .unwrap_err()
                .contains_key("events")
        );
        let paused = WebhookInput {
            url: "https://example.com".into(),
            events: vec![NotificationKind::WebhookPaused],
        };
        assert!(
            validate_webhook(&paused, false)
                .unwrap_err()
                .contains_key("events")
        );
    }
}
