use leptos::prelude::*;
use leptos_router::components::A;

/// Product name and the main navigation.
#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="site-header">
            <a class="skip-link" href="#content">"Skip to content"</a>
            <div class="site-header__inner">
                <A href="/" attr:class="brand">
                    <span class="brand__mark" aria-hidden="true">"PP"</span>
                    <span class="brand__name">"PeerPosture"</span>
                </A>
                <nav aria-label="Main">
                    <ul class="nav">
                        <li><A href="/" exact=true>"Overview"</A></li>
                        <li><A href="/metrics">"Metrics"</A></li>
                    </ul>
                </nav>
            </div>
        </header>
    }
}
