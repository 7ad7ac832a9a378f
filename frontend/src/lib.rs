//! The PeerPosture browser app: Leptos, client-side rendered, talking to `/api/v1`.
//!
//! Two bundles share this library: `App` (overview, benchmarks, dashboard, login), which
//! executives load first, and `BackOffice` (submission form, team and tokens, administration,
//! releases, invitations). Each binary mounts one, so each wasm holds only its own pages.

pub mod api;
mod charts;
mod components;
mod pages;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use components::{Bundle, DemoBanner, Footer, Header, HealthResource, provide_auth};
use pages::{
    AcceptInvitationPage, AdminPage, DashboardPage, Home, IndustryPage, LoginPage, MethodologyPage,
    MetricDetailPage, MetricsPage, NotFound, ReleasesPage, ReportPage, SubmitPage, TeamPage,
};

/// Session, server health and bundle, shared by every page through context.
fn provide_shell(bundle: Bundle) {
    provide_context(bundle);
    provide_auth();
    let health: HealthResource = components::load_once(api::health);
    provide_context(health);
}

/// The main bundle.
#[component]
pub fn App() -> impl IntoView {
    provide_shell(Bundle::Main);
    view! {
        <Router>
            <Header/>
            <DemoBanner/>
            <main id="content">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/metrics") view=MetricsPage/>
                    <Route path=path!("/methodology") view=MethodologyPage/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/dashboard") view=DashboardPage/>
                    <Route path=path!("/dashboard/metric/:key") view=MetricDetailPage/>
                    <Route path=path!("/industry") view=IndustryPage/>
                    <Route path=path!("/report") view=ReportPage/>
                </Routes>
            </main>
            <Footer/>
        </Router>
    }
}

/// The back office bundle.
#[component]
pub fn BackOffice() -> impl IntoView {
    provide_shell(Bundle::BackOffice);
    view! {
        <Router>
            <Header/>
            <DemoBanner/>
            <main id="content">
                <Routes fallback=NotFound>
                    <Route path=path!("/submit") view=SubmitPage/>
                    <Route path=path!("/team") view=TeamPage/>
                    <Route path=path!("/admin") view=AdminPage/>
                    <Route path=path!("/invite/:token") view=AcceptInvitationPage/>
                    <Route path=path!("/releases") view=ReleasesPage/>
                </Routes>
            </main>
            <Footer/>
        </Router>
    }
}
