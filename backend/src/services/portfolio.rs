//! A client's portfolio: every supplier (member organisation) that shared an attestation with
//! the client organisation, and, for the suppliers its reviewers accepted, what each addressed
//! to it. What an attestation shows follows the share link's rule ([`readable`]).

use attest::{Jwks, verify_attestation};
use shared::account::OrgRef;
use shared::client::{AttestationState, Portfolio, PortfolioAttestation, Supplier, SupplierStatus};
use shared::period::rfc3339;

use super::attestations::{key_set, readable};
use crate::error::{AppError, Result};
use crate::store::{SharedRecord, Store};

/// The portfolio of client organisation `client_id` at `now`.
pub async fn portfolio(store: &dyn Store, client_id: i64, now: i64) -> Result<Portfolio> {
    let client = store
        .client_org(client_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no client organisation #{client_id}")))?;
    let keys = key_set(store).await?;
    let mut suppliers = Vec::new();
    for record in store.suppliers(client_id).await? {
        let attestations = if record.status == SupplierStatus::Accepted {
            store
                .supplier_attestations(client_id, record.org.id)
                .await?
                .into_iter()
                .map(|attestation| entry(attestation, &keys, now))
                .collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        suppliers.push(Supplier {
            org: record.org,
            status: record.status,
            first_shared_at: rfc3339(record.first_shared_at),
            shared: record.shared,
            attestations,
        });
    }
    Ok(Portfolio {
        client: OrgRef {
            id: client.id,
            name: client.name,
        },
        address: client.address,
        suppliers,
    })
}

fn entry(record: SharedRecord, keys: &Jwks, now: i64) -> Result<PortfolioAttestation> {
    let corrupt =
        |what: &str| AppError::Internal(format!("attestation {}: {what}", record.status.jti));
    let shown = readable(&record, now);
    let claims = if shown {
        verify_attestation(&record.jws, keys, now).claims
    } else {
        None
    };
    Ok(PortfolioAttestation {
        period: record.period.parse().map_err(|_| corrupt("period"))?,
        cohort: record.cohort.parse().map_err(|_| corrupt("cohort"))?,
        state: AttestationState::at(now, record.expires_at, record.status.revoked),
        jti: record.status.jti,
        issued_at: record.status.issued_at,
        expires_at: record.status.expires_at,
        // Only what verifies is shown; the signed copy with it, for the client to check.
        jws: claims.is_some().then_some(record.jws),
        claims,
    })
}
