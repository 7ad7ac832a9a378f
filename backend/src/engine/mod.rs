//! The benchmark engine: computes every cell (cohort × metric) of the lattice for a period
//! and the shares meeting a standard's requirements, under anonymity policy v2. Pure: no I/O,
//! so it can be tested exhaustively and benchmarked on its own.
//!
//! Cells, in the order applied per metric:
//! 1. A cell with fewer than k contributing organisations is suppressed (`too_few`).
//! 2. For two published cells whose contributor sets nest (one contains the other), the
//!    organisations in the larger but not the smaller must number 0 or at least k; otherwise
//!    the smaller is suppressed (`complement`). Containment is checked on the actual sets, so
//!    it also catches cells that happen to nest in this period's data.
//! 3. In a partition dimension (size, region, delivery, work from home), if exactly one cell
//!    with contributors is suppressed, the published cell with the fewest contributors is
//!    suppressed too (`secondary`). Verticals overlap, so they form no partition.
//! 4. Published cells of numeric metrics carry P25, P50, P75 and the mean; P10 and P90 only
//!    from 2k contributors (and at least 11, so that they never weight an extreme).
//!    Percentiles interpolate linearly between order statistics; everything is rounded to the
//!    metric's precision; the count is published as a band. Minimum and maximum never are.
//!
//! Shares ("x of n": the share answering yes to a yes/no metric, the share meeting a
//! requirement) start from the cells above and add, see [`hold_back_shares`]:
//! 5. At least k organisations meet and at least k miss, in the cell and in the difference of
//!    every pair of nested published cells; otherwise the (smaller) cell's share is held back
//!    (`dominance`). Partitions are protected as in 3.
//! 6. A share is published as a band at least 10 points wide ([`shared::benchmark::share_band`]),
//!    never as an exact percent. Yes/no cells publish only that band: their percentiles and
//!    mean would count the "no" answers.

use shared::benchmark::{SuppressionReason, n_band, share_band};
use shared::catalogue::{CATALOGUE, Metric, Unit};
use shared::cohort::{CohortKey, Delivery, Dimension, Region, SeatBand, Vertical, WfhBand};
use std::collections::HashMap;

mod linear;
pub mod roster;

/// An organisation's cohort attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    pub seat_band: SeatBand,
    pub region: Region,
    pub verticals: Vec<Vertical>,
    pub delivery: Delivery,
    pub wfh_band: WfhBand,
}

impl Attributes {
    pub fn in_cohort(&self, cohort: CohortKey) -> bool {
        match cohort {
            CohortKey::All => true,
            CohortKey::Size(band) => self.seat_band == band,
            CohortKey::Region(region) => self.region == region,
            CohortKey::Vertical(vertical) => self.verticals.contains(&vertical),
            CohortKey::Delivery(delivery) => self.delivery == delivery,
            CohortKey::Wfh(band) => self.wfh_band == band,
        }
    }
}

impl From<&shared::account::Organisation> for Attributes {
    fn from(org: &shared::account::Organisation) -> Self {
        Attributes {
            seat_band: org.seat_band,
            region: org.region,
            verticals: org.verticals.clone(),
            delivery: org.delivery,
            wfh_band: org.wfh_band,
        }
    }
}

/// One verified organisation's values for the period, in catalogue order.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineOrg {
    /// The organisation's id: the same organisation in two quarters has the same id.
    pub id: i64,
    pub attributes: Attributes,
    pub values: Vec<Option<f64>>,
}

/// Published statistics of a cell: the distribution of a numeric metric, or the share
/// answering yes to a yes/no metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Statistics {
    pub n_band: String,
    pub p10: Option<f64>,
    pub p25: Option<f64>,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p90: Option<f64>,
    pub mean: Option<f64>,
    pub share_band: Option<&'static str>,
}

/// The outcome of one cell.
#[derive(Debug, Clone, PartialEq)]
pub enum CellOutcome {
    Published(Statistics),
    Suppressed(SuppressionReason),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub cohort: CohortKey,
    /// Index into the catalogue.
    pub metric: usize,
    pub outcome: CellOutcome,
}

/// Everything a release stores.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseResult {
    /// Cohort-major, in lattice then catalogue order.
    pub cells: Vec<Cell>,
    /// Per cohort (lattice order): organisations with any value, as a band; `None` below k.
    pub cohort_bands: Vec<(CohortKey, Option<String>)>,
}

impl ReleaseResult {
    /// How many cells are published (the rest are held back).
    pub fn published_count(&self) -> usize {
        self.cells
            .iter()
            .filter(|cell| matches!(cell.outcome, CellOutcome::Published(_)))
            .count()
    }

    /// Why the cell of `cohort` and catalogue index `metric` is held back; `None` when published.
    pub fn held_back(&self, cohort: CohortKey, metric: usize) -> Option<SuppressionReason> {
        self.cells
            .iter()
            .find(|cell| cell.cohort == cohort && cell.metric == metric)
            .and_then(|cell| match cell.outcome {
                CellOutcome::Published(_) => None,
                CellOutcome::Suppressed(reason) => Some(reason),
            })
    }
}

/// The value at percentile `p` (0–100) of ascending `sorted` values: linear interpolation
/// between the order statistics around rank `(n − 1)·p/100` (Hyndman–Fan type 7, as
/// DuckDB's `quantile_cont` and NumPy's default).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    debug_assert!(!sorted.is_empty());
    let rank = (sorted.len() - 1) as f64 * p / 100.0;
    let lower = rank.floor() as usize;
    let upper = (lower + 1).min(sorted.len() - 1);
    sorted[lower] + (rank - lower as f64) * (sorted[upper] - sorted[lower])
}

/// A fixed-size set of organisation indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(len: usize) -> Self {
        Bits(vec![0; len.div_ceil(64)])
    }

    fn insert(&mut self, index: usize) {
        self.0[index / 64] |= 1 << (index % 64);
    }

    fn contains(&self, index: usize) -> bool {
        self.0[index / 64] & (1 << (index % 64)) != 0
    }

    fn and(&self, other: &Bits) -> Bits {
        Bits(self.0.iter().zip(&other.0).map(|(a, b)| a & b).collect())
    }

    fn count(&self) -> usize {
        self.0.iter().map(|word| word.count_ones() as usize).sum()
    }

    /// How many of these are not in `other`.
    fn count_without(&self, other: &Bits) -> usize {
        self.0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| (a & !b).count_ones() as usize)
            .sum()
    }

    fn is_subset_of(&self, other: &Bits) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| a & !b == 0)
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(word_index, &word)| {
            (0..64)
                .filter(move |bit| word & (1 << bit) != 0)
                .map(move |bit| word_index * 64 + bit)
        })
    }
}

/// Two sets "differ by few" when 1 to k − 1 organisations are in one but not the other
/// (their symmetric difference): comparing figures computed over the two would single those few
/// out. A small cohort beside a large overlapping one differs by many: the difference of their
/// sums mixes the few with the many.
fn differ_by_few(a: &Bits, b: &Bits, k: usize) -> bool {
    (1..k).contains(&(a.count_without(b) + b.count_without(a)))
}

