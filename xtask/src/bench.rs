//! `cargo xtask bench`: the performance budgets of `docs/budgets.md`, measured side by side in
//! one run.
//!
//! 1. Release computation, 10,000 organisations × 33 metrics over the lattice: the engine
//!    (criterion) against DuckDB's `quantile_cont` with GROUPING SETS on the same data.
//! 2. Stored benchmark reads under load (wrk, 64 connections): the real server against a bare
//!    axum handler serving the same bytes from memory.
//! 3. The stores side by side, SQLite and PostgreSQL, on the synthetic consortium submitted for
//!    three quarters (`examples/bench_store.rs`, which also times `migrate-store`): a stored
//!    release over HTTP (stamp, freeze, read, compute, save; median of the three quarters),
//!    benchmark reads on one instance and, on PostgreSQL, on two at once, and submission writes
//!    per second (wrk with `bench/submit.lua`, 64 connections over 64 organisations' tokens).

use std::path::Path;
use std::process::{Command, Stdio};

use crate::process::{Killed, curl, free_address, until_answering};
use crate::{Result, cargo, status, step, tools};

/// How long each phase runs and on what build.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Printed above the figures.
    heading: &'static str,
    /// The cargo profile of the server, the examples and the benches.
    profile: &'static str,
    /// Seconds of each wrk load.
    load_seconds: u32,
    /// Organisations of the release computation and of the store fixture.
    engine_orgs: usize,
    store_orgs: usize,
    /// Criterion's options.
    criterion: &'static [&'static str],
}

/// The measurements of `docs/budgets.md`, on the release build.
pub const FULL: Scale = Scale {
    heading: "full run (`cargo xtask bench`)",
    profile: "release",
    load_seconds: 10,
    engine_orgs: 10_000,
    store_orgs: 10_000,
    criterion: &[],
};

/// Every phase of [`FULL`] for a few seconds, in `cargo xtask test`, so that the bench cannot
/// stop working unnoticed. It runs on the debug build the tests already made, with fewer
/// organisations, 2-second loads and criterion's shortest sampling: its figures show that each
/// phase works, not what the budgets measure.
pub const SMOKE: Scale = Scale {
    heading: "smoke run (`cargo xtask bench` is the full one; these figures only show that \
              every phase works)",
    profile: "dev",
    load_seconds: 2,
    engine_orgs: 300,
    store_orgs: 300,
    criterion: &[
        "--warm-up-time",
        "0.1",
        "--measurement-time",
        "0.5",
        "--sample-size",
        "10",
    ],
};

