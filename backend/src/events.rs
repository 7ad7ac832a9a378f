//! What actions leave behind: the audit log's actions ([`Audit`]), and one enum of every event
//! an action or time itself can cause for the notification worker ([`Event`]). An event is written to the outbox (`events`) as its kind, a key and its fields as
//! JSON; the worker reads it back into the same enum, so composing its notifications is one
//! exhaustive match.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::Period;

/// An event as the outbox stores it. Written with the audit entry of the action that causes
/// it, in its transaction (`AuditRecord::with_event`), or by the worker itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// [`Event::kind`].
    pub kind: &'static str,
    /// [`Event::key`]: a second event with the same key is not written.
    pub key: String,
    /// The event's fields as JSON, read back by [`Event::read`].
    pub payload: String,
    /// When it happened, on the server's clock (Unix seconds).
    pub at: i64,
}

/// An event for the notification worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A quarter was released.
    Released { period: Period },
    /// A standard's new version was published.
    StandardVersion { standard_id: i64 },
    /// A practice was published or returned to its author.
    Practice {
        practice_id: i64,
        title: String,
        published: bool,
        comment: String,
        author_user_id: i64,
        author_org_id: Option<i64>,
    },
    /// An attestation's share link was opened.
    AttestationOpened {
        attestation_id: i64,
        org_id: i64,
        audience: String,
    },
    /// A quarter's submissions are due in `days` days.
    Deadline {
        period: Period,
        due_at: String,
        days: i64,
    },
    /// Someone was invited; the link goes into the email, and the event forgets it once
    /// expanded.
    Invitation {
        email: String,
        link: String,
        role: String,
        org: String,
    },
    /// A webhook was paused after repeated failures.
    WebhookPaused {
        webhook_id: i64,
        org_id: i64,
        url: String,
        user_id: i64,
        error: String,
    },
    /// A member admin asked for a test request to a webhook.
    WebhookTest { webhook_id: i64 },
}

impl Event {
    /// The `kind` column: a notification kind's key, or `webhook_test`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Released { .. } => "released",
            Event::StandardVersion { .. } => "standard_version",
            Event::Practice { .. } => "practice",
            Event::AttestationOpened { .. } => "attestation_opened",
            Event::Deadline { .. } => "deadline",
            Event::Invitation { .. } => "invitation",
            Event::WebhookPaused { .. } => "webhook_paused",
            Event::WebhookTest { .. } => "webhook_test",
        }
    }

    /// The event's unique key at `now` (Unix seconds): a second event with the same key is not
    /// written. A release, a standard's version, a reminder stage are told once; an opened link
    /// once a day; actions that may happen again (a practice returned twice) every time.
    pub fn key(&self, now: i64) -> String {
        match self {
            Event::Released { period } => format!("released:{period}"),
            Event::StandardVersion { standard_id } => format!("standard_version:{standard_id}"),
            Event::AttestationOpened { attestation_id, .. } => {
                format!(
                    "attestation_opened:{attestation_id}:{}",
                    now.div_euclid(86_400)
                )
            }
            Event::Deadline {
                period,
                due_at,
                days,
            } => format!("deadline:{period}:{due_at}:{days}d"),
            Event::WebhookPaused { webhook_id, .. } => format!("webhook_paused:{webhook_id}:{now}"),
            Event::Practice { .. } => unique_key("practice", now),
            Event::Invitation { .. } => unique_key("invitation", now),
            Event::WebhookTest { webhook_id } => {
                unique_key(&format!("webhook_test:{webhook_id}"), now)
            }
        }
    }

    /// The row to write at `now`: kind, key and the fields as JSON.
    pub fn record(&self, now: i64) -> EventRecord {
        let mut fields = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut fields {
            map.remove("kind");
        }
        EventRecord {
            kind: self.kind(),
            key: self.key(now),
            payload: fields.to_string(),
            at: now,
        }
    }

    /// The event a row holds.
    pub fn read(kind: &str, payload: &str) -> Result<Event, String> {
        let mut fields: Value = serde_json::from_str(payload).map_err(|e| e.to_string())?;
        let Value::Object(map) = &mut fields else {
            return Err("the payload is no JSON object".to_owned());
        };
        map.insert("kind".to_owned(), Value::String(kind.to_owned()));
        serde_json::from_value(fields).map_err(|e| e.to_string())
    }
}

/// What an audit entry records: every action the audit log names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audit {
    AttestationIssued,
    AttestationRevoked,
    ClientOrgCreated,
    DeadlineSet,
    InvitationAccepted,
    InvitationCreated,
    Login,
    LoginFailed,
    Logout,
    OrganisationCreated,
    OrganisationVerificationProposed,
    OrganisationVerified,
    PasswordChanged,
    PeriodReleased,
    PracticePublished,
    PracticeResubmitted,
    PracticeReturned,
    PracticeSubmitted,
    ReleaseRecomputed,
    RoleChanged,
    SigningKeyCompromised,
    SigningKeyRotated,
    StandardCreated,
    StandardFollowed,
    StandardPublished,
    SubmissionSaved,
    SupplierDecided,
    TargetDeleted,
    TargetSaved,
    TokenCreated,
    TokenRevoked,
    ValuesRead,
    WebhookCreated,
    WebhookDeleted,
    WebhookResumed,
}

