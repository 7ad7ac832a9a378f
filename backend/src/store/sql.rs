//! The one store: every area's SQL, written once and run on SQLite (the embedded default: one
//! file in WAL mode with `synchronous=FULL`, so a write is on disk before the request that made
//! it is acknowledged) or on PostgreSQL (several server instances on one database), with the
//! dialects' differences in [`Dialect`]. Each backend embeds its own migrations.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyPool, Executor, Transaction};

use super::StoreError;
use super::dialect::{Dialect, Turn};

#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(super) pool: AnyPool,
    pub(super) dialect: Dialect,
}

/// What every SQLite connection is set to: write-ahead log, durable commits, enforced foreign
/// keys, and a wait of 5 s for a busy database before the request fails as busy (503).
const SQLITE_SETTINGS: [&str; 4] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
];

/// What every PostgreSQL connection is set to: a lock held elsewhere for longer than 5 s fails
/// the request as busy (503), as SQLite's busy timeout does, instead of queueing it without end.
const POSTGRES_SETTINGS: [&str; 2] = [
    "SET lock_timeout = '5s'",
    "SET application_name = 'peerposture'",
];

impl SqlStore {
    /// Opens the store named by `database_url` (`sqlite://FILE`, created with its directory if
    /// missing, or `postgres://…`) and applies pending migrations. PostgreSQL instances starting
    /// together apply them once: the migrator holds an advisory lock while it runs.
    pub async fn open(database_url: &str) -> Result<Self, StoreError> {
        let dialect = Dialect::of_url(database_url)
            .ok_or_else(|| StoreError::UnsupportedUrl(super::redact_url(database_url)))?;
        install_default_drivers();
        // SQLite waits for a connection as long as sqlx does by default; PostgreSQL answers busy
        // after 5 s, as its locks do.
        let (url, settings, connections, wait): (String, &'static [&str], u32, u64) = match dialect
        {
            Dialect::Sqlite => (sqlite_url(database_url)?, &SQLITE_SETTINGS, 8, 30),
            Dialect::Postgres => (database_url.to_owned(), &POSTGRES_SETTINGS, 16, 5),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(connections)
            .acquire_timeout(Duration::from_secs(wait))
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    for setting in settings {
                        connection.execute(*setting).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        match dialect {
            Dialect::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&pool).await?,
            Dialect::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await?,
        }
        Ok(Self { pool, dialect })
    }

    /// A transaction that writes (see [`Dialect::begin_write`]).
    pub(super) async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(self.pool.begin_with(self.dialect.begin_write()).await?)
    }

    /// A transaction that writes once `turn` is its own, on every instance.
    pub(super) async fn begin_turn(
        &self,
        turn: Turn<'_>,
    ) -> Result<Transaction<'static, Any>, StoreError> {
        let mut tx = self.begin_write().await?;
        self.dialect.take_turn(&mut tx, turn).await?;
        Ok(tx)
    }

    /// A read-only transaction over one snapshot, taking no lock.
    pub(super) async fn begin_snapshot(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(self.pool.begin_with(self.dialect.begin_snapshot()).await?)
    }
}

/// `database_url` with its connections confined to `schema` (its `search_path`): how the tests
/// and the benchmarks give each server a PostgreSQL store of its own in one database.
pub fn schema_url(database_url: &str, schema: &str) -> String {
    let separator = if database_url.contains('?') { '&' } else { '?' };
    format!("{database_url}{separator}options=-c%20search_path%3D{schema}")
}

/// A SQLite URL that creates the file when missing, after creating its directory.
fn sqlite_url(database_url: &str) -> Result<String, StoreError> {
    let options = SqliteConnectOptions::from_str(database_url)?;
    if let Some(directory) = options.get_filename().parent()
        && !directory.as_os_str().is_empty()
    {
        std::fs::create_dir_all(directory).map_err(|source| StoreError::CreateDirectory {
            path: directory.display().to_string(),
            source,
        })?;
    }
    Ok(if database_url.contains("mode=") {
        database_url.to_owned()
    } else if database_url.contains('?') {
        format!("{database_url}&mode=rwc")
    } else {
        format!("{database_url}?mode=rwc")
    })
}

/// `VACUUM INTO` a new file: a consistent snapshot of the SQLite store at `database_url`,
/// taken beside a running server.
pub(super) async fn backup_sqlite(
    database_url: &str,
    target: &std::path::Path,
) -> Result<(), StoreError> {
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
