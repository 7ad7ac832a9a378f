//! Who counts for each metric, release after release (policy v3, rule C3): the roster.
//!
//! Comparing two quarters of a cell whose contributors differ by a few organisations would
//! show what those few reported, since security figures change slowly. So the organisations
//! behind a metric change only in batches:
//!
//! - an organisation that counted for a metric and reports nothing for it this quarter keeps
//!   counting with its last value, for up to [`CARRY_QUARTERS`] releases;
//! - organisations reporting a metric for the first time (or again after leaving) join it
//!   together, only when every cohort published before for that metric gains none of them or at
//!   least k; the others wait for later releases;
//! - organisations carried for longer leave the same way, in batches of at least k per cohort
//!   (or none), and are carried until then.
//!
//! The first release of a deployment has nothing to compare with: everyone reporting counts.
//! Carried values only complete a cell: the engine publishes a cell only where at least k of its
//! contributors reported for the quarter, so that no figure moves by the change of a few.

use std::collections::{BTreeMap, HashSet};

use shared::catalogue::CATALOGUE;
use shared::cohort::CohortKey;

use super::{Attributes, EngineOrg, PastRelease};

/// How many releases in a row an organisation's last value is carried when it reports nothing.
pub const CARRY_QUARTERS: u32 = 4;

#[derive(Debug, Clone)]
struct Entry {
    value: f64,
    /// Releases in a row this value has been carried.
    carried: u32,
}

/// The organisations that count in the release after `history`, whose frozen contributors are
/// `reporting`, with the value each counts with (its own, or a carried one).
pub fn effective(reporting: &[EngineOrg], history: &[PastRelease], k: usize) -> Vec<EngineOrg> {
    build(reporting, history, k).0
}

/// [`effective`], and the (organisation id, catalogue index) of every value carried from an
/// earlier release rather than reported for this one.
pub fn build(
    reporting: &[EngineOrg],
    history: &[PastRelease],
    k: usize,
) -> (Vec<EngineOrg>, HashSet<(i64, usize)>) {
    let mut rosters: Vec<BTreeMap<i64, Entry>> = vec![BTreeMap::new(); CATALOGUE.len()];
    let mut attributes: BTreeMap<i64, Attributes> = BTreeMap::new();
    // Per metric, the cohorts published in any release so far.
    let mut published: Vec<HashSet<CohortKey>> = vec![HashSet::new(); CATALOGUE.len()];
    let mut first = true;
    let releases = history
        .iter()
        .map(|r| (r.orgs.as_slice(), Some(&r.published)))
        .chain([(reporting, None)]);
    for (orgs, release_published) in releases {
        for org in orgs {
            attributes.insert(org.id, org.attributes.clone());
        }
        for (metric, roster) in rosters.iter_mut().enumerate() {
            advance(
                roster,
                orgs,
                metric,
                &published[metric],
                &attributes,
                first,
                k,
            );
        }
        if let Some(cells) = release_published {
            for &(cohort, metric) in cells.keys() {
                published[metric].insert(cohort);
            }
        }
        first = false;
    }
    let mut orgs: BTreeMap<i64, EngineOrg> = BTreeMap::new();
    let mut carried = HashSet::new();
    for (metric, roster) in rosters.iter().enumerate() {
        for (&id, entry) in roster {
            if entry.carried > 0 {
                carried.insert((id, metric));
            }
            let org = orgs.entry(id).or_insert_with(|| EngineOrg {
                id,
                attributes: attributes[&id].clone(),
                values: vec![None; CATALOGUE.len()],
            });
            org.values[metric] = Some(entry.value);
        }
    }
    (orgs.into_values().collect(), carried)
}

