//! Organisations: created by an admin, verified by two people.

use async_trait::async_trait;
use shared::account::{NewOrganisation, Organisation};

use super::SqlStore;
use super::Write;
use crate::store::StoreError;
use crate::store::rows::{
    ORG_COLUMNS, OrgRow, confirm_verification_sql, org_conflict, propose_verification_sql, try_all,
};

/// Organisations and their verification by two people.
#[async_trait]
pub trait OrgStore {
    async fn create_org(
        &self,
        write: &mut Write,
        org: &NewOrganisation,
    ) -> Result<Organisation, StoreError>;
    async fn org(&self, id: i64) -> Result<Option<Organisation>, StoreError>;
    async fn orgs(&self) -> Result<Vec<Organisation>, StoreError>;
    /// Records that user `by` proposes verifying the organisation; `None` when it does not
    /// exist, is verified, or has a proposal already.
    async fn propose_verification(
        &self,
        write: &mut Write,
        id: i64,
        by: i64,
    ) -> Result<Option<Organisation>, StoreError>;
    /// Confirms the pending proposal as user `by`, who did not propose it: the organisation is
    /// verified. `None` when there is no such pending proposal.
    async fn confirm_verification(
        &self,
        write: &mut Write,
        id: i64,
        by: i64,
    ) -> Result<Option<Organisation>, StoreError>;
}

#[async_trait]
impl OrgStore for SqlStore {
    async fn create_org(
        &self,
        write: &mut Write,
        org: &NewOrganisation,
    ) -> Result<Organisation, StoreError> {
        let verticals: Vec<&str> = org.verticals.iter().map(|v| v.key()).collect();
        let tx = &mut *write.tx;
        let row: OrgRow = sqlx::query_as(&format!(
            "INSERT INTO organisations \
                 (name, seat_band, region, verticals, delivery, wfh_band, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, {now}) RETURNING {ORG_COLUMNS}",
            now = self.dialect.now()
        ))
        .bind(&org.name)
        .bind(org.seat_band.key())
        .bind(org.region.key())
        .bind(verticals.join(","))
        .bind(org.delivery.key())
        .bind(org.wfh_band.key())
        .fetch_one(&mut *tx)
        .await
        .map_err(|error| org_conflict(error, &org.name))?;
        let created = Organisation::try_from(row)?;
        Ok(created)
    }

    async fn org(&self, id: i64) -> Result<Option<Organisation>, StoreError> {
        let row: Option<OrgRow> = sqlx::query_as(&format!(
            "SELECT {ORG_COLUMNS} FROM organisations WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(TryInto::try_into).transpose()
    }

    async fn orgs(&self) -> Result<Vec<Organisation>, StoreError> {
        let order = self.dialect.bytewise("lower(name)");
        let rows: Vec<OrgRow> = sqlx::query_as(&format!(
            "SELECT {ORG_COLUMNS} FROM organisations ORDER BY {order}"
        ))
        .fetch_all(&self.pool)
        .await?;
        try_all(rows)
    }

    async fn propose_verification(
        &self,
        write: &mut Write,
        id: i64,
        by: i64,
    ) -> Result<Option<Organisation>, StoreError> {
        self.verification_step(write, &propose_verification_sql(self.dialect.now()), id, by)
            .await
    }

    async fn confirm_verification(
        &self,
        write: &mut Write,
        id: i64,
        by: i64,
    ) -> Result<Option<Organisation>, StoreError> {
        self.verification_step(write, &confirm_verification_sql(self.dialect.now()), id, by)
            .await
    }
}

impl SqlStore {
    /// One step of a verification (`sql`: `$1` the organisation, `$2` the user).
    async fn verification_step(
        &self,
        write: &mut Write,
        sql: &str,
        id: i64,
        by: i64,
    ) -> Result<Option<Organisation>, StoreError> {
        let tx = &mut *write.tx;
        let row: Option<OrgRow> = sqlx::query_as(sql)
            .bind(id)
            .bind(by)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let org = Organisation::try_from(row)?;
        Ok(Some(org))
    }
}
