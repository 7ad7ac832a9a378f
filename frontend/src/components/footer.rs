use leptos::prelude::*;
use shared::api::Health;

use crate::api::ApiError;

/// The server's health, loaded once and shared by the footer and the demo banner.
pub type HealthResource = super::Loaded<Result<Health, ApiError>>;

/// Server version and reachability, from `GET /api/v1/health`.
#[component]
pub fn Footer() -> impl IntoView {
    let health = expect_context::<HealthResource>();
    let status = move || {
        health.get().map(|result| match result {
            Ok(health) if health.status == "ok" => {
                view! { <span class="server server--ok">"Server v" {health.version}</span> }.into_any()
            }
            Ok(health) => view! {
                <span class="server server--down">"Server v" {health.version} " — " {health.status}</span>
            }
            .into_any(),
            Err(_) => view! { <span class="server server--down">"Server unreachable"</span> }.into_any(),
        })
    };
    view! {
        <footer class="site-footer">
            <p>
                "PeerPosture — security benchmarks for BPO contact centers. "
                "No member's values are ever shown to anyone else."
            </p>
            <nav aria-label="About">
                <super::Link href="/metrics">"Metrics"</super::Link>
                <super::Link href="/methodology">"Methodology"</super::Link>
                <super::Link href="/standards">"Standards"</super::Link>
            </nav>
            <p class="site-footer__status" data-testid="server-status">{status}</p>
        </footer>
    }
}

/// Says so on every page when the store holds the synthetic demo consortium.
#[component]
pub fn DemoBanner() -> impl IntoView {
    let health = expect_context::<HealthResource>();
    move || {
        let demo = health
            .get()
            .is_some_and(|result| result.is_ok_and(|h| h.demo));
        demo.then(|| {
            view! {
                <div class="demo-banner" role="note" data-testid="demo-banner">
                    <strong>"Demo data. "</strong>
                    "Every organisation, person and value on this server is synthetic."
                </div>
            }
        })
    }
}