/// Every organisation the engine sees, in this release and the earlier ones, by id: one slot
/// each, so that the same organisation is the same member of every set.
struct Universe(Vec<i64>);

impl Universe {
    fn new(orgs: &[EngineOrg], history: &[PastRelease]) -> Self {
        let mut ids: Vec<i64> = orgs
            .iter()
            .chain(history.iter().flat_map(|release| &release.orgs))
            .map(|org| org.id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Universe(ids)
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn slots(&self, orgs: &[EngineOrg]) -> Vec<usize> {
        orgs.iter()
            .map(|org| {
                self.0
                    .binary_search(&org.id)
                    .expect("every id is in the universe")
            })
            .collect()
    }
}

/// The organisations of each cohort (lattice order), as bit sets over the universe.
fn cohort_members(
    orgs: &[EngineOrg],
    slots: &[usize],
    universe: usize,
    cohorts: &[CohortKey],
) -> Vec<Bits> {
    cohorts
        .iter()
        .map(|&cohort| {
            let mut bits = Bits::new(universe);
            for (org, &slot) in orgs.iter().zip(slots) {
                if org.attributes.in_cohort(cohort) {
                    bits.insert(slot);
                }
            }
            bits
        })
        .collect()
}

/// The organisations that reported catalogue metric `metric`, and those of them whose value
/// satisfies `meets`, over the universe.
fn reporting(
    orgs: &[EngineOrg],
    slots: &[usize],
    universe: usize,
    metric: usize,
    meets: impl Fn(f64) -> bool,
) -> (Bits, Bits) {
    let (mut reported, mut meeting) = (Bits::new(universe), Bits::new(universe));
    for (org, &slot) in orgs.iter().zip(slots) {
        if let Some(value) = org.values[metric] {
            reported.insert(slot);
            if meets(value) {
                meeting.insert(slot);
            }
        }
    }
    (reported, meeting)
}

fn is_partition(dimension: Dimension) -> bool {
    matches!(
        dimension,
        Dimension::Size | Dimension::Region | Dimension::Delivery | Dimension::Wfh
    )
}

/// What an earlier release published, as far as a later one must not compose with it: the
/// contributors it froze and, for each published cell, whether it carries a mean.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PastRelease {
    pub orgs: Vec<EngineOrg>,
    /// (cohort, catalogue index) of each published cell → whether it published a mean.
    pub published: HashMap<(CohortKey, usize), bool>,
}

/// The contributor sets of one past release's published cells, per metric.
struct PastSets {
    members: Vec<Bits>,
    slots: Vec<usize>,
}

/// Computes every cell of the lattice for `orgs` under threshold `k`, as the first release.
pub fn compute(orgs: &[EngineOrg], k: usize) -> ReleaseResult {
    compute_after(orgs, k, &[])
}

/// Computes every cell of the lattice for `orgs` under threshold `k`, such that nothing
/// published composes with what the releases in `history` published (rules in the module
/// documentation). Values are snapped to each metric's display precision first.
pub fn compute_after(orgs: &[EngineOrg], k: usize, history: &[PastRelease]) -> ReleaseResult {
    let cohorts: Vec<CohortKey> = CohortKey::lattice().collect();
    let snap = |orgs: &[EngineOrg]| orgs.iter().map(on_the_grid).collect::<Vec<_>>();
    let frozen: Vec<PastRelease> = history
        .iter()
        .map(|release| PastRelease {
            orgs: snap(&release.orgs),
            published: release.published.clone(),
        })
        .collect();
    // Who counted in each earlier release, and who counts in this one (the rosters).
    let history: Vec<PastRelease> = (0..frozen.len())
        .map(|index| PastRelease {
            orgs: roster::effective(&frozen[index].orgs, &frozen[..index], k),
            published: frozen[index].published.clone(),
        })
        .collect();
    let history = history.as_slice();
    let (orgs, carried) = roster::build(&snap(orgs), &frozen, k);
    let orgs = orgs.as_slice();
    let universe = Universe::new(orgs, history);
    let slots = universe.slots(orgs);
    let members = cohort_members(orgs, &slots, universe.len(), &cohorts);
    let past: Vec<PastSets> = history
        .iter()
        .map(|release| {
            let slots = universe.slots(&release.orgs);
            PastSets {
                members: cohort_members(&release.orgs, &slots, universe.len(), &cohorts),
                slots,
            }
        })
        .collect();

    let cohort_bands = cohorts
        .iter()
        .zip(&members)
        .map(|(&cohort, bits)| {
            let n = orgs
                .iter()
                .zip(&slots)
                .filter(|&(org, &slot)| {
                    bits.contains(slot) && org.values.iter().any(Option::is_some)
                })
                .count();
            (cohort, (n >= k).then(|| n_band(n, k)))
        })
        .collect();

    let context = Context {
        orgs,
        slots: &slots,
        universe: universe.len(),
        cohorts: &cohorts,
        members: &members,
        history,
        past: &past,
        carried: &carried,
        k,
    };
    // Metrics are independent: spread them over the machine's cores.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(CATALOGUE.len());
    let chunk = CATALOGUE.len().div_ceil(threads);
    let per_metric: Vec<Vec<CellOutcome>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..CATALOGUE.len())
            .step_by(chunk)
            .map(|start| {
                let context = &context;
                scope.spawn(move || {
                    (start..(start + chunk).min(CATALOGUE.len()))
                        .map(|index| context.metric_cells(index))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("engine worker"))
            .collect()
    });

    let mut cells = Vec::with_capacity(cohorts.len() * CATALOGUE.len());
    for (cohort_index, &cohort) in cohorts.iter().enumerate() {
        for (metric, outcomes) in per_metric.iter().enumerate() {
            cells.push(Cell {
                cohort,
                metric,
                outcome: outcomes[cohort_index].clone(),
            });
        }
    }
    ReleaseResult {
        cells,
        cohort_bands,
    }
}

/// The organisations that count in the release after `history`, whose frozen contributors are
/// `orgs` (the roster, [`roster::effective`]), with values on the grid: what the release's cells
/// and every share computed for it later are computed from.
pub fn counted(orgs: &[EngineOrg], k: usize, history: &[PastRelease]) -> Vec<EngineOrg> {
    let snapped: Vec<EngineOrg> = orgs.iter().map(on_the_grid).collect();
    roster::effective(&snapped, history, k)
}

/// An organisation with every value rounded to its metric's display precision (rule 6: values
/// live on the grid, so that `≥ t` and `≤ t − step` are complements).
fn on_the_grid(org: &EngineOrg) -> EngineOrg {
    EngineOrg {
        values: org
            .values
            .iter()
            .zip(CATALOGUE.iter())
            .map(|(value, metric)| value.map(|v| metric.round(v)))
            .collect(),
        ..org.clone()
    }
}

/// What every metric's computation shares.
struct Context<'a> {
    orgs: &'a [EngineOrg],
    slots: &'a [usize],
    universe: usize,
    cohorts: &'a [CohortKey],
    members: &'a [Bits],
    history: &'a [PastRelease],
    past: &'a [PastSets],
    /// (organisation id, catalogue index) of the values carried from an earlier release.
    carried: &'a std::collections::HashSet<(i64, usize)>,
    k: usize,
}

