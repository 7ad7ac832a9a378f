//! The PeerPosture browser app: Leptos, client-side rendered, talking to `/api/v1`.

pub mod api;
mod components;
mod pages;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use components::{Footer, Header};
use pages::{Home, MetricsPage, NotFound};

/// The app shell: header, the routed page, footer.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <Header/>
            <main id="content">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/metrics") view=MetricsPage/>
                </Routes>
            </main>
            <Footer/>
        </Router>
    }
}
