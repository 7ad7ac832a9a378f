//! Published benchmarks: cells of the lattice per released period, a member's position in
//! them, and trends. Everything here comes from stored statistics, never from raw values.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::catalogue::{CATALOGUE, CsfFunction, Direction, Metric, MetricValue, Unit};
use crate::cohort::CohortKey;
use crate::period::Period;

/// Version of the anonymity policy the engine applies (see the methodology page and
/// `docs/anonymity.md`).
pub const POLICY_VERSION: &str = "v3";
/// The default and the lowest allowed anonymity threshold k.
pub const DEFAULT_K: u32 = 10;
pub const MIN_K: u32 = 5;

/// Why a cell publishes no statistic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SuppressionReason {
    /// Fewer than k organisations contributed.
    TooFew,
    /// A larger published cell contains this one and differs from it by 1 to k-1
    /// organisations: subtracting the two would expose those few.
    Complement,
    /// The only other suppressed cell of its dimension could be recovered from the rest.
    Secondary,
    /// A share ("x of n") would rest on fewer than k organisations on one side: fewer than k
    /// meet it or fewer than k miss it, here or in the difference from a larger cohort.
    Dominance,
    /// A cell published in an earlier quarter differs from this one by 1 to k − 1
    /// organisations (some joined or left): comparing the two quarters would expose them.
    History,
}

impl SuppressionReason {
    pub fn label(self) -> &'static str {
        match self {
            SuppressionReason::TooFew => "too few organisations",
            SuppressionReason::Complement => "protects a nearby cohort",
            SuppressionReason::Secondary => "protects another cohort of this dimension",
            SuppressionReason::Dominance => "too few on one side",
            SuppressionReason::History => "protects an earlier quarter",
        }
    }
}

/// One metric of one cohort. A suppressed cell has the same shape with every statistic null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BenchmarkCell {
    pub metric: String,
    /// Contributing organisations as a band ("20-49"); never an exact count.
    pub n_band: Option<String>,
    pub suppressed: bool,
    pub reason: Option<SuppressionReason>,
    pub p10: Option<f64>,
    pub p25: Option<f64>,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p90: Option<f64>,
    /// Null for yes/no metrics, whose only statistic is `share_band`.
    pub mean: Option<f64>,
    /// Yes/no metrics: the share answering yes, as a band of percent ("60-70"); see [`share_band`].
    pub share_band: Option<String>,
}

/// `GET /api/v1/benchmarks/{period}?cohort=KEY`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Benchmark {
    pub period: Period,
    pub cohort: CohortKey,
    pub policy: String,
    pub k: u32,
    /// Organisations in the cohort that submitted for the period, as a band; null below k.
    pub n_band: Option<String>,
    pub cells: Vec<BenchmarkCell>,
}

impl Benchmark {
    /// The cell of a metric, found by its key (never by its place in the list).
    pub fn cell(&self, metric: &str) -> Option<&BenchmarkCell> {
        self.cells.iter().find(|cell| cell.metric == metric)
    }
}

/// The answer to `POST /api/v1/periods/{period}/release`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseSummary {
    pub period: Period,
    pub released_at: String,
    pub policy: String,
    pub k: u32,
    pub cells_published: usize,
    pub cells_suppressed: usize,
}

/// A member's own value against one published cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetricPosition {
    pub metric: String,
    /// The member's own value; null when they did not submit it.
    pub value: Option<MetricValue>,
    pub suppressed: bool,
    /// Where the value falls among the published percentiles, e.g. "P50–P75" or "below P10".
    pub band: Option<String>,
    /// Approximate percentile of the value in the cohort's distribution (0–100).
    pub percentile: Option<f64>,
    /// The percentile turned so that higher is better (100 − percentile when lower is better);
    /// null for context metrics.
    pub standing: Option<f64>,
}

/// Average standing over a CSF function's ranked metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunctionPosture {
    pub function: CsfFunction,
    pub standing: Option<f64>,
    /// Ranked metrics of the function with a position.
    pub metrics: usize,
}

/// `GET /api/v1/benchmarks/{period}/position?cohort=KEY`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Position {
    pub period: Period,
    pub cohort: CohortKey,
    pub metrics: Vec<MetricPosition>,
    pub functions: Vec<FunctionPosture>,
}

