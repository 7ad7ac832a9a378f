//! The PeerPosture server as a library, so that tests drive the same router and startup
//! code as the binary.

pub mod config;
pub mod error;
pub mod http;
pub mod store;

use std::future::Future;

use tokio::net::TcpListener;

pub use config::Config;
pub use http::{AppState, build_app};

/// Opens the store and serves the application on `listener` until `shutdown` completes,
/// then finishes the requests in flight.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let store = store::open(&config.database_url).await?;
    if !config.dist_dir.join("index.html").is_file() {
        tracing::warn!(
            dist_dir = %config.dist_dir.display(),
            "no index.html in the dist directory: the API works, the browser app does not \
             (build it with `cargo xtask run`)"
        );
    }
    let state = AppState {
        store,
        config: std::sync::Arc::new(config),
    };
    axum::serve(listener, build_app(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
