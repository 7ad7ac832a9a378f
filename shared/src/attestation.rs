//! Client assurance: attestations a member hands to a named client, their content (the claims
//! of a signed compact JWS) and the API bodies around them. An attestation carries only the
//! member's own figures and statistics the anonymity policy already publishes.

use serde::{Deserialize, Serialize};

use crate::catalogue::MetricValue;
use crate::cohort::CohortKey;
use crate::period::Period;

/// The default and the longest term of an attestation, in days.
pub const ATTESTATION_DEFAULT_DAYS: u32 = 90;
pub const ATTESTATION_MAX_DAYS: u32 = 180;
/// How many attestations one organisation may issue in any 24 hours: each is a leaf of the
/// transparency log for good, so issuance is bounded.
pub const ATTESTATIONS_PER_DAY: usize = 50;
/// The longest client name.
pub const AUDIENCE_MAX_CHARS: usize = 120;

/// What an attestation shows of the member's own figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Disclosure {
    /// Its value and its position band among the peers.
    Values,
    /// Only its position band.
    Bands,
}

/// `POST /api/v1/attestations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAttestation {
    /// A released quarter.
    pub period: Period,
    /// The peer group: `all` or a cohort the organisation belongs to.
    pub cohort: CohortKey,
    /// Metric keys; when left out, those of the standard the organisation follows, or else
    /// every metric it submitted for the quarter.
    #[serde(default)]
    pub metrics: Option<Vec<String>>,
    pub disclosure: Disclosure,
    /// The client the attestation is for (1 to 120 characters).
    pub audience: String,
    /// 1 to 180; 90 when left out.
    #[serde(default = "default_days")]
    pub expires_in_days: u32,
    /// Also share it with a client organisation on this deployment, by the address it gave
    /// (`vendor-risk@acmebank.example`): its reviewers see it in their portfolio once they
    /// accept the organisation as a supplier.
    #[serde(default)]
    pub client_address: Option<String>,
    /// Whether the share link still opens the attestation once it has expired (marked
    /// expired); by default an expired link answers with its dates only.
    #[serde(default)]
    pub readable_after_expiry: bool,
}

fn default_days() -> u32 {
    ATTESTATION_DEFAULT_DAYS
}

/// One metric as attested: the member's own value (when disclosed), its position band, and
/// the peer statistics published for the cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttestedMetric {
    pub metric: String,
    /// The member's value; null when only bands are disclosed.
    pub value: Option<MetricValue>,
    /// Where the value falls among the published percentiles ("P50–P75"); null when the
    /// member did not submit it or the peer statistics are held back.
    pub band: Option<String>,
    /// The peer statistics are held back under the anonymity policy.
    pub suppressed: bool,
    pub n_band: Option<String>,
    pub p10: Option<f64>,
    pub p25: Option<f64>,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p90: Option<f64>,
    /// Yes/no metrics: the band of the share of peers answering yes.
    pub share_band: Option<String>,
}

impl AttestedMetric {
    /// Whether two carry the same peer statistics (the member's value and band aside).
    pub fn same_peer_figures(&self, other: &AttestedMetric) -> bool {
        self.metric == other.metric
            && self.suppressed == other.suppressed
            && self.n_band == other.n_band
            && [self.p10, self.p25, self.p50, self.p75, self.p90]
                == [other.p10, other.p25, other.p50, other.p75, other.p90]
            && self.share_band == other.share_band
    }
}

/// The released benchmark of an attestation's quarter and peer group as the deployment serves
/// it now: the SHA-256 of the body (as `benchmark_digest` names it) and the peer statistics of
/// the metrics the attestation names (their `value` and `band` are null). A client compares
/// them with what the attestation says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServedBenchmark {
    pub digest: String,
    pub metrics: Vec<AttestedMetric>,
}

/// One requirement of the followed standard, met or missed by the member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttestedRequirement {
    pub metric: String,
    /// "MFA coverage ≥ 95.0 %".
    pub text: String,
    /// Null when the member did not submit the metric.
    pub met: Option<bool>,
}

/// The standard the organisation follows, as of the attested quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttestedStandard {
    pub id: i64,
    pub name: String,
    pub version: i64,
    pub requirements: Vec<AttestedRequirement>,
}

/// The anonymity policy the peer statistics were published under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyRef {
    pub version: String,
    pub k: u32,
}

/// The claims of an attestation (the payload of the compact JWS).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttestationClaims {
    /// The deployment that issued it (its public URL).
    pub iss: String,
    /// The organisation the attestation is about.
    pub sub: String,
    /// The client it was issued for.
    pub aud: String,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expires at, Unix seconds.
    pub exp: i64,
    /// Unique id.
    pub jti: String,
    pub period: Period,
    pub cohort: CohortKey,
    /// `sha256:<hex>` of the released benchmark of the cohort, as the API serves it.
    pub benchmark_digest: String,
    pub disclosure: Disclosure,
    pub metrics: Vec<AttestedMetric>,
    pub standard: Option<AttestedStandard>,
    pub policy: PolicyRef,
}

