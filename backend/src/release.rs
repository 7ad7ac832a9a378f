//! The release service: everything derived from members' values is computed here, inside one
//! store transaction ([`ReleaseTx`]) that reads the frozen inputs and writes the results, while
//! the computation itself runs on a blocking thread, off the async workers.
//!
//! - releasing a period: stamp it released (which freezes its contributors) → frozen inputs →
//!   [`engine::compute`] → the shares of every published standard → save;
//! - recomputing releases made under an older anonymity policy, from what they froze;
//! - publishing a standard: its shares for every period released before it, computed from a
//!   snapshot before the lock is taken, so that only the writes wait for it.

use shared::Period;
use shared::benchmark::POLICY_VERSION;
use std::collections::HashMap;

use shared::standard::{Requirement, Standard, StandardStatus};

use crate::engine::{self, EngineOrg, ReleaseResult, ShareCell};

use crate::events::{Audit, Event};
use crate::store::{AuditRecord, ReleaseRecord, ReleaseTx, Store, StoreError};

/// Releases `period` under the current policy with threshold `k`, recording that `actor` did
/// at `now` (Unix seconds, the server's clock). `Conflict` when it is already released.
pub async fn release_period(
    store: &dyn Store,
    period: Period,
    k: u32,
    actor: &str,
    now: i64,
) -> Result<(ReleaseRecord, ReleaseResult), StoreError> {
    let mut tx = store.begin_release().await?;
    let record = tx.stamp_release(period, POLICY_VERSION, k).await?;
    let result = recompute(tx.as_mut(), period, k).await?;
    let published = result.published_count();
    let detail = format!(
        "policy {}, k = {}, {published} of {} cells published",
        record.policy,
        record.k,
        result.cells.len()
    );
    let audit = AuditRecord::new(actor, Audit::PeriodReleased, period.to_string(), detail)
        .with_event(&Event::Released { period }, now);
    tx.audit(&audit).await?;
    tx.commit().await?;
    Ok((record, result))
}

/// Recomputes every release made under another policy than the current one from the
/// contributors and k it froze, and returns the periods recomputed. Safe to run from several
/// instances at once: the release transactions take turns, and each re-reads the policies.
pub async fn reapply_policy(store: &dyn Store) -> Result<Vec<Period>, StoreError> {
    let mut recomputed = Vec::new();
    loop {
        let mut tx = store.begin_release().await?;
        // In the order they were made: each release is computed beside the ones before it.
        let stale = in_release_order(tx.releases().await?)
            .into_iter()
            .find(|release| release.policy != POLICY_VERSION);
        let Some(release) = stale else {
            return Ok(recomputed);
        };
        recompute(tx.as_mut(), release.period, release.k).await?;
        let audit = AuditRecord::new(
            "server",
            Audit::ReleaseRecomputed,
            release.period.to_string(),
            format!("under anonymity policy {POLICY_VERSION}"),
        );
        tx.audit(&audit).await?;
        tx.commit().await?;
        recomputed.push(release.period);
    }
}

/// Publishes a draft standard and stores its shares for every released period, from the
/// contributors frozen at each release and never where the period's stored cell is held back.
///
/// The shares are computed before the release lock is taken, from a snapshot: what a released
/// period froze never changes, so publishing over many quarters holds the lock only to write.
/// A period released (or recomputed under another policy) in between, or requirements edited
/// in between, are computed again under the lock.
pub async fn publish_standard(
    store: &dyn Store,
    id: i64,
    actor: &str,
    now: i64,
) -> Result<Option<Standard>, StoreError> {
    let mut precomputed = HashMap::new();
    let draft = store.standard(id).await?;
    if let Some(draft) = draft.as_ref().filter(|d| d.status == StandardStatus::Draft) {
        let mut snapshot = store.begin_snapshot().await?;
        for release in snapshot.releases().await? {
            let shares = shares_of(snapshot.as_mut(), &release, &draft.requirements).await?;
            precomputed.insert((release.period, release.policy), shares);
        }
    }
    let mut tx = store.begin_release().await?;
    let Some(standard) = tx.publish_standard(id).await? else {
        return Ok(None);
    };
    let unchanged = draft.is_some_and(|d| d.requirements == standard.requirements);
    for release in tx.releases().await? {
        let period = release.period;
        let shares = match precomputed.remove(&(release.period, release.policy.clone())) {
            Some(shares) if unchanged => shares,
            _ => shares_of(tx.as_mut(), &release, &standard.requirements).await?,
        };
        tx.save_shares(period, standard.id, &shares).await?;
    }
    let target = format!(
        "standard #{} ({} v{})",
        standard.id, standard.name, standard.version
    );
    let audit = AuditRecord::new(actor, Audit::StandardPublished, target, "").with_event(
        &Event::StandardVersion {
            standard_id: standard.id,
        },
        now,
    );
    tx.audit(&audit).await?;
    tx.commit().await?;
    Ok(Some(standard))
}

