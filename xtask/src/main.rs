//! `cargo xtask run` and `cargo xtask test`: everything a fresh machine needs, in two commands.
//!
//! Each step says what it does. Tools are installed only when missing or at the wrong
//! version, so a second run installs nothing.

mod bench;
mod contract;
mod fingerprint;
mod fuzz;
mod phases;
mod process;
mod snapshot;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use tools::Tools;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  run     install missing tools, build the frontend and the server (release), start the server
  test    install missing tools, then formatting, clippy (on the builds below), native tests on
          SQLite and PostgreSQL, wasm build, kill tests, bench smoke run, contract checks
          (schemathesis), browser tests; prints a table of its phases' times
  build   install missing tools and build the frontend into dist/ and the server (release)
  contract  the OpenAPI contract only: validate the document, generate a client, schemathesis
  snapshot DIR [SERVER]  every API answer on a fresh demo store (SQLite; PostgreSQL too when
          PEERPOSTURE_TEST_POSTGRES is set) written to DIR, to diff before and after a refactor
          (SERVER: a server binary, by default the debug build)
  fuzz [SECONDS]  coverage-guided fuzzing of the parsers (libFuzzer), SECONDS per target (60)
  bench [--smoke]  release computation vs DuckDB, benchmark reads vs a bare axum handler (wrk),
          the stores side by side; --smoke: every phase for a few seconds (part of test)";

type Result<T = (), E = String> = std::result::Result<T, E>;

