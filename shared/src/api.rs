//! Request and response bodies of the REST API under `/api/v1`.

use serde::{Deserialize, Serialize};

use crate::catalogue::Metric;
use crate::cohort::{CohortKey, Dimension};
use crate::period::Period;

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    /// The server's version (its crate version).
    pub version: String,
    /// The store holds synthetic demo data.
    pub demo: bool,
}

/// `GET /api/v1/metrics`: the catalogue with its version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    pub version: u32,
    pub metrics: Vec<Metric>,
}

/// One cell of the lattice in `GET /api/v1/cohorts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortInfo {
    pub key: CohortKey,
    pub label: String,
    pub dimension: Dimension,
}

impl From<CohortKey> for CohortInfo {
    fn from(key: CohortKey) -> Self {
        Self {
            key,
            label: key.label().to_owned(),
            dimension: key.dimension(),
        }
    }
}

/// Whether a period still takes submissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodStatus {
    Open,
    Released,
}

/// One entry of `GET /api/v1/periods`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodInfo {
    pub period: Period,
    pub status: PeriodStatus,
    /// RFC 3339 timestamp (UTC) of the release, when released.
    pub released_at: Option<String>,
}