impl Position {
    /// The position of a metric, found by its key.
    pub fn metric(&self, key: &str) -> Option<&MetricPosition> {
        self.metrics.iter().find(|p| p.metric == key)
    }
}

/// Where `value` falls among a published cell's percentiles: the band ("P50–P75", "below
/// P10") and an approximate percentile, interpolated linearly between the published points.
/// Below the lowest or above the highest published percentile the estimate is the midpoint
/// of the open end (e.g. 5 below P10). Uses only the published statistics, never raw values.
pub fn place(cell: &BenchmarkCell, value: f64) -> Option<(String, f64)> {
    let points: Vec<(f64, f64)> = [
        (10.0, cell.p10),
        (25.0, cell.p25),
        (50.0, cell.p50),
        (75.0, cell.p75),
        (90.0, cell.p90),
    ]
    .into_iter()
    .filter_map(|(p, v)| v.map(|v| (p, v)))
    .collect();
    let (&(low_p, low_v), &(high_p, high_v)) = (points.first()?, points.last()?);
    if value < low_v {
        return Some((format!("below P{low_p}"), low_p / 2.0));
    }
    if value > high_v {
        return Some((format!("above P{high_p}"), (100.0 + high_p) / 2.0));
    }
    for pair in points.windows(2) {
        let ((p0, v0), (p1, v1)) = (pair[0], pair[1]);
        if value <= v1 {
            let percentile = if v1 > v0 {
                p0 + (value - v0) / (v1 - v0) * (p1 - p0)
            } else {
                (p0 + p1) / 2.0
            };
            return Some((format!("P{p0}–P{p1}"), percentile));
        }
    }
    // A single published point (only possible with one percentile): the value equals it.
    Some((format!("at P{low_p}"), low_p))
}

/// A percentile turned so that higher is better (100 − percentile when lower is better);
/// `None` for context metrics, which are not ranked.
pub fn standing(direction: Direction, percentile: f64) -> Option<f64> {
    match direction {
        Direction::HigherIsBetter => Some(percentile),
        Direction::LowerIsBetter => Some(100.0 - percentile),
        Direction::Context => None,
    }
}

/// Rounded to one decimal, as positions are published.
pub fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// A member's position in a published benchmark: every catalogue metric placed among the
/// cohort's published percentiles (matched by key), and the average standing per CSF function.
/// `own` holds the member's stored values (yes/no as 1/0), by metric key. The server answers
/// `GET …/position` with it, and anything that asks "where would this value land" must use it
/// (the browser through [`position_in`] with the catalogue the API serves, so that the
/// catalogue's texts stay out of its bundle).
pub fn position(benchmark: &Benchmark, own: &BTreeMap<String, f64>) -> Position {
    position_in(benchmark, own, &CATALOGUE)
}

/// [`position`] over the given catalogue.
pub fn position_in(
    benchmark: &Benchmark,
    own: &BTreeMap<String, f64>,
    catalogue: &[Metric],
) -> Position {
    let placed: Vec<(CsfFunction, MetricPosition)> = catalogue
        .iter()
        .map(|metric| {
            let cell = benchmark.cell(&metric.key);
            let value = own.get(&metric.key).copied();
            let placed = match (cell, value) {
                (Some(cell), Some(value)) if !cell.suppressed => place(cell, value),
                _ => None,
            };
            let standing = placed
                .as_ref()
                .and_then(|(_, percentile)| standing(metric.direction, *percentile));
            let position = MetricPosition {
                metric: metric.key.clone(),
                value: value.map(|v| match metric.unit {
                    Unit::Boolean => MetricValue::Bool(v != 0.0),
                    _ => MetricValue::Number(v),
                }),
                suppressed: cell.is_none_or(|cell| cell.suppressed),
                band: placed.as_ref().map(|(band, _)| band.clone()),
                percentile: placed.map(|(_, percentile)| round1(percentile)),
                standing: standing.map(round1),
            };
            (metric.csf_function, position)
        })
        .collect();
    let functions = CsfFunction::ALL
        .into_iter()
        .map(|function| {
            let standings: Vec<f64> = placed
                .iter()
                .filter(|(f, _)| *f == function)
                .filter_map(|(_, p)| p.standing)
                .collect();
            let standing = (!standings.is_empty())
                .then(|| round1(standings.iter().sum::<f64>() / standings.len() as f64));
            FunctionPosture {
                function,
                standing,
                metrics: standings.len(),
            }
        })
        .collect();
    Position {
        period: benchmark.period,
        cohort: benchmark.cohort,
        metrics: placed.into_iter().map(|(_, p)| p).collect(),
        functions,
    }
}