/// One release's step of one metric's roster.
fn advance(
    roster: &mut BTreeMap<i64, Entry>,
    orgs: &[EngineOrg],
    metric: usize,
    published: &HashSet<CohortKey>,
    attributes: &BTreeMap<i64, Attributes>,
    first: bool,
    k: usize,
) {
    let reported: BTreeMap<i64, f64> = orgs
        .iter()
        .filter_map(|org| org.values[metric].map(|value| (org.id, value)))
        .collect();
    let mut overdue = Vec::new();
    for (id, entry) in roster.iter_mut() {
        match reported.get(id) {
            Some(&value) => *entry = Entry { value, carried: 0 },
            None => {
                entry.carried += 1;
                if entry.carried > CARRY_QUARTERS {
                    overdue.push(*id);
                }
            }
        }
    }
    let joining: Vec<i64> = reported
        .keys()
        .filter(|id| !roster.contains_key(id))
        .copied()
        .collect();
    let (joining, overdue) = if first {
        (joining, overdue)
    } else {
        (
            in_batches(joining, published, attributes, k),
            in_batches(overdue, published, attributes, k),
        )
    };
    for id in overdue {
        roster.remove(&id);
    }
    for id in joining {
        roster.insert(
            id,
            Entry {
                value: reported[&id],
                carried: 0,
            },
        );
    }
}

/// The largest part of `candidates` that every cohort of `published` gains (or loses) either
/// none of or at least `k` of: cohorts with 1 to k − 1 of them send those back, until none has.
fn in_batches(
    mut candidates: Vec<i64>,
    published: &HashSet<CohortKey>,
    attributes: &BTreeMap<i64, Attributes>,
    k: usize,
) -> Vec<i64> {
    loop {
        let before = candidates.len();
        for &cohort in published {
            let inside = candidates
                .iter()
                .filter(|id| attributes[id].in_cohort(cohort))
                .count();
            if (1..k).contains(&inside) {
                candidates.retain(|id| !attributes[id].in_cohort(cohort));
            }
        }
        if candidates.len() == before {
            return candidates;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::cohort::{Delivery, Region, SeatBand, Vertical, WfhBand};
    use std::collections::HashMap;

    fn org(id: i64, region: Region, value: Option<f64>) -> EngineOrg {
        EngineOrg {
            id,
            attributes: Attributes {
                seat_band: SeatBand::Lt250,
                region,
                verticals: vec![Vertical::Banking],
                delivery: Delivery::Onshore,
                wfh_band: WfhBand::None,
            },
            values: vec![value; CATALOGUE.len()],
        }
    }

    fn release(orgs: Vec<EngineOrg>, cohorts: &[CohortKey]) -> PastRelease {
        let published: HashMap<(CohortKey, usize), bool> = cohorts
            .iter()
            .flat_map(|&c| (0..CATALOGUE.len()).map(move |m| ((c, m), true)))
            .collect();
        PastRelease { orgs, published }
    }

    #[test]
    fn one_joiner_waits_until_k_join_and_a_missing_value_is_carried() {
        let latam = CohortKey::Region(Region::Latam);
        let first: Vec<EngineOrg> = (0..12).map(|i| org(i, Region::Latam, Some(50.0))).collect();
        // Quarter 2: one organisation joins; organisation 0 reports nothing.
        let mut second: Vec<EngineOrg> =
            (1..13).map(|i| org(i, Region::Latam, Some(60.0))).collect();
        let history = vec![release(first, &[CohortKey::All, latam])];
        let counted = effective(&second, &history, 10);
        let ids: Vec<i64> = counted.iter().map(|o| o.id).collect();
        assert_eq!(ids, (0..12).collect::<Vec<_>>(), "the joiner waits");
        assert_eq!(
            counted[0].values[0],
            Some(50.0),
            "0's last value is carried"
        );
        assert_eq!(counted[1].values[0], Some(60.0));
        // Quarter 3: ten join at once (and 12 again): all of them count.
        let history = vec![
            history[0].clone(),
            release(second.clone(), &[CohortKey::All, latam]),
        ];
        second.extend((13..22).map(|i| org(i, Region::Latam, Some(70.0))));
        let counted = effective(&second, &history, 10);
        assert_eq!(counted.len(), 22);
    }

    #[test]
    fn a_value_is_carried_for_four_releases_then_leaves_only_in_a_batch() {
        let everyone: Vec<EngineOrg> = (0..20).map(|i| org(i, Region::Europe, Some(1.0))).collect();
        let without_0: Vec<EngineOrg> = everyone[1..].to_vec();
        let mut history = vec![release(everyone.clone(), &[CohortKey::All])];
        for _ in 0..CARRY_QUARTERS {
            assert_eq!(effective(&without_0, &history, 10).len(), 20);
            history.push(release(without_0.clone(), &[CohortKey::All]));
        }
        // Overdue, but alone: it stays until k leave together.
        assert_eq!(effective(&without_0, &history, 10).len(), 20);
    }
}