fn main() -> ExitCode {
    let command = std::env::args().nth(1);
    let outcome = match command.as_deref() {
        Some("run") => run(),
        Some("test") => test(),
        Some("build") => {
            let root = workspace_root();
            let mut phases = phases::Phases::new("build");
            let built = build(&root, &mut phases).map(|_| ());
            phases.report(&root);
            built
        }
        Some("bench") => match std::env::args().nth(2).as_deref() {
            None => Ok(bench::FULL),
            Some("--smoke") => Ok(bench::SMOKE),
            Some(_) => Err("usage: cargo xtask bench [--smoke]".to_owned()),
        }
        .and_then(|scale| bench::run(&workspace_root(), scale, Some(&bench::postgres_url()))),
        Some("contract") => contract_only(),
        Some("snapshot") => match std::env::args().nth(2) {
            Some(dir) => snapshot::run(
                &workspace_root(),
                Path::new(&dir),
                std::env::args().nth(3).as_deref().map(Path::new),
            ),
            None => Err("usage: cargo xtask snapshot DIR [SERVER]".to_owned()),
        },
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

/// clippy-driver, once `cargo xtask test` has asked for lints (see [`lint_every_build`]).
static CLIPPY_DRIVER: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// From now on every cargo command of this process lints the workspace crates it compiles
/// with clippy, warnings denied. That is what `cargo clippy` itself does: it runs `cargo check`
/// with clippy-driver as the workspace's rustc wrapper. Here the wrapper sits on the builds the
/// checks need anyway (the debug build of the tests, the server, the examples and the
/// benches; the wasm bundles), so the same crates are not compiled once more just to be linted. Dependencies are
/// compiled by rustc itself, as under `cargo clippy`.
fn lint_every_build() -> Result {
    let driver = tools::sysroot()?.join("bin/clippy-driver");
    if !driver.is_file() {
        return Err(format!(
            "no clippy-driver at {}: `rustup component add clippy`",
            driver.display()
        ));
    }
    let _ = CLIPPY_DRIVER.set(driver);
    Ok(())
}

fn cargo(root: &Path) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.current_dir(root);
    linted(&mut command);
    command
}

/// Gives `command` (cargo, or trunk, which runs cargo) the lints of [`lint_every_build`].
fn linted(command: &mut Command) -> &mut Command {
    if let Some(driver) = CLIPPY_DRIVER.get() {
        // The arguments `cargo clippy -- -D warnings` hands the driver.
        command.env("RUSTC_WORKSPACE_WRAPPER", driver).env(
            "CLIPPY_ARGS",
            "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__",
        );
    }
    command
}

/// Installs the build tools, builds the frontend into `dist/` and the release server.
/// The server compiles in the background from the start, beside the tool installs (which use
/// their own target directories); the frontend build waits for it where they share one.
fn build(root: &Path, phases: &mut phases::Phases) -> Result<Tools> {
    let mut server = cargo(root);
    server.args(["build", "--release", "--package", "backend"]);
    let server = tools::Background::start(root, "building the server (release)", "server", server)?;
    let tools = phases.run("Tools (wasm target, trunk, wasm-bindgen, npm)", || {
        Tools::ensure_build_tools(root)
    })?;
    phases.run("Frontend bundles (trunk, wasm-opt)", || {
        build_frontend(root, &tools)
    })?;
    phases.record("Release server build", server.finish())?;
    Ok(tools)
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
    let linted = CLIPPY_DRIVER.get().is_some();
    if fingerprint::is_current(&dist, &fingerprint, linted) {
        step(&format!(
            "The frontend in dist/ is the build of the current sources (inputs {fingerprint}): not rebuilt"
        ));
        return Ok(());
    }
    build_bundles(root, tools)?;
    fingerprint::record(&dist, &fingerprint, linted)
}

fn build_bundles(root: &Path, tools: &Tools) -> Result {
    step("Copying Chart.js from the pinned npm package into public/vendor/");
    let vendor = root.join("public/vendor");
    std::fs::create_dir_all(&vendor)
        .map_err(|e| format!("cannot create {}: {e}", vendor.display()))?;
    let chart_js = root.join("node_modules/chart.js/dist/chart.umd.min.js");
    std::fs::copy(&chart_js, vendor.join("chart.umd.min.js"))
        .map_err(|e| format!("cannot copy {}: {e}", chart_js.display()))?;

    // The four binaries in one cargo build, so that two of their link-time optimisations run
    // at once; trunk then finds them built and runs wasm-bindgen and wasm-opt.
    step("Compiling the four frontend binaries (wasm-release profile)");
    status(cargo(root).args([
        "build",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
        "--package",
        "frontend",
        "--bins",
    ]))?;
    step("Building the frontend: main bundle (trunk, release profile, wasm-opt -Oz)");
    status(
        linted(&mut Command::new(&tools.trunk))
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
            linted(&mut Command::new(&tools.trunk))
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

/// `cargo xtask run`: build, start the server, say how long it took until it answered, then
/// serve until Ctrl-C.
fn run() -> Result {
    let root = workspace_root();
    let mut phases = phases::Phases::new("run");
    let built = build(&root, &mut phases);
    if built.is_err() {
        phases.report(&root);
    }
    built?;
    let bind = std::env::var("PEERPOSTURE_BIND").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    step(&format!("Starting PeerPosture on http://{bind}"));
    let mut server = Command::new(root.join("target/release/peerposture"));
    server.current_dir(&root);
    if std::env::var_os("PEERPOSTURE_DEMO").is_none() {
        // The run command shows the product with its synthetic demo consortium unless told
        // otherwise (PEERPOSTURE_DEMO=false).
        server.env("PEERPOSTURE_DEMO", "true");
    }
    let server = server
        .spawn()
        .map_err(|error| format!("cannot start the server: {error}"))?;
    let mut server = process::Killed(server);
    let health = format!("http://{bind}/api/v1/health");
    let answered = phases.run("Server start (until it answers)", || {
        process::until_answering(&mut server.0, &health)
    });
    phases.report(&root);
    answered?;
    println!(
        "\nPeerPosture answers on http://{bind}, {} after `cargo xtask run` started. Ctrl-C stops it.",
        phases::minutes(phases.elapsed())
    );
    let status = server.0.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the server stopped ({status})"))
    }
}

/// `cargo xtask contract`: only the contract checks of `cargo xtask test`.
fn contract_only() -> Result {
    let root = workspace_root();
    step("Building the release server");
    status(cargo(&root).args(["build", "--release", "--package", "backend"]))?;
    contract::run(&root, &root.join("target/release/peerposture"))
}

/// Each API test waits on its server and store for much of its time (on PostgreSQL most of
/// it), so four run at once on 2 cores: measured 291 -> 160 s on PostgreSQL, 137 -> 114 s on
/// SQLite. Every test has its own server and store, so running them at once changes nothing
/// they check.
const API_TEST_THREADS: [&str; 2] = ["--test-threads", "4"];

/// `cargo test` of the named integration tests of `tests/` (arguments for the tests follow
/// `--`).
fn integration_tests(root: &Path, tests: &[&str]) -> Command {
    let mut command = cargo(root);
    command.args(["test", "--package", "peerposture-tests"]);
    for test in tests {
        command.args(["--test", test]);
    }
    command
}

/// `cargo xtask test`: every check CI runs.
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
    // Downloads and installs that wait on the network and the disk run beside the compiles.
    // The notification tests send email to aiosmtpd, a real SMTP server, from the venv.
    let venv = root.join("target/contract-venv");
    let downloads = phases.beside(
        "Chromium, chromedriver, wrk (apt) and the Python test tools (venv)",
        move || {
            let browser = tools::ensure_browser()?;
            tools::ensure_apt_tool("wrk", "wrk")?;
            contract::ensure_venv(&venv)?;
            Ok(browser)
        },
    );
    let tools = phases.run("Tools (wasm target, trunk, wasm-bindgen, npm)", || {
        Tools::ensure_build_tools(&root)
    })?;

    phases.run("Formatting", || {
        step("Checking formatting (cargo fmt --check, the workspace and the fuzz targets)");
        status(cargo(&root).args(["fmt", "--all", "--", "--check"]))?;
        status(cargo(&root).args(["fmt", "--manifest-path", "fuzz/Cargo.toml", "--", "--check"]))
    })?;

    lint_every_build()?;
    // One build for every native check: the tests, the examples, the server binary the kill
    // tests, the contract checks and the bench smoke run start, and the benches, all in the
    // debug profile (a release build of the same crates would cost four more minutes).
    phases.run("Native build with clippy (tests, server, examples, benches)", || {
        step(
            "Building the native crates' tests, the server, the examples and the benches, linted by clippy (warnings denied)",
        );
        status(cargo(&root).args(["test", "--workspace", "--exclude", "frontend", "--no-run"]))?;
        status(cargo(&root).args(["build", "--package", "backend", "--bins", "--examples"]))?;
        status(cargo(&root).args([
            "bench",
            "--profile",
            "dev",
            "--package",
            "backend",
            "--package",
            "attest",
            "--benches",
            "--no-run",
        ]))
    })?;
    let browser = phases.join(downloads)?;

    phases.run("Native tests on SQLite", || {
        step("Running native tests (unit and API integration tests, on SQLite)");
        status(
            cargo(&root)
                .args(["test", "--workspace", "--exclude", "frontend", "--"])
                .args(API_TEST_THREADS)
                .env_remove(POSTGRES_VARIABLE),
        )
    })?;

    if let Some(url) = &postgres {
        phases.run("API tests on PostgreSQL", || {
            step(&format!(
                "Running the API tests on PostgreSQL ({url}, a fresh schema per test server)"
            ));
            // These connections commit without waiting for the WAL to reach the disk
            // (`synchronous_commit=off`): what each request sees, locks and conflicts with is
            // unchanged; only a crash of PostgreSQL itself could lose the last commits, and
            // surviving kills is what the durability tests check, with the default setting.
            let separator = if url.contains('?') { '&' } else { '?' };
            let url = format!("{url}{separator}options=-c%20synchronous_commit%3Doff");
            status(
                integration_tests(&root, &["api"])
                    .arg("--")
                    .args(API_TEST_THREADS)
                    .env(POSTGRES_VARIABLE, url),
            )
        })?;
    }

    phases.run(
        "Frontend bundles with clippy (wasm32; trunk, wasm-opt)",
        || build_frontend(&root, &tools),
    )?;

    let server = root.join("target/debug/peerposture");
    let durability = || {
        let mut command = integration_tests(&root, &["durability", "outbox"]);
        command
            .args(["--", "--ignored", "--nocapture"])
            .env("PEERPOSTURE_TEST_SERVER_BIN", &server)
            .env_remove(POSTGRES_VARIABLE);
        command
    };
    phases.run("Durability and outbox kills, SQLite", || {
        step(
            "Killing the server under load (durability test; the notification outbox killed before and during a release burst)",
        );
        status(&mut durability())
    })?;
    if let Some(url) = &postgres {
        phases.run("Durability and outbox kills, PostgreSQL", || {
            step("Killing two servers on one PostgreSQL database under load");
            status(durability().env(POSTGRES_VARIABLE, url))
        })?;
    }

    phases.run("Bench smoke run (every phase, a few seconds each)", || {
        step("The bench, shortened (`cargo xtask bench --smoke`): every phase still works");
        bench::run(&root, bench::SMOKE, postgres.as_deref())
    })?;

    phases.run("Contract checks (schemathesis)", || {
        contract::run(&root, &server)
    })?;

    phases.run("Browser tests (headless Chromium)", || {
        step("Running browser tests (headless Chromium through chromedriver)");
        status(
            integration_tests(
                &root,
                &[
                    "browser",
                    "dashboard",
                    "library",
                    "assurance",
                    "layout",
                    "planning",
                    "deadlines",
                    "alerts",
                ],
            )
            .args(["--", "--ignored", "--nocapture"])
            .env("PEERPOSTURE_TEST_DIST", root.join("dist"))
            .env("PEERPOSTURE_TEST_CHROMEDRIVER", &browser.chromedriver)
            .env("PEERPOSTURE_TEST_CHROMIUM", &browser.chromium),
        )
    })?;

    match postgres {
        Some(_) => println!("\nAll checks passed, on SQLite and on PostgreSQL."),
        None => println!(
            "\nAll checks passed on SQLite. The PostgreSQL tests did NOT run: no server answered \
             (see above); the bench smoke run measured SQLite only."
        ),
    }
    Ok(())
}
