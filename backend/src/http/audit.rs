//! The audit log, for admins: `GET /api/v1/audit?before=ID&limit=N`.

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use shared::account::AuditEntry;

use super::AppState;
use super::extract::Admin;
use super::routes::*;
use crate::error::Result;

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/v1/audit",
            list,
            200,
            Session,
            "The audit log, newest first (admin)",
        )
        .query(&[("before", false, int64), ("limit", false, page_size)])
        .returns(many::<AuditEntry>()),
    ]
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