/// One released period in `GET /api/v1/trends`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendPoint {
    pub period: Period,
    pub suppressed: bool,
    pub reason: Option<SuppressionReason>,
    pub p25: Option<f64>,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
}

/// `GET /api/v1/trends?metric=KEY&cohort=KEY`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trend {
    pub metric: String,
    pub cohort: CohortKey,
    pub points: Vec<TrendPoint>,
}

/// `GET /api/v1/policy`: the anonymity policy this server applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Policy {
    pub version: String,
    /// Fewest organisations behind any published statistic.
    pub k: u32,
    /// Fewest organisations for P10 and P90 (2k).
    pub k_tails: u32,
    /// The bands counts are published in.
    pub bands: Vec<String>,
    /// Fewest organisations on each side of a published share: meeting and missing (k).
    pub k_each_side: u32,
    /// The bands shares are published in, in percent.
    pub share_bands: Vec<String>,
    /// Fewest organisations behind a published mean (as for P10 and P90).
    #[serde(default)]
    pub k_mean: u32,
    /// Releases a newly verified organisation waits before it counts.
    #[serde(default)]
    pub probation_releases: u32,
    /// The rules of policy v3, each with the attack it stops.
    #[serde(default)]
    pub rules: Vec<PolicyRule>,
}

/// One rule of the anonymity policy, and the attack it stops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyRule {
    pub key: String,
    pub rule: String,
    pub stops: String,
}

/// Policy v3's rules that compose across quarters, cohorts and the operator: (key, rule,
/// attack stopped). `docs/anonymity.md` states them at length.
pub const V3_RULES: [(&str, &str, &str); 7] = [
    (
        "two_person_verification",
        "Verifying an organisation takes two people: a platform admin proposes and another admin \
         or a publisher confirms; neither may be a member of it.",
        "One admin creating and verifying organisations of its own, filling them with chosen \
         values and making a lone member's value the published median.",
    ),
    (
        "probation",
        "An organisation counts from the first release after the one it was verified for: a \
         release counts only organisations verified before the release made before it. Members see \
         how many were newly verified for each quarter.",
        "A burst of organisations verified just before a release, unseen by the members.",
    ),
    (
        "quarters",
        "Who counts for a metric changes only in batches: a member that reports nothing keeps \
         its last value for up to four releases, and members join (or leave) a metric only when \
         every cohort published before gains (or loses) none or at least k of them. No published \
         cell differs from one published in an earlier quarter by 1 to k − 1 organisations; \
         otherwise it is held back (history).",
        "Differencing two quarters' figures when a few organisations join or leave a cell.",
    ),
    (
        "cohorts",
        "No two published cells of a release differ by 1 to k − 1 organisations, \
         the held-back cells of a partition are never one alone nor fewer than k together, and a \
         mean is published only where no combination of all published sums (every quarter, every \
         cohort, with exact counts) determines one organisation's value, or one's from another's.",
        "Unions of cohorts, partitions with several held-back cells, and sums over quarters.",
    ),
    (
        "counts",
        "Counts of organisations are bands for everyone, publishers and admins included; only the \
         open quarter's list of who has not submitted is shown to them.",
        "Exact counts turning every published mean into an exact sum.",
    ),
    (
        "grid",
        "Submitted values are rounded to the metric's display precision when saved.",
        "Band edges and thresholds revealing values between two grid points.",
    ),
    (
        "extremes",
        "The mean needs as many contributors as P10 and P90, max(2k, 11); no published set of a \
         cell's statistics determines its minimum or maximum.",
        "With k = 5, quartiles of a cell of 5 plus its mean giving the sum of the extremes.",
    ),
];

