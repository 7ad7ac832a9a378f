//! One module per routed page.

pub mod admin;
mod home;
mod invite;
mod login;
mod methodology;
mod metrics;
mod not_found;
mod submit;
mod team;

pub use admin::AdminPage;
pub use home::Home;
pub use invite::AcceptInvitationPage;
pub use login::LoginPage;
pub use methodology::MethodologyPage;
pub use metrics::MetricsPage;
pub use not_found::NotFound;
pub use submit::SubmitPage;
pub use team::TeamPage;

use shared::account::Role;

/// Where a user lands after logging in.
pub fn landing(role: Role) -> &'static str {
    match role {
        Role::MemberAdmin | Role::MemberViewer => "/submit",
        Role::Admin => "/admin",
        Role::Publisher => "/",
    }
}
