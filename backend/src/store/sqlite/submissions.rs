use std::collections::BTreeMap;

use async_trait::async_trait;
use shared::Period;
use shared::submission::RevisionInfo;
use sqlx::SqliteConnection;

use super::SqliteStore;
use super::audit::insert_audit;
use crate::store::rows::{
    IdempotencyRow, MetricValueRow, PeriodRow, RevisionRow, SavedRow, SubmissionRow, try_all,
};
use crate::store::{
    AuditOf, IDEMPOTENCY_TTL_SECONDS, IdempotencyKey, PeriodRecord, StoreError, StoredSubmission,
    SubmissionStore,
};

#[async_trait]
impl SubmissionStore for SqliteStore {
    async fn periods(&self) -> Result<Vec<PeriodRecord>, StoreError> {
        let rows: Vec<PeriodRow> =
            sqlx::query_as("SELECT period, released_at FROM periods ORDER BY period")
                .fetch_all(&self.pool)
                .await?;
        try_all(rows)
    }

    async fn period_released(&self, period: Period) -> Result<bool, StoreError> {
        let released_at: Option<Option<String>> =
            sqlx::query_scalar("SELECT released_at FROM periods WHERE period = ?")
                .bind(period.to_string())
                .fetch_optional(&self.pool)
                .await?;
        Ok(matches!(released_at, Some(Some(_))))
    }

    async fn save_submission(
        &self,
        org_id: i64,
        period: Period,
        values: &BTreeMap<String, f64>,
        saved_by: &str,
        idempotency: Option<&IdempotencyKey>,
        audit: AuditOf<'_, StoredSubmission>,
    ) -> Result<StoredSubmission, StoreError> {
        let period = period.to_string();
        // The write lock from the start: the released check below and the insert cannot
        // interleave with a release.
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO periods (period) VALUES (?) ON CONFLICT DO NOTHING")
            .bind(&period)
            .execute(&mut *tx)
            .await?;
        let released_at: Option<String> =
            sqlx::query_scalar("SELECT released_at FROM periods WHERE period = ?")
                .bind(&period)
                .fetch_one(&mut *tx)
                .await?;
        // A retry of a save that succeeded gets its result, even once the period is released.
        if let Some(idempotency) = idempotency {
            let earlier: Option<IdempotencyRow> = sqlx::query_as(
                "SELECT request_hash, submission_id FROM idempotency_keys \
                 WHERE org_id = ? AND key = ? AND created_at > ?",
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
                return load_submission(&mut tx, earlier.submission_id).await;
            }
        }
        if released_at.is_some() {
            return Err(StoreError::PeriodReleased);
        }
        let saved: SavedRow = sqlx::query_as(
            "INSERT INTO submissions (org_id, period, revision, saved_by) \
             VALUES (?1, ?2, (SELECT COALESCE(MAX(revision), 0) + 1 FROM submissions \
                              WHERE org_id = ?1 AND period = ?2), ?3) \
             RETURNING id, revision, saved_at, saved_by",
        )
        .bind(org_id)
        .bind(&period)
        .bind(saved_by)
        .fetch_one(&mut *tx)
        .await?;
        let submission_id = saved.id;
        for (metric, value) in values {
            sqlx::query(
                "INSERT INTO submission_values (submission_id, metric, value) VALUES (?, ?, ?)",
            )
            .bind(submission_id)
            .bind(metric)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(idempotency) = idempotency {
            // Expired keys of the organisation go; a reused expired key starts afresh.
            sqlx::query("DELETE FROM idempotency_keys WHERE org_id = ? AND created_at <= ?")
                .bind(org_id)
                .bind(idempotency.at - IDEMPOTENCY_TTL_SECONDS)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO idempotency_keys (org_id, key, request_hash, submission_id, created_at) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(org_id)
            .bind(&idempotency.key)
            .bind(&idempotency.request_hash[..])
            .bind(submission_id)
            .bind(idempotency.at)
            .execute(&mut *tx)
            .await?;
        }
        let stored = saved.submission.with_values(values.clone());
        insert_audit(&mut tx, &audit(&stored)).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn submission(
        &self,
        org_id: i64,
        period: Period,
    ) -> Result<Option<StoredSubmission>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        let latest: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM submissions WHERE org_id = ? AND period = ? \
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
             FROM submissions s WHERE s.org_id = ? ORDER BY s.id DESC",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        try_all(rows)
    }
}

async fn load_submission(
    connection: &mut SqliteConnection,
    submission_id: i64,
) -> Result<StoredSubmission, StoreError> {
    let row: SubmissionRow =
        sqlx::query_as("SELECT revision, saved_at, saved_by FROM submissions WHERE id = ?")
            .bind(submission_id)
            .fetch_one(&mut *connection)
            .await?;
    let values: Vec<MetricValueRow> =
        sqlx::query_as("SELECT metric, value FROM submission_values WHERE submission_id = ?")
            .bind(submission_id)
            .fetch_all(&mut *connection)
            .await?;
    Ok(row.with_values(values.into_iter().map(|v| (v.metric, v.value)).collect()))
}
