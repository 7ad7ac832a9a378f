//! Members' quarterly submissions, every revision kept, with their idempotency keys.

use std::collections::BTreeMap;

use async_trait::async_trait;
use shared::Period;
use shared::submission::RevisionInfo;
use sqlx::AnyConnection;

use super::SqlStore;
use super::Write;
use super::dialect::RowLock;
use crate::store::rows::{
    IdempotencyRow, MetricValueRow, PeriodRow, RevisionRow, SavedRow, SubmissionRow, try_all,
};
use crate::store::{
    IDEMPOTENCY_TTL_SECONDS, IdempotencyKey, PeriodRecord, StoreError, StoredSubmission,
};

/// What a save did.
#[derive(Debug, Clone, PartialEq)]
pub enum Saved {
    /// A new revision, to be audited and committed with the write.
    New(StoredSubmission),
    /// A retry of an earlier save with the same idempotency key: its revision, nothing written.
    Replayed(StoredSubmission),
}

/// Members' quarterly submissions.
#[async_trait]
pub trait SubmissionStore {
    /// Periods with recorded activity, oldest first.
    async fn periods(&self) -> Result<Vec<PeriodRecord>, StoreError>;
    async fn period_released(&self, period: Period) -> Result<bool, StoreError>;
    /// Saves a new revision (or, for a known idempotency key with the same body, returns the
    /// revision that key created, writing nothing). Fails with `PeriodReleased` once the period
    /// is released.
    async fn save_submission(
        &self,
        write: &mut Write,
        org_id: i64,
        period: Period,
        values: &BTreeMap<String, f64>,
        saved_by: &str,
        idempotency: Option<&IdempotencyKey>,
    ) -> Result<Saved, StoreError>;
    async fn submission(
        &self,
        org_id: i64,
        period: Period,
    ) -> Result<Option<StoredSubmission>, StoreError>;
    /// Every saved revision of the organisation, newest first.
    async fn submission_history(&self, org_id: i64) -> Result<Vec<RevisionInfo>, StoreError>;
}

#[async_trait]
impl SubmissionStore for SqlStore {
    async fn periods(&self) -> Result<Vec<PeriodRecord>, StoreError> {
        let rows: Vec<PeriodRow> =
            sqlx::query_as("SELECT period, released_at FROM periods ORDER BY period")
                .fetch_all(&self.pool)
                .await?;
        try_all(rows)
    }

    async fn period_released(&self, period: Period) -> Result<bool, StoreError> {
        let released_at: Option<Option<i64>> =
            sqlx::query_scalar("SELECT released_at FROM periods WHERE period = $1")
                .bind(period.to_string())
                .fetch_optional(&self.pool)
                .await?;
        Ok(matches!(released_at, Some(Some(_))))
    }

