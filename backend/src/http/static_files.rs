//! Serves the built frontend from the dist directory. Paths that are not files get
//! `index.html`, so the browser app's own routes (`/metrics`, `/dashboard`) load the app.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::services::{ServeDir, ServeFile};

pub fn service(dist_dir: &Path) -> Router {
    let index = ServeFile::new(dist_dir.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let files = ServeDir::new(dist_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index);
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_policy))
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