impl Policy {
    pub fn new(k: u32) -> Self {
        let mut bands = Vec::new();
        if k < 10 {
            bands.push(format!("{k}-9"));
        }
        bands.extend(["10-19", "20-49", "50-99", "100-249", "250+"].map(String::from));
        Self {
            version: POLICY_VERSION.to_owned(),
            k,
            k_tails: k_tails(k),
            bands,
            k_each_side: k,
            share_bands: SHARE_BANDS.map(String::from).to_vec(),
            k_mean: k_tails(k),
            probation_releases: 1,
            rules: V3_RULES
                .iter()
                .map(|&(key, rule, stops)| PolicyRule {
                    key: key.to_owned(),
                    rule: rule.to_owned(),
                    stops: stops.to_owned(),
                })
                .collect(),
        }
    }
}

/// The fewest contributors for P10 and P90: 2k, and at least 11, the first count at which
/// neither percentile weights the minimum or the maximum (at n = 10, P90 is 0.9·v₈ + 0.1·v₉).
pub fn k_tails(k: u32) -> u32 {
    (2 * k).max(11)
}

/// The bands shares are published in. Each is at least 10 points wide, so two close thresholds
/// cannot count the organisations between them. The bands mirror around 50 % (the middle band
/// is 40–60): the share missing a requirement falls in the mirror of the band of the share
/// meeting it, so reading both can never pin the share to a band edge.
pub const SHARE_BANDS: [&str; 9] = [
    "0-10", "10-20", "20-30", "30-40", "40-60", "60-70", "70-80", "80-90", "90-100",
];

/// The published band of the share `meeting / n` (`n > 0`). Below 40 % a band holds its lower
/// edge ([30, 40)); above 60 % its upper edge ((60, 70]); the middle band is [40, 60]. Exact
/// integer arithmetic: no rounding decides an edge.
pub fn share_band(meeting: usize, n: usize) -> &'static str {
    debug_assert!(n > 0 && meeting <= n);
    let tenths_floor = 10 * meeting / n;
    let tenths_ceil = (10 * meeting).div_ceil(n);
    if 100 * meeting < 40 * n {
        SHARE_BANDS[tenths_floor]
    } else if 100 * meeting <= 60 * n {
        SHARE_BANDS[4]
    } else {
        // (60, 70] → 5, …, (90, 100] → 8.
        SHARE_BANDS[tenths_ceil - 2]
    }
}

/// The published band of a count of at least k organisations.
pub fn n_band(n: usize, k: usize) -> String {
    match n {
        _ if n < 10 => format!("{}-9", k.min(9)),
        10..=19 => "10-19".to_owned(),
        20..=49 => "20-49".to_owned(),
        50..=99 => "50-99".to_owned(),
        100..=249 => "100-249".to_owned(),
        _ => "250+".to_owned(),
    }
}

