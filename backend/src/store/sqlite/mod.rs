//! The embedded default store: one SQLite file in WAL mode with `synchronous=FULL`, so a
//! write is on disk before the request that made it is acknowledged. SQLite has one writer at
//! a time: a transaction that reads before it writes starts with `BEGIN IMMEDIATE`, so its
//! reads and writes see the same state.

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

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::StoreError;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

/// `now` as the timestamps the store writes: RFC 3339 UTC to the second.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";

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

    /// `VACUUM INTO` a new file: a consistent snapshot, taken beside a running server.
    pub async fn backup(database_url: &str, target: &std::path::Path) -> Result<(), StoreError> {
        use sqlx::Connection;
        let options = SqliteConnectOptions::from_str(database_url)?
            .create_if_missing(false)
            .busy_timeout(Duration::from_secs(5));
        let mut connection = sqlx::SqliteConnection::connect_with(&options).await?;
        sqlx::query("VACUUM INTO ?")
            .bind(target.to_string_lossy().into_owned())
            .execute(&mut connection)
            .await?;
        connection.close().await?;
        Ok(())
    }

    /// A transaction that appends to the transparency log: SQLite's single writer makes
    /// appends take turns.
    async fn begin_log(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        self.begin_write().await
    }

    /// A transaction holding the write lock from its first statement.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}
