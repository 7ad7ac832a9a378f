//! Storage: each area (settings, organisations, users, sessions, invitations, API tokens,
//! submissions, releases, standards, practices, audit, attestations, targets, deadlines, the
//! outbox) is a trait with its one implementation for
//! [`SqlStore`] in its own file, whose SQL runs on the embedded SQLite file and on PostgreSQL
//! alike; what the two dialects do differently is named in `dialect.rs`. The handlers see only
//! the traits, through [`Store`].

pub mod attestations;
mod audit;
mod clients;
pub mod deadlines;
mod dialect;
mod invitations;
mod migrate;
pub mod notify;
mod orgs;
mod practices;
mod releases;
mod rows;
mod sessions;
mod settings;
mod sql;
mod standards;
mod submissions;
pub mod targets;
mod tokens;
mod users;
mod write;

use std::collections::BTreeMap;
use std::sync::Arc;

use shared::Period;
use shared::account::{Role, TokenScope, User};
use shared::benchmark::BenchmarkCell;
use shared::practice::{PracticeDraft, PracticeStatus};

pub use attestations::{
    AttestationStore, NewAttestationRecord, RevocationRecord, SharedRecord, StoredKey,
};
pub use audit::AuditStore;
pub use clients::{ClientStore, SupplierRecord};
pub use deadlines::{DeadlineStore, LatestSave};
pub use invitations::InvitationStore;
pub use migrate::migrate_store;
pub use notify::{EventRecord, NotifyStore};
pub use orgs::OrgStore;
pub use practices::PracticeStore;
pub use releases::{ReleaseStore, ReleaseTx};
pub use sessions::SessionStore;
pub use settings::SettingStore;
pub use sql::{SqlStore, schema_url};
pub use standards::StandardStore;
pub use submissions::{Saved, SubmissionStore};
pub use targets::{TargetRecord, TargetStore};
pub use tokens::TokenStore;
pub use users::UserStore;
pub use write::{Write, WriteStore};

/// A failure inside the store. Never shown to clients: the HTTP layer logs it and answers 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL `{0}`: use sqlite://FILE or postgres://USER@HOST/DATABASE")]
    UnsupportedUrl(String),
    #[error("could not create the database directory {path}: {source}")]
    CreateDirectory {
        path: String,
        source: std::io::Error,
    },
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
    /// The write would break a uniqueness rule; the message says which, for the client.
    #[error("{0}")]
    Conflict(String),
    #[error("the period is released")]
    PeriodReleased,
}

impl StoreError {
    /// The database stayed locked by other writers past its busy timeout, or no connection
    /// came free in time: the request may succeed if retried, so it is a 503, not a 500.
    pub fn is_busy(&self) -> bool {
        matches!(self, StoreError::Database(error) if dialect::Dialect::is_busy(error))
    }
}

/// A period with recorded activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodRecord {
    pub period: Period,
    /// RFC 3339 UTC timestamp of the release; `None` while open.
    pub released_at: Option<String>,
}

/// A user with their password hash, for login.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// An API token that authenticated a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOwner {
    pub token_id: i64,
    pub org_id: i64,
    pub name: String,
    pub scopes: Vec<TokenScope>,
}

/// A new API token; the token itself is never stored.
#[derive(Debug, Clone)]
pub struct NewTokenRecord {
    pub org_id: i64,
    pub created_by: i64,
    pub name: String,
    pub token_hash: [u8; 32],
    pub scopes: Vec<TokenScope>,
    /// Unix seconds.
    pub expires_at: i64,
}

/// A new invitation; the token itself is never stored.
#[derive(Debug, Clone)]
pub struct NewInvitationRecord {
    pub token_hash: [u8; 32],
    pub email: String,
    pub role: Role,
    pub org_id: Option<i64>,
    pub client_id: Option<i64>,
    pub invited_by: i64,
    pub expires_at: i64,
}

/// The latest revision of an organisation's submission for a period.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSubmission {
    pub revision: i64,
    pub saved_at: String,
    pub saved_by: String,
    pub values: BTreeMap<String, f64>,
}

/// A retried request's key and the hash of its body.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    pub request_hash: [u8; 32],
    /// When the request came (Unix seconds).
    pub at: i64,
}

/// How long a save's Idempotency-Key is honoured: a retry within a day gets the first result.
pub const IDEMPOTENCY_TTL_SECONDS: i64 = 24 * 60 * 60;

/// An entry for the audit log.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub actor: String,
    pub action: crate::events::Audit,
    pub target: String,
    pub detail: String,
    /// The organisation the entry concerns, when its member admins are to see it.
    pub org_id: Option<i64>,
    /// What the notification worker is to tell people about the action, written in the same
    /// transaction (the outbox).
    pub event: Option<EventRecord>,
}