    async fn save_submission(
        &self,
        write: &mut Write,
        org_id: i64,
        period: Period,
        values: &BTreeMap<String, f64>,
        saved_by: &str,
        idempotency: Option<&IdempotencyKey>,
    ) -> Result<Saved, StoreError> {
        let period = period.to_string();
        let tx = &mut *write.tx;
        // One save per organisation at a time (revision numbers and idempotency keys), and
        // the period's row shared-locked: a release (which updates it) waits for this save to
        // commit and then counts it, or this save waits for the release and is refused.
        let lock = self.dialect.row_lock(RowLock::NoKeyUpdate);
        sqlx::query(&format!("SELECT id FROM organisations WHERE id = $1{lock}"))
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!(
            "INSERT INTO periods (period, created_at) VALUES ($1, {now}) ON CONFLICT DO NOTHING",
            now = self.dialect.now()
        ))
        .bind(&period)
        .execute(&mut *tx)
        .await?;
        let lock = self.dialect.row_lock(RowLock::Share);
        let released_at: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT released_at FROM periods WHERE period = $1{lock}"
        ))
        .bind(&period)
        .fetch_one(&mut *tx)
        .await?;
        // A retry of a save that succeeded gets its result, even once the period is released.
        if let Some(idempotency) = idempotency {
            let earlier: Option<IdempotencyRow> = sqlx::query_as(
                "SELECT request_hash, submission_id FROM idempotency_keys \
                 WHERE org_id = $1 AND key = $2 AND created_at > $3",
            )
            .bind(org_id)
            .bind(&idempotency.key)
            .bind(idempotency.at - IDEMPOTENCY_TTL_SECONDS)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(earlier) = earlier {
                if earlier.request_hash != idempotency.request_hash {
                    return Err(StoreError::Conflict(
                        "this Idempotency-Key was already used with a different request".to_owned(),
                    ));
                }
                return Ok(Saved::Replayed(
                    load_submission(tx, earlier.submission_id).await?,
                ));
            }
        }
        if released_at.is_some() {
            return Err(StoreError::PeriodReleased);
        }
        let saved: SavedRow = sqlx::query_as(&format!(
            "INSERT INTO submissions (org_id, period, revision, saved_by, saved_at) \
             VALUES ($1, $2, (SELECT COALESCE(MAX(revision), 0) + 1 FROM submissions \
                              WHERE org_id = $1 AND period = $2), $3, {now}) \
             RETURNING id, revision, saved_at, saved_by",
            now = self.dialect.now()
        ))
        .bind(org_id)
        .bind(&period)
        .bind(saved_by)
        .fetch_one(&mut *tx)
        .await?;
        let submission_id = saved.id;
        // Every value in one statement (at most one row per catalogue metric).
        if !values.is_empty() {
            let rows: Vec<String> = (0..values.len())
                .map(|i| format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3))
                .collect();
            let insert = format!(
                "INSERT INTO submission_values (submission_id, metric, value) VALUES {}",
                rows.join(", ")
            );
            let mut query = sqlx::query(&insert).bind(submission_id);
            for (metric, value) in values {
                query = query.bind(metric).bind(value);
            }
            query.execute(&mut *tx).await?;
        }
        if let Some(idempotency) = idempotency {
            // Expired keys of the organisation go; a reused expired key starts afresh.
            sqlx::query("DELETE FROM idempotency_keys WHERE org_id = $1 AND created_at <= $2")
                .bind(org_id)
                .bind(idempotency.at - IDEMPOTENCY_TTL_SECONDS)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO idempotency_keys (org_id, key, request_hash, submission_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(org_id)
            .bind(&idempotency.key)
            .bind(&idempotency.request_hash[..])
            .bind(submission_id)
            .bind(idempotency.at)
            .execute(&mut *tx)
            .await?;
        }
        Ok(Saved::New(saved.submission.with_values(values.clone())))
    }

    async fn submission(
        &self,
        org_id: i64,
        period: Period,
    ) -> Result<Option<StoredSubmission>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        let latest: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM submissions WHERE org_id = $1 AND period = $2 \
             ORDER BY revision DESC LIMIT 1",
        )
        .bind(org_id)
        .bind(period.to_string())
        .fetch_optional(&mut *connection)
        .await?;
        match latest {
            Some(id) => Ok(Some(load_submission(&mut connection, id).await?)),
            None => Ok(None),
        }
    }

    async fn submission_history(&self, org_id: i64) -> Result<Vec<RevisionInfo>, StoreError> {
        let rows: Vec<RevisionRow> = sqlx::query_as(
            "SELECT s.period, s.revision, s.saved_at, s.saved_by, \
                    (SELECT count(*) FROM submission_values v WHERE v.submission_id = s.id) \
                        AS value_count \
             FROM submissions s WHERE s.org_id = $1 ORDER BY s.id DESC",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        try_all(rows)
    }
}

async fn load_submission(
    connection: &mut AnyConnection,
    submission_id: i64,
) -> Result<StoredSubmission, StoreError> {
    let row: SubmissionRow =
        sqlx::query_as("SELECT revision, saved_at, saved_by FROM submissions WHERE id = $1")
            .bind(submission_id)
            .fetch_one(&mut *connection)
            .await?;
    let values: Vec<MetricValueRow> =
        sqlx::query_as("SELECT metric, value FROM submission_values WHERE submission_id = $1")
            .bind(submission_id)
            .fetch_all(&mut *connection)
            .await?;
    Ok(row.with_values(values.into_iter().map(|v| (v.metric, v.value)).collect()))
}
