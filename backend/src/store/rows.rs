//! Rows as the store reads them (`sqlx::FromRow` structs named by column), their conversion
//! into the shared types, and SQL that several areas share.

use std::collections::BTreeMap;

use shared::account::{
    ApiTokenInfo, AuditEntry, OrgRef, Organisation, Role, TeamAccount, TeamInvitation, TokenScope,
    User,
};
use shared::benchmark::{BenchmarkCell, SuppressionReason};
use shared::catalogue::CATALOGUE;
use shared::cohort::{CohortKey, Delivery, Region, SeatBand, Vertical, WfhBand};
use shared::period::{rfc3339, rfc3339_ms};
use shared::practice::{Attribution, PracticeDraft, PracticeStatus};
use shared::standard::{ShareMeeting, Standard, StandardStatus, Tier};
use shared::submission::RevisionInfo;

use super::{
    PracticeAuthor, PracticeSelection, ReleaseRecord, StoreError, StoredPractice, StoredSubmission,
    TokenOwner,
};
use crate::engine::{Attributes, CellOutcome, EngineOrg, ShareCell, ShareOutcome};

/// A truth value as either dialect answers a condition: PostgreSQL with a boolean, SQLite
/// with 0 or 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Flag(pub bool);

impl sqlx::Type<sqlx::Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <bool as sqlx::Type<sqlx::Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        let kind = ty.kind();
        kind == sqlx::any::AnyTypeInfoKind::Bool || kind.is_integer()
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        match <bool as sqlx::Decode<sqlx::Any>>::decode(value.clone()) {
            Ok(flag) => Ok(Flag(flag)),
            Err(_) => Ok(Flag(<i64 as sqlx::Decode<sqlx::Any>>::decode(value)? != 0)),
        }
    }
}

/// A number that may be missing, to bind. sqlx 0.8.6's Any driver hands PostgreSQL a missing
/// `f64` as a missing `f32` (it swaps the two nulls), which a `DOUBLE PRECISION` column refuses;
/// a missing `Number` goes over as a missing `f64`, and SQLite takes either as NULL.
#[derive(Debug, Clone, Copy)]
pub(super) struct Number(pub Option<f64>);

impl sqlx::Type<sqlx::Any> for Number {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <f64 as sqlx::Type<sqlx::Any>>::type_info()
    }
}

impl<'q> sqlx::Encode<'q, sqlx::Any> for Number {
    fn encode_by_ref(
        &self,
        buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        match self.0 {
            Some(value) => <f64 as sqlx::Encode<sqlx::Any>>::encode_by_ref(&value, buf),
            // The driver's swap, undone: this null reaches PostgreSQL as a missing `f64`.
            None => <Option<f32> as sqlx::Encode<sqlx::Any>>::encode_by_ref(&None, buf),
        }
    }
}

pub(super) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} `{value}`"))
}

pub(super) fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

pub(super) fn org_conflict(error: sqlx::Error, name: &str) -> StoreError {
    if is_unique_violation(&error) {
        StoreError::Conflict(format!("an organisation named `{name}` already exists"))
    } else {
        error.into()
    }
}

pub(super) fn role_conflict(error: sqlx::Error) -> StoreError {
    match error.as_database_error() {
        Some(e) if e.is_check_violation() => StoreError::Conflict(
            "that role does not fit this account: member roles need a member organisation, \
             and client reviewers belong to a client organisation and keep that role"
                .to_owned(),
        ),
        _ => error.into(),
    }
}

pub(super) fn email_conflict(error: sqlx::Error, email: &str) -> StoreError {
    if is_unique_violation(&error) {
        StoreError::Conflict(format!("an account with the email {email} already exists"))
    } else {
        error.into()
    }
}

pub(super) fn parse_period(text: &str) -> Result<shared::Period, StoreError> {
    text.parse().map_err(|_| corrupt("period", text))
}

pub(super) const ORG_COLUMNS: &str = "id, name, seat_band, region, verticals, delivery, wfh_band, verified_at, created_at, \
     verification_proposed_by, verified_after_releases";

