//! One module per routed page.

mod home;
mod metrics;
mod not_found;

pub use home::Home;
pub use metrics::MetricsPage;
pub use not_found::NotFound;
