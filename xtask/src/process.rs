//! The servers the commands start: on a free port, killed when dropped, waited for until they
//! answer.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::Result;

/// Kills the child when dropped, so a failed run leaves no server behind.
pub(crate) struct Killed(pub(crate) Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The body of `GET url`, failing unless it answers with a success.
pub(crate) fn curl(url: &str) -> Result<String> {
    let output = Command::new("curl")
        .args(["-sf", url])
        .output()
        .map_err(|e| format!("curl: {e}"))?;
    if !output.status.success() {
        return Err(format!("GET {url} failed"));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A loopback address nobody listens on now.
pub(crate) fn free_address() -> Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|address| address.to_string())
        .map_err(|e| e.to_string())
}

/// Waits until `url` answers, failing as soon as `server` stops (a port taken, a bad
/// configuration) or after five minutes.
pub(crate) fn until_answering(server: &mut Child, url: &str) -> Result {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if let Some(status) = server.try_wait().map_err(|e| e.to_string())? {
            return Err(format!(
                "the server stopped before {url} answered ({status})"
            ));
        }
        if curl(url).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{url} did not answer within five minutes"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts `server` with the demo store at `database_url` on a free loopback port, in `dir` (its
/// working and dist directory, so no peerposture.toml of the checkout applies), writing its
/// output to `log`, with the further settings `extra`. Returns it once it answers, and its base
/// URL.
pub(crate) fn demo_server(
    server: &Path,
    database_url: &str,
    dir: &Path,
    log: &Path,
    extra: &[(&str, &str)],
) -> Result<(Killed, String)> {
    let address = free_address()?;
    let log = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let mut child = Killed(
        Command::new(server)
            .current_dir(dir)
            .env("PEERPOSTURE_DATABASE_URL", database_url)
            .env("PEERPOSTURE_DEMO", "true")
            .env("PEERPOSTURE_BIND", &address)
            .env("PEERPOSTURE_DIST_DIR", dir)
            .envs(extra.iter().copied())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", server.display()))?,
    );
    let base = format!("http://{address}");
    until_answering(&mut child.0, &format!("{base}/api/v1/health"))?;
    Ok((child, base))
}
