//! Client assurance in the store: signing keys, attestations with their share links, openings
//! and signed revocations, and the transparency log's leaves (appended one at a time, in commit
//! order, on every instance). Times are Unix seconds.

use async_trait::async_trait;
use shared::attestation::{AttestationInfo, AttestationStatus, Disclosure};
use shared::format::hex;
use shared::period::rfc3339;

use super::SqlStore;
use super::StoreError;
use super::Write;
use super::dialect::Turn;
use super::notify::insert_event;

/// A signing key as stored. The seed never leaves the server and is never printed.
#[derive(Clone, sqlx::FromRow)]
pub struct StoredKey {
    pub kid: String,
    pub private_seed: Vec<u8>,
    pub public_x: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
    /// Reported compromised from this time on.
    pub compromised_from: Option<i64>,
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey")
            .field("kid", &self.kid)
            .field("retired_at", &self.retired_at)
            .field("compromised_from", &self.compromised_from)
            .finish_non_exhaustive()
    }
}

/// A signed attestation to store with its share link's hash and its log leaf.
#[derive(Debug, Clone)]
pub struct NewAttestationRecord {
    pub org_id: i64,
    pub jti: String,
    pub share_hash: [u8; 32],
    pub jws: String,
    pub audience: String,
    pub period: String,
    pub cohort: String,
    pub disclosure: Disclosure,
    pub metrics: i64,
    pub issued_by: String,
    pub issued_at: i64,
    pub expires_at: i64,
    pub readable_after_expiry: bool,
    pub leaf: [u8; 32],
    /// The client organisation it is shared with, if any.
    pub client_id: Option<i64>,
}

/// A signed revocation to store and append to the log.
#[derive(Debug, Clone)]
pub struct RevocationRecord {
    pub jws: String,
    pub leaf: [u8; 32],
    pub revoked_at: i64,
}

/// An attestation as stored, with its status: what a share link or a status request finds.
/// What of it is shown is the caller's decision.
#[derive(Debug, Clone)]
pub struct SharedRecord {
    pub jws: String,
    pub period: String,
    pub cohort: String,
    pub status: AttestationStatus,
    pub readable_after_expiry: bool,
    /// Unix seconds.
    pub expires_at: i64,
}