impl Context<'_> {
    /// The contributor sets of `metric`'s published cells in the earlier releases, with
    /// whether each published a mean.
    fn past_cells(&self, metric: usize) -> Vec<(Bits, bool)> {
        let mut cells = Vec::new();
        for (release, sets) in self.history.iter().zip(self.past) {
            let (reported, _) =
                reporting(&release.orgs, &sets.slots, self.universe, metric, |_| false);
            for (cohort, bits) in self.cohorts.iter().zip(&sets.members) {
                if let Some(&mean) = release.published.get(&(*cohort, metric)) {
                    cells.push((bits.and(&reported), mean));
                }
            }
        }
        cells
    }

    /// The outcomes of one metric for every cohort (lattice order).
    fn metric_cells(&self, metric_index: usize) -> Vec<CellOutcome> {
        let (orgs, cohorts, k) = (self.orgs, self.cohorts, self.k);
        let metric = &CATALOGUE[metric_index];
        let yes_no = metric.unit == Unit::Boolean;
        let (reported, yes) = reporting(orgs, self.slots, self.universe, metric_index, |value| {
            value >= 0.5
        });
        let contributors: Vec<Bits> = self
            .members
            .iter()
            .map(|bits| bits.and(&reported))
            .collect();
        let counts: Vec<usize> = contributors.iter().map(Bits::count).collect();
        let mut suppressed: Vec<Option<SuppressionReason>> = counts
            .iter()
            .map(|&n| (n < k).then_some(SuppressionReason::TooFew))
            .collect();

        // Rule 2: two published cells never differ by 1 to k − 1 organisations.
        hold_back_overlapping(&contributors, &counts, &mut suppressed, k);
        // Rule 3: nor does a published cell differ so from a cell published in an earlier
        // release (an organisation joining or leaving between two quarters), and at least k of
        // its contributors reported for this quarter (carried values only complete it: with
        // fewer fresh ones, the figures would move by the change of those few).
        let past = self.past_cells(metric_index);
        let mut fresh = Bits::new(self.universe);
        for (org, &slot) in orgs.iter().zip(self.slots) {
            if org.values[metric_index].is_some() && !self.carried.contains(&(org.id, metric_index))
            {
                fresh.insert(slot);
            }
        }
        for cell in 0..cohorts.len() {
            if suppressed[cell].is_none()
                && (contributors[cell].and(&fresh).count() < k
                    || past
                        .iter()
                        .any(|(set, _)| differ_by_few(&contributors[cell], set, k)))
            {
                suppressed[cell] = Some(SuppressionReason::History);
            }
        }
        // Rule 4: the held-back cells of a partition with contributors are never one alone, nor
        // fewer than k organisations together.
        protect_partitions(cohorts, &counts, &mut suppressed, k);

        // Yes/no cells are shares of "yes" and follow the share rules too.
        let answering_yes: Vec<Bits> = if yes_no {
            let answering_yes: Vec<Bits> = contributors.iter().map(|bits| bits.and(&yes)).collect();
            hold_back_shares(cohorts, &contributors, &answering_yes, &mut suppressed, k);
            answering_yes
        } else {
            Vec::new()
        };
        // Rule 5: means, only where no combination of published sums exposes anyone.
        let with_mean = if yes_no {
            vec![false; cohorts.len()]
        } else {
            audit_means(&contributors, &counts, &suppressed, &past, self.universe, k)
        };
        // Numeric cells need the values in order; yes/no cells only the counts above.
        let mut by_value: Vec<(f64, usize)> = if yes_no {
            Vec::new()
        } else {
            orgs.iter()
                .zip(self.slots)
                .filter_map(|(org, &slot)| org.values[metric_index].map(|value| (value, slot)))
                .collect()
        };
        by_value.sort_by(|a, b| a.0.total_cmp(&b.0));
        (0..cohorts.len())
            .map(|cell| match suppressed[cell] {
                Some(reason) => CellOutcome::Suppressed(reason),
                None if yes_no => CellOutcome::Published(Statistics {
                    n_band: n_band(counts[cell], k),
                    p10: None,
                    p25: None,
                    p50: None,
                    p75: None,
                    p90: None,
                    mean: None,
                    share_band: Some(share_band(answering_yes[cell].count(), counts[cell])),
                }),
                None => {
                    let values: Vec<f64> = by_value
                        .iter()
                        .filter(|&&(_, slot)| contributors[cell].contains(slot))
                        .map(|&(value, _)| value)
                        .collect();
                    CellOutcome::Published(statistics(&values, metric, k, with_mean[cell]))
                }
            })
            .collect()
    }
}

/// Rule 2: for every pair of published cells that differ by 1 to k − 1 organisations (in one and
/// not the other), holds back the smaller (`complement`). Nested pairs are the case of one
/// empty side.
/// Holding back a cell never creates a new violation, so one pass over the pairs suffices.
fn hold_back_overlapping(
    contributors: &[Bits],
    counts: &[usize],
    suppressed: &mut [Option<SuppressionReason>],
    k: usize,
) {
    for larger in 0..contributors.len() {
        for smaller in 0..contributors.len() {
            if larger == smaller || suppressed[larger].is_some() || suppressed[smaller].is_some() {
                continue;
            }
            if (counts[smaller], smaller) < (counts[larger], larger)
                && differ_by_few(&contributors[larger], &contributors[smaller], k)
            {
                suppressed[smaller] = Some(SuppressionReason::Complement);
            }
        }
    }
}

/// Rule 5: which published cells may carry a mean. A mean with the cell's count is the sum of
/// its contributors' values; the sums published in earlier releases count too, as if every
/// organisation's value were the same each quarter (the worst case). Cells are taken from the
/// largest; a cell whose sum would let some combination determine one organisation's value,
/// or one organisation's value from another's (a member subtracting its own), publishes its
/// percentiles without the mean. Only cells with at least `k_tails(k)` contributors qualify.
fn audit_means(
    contributors: &[Bits],
    counts: &[usize],
    suppressed: &[Option<SuppressionReason>],
    past: &[(Bits, bool)],
    universe: usize,
    k: usize,
) -> Vec<bool> {
    let tails = shared::benchmark::k_tails(k as u32) as usize;
    let mut with_mean = vec![false; contributors.len()];
    let mut candidates: Vec<usize> = (0..contributors.len())
        .filter(|&cell| suppressed[cell].is_none() && counts[cell] >= tails)
        .collect();
    if candidates.is_empty() {
        return with_mean;
    }
    candidates.sort_by_key(|&cell| (std::cmp::Reverse(counts[cell]), cell));
    let mut space = linear::RowSpace::new(universe);
    for (set, mean) in past {
        if *mean {
            space.add(set.iter());
        }
    }
    let mut exposed = space.exposures();
    // Exposure only grows with rows (a bigger row space holds every unit vector the smaller
    // one did). So when every candidate together exposes nobody new, each subset does not
    // either and the greedy pass below would keep them all: one elimination instead of one
    // per candidate, the usual case of a large consortium.
    let mut everything = space.clone();
    for &cell in &candidates {
        everything.add(contributors[cell].iter());
    }
    if everything.exposures().is_subset(&exposed) {
        for cell in candidates {
            with_mean[cell] = true;
        }
        return with_mean;
    }
    for cell in candidates {
        let mut trial = space.clone();
        if !trial.add(contributors[cell].iter()) {
            with_mean[cell] = true;
            continue;
        }
        let after = trial.exposures();
        if after.is_subset(&exposed) {
            (space, exposed) = (trial, after);
            with_mean[cell] = true;
        }
    }
    with_mean
}

