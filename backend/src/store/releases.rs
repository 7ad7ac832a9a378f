//! Released benchmarks: the release transaction that freezes and stores a quarter, and the
//! reads of the stored cells.

use std::collections::HashMap;

use async_trait::async_trait;
use shared::Period;
use shared::benchmark::{BenchmarkCell, SuppressionReason};
use shared::cohort::CohortKey;
use shared::period::rfc3339;
use shared::standard::Standard;
use sqlx::{Any, Transaction};

use super::SqlStore;
use super::audit::insert_audit;
use super::dialect::{Dialect, Turn};
use crate::engine::{EngineOrg, ReleaseResult, ShareCell};
use crate::store::rows::{
    CELL_COLUMNS, CONTRIBUTED_VALUES_SELECT, CONTRIBUTORS_SELECT, CellRow, CellValues,
    ContributorRow, HeldBackRow, Number, PUBLISHED_CELLS_SELECT, PublishedRow, ReleaseRow,
    STANDARD_COLUMNS, StandardRow, TrendRow, ValueRow, engine_orgs, share_values, try_all,
};
use crate::store::standards::{check_draft, superseded_once};
use crate::store::{AuditRecord, ReleaseRecord, StoreError, StoredBenchmark};

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

#[async_trait]
impl ReleaseStore for SqlStore {
    async fn begin_release(&self) -> Result<Box<dyn ReleaseTx>, StoreError> {
        // One release transaction at a time across every instance on the database.
        let tx = self.begin_turn(Turn::Release).await?;
        Ok(Box::new(SqlReleaseTx {
            tx,
            dialect: self.dialect,
        }))
    }

    async fn begin_snapshot(&self) -> Result<Box<dyn ReleaseTx>, StoreError> {
        Ok(Box::new(SqlReleaseTx {
            tx: self.begin_snapshot().await?,
            dialect: self.dialect,
        }))
    }

    async fn benchmark(
        &self,
        period: Period,
        cohort: CohortKey,
    ) -> Result<Option<StoredBenchmark>, StoreError> {
        let period_text = period.to_string();
        let release: Option<ReleaseRow> =
            sqlx::query_as("SELECT period, policy, k, released_at FROM releases WHERE period = $1")
                .bind(&period_text)
                .fetch_optional(&self.pool)
                .await?;
        let Some(release) = release else {
            return Ok(None);
        };
        let cohort_band: Option<String> = sqlx::query_scalar(
            "SELECT n_band FROM benchmark_cohorts WHERE period = $1 AND cohort = $2",
        )
        .bind(&period_text)
        .bind(cohort.to_string())
        .fetch_one(&self.pool)
        .await?;
        let rows: Vec<CellRow> = sqlx::query_as(&format!(
            "SELECT {CELL_COLUMNS} FROM benchmark_cells WHERE period = $1 AND cohort = $2 \
             ORDER BY position"
        ))
        .bind(&period_text)
        .bind(cohort.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(StoredBenchmark {
            release: release.try_into()?,
            cohort_band,
            cells: try_all(rows)?,
        }))
    }

    async fn trend(
        &self,
        metric: &str,
        cohort: CohortKey,
    ) -> Result<Vec<(Period, BenchmarkCell)>, StoreError> {
        let rows: Vec<TrendRow> = sqlx::query_as(&format!(
            "SELECT period, {CELL_COLUMNS} FROM benchmark_cells \
             WHERE metric = $1 AND cohort = $2 ORDER BY period"
        ))
        .bind(metric)
        .bind(cohort.to_string())
        .fetch_all(&self.pool)
        .await?;
        try_all(rows)
    }
}

struct SqlReleaseTx {
    tx: Transaction<'static, Any>,
    dialect: Dialect,
}