#[async_trait]
pub trait AttestationStore {
    /// Every signing key, oldest first.
    async fn signing_keys(&self) -> Result<Vec<StoredKey>, StoreError>;
    /// Stores a key that signs from now on and retires the others (which stay published).
    async fn add_signing_key(&self, write: &mut Write, key: &StoredKey) -> Result<(), StoreError>;
    /// Marks a key compromised from `from` (an earlier time stated later wins) and retires it
    /// at `now` if it still signed; false when there is no such key.
    async fn mark_key_compromised(
        &self,
        write: &mut Write,
        kid: &str,
        from: i64,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Stores an attestation and appends its leaf to the transparency log, with its audit
    /// entry, in one transaction; returns its id and log index.
    async fn issue_attestation(
        &self,
        write: &mut Write,
        record: &NewAttestationRecord,
    ) -> Result<(i64, i64), StoreError>;
    /// An organisation's attestations, newest first.
    async fn attestations(&self, org_id: i64) -> Result<Vec<AttestationInfo>, StoreError>;
    /// An organisation's attestation as signed: (jti, compact JWS).
    async fn attestation_jws(
        &self,
        org_id: i64,
        id: i64,
    ) -> Result<Option<(String, String)>, StoreError>;
    /// When the organisation issued attestations after `since` (Unix seconds, oldest first),
    /// read in its turn at the log: an issuance on the same write after it counts them all.
    async fn issued_since(
        &self,
        write: &mut Write,
        org_id: i64,
        since: i64,
    ) -> Result<Vec<i64>, StoreError>;
    /// Revokes an organisation's attestation and appends the signed revocation to the log;
    /// false when there is no such unrevoked one (the write is then to be dropped unused).
    async fn revoke_attestation(
        &self,
        write: &mut Write,
        org_id: i64,
        id: i64,
        revocation: &RevocationRecord,
    ) -> Result<bool, StoreError>;
    /// What a share link opens, counting the opening; `None` for an unknown link.
    async fn open_shared(
        &self,
        share_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<SharedRecord>, StoreError>;
    async fn attestation_status(&self, jti: &str) -> Result<Option<SharedRecord>, StoreError>;
    /// The log's leaves from index `from` on, in order.
    async fn log_leaves(&self, from: i64) -> Result<Vec<[u8; 32]>, StoreError>;
    async fn log_index_of(&self, leaf: &[u8; 32]) -> Result<Option<i64>, StoreError>;
}

/// Openings kept per attestation (all are counted).
pub const OPENINGS_KEPT: i64 = 100;
/// Openings listed per attestation.
pub const OPENINGS_LISTED: i64 = 20;

pub const STATUS_SELECT: &str = "SELECT a.jti, a.jws, a.period, a.cohort, a.revoked_at, a.issued_at, a.expires_at, \
    a.log_index, l.leaf, a.revocation_jws, a.revocation_index, a.readable_after_expiry \
    FROM attestations a JOIN transparency_log l ON l.idx = a.log_index";

pub const ATTESTATION_COLUMNS: &str = "id, jti, audience, period, cohort, disclosure, metrics, \
    issued_by, issued_at, expires_at, revoked_at, open_count, log_index, readable_after_expiry, \
    (SELECT c.name FROM client_orgs c WHERE c.id = attestations.client_id) AS client_name";

#[derive(Debug, sqlx::FromRow)]
pub struct AttestationRow {
    pub id: i64,
    pub jti: String,
    pub audience: String,
    pub period: String,
    pub cohort: String,
    pub disclosure: String,
    pub metrics: i64,
    pub issued_by: String,
    pub issued_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub open_count: i64,
    pub log_index: i64,
    pub readable_after_expiry: i64,
    pub client_name: Option<String>,
}

pub fn disclosure_key(disclosure: Disclosure) -> &'static str {
    match disclosure {
        Disclosure::Values => "values",
        Disclosure::Bands => "bands",
    }
}

impl AttestationRow {
    pub fn into_info(self, opened_at: Vec<i64>) -> Result<AttestationInfo, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("attestation #{}: {what}", self.id));
        Ok(AttestationInfo {
            id: self.id,
            period: self.period.parse().map_err(|_| corrupt("period"))?,
            cohort: self.cohort.parse().map_err(|_| corrupt("cohort"))?,
            disclosure: match self.disclosure.as_str() {
                "values" => Disclosure::Values,
                "bands" => Disclosure::Bands,
                _ => return Err(corrupt("disclosure")),
            },
            jti: self.jti,
            audience: self.audience,
            metrics: usize::try_from(self.metrics).unwrap_or(0),
            issued_by: self.issued_by,
            issued_at: rfc3339(self.issued_at),
            expires_at: rfc3339(self.expires_at),
            revoked_at: self.revoked_at.map(rfc3339),
            open_count: self.open_count,
            opened_at: opened_at.into_iter().map(rfc3339).collect(),
            log_index: self.log_index,
            readable_after_expiry: self.readable_after_expiry != 0,
            shared_with: self.client_name,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct StatusRow {
    pub jti: String,
    pub jws: String,
    pub period: String,
    pub cohort: String,
    pub revoked_at: Option<i64>,
    pub issued_at: i64,
    pub expires_at: i64,
    pub log_index: i64,
    pub leaf: Vec<u8>,
    pub revocation_jws: Option<String>,
    pub revocation_index: Option<i64>,
    pub readable_after_expiry: i64,
}

impl From<StatusRow> for SharedRecord {
    fn from(row: StatusRow) -> Self {
        let status = AttestationStatus {
            jti: row.jti,
            revoked: row.revoked_at.is_some(),
            revoked_at: row.revoked_at.map(rfc3339),
            issued_at: rfc3339(row.issued_at),
            expires_at: rfc3339(row.expires_at),
            log_index: row.log_index,
            leaf: hex(&row.leaf),
            revocation: row.revocation_jws,
            revocation_log_index: row.revocation_index,
            served: None,
        };
        SharedRecord {
            jws: row.jws,
            period: row.period,
            cohort: row.cohort,
            status,
            readable_after_expiry: row.readable_after_expiry != 0,
            expires_at: row.expires_at,
        }
    }
}

/// Appends a leaf to the log in the write's turn at it; returns its index.
async fn append_leaf(write: &mut Write, leaf: &[u8; 32], at: i64) -> Result<i64, StoreError> {
    write.take_turn(Turn::Log).await?;
    let tx = &mut *write.tx;
    let index: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(idx) + 1, 0) FROM transparency_log")
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO transparency_log (idx, leaf, logged_at) VALUES ($1, $2, $3)")
        .bind(index)
        .bind(leaf.to_vec())
        .bind(at)
        .execute(&mut *tx)
        .await?;
    Ok(index)
}

pub fn leaf_of(bytes: Vec<u8>) -> Result<[u8; 32], StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a transparency log leaf is not 32 bytes".to_owned()))
}

#[async_trait]
impl AttestationStore for SqlStore {
    async fn signing_keys(&self) -> Result<Vec<StoredKey>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT kid, private_seed, public_x, created_at, retired_at, compromised_from \
             FROM signing_keys ORDER BY created_at, kid",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn add_signing_key(&self, write: &mut Write, key: &StoredKey) -> Result<(), StoreError> {
        let tx = &mut *write.tx;
        sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL")
            .bind(key.created_at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO signing_keys (kid, private_seed, public_x, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&key.kid)
        .bind(&key.private_seed)
        .bind(&key.public_x)
        .bind(key.created_at)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    async fn mark_key_compromised(
        &self,
        write: &mut Write,
        kid: &str,
        from: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let marked = sqlx::query(
            "UPDATE signing_keys SET \
             compromised_from = CASE WHEN compromised_from IS NULL OR compromised_from > $1 \
             THEN $1 ELSE compromised_from END, \
             retired_at = COALESCE(retired_at, $2) WHERE kid = $3",
        )
        .bind(from)
        .bind(now)
        .bind(kid)
        .execute(&mut *write.tx)
        .await?
        .rows_affected();
        Ok(marked == 1)
    }

    async fn issue_attestation(
        &self,
        write: &mut Write,
        record: &NewAttestationRecord,
    ) -> Result<(i64, i64), StoreError> {
        let index = append_leaf(write, &record.leaf, record.issued_at).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO attestations (org_id, jti, share_hash, jws, audience, period, \
             cohort, disclosure, metrics, issued_by, issued_at, expires_at, log_index, \
             readable_after_expiry, client_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             RETURNING id",
        )
        .bind(record.org_id)
        .bind(&record.jti)
        .bind(record.share_hash.to_vec())
        .bind(&record.jws)
        .bind(&record.audience)
        .bind(&record.period)
        .bind(&record.cohort)
        .bind(disclosure_key(record.disclosure))
        .bind(record.metrics)
        .bind(&record.issued_by)
        .bind(record.issued_at)
        .bind(record.expires_at)
        .bind(index)
        .bind(i64::from(record.readable_after_expiry))
        .bind(record.client_id)
        .fetch_one(&mut *write.tx)
        .await?;
        // The client hears of a supplier once; its reviewers decide whether to follow it.
        if let Some(client_id) = record.client_id {
            sqlx::query(
                "INSERT INTO client_suppliers (client_id, org_id, status, first_shared_at) \
                 VALUES ($1, $2, 'pending', $3) ON CONFLICT (client_id, org_id) DO NOTHING",
            )
            .bind(client_id)
            .bind(record.org_id)
            .bind(record.issued_at)
            .execute(&mut *write.tx)
            .await?;
        }
        Ok((id, index))
    }

    async fn attestations(&self, org_id: i64) -> Result<Vec<AttestationInfo>, StoreError> {
        let rows: Vec<AttestationRow> = sqlx::query_as(&format!(
            "SELECT {ATTESTATION_COLUMNS} FROM attestations WHERE org_id = $1 \
             ORDER BY id DESC"
        ))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        let mut infos = Vec::with_capacity(rows.len());
        for row in rows {
            let opened: Vec<i64> = sqlx::query_scalar(
                "SELECT opened_at FROM attestation_opens WHERE attestation_id = $1 \
                 ORDER BY opened_at DESC LIMIT $2",
            )
            .bind(row.id)
            .bind(OPENINGS_LISTED)
            .fetch_all(&self.pool)
            .await?;
            infos.push(row.into_info(opened)?);
        }
        Ok(infos)
    }

    async fn attestation_jws(
        &self,
        org_id: i64,
        id: i64,
    ) -> Result<Option<(String, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT jti, jws FROM attestations WHERE org_id = $1 AND id = $2")
                .bind(org_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn issued_since(
        &self,
        write: &mut Write,
        org_id: i64,
        since: i64,
    ) -> Result<Vec<i64>, StoreError> {
        // Issuances take turns at the log on every instance: no other one can slip in between
        // this count and the append that follows it on the same write.
        write.take_turn(Turn::Log).await?;
        Ok(sqlx::query_scalar(
            "SELECT issued_at FROM attestations WHERE org_id = $1 AND issued_at > $2 \
             ORDER BY issued_at",
        )
        .bind(org_id)
        .bind(since)
        .fetch_all(&mut *write.tx)
        .await?)
    }

    async fn revoke_attestation(
        &self,
        write: &mut Write,
        org_id: i64,
        id: i64,
        revocation: &RevocationRecord,
    ) -> Result<bool, StoreError> {
        let revoked = sqlx::query(
            "UPDATE attestations SET revoked_at = $1, revocation_jws = $2 \
             WHERE org_id = $3 AND id = $4 AND revoked_at IS NULL",
        )
        .bind(revocation.revoked_at)
        .bind(&revocation.jws)
        .bind(org_id)
        .bind(id)
        .execute(&mut *write.tx)
        .await?
        .rows_affected()
            == 1;
        if !revoked {
            return Ok(false);
        }
        let index = append_leaf(write, &revocation.leaf, revocation.revoked_at).await?;
        sqlx::query("UPDATE attestations SET revocation_index = $1 WHERE id = $2")
            .bind(index)
            .bind(id)
            .execute(&mut *write.tx)
            .await?;
        Ok(true)
    }

    async fn open_shared(
        &self,
        share_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<SharedRecord>, StoreError> {
        let mut tx = self.begin_write().await?;
        let found: Option<(i64, i64, i64, String)> = sqlx::query_as(
            "UPDATE attestations SET open_count = open_count + 1 WHERE share_hash = $1 \
             RETURNING id, open_count, org_id, audience",
        )
        .bind(share_hash.to_vec())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id, count, org_id, audience)) = found else {
            return Ok(None);
        };
        // The organisation hears of openings at most once a day per attestation.
        let opened = crate::events::Event::AttestationOpened {
            attestation_id: id,
            org_id,
            audience: audience.clone(),
        }
        .record(now);
        insert_event(&mut tx, &opened).await?;
        if count <= OPENINGS_KEPT {
            sqlx::query(
                "INSERT INTO attestation_opens (attestation_id, opened_at) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let status: StatusRow = sqlx::query_as(&format!("{STATUS_SELECT} WHERE a.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(status.into()))
    }

    async fn attestation_status(&self, jti: &str) -> Result<Option<SharedRecord>, StoreError> {
        let row: Option<StatusRow> = sqlx::query_as(&format!("{STATUS_SELECT} WHERE a.jti = $1"))
            .bind(jti)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(SharedRecord::from))
    }

    async fn log_leaves(&self, from: i64) -> Result<Vec<[u8; 32]>, StoreError> {
        let rows: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT leaf FROM transparency_log WHERE idx >= $1 ORDER BY idx")
                .bind(from)
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(leaf_of).collect()
    }

    async fn log_index_of(&self, leaf: &[u8; 32]) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT idx FROM transparency_log WHERE leaf = $1")
                .bind(leaf.to_vec())
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}
