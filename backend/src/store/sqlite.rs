//! The embedded default store: one SQLite file in WAL mode with `synchronous=FULL`, so a
//! write is on disk before the request that made it is acknowledged.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{PeriodRecord, Store, StoreError};

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file and applies pending migrations.
    pub async fn open(database_url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(database_url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        if let Some(directory) = options.get_filename().parent()
            && !directory.as_os_str().is_empty()
        {
            std::fs::create_dir_all(directory).map_err(|source| StoreError::CreateDirectory {
                path: directory.display().to_string(),
                source,
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn periods(&self) -> Result<Vec<PeriodRecord>, StoreError> {
        let rows: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT period, released_at FROM periods ORDER BY period")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter()
            .map(|(period, released_at)| {
                let period = period
                    .parse()
                    .map_err(|_| StoreError::CorruptPeriod(period))?;
                Ok(PeriodRecord {
                    period,
                    released_at,
                })
            })
            .collect()
    }
}
