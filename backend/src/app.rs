//! What the server is made of at run time: the state every request and the notification worker
//! share, and the one clock they read the time from.

use std::sync::Arc;

pub use crate::clock::Clock;
use crate::config::Config;
use crate::notify::{Hub, Worker};
use crate::services::attestations::SharedLog;
use crate::services::benchmarks::BenchmarkCache;
use crate::store::Store;

/// Shared by every handler: one reference count, so the clones axum makes of it for each
/// request are one atomic increment each (not one per field).
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }

    /// The notification worker, built from the parts of this state it needs.
    pub fn worker(&self) -> Worker {
        Worker {
            store: self.store.clone(),
            config: self.config.clone(),
            hub: self.notify.clone(),
            clock: self.clock.clone(),
            benchmarks: self.benchmarks.clone(),
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds.
#[derive(Debug)]
pub struct Shared {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    /// The store holds the synthetic demo consortium (the app says so on every page).
    pub demo: bool,
    /// Released benchmarks, as served.
    pub benchmarks: Arc<BenchmarkCache>,
    /// The transparency log, as last read from the store.
    pub log: SharedLog,
    /// The notification worker's mailer, keys and wake-up.
    pub notify: Arc<Hub>,
    /// The time every handler and the worker read.
    pub clock: Clock,
}
