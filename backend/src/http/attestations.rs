//! Client assurance: `/api/v1/attestations` (member admins issue, list, download and revoke),
//! `/api/v1/shared/{token}` and `/api/v1/attestation-status/{jti}` (anyone holding the link or
//! the attestation), `/api/v1/transparency/…` (the log) and `/.well-known/jwks.json`.
//!
//! An attestation carries only the member's own figures and the statistics the anonymity
//! policy already publishes for a released quarter: the cells are the stored ones, served by
//! the benchmark read path, and positions come from the same function as
//! `GET /benchmarks/{period}/position`.

use shared::attestation::SignedTreeHead;
use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::api::CohortInfo;
use shared::attestation::{
    ATTESTATION_MAX_DAYS, AUDIENCE_MAX_CHARS, AttestationInfo, AttestationIssued,
    AttestationStatus, ConsistencyProof, InclusionProof, KeyCompromise, NewAttestation,
    SharedAttestation,
};
use shared::catalogue::{self};
use shared::cohort::CohortKey;
use shared::format::unhex;

use super::AppState;
use super::extract::{Admin, ApiJson, OrgAdmin};
use super::routes::*;
use crate::auth;
use crate::engine::Attributes;
use crate::error::{AppError, Result};
use crate::events::Audit;
use crate::services;
use crate::services::attestations::{
    Issuance, Withdrawal, disclosed, key_set, new_key, off_runtime, signed_head, synced_log,
};
use crate::store::AuditRecord;

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/v1/attestations",
            list,
            200,
            Session,
            "The organisation's attestations (member admin)",
        )
        .returns(many::<AttestationInfo>()),
        get(
            "/v1/attestations/peer-groups",
            peer_groups,
            200,
            Session,
            "The peer groups an attestation may name: all and the organisation's cohorts",
        )
        .returns(many::<CohortInfo>()),
        post(
            "/v1/attestations",
            issue,
            201,
            Session,
            "Issue a signed attestation for a client (member admin)",
        )
        .takes(one::<NewAttestation>())
        .returns(one::<AttestationIssued>())
        .errors(&[404, 429]),
        delete(
            "/v1/attestations/{id}",
            revoke,
            204,
            Session,
            "Revoke an attestation (member admin)",
        ),
        get(
            "/v1/attestations/{id}/jws",
            download,
            200,
            Session,
            "An attestation as signed, a .jws file (member admin)",
        )
        .returns(Body::Jose),
        get(
            "/v1/shared/{token}",
            shared,
            200,
            Anyone,
            "What a share link opens: the attestation and its status",
        )
        .returns(one::<SharedAttestation>()),
        get(
            "/v1/attestation-status/{jti}",
            status,
            200,
            Anyone,
            "Whether an attestation is revoked",
        )
        .returns(one::<AttestationStatus>()),
        post(
            "/v1/signing-keys/rotate",
            rotate,
            201,
            Session,
            "Sign with a new key from now on; the old one stays published (admin)",
        )
        .returns(Body::Json(any_object)),
        post(
            "/v1/signing-keys/{kid}/compromised",
            compromised,
            200,
            Session,
            "Report a key compromised from a time on: nothing it signed since is trusted, and a new key signs if it still did (admin)",
        )
        .takes(one::<KeyCompromise>())
        .returns(Body::Json(any_object))
        .errors(&[404]),
        get(
            "/v1/transparency/head",
            head,
            200,
            Anyone,
            "The transparency log's signed tree head",
        )
        .returns(one::<SignedTreeHead>()),
        get(
            "/v1/transparency/inclusion/{leaf}",
            inclusion,
            200,
            Anyone,
            "The audit path of an attestation (leaf: SHA-256 of its JWS) to the signed head",
        )
        .returns(one::<InclusionProof>()),
        get(
            "/v1/transparency/consistency",
            consistency,
            200,
            Anyone,
            "Proof that the log of size `to` extends the log of size `from`",
        )
        .query(&[("from", true, uint64), ("to", false, uint64)])
        .returns(one::<ConsistencyProof>()),
    ]
}

/// `GET /.well-known/jwks.json`: every key this deployment ever signed with, current and retired.
pub async fn jwks(State(state): State<AppState>) -> Result<Response> {
    let keys = key_set(state.store.as_ref()).await?;
    Ok(public((
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))],
        Json(keys),
    )))
}

