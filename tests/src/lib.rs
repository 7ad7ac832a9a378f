//! Helpers for the end-to-end tests: start the real server on a loopback port with a fresh
//! SQLite file, and drive headless Chromium through chromedriver.

pub mod webdriver;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use backend::Config;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server with its own temporary directory (database and, unless given, a dist
/// directory holding a minimal index.html).
#[derive(Debug)]
pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    pub database_path: PathBuf,
    pub dist_dir: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    _dir: TempDir,
}

/// The index.html of the stand-in dist directory used by API tests.
pub const TEST_INDEX_HTML: &str = "<!DOCTYPE html><title>PeerPosture test shell</title>";

impl TestApp {
    /// Starts a server whose dist directory holds only a stand-in index.html.
    pub async fn spawn() -> Self {
        Self::spawn_with_dist(None).await
    }

    /// Starts a server on 127.0.0.1:0 serving `dist_dir` (or a stand-in) with a fresh database.
    pub async fn spawn_with_dist(dist_dir: Option<&Path>) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let dist_dir = match dist_dir {
            Some(dist) => dist.to_owned(),
            None => {
                let dist = dir.path().join("dist");
                std::fs::create_dir(&dist).expect("create dist");
                std::fs::write(dist.join("index.html"), TEST_INDEX_HTML).expect("write index");
                dist
            }
        };
        // A nested path: the server must create missing directories itself.
        let database_path = dir.path().join("data/nested/peerposture.db");
        let config = Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: format!("sqlite://{}", database_path.display()),
            dist_dir: dist_dir.clone(),
        };
        let listener = TcpListener::bind(config.bind)
            .await
            .expect("bind loopback port");
        let address = listener.local_addr().expect("local address");
        let (shutdown, stop) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let stopped = async {
                let _ = stop.await;
            };
            backend::serve(config, listener, stopped)
                .await
                .expect("server runs");
        });
        let app = Self {
            address,
            client: reqwest::Client::new(),
            database_path,
            dist_dir,
            shutdown: Some(shutdown),
            server: Some(server),
            _dir: dir,
        };
        app.wait_until_healthy().await;
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    async fn wait_until_healthy(&self) {
        for _ in 0..200 {
            if let Ok(response) = self.client.get(self.url("/api/v1/health")).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("server did not become healthy");
    }

    /// Stops the server gracefully and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task finished cleanly");
        }
    }
}

/// Directory for artefacts tests leave for people to look at (screenshots):
/// `target/test-output/`.
pub fn test_output_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-output");
    std::fs::create_dir_all(&dir).expect("create test output directory");
    dir
}
