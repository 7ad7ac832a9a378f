//! Industry standards: drafts, published versions, the shares of members meeting each
//! requirement, and which standard an organisation follows.

use async_trait::async_trait;
use shared::Period;
use shared::cohort::CohortKey;
use shared::standard::{ShareMeeting, Standard, StandardDraft};
use sqlx::AnyConnection;

use super::SqlStore;
use super::Write;
use super::dialect::{Dialect, RowLock};
use crate::store::StoreError;
use crate::store::rows::{STANDARD_COLUMNS, ShareRow, StandardRow, try_all};

/// Industry standards (publishing one goes through [`ReleaseTx`]).
#[async_trait]
pub trait StandardStore {
    /// Creates a draft; as the next version of `draft.supersedes` when set (which must be
    /// published: `Conflict` otherwise).
    async fn create_standard(
        &self,
        write: &mut Write,
        draft: &StandardDraft,
        created_by: i64,
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
        write: &mut Write,
        org_id: i64,
        standard_id: Option<i64>,
    ) -> Result<(), StoreError>;
}

#[async_trait]
impl StandardStore for SqlStore {
    async fn create_standard(
        &self,
        write: &mut Write,
        draft: &StandardDraft,
        created_by: i64,
    ) -> Result<Standard, StoreError> {
        let tx = &mut *write.tx;
        let superseded = match draft.supersedes {
            Some(previous) => standard_state(tx, self.dialect, previous).await?,
            None => None,
        };
        let version = next_version(draft, superseded)?;
        let row: StandardRow = sqlx::query_as(&format!(
            "INSERT INTO standards \
                 (name, version, status, requirements, change_log, supersedes, created_by) \
             VALUES ($1, $2, 'draft', $3, $4, $5, $6) RETURNING {STANDARD_COLUMNS}"
        ))
        .bind(draft.name.trim())
        .bind(version)
        .bind(requirements_json(draft)?)
        .bind(&draft.change_log)
        .bind(draft.supersedes)
        .bind(created_by)
        .fetch_one(&mut *tx)
        .await?;
        let standard = Standard::try_from(row)?;
        Ok(standard)
    }

    async fn update_standard(
        &self,
        id: i64,
        draft: &StandardDraft,
    ) -> Result<Option<Standard>, StoreError> {
        let mut tx = self.begin_write().await?;
        let state = standard_state(&mut tx, self.dialect, id).await?;
        if !check_draft(
            id,
            state,
            "published versions never change; create a new version",
        )? {
            return Ok(None);
        }
        let row: StandardRow = sqlx::query_as(&format!(
            "UPDATE standards SET name = $1, requirements = $2, change_log = $3 WHERE id = $4 \
             RETURNING {STANDARD_COLUMNS}"
        ))
        .bind(draft.name.trim())
        .bind(requirements_json(draft)?)
        .bind(&draft.change_log)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        row.try_into().map(Some)
    }

    async fn standard(&self, id: i64) -> Result<Option<Standard>, StoreError> {
        let row: Option<StandardRow> = sqlx::query_as(&format!(
            "SELECT {STANDARD_COLUMNS} FROM standards WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn standards(&self, include_drafts: bool) -> Result<Vec<Standard>, StoreError> {
        let rows: Vec<StandardRow> = sqlx::query_as(&format!(
            "SELECT {STANDARD_COLUMNS} FROM standards WHERE $1 OR status != 'draft' ORDER BY id DESC"
        ))
        .bind(include_drafts)
        .fetch_all(&self.pool)
        .await?;
        try_all(rows)
    }

    async fn standard_shares(
        &self,
        period: Period,
        standard_id: i64,
        cohort: CohortKey,
    ) -> Result<Vec<(usize, ShareMeeting)>, StoreError> {
        let rows: Vec<ShareRow> = sqlx::query_as(
            "SELECT requirement, n_band, reason, share_band FROM standard_shares \
             WHERE period = $1 AND standard_id = $2 AND cohort = $3 ORDER BY requirement",
        )
        .bind(period.to_string())
        .bind(standard_id)
        .bind(cohort.to_string())
        .fetch_all(&self.pool)
        .await?;
        try_all(rows)
    }

    async fn followed_standard(&self, org_id: i64) -> Result<Option<i64>, StoreError> {
        let row: Option<Option<i64>> =
            sqlx::query_scalar("SELECT standard_id FROM organisations WHERE id = $1")
                .bind(org_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.flatten())
    }

    async fn follow_standard(
        &self,
        write: &mut Write,
        org_id: i64,
        standard_id: Option<i64>,
    ) -> Result<(), StoreError> {
        let tx = &mut *write.tx;
        sqlx::query("UPDATE organisations SET standard_id = $1 WHERE id = $2")
            .bind(standard_id)
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }
}

/// The status and version of a standard, locked until the transaction ends.
pub(super) async fn standard_state(
    connection: &mut AnyConnection,
    dialect: Dialect,
    id: i64,
) -> Result<Option<StandardStateRow>, StoreError> {
    let lock = dialect.row_lock(RowLock::Update);
    Ok(sqlx::query_as(&format!(
        "SELECT status, version FROM standards WHERE id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(&mut *connection)
    .await?)
}

// The versioning rules of standards: a draft changes until published, each version's number
// is one more than the published one it supersedes, and a version is superseded once.

#[derive(sqlx::FromRow)]
pub(super) struct StandardStateRow {
    pub status: String,
    pub version: i64,
}

/// Refuses to change a standard that is not a draft. False when there is no such standard.
pub(super) fn check_draft(
    id: i64,
    state: Option<StandardStateRow>,
    refusal: &str,
) -> Result<bool, StoreError> {
    match state {
        None => Ok(false),
        Some(state) if state.status != "draft" => Err(StoreError::Conflict(format!(
            "standard #{id} is {}: {refusal}",
            state.status
        ))),
        Some(_) => Ok(true),
    }
}

/// Publishing a new version retires the published one it supersedes; when that one is no
/// longer published (another draft of it was published first), the publication is refused,
/// so that no two versions of a standard ever share a number.
pub(super) fn superseded_once(rows_affected: u64, previous: i64) -> Result<(), StoreError> {
    if rows_affected == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!(
            "standard #{previous} was already superseded by another version: \
             create a new version of the current one instead"
        )))
    }
}

/// The version a new draft takes: 1, or one more than the published standard it supersedes.
pub(super) fn next_version(
    draft: &StandardDraft,
    superseded: Option<StandardStateRow>,
) -> Result<i64, StoreError> {
    match (draft.supersedes, superseded) {
        (None, _) => Ok(1),
        (Some(_), Some(state)) if state.status == "published" => Ok(state.version + 1),
        (Some(previous), _) => Err(StoreError::Conflict(format!(
            "standard #{previous} is not a published standard to supersede"
        ))),
    }
}

pub(super) fn requirements_json(draft: &StandardDraft) -> Result<String, StoreError> {
    serde_json::to_string(&draft.requirements)
        .map_err(|e| StoreError::Corrupt(format!("cannot encode requirements: {e}")))
}
