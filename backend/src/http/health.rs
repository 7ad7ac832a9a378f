//! `GET /api/v1/health`: liveness and version, for load balancers and the app footer.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::api::Health;

use super::AppState;
use super::routes::*;

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/v1/health",
            health,
            200,
            Anyone,
            "Liveness, server version, demo flag",
        )
        .returns(one::<Health>()),
    ]
}

/// 200 `ok` while the store answers; 503 `unavailable` otherwise, so a load balancer can
/// take the instance out of rotation.
async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let (status, text) = match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::error!(%error, "health check: store unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        }
    };
    let body = Health {
        status: text.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        demo: state.demo,
    };
    (status, Json(body))
}
