//! The API contract, checked with tools no one here wrote, against the server binary:
//!
//! - the OpenAPI document validates as OpenAPI 3.1 (openapi-spec-validator);
//! - a Python client generated from it (openapi-python-client) imports and talks to a server;
//! - schemathesis fuzzes a demo server from the document, logged in as a member admin and then
//!   anonymously: no 5xx, every status documented, every body and content type as documented.
//!
//! The Python tools are pinned and installed into a virtual environment under `target/`.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::process::demo_server;
use crate::{Result, status, step};

/// The tools, pinned; the environment is rebuilt when this list changes.
const PYTHON_PACKAGES: &[&str] = &[
    "schemathesis==4.32.5",
    "openapi-spec-validator==0.9.0",
    "openapi-python-client==0.29.1",
    // Not a contract tool: the real SMTP server the notification tests send to.
    "aiosmtpd==1.4.6",
];

/// Seconds schemathesis fuzzes as the member admin, then as an anonymous caller. The test
/// command fuzzes its debug build of the server: as the member admin that build answered
/// 8,195 cases in 90 s where the release build had answered 12,611, so the member admin gets
/// 140 s to try at least as many; anonymous callers are answered as fast (6,990 in 60 s,
/// 6,520 before).
const MEMBER_ADMIN_SECONDS: &str = "140";
const ANONYMOUS_SECONDS: &str = "60";

/// The seed of the schemathesis runs under `CI`.
const CI_SEED: &str = "20261126";

/// The demo login schemathesis works as (see `backend/src/demo.rs`).
const MEMBER_ADMIN: &str = r#"{"email":"member-admin@demo.local","password":"demo-password"}"#;

/// Runs the checks against `server` (the server binary: `cargo xtask test` passes its debug
/// build, `cargo xtask contract` the release one).
pub fn run(root: &Path, server: &Path) -> Result {
    let venv = root.join("target/contract-venv");
    ensure_venv(&venv)?;
    let bin = |tool: &str| venv.join("bin").join(tool);
    let work = root.join("target/contract");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;

    step("Validating the OpenAPI document as OpenAPI 3.1 (openapi-spec-validator)");
    let document = work.join("openapi.json");
    let printed = Command::new(server)
        .arg("openapi")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", server.display()))?;
    if !printed.status.success() {
        return Err("peerposture openapi failed".to_owned());
    }
    std::fs::write(&document, &printed.stdout).map_err(|e| e.to_string())?;
    status(Command::new(bin("openapi-spec-validator")).arg(&document))?;

    step("Generating a Python client from the document (openapi-python-client)");
    status(
        Command::new(bin("openapi-python-client"))
            .args(["generate", "--overwrite", "--path"])
            .arg(&document)
            .arg("--output-path")
            .arg(work.join("client")),
    )?;

    step("Starting a demo server for the contract checks");
    let (_server, base) = demo_server(
        server,
        &format!("sqlite://{}/demo.db", work.display()),
        &work,
        &work.join("server.log"),
        &[],
    )?;
    println!("the demo server answers on {base}");

    step("Using the generated client against the server");
    status(
        Command::new(bin("python"))
            .current_dir(work.join("client"))
            .arg("-c")
            .arg(format!(
                "from peer_posture_api_client import Client\n\
                 from peer_posture_api_client.api.default import get_v1_health, get_v1_metrics\n\
                 client = Client(base_url='{base}')\n\
                 health = get_v1_health.sync(client=client)\n\
                 assert health.status == 'ok', health\n\
                 catalogue = get_v1_metrics.sync(client=client)\n\
                 print('generated client: health', health.status, '-', \
                       len(catalogue.metrics), 'metrics')"
            )),
    )?;

    // Logged in first: the anonymous run's login fuzzing soon locks this address out.
    let cookie = log_in(&base)?;
    // Under CI one fixed seed, so that a landing is judged on the run a developer can repeat;
    // elsewhere a new seed each time (schemathesis prints it), to explore.
    let seed = std::env::var_os("CI").map(|_| CI_SEED);
    let fuzz = |seconds: &str, extra: &[&str], report: &str| {
        let mut command = Command::new(bin("st"));
        command
            .current_dir(&work)
            .args(["run", "--no-color", "--workers", "2", "--max-time", seconds])
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,\
                 response_schema_conformance",
            ])
            .args(["--report", "junit", "--report-dir", report])
            .args(seed.iter().flat_map(|seed| ["--seed", seed]))
            .args(["--url", &base])
            .args(extra)
            .arg(&document);
        command
    };
    step(&format!(
        "Fuzzing the API as a member admin from the document (schemathesis, {MEMBER_ADMIN_SECONDS} s)"
    ));
    let header = format!("Cookie: {cookie}");
    status(&mut fuzz(
        MEMBER_ADMIN_SECONDS,
        // Ending its own session would leave the rest of the run anonymous.
        &[
            "-H",
            &header,
            "--exclude-path",
            "/api/v1/auth/logout",
            "--exclude-path",
            "/api/v1/auth/password",
        ],
        "member-admin",
    ))?;
    step(&format!(
        "Fuzzing the API anonymously from the document (schemathesis, {ANONYMOUS_SECONDS} s)"
    ));
    status(&mut fuzz(ANONYMOUS_SECONDS, &[], "anonymous"))?;
    Ok(())
}

/// Creates the virtual environment with the pinned tools, unless it already has them.
pub fn ensure_venv(venv: &Path) -> Result {
    let marker = venv.join("pinned.txt");
    let wanted = PYTHON_PACKAGES.join("\n");
    if std::fs::read_to_string(&marker).is_ok_and(|pinned| pinned == wanted) {
        return Ok(());
    }
    step(
        "Installing the Python test tools into target/contract-venv (pip: schemathesis, openapi-spec-validator, openapi-python-client, aiosmtpd)",
    );
    let _ = std::fs::remove_dir_all(venv);
    status(Command::new("python3").args(["-m", "venv"]).arg(venv))?;
    status(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .args(PYTHON_PACKAGES),
    )?;
    std::fs::write(&marker, wanted).map_err(|e| e.to_string())
}

/// Logs in as the demo member admin; returns `pp_session=…`.
fn log_in(base: &str) -> Result<String> {
    let output = Command::new("curl")
        .args([
            "-sf",
            "-o",
            "/dev/null",
            "-D",
            "-",
            "-H",
            "content-type: application/json",
        ])
        .args(["-d", MEMBER_ADMIN])
        .arg(format!("{base}/api/v1/auth/login"))
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("curl: {e}"))?;
    let headers = String::from_utf8_lossy(&output.stdout);
    headers
        .lines()
        .filter_map(|line| line.split_once(':'))
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, value)| value.trim().split(';').next())
        .find(|cookie| cookie.starts_with("pp_session="))
        .map(str::to_owned)
        .ok_or_else(|| format!("the demo member admin could not log in at {base}"))
}