impl Audit {
    /// The action as the log stores and the API shows it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Audit::AttestationIssued => "attestation_issued",
            Audit::AttestationRevoked => "attestation_revoked",
            Audit::ClientOrgCreated => "client_org_created",
            Audit::DeadlineSet => "deadline_set",
            Audit::InvitationAccepted => "invitation_accepted",
            Audit::InvitationCreated => "invitation_created",
            Audit::Login => "login",
            Audit::LoginFailed => "login_failed",
            Audit::Logout => "logout",
            Audit::OrganisationCreated => "organisation_created",
            Audit::OrganisationVerificationProposed => "organisation_verification_proposed",
            Audit::OrganisationVerified => "organisation_verified",
            Audit::PasswordChanged => "password_changed",
            Audit::PeriodReleased => "period_released",
            Audit::PracticePublished => "practice_published",
            Audit::PracticeResubmitted => "practice_resubmitted",
            Audit::PracticeReturned => "practice_returned",
            Audit::PracticeSubmitted => "practice_submitted",
            Audit::ReleaseRecomputed => "release_recomputed",
            Audit::RoleChanged => "role_changed",
            Audit::SigningKeyCompromised => "signing_key_compromised",
            Audit::SigningKeyRotated => "signing_key_rotated",
            Audit::StandardCreated => "standard_created",
            Audit::StandardFollowed => "standard_followed",
            Audit::StandardPublished => "standard_published",
            Audit::SubmissionSaved => "submission_saved",
            Audit::SupplierDecided => "supplier_decided",
            Audit::TargetDeleted => "target_deleted",
            Audit::TargetSaved => "target_saved",
            Audit::TokenCreated => "token_created",
            Audit::TokenRevoked => "token_revoked",
            Audit::ValuesRead => "values_read",
            Audit::WebhookCreated => "webhook_created",
            Audit::WebhookDeleted => "webhook_deleted",
            Audit::WebhookResumed => "webhook_resumed",
        }
    }
}

/// A key no other event has: the prefix, the time and a random nonce.
fn unique_key(prefix: &str, now: i64) -> String {
    let mut nonce = [0u8; 12];
    // Without randomness the time alone keeps keys apart well enough.
    let _ = getrandom::fill(&mut nonce);
    format!("{prefix}:{now}:{}", shared::format::hex(&nonce))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_reads_back_as_written() {
        let period: Period = "2026-Q3".parse().unwrap();
        let events = [
            Event::Released { period },
            Event::StandardVersion { standard_id: 3 },
            Event::Practice {
                practice_id: 4,
                title: "Drills".to_owned(),
                published: true,
                comment: String::new(),
                author_user_id: 9,
                author_org_id: None,
            },
            Event::AttestationOpened {
                attestation_id: 1,
                org_id: 2,
                audience: "Acme Bank".to_owned(),
            },
            Event::Deadline {
                period,
                due_at: "2026-09-30T23:59:59Z".to_owned(),
                days: 7,
            },
            Event::Invitation {
                email: "a@example.com".to_owned(),
                link: "https://x/invite/t".to_owned(),
                role: "Member admin".to_owned(),
                org: String::new(),
            },
            Event::WebhookPaused {
                webhook_id: 5,
                org_id: 2,
                url: "https://hooks.example/x".to_owned(),
                user_id: 7,
                error: "answered 500".to_owned(),
            },
            Event::WebhookTest { webhook_id: 5 },
        ];
        for event in events {
            let row = event.record(1_790_000_000);
            assert_eq!(row.kind, event.kind());
            assert!(!row.payload.contains("\"kind\""), "{}", row.payload);
            assert_eq!(Event::read(row.kind, &row.payload), Ok(event));
        }
    }

    #[test]
    fn the_keys_tell_a_release_once_and_a_returned_practice_every_time() {
        let released = Event::Released {
            period: "2026-Q3".parse().unwrap(),
        };
        assert_eq!(released.key(1), released.key(2));
        assert_eq!(released.key(1), "released:2026-Q3");
        let test = Event::WebhookTest { webhook_id: 1 };
        assert_ne!(test.key(1), test.key(1));
        let opened = Event::AttestationOpened {
            attestation_id: 1,
            org_id: 2,
            audience: String::new(),
        };
        assert_eq!(opened.key(86_400), opened.key(2 * 86_400 - 1));
        assert_ne!(opened.key(86_400), opened.key(2 * 86_400));
    }

    #[test]
    fn a_row_of_an_unknown_kind_or_missing_field_does_not_read() {
        assert!(Event::read("nope", "{}").is_err());
        assert!(Event::read("released", "{}").is_err());
        assert!(Event::read("released", "[]").is_err());
    }
}
