//! API tokens: stored as hashes, scoped, expiring.

use async_trait::async_trait;
use shared::account::ApiTokenInfo;

use super::SqlStore;
use super::Write;
use crate::store::rows::{
    API_TOKENS_SELECT, ApiTokenRow, TokenOwnerRow, scopes_text, token_owner_sql, try_all,
};
use crate::store::{NewTokenRecord, StoreError, TokenOwner};

/// API tokens of member organisations.
#[async_trait]
pub trait TokenStore {
    /// Stores a token that expires at `expires_at` (Unix seconds).
    async fn create_api_token(
        &self,
        write: &mut Write,
        token: &NewTokenRecord,
    ) -> Result<i64, StoreError>;
    /// Every token of the organisation, newest first, with whether it works at `now`.
    async fn api_tokens(&self, org_id: i64, now: i64) -> Result<Vec<ApiTokenInfo>, StoreError>;
    /// Revokes a token of the organisation; false when there is no such active token.
    async fn revoke_api_token(
        &self,
        write: &mut Write,
        org_id: i64,
        token_id: i64,
    ) -> Result<bool, StoreError>;
    /// The owner of a token that works at `now` (not revoked, not expired, its creator still a
    /// member admin of its organisation), recording its use.
    async fn api_token_owner(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<TokenOwner>, StoreError>;
}

#[async_trait]
impl TokenStore for SqlStore {
    async fn create_api_token(
        &self,
        write: &mut Write,
        token: &NewTokenRecord,
    ) -> Result<i64, StoreError> {
        let tx = &mut *write.tx;
        let id: i64 = sqlx::query_scalar(&format!(
            "INSERT INTO api_tokens \
                     (org_id, created_by, name, token_hash, scopes, expires_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, {now}) RETURNING id",
            now = self.dialect.now()
        ))
        .bind(token.org_id)
        .bind(token.created_by)
        .bind(&token.name)
        .bind(&token.token_hash[..])
        .bind(scopes_text(&token.scopes))
        .bind(token.expires_at)
        .fetch_one(&mut *tx)
        .await?;
        Ok(id)
    }

    async fn api_tokens(&self, org_id: i64, now: i64) -> Result<Vec<ApiTokenInfo>, StoreError> {
        let rows: Vec<ApiTokenRow> = sqlx::query_as(API_TOKENS_SELECT)
            .bind(now)
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?;
        try_all(rows)
    }

    async fn revoke_api_token(
        &self,
        write: &mut Write,
        org_id: i64,
        token_id: i64,
    ) -> Result<bool, StoreError> {
        let tx = &mut *write.tx;
        let result = sqlx::query(&format!(
            "UPDATE api_tokens SET revoked_at = {now} \
             WHERE id = $1 AND org_id = $2 AND revoked_at IS NULL",
            now = self.dialect.now()
        ))
        .bind(token_id)
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
        if result.rows_affected() != 1 {
            return Ok(false);
        }
        Ok(true)
    }

    async fn api_token_owner(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<TokenOwner>, StoreError> {
        let row: Option<TokenOwnerRow> = sqlx::query_as(&token_owner_sql(self.dialect.now()))
            .bind(&token_hash[..])
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.map(TokenOwner::try_from).transpose()
    }
}
