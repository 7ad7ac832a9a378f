//! The PeerPosture browser app: Leptos, client-side rendered, talking to `/api/v1`.

pub mod api;
mod charts;
mod components;
mod pages;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use components::{DemoBanner, Footer, Header, HealthResource, provide_auth};
use pages::{
    AcceptInvitationPage, AdminPage, DashboardPage, Home, IndustryPage, LoginPage, MethodologyPage,
    MetricDetailPage, MetricsPage, NotFound, ReportPage, SubmitPage, TeamPage,
};

/// The app shell: header, the routed page, footer.
#[component]
pub fn App() -> impl IntoView {
    provide_auth();
    let health: HealthResource = LocalResource::new(api::health);
    provide_context(health);
    view! {
        <Router>
            <Header/>
            <DemoBanner/>
            <main id="content">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/metrics") view=MetricsPage/>
                    <Route path=path!("/methodology") view=MethodologyPage/>
                    <Route path=path!("/dashboard") view=DashboardPage/>
                    <Route path=path!("/dashboard/metric/:key") view=MetricDetailPage/>
                    <Route path=path!("/industry") view=IndustryPage/>
                    <Route path=path!("/report") view=ReportPage/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/invite/:token") view=AcceptInvitationPage/>
                    <Route path=path!("/submit") view=SubmitPage/>
                    <Route path=path!("/team") view=TeamPage/>
                    <Route path=path!("/admin") view=AdminPage/>
                </Routes>
            </main>
            <Footer/>
        </Router>
    }
}
