//! The HTTP surface: the REST API under `/api/v1` and the built frontend for every other path.

mod catalogue;
mod health;
mod periods;
mod static_files;

pub use periods::current_period;

use std::sync::Arc;

use axum::Router;
use axum::extract::OriginalUri;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::error::AppError;
use crate::store::Store;

/// Shared by every handler. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
}

/// Builds the complete application router.
pub fn build_app(state: AppState) -> Router {
    let api = Router::new()
        .merge(health::router())
        .merge(catalogue::router())
        .merge(periods::router())
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone());

    Router::new()
        .nest("/api", api)
        .fallback_service(static_files::service(&state.config.dist_dir))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(TraceLayer::new_for_http())
}

// `OriginalUri`: inside the `/api` nest the plain `Uri` has lost its prefix.
async fn api_not_found(OriginalUri(uri): OriginalUri) -> AppError {
    AppError::NotFound(format!("no API route {}", uri.path()))
}

async fn method_not_allowed(OriginalUri(uri): OriginalUri) -> AppError {
    AppError::MethodNotAllowed(format!("method not allowed on {}", uri.path()))
}
