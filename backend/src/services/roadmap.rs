//! A member's roadmap: its open gaps in the latest released quarter against a cohort, ranked,
//! with its targets, its followed standard and the published practices that address them.

use shared::cohort::CohortKey;
use shared::plan::{PracticeRef, Roadmap, RoadmapInputs};
use shared::practice::PracticeStatus;
use shared::standard::StandardStatus;

use super::benchmarks::BenchmarkCache;
use super::values::Reader;
use crate::error::Result;
use crate::store::{PracticeSelection, Store};

/// The reader's roadmap in the latest released quarter against `cohort`.
pub async fn roadmap_of(
    store: &dyn Store,
    cache: &BenchmarkCache,
    reader: &Reader,
    cohort: CohortKey,
) -> Result<Roadmap> {
    let period = super::benchmarks::latest(store).await?;
    let (benchmark, _) = super::benchmarks::released(store, cache, period, cohort).await?;
    let own = reader
        .own_submission(store, period, &format!("roadmap in {cohort}"))
        .await?
        .map(|s| s.values)
        .unwrap_or_default();
    let standard = match store.followed_standard(reader.org_id).await? {
        Some(id) => store
            .standard(id)
            .await?
            .filter(|s| s.status != StandardStatus::Draft),
        None => None,
    };
    let targets = store.targets(reader.org_id).await?;
    let practices: Vec<(Vec<String>, PracticeRef)> = store
        .practices(
            PracticeSelection::Status(PracticeStatus::Published),
            Some(reader.org_id),
        )
        .await?
        .into_iter()
        .map(|p| {
            (
                p.draft.metrics,
                PracticeRef {
                    id: p.id,
                    title: p.draft.title,
                    adoptions: p.adoptions,
                },
            )
        })
        .collect();
    Ok(shared::plan::roadmap(RoadmapInputs {
        benchmark: &benchmark,
        own: &own,
        standard: standard.as_ref(),
        targets: &targets,
        practices: &practices,
    }))
}
