//! What every benchmark page needs first: the released quarters, the lattice, the catalogue,
//! the peer group in the page's query, and what to show before anything is released.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::Period;
use shared::api::{CohortInfo, PeriodInfo, PeriodStatus};
use shared::catalogue::Metric;
use shared::cohort::CohortKey;

use crate::api::{self, ApiError};
use crate::components::{Link, Loaded, load_once};

/// The newest released quarter.
pub fn latest_released(periods: &[PeriodInfo]) -> Option<Period> {
    periods
        .iter()
        .rev()
        .find(|p| p.status == PeriodStatus::Released)
        .map(|p| p.period)
}

/// The cohort in the page's `?cohort=` (default: the whole industry).
pub fn use_cohort() -> Memo<CohortKey> {
    let query = use_query_map();
    Memo::new(move |_| {
        query
            .read()
            .get("cohort")
            .and_then(|c| c.parse().ok())
            .unwrap_or(CohortKey::All)
    })
}

/// Periods, the lattice and the catalogue: what every benchmark page needs first.
pub type Basics = (Vec<PeriodInfo>, Vec<CohortInfo>, Vec<Metric>);

pub fn load_basics() -> Loaded<Result<Basics, ApiError>> {
    load_once(|| async {
        let (periods, cohorts, catalogue) = (api::periods(), api::cohorts(), api::catalogue());
        Ok((periods.await?, cohorts.await?, catalogue.await?.metrics))
    })
}

/// Shown when no quarter has been released yet.
#[component]
pub fn NoReleaseYet() -> impl IntoView {
    view! {
        <div class="card empty-state" data-testid="no-release">
            <h2>"No benchmark yet"</h2>
            <p>
                "Benchmarks appear once an industry group releases a quarter. Until then you can "
                "submit your metrics; they count as soon as the quarter is released."
            </p>
            <Link href="/methodology">"How benchmarks are made"</Link>
        </div>
    }
}
