//! Targets in the store: one per organisation and metric, saved and deleted with their audit
//! entries.

use async_trait::async_trait;
use shared::Period;
use shared::period::rfc3339;
use shared::plan::Target;
use shared::submission::stored_value;

use super::SqlStore;
use super::StoreError;
use super::Write;
use super::rows::Number;

/// A target to save: the stored number of its value and of its baseline.
#[derive(Debug, Clone)]
pub struct TargetRecord {
    pub metric: String,
    pub value: f64,
    pub owner: String,
    pub due: Period,
    pub baseline_period: Option<Period>,
    pub baseline: Option<f64>,
    pub set_by: String,
    pub updated_at: i64,
}

#[async_trait]
pub trait TargetStore {
    /// An organisation's targets, in metric key order.
    async fn targets(&self, org_id: i64) -> Result<Vec<Target>, StoreError>;
    /// Saves (or replaces) an organisation's target for a metric, with its audit entry.
    async fn save_target(
        &self,
        write: &mut Write,
        org_id: i64,
        target: &TargetRecord,
    ) -> Result<(), StoreError>;
    /// Deletes an organisation's target; false when there was none.
    async fn delete_target(
        &self,
        write: &mut Write,
        org_id: i64,
        metric: &str,
    ) -> Result<bool, StoreError>;
}

pub const TARGET_COLUMNS: &str =
    "metric, value, owner, due, baseline_period, baseline, set_by, updated_at";

#[derive(Debug, sqlx::FromRow)]
pub struct TargetRow {
    pub metric: String,
    pub value: f64,
    pub owner: String,
    pub due: String,
    pub baseline_period: Option<String>,
    pub baseline: Option<f64>,
    pub set_by: String,
    pub updated_at: i64,
}

impl TargetRow {
    pub fn into_target(self) -> Result<Target, StoreError> {
        let corrupt = || StoreError::Corrupt(format!("target for `{}`: a quarter", self.metric));
        Ok(Target {
            value: stored_value(&self.metric, self.value),
            baseline: self.baseline.map(|b| stored_value(&self.metric, b)),
            due: self.due.parse().map_err(|_| corrupt())?,
            baseline_period: match &self.baseline_period {
                Some(p) => Some(p.parse().map_err(|_| corrupt())?),
                None => None,
            },
            owner: self.owner,
            set_by: self.set_by,
            updated_at: rfc3339(self.updated_at),
            metric: self.metric,
        })
    }
}

#[async_trait]
impl TargetStore for SqlStore {
    async fn targets(&self, org_id: i64) -> Result<Vec<Target>, StoreError> {
        let rows: Vec<TargetRow> = sqlx::query_as(&format!(
            "SELECT {TARGET_COLUMNS} FROM targets WHERE org_id = $1 ORDER BY metric"
        ))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(TargetRow::into_target).collect()
    }

    async fn save_target(
        &self,
        write: &mut Write,
        org_id: i64,
        target: &TargetRecord,
    ) -> Result<(), StoreError> {
        let tx = &mut *write.tx;
        sqlx::query(&format!(
            "INSERT INTO targets (org_id, {TARGET_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (org_id, metric) DO UPDATE SET value = excluded.value, \
             owner = excluded.owner, due = excluded.due, \
             baseline_period = excluded.baseline_period, baseline = excluded.baseline, \
             set_by = excluded.set_by, updated_at = excluded.updated_at"
        ))
        .bind(org_id)
        .bind(&target.metric)
        .bind(target.value)
        .bind(&target.owner)
        .bind(target.due.to_string())
        .bind(target.baseline_period.map(|p| p.to_string()))
        .bind(Number(target.baseline))
        .bind(&target.set_by)
        .bind(target.updated_at)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    async fn delete_target(
        &self,
        write: &mut Write,
        org_id: i64,
        metric: &str,
    ) -> Result<bool, StoreError> {
        let tx = &mut *write.tx;
        let deleted = sqlx::query("DELETE FROM targets WHERE org_id = $1 AND metric = $2")
            .bind(org_id)
            .bind(metric)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        Ok(deleted)
    }
}