/// A count of organisations where no exact count may be shown: `0`, `1-{k−1}` below k, then
/// the published bands of [`n_band`].
pub fn count_band(n: usize, k: usize) -> String {
    match n {
        0 => "0".to_owned(),
        _ if n < k => format!("1-{}", k - 1),
        _ => n_band(n, k),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(
        metric: &str,
        p10: Option<f64>,
        quartiles: [f64; 3],
        p90: Option<f64>,
    ) -> BenchmarkCell {
        BenchmarkCell {
            metric: metric.to_owned(),
            n_band: Some("20-49".to_owned()),
            suppressed: false,
            reason: None,
            p10,
            p25: Some(quartiles[0]),
            p50: Some(quartiles[1]),
            p75: Some(quartiles[2]),
            p90,
            mean: Some(quartiles[1]),
            share_band: None,
        }
    }

    #[test]
    fn positions_interpolate_between_published_percentiles() {
        let cell = self::cell("mfa_coverage", Some(40.0), [60.0, 70.0, 80.0], Some(90.0));
        assert_eq!(place(&cell, 75.0), Some(("P50–P75".to_owned(), 62.5)));
        assert_eq!(place(&cell, 60.0), Some(("P10–P25".to_owned(), 25.0)));
        assert_eq!(place(&cell, 30.0), Some(("below P10".to_owned(), 5.0)));
        assert_eq!(place(&cell, 95.0), Some(("above P90".to_owned(), 95.0)));
        // Without P10/P90 the ends are P25 and P75.
        let narrow = self::cell("mfa_coverage", None, [60.0, 70.0, 80.0], None);
        assert_eq!(place(&narrow, 50.0), Some(("below P25".to_owned(), 12.5)));
        // Flat stretches give the middle of the tied percentiles.
        let flat = self::cell("mfa_coverage", None, [100.0, 100.0, 100.0], None);
        assert_eq!(place(&flat, 100.0), Some(("P25–P50".to_owned(), 37.5)));
    }

    #[test]
    fn a_position_matches_cells_by_metric_not_by_place() {
        // Two cells in reverse catalogue order, one metric missing altogether.
        let benchmark = Benchmark {
            period: crate::Period::new(2026, 1).unwrap(),
            cohort: crate::CohortKey::All,
            policy: POLICY_VERSION.to_owned(),
            k: DEFAULT_K,
            n_band: Some("20-49".to_owned()),
            cells: vec![
                cell("critical_patch_days", None, [10.0, 20.0, 30.0], None),
                cell("mfa_coverage", None, [60.0, 70.0, 80.0], None),
            ],
        };
        let own = BTreeMap::from([
            ("mfa_coverage".to_owned(), 75.0),
            ("critical_patch_days".to_owned(), 25.0),
            ("phish_prone".to_owned(), 10.0),
        ]);
        let position = position(&benchmark, &own);
        assert_eq!(position.metrics.len(), CATALOGUE.len());
        let mfa = position.metric("mfa_coverage").unwrap();
        assert_eq!(
            (mfa.band.as_deref(), mfa.standing),
            (Some("P50–P75"), Some(62.5))
        );
        // Lower is better: P50–P75 of patch latency stands at 100 − 62.5.
        let patch = position.metric("critical_patch_days").unwrap();
        assert_eq!(
            (patch.band.as_deref(), patch.standing),
            (Some("P50–P75"), Some(37.5))
        );
        // No cell: nothing placed, and said to be held back.
        let phish = position.metric("phish_prone").unwrap();
        assert_eq!((phish.band.as_ref(), phish.suppressed), (None, true));
        assert_eq!(phish.value, Some(MetricValue::Number(10.0)));
    }

    #[test]
    fn counts_become_bands() {
        assert_eq!(n_band(10, 10), "10-19");
        assert_eq!(n_band(19, 10), "10-19");
        assert_eq!(n_band(20, 10), "20-49");
        assert_eq!(n_band(99, 10), "50-99");
        assert_eq!(n_band(249, 10), "100-249");
        assert_eq!(n_band(10_000, 10), "250+");
        assert_eq!(n_band(7, 5), "5-9");
    }

    #[test]
    fn shares_become_bands_that_mirror_around_the_middle() {
        assert_eq!(share_band(0, 20), "0-10");
        assert_eq!(share_band(1, 20), "0-10");
        assert_eq!(share_band(2, 20), "10-20");
        assert_eq!(share_band(7, 20), "30-40");
        assert_eq!(share_band(8, 20), "40-60");
        assert_eq!(share_band(12, 20), "40-60");
        assert_eq!(share_band(13, 20), "60-70");
        assert_eq!(share_band(14, 20), "60-70");
        assert_eq!(share_band(15, 20), "70-80");
        assert_eq!(share_band(20, 20), "90-100");
        // The band of the share missing is the mirror of the band of the share meeting, for
        // every count: both together say no more than one of them.
        for n in 1..=60 {
            for meeting in 0..=n {
                let (low, high) = share_band(meeting, n).split_once('-').unwrap();
                let mirrored = format!(
                    "{}-{}",
                    100 - high.parse::<u32>().unwrap(),
                    100 - low.parse::<u32>().unwrap()
                );
                assert_eq!(share_band(n - meeting, n), mirrored, "{meeting} of {n}");
            }
        }
    }

    #[test]
    fn reasons_serialize_as_snake_case() {
        assert_eq!(
            serde_json::to_string(&SuppressionReason::TooFew).unwrap(),
            r#""too_few""#
        );
    }
}
