//! Sessions, login throttling and remembered browsers.

use async_trait::async_trait;
use shared::account::User;

use super::SqlStore;
use super::Write;
use super::dialect::Turn;
use crate::store::rows::{Flag, KNOWN_DEVICE_SELECT, USER_SELECT, UserRow};
use crate::store::{LoginAttempt, StoreError};

/// Sessions; login throttling (an attempt is counted and recorded before the password is
/// checked, atomically per subject across every instance, so parallel attempts count each
/// other); the browsers users logged in from.
#[async_trait]
pub trait SessionStore {
    /// Stores a session, sweeping away those expired by `now`.
    async fn create_session(
        &self,
        write: &mut Write,
        token_hash: &[u8; 32],
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;
    async fn session_user(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<User>, StoreError>;
    async fn delete_session(
        &self,
        write: &mut Write,
        token_hash: &[u8; 32],
    ) -> Result<(), StoreError>;
    /// When every subject has fewer than its limit of attempts since `since`, records one at
    /// `now` against each and returns their ids; otherwise records nothing and returns the
    /// times (oldest first) of the attempts of the first subject at its limit.
    async fn begin_login_attempt(
        &self,
        subjects: &[(&str, usize)],
        now: i64,
        since: i64,
    ) -> Result<LoginAttempt, StoreError>;
    /// Forgets attempts that turned out not to be failures (refused unheard, or successful).
    async fn forget_login_attempts(&self, ids: &[i64]) -> Result<(), StoreError>;
    async fn clear_login_failures(&self, subject: &str) -> Result<(), StoreError>;
    /// Remembers a browser the user logged in from, until `expires_at`; forgets expired ones.
    async fn remember_device(
        &self,
        token_hash: &[u8; 32],
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;
    /// Whether the browser holding this device token has logged in to the account of `email`
    /// (lowercase) and is still remembered at `now`.
    async fn known_device(
        &self,
        token_hash: &[u8; 32],
        email: &str,
        now: i64,
    ) -> Result<bool, StoreError>;
}

#[async_trait]
impl SessionStore for SqlStore {
    async fn create_session(
        &self,
        write: &mut Write,
        token_hash: &[u8; 32],
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let tx = &mut *write.tx;
        // Logins are rare enough to sweep expired sessions away here.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
            .bind(&token_hash[..])
            .bind(user_id)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    async fn session_user(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "{USER_SELECT} JOIN sessions s ON s.user_id = u.id \
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        ))
        .bind(&token_hash[..])
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn delete_session(
        &self,
        write: &mut Write,
        token_hash: &[u8; 32],
    ) -> Result<(), StoreError> {
        let tx = &mut *write.tx;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(&token_hash[..])
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    async fn begin_login_attempt(
        &self,
        subjects: &[(&str, usize)],
        now: i64,
        since: i64,
    ) -> Result<LoginAttempt, StoreError> {
        let mut tx = self.begin_write().await?;
        // One attempt per subject at a time, on every instance (in one order: no deadlock).
        let mut locked: Vec<&str> = subjects.iter().map(|(subject, _)| *subject).collect();
        locked.sort_unstable();
        for subject in locked {
            self.dialect
                .take_turn(&mut tx, Turn::Subject(subject))
                .await?;
        }
        for &(subject, limit) in subjects {
            let times: Vec<i64> = sqlx::query_scalar(
                "SELECT at FROM login_failures WHERE subject = $1 AND at >= $2 ORDER BY at",
            )
            .bind(subject)
            .bind(since)
            .fetch_all(&mut *tx)
            .await?;
            if times.len() >= limit {
                return Ok(LoginAttempt::Refused { times, limit });
            }
        }
        let mut ids = Vec::with_capacity(subjects.len());
        for &(subject, _) in subjects {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO login_failures (subject, at) VALUES ($1, $2) RETURNING id",
            )
            .bind(subject)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            ids.push(id);
        }
        // Attempts older than a day no longer matter to any limit.
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(now - 86_400)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(LoginAttempt::Allowed(ids))
    }

    async fn forget_login_attempts(&self, ids: &[i64]) -> Result<(), StoreError> {
        for id in ids {
            sqlx::query("DELETE FROM login_failures WHERE id = $1")
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    async fn clear_login_failures(&self, subject: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE subject = $1")
            .bind(subject)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn remember_device(
        &self,
        token_hash: &[u8; 32],
        user_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM known_devices WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO known_devices (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(&token_hash[..])
        .bind(user_id)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        Ok(tx.commit().await?)
    }

    async fn known_device(
        &self,
        token_hash: &[u8; 32],
        email: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let known: Flag = sqlx::query_scalar(KNOWN_DEVICE_SELECT)
            .bind(&token_hash[..])
            .bind(email)
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        Ok(known.0)
    }
}
