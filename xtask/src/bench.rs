//! `cargo xtask bench`: the performance budgets of `docs/budgets.md`, measured side by side in
//! one run.
//!
//! 1. Release computation, 10,000 organisations × 33 metrics over the lattice: the engine
//!    (criterion) against DuckDB's `quantile_cont` with GROUPING SETS on the same data.
//! 2. Stored benchmark reads under load (wrk, 64 connections): the real server against a bare
//!    axum handler serving the same bytes from memory.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Result, cargo, status, step, tools};

const SERVER_ADDRESS: &str = "127.0.0.1:18080";
const BARE_ADDRESS: &str = "127.0.0.1:18081";

pub fn run(root: &Path) -> Result {
    let wrk = tools::ensure_apt_tool("wrk", "wrk")?;

    step("Release computation: engine (criterion)");
    status(cargo(root).args(["bench", "--package", "backend", "--bench", "release"]))?;
    let engine_ms = criterion_median_ns(root, "release_10k_orgs_33_metrics")? / 1e6;

    step("Markdown of a practice section: the allowlisted renderer vs plain pulldown-cmark");
    status(cargo(root).args(["bench", "--package", "backend", "--bench", "markdown"]))?;
    let group = "practice section (~700 bytes of Markdown)";
    let safe_us = criterion_median_ns(root, &format!("{group}/allowlisted render (API)"))? / 1e3;
    let plain_us = criterion_median_ns(
        root,
        &format!("{group}/pulldown-cmark push_html, unsanitised"),
    )? / 1e3;

    step("Release computation: DuckDB on the same data (Python venv in target/bench-venv)");
    let venv = root.join("target/bench-venv");
    if !venv.join("bin/python").is_file() {
        status(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    status(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "-r"])
            .arg(root.join("bench/requirements.txt")),
    )?;
    let output = Command::new(venv.join("bin/python"))
        .arg(root.join("bench/duckdb_release.py"))
        .arg(root.join("target/bench/release-10k.csv"))
        .output()
        .map_err(|e| format!("cannot run the DuckDB script: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    let duckdb_ms: f64 = stdout
        .lines()
        .find_map(|line| line.strip_prefix("DUCKDB_MEDIAN_MS="))
        .and_then(|ms| ms.parse().ok())
        .ok_or_else(|| {
            format!(
                "the DuckDB script failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;

    step("Stored benchmark reads under load: building the release server and the bare handler");
    status(cargo(root).args([
        "build",
        "--release",
        "--package",
        "backend",
        "--bins",
        "--example",
        "bare_axum",
    ]))?;
    let bench_dir = root.join("target/bench");
    let database = bench_dir.join("load.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    let mut server = Killed(
        Command::new(root.join("target/release/peerposture"))
            .env("PEERPOSTURE_BIND", SERVER_ADDRESS)
            .env(
                "PEERPOSTURE_DATABASE_URL",
                format!("sqlite://{}", database.display()),
            )
            .env("PEERPOSTURE_DEMO", "true")
            .env("PEERPOSTURE_DIST_DIR", bench_dir.join("no-dist"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?,
    );
    wait_for(&format!("http://{SERVER_ADDRESS}/api/v1/health"))?;
    let periods = curl(&format!("http://{SERVER_ADDRESS}/api/v1/periods"))?;
    let periods: serde_json::Value = serde_json::from_str(&periods).map_err(|e| e.to_string())?;
    let released = periods
        .as_array()
        .and_then(|all| all.iter().rev().find(|p| p["status"] == "released"))
        .and_then(|p| p["period"].as_str())
        .ok_or("the demo store has no released period")?
        .to_owned();
    let url = format!("http://{SERVER_ADDRESS}/api/v1/benchmarks/{released}?cohort=all");
    let body_path = bench_dir.join("benchmark-body.json");
    std::fs::write(&body_path, curl(&url)?).map_err(|e| e.to_string())?;
    let mut bare = Killed(
        Command::new(root.join("target/release/examples/bare_axum"))
            .arg(BARE_ADDRESS)
            .arg(&body_path)
            .spawn()
            .map_err(|e| format!("cannot start the bare handler: {e}"))?,
    );
    let bare_url = format!("http://{BARE_ADDRESS}/");
    wait_for(&bare_url)?;

    let body_bytes = std::fs::metadata(&body_path).map_or(0, |m| m.len());
    step(&format!(
        "wrk -t2 -c64 -d10s: GET {url} ({body_bytes} bytes)"
    ));
    let (server_rps, server_p99) = load(&wrk, &url)?;
    step(&format!(
        "wrk -t2 -c64 -d10s: bare axum handler, same {body_bytes} bytes"
    ));
    let (bare_rps, bare_p99) = load(&wrk, &bare_url)?;
    server.0.kill().ok();
    bare.0.kill().ok();

    println!("\n| measure | PeerPosture | reference | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| release, 10k orgs × 33 metrics (median) | {engine_ms:.1} ms | DuckDB {duckdb_ms:.1} ms | {:.2}× faster |",
        duckdb_ms / engine_ms
    );
    println!(
        "| stored benchmark reads, 64 connections | {server_rps:.0} req/s | bare axum {bare_rps:.0} req/s | {:.0} % |",
        100.0 * server_rps / bare_rps
    );
    println!("| p99 latency, 64 connections | {server_p99} | bare axum {bare_p99} | |");
    println!(
        "| practice section, ~700 B of Markdown (median) | {safe_us:.2} µs | unsanitised pulldown-cmark {plain_us:.2} µs | {:.0} % |",
        100.0 * safe_us / plain_us
    );
    Ok(())
}

/// The median of a criterion benchmark (`group/function` or a plain id) in nanoseconds, from
/// the estimates it saved.
fn criterion_median_ns(root: &Path, id: &str) -> Result<f64> {
    let estimates = root
        .join("target/criterion")
        .join(id)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(&estimates)
        .map_err(|e| format!("cannot read {}: {e}", estimates.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    json["median"]["point_estimate"]
        .as_f64()
        .ok_or_else(|| format!("no median in {}", estimates.display()))
}

/// Kills the child when dropped, so a failed run leaves no server behind.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn curl(url: &str) -> Result<String> {
    let output = Command::new("curl")
        .args(["-sf", url])
        .output()
        .map_err(|e| format!("curl: {e}"))?;
    if !output.status.success() {
        return Err(format!("GET {url} failed"));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn wait_for(url: &str) -> Result {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if curl(url).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("{url} did not answer"))
}

/// Requests per second and the p99 latency wrk reports.
fn load(wrk: &Path, url: &str) -> Result<(f64, String)> {
    let output = Command::new(wrk)
        .args(["-t2", "-c64", "-d10s", "--latency", url])
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    print!("{text}");
    let rps = text
        .lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|value| value.trim().parse().ok())
        .ok_or("wrk printed no Requests/sec")?;
    let p99 = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("99%"))
        .map(|value| value.trim().to_owned())
        .ok_or("wrk printed no 99% latency")?;
    Ok((rps, p99))
}