#[async_trait]
impl ReleaseTx for SqlReleaseTx {
    async fn stamp_release(
        &mut self,
        period: Period,
        policy: &str,
        k: u32,
    ) -> Result<ReleaseRecord, StoreError> {
        let period_text = period.to_string();
        let tx = &mut self.tx;
        sqlx::query(&format!(
            "INSERT INTO periods (period, created_at) VALUES ($1, {now}) ON CONFLICT DO NOTHING",
            now = self.dialect.now()
        ))
        .bind(&period_text)
        .execute(&mut **tx)
        .await?;
        let released_at: i64 = sqlx::query_scalar(&format!(
            "UPDATE periods SET released_at = {now} \
             WHERE period = $1 AND released_at IS NULL RETURNING released_at",
            now = self.dialect.now()
        ))
        .bind(&period_text)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::Conflict(format!("{period} is already released")))?;
        sqlx::query(
            "INSERT INTO releases (period, policy, k, released_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&period_text)
        .bind(policy)
        .bind(i64::from(k))
        .bind(released_at)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO release_contributors \
                 (period, org_id, submission_id, seat_band, region, verticals, delivery, wfh_band) \
             SELECT $1, o.id, s.id, o.seat_band, o.region, o.verticals, o.delivery, o.wfh_band \
             FROM organisations o \
             JOIN submissions s ON s.org_id = o.id AND s.period = $1 AND s.revision = \
                  (SELECT MAX(revision) FROM submissions WHERE org_id = o.id AND period = $1) \
             WHERE o.verified_at IS NOT NULL",
        )
        .bind(&period_text)
        .execute(&mut **tx)
        .await?;
        Ok(ReleaseRecord {
            period,
            policy: policy.to_owned(),
            k,
            released_at: rfc3339(released_at),
        })
    }

    async fn releases(&mut self) -> Result<Vec<ReleaseRecord>, StoreError> {
        let rows: Vec<ReleaseRow> =
            sqlx::query_as("SELECT period, policy, k, released_at FROM releases ORDER BY period")
                .fetch_all(&mut *self.tx)
                .await?;
        try_all(rows)
    }

    async fn frozen_inputs(&mut self, period: Period) -> Result<Vec<EngineOrg>, StoreError> {
        let period = period.to_string();
        let contributors: Vec<ContributorRow> = sqlx::query_as(CONTRIBUTORS_SELECT)
            .bind(&period)
            .fetch_all(&mut *self.tx)
            .await?;
        let values: Vec<ValueRow> = sqlx::query_as(CONTRIBUTED_VALUES_SELECT)
            .bind(&period)
            .fetch_all(&mut *self.tx)
            .await?;
        engine_orgs(contributors, values)
    }

    async fn published_cells(
        &mut self,
        period: Period,
    ) -> Result<HashMap<(CohortKey, usize), bool>, StoreError> {
        let rows: Vec<PublishedRow> = sqlx::query_as(PUBLISHED_CELLS_SELECT)
            .bind(period.to_string())
            .fetch_all(&mut *self.tx)
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn held_back_cells(
        &mut self,
        period: Period,
    ) -> Result<HashMap<(CohortKey, usize), SuppressionReason>, StoreError> {
        let rows: Vec<HeldBackRow> = sqlx::query_as(
            "SELECT cohort, position, reason FROM benchmark_cells \
             WHERE period = $1 AND reason IS NOT NULL",
        )
        .bind(period.to_string())
        .fetch_all(&mut *self.tx)
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn standards_with_shares(&mut self, period: Period) -> Result<Vec<Standard>, StoreError> {
        let rows: Vec<StandardRow> = sqlx::query_as(&format!(
            "SELECT {STANDARD_COLUMNS} FROM standards WHERE status = 'published' \
             OR id IN (SELECT standard_id FROM standard_shares WHERE period = $1) ORDER BY id"
        ))
        .bind(period.to_string())
        .fetch_all(&mut *self.tx)
        .await?;
        try_all(rows)
    }

    async fn save_cells(
        &mut self,
        period: Period,
        policy: &str,
        result: &ReleaseResult,
    ) -> Result<(), StoreError> {
        let period = period.to_string();
        let tx = &mut self.tx;
        for table in ["standard_shares", "benchmark_cells", "benchmark_cohorts"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE period = $1"))
                .bind(&period)
                .execute(&mut **tx)
                .await?;
        }
        for (cohort, band) in &result.cohort_bands {
            sqlx::query(
                "INSERT INTO benchmark_cohorts (period, cohort, n_band) VALUES ($1, $2, $3)",
            )
            .bind(&period)
            .bind(cohort.to_string())
            .bind(band)
            .execute(&mut **tx)
            .await?;
        }
        let insert_cell = format!(
            "INSERT INTO benchmark_cells (period, cohort, position, {CELL_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        );
        for cell in &result.cells {
            let cell = CellValues::from(cell);
            let mut query = sqlx::query(&insert_cell)
                .bind(&period)
                .bind(cell.cohort)
                .bind(cell.position)
                .bind(cell.metric)
                .bind(cell.n_band)
                .bind(cell.reason);
            for statistic in cell.statistics {
                query = query.bind(Number(statistic));
            }
            query.bind(cell.share_band).execute(&mut **tx).await?;
        }
        sqlx::query("UPDATE releases SET policy = $1 WHERE period = $2")
            .bind(policy)
            .bind(&period)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    async fn save_shares(
        &mut self,
        period: Period,
        standard_id: i64,
        shares: &[ShareCell],
    ) -> Result<(), StoreError> {
        let period = period.to_string();
        for share in shares {
            let (requirement, cohort, n_band, reason, band) = share_values(share);
            sqlx::query(
                "INSERT INTO standard_shares \
                     (period, standard_id, requirement, cohort, n_band, reason, share_band) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&period)
            .bind(standard_id)
            .bind(requirement)
            .bind(cohort)
            .bind(n_band)
            .bind(reason)
            .bind(band)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    async fn publish_standard(&mut self, id: i64) -> Result<Option<Standard>, StoreError> {
        let tx = &mut self.tx;
        let state = super::standards::standard_state(tx, self.dialect, id).await?;
        if !check_draft(id, state, "it cannot be published again")? {
            return Ok(None);
        }
        // The version it supersedes retires first: if another version already did, refuse
        // before anything changes (the unique index would refuse it too, less kindly).
        let supersedes: Option<i64> =
            sqlx::query_scalar("SELECT supersedes FROM standards WHERE id = $1")
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
        if let Some(previous) = supersedes {
            let superseded = sqlx::query(
                "UPDATE standards SET status = 'superseded' WHERE id = $1 AND status = 'published'",
            )
            .bind(previous)
            .execute(&mut **tx)
            .await?;
            superseded_once(superseded.rows_affected(), previous)?;
        }
        let row: StandardRow = sqlx::query_as(&format!(
            "UPDATE standards SET status = 'published', published_at = {now} WHERE id = $1 \
             RETURNING {STANDARD_COLUMNS}",
            now = self.dialect.now()
        ))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
        let standard = Standard::try_from(row)?;
        Ok(Some(standard))
    }

    async fn audit(&mut self, record: &AuditRecord) -> Result<(), StoreError> {
        insert_audit(&mut self.tx, self.dialect, record).await
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }
}
