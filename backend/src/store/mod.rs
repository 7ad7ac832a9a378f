//! Storage behind a trait, so that a deployment can move from the embedded SQLite file to
//! PostgreSQL without touching the HTTP layer. Each backend embeds its own migrations.

mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use shared::Period;

pub use sqlite::SqliteStore;

/// A failure inside the store. Never shown to clients: the HTTP layer logs it and answers 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL `{0}`: this build supports sqlite:// URLs")]
    UnsupportedUrl(String),
    #[error("could not create the database directory {path}: {source}")]
    CreateDirectory {
        path: String,
        source: std::io::Error,
    },
    #[error("stored period `{0}` is malformed")]
    CorruptPeriod(String),
}

/// A period with recorded activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodRecord {
    pub period: Period,
    /// RFC 3339 UTC timestamp of the release; `None` while open.
    pub released_at: Option<String>,
}

/// Everything the server persists.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Periods with recorded activity, oldest first.
    async fn periods(&self) -> Result<Vec<PeriodRecord>, StoreError>;
}

/// Opens the store named by `database_url`, creating and migrating it when needed.
pub async fn open(database_url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if database_url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(database_url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(redact_url(database_url)))
    }
}

/// Hides the password of a `scheme://user:password@host/...` URL.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/pp"),
            "postgres://app:***@db:5432/pp"
        );
        assert_eq!(
            redact_url("sqlite://data/peerposture.db"),
            "sqlite://data/peerposture.db"
        );
        assert_eq!(redact_url("postgres://app@db/pp"), "postgres://app@db/pp");
    }
}
