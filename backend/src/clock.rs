//! The one clock of the server.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The server's time: the system clock, or (tests) a file holding Unix seconds, so that a test
/// can move the time every handler and the notification worker see.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<Path>>);

impl Clock {
    pub fn new(file: Option<PathBuf>) -> Self {
        Self(file.map(Arc::from))
    }

    /// Unix seconds now.
    pub fn now(&self) -> i64 {
        self.0
            .as_ref()
            .and_then(|path| std::fs::read_to_string(path).ok())
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or_else(crate::auth::now_unix)
    }
}
