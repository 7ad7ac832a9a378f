//! The client's workspace: `/api/v1/portfolio` (client reviewers), also as CSV or Excel. A member admin shares an
//! attestation with a client organisation by its address; the client's reviewers accept the
//! supplier once and from then on see what it addresses to them.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use shared::client::{Portfolio, SupplierDecision, SupplierStatus};

use super::AppState;
use super::exports::{ExportFormat, download};
use super::extract::{ApiJson, Reviewer};
use super::params::ApiQuery;
use super::routes::*;
use crate::error::{AppError, Result};
use crate::events::Audit;
use crate::services::exports;
use crate::services::portfolio::portfolio;
use crate::store::AuditRecord;

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/v1/portfolio",
            read,
            200,
            Session,
            "Every supplier that shared with the reviewer's client organisation, and what the accepted ones sent (client reviewer)",
        )
        .returns(one::<Portfolio>()),
        put(
            "/v1/portfolio/suppliers/{org_id}",
            decide,
            200,
            Session,
            "Accept or decline a supplier that shared with the client organisation (client reviewer)",
        )
        .takes(one::<SupplierDecision>())
        .returns(one::<Portfolio>())
        .errors(&[404]),
        get(
            "/v1/portfolio/export",
            export,
            200,
            Session,
            "The portfolio as CSV or Excel: each accepted supplier's latest attestation, a row per metric (client reviewer)",
        )
        .query(&[("format", false, export_format)])
        .returns(Body::Export),
    ]
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    format: Option<String>,
}

async fn export(
    State(state): State<AppState>,
    reviewer: Reviewer,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response> {
    let format = ExportFormat::asked(query.format.as_deref())?;
    let now = state.clock.now();
    let sheet =
        exports::portfolio(&portfolio(state.store.as_ref(), reviewer.client.id, now).await?);
    let day = &shared::period::rfc3339(now)[..10];
    download(&sheet, format, &format!("peerposture-portfolio-{day}"))
}

async fn read(State(state): State<AppState>, reviewer: Reviewer) -> Result<Json<Portfolio>> {
    Ok(Json(
        portfolio(state.store.as_ref(), reviewer.client.id, state.clock.now()).await?,
    ))
}

async fn decide(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Path(org_id): Path<i64>,
    ApiJson(decision): ApiJson<SupplierDecision>,
) -> Result<Json<Portfolio>> {
    let status = if decision.accept {
        SupplierStatus::Accepted
    } else {
        SupplierStatus::Declined
    };
    let now = state.clock.now();
    let mut write = state.store.write().await?;
    if !state
        .store
        .decide_supplier(
            &mut write,
            reviewer.client.id,
            org_id,
            (status, reviewer.user.id),
            now,
        )
        .await?
    {
        return Err(AppError::NotFound(format!(
            "organisation #{org_id} has not shared with {}",
            reviewer.client.name
        )));
    }
    write
        .commit_audited(&AuditRecord::new(
            &reviewer.user.email,
            Audit::SupplierDecided,
            format!("organisation #{org_id} for {}", reviewer.client.name),
            if decision.accept {
                "accepted"
            } else {
                "declined"
            },
        ))
        .await?;
    Ok(Json(
        portfolio(state.store.as_ref(), reviewer.client.id, now).await?,
    ))
}