/// The PostgreSQL database of the store benchmarks: `PEERPOSTURE_BENCH_POSTGRES`, else the
/// local server's `test` database.
pub fn postgres_url() -> String {
    std::env::var("PEERPOSTURE_BENCH_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Runs every phase at `scale`; the store benchmarks need `postgres` (they compare the stores).
pub fn run(root: &Path, scale: Scale, postgres: Option<&str>) -> Result {
    let wrk = tools::ensure_apt_tool("wrk", "wrk")?;
    let bench = |name: &str| {
        let mut command = cargo(root);
        command
            .args(["bench", "--profile", scale.profile, "--package", "backend"])
            .args(["--bench", name, "--"])
            .args(scale.criterion)
            .env("PEERPOSTURE_BENCH_ORGS", scale.engine_orgs.to_string());
        command
    };
    // Where cargo puts the profile's build (`dev` builds into `debug`).
    let built = root.join("target").join(match scale.profile {
        "dev" => "debug",
        profile => profile,
    });

    step(&format!(
        "Release computation on {} organisations: engine (criterion)",
        scale.engine_orgs
    ));
    status(&mut bench("release"))?;
    let engine_ms = criterion_median_ns(root, &format!("release/{}", scale.engine_orgs))? / 1e6;

    step("Markdown of a practice section: the allowlisted renderer vs plain pulldown-cmark");
    status(&mut bench("markdown"))?;
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
        .arg(root.join("target/bench/release.csv"))
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

    step(&format!(
        "Stored benchmark reads under load: building the server and the bare handler ({})",
        scale.profile
    ));
    status(cargo(root).args([
        "build",
        "--profile",
        scale.profile,
        "--package",
        "backend",
        "--bins",
        "--example",
        "bare_axum",
        "--example",
        "bench_store",
    ]))?;
    let bench_dir = root.join("target/bench");
    let database = bench_dir.join("load.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
    // Ports nobody listens on: a server left running elsewhere must not answer in our place.
    let server_address = free_address()?;
    let bare_address = free_address()?;
    let mut server = Killed(
        Command::new(built.join("peerposture"))
            .env("PEERPOSTURE_BIND", &server_address)
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
    until_answering(
        &mut server.0,
        &format!("http://{server_address}/api/v1/health"),
    )?;
    let periods = curl(&format!("http://{server_address}/api/v1/periods"))?;
    let periods: serde_json::Value = serde_json::from_str(&periods).map_err(|e| e.to_string())?;
    let released = periods
        .as_array()
        .and_then(|all| all.iter().rev().find(|p| p["status"] == "released"))
        .and_then(|p| p["period"].as_str())
        .ok_or("the demo store has no released period")?
        .to_owned();
    let url = format!("http://{server_address}/api/v1/benchmarks/{released}?cohort=all");
    let body_path = bench_dir.join("benchmark-body.json");
    std::fs::write(&body_path, curl(&url)?).map_err(|e| e.to_string())?;
    let mut bare = Killed(
        Command::new(built.join("examples/bare_axum"))
            .arg(&bare_address)
            .arg(&body_path)
            .spawn()
            .map_err(|e| format!("cannot start the bare handler: {e}"))?,
    );
    let bare_url = format!("http://{bare_address}/");
    until_answering(&mut bare.0, &bare_url)?;

    let body_bytes = std::fs::metadata(&body_path).map_or(0, |m| m.len());
    let seconds = scale.load_seconds;
    step(&format!(
        "wrk -t2 -c64 -d{seconds}s: GET {url} ({body_bytes} bytes)"
    ));
    let (server_rps, server_p99) = load(&wrk, &url, seconds)?;
    step(&format!(
        "wrk -t2 -c64 -d{seconds}s: bare axum handler, same {body_bytes} bytes"
    ));
    let (bare_rps, bare_p99) = load(&wrk, &bare_url, seconds)?;
    server.0.kill().ok();
    bare.0.kill().ok();

    let stores = match postgres {
        Some(postgres) => Some(stores(root, &built, &wrk, scale, postgres)?),
        None => {
            step(
                "SKIPPING the store benchmarks: they compare SQLite with PostgreSQL, and none answers",
            );
            None
        }
    };

    println!("\n{}:", scale.heading);
    println!("\n| measure | PeerPosture | reference | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| release, {} orgs × 33 metrics (median) | {engine_ms:.1} ms | DuckDB {duckdb_ms:.1} ms | {:.2}× faster |",
        scale.engine_orgs,
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
    if let Some(stores) = stores {
        println!("\n{}", stores.migrated);
        println!(
            "\n| {} organisations × 3 quarters | SQLite | PostgreSQL |",
            scale.store_orgs
        );
        println!("|---|---|---|");
        let [sqlite, postgres] = &stores.figures;
        println!(
            "| stored release over HTTP (median of 3) | {:.0} ms | {:.0} ms |",
            sqlite.release_ms, postgres.release_ms
        );
        println!(
            "| benchmark reads, one instance, 64 connections | {:.0} req/s (p99 {}) | {:.0} req/s (p99 {}) |",
            sqlite.reads.0, sqlite.reads.1, postgres.reads.0, postgres.reads.1
        );
        println!(
            "| benchmark reads, two instances, 2 × 32 connections | — | {:.0} req/s |",
            stores.two_instance_reads
        );
        println!(
            "| submission writes, 64 connections | {:.0} writes/s (p99 {}) | {:.0} writes/s (p99 {}) |",
            sqlite.writes.0, sqlite.writes.1, postgres.writes.0, postgres.writes.1
        );
    }
    Ok(())
}

/// One store's figures.
struct StoreFigures {
    release_ms: f64,
    reads: (f64, String),
    writes: (f64, String),
}

struct Stores {
    migrated: String,
    figures: [StoreFigures; 2],
    two_instance_reads: f64,
}

fn stores(root: &Path, built: &Path, wrk: &Path, scale: Scale, postgres: &str) -> Result<Stores> {
    let seconds = scale.load_seconds;
    step(&format!(
        "Store fixture: {} organisations × 3 quarters into SQLite, then migrate-store into {postgres}",
        scale.store_orgs
    ));
    let bench_dir = root.join("target/bench");
    let sqlite_file = bench_dir.join("stores.db");
    let tokens = bench_dir.join("tokens.txt");
    let output = Command::new(built.join("examples/bench_store"))
        .arg(&sqlite_file)
        .arg(postgres)
        .arg(&tokens)
        .arg(scale.store_orgs.to_string())
        .output()
        .map_err(|e| format!("cannot run the store fixture: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!(
            "the store fixture failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map(str::to_owned)
            .ok_or_else(|| format!("the store fixture printed no {name}"))
    };
    let migrated = format!("migrate-store copied {}", field("MIGRATED=")?);
    let postgres_url = field("POSTGRES_URL=")?;
    let periods: Vec<String> = field("PERIODS=")?.split(',').map(str::to_owned).collect();
    let (email, password) = field("ADMIN=")?
        .split_once(':')
        .map(|(e, p)| (e.to_owned(), p.to_owned()))
        .ok_or("no admin login")?;
    let open = field("OPEN=")?;
    let urls = [format!("sqlite://{}", sqlite_file.display()), postgres_url];
    let mut figures = Vec::new();
    let mut two_instance_reads = 0.0;
    for (n, url) in urls.iter().enumerate() {
        let name = if n == 0 { "SQLite" } else { "PostgreSQL" };
        let instances = if n == 0 { 1 } else { 2 };
        let addresses = (0..instances)
            .map(|_| free_address())
            .collect::<Result<Vec<_>>>()?;
        let mut servers: Vec<Killed> = addresses
            .iter()
            .map(|address| {
                Command::new(built.join("peerposture"))
                    .env("PEERPOSTURE_BIND", address)
                    .env("PEERPOSTURE_DATABASE_URL", url)
                    .env("PEERPOSTURE_DIST_DIR", bench_dir.join("no-dist"))
                    .env("RUST_LOG", "warn")
                    .stdout(Stdio::null())
                    .spawn()
                    .map(Killed)
                    .map_err(|e| format!("cannot start the server: {e}"))
            })
            .collect::<Result<_>>()?;
        for (server, address) in servers.iter_mut().zip(&addresses) {
            until_answering(&mut server.0, &format!("http://{address}/api/v1/health"))?;
        }
        let base = format!("http://{}", addresses[0]);
        let jar = bench_dir.join("cookies.txt");
        let login = Command::new("curl")
            .args(["-sf", "-c"])
            .arg(&jar)
            .args(["-H", "content-type: application/json", "-d"])
            .arg(format!(r#"{{"email":"{email}","password":"{password}"}}"#))
            .arg(format!("{base}/api/v1/auth/login"))
            .output()
            .map_err(|e| format!("curl: {e}"))?;
        if !login.status.success() {
            return Err(format!("{name}: the bench admin cannot log in"));
        }
        step(&format!(
            "{name}: releasing {} (one at a time)",
            periods.join(", ")
        ));
        let mut releases = Vec::new();
        for period in &periods {
            let timed = Command::new("curl")
                .args([
                    "-s",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code} %{time_total}",
                    "-b",
                ])
                .arg(&jar)
                .args(["-X", "POST"])
                .arg(format!("{base}/api/v1/periods/{period}/release"))
                .output()
                .map_err(|e| format!("curl: {e}"))?;
            let text = String::from_utf8_lossy(&timed.stdout);
            let (code, seconds) = text.split_once(' ').ok_or("curl printed no timing")?;
            if code != "200" {
                return Err(format!("{name}: releasing {period} answered {code}"));
            }
            let seconds: f64 = seconds.trim().parse().map_err(|_| "curl timing")?;
            println!("{period}: {:.0} ms", seconds * 1000.0);
            releases.push(seconds * 1000.0);
        }
        releases.sort_by(f64::total_cmp);
        let read = format!("{base}/api/v1/benchmarks/{}?cohort=all", periods[2]);
        step(&format!("{name}: wrk -t2 -c64 -d{seconds}s: GET {read}"));
        let reads = load(wrk, &read, seconds)?;
        if instances == 2 {
            step(&format!(
                "PostgreSQL: two instances at once, wrk -t1 -c32 -d{seconds}s on each"
            ));
            // Both started before either is waited for, so that they run at the same time.
            let children = addresses
                .iter()
                .map(|address| {
                    Command::new(wrk)
                        .args(["-t1", "-c32", &format!("-d{seconds}s")])
                        .arg(format!(
                            "http://{address}/api/v1/benchmarks/{}?cohort=all",
                            periods[2]
                        ))
                        .stdout(Stdio::piped())
                        .spawn()
                        .map_err(|e| format!("cannot run wrk: {e}"))
                })
                .collect::<Result<Vec<_>>>()?;
            for child in children {
                let output = child.wait_with_output().map_err(|e| format!("wrk: {e}"))?;
                let text = String::from_utf8_lossy(&output.stdout);
                print!("{text}");
                all_answered(&text, "PostgreSQL, two instances")?;
                two_instance_reads += requests_per_second(&text)?;
            }
        }
        step(&format!(
            "{name}: wrk -t2 -c64 -d{seconds}s -s bench/submit.lua: PUT /api/v1/submissions/{open}"
        ));
        let output = Command::new(wrk)
            .args(["-t2", "-c64", &format!("-d{seconds}s"), "--latency", "-s"])
            .arg(root.join("bench/submit.lua"))
            .arg(&base)
            .env("PP_TOKENS", &tokens)
            .env("PP_PERIOD", &open)
            .output()
            .map_err(|e| format!("cannot run wrk: {e}"))?;
        let text = String::from_utf8_lossy(&output.stdout);
        print!("{text}");
        all_answered(&text, &format!("{name}: submission writes"))?;
        let writes = (requests_per_second(&text)?, p99(&text)?);
        drop(servers);
        figures.push(StoreFigures {
            release_ms: releases[1],
            reads,
            writes,
        });
    }
    let figures: [StoreFigures; 2] = figures
        .try_into()
        .map_err(|_| "two stores measured".to_owned())?;
    Ok(Stores {
        migrated,
        figures,
        two_instance_reads,
    })
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

/// Requests per second and the p99 latency wrk reports.
fn load(wrk: &Path, url: &str, seconds: u32) -> Result<(f64, String)> {
    let output = Command::new(wrk)
        .args(["-t2", "-c64", &format!("-d{seconds}s"), "--latency", url])
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    print!("{text}");
    all_answered(&text, url)?;
    Ok((requests_per_second(&text)?, p99(&text)?))
}

/// Fails when some requests of a wrk run were not answered with a success.
fn all_answered(wrk_output: &str, what: &str) -> Result {
    match wrk_output.contains("Non-2xx or 3xx responses") {
        true => Err(format!(
            "{what}: some requests failed (see wrk's output above)"
        )),
        false => Ok(()),
    }
}

fn requests_per_second(wrk_output: &str) -> Result<f64> {
    wrk_output
        .lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|value| value.trim().parse().ok())
        .ok_or_else(|| "wrk printed no Requests/sec".to_owned())
}

fn p99(wrk_output: &str) -> Result<String> {
    wrk_output
        .lines()
        .find_map(|line| line.trim().strip_prefix("99%"))
        .map(|value| value.trim().to_owned())
        .ok_or_else(|| "wrk printed no 99% latency".to_owned())
}
