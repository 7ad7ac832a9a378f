//! `cargo xtask run` and `cargo xtask test`: everything a fresh machine needs, in two commands.
//!
//! Each step says what it does. Tools are installed only when missing or at the wrong
//! version, so a second run installs nothing.

mod bench;
mod contract;
mod fingerprint;
mod fuzz;
mod phases;
mod tools;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use tools::Tools;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  run     install missing tools, build the frontend and the server (release), start the server
  test    install missing tools, then formatting, clippy, native tests, wasm build, contract
          checks (schemathesis), browser tests
  build   install missing tools and build the frontend into dist/ and the server (release)
  contract  the OpenAPI contract only: validate the document, generate a client, schemathesis
  fuzz [SECONDS]  coverage-guided fuzzing of the parsers (libFuzzer), SECONDS per target (60)
  bench   release computation vs DuckDB, and benchmark reads vs a bare axum handler (wrk)";

type Result<T = (), E = String> = std::result::Result<T, E>;

fn main() -> ExitCode {
    let command = std::env::args().nth(1);
    let outcome = match command.as_deref() {
        Some("run") => run(),
        Some("test") => test(),
        Some("build") => build().map(|_| ()),
        Some("bench") => bench::run(&workspace_root()),
        Some("contract") => contract_only(),
        Some("fuzz") => match std::env::args().nth(2).map(|s| s.parse::<u64>()) {
            None => fuzz::run(&workspace_root(), 60),
            Some(Ok(seconds)) if seconds > 0 => fuzz::run(&workspace_root(), seconds),
            Some(_) => Err("usage: cargo xtask fuzz [SECONDS per target]".to_owned()),
        },
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate's directory).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

fn step(message: &str) {
    println!("\n==> {message}");
}

/// Runs a command to completion, failing with its name when it does not succeed.
fn status(command: &mut Command) -> Result {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .map_err(|error| format!("cannot start {shown}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

fn cargo(root: &Path) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.current_dir(root);
    command
}

/// Installs the build tools, builds the frontend into `dist/` and the release server.
/// The server compiles in the background from the start, beside the tool installs (which use
/// their own target directories); the frontend build waits for it where they share one.
fn build() -> Result<(PathBuf, Tools)> {
    let root = workspace_root();
    let mut server = cargo(&root);
    server.args(["build", "--release", "--package", "backend"]);
    let server =
        tools::Background::start(&root, "building the server (release)", "server", server)?;
    let tools = Tools::ensure_build_tools(&root)?;
    build_frontend(&root, &tools)?;
    server.finish()?;
    Ok((root, tools))
}

/// Builds the four bundles into `dist/`, unless `dist/` already holds the build of the same
/// inputs (see [`fingerprint`]): a restart with nothing changed in the frontend, `shared`,
/// `attest` or the public assets does not wait for trunk and wasm-opt.
fn build_frontend(root: &Path, tools: &Tools) -> Result {
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
        .unwrap_or_default();
    let fingerprint = fingerprint::of_inputs(root, &[tools::TRUNK_VERSION, rustc.trim()]);
    let dist = root.join("dist");
    if fingerprint::is_current(&dist, &fingerprint) {
        step(&format!(
            "The frontend in dist/ is the build of the current sources (inputs {fingerprint}): not rebuilt"
        ));
        return Ok(());
    }
    build_bundles(root, tools)?;
    fingerprint::record(&dist, &fingerprint)
}

fn build_bundles(root: &Path, tools: &Tools) -> Result {
    step("Copying Chart.js from the pinned npm package into public/vendor/");
    let vendor = root.join("public/vendor");
    std::fs::create_dir_all(&vendor)
        .map_err(|e| format!("cannot create {}: {e}", vendor.display()))?;
    let chart_js = root.join("node_modules/chart.js/dist/chart.umd.min.js");
    std::fs::copy(&chart_js, vendor.join("chart.umd.min.js"))
        .map_err(|e| format!("cannot copy {}: {e}", chart_js.display()))?;

    step("Building the frontend: main bundle (trunk, release profile, wasm-opt -Oz)");
    status(
        Command::new(&tools.trunk)
            .current_dir(root)
            .env("PATH", &tools.path)
            .args(["build", "--release", "--offline"]),
    )?;
    // After the main bundle: its build replaces dist/ as a whole.
    for (html, name, what) in [
        ("frontend/insights.html", "insights", "insights"),
        ("frontend/backoffice.html", "backoffice", "back office"),
        ("frontend/verify.html", "verify", "attestation check"),
    ] {
        step(&format!(
            "Building the frontend: {what} bundle into dist/{name}/"
        ));
        let dist = format!("dist/{name}");
        let public_url = format!("/{name}/");
        status(
            Command::new(&tools.trunk)
                .current_dir(root)
                .env("PATH", &tools.path)
                .args([
                    "build",
                    html,
                    "--release",
                    "--offline",
                    "--dist",
                    &dist,
                    "--public-url",
                    &public_url,
                ]),
        )?;
    }

    step("Compressing dist/ (gzip and brotli, served pre-compressed)");
    status(
        Command::new("node")
            .arg(root.join("xtask/compress.js"))
            .arg(root.join("dist")),
    )?;
    Ok(())
}

/// Names the PostgreSQL database the tests use; `cargo xtask test` sets it for its PostgreSQL
/// passes.
const POSTGRES_VARIABLE: &str = "PEERPOSTURE_TEST_POSTGRES";

/// The PostgreSQL database to test against: `PEERPOSTURE_TEST_POSTGRES`, or the local server's
/// `test` database. `None`, said plainly, when no server answers; under CI (`CI=true`) that
/// fails the run instead, so the PostgreSQL tests are never skipped silently there.
fn postgres_under_test() -> Result<Option<String>> {
    let url = std::env::var(POSTGRES_VARIABLE)
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let address = url
        .split_once("://")
        .map(|(_, rest)| rest.rsplit_once('@').map_or(rest, |(_, host)| host))
        .and_then(|rest| rest.split(['/', '?']).next())
        .unwrap_or_default();
    let address = if address.contains(':') {
        address.to_owned()
    } else {
        format!("{address}:5432")
    };
    let reachable = std::net::ToSocketAddrs::to_socket_addrs(&address)
        .ok()
        .and_then(|mut addresses| addresses.next())
        .is_some_and(|socket| {
            std::net::TcpStream::connect_timeout(&socket, std::time::Duration::from_secs(3)).is_ok()
        });
    if reachable {
        println!("PostgreSQL: a server answers at {address}; the PostgreSQL tests will run");
        return Ok(Some(url));
    }
    let message = format!("no PostgreSQL server answers at {address} ({POSTGRES_VARIABLE}={url})");
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        return Err(format!("{message}: under CI the PostgreSQL tests must run"));
    }
    step(&format!(
        "SKIPPING the PostgreSQL tests: {message}. Start one, or set {POSTGRES_VARIABLE}, to run them"
    ));
    Ok(None)
}

/// `cargo xtask run`: build, then replace this process with the server.
fn run() -> Result {
    let (root, _) = build()?;
    let bind = std::env::var("PEERPOSTURE_BIND").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    step(&format!(
        "Starting PeerPosture on http://{bind} (Ctrl-C stops it)"
    ));
    let mut server = Command::new(root.join("target/release/peerposture"));
    server.current_dir(&root);
    if std::env::var_os("PEERPOSTURE_DEMO").is_none() {
        // The run command shows the product with its synthetic demo consortium unless told
        // otherwise (PEERPOSTURE_DEMO=false).
        server.env("PEERPOSTURE_DEMO", "true");
    }
    let error = server.exec();
    Err(format!("cannot start the server: {error}"))
}

/// `cargo xtask test`: every check CI runs.
/// `cargo xtask contract`: only the contract checks of `cargo xtask test`.
fn contract_only() -> Result {
    let root = workspace_root();
    step("Building the release server");
    status(cargo(&root).args(["build", "--release", "--package", "backend"]))?;
    contract::run(&root)
}

fn test() -> Result {
    let root = workspace_root();
    let mut phases = phases::Phases::new("test");
    let outcome = test_phases(&root, &mut phases);
    phases.report(&root);
    outcome
}

fn test_phases(root: &Path, phases: &mut phases::Phases) -> Result {
    let root = root.to_owned();
    // First: under CI a missing PostgreSQL server fails the run before anything is built.
    let postgres = postgres_under_test()?;
    let tools = phases.run("Tools (wasm target, trunk, wasm-bindgen, npm)", || {
        Tools::ensure_build_tools(&root)
    })?;
    let browser = phases.run("Chromium and chromedriver", tools::ensure_browser)?;
    // The notification tests send email to aiosmtpd, a real SMTP server, from this venv.
    phases.run("Python test tools (venv)", || {
        contract::ensure_venv(&root.join("target/contract-venv"))
    })?;

    phases.run("Formatting", || {
        step("Checking formatting (cargo fmt --check, the workspace and the fuzz targets)");
        status(cargo(&root).args(["fmt", "--all", "--", "--check"]))?;
        status(cargo(&root).args(["fmt", "--manifest-path", "fuzz/Cargo.toml", "--", "--check"]))
    })?;

    phases.run("Clippy, native crates", || {
        step("Linting native crates (clippy, warnings denied)");
        status(cargo(&root).args([
            "clippy",
            "--workspace",
            "--exclude",
            "frontend",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    })?;

    phases.run("Clippy, frontend (wasm32)", || {
        step("Linting and checking the frontend for wasm32 (clippy, warnings denied)");
        status(cargo(&root).args([
            "clippy",
            "--package",
            "frontend",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]))
    })?;

    phases.run("Native tests on SQLite (build and run)", || {
        step("Running native tests (unit and API integration tests, on SQLite)");
        status(
            cargo(&root)
                .args(["test", "--workspace", "--exclude", "frontend"])
                .env_remove(POSTGRES_VARIABLE),
        )
    })?;

    if let Some(url) = &postgres {
        phases.run("API tests on PostgreSQL", || {
            step(&format!(
                "Running the API tests on PostgreSQL ({url}, a fresh schema per test server)"
            ));
            status(
                cargo(&root)
                    .args(["test", "--package", "peerposture-tests", "--test", "api"])
                    .env(POSTGRES_VARIABLE, url),
            )
        })?;
    }

    phases.run("Frontend bundles (trunk, wasm-opt)", || {
        build_frontend(&root, &tools)
    })?;

    phases.run("Release server build", || {
        step("Building the release server");
        status(cargo(&root).args(["build", "--release", "--package", "backend"]))
    })?;
    let durability = || {
        let mut command = cargo(&root);
        command
            .args([
                "test",
                "--package",
                "peerposture-tests",
                "--test",
                "durability",
                "--test",
                "outbox",
                "--",
                "--ignored",
                "--nocapture",
            ])
            .env(
                "PEERPOSTURE_TEST_SERVER_BIN",
                root.join("target/release/peerposture"),
            )
            .env_remove(POSTGRES_VARIABLE);
        command
    };
    phases.run("Durability and outbox kills, SQLite", || {
        step(
            "Killing the release server under load (durability test, 20 rounds; the notification outbox killed before and during a release burst)",
        );
        status(&mut durability())
    })?;
    if let Some(url) = &postgres {
        phases.run("Durability and outbox kills, PostgreSQL", || {
            step("Killing two release servers on one PostgreSQL database under load (20 rounds)");
            status(durability().env(POSTGRES_VARIABLE, url))
        })?;
    }

    phases.run("Contract checks (schemathesis)", || contract::run(&root))?;

    phases.run("Browser tests (headless Chromium)", || {
        step("Running browser tests (headless Chromium through chromedriver)");
        status(
            cargo(&root)
                .args([
                    "test",
                    "--package",
                    "peerposture-tests",
                    "--test",
                    "browser",
                    "--test",
                    "dashboard",
                    "--test",
                    "library",
                    "--test",
                    "assurance",
                    "--test",
                    "layout",
                    "--test",
                    "planning",
                    "--test",
                    "deadlines",
                    "--test",
                    "alerts",
                    "--",
                    "--ignored",
                    "--nocapture",
                ])
                .env("PEERPOSTURE_TEST_DIST", root.join("dist"))
                .env("PEERPOSTURE_TEST_CHROMEDRIVER", &browser.chromedriver)
                .env("PEERPOSTURE_TEST_CHROMIUM", &browser.chromium),
        )
    })?;

    match postgres {
        Some(_) => println!("\nAll checks passed, on SQLite and on PostgreSQL."),
        None => println!(
            "\nAll checks passed on SQLite. The PostgreSQL tests did NOT run: no server answered \
             (see above)."
        ),
    }
    Ok(())
}
