//! The store's own settings, and whether the database answers.

use async_trait::async_trait;

use super::SqlStore;
use crate::store::StoreError;

/// The store's own settings (`store_settings`) and a ping.
#[async_trait]
pub trait SettingStore {
    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
    /// A setting of the store itself (`store_settings`).
    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError>;
}

#[async_trait]
impl SettingStore for SqlStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM store_settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO store_settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
