//! Published benchmarks: cells of the lattice per released period, a member's position in
//! them, and trends. Everything here comes from stored statistics, never from raw values.

use serde::{Deserialize, Serialize};

use crate::catalogue::{CsfFunction, MetricValue};
use crate::cohort::CohortKey;
use crate::period::Period;

/// Version of the anonymity policy the engine applies (see the methodology page and
/// `docs/anonymity.md`).
pub const POLICY_VERSION: &str = "v2";
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
}

impl SuppressionReason {
    pub fn label(self) -> &'static str {
        match self {
            SuppressionReason::TooFew => "too few organisations",
            SuppressionReason::Complement => "protects a nearby cohort",
            SuppressionReason::Secondary => "protects another cohort of this dimension",
            SuppressionReason::Dominance => "too few on one side",
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
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
