//! Attestations' keys and the transparency log: the signing key in use, the published key
//! set, issuance and revocation, and the log as stored (every instance appends, so each read
//! first catches up).

use std::sync::Arc;

use attest::log::Log;
use attest::{ATTESTATION_TYP, Jwks, PublishedKey, REVOCATION_TYP, SigningKey, TREE_HEAD_TYP};
use shared::attestation::SignedTreeHead;

use sha2::{Digest, Sha256};
use shared::attestation::{
    ATTESTATIONS_PER_DAY, AttestationClaims, AttestationInfo, AttestationIssued, AttestationStatus,
    AttestedMetric, AttestedRequirement, AttestedStandard, Disclosure, NewAttestation, PolicyRef,
    RevocationClaims, ServedBenchmark, SharedAttestation,
};
use shared::benchmark::Benchmark;
use shared::catalogue::{self, CATALOGUE};
use shared::format::hex;
use shared::period::rfc3339;
use shared::standard::requirement_text;
use shared::submission::stored_value;

use super::benchmarks::BenchmarkCache;
use super::values::Reader;
use crate::auth;
use crate::engine::Attributes;
use crate::error::{AppError, Result};
use crate::events::Audit;
use crate::store::{
    AuditRecord, NewAttestationRecord, RevocationRecord, SharedRecord, Store, StoreError, StoredKey,
};

/// A day in seconds: the window of the issuance quota.
const DAY_SECONDS: i64 = 24 * 60 * 60;

/// The transparency log as this instance last read it from the store (hashes only). Other
/// instances append too, so every read first catches up with the store. Readers take a
/// snapshot (an `Arc`) and let go of the lock at once: a proof over a long log is computed
/// without holding it, and an append while a snapshot is out copies the hashes.
#[derive(Debug, Default)]
pub struct LogCache(tokio::sync::Mutex<Arc<Log>>);

/// Makes sure a signing key exists; the first start of a deployment creates one.
pub async fn ensure_signing_key(
    store: &dyn Store,
    now: i64,
) -> std::result::Result<(), StoreError> {
    let keys = store.signing_keys().await?;
    if keys.iter().all(|key| key.retired_at.is_some()) {
        let key = new_key(now)?;
        let mut write = store.write().await?;
        store.add_signing_key(&mut write, &key).await?;
        write.commit().await?;
        tracing::info!(kid = %key.kid, "created the attestation signing key");
    }
    Ok(())
}

pub fn new_key(now: i64) -> std::result::Result<StoredKey, StoreError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| StoreError::Corrupt(format!("no randomness for a signing key: {e}")))?;
    let key = SigningKey::from_seed(seed);
    Ok(StoredKey {
        kid: key.kid().to_owned(),
        private_seed: seed.to_vec(),
        public_x: key.public_x(),
        created_at: now,
        retired_at: None,
        compromised_from: None,
    })
}

/// The key that signs now: the newest one not retired.
pub async fn current_key(store: &dyn Store) -> Result<SigningKey> {
    let keys = store.signing_keys().await?;
    let stored = keys
        .iter()
        .rev()
        .find(|key| key.retired_at.is_none())
        .ok_or_else(|| AppError::Internal("no signing key".to_owned()))?;
    let seed: [u8; 32] = stored
        .private_seed
        .as_slice()
        .try_into()
        .map_err(|_| AppError::Internal(format!("signing key {} is malformed", stored.kid)))?;
    Ok(SigningKey::from_seed(seed))
}

/// Every key this deployment ever signed with, each with the span it signed in: from its
/// creation until its retirement or the stated start of its compromise.
pub async fn key_set(store: &dyn Store) -> Result<Jwks> {
    let keys = store.signing_keys().await?;
    Ok(Jwks {
        keys: keys.iter().map(published).collect(),
    })
}