/// For every pair of published cells whose contributor sets nest (`smaller` ⊆ `larger`) and
/// where `violates(larger, smaller)`, holds back the smaller with `reason`. Holding back a cell
/// never creates a new violation, so one pass over the pairs suffices.
fn hold_back_nested(
    contributors: &[Bits],
    counts: &[usize],
    suppressed: &mut [Option<SuppressionReason>],
    reason: SuppressionReason,
    violates: impl Fn(usize, usize) -> bool,
) {
    for larger in 0..contributors.len() {
        for smaller in 0..contributors.len() {
            if larger == smaller || suppressed[larger].is_some() || suppressed[smaller].is_some() {
                continue;
            }
            if counts[smaller] <= counts[larger]
                && violates(larger, smaller)
                && contributors[smaller].is_subset_of(&contributors[larger])
            {
                suppressed[smaller] = Some(reason);
            }
        }
    }
}

/// Rule 4: in each partition dimension, the held-back cells with contributors are never exactly
/// one, nor fewer than k organisations together, beside published ones: the published cell with
/// the fewest contributors is held back too (`secondary`), as often as needed. Otherwise the
/// whole (`all`) minus the published parts would give the held-back rest.
fn protect_partitions(
    cohorts: &[CohortKey],
    counts: &[usize],
    suppressed: &mut [Option<SuppressionReason>],
    k: usize,
) {
    for dimension in Dimension::ALL.iter().copied().filter(|&d| is_partition(d)) {
        let cells: Vec<usize> = (0..cohorts.len())
            .filter(|&i| cohorts[i].dimension() == dimension)
            .collect();
        loop {
            let (hidden, hidden_n) = cells
                .iter()
                .filter(|&&i| suppressed[i].is_some() && counts[i] > 0)
                .fold((0, 0), |(cells, n), &i| (cells + 1, n + counts[i]));
            if hidden == 0 || (hidden > 1 && hidden_n >= k) {
                break;
            }
            let smallest_published = cells
                .iter()
                .copied()
                .filter(|&i| suppressed[i].is_none())
                .min_by_key(|&i| (counts[i], i));
            match smallest_published {
                Some(i) => suppressed[i] = Some(SuppressionReason::Secondary),
                None => break,
            }
        }
    }
}

/// Policy v2 for shares. `contributors` are the organisations behind each cell (lattice order),
/// `meeting` those of them the share counts, `suppressed` the cells' outcome so far; adds the
/// shares that must be held back:
/// - each side: fewer than k meet or fewer than k miss → `dominance`;
/// - nested differences: for published cells whose sets nest and differ, the organisations in
///   the larger but not the smaller must include at least k meeting and k missing, or the
///   smaller is held back (`dominance`), since subtracting the two shares would count the few;
/// - partitions: rule 3, and the held-back cells of a partition together must also have k on
///   each side, or the next-smallest published cell joins them (`secondary`): with the
///   industry's share, the published parts would otherwise count the hidden rest.
fn hold_back_shares(
    cohorts: &[CohortKey],
    contributors: &[Bits],
    meeting: &[Bits],
    suppressed: &mut [Option<SuppressionReason>],
    k: usize,
) {
    let n: Vec<usize> = contributors.iter().map(Bits::count).collect();
    let m: Vec<usize> = meeting.iter().map(Bits::count).collect();
    for cell in 0..cohorts.len() {
        if suppressed[cell].is_none() && (m[cell] < k || n[cell] - m[cell] < k) {
            suppressed[cell] = Some(SuppressionReason::Dominance);
        }
    }
    hold_back_nested(
        contributors,
        &n,
        suppressed,
        SuppressionReason::Dominance,
        |larger, smaller| {
            // Called before the subset test: unrelated sets may have m[smaller] > m[larger].
            let difference = n[larger] - n[smaller];
            m[larger]
                .checked_sub(m[smaller])
                .is_some_and(|meeting| difference > 0 && (meeting < k || difference < meeting + k))
        },
    );
    protect_partitions(cohorts, &n, suppressed, k);
    for dimension in Dimension::ALL.iter().copied().filter(|&d| is_partition(d)) {
        let cells: Vec<usize> = (0..cohorts.len())
            .filter(|&i| cohorts[i].dimension() == dimension)
            .collect();
        loop {
            let hidden = cells
                .iter()
                .filter(|&&i| suppressed[i].is_some() && n[i] > 0);
            let (hidden_n, hidden_m) =
                hidden.fold((0, 0), |(n_sum, m_sum), &i| (n_sum + n[i], m_sum + m[i]));
            if hidden_n == 0 || (hidden_m >= k && hidden_n - hidden_m >= k) {
                break;
            }
            let smallest_published = cells
                .iter()
                .copied()
                .filter(|&i| suppressed[i].is_none() && n[i] > 0)
                .min_by_key(|&i| (n[i], i));
            match smallest_published {
                Some(i) => suppressed[i] = Some(SuppressionReason::Secondary),
                None => break,
            }
        }
    }
}

/// The published statistics of a numeric metric's cell, rounded to the metric's precision.
fn statistics(sorted: &[f64], metric: &Metric, k: usize, with_mean: bool) -> Statistics {
    let n = sorted.len();
    let at = |p: f64| metric.round(percentile(sorted, p));
    let wide = n >= shared::benchmark::k_tails(k as u32) as usize;
    Statistics {
        n_band: n_band(n, k),
        p10: wide.then(|| at(10.0)),
        p25: Some(at(25.0)),
        p50: Some(at(50.0)),
        p75: Some(at(75.0)),
        p90: wide.then(|| at(90.0)),
        mean: (wide && with_mean).then(|| metric.round(sorted.iter().sum::<f64>() / n as f64)),
        share_band: None,
    }
}

/// The share of organisations meeting one requirement of a standard in one cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareCell {
    pub cohort: CohortKey,
    /// Index of the requirement in the standard.
    pub requirement: usize,
    pub outcome: ShareOutcome,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ShareOutcome {
    Published {
        n_band: String,
        share_band: &'static str,
    },
    Suppressed(SuppressionReason),
}

