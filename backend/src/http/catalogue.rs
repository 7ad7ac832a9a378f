//! The public reference data: `GET /api/v1/metrics` and `GET /api/v1/cohorts`.

use axum::routing::get;
use axum::{Json, Router};
use shared::api::{Catalogue, CohortInfo};
use shared::{CATALOGUE, CATALOGUE_VERSION, CohortKey};

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/metrics", get(metrics))
        .route("/v1/cohorts", get(cohorts))
}

async fn metrics() -> Json<Catalogue> {
    Json(Catalogue {
        version: CATALOGUE_VERSION,
        metrics: CATALOGUE.clone(),
    })
}

async fn cohorts() -> Json<Vec<CohortInfo>> {
    Json(CohortKey::lattice().map(CohortInfo::from).collect())
}
