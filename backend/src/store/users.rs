//! Users: accounts, their roles and passwords.

use async_trait::async_trait;
use shared::account::{Role, User};
use sqlx::AnyConnection;

use super::SqlStore;
use super::Write;
use super::dialect::Dialect;
use crate::store::rows::{
    CredentialRow, USER_SELECT, UserRow, corrupt, email_conflict, role_conflict, try_all,
};
use crate::store::{Credentials, StoreError};

/// Users: their accounts, roles and passwords.
#[async_trait]
pub trait UserStore {
    async fn user_count(&self) -> Result<i64, StoreError>;
    async fn create_user(
        &self,
        email: &str,
        name: &str,
        role: Role,
        org_id: Option<i64>,
        password_hash: &str,
    ) -> Result<User, StoreError>;
    async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StoreError>;
    async fn password_hash(&self, user_id: i64) -> Result<Option<String>, StoreError>;
    async fn users(&self) -> Result<Vec<User>, StoreError>;
    async fn set_role(
        &self,
        write: &mut Write,
        user_id: i64,
        role: Role,
    ) -> Result<Option<User>, StoreError>;
    /// Replaces the password and ends every session of the user.
    async fn set_password(
        &self,
        write: &mut Write,
        user_id: i64,
        password_hash: &str,
    ) -> Result<(), StoreError>;
}

#[async_trait]
impl UserStore for SqlStore {
    async fn user_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn create_user(
        &self,
        email: &str,
        name: &str,
        role: Role,
        org_id: Option<i64>,
        password_hash: &str,
    ) -> Result<User, StoreError> {
        let mut connection = self.pool.acquire().await?;
        insert_user(
            &mut connection,
            self.dialect,
            email,
            name,
            role,
            (org_id, None),
            password_hash,
        )
        .await
    }

    async fn credentials(&self, email: &str) -> Result<Option<Credentials>, StoreError> {
        let row: Option<CredentialRow> =
            sqlx::query_as("SELECT id, password_hash FROM users WHERE lower(email) = lower($1)")
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
        let Some(CredentialRow { id, password_hash }) = row else {
            return Ok(None);
        };
        let user = self
            .user_by_id(id)
            .await?
            .ok_or_else(|| corrupt("user", &id.to_string()))?;
        Ok(Some(Credentials {
            user,
            password_hash,
        }))
    }

    async fn password_hash(&self, user_id: i64) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        let order = self.dialect.bytewise("lower(u.email)");
        let rows: Vec<UserRow> = sqlx::query_as(&format!("{USER_SELECT} ORDER BY {order}"))
            .fetch_all(&self.pool)
            .await?;
        try_all(rows)
    }

    async fn set_role(
        &self,
        write: &mut Write,
        user_id: i64,
        role: Role,
    ) -> Result<Option<User>, StoreError> {
        let tx = &mut *write.tx;
        let updated = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role.key())
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(role_conflict)?;
        if updated.rows_affected() == 0 {
            return Ok(None);
        }
        // API tokens end with their creator's rights, for good: a later promotion does not
        // bring them back.
        if role != Role::MemberAdmin {
            sqlx::query(&format!(
                "UPDATE api_tokens SET revoked_at = {} \
                 WHERE created_by = $1 AND revoked_at IS NULL",
                self.dialect.now()
            ))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
        let row: UserRow = sqlx::query_as(&format!("{USER_SELECT} WHERE u.id = $1"))
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
        let user = User::try_from(row)?;
        Ok(Some(user))
    }

    async fn set_password(
        &self,
        write: &mut Write,
        user_id: i64,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        let tx = &mut *write.tx;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }
}

impl SqlStore {
    async fn user_by_id(&self, id: i64) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(&format!("{USER_SELECT} WHERE u.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TryInto::try_into).transpose()
    }
}

pub(super) async fn insert_user(
    connection: &mut AnyConnection,
    dialect: Dialect,
    email: &str,
    name: &str,
    role: Role,
    (org_id, client_id): (Option<i64>, Option<i64>),
    password_hash: &str,
) -> Result<User, StoreError> {
    let id: i64 = sqlx::query_scalar(&format!(
        "INSERT INTO users (email, name, role, org_id, client_id, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, {now}) RETURNING id",
        now = dialect.now()
    ))
    .bind(email)
    .bind(name)
    .bind(role.key())
    .bind(org_id)
    .bind(client_id)
    .bind(password_hash)
    .fetch_one(&mut *connection)
    .await
    .map_err(|error| email_conflict(error, email))?;
    let row: UserRow = sqlx::query_as(&format!("{USER_SELECT} WHERE u.id = $1"))
        .bind(id)
        .fetch_one(&mut *connection)
        .await?;
    row.try_into()
}
