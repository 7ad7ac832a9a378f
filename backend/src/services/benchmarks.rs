//! Published benchmarks as served: each (period, cohort) read from the store once, then from
//! memory as the same bytes every time (a released benchmark never changes).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use shared::Period;
use shared::benchmark::Benchmark;
use shared::cohort::CohortKey;

use crate::error::AppError;
use crate::store::{Store, StoreError};

/// Released benchmarks by (period, cohort).
#[derive(Debug, Default)]
pub struct BenchmarkCache(RwLock<HashMap<(Period, CohortKey), Served>>);

/// A benchmark and its JSON body.
pub type Served = (Arc<Benchmark>, Bytes);

/// The stored benchmark and its JSON; `None` when the period is not released.
pub async fn cached(
    store: &dyn Store,
    cache: &BenchmarkCache,
    period: Period,
    cohort: CohortKey,
) -> Result<Option<Served>, StoreError> {
    if let Some(hit) = cache.0.read().expect("cache lock").get(&(period, cohort)) {
        return Ok(Some(hit.clone()));
    }
    let Some(stored) = store.benchmark(period, cohort).await? else {
        return Ok(None);
    };
    let benchmark = Arc::new(Benchmark {
        period,
        cohort,
        policy: stored.release.policy,
        k: stored.release.k,
        n_band: stored.cohort_band,
        cells: stored.cells,
    });
    let bytes = Bytes::from(
        serde_json::to_vec(&*benchmark).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    );
    let entry = (benchmark, bytes);
    cache
        .0
        .write()
        .expect("cache lock")
        .insert((period, cohort), entry.clone());
    Ok(Some(entry))
}

/// As [`cached`], for a caller that was asked for this benchmark: 404 when the period is not
/// released.
pub async fn released(
    store: &dyn Store,
    cache: &BenchmarkCache,
    period: Period,
    cohort: CohortKey,
) -> crate::error::Result<Served> {
    cached(store, cache, period, cohort)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("{period} is not released yet")))
}

/// As [`latest_released`], for a caller that needs one: 404 when no quarter is released.
pub async fn latest(store: &dyn Store) -> crate::error::Result<Period> {
    latest_released(store)
        .await?
        .ok_or_else(|| AppError::NotFound("no quarter is released yet".to_owned()))
}

/// The latest released quarter, if any is.
pub async fn latest_released(store: &dyn Store) -> Result<Option<Period>, StoreError> {
    Ok(store
        .periods()
        .await?
        .into_iter()
        .filter(|p| p.released_at.is_some())
        .map(|p| p.period)
        .max())
}

/// The latest quarter released before `period`, if any is.
pub async fn released_before(
    store: &dyn Store,
    period: Period,
) -> Result<Option<Period>, StoreError> {
    Ok(store
        .periods()
        .await?
        .into_iter()
        .filter(|r| r.released_at.is_some() && r.period < period)
        .map(|r| r.period)
        .max())
}