/// Public facts anyone may check from any web page (keys, status, the log): readable across
/// origins, never with credentials.
fn public<T: IntoResponse>(body: T) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// A platform admin starts signing with a new key; the old one stays published, so what it
/// signed still verifies.
async fn rotate(State(state): State<AppState>, Admin(admin): Admin) -> Result<Response> {
    let key = new_key(state.clock.now())?;
    let audit = AuditRecord::new(&admin.email, Audit::SigningKeyRotated, &key.kid, "");
    let mut write = state.store.write().await?;
    state.store.add_signing_key(&mut write, &key).await?;
    write.commit_audited(&audit).await?;
    Ok((
        StatusCode::CREATED,
        Json(attest::public_jwk(&key.kid, &key.public_x)),
    )
        .into_response())
}

/// A platform admin reports a key's seed exposed from a stated time on.
async fn compromised(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(kid): Path<String>,
    ApiJson(report): ApiJson<KeyCompromise>,
) -> Result<Response> {
    let from = shared::period::parse_rfc3339(report.from.trim()).ok_or_else(|| {
        AppError::invalid("from", "an RFC 3339 UTC time such as 2026-12-01T08:00:00Z")
    })?;
    let key = services::attestations::compromise(
        state.store.as_ref(),
        &kid,
        from,
        state.clock.now(),
        &admin.email,
    )
    .await?;
    Ok(Json(key).into_response())
}

async fn list(
    State(state): State<AppState>,
    admin: OrgAdmin,
) -> Result<Json<Vec<AttestationInfo>>> {
    Ok(Json(state.store.attestations(admin.org_id).await?))
}

/// The peer groups an attestation may name: `all` and the organisation's own cohorts.
async fn peer_groups(
    State(state): State<AppState>,
    admin: OrgAdmin,
) -> Result<Json<Vec<CohortInfo>>> {
    let org = state
        .store
        .org(admin.org_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no organisation #{}", admin.org_id)))?;
    let attributes = Attributes::from(&org);
    Ok(Json(
        CohortKey::lattice()
            .filter(|cohort| attributes.in_cohort(*cohort))
            .map(CohortInfo::from)
            .collect(),
    ))
}

/// Checks the request; the audience trimmed.
fn validate(request: &NewAttestation) -> Result<String> {
    let mut fields = BTreeMap::new();
    let audience = request.audience.trim().to_owned();
    if !(1..=AUDIENCE_MAX_CHARS).contains(&audience.chars().count()) {
        fields.insert(
            "audience".to_owned(),
            format!("name the client in 1 to {AUDIENCE_MAX_CHARS} characters"),
        );
    } else if audience.chars().any(char::is_control) {
        fields.insert(
            "audience".to_owned(),
            "may not contain control characters".to_owned(),
        );
    }
    if let Some(address) = &request.client_address
        && let Err(problem) = shared::account::check_email(address.trim())
    {
        fields.insert("client_address".to_owned(), problem);
    }
    if !(1..=ATTESTATION_MAX_DAYS).contains(&request.expires_in_days) {
        fields.insert(
            "expires_in_days".to_owned(),
            format!("must be 1 to {ATTESTATION_MAX_DAYS} days"),
        );
    }
    if let Some(metrics) = &request.metrics {
        if metrics.is_empty() {
            fields.insert(
                "metrics".to_owned(),
                "choose at least one metric".to_owned(),
            );
        }
        if let Some(unknown) = metrics.iter().find(|key| catalogue::find(key).is_none()) {
            fields.insert(
                "metrics".to_owned(),
                format!("no metric `{}` in the catalogue", bounded(unknown)),
            );
        }
    }
    if fields.is_empty() {
        Ok(audience)
    } else {
        Err(AppError::validation(fields))
    }
}

fn bounded(text: &str) -> String {
    text.chars().take(60).collect()
}

async fn issue(
    State(state): State<AppState>,
    OrgAdmin { user, org_id }: OrgAdmin,
    ApiJson(request): ApiJson<NewAttestation>,
) -> Result<(StatusCode, Json<AttestationIssued>)> {
    let audience = validate(&request)?;
    let issued = services::attestations::issue(
        state.store.as_ref(),
        &state.benchmarks,
        &Issuance {
            org_id,
            by: user.email,
            audience,
            issuer: state.config.issuer(),
            now: state.clock.now(),
        },
        &request,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

async fn download(
    State(state): State<AppState>,
    admin: OrgAdmin,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (jti, jws) = state
        .store
        .attestation_jws(admin.org_id, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let disposition = format!("attachment; filename=\"attestation-{jti}.jws\"");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/jose"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            ),
        ],
        jws,
    )
        .into_response())
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("no attestation #{id} in your organisation"))
}

