use leptos::prelude::*;

use crate::api;

/// Server version and reachability, from `GET /api/v1/health`.
#[component]
pub fn Footer() -> impl IntoView {
    let health = LocalResource::new(api::health);
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
            <p class="site-footer__status" data-testid="server-status">{status}</p>
        </footer>
    }
}
