//! The audit log: appended to inside the write it records, read by admins and (for their
//! organisation's reads of values) member admins.

use async_trait::async_trait;
use shared::account::AuditEntry;
use sqlx::AnyConnection;

use super::SqlStore;
use super::dialect::Dialect;
use crate::store::rows::{AuditRow, bounded};
use crate::store::{AuditRecord, StoreError};

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

#[async_trait]
impl AuditStore for SqlStore {
    async fn audit(&self, record: AuditRecord) -> Result<(), StoreError> {
        let mut connection = self.pool.acquire().await?;
        insert_audit(&mut connection, self.dialect, &record).await
    }

    async fn org_audit_log(
        &self,
        org_id: i64,
        action: crate::events::Audit,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT id, at_ms, actor, action, target, detail FROM audit_log \
             WHERE org_id = $1 AND action = $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(org_id)
        .bind(action.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }

    async fn audit_log(
        &self,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT id, at_ms, actor, action, target, detail FROM audit_log \
             WHERE $1 IS NULL OR id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }
}

/// Appends `record` to the audit log on `connection`: inside the transaction of the action it
/// records, so that both are stored or neither is.
pub(super) async fn insert_audit(
    connection: &mut AnyConnection,
    dialect: Dialect,
    record: &AuditRecord,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO audit_log (actor, action, target, detail, org_id, at_ms) \
         VALUES ($1, $2, $3, $4, $5, {now})",
        now = dialect.now_ms()
    ))
    .bind(bounded(&record.actor))
    .bind(record.action.as_str())
    .bind(bounded(&record.target))
    .bind(bounded(&record.detail))
    .bind(record.org_id)
    .execute(&mut *connection)
    .await?;
    if let Some(event) = &record.event {
        super::notify::insert_event(&mut *connection, event).await?;
    }
    Ok(())
}
