//! What SQLite and PostgreSQL do differently, named in one place. The store writes each
//! statement once, with `$N` placeholders (SQLite reads them too), and asks here for the few
//! words that differ: the current time, how a transaction begins, row locks, and the turns that
//! several server instances on one PostgreSQL database take.

use sqlx::AnyConnection;

use super::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// One file with one writer at a time: a transaction that writes holds the database's write
    /// lock from its first statement, so it needs no row lock and takes no turn.
    Sqlite,
    /// Many server instances on one database: a write locks the rows its checks read, and work
    /// that must not interleave takes an advisory lock.
    Postgres,
}

/// Work that takes turns across every instance on the database.
#[derive(Debug, Clone, Copy)]
pub enum Turn<'a> {
    /// Appends to the transparency log, so its indexes are dense and in commit order.
    Log,
    /// Release transactions, so a standard published during a release gets its shares once.
    Release,
    /// Login attempts against one subject (an email or an address), so parallel attempts count
    /// each other.
    Subject(&'a str),
}

/// How a `SELECT` locks the rows it reads until its transaction ends.
#[derive(Debug, Clone, Copy)]
pub enum RowLock {
    /// Against every other write.
    Update,
    /// Against writes of the row, not against inserts that refer to it.
    NoKeyUpdate,
    /// Against writes of the row; other readers that share-lock it go on.
    Share,
}

impl Dialect {
    /// The dialect of a `sqlite:` or `postgres:` URL.
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Dialect::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Dialect::Postgres)
        } else {
            None
        }
    }

    /// The database's current time as the store keeps times: Unix seconds.
    pub const fn now(self) -> &'static str {
        match self {
            Dialect::Sqlite => "CAST(strftime('%s', 'now') AS INTEGER)",
            Dialect::Postgres => "CAST(floor(extract(epoch FROM now())) AS BIGINT)",
        }
    }

    /// The database's current time in Unix milliseconds (the audit log's `at_ms`).
    pub const fn now_ms(self) -> &'static str {
        match self {
            // 'now' is one instant within a statement, so the seconds and their fraction agree.
            Dialect::Sqlite => {
                "(CAST(strftime('%s', 'now') AS INTEGER) * 1000 \
                 + CAST(substr(strftime('%f', 'now'), 4, 3) AS INTEGER))"
            }
            Dialect::Postgres => "CAST(floor(extract(epoch FROM now()) * 1000) AS BIGINT)",
        }
    }

    /// The statement that begins a transaction which writes.
    pub const fn begin_write(self) -> &'static str {
        match self {
            // The write lock first, so the transaction's reads and writes see one state.
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        }
    }

    /// The statement that begins a read-only transaction seeing one snapshot, taking no lock.
    pub const fn begin_snapshot(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN DEFERRED",
            Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        }
    }

    /// The clause that ends a `SELECT` locking the rows it reads.
    pub const fn row_lock(self, lock: RowLock) -> &'static str {
        match (self, lock) {
            (Dialect::Sqlite, _) => "",
            (Dialect::Postgres, RowLock::Update) => " FOR UPDATE",
            (Dialect::Postgres, RowLock::NoKeyUpdate) => " FOR NO KEY UPDATE",
            (Dialect::Postgres, RowLock::Share) => " FOR SHARE",
        }
    }

    /// `expression` (text) in an `ORDER BY` that sorts byte by byte: SQLite compares text so,
    /// PostgreSQL by the database's locale unless told.
    pub fn bytewise(self, expression: &str) -> String {
        match self {
            Dialect::Sqlite => expression.to_owned(),
            Dialect::Postgres => format!("{expression} COLLATE \"C\""),
        }
    }

    /// Waits, inside the transaction on `connection`, until `turn` is this transaction's; the
    /// turn ends with the transaction.
    pub async fn take_turn(
        self,
        connection: &mut AnyConnection,
        turn: Turn<'_>,
    ) -> Result<(), StoreError> {
        if self == Dialect::Sqlite {
            return Ok(());
        }
        // The lock function in `FROM`, so the statement answers a type every driver reads.
        let lock = "SELECT 1 FROM pg_advisory_xact_lock($1)";
        let query = match turn {
            // "PPtlog" and "PPreleas" in ASCII.
            Turn::Log => sqlx::query(lock).bind(0x5050_746c_6f67_i64),
            Turn::Release => sqlx::query(lock).bind(0x5050_7265_6c65_6173_i64),
            Turn::Subject(subject) => {
                sqlx::query("SELECT 1 FROM pg_advisory_xact_lock(hashtextextended($1, 0))")
                    .bind(subject)
            }
        };
        query.execute(connection).await?;
        Ok(())
    }

    /// Whether `error` says the database stayed locked by other writers past its timeout, or
    /// that no connection came free in time: a retry may succeed.
    pub fn is_busy(error: &sqlx::Error) -> bool {
        match error {
            // No connection came free in time, or the database server cannot be reached.
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) => true,
            sqlx::Error::Database(error) => {
                let code = error.code().unwrap_or_default();
                if error
                    .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                    .is_some()
                {
                    // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes (low byte).
                    code.parse::<i32>()
                        .is_ok_and(|code| matches!(code & 0xff, 5 | 6))
                } else {
                    // PostgreSQL: serialization failure, deadlock, lock not available, too
                    // many connections, starting up or shutting down.
                    matches!(
                        &*code,
                        "40001" | "40P01" | "55P03" | "53300" | "57P01" | "57P03"
                    )
                }
            }
            _ => false,
        }
    }
}