impl AuditRecord {
    /// An entry about no organisation in particular.
    pub fn new(
        actor: impl Into<String>,
        action: crate::events::Audit,
        target: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        AuditRecord {
            actor: actor.into(),
            action,
            target: target.into(),
            detail: detail.into(),
            org_id: None,
            event: None,
        }
    }

    /// The entry with an event for the notification worker, keyed at `now`.
    pub fn with_event(mut self, event: &crate::events::Event, now: i64) -> Self {
        self.event = Some(event.record(now));
        self
    }
}

/// Audit entries keep at most this many characters of each text, without control characters:
/// what a client sends (an email at login) never fills the log.
pub const AUDIT_TEXT_LIMIT: usize = 200;

/// Whether a login attempt may check its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginAttempt {
    /// Recorded: the ids to forget if the password turns out right.
    Allowed(Vec<i64>),
    /// A subject is at its limit: the times of its attempts in the window, oldest first.
    Refused { times: Vec<i64>, limit: usize },
}

/// A release: when, and under which policy and threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRecord {
    pub period: Period,
    pub policy: String,
    pub k: u32,
    pub released_at: String,
}

/// The stored benchmark of one cohort in a released period.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredBenchmark {
    pub release: ReleaseRecord,
    pub cohort_band: Option<String>,
    /// In catalogue order.
    pub cells: Vec<BenchmarkCell>,
}

/// A stored practice with what the HTTP layer needs to decide what each caller may see.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPractice {
    pub id: i64,
    pub draft: PracticeDraft,
    pub status: PracticeStatus,
    pub author_org_id: Option<i64>,
    pub author_user_id: i64,
    /// The authoring organisation's name, or the user's for a practice a publisher wrote.
    pub author_name: String,
    pub moderation_comment: Option<String>,
    pub adoptions: i64,
    /// Whether the organisation the query was made for marked it adopted.
    pub adopted_by_viewer: bool,
    pub updated_at: String,
    pub published_at: Option<String>,
}

/// Who wrote a practice: a member organisation (through one of its users) or a publisher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PracticeAuthor {
    pub org_id: Option<i64>,
    pub user_id: i64,
}

/// Which practices to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PracticeSelection {
    One(i64),
    Status(PracticeStatus),
    /// Everything an author wrote: a member organisation's, or a publisher's own.
    By(PracticeAuthor),
}

/// Everything the server persists, in one seam: every area's trait.
/// Every time the store keeps, and every time passed in, is an integer of Unix time: seconds,
/// or milliseconds where the column's name ends in `_ms` (the audit log's `at_ms`). The records
/// handed out carry RFC 3339 UTC text where the API shows a time, so every backend answers with
/// the same bytes.
pub trait Store:
    SettingStore
    + OrgStore
    + UserStore
    + SessionStore
    + InvitationStore
    + TokenStore
    + SubmissionStore
    + ReleaseStore
    + StandardStore
    + PracticeStore
    + AuditStore
    + AttestationStore
    + ClientStore
    + TargetStore
    + DeadlineStore
    + NotifyStore
    + WriteStore
    + Send
    + Sync
    + std::fmt::Debug
{
}

impl<T> Store for T where
    T: SettingStore
        + OrgStore
        + UserStore
        + SessionStore
        + InvitationStore
        + TokenStore
        + SubmissionStore
        + ReleaseStore
        + StandardStore
        + PracticeStore
        + AuditStore
        + AttestationStore
        + ClientStore
        + TargetStore
        + DeadlineStore
        + NotifyStore
        + WriteStore
        + Send
        + Sync
        + std::fmt::Debug
{
}

/// Opens the store named by `database_url`, creating and migrating it when needed.
pub async fn open(database_url: &str) -> Result<Arc<dyn Store>, StoreError> {
    Ok(Arc::new(SqlStore::open(database_url).await?))
}

/// Writes a consistent copy of the SQLite store named by `database_url` to `target` (a new
/// file) while the server may go on serving: SQLite's `VACUUM INTO` reads one snapshot, so
/// writes that commit during the copy are simply not in it. Restore by stopping the server and
/// putting the copy in place of the database file (removing its `-wal` and `-shm` files).
/// PostgreSQL has its own tools for this (`pg_dump`, base backups).
pub async fn backup(database_url: &str, target: &std::path::Path) -> Result<(), StoreError> {
    if !database_url.starts_with("sqlite:") {
        return Err(StoreError::UnsupportedUrl(format!(
            "{} (back up PostgreSQL with pg_dump)",
            redact_url(database_url)
        )));
    }
    sql::backup_sqlite(database_url, target).await
}

/// Hides the password of a `scheme://user:password@host/...` URL.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/pp"),
            "postgres://app:***@db:5432/pp"
        );
        assert_eq!(
            redact_url("sqlite://data/peerposture.db"),
            "sqlite://data/peerposture.db"
        );
        assert_eq!(redact_url("postgres://app@db/pp"), "postgres://app@db/pp");
    }
}
