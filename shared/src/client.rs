//! Clients of BPOs: the banks, insurers and retailers that outsource to contact centers. A
//! client organisation submits nothing and is in no cohort; its reviewers read what its
//! suppliers address to it.

use serde::{Deserialize, Serialize};

use crate::account::{OrgRef, check_email};
use crate::attestation::AttestationClaims;
use crate::cohort::CohortKey;
use crate::period::Period;

/// The longest client organisation name.
pub const CLIENT_NAME_MAX_CHARS: usize = 120;

/// `POST /api/v1/clients` (platform admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewClientOrg {
    /// "Acme Bank" (1 to 120 characters).
    pub name: String,
    /// The address its suppliers name to share attestations with it, an email address such as
    /// `vendor-risk@acmebank.example` (unique).
    pub address: String,
}

impl NewClientOrg {
    /// One message per field that is not acceptable, by field name.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > CLIENT_NAME_MAX_CHARS {
            problems.push((
                "name",
                format!("must be 1 to {CLIENT_NAME_MAX_CHARS} characters"),
            ));
        }
        if let Err(problem) = check_email(self.address.trim()) {
            problems.push(("address", problem));
        }
        problems
    }
}

/// A client organisation, as the platform admin lists them: `GET /api/v1/clients`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientOrg {
    pub id: i64,
    pub name: String,
    pub address: String,
    /// Accounts of its reviewers.
    pub reviewers: i64,
    pub created_at: String,
}

/// An attestation in a portfolio is "expiring" this many days before it expires.
pub const EXPIRING_DAYS: i64 = 30;

/// How a client organisation's reviewers answered a supplier that shared with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SupplierStatus {
    /// Shared with the client, not yet accepted: only its name and how many it sent show.
    Pending,
    /// Accepted: every attestation it addresses to the client shows.
    Accepted,
    /// Declined: nothing it sends shows (a reviewer may still accept it later).
    Declined,
}

/// Where an attestation stands, at the time of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttestationState {
    Valid,
    /// Valid, expiring within [`EXPIRING_DAYS`].
    Expiring,
    Expired,
    Revoked,
}

impl AttestationState {
    /// The state at `now` of an attestation that expires at `expires_at` (Unix seconds).
    pub fn at(now: i64, expires_at: i64, revoked: bool) -> Self {
        if revoked {
            AttestationState::Revoked
        } else if expires_at <= now {
            AttestationState::Expired
        } else if expires_at - now <= EXPIRING_DAYS * 86_400 {
            AttestationState::Expiring
        } else {
            AttestationState::Valid
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AttestationState::Valid => "valid",
            AttestationState::Expiring => "expiring",
            AttestationState::Expired => "expired",
            AttestationState::Revoked => "revoked",
        }
    }
}

/// One attestation a supplier addressed to the client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortfolioAttestation {
    pub jti: String,
    pub period: Period,
    pub cohort: CohortKey,
    pub issued_at: String,
    pub expires_at: String,
    pub state: AttestationState,
    /// What it says, as the deployment verified it; null once revoked, or once expired unless
    /// the supplier kept it readable (as its share link).
    pub claims: Option<AttestationClaims>,
    /// The signed attestation, for the client to check itself (`/verify`); null as `claims`.
    pub jws: Option<String>,
}

/// A supplier (a member organisation) that shared with the client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Supplier {
    pub org: OrgRef,
    pub status: SupplierStatus,
    pub first_shared_at: String,
    /// How many attestations it addressed to the client.
    pub shared: i64,
    /// Those attestations, newest first: only once the supplier is accepted.
    pub attestations: Vec<PortfolioAttestation>,
}

/// `GET /api/v1/portfolio` (client reviewers): every supplier that shared with the reviewer's
/// client organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Portfolio {
    pub client: OrgRef,
    /// The address suppliers name to share with it.
    pub address: String,
    pub suppliers: Vec<Supplier>,
}

/// `PUT /api/v1/portfolio/suppliers/{org_id}` (client reviewers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SupplierDecision {
    pub accept: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_needs_a_name_and_an_email_address() {
        let good = NewClientOrg {
            name: "Acme Bank".to_owned(),
            address: "vendor-risk@acmebank.example".to_owned(),
        };
        assert!(good.problems().is_empty());
        let bad = NewClientOrg {
            name: " ".to_owned(),
            address: "acme bank".to_owned(),
        };
        let fields: Vec<&str> = bad.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["name", "address"]);
        let long = NewClientOrg {
            name: "x".repeat(CLIENT_NAME_MAX_CHARS + 1),
            ..good
        };
        assert_eq!(long.problems().len(), 1);
    }

    #[test]
    fn an_attestation_is_expiring_in_its_last_thirty_days() {
        let day = 86_400;
        assert_eq!(
            AttestationState::at(0, 31 * day, false),
            AttestationState::Valid
        );
        assert_eq!(
            AttestationState::at(0, 30 * day, false),
            AttestationState::Expiring
        );
        assert_eq!(AttestationState::at(0, 0, false), AttestationState::Expired);
        assert_eq!(
            AttestationState::at(0, 90 * day, true),
            AttestationState::Revoked
        );
    }
}
