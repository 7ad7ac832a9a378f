//! The PeerPosture browser app: Leptos, client-side rendered, talking to `/api/v1`.
//!
//! Four bundles share this library: `App` (home, catalogue, login, the dashboard's overview
//! with its what-if), which executives load first; `Insights` (a metric's detail, the
//! industry table, the print report), the deeper analysis with charts; `BackOffice`
//! (submission form, roadmap and targets, team and tokens, sharing with clients, the client's
//! portfolio, administration, releases, invitations, standards, practices, methodology); and `Verify`
//! (the attestation check a client opens from a share link). Each binary mounts one, so each
//! wasm holds only its own pages.

pub mod api;
mod charts;
mod components;
mod pages;
mod verify;

pub use verify::Verify;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use components::{Bundle, DemoBanner, Footer, Header, HealthResource, provide_auth};
use pages::{
    AcceptInvitationPage, AdminPage, DashboardPage, Home, IndustryPage, LoginPage, MethodologyPage,
    MetricDetailPage, MetricsPage, MyPracticesPage, NotFound, PracticeEditorPage, PracticePage,
    PracticesPage, ReleasesPage, ReportPage, ReviewPage, RoadmapPage, SharePage,
    StandardEditorPage, StandardPage, StandardsPage, SubmitPage, TeamPage,
};
use pages::{NotificationsPage, PortfolioPage, UnsubscribePage, WebhooksPage};

/// The page around the routes of either bundle: header, demo banner, footer, and the session,
/// server health and bundle shared by every page through context.
#[component]
fn Shell(bundle: Bundle, children: Children) -> impl IntoView {
    provide_context(bundle);
    provide_auth();
    components::provide_unread();
    let health: HealthResource = components::load_once(api::health);
    provide_context(health);
    view! {
        <Router>
            <Header/>
            <DemoBanner/>
            <main id="content">{children()}</main>
            <Footer/>
        </Router>
    }
}

/// The main bundle.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <Shell bundle=Bundle::Main>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Home/>
                <Route path=path!("/metrics") view=MetricsPage/>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/dashboard") view=DashboardPage/>
            </Routes>
        </Shell>
    }
}

/// The insights bundle: the pages behind the overview, with charts.
#[component]
pub fn Insights() -> impl IntoView {
    view! {
        <Shell bundle=Bundle::Insights>
            <Routes fallback=NotFound>
                <Route path=path!("/dashboard/metric/:key") view=MetricDetailPage/>
                <Route path=path!("/industry") view=IndustryPage/>
                <Route path=path!("/report") view=ReportPage/>
            </Routes>
        </Shell>
    }
}

/// The back office bundle.
#[component]
pub fn BackOffice() -> impl IntoView {
    view! {
        <Shell bundle=Bundle::BackOffice>
            <Routes fallback=NotFound>
                <Route path=path!("/methodology") view=MethodologyPage/>
                <Route path=path!("/submit") view=SubmitPage/>
                <Route path=path!("/team") view=TeamPage/>
                <Route path=path!("/roadmap") view=RoadmapPage/>
                <Route path=path!("/share") view=SharePage/>
                <Route path=path!("/portfolio") view=PortfolioPage/>
                <Route path=path!("/admin") view=AdminPage/>
                <Route path=path!("/releases") view=ReleasesPage/>
                <Route path=path!("/invite/:token") view=AcceptInvitationPage/>
                <Route path=path!("/standards") view=StandardsPage/>
                <Route path=path!("/standards/new") view=StandardEditorPage/>
                <Route path=path!("/standards/:id/edit") view=StandardEditorPage/>
                <Route path=path!("/standards/:id") view=StandardPage/>
                <Route path=path!("/practices") view=PracticesPage/>
                <Route path=path!("/practices/new") view=PracticeEditorPage/>
                <Route path=path!("/practices/mine") view=MyPracticesPage/>
                <Route path=path!("/practices/review") view=ReviewPage/>
                <Route path=path!("/practices/:id/edit") view=PracticeEditorPage/>
                <Route path=path!("/practices/:id") view=PracticePage/>
                <Route path=path!("/notifications") view=NotificationsPage/>
                <Route path=path!("/webhooks") view=WebhooksPage/>
                <Route path=path!("/unsubscribe") view=UnsubscribePage/>
            </Routes>
        </Shell>
    }
}
