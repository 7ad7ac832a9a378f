//! Request and response bodies of the REST API under `/api/v1`.

use serde::{Deserialize, Serialize};

use crate::catalogue::Metric;
use crate::cohort::{CohortKey, Dimension};
use crate::period::Period;

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    /// The server's version (its crate version).
    pub version: String,
    /// The store holds synthetic demo data.
    pub demo: bool,
}

/// `GET /api/v1/metrics`: the catalogue with its version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Catalogue {
    pub version: u32,
    pub metrics: Vec<Metric>,
}

/// One cell of the lattice in `GET /api/v1/cohorts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PeriodStatus {
    Open,
    Released,
}

/// One entry of `GET /api/v1/periods`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodInfo {
    pub period: Period,
    pub status: PeriodStatus,
    /// RFC 3339 timestamp (UTC) of the release, when released.
    pub released_at: Option<String>,
    /// When submissions are due (RFC 3339, UTC), once a publisher has set it. Saves after it
    /// still count until release, marked late in the publishers' view.
    #[serde(default)]
    pub deadline: Option<String>,
    /// Organisations verified for this quarter: after the release made before this one (for
    /// the open quarter, after the latest release). They are on probation and count only from
    /// the next release (anonymity policy v3), so a burst of new organisations shows here.
    #[serde(default)]
    pub newly_verified: u32,
}

/// App routes served by the second (back office) bundle: submission form, team, administration,
/// releases, invitations, standards, practices. The server answers them with that bundle's
/// index.html; the main bundle's links to them load the page instead of routing in place.
pub const BACK_OFFICE_PATHS: [&str; 14] = [
    "/methodology",
    "/portfolio",
    "/notifications",
    "/webhooks",
    "/unsubscribe",
    "/roadmap",
    "/share",
    "/submit",
    "/team",
    "/admin",
    "/releases",
    "/invite",
    "/standards",
    "/practices",
];

/// App routes served by the third bundle, the attestation check a client opens without an
/// account: share links (`/a/{token}`) and `/verify`.
pub const VERIFY_PATHS: [&str; 2] = ["/a", "/verify"];

/// Whether the app path belongs to the attestation check bundle.
pub fn is_verify_path(path: &str) -> bool {
    within(path, &VERIFY_PATHS)
}

/// App routes served by the insights bundle: the pages behind the overview, with charts. The
/// overview itself (`/dashboard`) stays in the main bundle.
pub const INSIGHTS_PATHS: [&str; 3] = ["/dashboard/metric", "/industry", "/report"];

/// Whether the app path belongs to the insights bundle.
pub fn is_insights_path(path: &str) -> bool {
    within(path, &INSIGHTS_PATHS)
}

/// Whether the app path (query and fragment ignored) belongs to the back office bundle.
pub fn is_back_office_path(path: &str) -> bool {
    within(path, &BACK_OFFICE_PATHS)
}

fn within(path: &str, prefixes: &[&str]) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or(path);
    prefixes.iter().any(|prefix| {
        path == *prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::{is_back_office_path, is_insights_path, is_verify_path};

    #[test]
    fn back_office_paths_match_whole_segments() {
        assert!(is_back_office_path("/practices"));
        assert!(is_back_office_path("/practices/12?x=1"));
        assert!(is_back_office_path("/standards#top"));
        assert!(!is_back_office_path("/practicesx"));
        assert!(!is_back_office_path("/dashboard/metric/mfa_coverage"));
        assert!(is_insights_path("/dashboard/metric/mfa_coverage"));
        assert!(is_insights_path("/report?cohort=all"));
        assert!(!is_insights_path("/dashboard"));
        assert!(!is_insights_path("/dashboard?cohort=all"));
        assert!(!is_insights_path("/industryx"));
        assert!(!is_back_office_path("/"));
        assert!(is_verify_path("/a/abc"));
        assert!(is_verify_path("/verify"));
        assert!(!is_verify_path("/admin"));
        assert!(!is_back_office_path("/a/abc"));
    }
}
