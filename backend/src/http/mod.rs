//! The HTTP surface: the REST API under `/api/v1` and the built frontend for every other path.

mod account;
mod attestations;
mod audit;
mod benchmarks;
mod catalogue;
mod clients;
mod exports;
mod extract;
mod health;
mod invitations;
mod notifications;
mod openapi;
mod orgs;
mod params;
mod periods;
mod plan;
mod portfolio;
mod practices;
mod routes;
mod standards;
mod static_files;
mod submissions;
mod team;
mod tokens;

use axum::Router;
use axum::extract::{DefaultBodyLimit, OriginalUri, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use shared::{ErrorBody, ErrorCode};
use tower::ServiceBuilder;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::error::AppError;

pub use crate::app::AppState;
pub use openapi::{described_routes, document as openapi_document};
pub use params::current_period;

/// JSON request bodies are small; CSV uploads have their own limit.
const JSON_LIMIT_BYTES: usize = 64 * 1024;

/// Builds the complete application router.
pub fn build_app(state: AppState) -> Router {
    let api = routes::router()
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Each `Router::layer` wraps every route in one more boxed service, cloned for each
        // request: the middleware goes in as one stack (the last listed runs first, as before).
        .layer(
            ServiceBuilder::new()
                .layer(middleware::map_response(json_errors))
                .layer(middleware::from_fn(extract::reject_cross_site))
                .layer(DefaultBodyLimit::max(JSON_LIMIT_BYTES)),
        )
        .with_state(state.clone());

    Router::new()
        .route(
            "/.well-known/jwks.json",
            axum::routing::get(attestations::jwks).with_state(state.clone()),
        )
        .nest("/api", api)
        .fallback_service(static_files::service(&state.config.dist_dir))
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                .layer(SetResponseHeaderLayer::overriding(
                    HeaderName::from_static("cross-origin-opener-policy"),
                    HeaderValue::from_static("same-origin"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_FRAME_OPTIONS,
                    HeaderValue::from_static("DENY"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                )),
        )
}

/// The request span, with secrets kept out: path segments as long as a token (invitation
/// links) are replaced, and the query string is left out. The path is written only when the
/// span is recorded.
fn request_span(request: &Request) -> tracing::Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %RedactedPath(request.uri().path())
    )
}

/// A request path with every segment as long as a token replaced by `[redacted]`.
struct RedactedPath<'a>(&'a str);

impl std::fmt::Display for RedactedPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (n, segment) in self.0.split('/').enumerate() {
            if n > 0 {
                f.write_str("/")?;
            }
            f.write_str(if segment.len() >= 32 {
                "[redacted]"
            } else {
                segment
            })?;
        }
        Ok(())
    }
}

// `OriginalUri`: inside the `/api` nest the plain `Uri` has lost its prefix.
async fn api_not_found(OriginalUri(uri): OriginalUri) -> AppError {
    AppError::NotFound(format!("no API route {}", uri.path()))
}

async fn method_not_allowed(OriginalUri(uri): OriginalUri) -> AppError {
    AppError::MethodNotAllowed(format!("method not allowed on {}", uri.path()))
}

/// Turns the plain-text errors of axum's own extractors (a malformed path or query, a body
/// that is not UTF-8 or too large) into the API's JSON error body.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_owned();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        text
    };
    let code = match status.as_u16() {
        400 => ErrorCode::BadRequest,
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        408 => ErrorCode::RequestTimeout,
        413 => ErrorCode::PayloadTooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        422 => ErrorCode::ValidationFailed,
        429 => ErrorCode::RateLimited,
        _ if status.is_client_error() => ErrorCode::BadRequest,
        _ => ErrorCode::Internal,
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let mut json = (status, axum::Json(ErrorBody::new(code, message))).into_response();
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE {
            json.headers_mut().insert(name.clone(), value.clone());
        }
    }
    json
}