/// Records a proposal to verify an organisation (`$1`: the organisation, `$2`: the proposer;
/// `{now}`: the dialect's clock): only where nothing is proposed or verified yet.
pub(super) fn propose_verification_sql(now: &str) -> String {
    format!(
        "UPDATE organisations SET verification_proposed_by = $2, verification_proposed_at = {now} \
         WHERE id = $1 AND verified_at IS NULL AND verification_proposed_by IS NULL \
         RETURNING {ORG_COLUMNS}"
    )
}

/// Confirms a pending proposal (`$1`: the organisation, `$2`: the confirmer, who must not be
/// the proposer).
pub(super) fn confirm_verification_sql(now: &str) -> String {
    format!(
        "UPDATE organisations SET verified_at = {now}, verified_by = $2, \
             verified_after_releases = (SELECT COUNT(*) FROM releases) \
         WHERE id = $1 AND verified_at IS NULL AND verification_proposed_by IS NOT NULL \
           AND verification_proposed_by <> $2 \
         RETURNING {ORG_COLUMNS}"
    )
}

/// The cohort attributes of an organisation, as stored (`verticals` comma-separated).
#[derive(sqlx::FromRow)]
pub(super) struct AttributeColumns {
    pub seat_band: String,
    pub region: String,
    pub verticals: String,
    pub delivery: String,
    pub wfh_band: String,
}

impl TryFrom<AttributeColumns> for Attributes {
    type Error = StoreError;

    fn try_from(row: AttributeColumns) -> Result<Self, StoreError> {
        Ok(Attributes {
            seat_band: SeatBand::from_key(&row.seat_band)
                .ok_or_else(|| corrupt("seat band", &row.seat_band))?,
            region: Region::from_key(&row.region).ok_or_else(|| corrupt("region", &row.region))?,
            verticals: row
                .verticals
                .split(',')
                .filter(|key| !key.is_empty())
                .map(|key| Vertical::from_key(key).ok_or_else(|| corrupt("vertical", key)))
                .collect::<Result<_, _>>()?,
            delivery: Delivery::from_key(&row.delivery)
                .ok_or_else(|| corrupt("delivery", &row.delivery))?,
            wfh_band: WfhBand::from_key(&row.wfh_band)
                .ok_or_else(|| corrupt("wfh band", &row.wfh_band))?,
        })
    }
}

/// `ORG_COLUMNS`.
#[derive(sqlx::FromRow)]
pub(super) struct OrgRow {
    id: i64,
    name: String,
    #[sqlx(flatten)]
    attributes: AttributeColumns,
    verified_at: Option<i64>,
    created_at: i64,
    verification_proposed_by: Option<i64>,
    verified_after_releases: Option<i64>,
}

impl TryFrom<OrgRow> for Organisation {
    type Error = StoreError;

    fn try_from(row: OrgRow) -> Result<Self, StoreError> {
        let attributes = Attributes::try_from(row.attributes)?;
        Ok(Organisation {
            id: row.id,
            name: row.name,
            seat_band: attributes.seat_band,
            region: attributes.region,
            verticals: attributes.verticals,
            delivery: attributes.delivery,
            wfh_band: attributes.wfh_band,
            verified: row.verified_at.is_some(),
            verified_at: row.verified_at.map(rfc3339),
            proposed_by: row.verification_proposed_by,
            verified_after_releases: row.verified_after_releases,
            created_at: rfc3339(row.created_at),
        })
    }
}

pub(super) const USER_SELECT: &str = "SELECT u.id, u.email, u.name, u.role, u.org_id, \
     o.name AS org_name, u.client_id, c.name AS client_name \
     FROM users u LEFT JOIN organisations o ON o.id = u.org_id \
     LEFT JOIN client_orgs c ON c.id = u.client_id";

/// `USER_SELECT`.
#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    id: i64,
    email: String,
    name: String,
    role: String,
    org_id: Option<i64>,
    org_name: Option<String>,
    client_id: Option<i64>,
    client_name: Option<String>,
}

pub(super) fn role(key: &str) -> Result<Role, StoreError> {
    Role::from_key(key).ok_or_else(|| corrupt("role", key))
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            id: row.id,
            email: row.email,
            name: row.name,
            role: role(&row.role)?,
            org: row
                .org_id
                .zip(row.org_name)
                .map(|(id, name)| OrgRef { id, name }),
            client: row
                .client_id
                .zip(row.client_name)
                .map(|(id, name)| OrgRef { id, name }),
        })
    }
}