/// Shares meeting each requirement, per cohort, from the period's frozen contributors. A share
/// starts from the metric's stored cell (`held_back(cohort, metric index)`): wherever the cell
/// is held back, so is the share, with the cell's reason; the share rules of
/// [`hold_back_shares`] then apply, and what remains is published as a band.
pub fn compliance_shares(
    orgs: &[EngineOrg],
    held_back: impl Fn(CohortKey, usize) -> Option<SuppressionReason>,
    requirements: &[shared::standard::Requirement],
    k: usize,
) -> Vec<ShareCell> {
    let cohorts: Vec<CohortKey> = CohortKey::lattice().collect();
    let orgs: Vec<EngineOrg> = orgs.iter().map(on_the_grid).collect();
    let slots: Vec<usize> = (0..orgs.len()).collect();
    let members = cohort_members(&orgs, &slots, orgs.len(), &cohorts);
    let mut shares = Vec::new();
    for (index, requirement) in requirements.iter().enumerate() {
        let Some(metric) = CATALOGUE.iter().position(|m| m.key == requirement.metric) else {
            continue;
        };
        let (reported, meets) = reporting(&orgs, &slots, orgs.len(), metric, |value| {
            requirement.assess(value).0
        });
        let contributors: Vec<Bits> = members.iter().map(|bits| bits.and(&reported)).collect();
        let meeting: Vec<Bits> = contributors.iter().map(|bits| bits.and(&meets)).collect();
        let mut suppressed: Vec<Option<SuppressionReason>> = cohorts
            .iter()
            .map(|&cohort| held_back(cohort, metric))
            .collect();
        hold_back_shares(&cohorts, &contributors, &meeting, &mut suppressed, k);
        for (cell, &cohort) in cohorts.iter().enumerate() {
            let outcome = match suppressed[cell] {
                Some(reason) => ShareOutcome::Suppressed(reason),
                None => ShareOutcome::Published {
                    n_band: n_band(contributors[cell].count(), k),
                    share_band: share_band(meeting[cell].count(), contributors[cell].count()),
                },
            };
            shares.push(ShareCell {
                cohort,
                requirement: index,
                outcome,
            });
        }
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_order_statistics() {
        let values = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&values, 0.0), 1.0);
        assert_eq!(percentile(&values, 100.0), 4.0);
        assert_eq!(percentile(&values, 50.0), 2.5);
        assert_eq!(percentile(&values, 25.0), 1.75);
        assert_eq!(percentile(&[7.0], 90.0), 7.0);
    }

    use proptest::prelude::*;
    use shared::benchmark::SuppressionReason;

    /// The reference: the percentile of order statistic i is 100·i/(n − 1); in between, the
    /// value moves linearly.
    fn reference_percentile(sorted: &[f64], p: f64) -> f64 {
        let n = sorted.len();
        if n == 1 {
            return sorted[0];
        }
        let step = 100.0 / (n - 1) as f64;
        let i = ((p / step) as usize).min(n - 2);
        let fraction = (p - i as f64 * step) / step;
        sorted[i] * (1.0 - fraction) + sorted[i + 1] * fraction
    }

    fn org_strategy() -> impl Strategy<Value = EngineOrg> {
        (
            0..SeatBand::ALL.len(),
            0..Region::ALL.len(),
            proptest::collection::btree_set(0..Vertical::ALL.len(), 1..3),
            0..Delivery::ALL.len(),
            0..WfhBand::ALL.len(),
            proptest::collection::vec(
                proptest::option::weighted(0.85, 0.0..100.0f64),
                CATALOGUE.len(),
            ),
        )
            .prop_map(
                |(size, region, verticals, delivery, wfh, values)| EngineOrg {
                    id: 0,
                    attributes: Attributes {
                        seat_band: SeatBand::ALL[size],
                        region: Region::ALL[region],
                        verticals: verticals.into_iter().map(|v| Vertical::ALL[v]).collect(),
                        delivery: Delivery::ALL[delivery],
                        wfh_band: WfhBand::ALL[wfh],
                    },
                    // Yes/no metrics answer 1 or 0, mostly yes as members do.
                    values: values
                        .into_iter()
                        .zip(CATALOGUE.iter())
                        .map(|(value, metric)| match metric.unit {
                            Unit::Boolean => value.map(|v| if v < 80.0 { 1.0 } else { 0.0 }),
                            // Values live on the grid, as the server stores them.
                            _ => value.map(|v| metric.round(v)),
                        })
                        .collect(),
                },
            )
    }

    /// The organisations, with their indexes as ids.
    fn numbered(mut orgs: Vec<EngineOrg>) -> Vec<EngineOrg> {
        for (index, org) in orgs.iter_mut().enumerate() {
            org.id = index as i64;
        }
        orgs
    }

    /// Organisations with distinct ids (their indexes).
    fn orgs_strategy(count: std::ops::Range<usize>) -> impl Strategy<Value = Vec<EngineOrg>> {
        proptest::collection::vec(org_strategy(), count).prop_map(numbered)
    }

    /// Contributor indexes of a cell, computed without the engine's bit sets.
    fn contributors(orgs: &[EngineOrg], cohort: CohortKey, metric: usize) -> Vec<usize> {
        (0..orgs.len())
            .filter(|&i| orgs[i].attributes.in_cohort(cohort) && orgs[i].values[metric].is_some())
            .collect()
    }

    /// The band is one of the published bands and contains `n`.
    fn band_holds(band: &str, n: usize, k: usize) -> bool {
        let fixed = ["10-19", "20-49", "50-99", "100-249"];
        let (low, high) = match band.split_once('-') {
            Some((low, high)) if fixed.contains(&band) || (low == k.to_string() && high == "9") => {
                (low.parse().unwrap(), high.parse().unwrap())
            }
            None if band == "250+" => (250, usize::MAX),
            _ => return false,
        };
        (low..=high).contains(&n)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn percentiles_match_the_reference(
            mut values in proptest::collection::vec(-1e6..1e6f64, 1..200),
            p in 0.0..=100.0f64,
        ) {
            values.sort_by(f64::total_cmp);
            let (ours, reference) = (percentile(&values, p), reference_percentile(&values, p));
            prop_assert!((ours - reference).abs() <= 1e-6 * (1.0 + reference.abs()), "{ours} vs {reference}");
        }

        #[test]
        fn no_published_cell_can_single_out_an_organisation(
            orgs in orgs_strategy(0..120),
            k in 5usize..=12,
        ) {
            let result = compute(&orgs, k);
            let lattice: Vec<CohortKey> = CohortKey::lattice().collect();
            prop_assert_eq!(result.cells.len(), lattice.len() * CATALOGUE.len());
            for metric in 0..CATALOGUE.len() {
                let cells: Vec<(&Cell, Vec<usize>)> = result
                    .cells
                    .iter()
                    .filter(|cell| cell.metric == metric)
                    .map(|cell| (cell, contributors(&orgs, cell.cohort, metric)))
                    .collect();
                for (cell, members) in &cells {
                    match &cell.outcome {
                        CellOutcome::Published(stats) if CATALOGUE[metric].unit == Unit::Boolean => {
                            // Rule 5 and 6: a yes/no cell is a share with k on each side, as a band.
                            let yes = members.iter().filter(|&&i| orgs[i].values[metric] == Some(1.0)).count();
                            prop_assert!(yes >= k && members.len() - yes >= k, "{} of {} say yes", yes, members.len());
                            prop_assert_eq!(stats.share_band, Some(share_band(yes, members.len())));
                            prop_assert!(stats.p25.is_none() && stats.p50.is_none() && stats.mean.is_none());
                            prop_assert!(band_holds(&stats.n_band, members.len(), k), "{} for {}", stats.n_band, members.len());
                        }
                        CellOutcome::Published(stats) => {
                            // Rule 1 and 4: at least k contributors; P10/P90 only from 2k.
                            prop_assert!(members.len() >= k, "{:?} published with {}", cell.cohort, members.len());
                            let wide = members.len() >= (2 * k).max(11);
                            prop_assert_eq!(stats.p10.is_some(), wide);
                            prop_assert_eq!(stats.p90.is_some(), wide);
                            prop_assert!(band_holds(&stats.n_band, members.len(), k), "{} for {}", stats.n_band, members.len());
                            prop_assert!(stats.p25 <= stats.p50 && stats.p50 <= stats.p75);
                            prop_assert!(stats.share_band.is_none());
                        }
                        CellOutcome::Suppressed(SuppressionReason::TooFew) => {
                            prop_assert!(members.len() < k);
                        }
                        CellOutcome::Suppressed(_) => {}
                    }
                }
                // Rule 2: no two published nested cells differ by 1..k-1 organisations.
                let published: Vec<&Vec<usize>> = cells
                    .iter()
                    .filter(|(cell, _)| matches!(cell.outcome, CellOutcome::Published(_)))
                    .map(|(_, members)| members)
                    .collect();
                for larger in &published {
                    for smaller in &published {
                        if smaller.iter().all(|i| larger.contains(i)) {
                            let difference = larger.len() - smaller.len();
                            prop_assert!(difference == 0 || difference >= k, "nested cells differ by {difference}");
                        }
                    }
                }
                // Rule 3: no partition leaves exactly one suppressed cell with contributors next
                // to published ones (from which, with `all`, it could be recovered). With no
                // published cell in the dimension there is nothing to subtract.
                for dimension in [Dimension::Size, Dimension::Region, Dimension::Delivery, Dimension::Wfh] {
                    let in_dimension = || cells.iter().filter(|(cell, _)| cell.cohort.dimension() == dimension);
                    let hidden = in_dimension()
                        .filter(|(cell, members)| {
                            matches!(cell.outcome, CellOutcome::Suppressed(_)) && !members.is_empty()
                        })
                        .count();
                    let published = in_dimension()
                        .filter(|(cell, _)| matches!(cell.outcome, CellOutcome::Published(_)))
                        .count();
                    prop_assert!(hidden != 1 || published == 0, "{:?}", dimension);
                }
            }
        }
    }

    /// A random requirement on a rankable metric: ≥ or ≤ a threshold on the value grid for
    /// numeric metrics, = yes or = no for yes/no metrics.
    fn requirement_strategy() -> impl Strategy<Value = shared::standard::Requirement> {
        use shared::standard::{Comparison, Requirement, Tier};
        let rankable: Vec<usize> = (0..CATALOGUE.len())
            .filter(|&i| CATALOGUE[i].direction != shared::catalogue::Direction::Context)
            .collect();
        (
            proptest::sample::select(rankable),
            any::<bool>(),
            0.0..100.0f64,
        )
            .prop_map(|(metric, at_least, threshold)| {
                let metric = &CATALOGUE[metric];
                let (comparison, threshold) = if metric.unit == Unit::Boolean {
                    (Comparison::Equals, shared::MetricValue::Bool(at_least))
                } else if at_least {
                    (
                        Comparison::AtLeast,
                        shared::MetricValue::Number(metric.round(threshold)),
                    )
                } else {
                    (
                        Comparison::AtMost,
                        shared::MetricValue::Number(metric.round(threshold)),
                    )
                };
                Requirement {
                    metric: metric.key.clone(),
                    comparison,
                    threshold,
                    tier: Tier::Baseline,
                    rationale: "r".to_owned(),
                    references: vec![],
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Policy v2 on shares, checked from the raw data without the engine's bit sets: every
        /// published share has k meeting and k missing, in its cell and in the difference from
        /// every nested published cell; held back wherever its metric's cell is; published as
        /// the band of its exact share; and the hidden cells of a partition together have k on
        /// each side.
        #[test]
        fn no_published_share_or_difference_of_shares_rests_on_fewer_than_k(
            mut orgs in orgs_strategy(0..220),
            requirements in proptest::collection::vec(requirement_strategy(), 1..8),
            k in 5usize..=12,
            structure in 0..3u8,
        ) {
            // Values that follow a cohort, so that a threshold can put nearly everyone who meets
            // it into one cohort: the case where a cohort's share is sound on its own but its
            // difference from the industry's is not. 1: the seat band (a partition; band i
            // holds 20·i to 20·i + 20); 2: serving banking (verticals overlap: 80 to 100 for
            // those who do, 0 to 80 for the rest).
            for org in &mut orgs {
                let band = SeatBand::ALL.iter().position(|&b| b == org.attributes.seat_band).unwrap();
                let banking = org.attributes.verticals.contains(&Vertical::Banking);
                for (value, metric) in org.values.iter_mut().zip(CATALOGUE.iter()) {
                    if let (Some(value), false) = (value.as_mut(), metric.unit == Unit::Boolean) {
                        *value = metric.round(match (structure, banking) {
                            (1, _) => 20.0 * band as f64 + *value / 5.0,
                            (2, true) => 80.0 + *value / 5.0,
                            (2, false) => *value * 0.8,
                            _ => *value,
                        });
                    }
                }
            }
            let release = compute(&orgs, k);
            let shares = compliance_shares(&orgs, |c, m| release.held_back(c, m), &requirements, k);
            for (index, requirement) in requirements.iter().enumerate() {
                let metric = CATALOGUE.iter().position(|m| m.key == requirement.metric).unwrap();
                // (cohort, contributors, meeting) of every published share of the requirement.
                let mut published: Vec<(CohortKey, Vec<usize>, usize)> = Vec::new();
                let mut hidden: Vec<(CohortKey, Vec<usize>, usize)> = Vec::new();
                for share in shares.iter().filter(|s| s.requirement == index) {
                    let members = contributors(&orgs, share.cohort, metric);
                    let meeting = members
                        .iter()
                        .filter(|&&i| requirement.assess(orgs[i].values[metric].unwrap()).0)
                        .count();
                    match &share.outcome {
                        ShareOutcome::Published { n_band, share_band: band } => {
                            prop_assert!(release.held_back(share.cohort, metric).is_none());
                            prop_assert!(meeting >= k && members.len() - meeting >= k,
                                "{:?}: {} of {} meet", share.cohort, meeting, members.len());
                            prop_assert_eq!(*band, share_band(meeting, members.len()));
                            prop_assert!(band_holds(n_band, members.len(), k));
                            published.push((share.cohort, members, meeting));
                        }
                        ShareOutcome::Suppressed(_) => hidden.push((share.cohort, members, meeting)),
                    }
                }
                for (larger_cohort, larger, larger_meeting) in &published {
                    for (smaller_cohort, smaller, smaller_meeting) in &published {
                        if larger.len() > smaller.len() && smaller.iter().all(|i| larger.contains(i)) {
                            let (difference, meeting) = (larger.len() - smaller.len(), larger_meeting - smaller_meeting);
                            prop_assert!(meeting >= k && difference - meeting >= k,
                                "{:?} minus {:?}: {} of {} meet", larger_cohort, smaller_cohort, meeting, difference);
                        }
                    }
                }
                for dimension in [Dimension::Size, Dimension::Region, Dimension::Delivery, Dimension::Wfh] {
                    let (n, meeting) = hidden
                        .iter()
                        .filter(|(cohort, _, _)| cohort.dimension() == dimension)
                        .fold((0, 0), |(n, m), (_, members, meeting)| (n + members.len(), m + meeting));
                    let any_published = published.iter().any(|(cohort, _, _)| cohort.dimension() == dimension);
                    prop_assert!(n == 0 || !any_published || (meeting >= k && n - meeting >= k),
                        "{:?}: hidden cells hold {} of {}", dimension, meeting, n);
                }
            }
        }
    }

    /// Whether `target` lies in the span of `rows` (0/1 vectors over `n`), by Gaussian elimination
    /// modulo 1 000 000 007: written apart from the engine's own check, as a reference.
    fn in_span(rows: &[Vec<usize>], target: usize, n: usize) -> bool {
        const Q: u64 = 1_000_000_007;
        let power = |mut base: u64, mut exp: u64| {
            let mut result = 1u64;
            while exp > 0 {
                if exp & 1 == 1 {
                    result = result * base % Q;
                }
                base = base * base % Q;
                exp >>= 1;
            }
            result
        };
        let rank = |matrix: &mut Vec<Vec<u64>>| {
            let mut rank = 0;
            for column in 0..n {
                let Some(found) = (rank..matrix.len()).find(|&r| matrix[r][column] != 0) else {
                    continue;
                };
                matrix.swap(rank, found);
                let scale = power(matrix[rank][column], Q - 2);
                let pivot: Vec<u64> = matrix[rank].iter().map(|v| v * scale % Q).collect();
                for (r, row) in matrix.iter_mut().enumerate() {
                    if r != rank && row[column] != 0 {
                        let factor = row[column];
                        for (value, p) in row.iter_mut().zip(&pivot) {
                            *value = (*value + Q - factor * p % Q) % Q;
                        }
                    }
                }
                matrix[rank] = pivot;
                rank += 1;
            }
            rank
        };
        let mut matrix: Vec<Vec<u64>> = rows
            .iter()
            .map(|members| {
                let mut row = vec![0; n];
                for &m in members {
                    row[m] = 1;
                }
                row
            })
            .collect();
        let before = rank(&mut matrix.clone());
        let mut unit = vec![0; n];
        unit[target] = 1;
        matrix.push(unit);
        rank(&mut matrix) == before
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Policy v3 across quarters and cohorts: two or three releases of one consortium whose
        /// members join and leave at random, every value the same each quarter (the worst case
        /// for differencing). For every metric, no two published cells of any quarters differ by
        /// 1 to k − 1 organisations, each has k members reporting for its quarter (the rest are
        /// carried values), and no linear combination of the published means, with the
        /// exact counts an insider could know, determines one organisation's value.
        #[test]
        fn no_combination_of_published_cells_over_quarters_singles_out_an_organisation(
            mut orgs in orgs_strategy(20..130),
            unions in any::<bool>(),
            presence in proptest::collection::vec(proptest::collection::vec(proptest::bool::weighted(0.9), 130), 2..=3),
            k in 5usize..=10,
            metrics in proptest::collection::btree_set(0..CATALOGUE.len(), 2),
        ) {
            if unions {
                // Cohorts that are unions of others plus one: nearshore delivery is exactly the
                // Latin American and European centers, and one more (channel 5 of issue #23).
                for (index, org) in orgs.iter_mut().enumerate() {
                    org.attributes.region = match index % 3 {
                        _ if index == 0 => Region::NorthAmerica,
                        0 => Region::Latam,
                        1 => Region::Europe,
                        _ => org.attributes.region,
                    };
                    let near = matches!(org.attributes.region, Region::Latam | Region::Europe);
                    org.attributes.delivery = if near || index == 0 { Delivery::Nearshore } else { Delivery::Offshore };
                }
            }
            let mut history: Vec<PastRelease> = Vec::new();
            // Per metric: (quarter, contributor ids, has mean) of every published cell.
            let mut published: Vec<Vec<(usize, Vec<i64>, bool)>> = vec![Vec::new(); CATALOGUE.len()];
            for (quarter, present) in presence.iter().enumerate() {
                let quarter_orgs: Vec<EngineOrg> = orgs
                    .iter()
                    .zip(present)
                    .filter(|(_, here)| **here)
                    .map(|(org, _)| org.clone())
                    .collect();
                let result = compute_after(&quarter_orgs, k, &history);
                // The cells count the quarter's roster: reporters, carried values, waiting joiners.
                let (counted, carried) = roster::build(&quarter_orgs, &history, k);
                let mut cells = HashMap::new();
                for cell in &result.cells {
                    if let CellOutcome::Published(stats) = &cell.outcome {
                        cells.insert((cell.cohort, cell.metric), stats.mean.is_some());
                        let members: Vec<i64> = contributors(&counted, cell.cohort, cell.metric)
                            .into_iter()
                            .map(|i| counted[i].id)
                            .collect();
                        let fresh = members.iter().filter(|&&id| !carried.contains(&(id, cell.metric))).count();
                        prop_assert!(fresh >= k, "{} of a published cell reported for the quarter", fresh);
                        if let Some(mean) = stats.mean {
                            prop_assert!(members.len() >= (2 * k).max(11), "a mean of {}", members.len());
                            prop_assert!(mean.is_finite());
                        }
                        published[cell.metric].push((quarter, members, stats.mean.is_some()));
                    }
                }
                history.push(PastRelease { orgs: quarter_orgs, published: cells });
            }
            for metric in metrics {
                let cells = &published[metric];
                for (qa, a, _) in cells {
                    for (qb, b, _) in cells {
                        let differ = a.iter().filter(|i| !b.contains(i)).count()
                            + b.iter().filter(|i| !a.contains(i)).count();
                        prop_assert!(differ == 0 || differ >= k,
                            "a quarter-{} cell and a quarter-{} cell differ by {} organisations", qa, qb, differ);
                    }
                }
                let rows: Vec<Vec<usize>> = cells
                    .iter()
                    .filter(|(_, _, mean)| *mean)
                    .map(|(_, members, _)| members.iter().map(|&id| id as usize).collect())
                    .collect();
                if rows.is_empty() {
                    continue;
                }
                for org in 0..orgs.len() {
                    prop_assert!(!in_span(&rows, org, orgs.len()),
                        "the published means of {} determine organisation {}", CATALOGUE[metric].key, org);
                }
            }
        }
    }

    #[test]
    fn published_statistics_are_the_rounded_percentiles_and_never_the_extremes() {
        let orgs: Vec<EngineOrg> = (0..25)
            .map(|i| EngineOrg {
                id: i64::from(i),
                attributes: Attributes {
                    seat_band: SeatBand::Lt250,
                    region: Region::Europe,
                    verticals: vec![Vertical::Travel],
                    delivery: Delivery::Onshore,
                    wfh_band: WfhBand::None,
                },
                values: vec![Some(f64::from(i) * 4.0 + 0.04); CATALOGUE.len()],
            })
            .collect();
        let result = compute(&orgs, 10);
        let all = result
            .cells
            .iter()
            .find(|c| c.cohort == CohortKey::All && c.metric == 0)
            .unwrap();
        let CellOutcome::Published(stats) = &all.outcome else {
            panic!("all is published")
        };
        // Values 0.04, 4.04, …, 96.04; P10 at rank 2.4 → 9.64, P50 at rank 12 → 48.04.
        assert_eq!(stats.p10, Some(9.6));
        assert_eq!(stats.p50, Some(48.0));
        assert_eq!(stats.n_band, "20-49");
        assert!(stats.p10.unwrap() > 0.04 && stats.p90.unwrap() < 96.04);
        // Every organisation is in region:europe too: same set, difference 0, both published.
        let europe = result
            .cells
            .iter()
            .find(|c| c.cohort == CohortKey::Region(Region::Europe) && c.metric == 0)
            .unwrap();
        assert_eq!(europe.outcome, all.outcome);
    }

    #[test]
    fn compliance_shares_follow_the_metric_cells_suppression() {
        let org = |region: Region, mfa: f64| EngineOrg {
            id: 0,
            attributes: Attributes {
                seat_band: SeatBand::Lt250,
                region,
                verticals: vec![Vertical::Travel],
                delivery: Delivery::Onshore,
                wfh_band: WfhBand::None,
            },
            values: CATALOGUE
                .iter()
                .map(|m| (m.key == "mfa_coverage").then_some(mfa))
                .collect(),
        };
        let mut orgs: Vec<EngineOrg> = (0..24)
            .map(|i| org(Region::Latam, if i < 12 { 97.0 } else { 80.0 }))
            .collect();
        orgs.push(org(Region::Europe, 99.0));
        let orgs = numbered(orgs);
        let release = compute(&orgs, 10);
        let requirement = |threshold: f64| shared::standard::Requirement {
            metric: "mfa_coverage".to_owned(),
            comparison: shared::standard::Comparison::AtLeast,
            threshold: shared::MetricValue::Number(threshold),
            tier: shared::standard::Tier::Baseline,
            rationale: "r".to_owned(),
            references: vec![],
        };
        let shares = compliance_shares(
            &orgs,
            |c, m| release.held_back(c, m),
            &[requirement(95.0), requirement(98.0)],
            10,
        );
        let outcome = |requirement, cohort| {
            &shares
                .iter()
                .find(|s| s.requirement == requirement && s.cohort == cohort)
                .unwrap()
                .outcome
        };
        // 13 of 25 meet the bar: 52 %, published as the band 40–60.
        assert_eq!(
            outcome(0, CohortKey::All),
            &ShareOutcome::Published {
                n_band: "20-49".to_owned(),
                share_band: "40-60"
            }
        );
        assert_eq!(
            outcome(0, CohortKey::Region(Region::Europe)),
            &ShareOutcome::Suppressed(SuppressionReason::TooFew)
        );
        assert_eq!(
            outcome(0, CohortKey::Region(Region::Latam)),
            &ShareOutcome::Suppressed(SuppressionReason::Complement)
        );
        // Only the organisation at 99 % meets 98 %: one side has fewer than k.
        assert_eq!(
            outcome(1, CohortKey::All),
            &ShareOutcome::Suppressed(SuppressionReason::Dominance)
        );
    }

    #[test]
    fn a_share_whose_difference_from_the_industry_has_fewer_than_k_on_a_side_is_held_back() {
        // 30 banking centers between 80 and 99 (15 at 90 or more); 100 others below 80. The
        // banking cohort's share of "≥ 90" (15 of 30) is sound on its own, but the industry's
        // (15 of 130) minus it would say that no other center reaches 90.
        let org = |banking: bool, value: f64| EngineOrg {
            id: 0,
            attributes: Attributes {
                seat_band: SeatBand::Lt250,
                region: Region::Europe,
                verticals: vec![if banking {
                    Vertical::Banking
                } else {
                    Vertical::Travel
                }],
                delivery: Delivery::Onshore,
                wfh_band: WfhBand::None,
            },
            values: CATALOGUE
                .iter()
                .map(|m| (m.key == "mfa_coverage").then_some(value))
                .collect(),
        };
        let orgs: Vec<EngineOrg> = (0..30)
            .map(|i| org(true, 80.0 + f64::from(i) * 0.65))
            .chain((0..100).map(|i| org(false, f64::from(i) * 0.79)))
            .collect();
        let orgs = numbered(orgs);
        let release = compute(&orgs, 10);
        let requirement = shared::standard::Requirement {
            metric: "mfa_coverage".to_owned(),
            comparison: shared::standard::Comparison::AtLeast,
            threshold: shared::MetricValue::Number(90.0),
            tier: shared::standard::Tier::Baseline,
            rationale: "r".to_owned(),
            references: vec![],
        };
        let shares = compliance_shares(&orgs, |c, m| release.held_back(c, m), &[requirement], 10);
        let outcome = |cohort| &shares.iter().find(|s| s.cohort == cohort).unwrap().outcome;
        assert!(matches!(
            outcome(CohortKey::All),
            ShareOutcome::Published {
                share_band: "10-20",
                ..
            }
        ));
        assert_eq!(
            outcome(CohortKey::Vertical(Vertical::Banking)),
            &ShareOutcome::Suppressed(SuppressionReason::Dominance)
        );
        // Its cell is published: only the share would give the others away.
        let mfa = CATALOGUE
            .iter()
            .position(|m| m.key == "mfa_coverage")
            .unwrap();
        assert_eq!(
            release.held_back(CohortKey::Vertical(Vertical::Banking), mfa),
            None
        );
    }

    #[test]
    fn a_cell_one_organisation_smaller_than_all_is_suppressed() {
        let org = |region: Region| EngineOrg {
            id: 0,
            attributes: Attributes {
                seat_band: SeatBand::Lt250,
                region,
                verticals: vec![Vertical::Travel],
                delivery: Delivery::Onshore,
                wfh_band: WfhBand::None,
            },
            values: vec![Some(50.0); CATALOGUE.len()],
        };
        let mut orgs: Vec<EngineOrg> = (0..15).map(|_| org(Region::Latam)).collect();
        orgs.push(org(Region::Europe));
        let orgs = numbered(orgs);
        let result = compute(&orgs, 10);
        let outcome = |cohort| {
            &result
                .cells
                .iter()
                .find(|c| c.cohort == cohort && c.metric == 0)
                .unwrap()
                .outcome
        };
        assert!(matches!(outcome(CohortKey::All), CellOutcome::Published(_)));
        assert_eq!(
            outcome(CohortKey::Region(Region::Latam)),
            &CellOutcome::Suppressed(SuppressionReason::Complement)
        );
        assert_eq!(
            outcome(CohortKey::Region(Region::Europe)),
            &CellOutcome::Suppressed(SuppressionReason::TooFew)
        );
    }
}
