//! Serves the built frontend from the dist directory. Paths that are not files get the app
//! shell, so the browser app's own routes (`/metrics`, `/dashboard`) load the app: the back
//! office bundle's `backoffice/index.html` for its routes, the attestation check's
//! `verify/index.html` for share links and `/verify`, `index.html` for every other.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

pub fn service(dist_dir: &Path) -> Router {
    let shell = get(app_shell).with_state(dist_dir.to_owned());
    let files = ServeDir::new(dist_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(shell);
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_policy))
        .layer(middleware::from_fn_with_state(
            dist_dir.to_owned(),
            content_security_policy,
        ))
}

/// Sets the Content-Security-Policy of app pages: scripts only from this origin plus the inline
/// module script trunk writes into the bundle's index.html (allowed by its hash), wasm
/// compilation, and no eval. The hash is taken from the file as it is now, so a rebuilt
/// frontend works without a restart. (chart-js-rs tries `eval` for two optional extras, a
/// canvas background plugin and a zoom watcher; refused, the charts still draw.)
async fn content_security_policy(
    State(dist_dir): State<PathBuf>,
    request: Request,
    next: Next,
) -> Response {
    let index = bundle_index(&dist_dir, request.uri().path());
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if !is_html {
        return response;
    }
    let html = tokio::fs::read_to_string(&index).await.unwrap_or_default();
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for script in inline_scripts(&html) {
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script));
        script_src.push_str(&format!(" 'sha256-{digest}'"));
    }
    let policy = format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
         form-action 'self'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// The bodies of the `<script>` elements without a `src`.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let Some(tag_end) = rest[start..].find('>').map(|i| start + i + 1) else {
            break;
        };
        let Some(body_end) = rest[tag_end..].find("</script>").map(|i| tag_end + i) else {
            break;
        };
        if !rest[start..tag_end].contains("src=") {
            scripts.push(&rest[tag_end..body_end]);
        }
        rest = &rest[body_end..];
    }
    scripts
}

/// The index.html of the bundle that owns an app path.
fn bundle_index(dist_dir: &Path, path: &str) -> PathBuf {
    if shared::api::is_back_office_path(path) {
        dist_dir.join("backoffice/index.html")
    } else if shared::api::is_verify_path(path) {
        dist_dir.join("verify/index.html")
    } else if shared::api::is_insights_path(path) {
        dist_dir.join("insights/index.html")
    } else {
        dist_dir.join("index.html")
    }
}

/// The index.html of the bundle that owns the requested path.
async fn app_shell(State(dist_dir): State<PathBuf>, request: Request) -> Response {
    let index = bundle_index(&dist_dir, request.uri().path());
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

#[cfg(test)]
mod tests {
    use super::inline_scripts;

    #[test]
    fn finds_inline_scripts_and_skips_external_ones() {
        let html = "<script src=\"/chart.js\"></script>\n<script type=\"module\">import init from '/a.js';</script>";
        assert_eq!(inline_scripts(html), ["import init from '/a.js';"]);
        assert!(inline_scripts("<p>no scripts</p>").is_empty());
    }
}
