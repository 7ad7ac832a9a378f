//! A write in progress: the caller (a service, a handler) runs one or more of the areas'
//! writes on it, then appends the action's audit entry and its event, then commits. An action,
//! its entry and its event are stored together or not at all; a `Write` dropped without
//! `commit` rolls everything back.

use async_trait::async_trait;
use sqlx::{Any, Transaction};

use super::audit::insert_audit;
use super::dialect::{Dialect, Turn};
use super::{AuditRecord, SqlStore, StoreError};

/// A transaction that writes (see [`Dialect::begin_write`]). The areas' write methods take it
/// as `&mut Write`; only the store reaches its connection.
pub struct Write {
    pub(super) tx: Transaction<'static, Any>,
    pub(super) dialect: Dialect,
}

impl std::fmt::Debug for Write {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Write")
            .field("dialect", &self.dialect)
            .finish_non_exhaustive()
    }
}

impl Write {
    /// Appends `record` to the audit log (with the event it carries for the notification
    /// worker), to be committed with the write.
    pub async fn audit(&mut self, record: &AuditRecord) -> Result<(), StoreError> {
        insert_audit(&mut self.tx, self.dialect, record).await
    }

    /// Commits everything written on it.
    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }

    /// Appends `record` and commits: the usual end of an audited action.
    pub async fn commit_audited(mut self, record: &AuditRecord) -> Result<(), StoreError> {
        self.audit(record).await?;
        self.commit().await
    }

    /// Waits until `turn` is this write's, on every instance (see [`Dialect::take_turn`]).
    pub(super) async fn take_turn(&mut self, turn: Turn<'_>) -> Result<(), StoreError> {
        self.dialect.take_turn(&mut self.tx, turn).await
    }
}

/// Begins writes.
#[async_trait]
pub trait WriteStore {
    /// A write transaction for one action.
    async fn write(&self) -> Result<Write, StoreError>;
}

#[async_trait]
impl WriteStore for SqlStore {
    async fn write(&self) -> Result<Write, StoreError> {
        Ok(Write {
            tx: self.begin_write().await?,
            dialect: self.dialect,
        })
    }
}