fn published(key: &StoredKey) -> PublishedKey {
    let until = match (key.retired_at, key.compromised_from) {
        (Some(retired), Some(compromised)) => Some(retired.min(compromised)),
        (retired, compromised) => retired.or(compromised),
    };
    PublishedKey {
        jwk: attest::public_jwk(&key.kid, &key.public_x),
        signs_from: Some(key.created_at),
        signs_until: until,
        compromised: key.compromised_from.is_some(),
    }
}

/// Marks a key compromised from `from` (Unix seconds, not before the key existed nor after
/// `now`): nothing it signed since is trusted, and if it still signed, a new key takes over in
/// the same write. Returns the key as now published.
pub async fn compromise(
    store: &dyn Store,
    kid: &str,
    from: i64,
    now: i64,
    by: &str,
) -> Result<PublishedKey> {
    let keys = store.signing_keys().await?;
    let key = keys
        .iter()
        .find(|key| key.kid == kid)
        .ok_or_else(|| AppError::NotFound(format!("no signing key {kid}")))?;
    if from < key.created_at || from > now {
        return Err(AppError::invalid(
            "from",
            format!(
                "between the key's creation ({}) and now ({})",
                rfc3339(key.created_at),
                rfc3339(now)
            ),
        ));
    }
    let mut write = store.write().await?;
    store
        .mark_key_compromised(&mut write, kid, from, now)
        .await?;
    let replacement = if key.retired_at.is_none() {
        let fresh = new_key(now)?;
        store.add_signing_key(&mut write, &fresh).await?;
        Some(fresh.kid)
    } else {
        None
    };
    let detail = match &replacement {
        Some(fresh) => format!("from {}; key {fresh} signs from now on", rfc3339(from)),
        None => format!("from {}", rfc3339(from)),
    };
    write
        .commit_audited(&AuditRecord::new(
            by,
            Audit::SigningKeyCompromised,
            kid,
            &detail,
        ))
        .await?;
    let keys = store.signing_keys().await?;
    let key = keys
        .iter()
        .find(|key| key.kid == kid)
        .ok_or_else(|| AppError::Internal(format!("signing key {kid} vanished")))?;
    Ok(published(key))
}

/// The log as stored now (a snapshot).
pub async fn synced_log(store: &dyn Store, cache: &LogCache) -> Result<Arc<Log>> {
    let mut log = cache.0.lock().await;
    let from = i64::try_from(log.len()).map_err(|e| AppError::Internal(e.to_string()))?;
    let leaves = store.log_leaves(from).await?;
    if !leaves.is_empty() {
        let log = Arc::make_mut(&mut log);
        for leaf in leaves {
            log.push(leaf);
        }
    }
    Ok(Arc::clone(&log))
}

/// Runs a proof's computation (hashing up to the whole log) off the async runtime.
pub async fn off_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(format!("a log proof failed: {e}")))
}

/// The log's head at `now`, signed with the current key.
pub async fn signed_head(store: &dyn Store, log: &Log, now: i64) -> Result<SignedTreeHead> {
    let head = log.head(now);
    let jws = current_key(store)
        .await?
        .sign(TREE_HEAD_TYP, &head)
        .map_err(AppError::Internal)?;
    Ok(SignedTreeHead { head, jws })
}

/// The log cache every handler shares.
pub type SharedLog = Arc<LogCache>;

/// Who issues an attestation, to whom, and when.
#[derive(Debug)]
pub struct Issuance {
    /// The member admin's organisation.
    pub org_id: i64,
    /// The member admin, as the audit log and the attestation name them.
    pub by: String,
    /// Who the attestation is for (validated).
    pub audience: String,
    /// This deployment, as the `iss` of what it signs.
    pub issuer: String,
    pub now: i64,
}