/// The shares meeting each of `requirements` in a released period.
async fn shares_of(
    tx: &mut dyn ReleaseTx,
    release: &ReleaseRecord,
    requirements: &[Requirement],
) -> Result<Vec<ShareCell>, StoreError> {
    let inputs = tx.frozen_inputs(release.period).await?;
    let history = history_before(tx, release.period).await?;
    let held_back = tx.held_back_cells(release.period).await?;
    let requirements = requirements.to_vec();
    let k = release.k as usize;
    off_the_workers(move || {
        engine::compliance_shares(
            &engine::counted(&inputs, k, &history),
            |cohort, metric| held_back.get(&(cohort, metric)).copied(),
            &requirements,
            k,
        )
    })
    .await
}

/// Releases in the order they were made (by release time, then by period).
fn in_release_order(mut releases: Vec<ReleaseRecord>) -> Vec<ReleaseRecord> {
    releases.sort_by(|a, b| (&a.released_at, a.period).cmp(&(&b.released_at, b.period)));
    releases
}

/// What the releases made before `period`'s published: the engine keeps the new release from
/// composing with them (policy v3: organisations joining or leaving between quarters).
async fn history_before(
    tx: &mut dyn ReleaseTx,
    period: Period,
) -> Result<Vec<engine::PastRelease>, StoreError> {
    let mut history = Vec::new();
    for release in in_release_order(tx.releases().await?) {
        if release.period == period {
            break;
        }
        history.push(engine::PastRelease {
            orgs: tx.frozen_inputs(release.period).await?,
            published: tx.published_cells(release.period).await?,
        });
    }
    Ok(history)
}

/// Computes a period's cells and its standards' shares from its frozen inputs, beside the
/// releases made before it, and saves them under the current policy.
async fn recompute(
    tx: &mut dyn ReleaseTx,
    period: Period,
    k: u32,
) -> Result<ReleaseResult, StoreError> {
    let inputs = tx.frozen_inputs(period).await?;
    let history = history_before(tx, period).await?;
    let standards = tx.standards_with_shares(period).await?;
    let (result, shares) =
        off_the_workers(move || compute(&inputs, &history, &standards, k as usize)).await?;
    tx.save_cells(period, POLICY_VERSION, &result).await?;
    for (standard_id, shares) in shares {
        tx.save_shares(period, standard_id, &shares).await?;
    }
    Ok(result)
}

type StandardShares = Vec<(i64, Vec<ShareCell>)>;

fn compute(
    inputs: &[EngineOrg],
    history: &[engine::PastRelease],
    standards: &[Standard],
    k: usize,
) -> (ReleaseResult, StandardShares) {
    let result = engine::compute_after(inputs, k, history);
    let counted = engine::counted(inputs, k, history);
    let shares = standards
        .iter()
        .map(|standard| {
            let shares = engine::compliance_shares(
                &counted,
                |cohort, metric| result.held_back(cohort, metric),
                &standard.requirements,
                k,
            );
            (standard.id, shares)
        })
        .collect();
    (result, shares)
}

async fn off_the_workers<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Corrupt(format!("a release computation failed: {e}")))
}
