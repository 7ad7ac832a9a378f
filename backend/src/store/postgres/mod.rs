//! The PostgreSQL store, for a deployment that runs several server instances on one database.
//! Its SQL differs from the SQLite store's only where the dialects do, and where SQLite's single
//! writer made a lock unnecessary: saves lock their organisation's row and share-lock the
//! period's, and release transactions take an advisory lock, so every instance sees one
//! consistent service.

mod accounts;
mod attestations;
mod audit;
mod deadlines;
mod notify;
mod practices;
mod releases;
mod standards;
mod submissions;
mod targets;

use std::str::FromStr;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::StoreError;

/// The advisory lock key of transparency log appends ("PPtlog" in ASCII).
const LOG_LOCK: i64 = 0x5050_746c_6f67;

/// `database_url` with its connections confined to `schema` (its `search_path`): how the tests
/// and the benchmarks give each server a store of its own in one database.
pub fn schema_url(database_url: &str, schema: &str) -> String {
    let separator = if database_url.contains('?') { '&' } else { '?' };
    format!("{database_url}{separator}options=-c%20search_path%3D{schema}")
}

#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects and applies pending migrations. Instances starting together apply them once:
    /// the migrator holds an advisory lock while it runs.
    pub async fn open(database_url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(database_url)?
            .application_name("peerposture")
            // A lock held elsewhere for longer fails the request as busy (503), as SQLite's
            // busy timeout does, instead of queueing it without end.
            .options([("lock_timeout", "5s")]);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }

    /// A transaction that appends to the transparency log: an advisory lock makes appends
    /// from every instance take turns, so log indexes are dense and in commit order.
    async fn begin_log(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LOG_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}
