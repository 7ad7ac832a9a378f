//! `peerposture`: the API server binary. Configuration comes from `peerposture.toml` (or the
//! file named by `PEERPOSTURE_CONFIG`) and `PEERPOSTURE_*` environment variables.

use std::process::ExitCode;

use backend::Config;
use tokio::net::TcpListener;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|spec| spec.parse().ok())
        .unwrap_or_else(|| {
            "info,tower_http=info,sqlx=warn"
                .parse()
                .expect("valid default filter")
        });
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer())
        .with(filter)
        .init();

    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let config = Config::load()?;
    // `peerposture backup FILE`: a consistent copy of the SQLite store, safe while it serves.
    // `peerposture migrate-store --from sqlite://… --to postgres://…`: moves a whole store.
    // `peerposture openapi`: prints the API's OpenAPI document.
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
    match arguments.as_slice() {
        [] => {}
        // `peerposture openapi`: the OpenAPI document on standard output, for client generators.
        ["openapi"] => {
            println!("{:#}", backend::http::openapi_document());
            return Ok(());
        }
        ["backup", target] => {
            let target = std::path::Path::new(target);
            backend::store::backup(&config.database_url, target).await?;
            tracing::info!("backed up the store to {}", target.display());
            return Ok(());
        }
        ["migrate-store", "--from", from, "--to", to] => {
            let copied = backend::store::migrate_store(from, to).await?;
            for (table, rows) in &copied {
                tracing::info!("{table:>22}: {rows} rows");
            }
            tracing::info!(
                "copied {} rows from {} to {}",
                copied.iter().map(|(_, rows)| rows).sum::<u64>(),
                backend::store::redact_url(from),
                backend::store::redact_url(to)
            );
            return Ok(());
        }
        _ => {
            return Err("usage: peerposture [backup FILE | openapi | \
                        migrate-store --from sqlite://FILE --to postgres://USER@HOST/DATABASE]"
                .into());
        }
    }
    tracing::info!(
        ?config,
        "starting PeerPosture {}",
        env!("CARGO_PKG_VERSION")
    );
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|error| format!("cannot listen on {}: {error}", config.bind))?;
    backend::serve(config, listener, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
