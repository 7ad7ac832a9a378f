//! The PeerPosture server as a library, so that tests drive the same router and startup
//! code as the binary.

pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod connections;
pub mod demo;
pub mod demo_library;
pub mod engine;
pub mod error;
pub mod events;
pub mod http;
pub mod markdown;
pub mod notify;
pub mod release;
pub mod services;
pub mod store;

#[cfg(test)]
mod layers;

use std::future::Future;
use std::sync::Arc;

use shared::account::Role;
use tokio::net::TcpListener;

pub use app::AppState;
pub use config::Config;
pub use http::build_app;

use crate::store::Store;

/// Opens the store and serves the application on `listener` until `shutdown` completes,
/// then finishes the requests in flight.
pub async fn serve(
    mut config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // Without a configured public URL, attestations name the address actually bound.
    if config.public_url.is_none() {
        config.bind = listener.local_addr()?;
    }
    let store = store::open(&config.database_url).await?;
    // Releases made under an older anonymity policy are recomputed under this one, from the
    // contributors they froze, before anything is served.
    for period in release::reapply_policy(store.as_ref()).await? {
        tracing::info!(
            %period,
            policy = shared::benchmark::POLICY_VERSION,
            "recomputed a release under the current anonymity policy"
        );
    }
    let clock = app::Clock::new(config.clock_file.clone());
    let demo = if config.demo {
        demo::seed_if_empty(store.as_ref(), clock.now(), config.k).await?
    } else {
        store.setting(demo::DEMO_SETTING).await?.is_some()
    };
    if demo {
        tracing::info!(
            "demo store: every organisation and value is synthetic. Demo logins \
            (password `{}`):",
            demo::DEMO_PASSWORD
        );
        for (email, _, role, org) in demo::DEMO_LOGINS {
            let org = org
                .map(|n| format!(" of {}", demo::org_name(n)))
                .unwrap_or_default();
            tracing::info!("  {email:<28} {}{org}", role.label());
        }
    }
    create_first_admin(store.as_ref(), &config).await?;
    services::attestations::ensure_signing_key(store.as_ref(), clock.now()).await?;
    if !config.dist_dir.join("index.html").is_file() {
        tracing::warn!(
            dist_dir = %config.dist_dir.display(),
            "no index.html in the dist directory: the API works, the browser app does not \
             (build it with `cargo xtask run`)"
        );
    }
    let mailer = match &config.smtp_url {
        Some(url) => {
            let mailer = notify::Mailer::new(url.expose(), &config.smtp_from)?;
            tracing::info!(
                relay = %mailer.relay,
                encrypted = mailer.encrypted,
                from = %config.smtp_from,
                "notifications are emailed through the SMTP relay"
            );
            Some(mailer)
        }
        None => {
            tracing::warn!(
                "no SMTP relay configured (PEERPOSTURE_SMTP_URL): notifications stay in the \
                 app and invitation links are only shown to the inviter"
            );
            None
        }
    };
    if !config.deliver_notifications {
        tracing::warn!(
            "PEERPOSTURE_DELIVER_NOTIFICATIONS=false: emails and webhook requests wait in the \
             store until a server that delivers them runs"
        );
    }
    let hub = notify::Hub::new(
        mailer,
        notify::link_key(store.as_ref()).await?,
        config.webhook_allow_loopback,
    );
    let state = AppState::new(app::Shared {
        store,
        config: Arc::new(config),
        demo,
        benchmarks: Arc::default(),
        log: Arc::default(),
        notify: Arc::new(hub),
        clock,
    });
    let worker = tokio::spawn(state.worker().run());
    let limits = connections::Limits {
        header_timeout: state.config.request_timeout(),
        shutdown_deadline: state.config.shutdown_deadline(),
    };
    let app = build_app(state);
    tracing::info!(
        "PeerPosture is listening on http://{}",
        listener.local_addr()?
    );
    connections::serve(listener, app, limits, shutdown).await;
    worker.abort();
    Ok(())
}

/// Creates the admin named by `PEERPOSTURE_ADMIN_EMAIL` / `_PASSWORD` when the store has no
/// users yet.
async fn create_first_admin(
    store: &dyn Store,
    config: &Config,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (Some(email), Some(password)) = (&config.admin_email, &config.admin_password) else {
        return Ok(());
    };
    if store.user_count().await? > 0 {
        return Ok(());
    }
    let email = email.trim().to_lowercase();
    shared::account::check_email(&email).map_err(|m| format!("PEERPOSTURE_ADMIN_EMAIL {m}"))?;
    shared::account::check_new_password(password.expose())
        .map_err(|m| format!("PEERPOSTURE_ADMIN_PASSWORD {m}"))?;
    let password = password.expose().to_owned();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password)).await?;
    match store
        .create_user(&email, "Administrator", Role::Admin, None, &hash)
        .await
    {
        Ok(_) => tracing::info!("created the first admin account {email}"),
        // Another instance starting at the same moment created it.
        Err(store::StoreError::Conflict(_)) => {}
        Err(error) => return Err(error.into()),
    }
    Ok(())
}
