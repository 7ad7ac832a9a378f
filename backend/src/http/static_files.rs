//! Serves the built frontend from the dist directory. Paths that are not files get the app
//! shell, so the browser app's own routes (`/metrics`, `/dashboard`) load the app: the back
//! office bundle's `backoffice/index.html` for its routes, `index.html` for every other.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// Routes of the back office bundle (the frontend's `BACK_OFFICE_PATHS`).
const BACK_OFFICE_PATHS: [&str; 5] = ["/submit", "/team", "/admin", "/releases", "/invite"];

pub fn service(dist_dir: &Path) -> Router {
    let shell = get(app_shell).with_state(dist_dir.to_owned());
    let files = ServeDir::new(dist_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(shell);
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_policy))
}

fn is_back_office(path: &str) -> bool {
    BACK_OFFICE_PATHS.iter().any(|prefix| {
        path == *prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// The index.html of the bundle that owns the requested path.
async fn app_shell(State(dist_dir): State<PathBuf>, request: Request) -> Response {
    let index = if is_back_office(request.uri().path()) {
        dist_dir.join("backoffice/index.html")
    } else {
        dist_dir.join("index.html")
    };
    match ServeFile::new(index)
        .precompressed_br()
        .precompressed_gzip()
        .oneshot(request)
        .await
    {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}

/// Trunk puts a content hash in every asset's file name, so assets can be cached for good;
/// `index.html` (served for every app route) must be revalidated to pick up new builds.
async fn cache_policy(request: Request, next: Next) -> Response {
    let has_extension = request
        .uri()
        .path()
        .rsplit('/')
        .next()
        .is_some_and(|name| name.contains('.'));
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    let policy = if response.status().is_success() && has_extension && !is_html {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}