async fn revoke(
    State(state): State<AppState>,
    OrgAdmin { user, org_id }: OrgAdmin,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    let withdrawal = Withdrawal {
        org_id,
        id,
        by: user.email,
        issuer: state.config.issuer(),
        now: state.clock.now(),
    };
    services::attestations::revoke(state.store.as_ref(), &withdrawal).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Capability links: 43 URL-safe base64 characters. Anything else is not a link.
fn share_token(token: &str) -> Result<&str> {
    let well_formed = token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if well_formed {
        Ok(token)
    } else {
        Err(unknown_link())
    }
}

fn unknown_link() -> AppError {
    AppError::NotFound("this share link does not exist".to_owned())
}

fn no_store<T: IntoResponse>(body: T) -> Response {
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        body,
    )
        .into_response()
}

/// What a share link opens, for anyone who has the link; revoked and expired ones still
/// answer with their status and dates, so the page can say so.
async fn shared(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response> {
    let token = share_token(&token)?;
    let now = state.clock.now();
    let record = state
        .store
        .open_shared(&auth::token_hash(token), now)
        .await?
        .ok_or_else(unknown_link)?;
    let shared = disclosed(state.store.as_ref(), &state.benchmarks, record, now).await?;
    Ok(no_store(Json(shared)))
}

async fn status(State(state): State<AppState>, Path(jti): Path<String>) -> Result<Response> {
    let known = jti.len() == 32 && unhex(&jti).is_some();
    let record = if known {
        state
            .store
            .attestation_status(&jti.to_ascii_lowercase())
            .await?
    } else {
        None
    };
    let record = record.ok_or_else(|| AppError::NotFound("no such attestation".to_owned()))?;
    let status = services::attestations::status(
        state.store.as_ref(),
        &state.benchmarks,
        &record,
        state.clock.now(),
    )
    .await?;
    Ok(public(no_store(Json(status))))
}

async fn head(State(state): State<AppState>) -> Result<Response> {
    let log = synced_log(state.store.as_ref(), &state.log).await?;
    Ok(public(no_store(Json(
        signed_head(state.store.as_ref(), &log, state.clock.now()).await?,
    ))))
}

async fn inclusion(State(state): State<AppState>, Path(leaf): Path<String>) -> Result<Response> {
    let leaf: [u8; 32] = unhex(&leaf)
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| {
            AppError::invalid(
                "leaf",
                "the SHA-256 of an attestation's compact JWS, as 64 hex digits",
            )
        })?;
    let index =
        state.store.log_index_of(&leaf).await?.ok_or_else(|| {
            AppError::NotFound("no such entry in the transparency log".to_owned())
        })?;
    let log = synced_log(state.store.as_ref(), &state.log).await?;
    let snapshot = Arc::clone(&log);
    let path = off_runtime(move || snapshot.inclusion(index as u64))
        .await?
        .ok_or_else(|| AppError::Internal(format!("log entry {index} is not in memory")))?;
    let head = signed_head(state.store.as_ref(), &log, state.clock.now()).await?;
    Ok(public(no_store(Json(InclusionProof {
        leaf_index: index as u64,
        tree_size: head.head.tree_size,
        path,
        head,
    }))))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyQuery {
    from: u64,
    to: Option<u64>,
}

async fn consistency(
    State(state): State<AppState>,
    Query(query): Query<ConsistencyQuery>,
) -> Result<Response> {
    let log = synced_log(state.store.as_ref(), &state.log).await?;
    let (size, from) = (log.len(), query.from);
    let to = query.to.unwrap_or(size);
    // Far back in a long log the proof rebuilds a prefix of the tree: off the runtime, with
    // the log's lock long released.
    let path = off_runtime(move || log.consistency(from, to))
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                "from",
                format!(
                    "need 0 < from ≤ to ≤ {size} (the log's size); got from = {from}, to = {to}"
                ),
            )
        })?;
    Ok(public(no_store(Json(ConsistencyProof {
        from: query.from,
        to,
        path,
    }))))
}
