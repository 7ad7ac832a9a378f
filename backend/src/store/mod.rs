//! Storage behind a trait, so that a deployment can move from the embedded SQLite file to
//! PostgreSQL without touching the HTTP layer. Each backend embeds its own migrations.

mod accounts;
pub mod attestations;
mod audit;
pub mod deadlines;
mod dialect;
mod migrate;
pub mod notify;
mod practices;
mod releases;
mod rows;
mod sql;
mod standards;
mod submissions;
pub mod targets;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use shared::Period;
use shared::account::{
    ApiTokenInfo, AuditEntry, InvitationInfo, NewOrganisation, Organisation, Role, TeamAccount,
    TeamInvitation, TokenScope, User,
};
use shared::benchmark::{BenchmarkCell, SuppressionReason};
use shared::cohort::CohortKey;
use shared::practice::{PracticeDraft, PracticeStatus};
use shared::standard::{ShareMeeting, Standard, StandardDraft};
use shared::submission::RevisionInfo;

use crate::engine::{EngineOrg, ReleaseResult, ShareCell};

pub use attestations::{AttestationStore, NewAttestationRecord, StoredKey};
pub use deadlines::{DeadlineStore, LatestSave};
pub use migrate::migrate_store;
pub use notify::{EventRecord, NotifyStore};
pub use sql::{SqlStore, schema_url};
pub use targets::{TargetRecord, TargetStore};

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

/// The audit entry of a write that creates something, made from what it created (its id, the
/// new user or revision), so that it can name it and still be written in the write's own
/// transaction: an action and its entry are stored together or not at all.
pub type AuditOf<'a, T> = &'a (dyn Fn(&T) -> AuditRecord + Send + Sync);

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

/// Everything the server persists, in one seam: a backend implements each area's trait.
/// Timestamps passed in are Unix seconds; timestamps stored and returned are RFC 3339 UTC text
/// made by the database, so every backend answers with the same bytes.
pub trait Store:
    AccountStore
    + SubmissionStore
    + ReleaseStore
    + StandardStore
    + PracticeStore
    + AuditStore
    + AttestationStore
    + TargetStore
    + DeadlineStore
    + NotifyStore
    + Send
    + Sync
    + std::fmt::Debug
{
}

impl<T> Store for T where
    T: AccountStore
        + SubmissionStore
        + ReleaseStore
        + StandardStore
        + PracticeStore
        + AuditStore
        + AttestationStore
        + TargetStore
        + DeadlineStore
        + NotifyStore
        + Send
        + Sync
        + std::fmt::Debug
{
}

/// Organisations, users, sessions, login throttling, invitations and API tokens.
#[async_trait]
pub trait AccountStore {
    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// A setting of the store itself (`store_settings`).
    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError>;

    // Organisations.
    async fn create_org(
        &self,
        org: &NewOrganisation,
        audit: AuditOf<'_, Organisation>,
    ) -> Result<Organisation, StoreError>;
    async fn org(&self, id: i64) -> Result<Option<Organisation>, StoreError>;
    async fn orgs(&self) -> Result<Vec<Organisation>, StoreError>;
    /// Records that user `by` proposes verifying the organisation; `None` when it does not
    /// exist, is verified, or has a proposal already.
    async fn propose_verification(
        &self,
        id: i64,
        by: i64,
        audit: AuditOf<'_, Organisation>,
    ) -> Result<Option<Organisation>, StoreError>;
    /// Confirms the pending proposal as user `by`, who did not propose it: the organisation is
    /// verified. `None` when there is no such pending proposal.
    async fn confirm_verification(
        &self,
        id: i64,
        by: i64,
        audit: AuditOf<'_, Organisation>,
    ) -> Result<Option<Organisation>, StoreError>;

