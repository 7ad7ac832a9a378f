//! Published benchmarks: cells of the lattice per released period, a member's position in
//! them, and trends. Everything here comes from stored statistics, never from raw values.

use serde::{Deserialize, Serialize};

use crate::catalogue::{CsfFunction, MetricValue};
use crate::cohort::CohortKey;
use crate::period::Period;

/// Version of the anonymity policy the engine applies (see the methodology page).
pub const POLICY_VERSION: &str = "v1";
/// The default and the lowest allowed anonymity threshold k.
pub const DEFAULT_K: u32 = 10;
pub const MIN_K: u32 = 5;

/// Why a cell publishes no statistic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionReason {
    /// Fewer than k organisations contributed.
    TooFew,
    /// A larger published cell contains this one and differs from it by 1 to k-1
    /// organisations: subtracting the two would expose those few.
    Complement,
    /// The only other suppressed cell of its dimension could be recovered from the rest.
    Secondary,
}

impl SuppressionReason {
    pub fn label(self) -> &'static str {
        match self {
            SuppressionReason::TooFew => "too few organisations",
            SuppressionReason::Complement => "protects a nearby cohort",
            SuppressionReason::Secondary => "protects another cohort of this dimension",
        }
    }
}

/// One metric of one cohort. A suppressed cell has the same shape with every statistic null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub mean: Option<f64>,
}

/// `GET /api/v1/benchmarks/{period}?cohort=KEY`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
pub struct FunctionPosture {
    pub function: CsfFunction,
    pub standing: Option<f64>,
    /// Ranked metrics of the function with a position.
    pub metrics: usize,
}

/// `GET /api/v1/benchmarks/{period}/position?cohort=KEY`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub period: Period,
    pub cohort: CohortKey,
    pub metrics: Vec<MetricPosition>,
    pub functions: Vec<FunctionPosture>,
}

/// One released period in `GET /api/v1/trends`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
pub struct Trend {
    pub metric: String,
    pub cohort: CohortKey,
    pub points: Vec<TrendPoint>,
}

/// `GET /api/v1/policy`: the anonymity policy this server applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub version: String,
    /// Fewest organisations behind any published statistic.
    pub k: u32,
    /// Fewest organisations for P10 and P90 (2k).
    pub k_tails: u32,
    /// The bands counts are published in.
    pub bands: Vec<String>,
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
            k_tails: 2 * k,
            bands,
        }
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
    fn reasons_serialize_as_snake_case() {
        assert_eq!(
            serde_json::to_string(&SuppressionReason::TooFew).unwrap(),
            r#""too_few""#
        );
    }
}
