//! Client organisations: the banks, insurers and retailers whose reviewers read what their BPO
//! suppliers address to them. Never rows of `organisations`: they submit nothing and are in no
//! cohort, so no release, participation list or count can include one.

use async_trait::async_trait;
use shared::account::OrgRef;
use shared::client::{ClientOrg, NewClientOrg, SupplierStatus};
use shared::period::rfc3339;

use super::SqlStore;
use super::Write;
use super::attestations::{STATUS_SELECT, SharedRecord, StatusRow};
use crate::store::StoreError;
use crate::store::rows::is_unique_violation;

#[async_trait]
pub trait ClientStore {
    /// Creates a client organisation (its name and address trimmed); `Conflict` when the name
    /// or the address is taken.
    async fn create_client_org(
        &self,
        write: &mut Write,
        client: &NewClientOrg,
        now: i64,
    ) -> Result<ClientOrg, StoreError>;
    async fn client_org(&self, id: i64) -> Result<Option<ClientOrg>, StoreError>;
    /// The client organisation with this address (in any case).
    async fn client_by_address(&self, address: &str) -> Result<Option<ClientOrg>, StoreError>;
    /// Every client organisation, by name.
    async fn client_orgs(&self) -> Result<Vec<ClientOrg>, StoreError>;
    /// The suppliers that shared with a client organisation, by name.
    async fn suppliers(&self, client_id: i64) -> Result<Vec<SupplierRecord>, StoreError>;
    /// What a supplier addressed to a client organisation, newest first.
    async fn supplier_attestations(
        &self,
        client_id: i64,
        org_id: i64,
    ) -> Result<Vec<SharedRecord>, StoreError>;
    /// A reviewer accepts or declines a supplier; false when it never shared with the client.
    async fn decide_supplier(
        &self,
        write: &mut Write,
        client_id: i64,
        org_id: i64,
        decision: (SupplierStatus, i64),
        now: i64,
    ) -> Result<bool, StoreError>;
}

/// A supplier as a client organisation knows it.
#[derive(Debug, Clone)]
pub struct SupplierRecord {
    pub org: OrgRef,
    pub status: SupplierStatus,
    pub first_shared_at: i64,
    pub shared: i64,
}

#[derive(sqlx::FromRow)]
struct SupplierRow {
    org_id: i64,
    name: String,
    status: String,
    first_shared_at: i64,
    shared: i64,
}

fn status_key(status: SupplierStatus) -> &'static str {
    match status {
        SupplierStatus::Pending => "pending",
        SupplierStatus::Accepted => "accepted",
        SupplierStatus::Declined => "declined",
    }
}

impl TryFrom<SupplierRow> for SupplierRecord {
    type Error = StoreError;

    fn try_from(row: SupplierRow) -> Result<Self, StoreError> {
        let status = [
            SupplierStatus::Pending,
            SupplierStatus::Accepted,
            SupplierStatus::Declined,
        ]
        .into_iter()
        .find(|s| status_key(*s) == row.status)
        .ok_or_else(|| StoreError::Corrupt(format!("supplier status `{}`", row.status)))?;
        Ok(SupplierRecord {
            org: OrgRef {
                id: row.org_id,
                name: row.name,
            },
            status,
            first_shared_at: row.first_shared_at,
            shared: row.shared,
        })
    }
}

const CLIENT_SELECT: &str = "SELECT c.id, c.name, c.address, c.created_at, \
     (SELECT COUNT(*) FROM users u WHERE u.client_id = c.id) AS reviewers FROM client_orgs c";

#[derive(sqlx::FromRow)]
struct ClientRow {
    id: i64,
    name: String,
    address: String,
    created_at: i64,
    reviewers: i64,
}

impl From<ClientRow> for ClientOrg {
    fn from(row: ClientRow) -> Self {
        ClientOrg {
            id: row.id,
            name: row.name,
            address: row.address,
            reviewers: row.reviewers,
            created_at: rfc3339(row.created_at),
        }
    }
}

#[async_trait]
impl ClientStore for SqlStore {
    async fn create_client_org(
        &self,
        write: &mut Write,
        client: &NewClientOrg,
        now: i64,
    ) -> Result<ClientOrg, StoreError> {
        let (name, address) = (client.name.trim(), client.address.trim().to_lowercase());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO client_orgs (name, address, created_at) VALUES ($1, $2, $3) \
             RETURNING id",
        )
        .bind(name)
        .bind(&address)
        .bind(now)
        .fetch_one(&mut *write.tx)
        .await
        .map_err(|error| {
            if is_unique_violation(&error) {
                StoreError::Conflict(format!(
                    "a client organisation named `{name}` or with the address {address} \
                     already exists"
                ))
            } else {
                error.into()
            }
        })?;
        let row: ClientRow = sqlx::query_as(&format!("{CLIENT_SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_one(&mut *write.tx)
            .await?;
        Ok(row.into())
    }

    async fn client_org(&self, id: i64) -> Result<Option<ClientOrg>, StoreError> {
        let row: Option<ClientRow> = sqlx::query_as(&format!("{CLIENT_SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(ClientOrg::from))
    }

    async fn client_by_address(&self, address: &str) -> Result<Option<ClientOrg>, StoreError> {
        let row: Option<ClientRow> = sqlx::query_as(&format!(
            "{CLIENT_SELECT} WHERE lower(c.address) = lower($1)"
        ))
        .bind(address)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(ClientOrg::from))
    }

    async fn suppliers(&self, client_id: i64) -> Result<Vec<SupplierRecord>, StoreError> {
        let rows: Vec<SupplierRow> = sqlx::query_as(
            "SELECT s.org_id, o.name, s.status, s.first_shared_at, \
             (SELECT COUNT(*) FROM attestations a \
              WHERE a.client_id = s.client_id AND a.org_id = s.org_id) AS shared \
             FROM client_suppliers s JOIN organisations o ON o.id = s.org_id \
             WHERE s.client_id = $1 ORDER BY lower(o.name)",
        )
        .bind(client_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn supplier_attestations(
        &self,
        client_id: i64,
        org_id: i64,
    ) -> Result<Vec<SharedRecord>, StoreError> {
        let rows: Vec<StatusRow> = sqlx::query_as(&format!(
            "{STATUS_SELECT} WHERE a.client_id = $1 AND a.org_id = $2 ORDER BY a.id DESC"
        ))
        .bind(client_id)
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(SharedRecord::from).collect())
    }

    async fn decide_supplier(
        &self,
        write: &mut Write,
        client_id: i64,
        org_id: i64,
        (status, by): (SupplierStatus, i64),
        now: i64,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE client_suppliers SET status = $1, decided_at = $2, decided_by = $3 \
             WHERE client_id = $4 AND org_id = $5",
        )
        .bind(status_key(status))
        .bind(now)
        .bind(by)
        .bind(client_id)
        .bind(org_id)
        .execute(&mut *write.tx)
        .await?;
        Ok(updated.rows_affected() == 1)
    }

    async fn client_orgs(&self) -> Result<Vec<ClientOrg>, StoreError> {
        let rows: Vec<ClientRow> =
            sqlx::query_as(&format!("{CLIENT_SELECT} ORDER BY lower(c.name)"))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(ClientOrg::from).collect())
    }
}