    // Users and sessions.
    async fn user_count(&self) -> Result<i64, StoreError>;
    async fn create_user(
        &self,
        email: &str,
        name: &str,
        role: Role,
        org_id: Option<i64>,
        password_hash: &str,
    ) -> Result<User, StoreError>;
    async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StoreError>;
    async fn password_hash(&self, user_id: i64) -> Result<Option<String>, StoreError>;
    async fn users(&self) -> Result<Vec<User>, StoreError>;
    async fn set_role(
        &self,
        user_id: i64,
        role: Role,
        audit: AuditOf<'_, User>,
    ) -> Result<Option<User>, StoreError>;
    /// Replaces the password and ends every session of the user.
    async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        audit: &AuditRecord,
    ) -> Result<(), StoreError>;
    /// Stores a session, sweeping away those expired by `now`.
    async fn create_session(
        &self,
        token_hash: &[u8; 32],
        user_id: i64,
        now: i64,
        expires_at: i64,
        audit: Option<&AuditRecord>,
    ) -> Result<(), StoreError>;
    async fn session_user(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<User>, StoreError>;
    async fn delete_session(
        &self,
        token_hash: &[u8; 32],
        audit: Option<&AuditRecord>,
    ) -> Result<(), StoreError>;

    // Login throttling: an attempt is counted and recorded before the password is checked,
    // atomically per subject across every instance, so parallel attempts count each other.
    /// When every subject has fewer than its limit of attempts since `since`, records one at
    /// `now` against each and returns their ids; otherwise records nothing and returns the
    /// times (oldest first) of the attempts of the first subject at its limit.
    async fn begin_login_attempt(
        &self,
        subjects: &[(&str, usize)],
        now: i64,
        since: i64,
    ) -> Result<LoginAttempt, StoreError>;
    /// Forgets attempts that turned out not to be failures (refused unheard, or successful).
    async fn forget_login_attempts(&self, ids: &[i64]) -> Result<(), StoreError>;
    async fn clear_login_failures(&self, subject: &str) -> Result<(), StoreError>;
    /// Remembers a browser the user logged in from, until `expires_at`; forgets expired ones.
    async fn remember_device(
        &self,
        token_hash: &[u8; 32],
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;
    /// Whether the browser holding this device token has logged in to the account of `email`
    /// (lowercase) and is still remembered at `now`.
    async fn known_device(
        &self,
        token_hash: &[u8; 32],
        email: &str,
        now: i64,
    ) -> Result<bool, StoreError>;

    // Invitations.
    async fn create_invitation(
        &self,
        invitation: &NewInvitationRecord,
        audit: &AuditRecord,
    ) -> Result<(), StoreError>;
    /// An invitation that is neither used nor expired.
    async fn invitation(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<InvitationInfo>, StoreError>;
    /// Creates the invited user and uses up the invitation, atomically; `None` when the
    /// invitation is unknown, used or expired.
    async fn accept_invitation(
        &self,
        token_hash: &[u8; 32],
        name: &str,
        password_hash: &str,
        now: i64,
        audit: AuditOf<'_, User>,
    ) -> Result<Option<User>, StoreError>;
    /// Every account of an organisation and every invitation into it, with who created each.
    async fn team(
        &self,
        org_id: i64,
    ) -> Result<(Vec<TeamAccount>, Vec<TeamInvitation>), StoreError>;

    // API tokens.
    /// Stores a token that expires at `expires_at` (Unix seconds).
    async fn create_api_token(
        &self,
        token: &NewTokenRecord,
        audit: AuditOf<'_, i64>,
    ) -> Result<i64, StoreError>;
    /// Every token of the organisation, newest first, with whether it works at `now`.
    async fn api_tokens(&self, org_id: i64, now: i64) -> Result<Vec<ApiTokenInfo>, StoreError>;
    /// Revokes a token of the organisation; false when there is no such active token.
    async fn revoke_api_token(
        &self,
        org_id: i64,
        token_id: i64,
        audit: &AuditRecord,
    ) -> Result<bool, StoreError>;
    /// The owner of a token that works at `now` (not revoked, not expired, its creator still a
    /// member admin of its organisation), recording its use.
    async fn api_token_owner(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<TokenOwner>, StoreError>;
}

/// Members' quarterly submissions.
#[async_trait]
pub trait SubmissionStore {
    /// Periods with recorded activity, oldest first.
    async fn periods(&self) -> Result<Vec<PeriodRecord>, StoreError>;
    async fn period_released(&self, period: Period) -> Result<bool, StoreError>;
    /// Saves a new revision (or, for a known idempotency key with the same body, returns the
    /// revision that key created). Fails with `PeriodReleased` once the period is released.
    async fn save_submission(
        &self,
        org_id: i64,
        period: Period,
        values: &BTreeMap<String, f64>,
        saved_by: &str,
        idempotency: Option<&IdempotencyKey>,
        audit: AuditOf<'_, StoredSubmission>,
    ) -> Result<StoredSubmission, StoreError>;
    async fn submission(
        &self,
        org_id: i64,
        period: Period,
    ) -> Result<Option<StoredSubmission>, StoreError>;
    /// Every saved revision of the organisation, newest first.
    async fn submission_history(&self, org_id: i64) -> Result<Vec<RevisionInfo>, StoreError>;
}

/// Released benchmarks: the reads, and the transaction the release service writes them in.
#[async_trait]
pub trait ReleaseStore {
    /// Starts the transaction in which releases, their recomputation and standards' shares are
    /// written. Such transactions run one at a time across every instance on the database, so
    /// a standard published during a release gets the release's shares exactly once.
    async fn begin_release(&self) -> Result<Box<dyn ReleaseTx>, StoreError>;
    /// A read-only transaction over the same rows, taking no lock, for work that can be done
    /// before the lock is taken (what a released period froze never changes). Only its reads
    /// may be used; dropping it ends it.
    async fn begin_snapshot(&self) -> Result<Box<dyn ReleaseTx>, StoreError>;
    /// The stored cells of a cohort; `None` when the period is not released.
    async fn benchmark(
        &self,
        period: Period,
        cohort: CohortKey,
    ) -> Result<Option<StoredBenchmark>, StoreError>;
    /// A metric's stored cell of a cohort in every released period, oldest first.
    async fn trend(
        &self,
        metric: &str,
        cohort: CohortKey,
    ) -> Result<Vec<(Period, BenchmarkCell)>, StoreError>;
}

/// The rows of a release, read and written inside one transaction (see [`crate::release`],
/// which drives it). Dropped without `commit`, it rolls back.
#[async_trait]
pub trait ReleaseTx: Send {
    /// Marks `period` released and freezes who contributed: every verified organisation's last
    /// revision with the cohort attributes it has now. `Conflict` when already released.
    async fn stamp_release(
        &mut self,
        period: Period,
        policy: &str,
        k: u32,
    ) -> Result<ReleaseRecord, StoreError>;
    /// Every release, oldest first.
    async fn releases(&mut self) -> Result<Vec<ReleaseRecord>, StoreError>;
    /// The contributors frozen at the period's release with their values, as the engine takes them.
    async fn frozen_inputs(&mut self, period: Period) -> Result<Vec<EngineOrg>, StoreError>;
    /// The period's published stored cells, by cohort and catalogue index, with whether each
    /// carries a mean.
    async fn published_cells(
        &mut self,
        period: Period,
    ) -> Result<HashMap<(CohortKey, usize), bool>, StoreError>;
    /// Why each held-back stored cell of the period is held back, by cohort and catalogue index.
    async fn held_back_cells(
        &mut self,
        period: Period,
    ) -> Result<HashMap<(CohortKey, usize), SuppressionReason>, StoreError>;
    /// The standards a release of `period` stores shares for: the published ones, and any
    /// other that already has shares for it (superseded since; when a release is recomputed).
    async fn standards_with_shares(&mut self, period: Period) -> Result<Vec<Standard>, StoreError>;
    /// Replaces the period's cohort bands and cells (and drops its standards' shares, which
    /// follow with `save_shares`), recording `policy` as the one they were computed under.
    async fn save_cells(
        &mut self,
        period: Period,
        policy: &str,
        result: &ReleaseResult,
    ) -> Result<(), StoreError>;
    async fn save_shares(
        &mut self,
        period: Period,
        standard_id: i64,
        shares: &[ShareCell],
    ) -> Result<(), StoreError>;
    /// Publishes a draft and marks the version it supersedes superseded; `None` when there is
    /// no such standard, `Conflict` when it is not a draft.
    async fn publish_standard(&mut self, id: i64) -> Result<Option<Standard>, StoreError>;
    /// Appends an entry to the audit log, committed with the rest.
    async fn audit(&mut self, record: &AuditRecord) -> Result<(), StoreError>;
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// Industry standards (publishing one goes through [`ReleaseTx`]).
#[async_trait]
pub trait StandardStore {
    /// Creates a draft; as the next version of `draft.supersedes` when set (which must be
    /// published: `Conflict` otherwise).
    async fn create_standard(
        &self,
        draft: &StandardDraft,
        created_by: i64,
        audit: AuditOf<'_, Standard>,
    ) -> Result<Standard, StoreError>;
    /// Replaces a draft's content; `Conflict` once published; `None` when there is no such standard.
    async fn update_standard(
        &self,
        id: i64,
        draft: &StandardDraft,
    ) -> Result<Option<Standard>, StoreError>;
    async fn standard(&self, id: i64) -> Result<Option<Standard>, StoreError>;
    /// Newest first; drafts only when asked.
    async fn standards(&self, include_drafts: bool) -> Result<Vec<Standard>, StoreError>;
    /// Stored shares meeting each requirement (by index) in a cohort of a released period;
    /// empty when the period is not released or the standard not published.
    async fn standard_shares(
        &self,
        period: Period,
        standard_id: i64,
        cohort: CohortKey,
    ) -> Result<Vec<(usize, ShareMeeting)>, StoreError>;
    async fn followed_standard(&self, org_id: i64) -> Result<Option<i64>, StoreError>;
    async fn follow_standard(
        &self,
        org_id: i64,
        standard_id: Option<i64>,
        audit: &AuditRecord,
    ) -> Result<(), StoreError>;
}

/// The best-practice library.
#[async_trait]
pub trait PracticeStore {
    /// Stores a new practice as submitted and returns its id.
    async fn create_practice(
        &self,
        draft: &PracticeDraft,
        author: PracticeAuthor,
        audit: AuditOf<'_, i64>,
    ) -> Result<i64, StoreError>;
    /// Replaces a practice's content and submits it again; `Conflict` once published.
    async fn update_practice(
        &self,
        id: i64,
        draft: &PracticeDraft,
        audit: &AuditRecord,
    ) -> Result<(), StoreError>;
    /// Publishes or returns a submitted practice; `Conflict` unless it is submitted.
    async fn moderate_practice(
        &self,
        id: i64,
        status: PracticeStatus,
        comment: Option<&str>,
        audit: &AuditRecord,
    ) -> Result<(), StoreError>;
    /// Newest first; `viewer_org` decides `adopted_by_viewer`.
    async fn practices(
        &self,
        selection: PracticeSelection,
        viewer_org: Option<i64>,
    ) -> Result<Vec<StoredPractice>, StoreError>;
    async fn set_adoption(
        &self,
        practice_id: i64,
        org_id: i64,
        adopted: bool,
    ) -> Result<(), StoreError>;
}

/// The audit log.
#[async_trait]
pub trait AuditStore {
    async fn audit(&self, record: AuditRecord) -> Result<(), StoreError>;
    /// The newest `limit` entries of `action` about an organisation.
    async fn org_audit_log(
        &self,
        org_id: i64,
        action: crate::events::Audit,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError>;
    /// Newest first, at most `limit` entries older than `before` (an entry id) when given.
    async fn audit_log(
        &self,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<AuditEntry>, StoreError>;
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
