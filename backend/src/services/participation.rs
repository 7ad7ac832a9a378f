//! Who has submitted a quarter: per cohort of the lattice, how many verified members have, as
//! bands; and, while the quarter is open, which organisations have not, have in part or in full
//! (for publishers and admins only: members never see who has not submitted).

use std::collections::BTreeMap;

use shared::Period;
use shared::benchmark::count_band;
use shared::catalogue::CATALOGUE;
use shared::cohort::CohortKey;
use shared::participation::{
    OrgParticipation, Participation, ParticipationCount, ParticipationStatus,
};
use shared::period::rfc3339;

use crate::engine::Attributes;
use crate::store::{Store, StoreError};

/// The participation in `period` under the anonymity threshold `k`.
pub async fn participation(
    store: &dyn Store,
    period: Period,
    k: u32,
) -> Result<Participation, StoreError> {
    let deadline = store
        .deadlines()
        .await?
        .into_iter()
        .find(|(p, _)| *p == period)
        .map(|(_, due_at)| due_at);
    let saves: BTreeMap<i64, (usize, i64)> = store
        .latest_saves(period)
        .await?
        .into_iter()
        .map(|s| {
            (
                s.org_id,
                (usize::try_from(s.metrics).unwrap_or(0), s.saved_at),
            )
        })
        .collect();
    let orgs: Vec<_> = store
        .orgs()
        .await?
        .into_iter()
        .filter(|org| org.verified)
        .collect();
    let status_of = |metrics: usize| match metrics {
        0 => ParticipationStatus::NotStarted,
        n if n >= CATALOGUE.len() => ParticipationStatus::Complete,
        _ => ParticipationStatus::Partial,
    };
    let mut organisations: Vec<OrgParticipation> = orgs
        .iter()
        .map(|org| {
            let save = saves.get(&org.id);
            let metrics = save.map_or(0, |(n, _)| *n);
            let last_saved_at = save.map(|&(_, at)| at);
            OrgParticipation {
                org_id: org.id,
                name: org.name.clone(),
                status: status_of(metrics),
                metrics,
                late: matches!((last_saved_at, deadline), (Some(at), Some(due)) if at > due),
                last_saved_at: last_saved_at.map(rfc3339),
            }
        })
        .collect();
    let k = k as usize;
    let counts = CohortKey::lattice()
        .map(|cohort| {
            let (mut submitted, mut verified) = (0, 0);
            for (org, row) in orgs.iter().zip(&organisations) {
                if Attributes::from(org).in_cohort(cohort) {
                    verified += 1;
                    if row.status != ParticipationStatus::NotStarted {
                        submitted += 1;
                    }
                }
            }
            ParticipationCount {
                cohort,
                submitted: count_band(submitted, k),
                verified: count_band(verified, k),
            }
        })
        .collect();
    // Nothing to chase once released: the list would be the contributor set, exactly.
    if store.period_released(period).await? {
        organisations.clear();
    }
    organisations.sort_by(|a, b| {
        let rank = |s: ParticipationStatus| match s {
            ParticipationStatus::NotStarted => 0,
            ParticipationStatus::Partial => 1,
            ParticipationStatus::Complete => 2,
        };
        rank(a.status)
            .cmp(&rank(b.status))
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(Participation {
        period,
        deadline: deadline.map(rfc3339),
        counts,
        organisations,
    })
}
