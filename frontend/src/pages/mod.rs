//! One module per routed page.

mod admin;
mod dashboard;
mod home;
mod industry;
mod invite;
mod login;
mod methodology;
mod metric_detail;
mod metrics;
mod not_found;
mod notifications;
mod portfolio;
mod practices;
mod releases;
mod report;
mod roadmap;
mod share;
mod standards;
mod submit;
mod team;
mod webhooks;

pub use admin::AdminPage;
pub use dashboard::DashboardPage;
pub use home::Home;
pub use industry::IndustryPage;
pub use invite::AcceptInvitationPage;
pub use login::LoginPage;
pub use methodology::MethodologyPage;
pub use metric_detail::MetricDetailPage;
pub use metrics::MetricsPage;
pub use not_found::NotFound;
pub use notifications::{NotificationsPage, UnsubscribePage};
pub use portfolio::PortfolioPage;
pub use practices::{MyPracticesPage, PracticeEditorPage, PracticePage, PracticesPage, ReviewPage};
pub use releases::ReleasesPage;
pub use report::ReportPage;
pub use roadmap::RoadmapPage;
pub use share::SharePage;
pub use standards::{StandardEditorPage, StandardPage, StandardsPage};
pub use submit::SubmitPage;
pub use team::TeamPage;
pub use webhooks::WebhooksPage;

use shared::account::Role;

/// Where a user lands after logging in.
pub fn landing(role: Role) -> &'static str {
    match role {
        Role::MemberAdmin | Role::MemberViewer => "/dashboard",
        Role::Admin => "/admin",
        Role::Publisher => "/releases",
        Role::ClientReviewer => "/portfolio",
    }
}
