//! The public reference data: `GET /api/v1/metrics` and `GET /api/v1/cohorts`.

use axum::Json;
use shared::api::{Catalogue, CohortInfo};
use shared::{CATALOGUE, CATALOGUE_VERSION, CohortKey};

use super::routes::*;

pub fn routes() -> Vec<Route> {
    vec![
        get("/v1/metrics", metrics, 200, Anyone, "The metric catalogue")
            .returns(one::<Catalogue>()),
        get("/v1/cohorts", cohorts, 200, Anyone, "The cohort lattice")
            .returns(many::<CohortInfo>()),
    ]
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
