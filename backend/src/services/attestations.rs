//! Attestations' keys and the transparency log: the signing key in use, the published key
//! set, and the log as stored (every instance appends, so each read first catches up).

use std::sync::Arc;

use attest::log::Log;
use attest::{Jwks, SigningKey, TREE_HEAD_TYP};
use shared::attestation::SignedTreeHead;

use crate::error::{AppError, Result};
use crate::store::{Store, StoreError, StoredKey};

/// The transparency log as this instance last read it from the store (hashes only). Other
/// instances append too, so every read first catches up with the store.
#[derive(Debug, Default)]
pub struct LogCache(tokio::sync::Mutex<Log>);

/// Makes sure a signing key exists; the first start of a deployment creates one.
pub async fn ensure_signing_key(
    store: &dyn Store,
    now: i64,
) -> std::result::Result<(), StoreError> {
    let keys = store.signing_keys().await?;
    if keys.iter().all(|key| key.retired_at.is_some()) {
        let key = new_key(now)?;
        store.add_signing_key(&key, None).await?;
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

pub async fn key_set(store: &dyn Store) -> Result<Jwks> {
    let keys = store.signing_keys().await?;
    Ok(Jwks {
        keys: keys
            .iter()
            .map(|key| attest::public_jwk(&key.kid, &key.public_x))
            .collect(),
    })
}

/// The log as stored now.
pub async fn synced_log<'a>(
    store: &dyn Store,
    cache: &'a LogCache,
) -> Result<tokio::sync::MutexGuard<'a, Log>> {
    let mut log = cache.0.lock().await;
    let from = i64::try_from(log.len()).map_err(|e| AppError::Internal(e.to_string()))?;
    for leaf in store.log_leaves(from).await? {
        log.push(leaf);
    }
    Ok(log)
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
