//! The audit log, for admins: `GET /api/v1/audit?before=ID&limit=N`.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use shared::account::AuditEntry;

use super::AppState;
use super::extract::Admin;
use crate::error::Result;

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/audit", get(list))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    before: Option<i64>,
    limit: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    _: Admin,
    Query(page): Query<Page>,
) -> Result<Json<Vec<AuditEntry>>> {
    let limit = page.limit.unwrap_or(100).clamp(1, 500);
    Ok(Json(state.store.audit_log(limit, page.before).await?))
}
