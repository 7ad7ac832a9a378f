//! Submission deadlines and what participation is read from: one deadline per quarter, and
//! each organisation's latest save of a quarter (its metric count and time).

use async_trait::async_trait;
use shared::Period;

use super::SqlStore;
use super::StoreError;
use super::Write;

/// An organisation's latest save of a quarter.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LatestSave {
    pub org_id: i64,
    pub metrics: i64,
    /// Unix seconds.
    pub saved_at: i64,
}

#[async_trait]
pub trait DeadlineStore {
    /// Every deadline: (quarter, Unix seconds).
    async fn deadlines(&self) -> Result<Vec<(Period, i64)>, StoreError>;
    /// Sets (or moves) a quarter's deadline, with its audit entry.
    async fn set_deadline(
        &self,
        write: &mut Write,
        period: Period,
        due_at: i64,
        set_by: &str,
    ) -> Result<(), StoreError>;
    /// Each organisation's latest save of `period`.
    async fn latest_saves(&self, period: Period) -> Result<Vec<LatestSave>, StoreError>;
}

#[async_trait]
impl DeadlineStore for SqlStore {
    async fn deadlines(&self) -> Result<Vec<(Period, i64)>, StoreError> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT period, due_at FROM deadlines ORDER BY period")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(period, due_at)| {
                let period = period.parse().map_err(|_| {
                    StoreError::Corrupt(format!("deadline of `{period}`: not a quarter"))
                })?;
                Ok((period, due_at))
            })
            .collect()
    }

    async fn set_deadline(
        &self,
        write: &mut Write,
        period: Period,
        due_at: i64,
        set_by: &str,
    ) -> Result<(), StoreError> {
        let tx = &mut *write.tx;
        sqlx::query(&format!(
            "INSERT INTO deadlines (period, due_at, set_by, set_at) VALUES ($1, $2, $3, {now}) \
             ON CONFLICT (period) DO UPDATE SET due_at = excluded.due_at, \
             set_by = excluded.set_by, set_at = excluded.set_at",
            now = self.dialect.now()
        ))
        .bind(period.to_string())
        .bind(due_at)
        .bind(set_by)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    async fn latest_saves(&self, period: Period) -> Result<Vec<LatestSave>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT s.org_id, COUNT(v.metric) AS metrics, s.saved_at FROM submissions s \
             LEFT JOIN submission_values v ON v.submission_id = s.id \
             WHERE s.period = $1 AND s.revision = (SELECT MAX(revision) FROM submissions \
             WHERE org_id = s.org_id AND period = s.period) \
             GROUP BY s.org_id, s.saved_at ORDER BY s.org_id",
        )
        .bind(period.to_string())
        .fetch_all(&self.pool)
        .await?)
    }
}