/// An attestation as its member admins see it in `GET /api/v1/attestations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttestationInfo {
    pub id: i64,
    pub jti: String,
    pub audience: String,
    pub period: Period,
    pub cohort: CohortKey,
    pub disclosure: Disclosure,
    pub metrics: usize,
    pub issued_by: String,
    pub issued_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    /// Times the share link was opened.
    pub open_count: i64,
    /// The latest openings, newest first (at most 20).
    pub opened_at: Vec<String>,
    /// Its entry in the transparency log.
    pub log_index: i64,
    /// Whether its share link opens it after it expired.
    pub readable_after_expiry: bool,
    /// The client organisation it is shared with on this deployment, if any.
    #[serde(default)]
    pub shared_with: Option<String>,
}

/// The answer to `POST /api/v1/attestations`. `share_path` is the capability link, shown this
/// once and stored only as a hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttestationIssued {
    pub attestation: AttestationInfo,
    pub share_path: String,
    /// The signed attestation (compact JWS).
    pub jws: String,
}

/// Whether an attestation still stands, for anyone who holds it:
/// `GET /api/v1/attestation-status/{jti}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttestationStatus {
    pub jti: String,
    pub revoked: bool,
    pub revoked_at: Option<String>,
    pub issued_at: String,
    pub expires_at: String,
    /// Its entry in the transparency log.
    pub log_index: i64,
    /// The leaf of the copy issued under this id: the hex SHA-256 of its compact JWS. A copy
    /// with another hash is not the one this deployment issued.
    pub leaf: String,
    /// The signed revocation (a compact JWS of [`RevocationClaims`]), once revoked.
    pub revocation: Option<String>,
    /// The revocation's entry in the transparency log.
    pub revocation_log_index: Option<i64>,
    /// The benchmark it rests on as served now; null once revoked.
    #[serde(default)]
    pub served: Option<ServedBenchmark>,
}

/// `GET /api/v1/shared/{token}`: what a share link opens, for anyone who has it. The
/// attestation itself (`jws`) is there while it stands, and after its expiry only when the
/// member chose to keep it readable; a revoked one answers with its status and dates only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SharedAttestation {
    pub jws: Option<String>,
    pub status: AttestationStatus,
}

/// The claims of a revocation: the issuer withdrew attestation `jti` at `revoked_at`. Signed
/// like an attestation (`typ` `peerposture-revocation+jwt`) and appended to the transparency
/// log, so a client can prove the withdrawal happened and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevocationClaims {
    pub iss: String,
    /// The attestation withdrawn.
    pub jti: String,
    /// Its leaf in the log (hex SHA-256 of its compact JWS).
    pub leaf: String,
    /// Unix seconds.
    pub revoked_at: i64,
}

/// `POST /api/v1/signing-keys/{kid}/compromised` (platform admin): the key's seed may have been
/// read by someone else since `from`, an RFC 3339 UTC time (`2026-12-01T08:00:00Z`). From then
/// on nothing it signed is trusted; it stops signing at once if it still did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KeyCompromise {
    pub from: String,
}

/// A signed tree head of the transparency log: `GET /api/v1/transparency/head`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TreeHead {
    pub tree_size: u64,
    /// Hex SHA-256 root (RFC 6962 tree hash; the hash of nothing for an empty log).
    pub root_hash: String,
    /// Unix seconds.
    pub timestamp: i64,
}

/// A tree head with its signature (a compact JWS whose payload is the [`TreeHead`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedTreeHead {
    pub head: TreeHead,
    pub jws: String,
}

/// `GET /api/v1/transparency/inclusion/{leaf}`: the audit path of one attestation (the leaf
/// is the hex SHA-256 of its compact JWS) up to the signed head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InclusionProof {
    pub leaf_index: u64,
    pub tree_size: u64,
    /// Hex hashes, from the leaf's sibling up.
    pub path: Vec<String>,
    pub head: SignedTreeHead,
}

/// `GET /api/v1/transparency/consistency?from=&to=`: proof that the log of size `to` extends
/// the log of size `from` by appending only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    pub path: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_takes_the_default_term() {
        let request: NewAttestation = serde_json::from_str(
            r#"{"period":"2026-Q1","cohort":"all","disclosure":"bands","audience":"Acme Bank"}"#,
        )
        .unwrap();
        assert_eq!(request.expires_in_days, ATTESTATION_DEFAULT_DAYS);
        assert_eq!(request.metrics, None);
    }
}
