//! Types shared by the PeerPosture backend and frontend.
//!
//! Everything here is plain data and pure functions: no database, HTTP server or browser
//! dependencies, so the same definitions validate input on the server and drive forms in the
//! browser.

pub mod account;
pub mod api;
pub mod attestation;
pub mod benchmark;
pub mod catalogue;
pub mod client;
pub mod cohort;
pub mod error;
pub mod format;
pub mod notify;
#[cfg(feature = "openapi")]
mod openapi;
pub mod participation;
pub mod period;
pub mod plan;
pub mod practice;
pub mod standard;
pub mod submission;

pub use catalogue::{
    CATALOGUE, CATALOGUE_VERSION, CsfFunction, Direction, Metric, MetricValue, Unit,
};
pub use cohort::CohortKey;
pub use error::{ErrorBody, ErrorCode};
pub use period::Period;