/// Signs and stores an attestation of the organisation's own values (an audited read) against
/// the released benchmark of `request.cohort` as the read path serves it, appends it to the
/// transparency log and returns it with its share link.
pub async fn issue(
    store: &dyn Store,
    cache: &BenchmarkCache,
    issuance: &Issuance,
    request: &NewAttestation,
) -> Result<AttestationIssued> {
    let (period, cohort) = (request.period, request.cohort);
    let (org_id, audience, now) = (issuance.org_id, issuance.audience.clone(), issuance.now);
    let org = store
        .org(org_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no organisation #{org_id}")))?;
    if !Attributes::from(&org).in_cohort(cohort) {
        return Err(AppError::invalid(
            "cohort",
            format!(
                "{} is not one of your organisation's peer groups",
                cohort.label()
            ),
        ));
    }
    if !store.period_released(period).await? {
        return Err(AppError::invalid(
            "period",
            format!("{period} is not released: only released quarters can be attested"),
        ));
    }
    let client = match &request.client_address {
        Some(address) => {
            let found = store.client_by_address(address.trim()).await?;
            Some(found.ok_or_else(|| {
                AppError::invalid(
                    "client_address",
                    "no client organisation on this deployment has this address: check it with \
                     your client, or share the link instead",
                )
            })?)
        }
        None => None,
    };
    let (benchmark, bytes) = super::benchmarks::released(store, cache, period, cohort).await?;
    let reader = Reader {
        org_id,
        label: issuance.by.clone(),
    };
    let own = reader
        .own_submission(store, period, &format!("attestation for {audience}"))
        .await?
        .map(|s| s.values)
        .unwrap_or_default();
    let followed = match store.followed_standard(org_id).await? {
        Some(id) => store.standard(id).await?,
        None => None,
    };
    // The metrics: as asked; else those of the followed standard; else every one submitted.
    let mut keys: Vec<String> = match (&request.metrics, &followed) {
        (Some(metrics), _) => metrics.clone(),
        (None, Some(standard)) => standard
            .requirements
            .iter()
            .map(|r| r.metric.clone())
            .collect(),
        (None, None) => own.keys().cloned().collect(),
    };
    keys.sort_by_key(|key| CATALOGUE.iter().position(|m| &m.key == key));
    keys.dedup();
    if keys.is_empty() {
        return Err(AppError::invalid(
            "metrics",
            format!("your organisation submitted nothing for {period}"),
        ));
    }
    let metrics: Vec<AttestedMetric> = keys
        .iter()
        .map(|key| {
            let value = own.get(key).copied();
            attested_metric(key, &benchmark, value, request.disclosure)
        })
        .collect();
    let standard = followed.map(|standard| AttestedStandard {
        id: standard.id,
        name: standard.name.clone(),
        version: standard.version,
        requirements: standard
            .requirements
            .iter()
            .filter_map(|requirement| {
                let metric = catalogue::find(&requirement.metric)?;
                Some(AttestedRequirement {
                    metric: requirement.metric.clone(),
                    text: requirement_text(metric, requirement),
                    met: own
                        .get(&requirement.metric)
                        .map(|v| requirement.assess(*v).0),
                })
            })
            .collect(),
    });
    let mut jti = [0u8; 16];
    getrandom::fill(&mut jti).map_err(|e| AppError::Internal(e.to_string()))?;
    let claims = AttestationClaims {
        iss: issuance.issuer.clone(),
        sub: org.name.clone(),
        aud: audience.clone(),
        iat: now,
        exp: now + i64::from(request.expires_in_days) * 86_400,
        jti: hex(&jti),
        period,
        cohort,
        benchmark_digest: format!("sha256:{}", hex(&Sha256::digest(&bytes))),
        disclosure: request.disclosure,
        metrics,
        standard,
        policy: PolicyRef {
            version: benchmark.policy.clone(),
            k: benchmark.k,
        },
    };
    let key = current_key(store).await?;
    let jws = key
        .sign(ATTESTATION_TYP, &claims)
        .map_err(AppError::Internal)?;
    let token = auth::random_token();
    let record = NewAttestationRecord {
        org_id,
        jti: claims.jti.clone(),
        share_hash: auth::token_hash(&token),
        jws: jws.clone(),
        audience: audience.clone(),
        period: period.to_string(),
        cohort: cohort.to_string(),
        disclosure: request.disclosure,
        metrics: claims.metrics.len() as i64,
        issued_by: issuance.by.clone(),
        issued_at: now,
        expires_at: claims.exp,
        readable_after_expiry: request.readable_after_expiry,
        leaf: attest::log::leaf(&jws),
        client_id: client.as_ref().map(|client| client.id),
    };
    let detail = format!(
        "{period}, {}, {} metrics, expires in {} days",
        cohort.label(),
        claims.metrics.len(),
        request.expires_in_days
    );
    let mut write = store.write().await?;
    let recent = store
        .issued_since(&mut write, org_id, now - DAY_SECONDS)
        .await?;
    if recent.len() >= ATTESTATIONS_PER_DAY {
        // Free again once the issuance that fills the window is a day old.
        let frees = recent[recent.len() - ATTESTATIONS_PER_DAY] + DAY_SECONDS;
        return Err(AppError::QuotaUsed {
            message: format!(
                "your organisation has issued {ATTESTATIONS_PER_DAY} attestations in the last \
                 24 hours, the most it may"
            ),
            retry_after_seconds: (frees - now).max(1),
        });
    }
    let (id, log_index) = store.issue_attestation(&mut write, &record).await?;
    write
        .commit_audited(&AuditRecord {
            actor: issuance.by.clone(),
            action: Audit::AttestationIssued,
            target: format!("attestation #{id} for {audience}"),
            detail,
            org_id: Some(org_id),
            event: None,
        })
        .await?;
    // What was stored, as the list will show it: nothing opened or revoked yet.
    let attestation = AttestationInfo {
        id,
        jti: record.jti,
        audience,
        period,
        cohort,
        disclosure: request.disclosure,
        metrics: claims.metrics.len(),
        issued_by: record.issued_by,
        issued_at: rfc3339(now),
        expires_at: rfc3339(claims.exp),
        revoked_at: None,
        open_count: 0,
        opened_at: Vec::new(),
        log_index,
        readable_after_expiry: request.readable_after_expiry,
        shared_with: client.map(|client| client.name),
    };
    Ok(AttestationIssued {
        attestation,
        share_path: format!("/a/{token}"),
        jws,
    })
}

/// One metric of `benchmark` as an attestation states it: the peer statistics of its cell, and
/// the member's `value` (shown only when disclosed) placed among them.
fn attested_metric(
    key: &str,
    benchmark: &Benchmark,
    value: Option<f64>,
    disclosure: Disclosure,
) -> AttestedMetric {
    let cell = benchmark.cells.iter().find(|cell| cell.metric == key);
    let band = match (cell, value) {
        (Some(cell), Some(value)) if !cell.suppressed => {
            shared::benchmark::place(cell, value).map(|(band, _)| band)
        }
        _ => None,
    };
    AttestedMetric {
        metric: key.to_owned(),
        value: match disclosure {
            Disclosure::Values => value.map(|v| stored_value(key, v)),
            Disclosure::Bands => None,
        },
        band,
        suppressed: cell.is_none_or(|cell| cell.suppressed),
        n_band: cell.and_then(|c| c.n_band.clone()),
        p10: cell.and_then(|c| c.p10),
        p25: cell.and_then(|c| c.p25),
        p50: cell.and_then(|c| c.p50),
        p75: cell.and_then(|c| c.p75),
        p90: cell.and_then(|c| c.p90),
        share_band: cell.and_then(|c| c.share_band.clone()),
    }
}

/// The benchmark an attestation (as stored: `jws`) rests on, as the read path serves it now:
/// its digest and the peer statistics of the metrics it names. `None` when the stored copy no
/// longer verifies with the published keys (its key was reported compromised before it) or
/// the quarter is not released.
pub async fn served(
    store: &dyn Store,
    cache: &BenchmarkCache,
    jws: &str,
    now: i64,
) -> Result<Option<ServedBenchmark>> {
    let keys = key_set(store).await?;
    let Some(claims) = attest::verify_attestation(jws, &keys, now).claims else {
        return Ok(None);
    };
    let Some((benchmark, bytes)) =
        super::benchmarks::cached(store, cache, claims.period, claims.cohort).await?
    else {
        return Ok(None);
    };
    Ok(Some(ServedBenchmark {
        digest: format!("sha256:{}", hex(&Sha256::digest(&bytes))),
        metrics: claims
            .metrics
            .iter()
            .map(|metric| attested_metric(&metric.metric, &benchmark, None, Disclosure::Bands))
            .collect(),
    }))
}

/// Who revokes which attestation, and when.
#[derive(Debug)]
pub struct Withdrawal {
    pub org_id: i64,
    pub id: i64,
    /// The member admin, as the audit log names them.
    pub by: String,
    /// This deployment, as the `iss` of what it signs.
    pub issuer: String,
    pub now: i64,
}

/// Revokes an organisation's attestation: signs a revocation of it and appends that to the
/// transparency log with the revocation itself, in one write. `NotFound` when the organisation
/// has no such unrevoked attestation.
pub async fn revoke(store: &dyn Store, withdrawal: &Withdrawal) -> Result<()> {
    let Withdrawal {
        org_id, id, now, ..
    } = *withdrawal;
    let gone = || {
        AppError::NotFound(format!(
            "no unrevoked attestation #{id} in your organisation"
        ))
    };
    let (jti, jws) = store.attestation_jws(org_id, id).await?.ok_or_else(gone)?;
    let claims = RevocationClaims {
        iss: withdrawal.issuer.clone(),
        jti,
        leaf: hex(&attest::log::leaf(&jws)),
        revoked_at: now,
    };
    let signed = current_key(store)
        .await?
        .sign(REVOCATION_TYP, &claims)
        .map_err(AppError::Internal)?;
    let revocation = RevocationRecord {
        leaf: attest::log::leaf(&signed),
        jws: signed,
        revoked_at: now,
    };
    let mut write = store.write().await?;
    if !store
        .revoke_attestation(&mut write, org_id, id, &revocation)
        .await?
    {
        return Err(gone());
    }
    write
        .commit_audited(&AuditRecord {
            actor: withdrawal.by.clone(),
            action: Audit::AttestationRevoked,
            target: format!("attestation #{id}"),
            detail: String::new(),
            org_id: Some(org_id),
            event: None,
        })
        .await?;
    Ok(())
}

/// The status of an attestation as stored, with the benchmark it rests on as served now
/// (left out once it is revoked).
pub async fn status(
    store: &dyn Store,
    cache: &BenchmarkCache,
    record: &SharedRecord,
    now: i64,
) -> Result<AttestationStatus> {
    let mut status = record.status.clone();
    if !status.revoked {
        status.served = served(store, cache, &record.jws, now).await?;
    }
    Ok(status)
}

/// Whether an attestation's content is shown at `now`: while it stands, and after its expiry
/// only when the member kept it readable; never once revoked.
pub fn readable(record: &SharedRecord, now: i64) -> bool {
    !record.status.revoked && (record.expires_at > now || record.readable_after_expiry)
}

/// What a share link shows at `now`: the attestation while it stands, and after its expiry
/// only when the member kept it readable; once revoked, its status and dates only.
pub async fn disclosed(
    store: &dyn Store,
    cache: &BenchmarkCache,
    record: SharedRecord,
    now: i64,
) -> Result<SharedAttestation> {
    let shown = readable(&record, now);
    Ok(SharedAttestation {
        status: status(store, cache, &record, now).await?,
        jws: shown.then_some(record.jws),
    })
}