/// An invitation as `accept_invitation` uses it up.
#[derive(sqlx::FromRow)]
pub(super) struct AcceptedInvitationRow {
    pub email: String,
    pub role: String,
    pub org_id: Option<i64>,
    pub client_id: Option<i64>,
    pub invited_by: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct InvitationRow {
    email: String,
    role: String,
    org_id: Option<i64>,
    org_name: Option<String>,
    client_id: Option<i64>,
    client_name: Option<String>,
    expires_at: i64,
}

impl TryFrom<InvitationRow> for shared::account::InvitationInfo {
    type Error = StoreError;

    fn try_from(row: InvitationRow) -> Result<Self, StoreError> {
        Ok(shared::account::InvitationInfo {
            email: row.email,
            role: role(&row.role)?,
            org: row
                .org_id
                .zip(row.org_name)
                .map(|(id, name)| OrgRef { id, name }),
            client: row
                .client_id
                .zip(row.client_name)
                .map(|(id, name)| OrgRef { id, name }),
            expires_at: shared::period::rfc3339(row.expires_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ApiTokenRow {
    id: i64,
    name: String,
    scopes: String,
    created_at: i64,
    expires_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
    active: Flag,
}

impl TryFrom<ApiTokenRow> for ApiTokenInfo {
    type Error = StoreError;

    fn try_from(row: ApiTokenRow) -> Result<Self, StoreError> {
        Ok(ApiTokenInfo {
            id: row.id,
            name: row.name,
            scopes: token_scopes(&row.scopes)?,
            created_at: rfc3339(row.created_at),
            expires_at: shared::period::rfc3339(row.expires_at),
            last_used_at: row.last_used_at.map(rfc3339),
            revoked_at: row.revoked_at.map(rfc3339),
            active: row.active.0,
        })
    }
}

/// Whether device token `$1` is remembered for the account of email `$2` at `$3`.
pub(super) const KNOWN_DEVICE_SELECT: &str = "SELECT EXISTS (SELECT 1 FROM known_devices d \
     JOIN users u ON u.id = d.user_id \
     WHERE d.token_hash = $1 AND lower(u.email) = $2 AND d.expires_at > $3)";

/// The tokens of organisation `$2` with whether each works at `$1` (Unix seconds).
pub(super) const API_TOKENS_SELECT: &str = "SELECT t.id, t.name, t.scopes, t.created_at, \
     COALESCE(t.expires_at, 0) AS expires_at, t.last_used_at, t.revoked_at, \
     COALESCE(t.revoked_at IS NULL AND t.expires_at > $1 AND u.role = 'member_admin' \
              AND u.org_id = t.org_id, FALSE) AS active \
     FROM api_tokens t JOIN users u ON u.id = t.created_by \
     WHERE t.org_id = $2 ORDER BY t.id DESC";

/// Records the use of token `$1` if it works at `$2` (see `TokenStore::api_token_owner`);
/// `{now}` is the backend's timestamp expression.
pub(super) fn token_owner_sql(now: &str) -> String {
    format!(
        "UPDATE api_tokens SET last_used_at = {now} \
         WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2 \
           AND EXISTS (SELECT 1 FROM users u WHERE u.id = api_tokens.created_by \
                       AND u.role = 'member_admin' AND u.org_id = api_tokens.org_id) \
         RETURNING id, org_id, name, scopes"
    )
}

/// Scopes as stored: comma-separated keys.
pub(super) fn scopes_text(scopes: &[TokenScope]) -> String {
    scopes
        .iter()
        .map(|scope| scope.key())
        .collect::<Vec<_>>()
        .join(",")
}

fn token_scopes(text: &str) -> Result<Vec<TokenScope>, StoreError> {
    text.split(',')
        .map(|key| {
            TokenScope::from_key(key)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown token scope `{key}`")))
        })
        .collect()
}

#[derive(sqlx::FromRow)]
pub(super) struct TokenOwnerRow {
    id: i64,
    org_id: i64,
    name: String,
    scopes: String,
}

impl TryFrom<TokenOwnerRow> for TokenOwner {
    type Error = StoreError;

    fn try_from(row: TokenOwnerRow) -> Result<Self, StoreError> {
        Ok(TokenOwner {
            token_id: row.id,
            org_id: row.org_id,
            scopes: token_scopes(&row.scopes)?,
            name: row.name,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct TeamAccountRow {
    name: String,
    email: String,
    role: String,
    created_at: i64,
    invited_by: Option<String>,
    invited_from_outside: Flag,
}

impl TryFrom<TeamAccountRow> for TeamAccount {
    type Error = StoreError;

    fn try_from(row: TeamAccountRow) -> Result<Self, StoreError> {
        Ok(TeamAccount {
            role: role(&row.role)?,
            name: row.name,
            email: row.email,
            created_at: rfc3339(row.created_at),
            invited_by: row.invited_by,
            invited_from_outside: row.invited_from_outside.0,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct TeamInvitationRow {
    email: String,
    role: String,
    invited_by: String,
    invited_from_outside: Flag,
    expires_at: i64,
    accepted_at: Option<i64>,
}

impl TryFrom<TeamInvitationRow> for TeamInvitation {
    type Error = StoreError;

    fn try_from(row: TeamInvitationRow) -> Result<Self, StoreError> {
        Ok(TeamInvitation {
            role: role(&row.role)?,
            email: row.email,
            invited_by: row.invited_by,
            invited_from_outside: row.invited_from_outside.0,
            expires_at: shared::period::rfc3339(row.expires_at),
            accepted_at: row.accepted_at.map(rfc3339),
        })
    }
}

pub(super) fn try_all<R, T>(rows: Vec<R>) -> Result<Vec<T>, StoreError>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}

#[derive(sqlx::FromRow)]
pub(super) struct PeriodRow {
    period: String,
    released_at: Option<i64>,
}

impl TryFrom<PeriodRow> for super::PeriodRecord {
    type Error = StoreError;

    fn try_from(row: PeriodRow) -> Result<Self, StoreError> {
        Ok(super::PeriodRecord {
            period: parse_period(&row.period)?,
            released_at: row.released_at.map(rfc3339),
        })
    }
}

/// A submission revision without its values.
#[derive(sqlx::FromRow)]
pub(super) struct SubmissionRow {
    pub revision: i64,
    pub saved_at: i64,
    pub saved_by: String,
}

impl SubmissionRow {
    pub(super) fn with_values(self, values: BTreeMap<String, f64>) -> StoredSubmission {
        StoredSubmission {
            revision: self.revision,
            saved_at: rfc3339(self.saved_at),
            saved_by: self.saved_by,
            values,
        }
    }
}

/// A new revision as its insert returns it.
#[derive(sqlx::FromRow)]
pub(super) struct SavedRow {
    pub id: i64,
    #[sqlx(flatten)]
    pub submission: SubmissionRow,
}

/// One saved value of a revision.
#[derive(sqlx::FromRow)]
pub(super) struct MetricValueRow {
    pub metric: String,
    pub value: f64,
}

/// What an idempotency key recorded: the request's hash and the revision it created.
#[derive(sqlx::FromRow)]
pub(super) struct IdempotencyRow {
    pub request_hash: Vec<u8>,
    pub submission_id: i64,
}

/// A user's id and password hash, for login.
#[derive(sqlx::FromRow)]
pub(super) struct CredentialRow {
    pub id: i64,
    pub password_hash: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct RevisionRow {
    period: String,
    revision: i64,
    saved_at: i64,
    saved_by: String,
    value_count: i64,
}

impl TryFrom<RevisionRow> for RevisionInfo {
    type Error = StoreError;

    fn try_from(row: RevisionRow) -> Result<Self, StoreError> {
        Ok(RevisionInfo {
            period: parse_period(&row.period)?,
            revision: row.revision,
            saved_at: rfc3339(row.saved_at),
            saved_by: row.saved_by,
            value_count: row.value_count,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct AuditRow {
    id: i64,
    at_ms: i64,
    actor: String,
    action: String,
    target: String,
    detail: String,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> Self {
        AuditEntry {
            id: row.id,
            at: rfc3339_ms(row.at_ms),
            actor: row.actor,
            action: row.action,
            target: row.target,
            detail: row.detail,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ReleaseRow {
    period: String,
    policy: String,
    k: i64,
    released_at: i64,
}

impl TryFrom<ReleaseRow> for ReleaseRecord {
    type Error = StoreError;

    fn try_from(row: ReleaseRow) -> Result<Self, StoreError> {
        Ok(ReleaseRecord {
            period: parse_period(&row.period)?,
            policy: row.policy,
            k: u32::try_from(row.k).map_err(|_| corrupt("k", &row.k.to_string()))?,
            released_at: rfc3339(row.released_at),
        })
    }
}

pub(super) const CELL_COLUMNS: &str =
    "metric, n_band, reason, p10, p25, p50, p75, p90, mean, share_band";

/// A stored benchmark cell: `CELL_COLUMNS`.
#[derive(sqlx::FromRow)]
pub(super) struct CellRow {
    metric: String,
    n_band: Option<String>,
    reason: Option<String>,
    p10: Option<f64>,
    p25: Option<f64>,
    p50: Option<f64>,
    p75: Option<f64>,
    p90: Option<f64>,
    mean: Option<f64>,
    share_band: Option<String>,
}

/// `period, CELL_COLUMNS`.
#[derive(sqlx::FromRow)]
pub(super) struct TrendRow {
    period: String,
    #[sqlx(flatten)]
    cell: CellRow,
}

impl TryFrom<TrendRow> for (shared::Period, BenchmarkCell) {
    type Error = StoreError;

    fn try_from(row: TrendRow) -> Result<Self, StoreError> {
        Ok((parse_period(&row.period)?, row.cell.try_into()?))
    }
}

pub(super) fn reason_key(reason: SuppressionReason) -> &'static str {
    match reason {
        SuppressionReason::TooFew => "too_few",
        SuppressionReason::Complement => "complement",
        SuppressionReason::Secondary => "secondary",
        SuppressionReason::Dominance => "dominance",
        SuppressionReason::History => "history",
    }
}

pub(super) fn reason_from_key(
    reason: Option<&str>,
) -> Result<Option<SuppressionReason>, StoreError> {
    Ok(match reason {
        None => None,
        Some("too_few") => Some(SuppressionReason::TooFew),
        Some("complement") => Some(SuppressionReason::Complement),
        Some("secondary") => Some(SuppressionReason::Secondary),
        Some("dominance") => Some(SuppressionReason::Dominance),
        Some("history") => Some(SuppressionReason::History),
        Some(other) => return Err(corrupt("suppression reason", other)),
    })
}

impl TryFrom<CellRow> for BenchmarkCell {
    type Error = StoreError;

    fn try_from(row: CellRow) -> Result<Self, StoreError> {
        let reason = reason_from_key(row.reason.as_deref())?;
        Ok(BenchmarkCell {
            metric: row.metric,
            n_band: row.n_band,
            suppressed: reason.is_some(),
            reason,
            p10: row.p10,
            p25: row.p25,
            p50: row.p50,
            p75: row.p75,
            p90: row.p90,
            mean: row.mean,
            share_band: row.share_band,
        })
    }
}

/// A computed cell as the columns after `period, cohort`: position, `CELL_COLUMNS`.
pub(super) struct CellValues<'a> {
    pub cohort: String,
    pub position: i64,
    pub metric: &'a str,
    pub n_band: Option<&'a str>,
    pub reason: Option<&'static str>,
    /// p10, p25, p50, p75, p90, mean.
    pub statistics: [Option<f64>; 6],
    pub share_band: Option<&'static str>,
}

impl<'a> From<&'a crate::engine::Cell> for CellValues<'a> {
    fn from(cell: &'a crate::engine::Cell) -> Self {
        let (n_band, reason, statistics, share_band) = match &cell.outcome {
            CellOutcome::Published(s) => (
                Some(s.n_band.as_str()),
                None,
                [s.p10, s.p25, s.p50, s.p75, s.p90, s.mean],
                s.share_band,
            ),
            CellOutcome::Suppressed(reason) => (None, Some(reason_key(*reason)), [None; 6], None),
        };
        CellValues {
            cohort: cell.cohort.to_string(),
            position: cell.metric as i64,
            metric: &CATALOGUE[cell.metric].key,
            n_band,
            reason,
            statistics,
            share_band,
        }
    }
}

/// A computed share as its columns after `period, standard_id`: requirement, cohort, n_band,
/// reason, share_band.
pub(super) fn share_values(
    share: &ShareCell,
) -> (
    i64,
    String,
    Option<&str>,
    Option<&'static str>,
    Option<&'static str>,
) {
    let (n_band, reason, band) = match &share.outcome {
        ShareOutcome::Published { n_band, share_band } => {
            (Some(n_band.as_str()), None, Some(*share_band))
        }
        ShareOutcome::Suppressed(reason) => (None, Some(reason_key(*reason)), None),
    };
    (
        share.requirement as i64,
        share.cohort.to_string(),
        n_band,
        reason,
        band,
    )
}

#[derive(sqlx::FromRow)]
pub(super) struct HeldBackRow {
    cohort: String,
    position: i64,
    reason: String,
}

impl TryFrom<HeldBackRow> for ((CohortKey, usize), SuppressionReason) {
    type Error = StoreError;

    fn try_from(row: HeldBackRow) -> Result<Self, StoreError> {
        let key = cell_key(&row.cohort, row.position)?;
        let reason = reason_from_key(Some(&row.reason))?
            .ok_or_else(|| corrupt("suppression reason", &row.reason))?;
        Ok((key, reason))
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ShareRow {
    requirement: i64,
    n_band: Option<String>,
    reason: Option<String>,
    share_band: Option<String>,
}

impl TryFrom<ShareRow> for (usize, ShareMeeting) {
    type Error = StoreError;

    fn try_from(row: ShareRow) -> Result<Self, StoreError> {
        let reason = reason_from_key(row.reason.as_deref())?;
        let index = usize::try_from(row.requirement)
            .map_err(|_| corrupt("requirement", &row.requirement.to_string()))?;
        let meeting = ShareMeeting {
            suppressed: reason.is_some(),
            reason,
            n_band: row.n_band,
            share_band: row.share_band,
        };
        Ok((index, meeting))
    }
}

/// The columns `frozen_inputs` reads a period's frozen contributors with (`$1`: the period),
/// in organisation order. An organisation is on probation, and does not count, until one
/// release has been made after the one it was verified for (policy v3, rule 2): a release that
/// has `e` releases before it (in the order they were made) counts organisations verified when
/// fewer than `e` existed. The first release of a deployment has none to wait for.
pub(super) const CONTRIBUTORS_SELECT: &str = "SELECT c.org_id, c.submission_id, c.seat_band, c.region, c.verticals, \
     c.delivery, c.wfh_band FROM release_contributors c \
     JOIN releases r ON r.period = c.period JOIN organisations o ON o.id = c.org_id \
     WHERE c.period = $1 AND ( \
         NOT EXISTS (SELECT 1 FROM releases e WHERE e.released_at < r.released_at \
             OR (e.released_at = r.released_at AND e.period < r.period)) \
         OR COALESCE(o.verified_after_releases, 0) < (SELECT COUNT(*) FROM releases e \
             WHERE e.released_at < r.released_at \
                OR (e.released_at = r.released_at AND e.period < r.period))) \
     ORDER BY c.org_id";

/// The cells a period published (`$1`: the period), with whether each carries a mean.
pub(super) const PUBLISHED_CELLS_SELECT: &str = "SELECT cohort, position, mean IS NOT NULL AS has_mean \
     FROM benchmark_cells WHERE period = $1 AND reason IS NULL";

/// A row of `PUBLISHED_CELLS_SELECT`.
#[derive(sqlx::FromRow)]
pub(super) struct PublishedRow {
    cohort: String,
    position: i64,
    has_mean: Flag,
}

impl TryFrom<PublishedRow> for ((CohortKey, usize), bool) {
    type Error = StoreError;

    fn try_from(row: PublishedRow) -> Result<Self, StoreError> {
        Ok((cell_key(&row.cohort, row.position)?, row.has_mean.0))
    }
}

/// A stored cell's cohort and catalogue index.
fn cell_key(cohort: &str, position: i64) -> Result<(CohortKey, usize), StoreError> {
    let cohort: CohortKey = cohort.parse().map_err(|_| corrupt("cohort", cohort))?;
    let position =
        usize::try_from(position).map_err(|_| corrupt("position", &position.to_string()))?;
    Ok((cohort, position))
}

/// The values of a period's frozen contributors (`$1`: the period).
pub(super) const CONTRIBUTED_VALUES_SELECT: &str = "SELECT v.submission_id, v.metric, v.value FROM release_contributors c \
     JOIN submission_values v ON v.submission_id = c.submission_id WHERE c.period = $1";

/// A contributor frozen at a release: the revision that counted and its attributes then.
#[derive(sqlx::FromRow)]
pub(super) struct ContributorRow {
    org_id: i64,
    submission_id: i64,
    #[sqlx(flatten)]
    attributes: AttributeColumns,
}

/// One value of a contributor's revision.
#[derive(sqlx::FromRow)]
pub(super) struct ValueRow {
    submission_id: i64,
    metric: String,
    value: f64,
}

/// The engine's organisations from the frozen contributors and their values.
pub(super) fn engine_orgs(
    contributors: Vec<ContributorRow>,
    values: Vec<ValueRow>,
) -> Result<Vec<EngineOrg>, StoreError> {
    let metric_index: std::collections::HashMap<&str, usize> = CATALOGUE
        .iter()
        .enumerate()
        .map(|(index, metric)| (metric.key.as_ref(), index))
        .collect();
    let mut by_submission = std::collections::HashMap::with_capacity(contributors.len());
    let mut orgs = Vec::with_capacity(contributors.len());
    for contributor in contributors {
        by_submission.insert(contributor.submission_id, orgs.len());
        orgs.push(EngineOrg {
            id: contributor.org_id,
            attributes: contributor.attributes.try_into()?,
            values: vec![None; CATALOGUE.len()],
        });
    }
    for row in values {
        // A metric no longer in the catalogue does not count.
        if let (Some(&org), Some(&metric)) = (
            by_submission.get(&row.submission_id),
            metric_index.get(row.metric.as_str()),
        ) {
            orgs[org].values[metric] = Some(row.value);
        }
    }
    Ok(orgs)
}

pub(super) const STANDARD_COLUMNS: &str =
    "id, name, version, status, requirements, change_log, supersedes, published_at";

/// `STANDARD_COLUMNS`.
#[derive(sqlx::FromRow)]
pub(super) struct StandardRow {
    id: i64,
    name: String,
    version: i64,
    status: String,
    requirements: String,
    change_log: String,
    supersedes: Option<i64>,
    published_at: Option<i64>,
}

impl TryFrom<StandardRow> for Standard {
    type Error = StoreError;

    fn try_from(row: StandardRow) -> Result<Self, StoreError> {
        let status = StandardStatus::from_key(&row.status)
            .ok_or_else(|| corrupt("standard status", &row.status))?;
        let requirements = serde_json::from_str(&row.requirements).map_err(|e| {
            StoreError::Corrupt(format!("requirements of standard #{}: {e}", row.id))
        })?;
        Ok(Standard {
            id: row.id,
            name: row.name,
            version: row.version,
            status,
            requirements,
            change_log: row.change_log,
            supersedes: row.supersedes,
            published_at: row.published_at.map(rfc3339),
        })
    }
}

/// The practice columns `PracticeRow` reads, with `$1` the viewing organisation.
pub(super) const PRACTICE_SELECT: &str = "SELECT p.id, p.title, p.problem, p.solution, p.result, p.metrics, p.csf_categories, \
     p.tier, p.attribution, p.status, p.author_org_id, p.author_user_id, \
     COALESCE(o.name, u.name) AS author_name, p.moderation_comment, p.updated_at, \
     p.published_at, \
     (SELECT COUNT(*) FROM practice_adoptions a WHERE a.practice_id = p.id) AS adoptions, \
     EXISTS (SELECT 1 FROM practice_adoptions a \
             WHERE a.practice_id = p.id AND a.org_id = $1) AS adopted_by_viewer \
     FROM practices p JOIN users u ON u.id = p.author_user_id \
     LEFT JOIN organisations o ON o.id = p.author_org_id";

pub(super) const PRACTICE_ORDER: &str =
    "ORDER BY COALESCE(p.published_at, p.updated_at) DESC, p.id DESC";

/// The value a practice condition compares with (`$2`).
pub(super) enum PracticeParam {
    Id(i64),
    Status(&'static str),
}

/// The condition selecting practices, comparing with `$2`, and the value to bind there.
pub(super) fn practice_filter(selection: PracticeSelection) -> (&'static str, PracticeParam) {
    match selection {
        PracticeSelection::One(id) => ("p.id = $2", PracticeParam::Id(id)),
        PracticeSelection::Status(status) => ("p.status = $2", PracticeParam::Status(status.key())),
        PracticeSelection::By(PracticeAuthor {
            org_id: Some(org_id),
            ..
        }) => ("p.author_org_id = $2", PracticeParam::Id(org_id)),
        PracticeSelection::By(PracticeAuthor {
            org_id: None,
            user_id,
        }) => (
            "p.author_org_id IS NULL AND p.author_user_id = $2",
            PracticeParam::Id(user_id),
        ),
    }
}

/// A practice's eight content columns, in the order the practice queries name them:
/// title, problem, solution, result, metrics, csf_categories, tier, attribution.
pub(super) struct DraftColumns<'a> {
    pub title: &'a str,
    pub problem: &'a str,
    pub solution: &'a str,
    pub result: &'a str,
    pub metrics: String,
    pub csf_categories: String,
    pub tier: &'static str,
    pub attribution: &'static str,
}

impl<'a> TryFrom<&'a PracticeDraft> for DraftColumns<'a> {
    type Error = StoreError;

    fn try_from(draft: &'a PracticeDraft) -> Result<Self, StoreError> {
        let list = |list: &[String]| {
            serde_json::to_string(list)
                .map_err(|e| StoreError::Corrupt(format!("cannot encode a list: {e}")))
        };
        Ok(DraftColumns {
            title: draft.title.trim(),
            problem: &draft.problem,
            solution: &draft.solution,
            result: &draft.result,
            metrics: list(&draft.metrics)?,
            csf_categories: list(&draft.csf_categories)?,
            tier: draft.tier.key(),
            attribution: draft.attribution.key(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct PracticeRow {
    id: i64,
    title: String,
    problem: String,
    solution: String,
    result: String,
    metrics: String,
    csf_categories: String,
    tier: String,
    attribution: String,
    status: String,
    author_org_id: Option<i64>,
    author_user_id: i64,
    author_name: String,
    moderation_comment: Option<String>,
    updated_at: i64,
    published_at: Option<i64>,
    adoptions: i64,
    adopted_by_viewer: Flag,
}

impl TryFrom<PracticeRow> for StoredPractice {
    type Error = StoreError;

    fn try_from(row: PracticeRow) -> Result<Self, StoreError> {
        let list = |json: &str| {
            serde_json::from_str::<Vec<String>>(json)
                .map_err(|e| StoreError::Corrupt(format!("lists of practice #{}: {e}", row.id)))
        };
        let tier = Tier::from_key(&row.tier).ok_or_else(|| corrupt("tier", &row.tier))?;
        let attribution = Attribution::from_key(&row.attribution)
            .ok_or_else(|| corrupt("attribution", &row.attribution))?;
        let status = PracticeStatus::from_key(&row.status)
            .ok_or_else(|| corrupt("practice status", &row.status))?;
        Ok(StoredPractice {
            id: row.id,
            draft: PracticeDraft {
                metrics: list(&row.metrics)?,
                csf_categories: list(&row.csf_categories)?,
                title: row.title,
                problem: row.problem,
                solution: row.solution,
                result: row.result,
                tier,
                attribution,
            },
            status,
            author_org_id: row.author_org_id,
            author_user_id: row.author_user_id,
            author_name: row.author_name,
            moderation_comment: row.moderation_comment,
            adoptions: row.adoptions,
            adopted_by_viewer: row.adopted_by_viewer.0,
            updated_at: rfc3339(row.updated_at),
            published_at: row.published_at.map(rfc3339),
        })
    }
}

/// A text as the audit log keeps it: control characters dropped, at most
/// [`super::AUDIT_TEXT_LIMIT`] characters (an ellipsis marks a cut).
pub(super) fn bounded(text: &str) -> String {
    let mut kept: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(super::AUDIT_TEXT_LIMIT + 1)
        .collect();
    if kept.chars().count() > super::AUDIT_TEXT_LIMIT {
        kept = kept.chars().take(super::AUDIT_TEXT_LIMIT - 1).collect();
        kept.push('…');
    }
    kept
}
