//! `cargo xtask snapshot DIR [SERVER]`: every answer of the API on the demo store, written down so that
//! a change meant to change no behaviour can be checked byte for byte (`diff -r` two snapshots).
//!
//! Against a fresh demo store (SQLite, and PostgreSQL when `PEERPOSTURE_TEST_POSTGRES` names a
//! server), it calls every route the OpenAPI document lists as every demo login and anonymously,
//! then plays `snapshot.scenario`: the writes a user makes, with bodies that succeed. Each answer
//! is written as its status, headers (but `date`) and body, with what differs from run to run
//! (timestamps, random tokens and what is signed over them) replaced by placeholders.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::process::demo_server;
use crate::{Result, step};

/// The demo logins (see `backend/src/demo.rs`) and the anonymous caller.
const CALLERS: [&str; 6] = [
    "anonymous",
    "admin",
    "publisher",
    "member-admin",
    "member-viewer",
    "member-admin-b",
];

/// Writes the snapshot of `server` (the debug build when `None`) to `out`.
pub fn run(root: &Path, out: &Path, server: Option<&Path>) -> Result {
    let server = server.map_or_else(|| root.join("target/debug/peerposture"), Path::to_path_buf);
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let work = root.join("target/snapshot-work");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let mut stores = vec![(
        "sqlite".to_owned(),
        format!("sqlite://{}/demo.db", work.display()),
    )];
    if let Ok(url) = std::env::var("PEERPOSTURE_TEST_POSTGRES") {
        let database = "peerposture_snapshot";
        let admin = |sql: &str| {
            crate::status(
                Command::new("psql")
                    .args([&url, "-qc", sql])
                    .stdout(Stdio::null()),
            )
        };
        admin(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))?;
        admin(&format!("CREATE DATABASE {database}"))?;
        let (base, _) = url
            .rsplit_once('/')
            .ok_or("PEERPOSTURE_TEST_POSTGRES has no database")?;
        stores.push(("postgres".to_owned(), format!("{base}/{database}")));
    }
    let document = Command::new(&server)
        .arg("openapi")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", server.display()))?;
    let document: Value = serde_json::from_slice(&document.stdout).map_err(|e| e.to_string())?;
    for (name, url) in stores {
        step(&format!(
            "Snapshot of every API answer on the demo store ({name})"
        ));
        let start = |run: &str| {
            demo_server(
                &server,
                &url,
                &work,
                &work.join(format!("{name}-{run}.log")),
                &[
                    ("PEERPOSTURE_DELIVER_NOTIFICATIONS", "false"),
                    ("PEERPOSTURE_WEBHOOK_ALLOW_LOOPBACK", "true"),
                ],
            )
        };
        // The first start seeds the store and announces its last release; nobody calls it
        // while its worker does, so no request lands between the worker's audit entries.
        let seeding = start("seed")?;
        std::thread::sleep(std::time::Duration::from_secs(5));
        drop(seeding);
        let (_server, base) = start("snapshot")?;
        let mut session = Session::new(&base, work.join(&name))?;
        let mut text = String::new();
        session.every_route(&document, &mut text)?;
        session.scenario(&root.join("xtask/snapshot.scenario"), &mut text)?;
        std::fs::write(out.join(format!("{name}.txt")), text).map_err(|e| e.to_string())?;
    }
    println!("snapshot written to {}", out.display());
    Ok(())
}

/// Cookie jars per caller, and the values the scenario captured.
struct Session {
    base: String,
    jars: PathBuf,
    vars: Vec<(String, String)>,
}

impl Session {
    fn new(base: &str, jars: PathBuf) -> Result<Self> {
        std::fs::create_dir_all(&jars).map_err(|e| e.to_string())?;
        let mut session = Self {
            base: base.to_owned(),
            jars,
            vars: Vec::new(),
        };
        for caller in &CALLERS[1..] {
            session.log_in(caller)?;
        }
        session.settled()?;
        Ok(session)
    }

    /// Waits until the notification worker has done what the start gave it (the demo's last
    /// release announced): until the audit log stays the same for two of the worker's polls.
    fn settled(&self) -> Result {
        let mut last = Vec::new();
        let mut same = 0;
        for _ in 0..240 {
            let (_, _, log) = self.call("admin", "GET", "/api/v1/audit", None)?;
            same = if log == last { same + 1 } else { 0 };
            if same == 8 {
                return Ok(());
            }
            last = log;
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        Err("the audit log kept changing for a minute".to_owned())
    }

    fn log_in(&mut self, caller: &str) -> Result {
        let email = match caller {
            "member-admin-b" => "member-admin-2@demo.local".to_owned(),
            other => format!("{other}@demo.local"),
        };
        let body = format!(r#"{{"email":"{email}","password":"demo-password"}}"#);
        let (status, _, _) = self.call(caller, "POST", "/api/v1/auth/login", Some(&body))?;
        if status != "200" {
            return Err(format!("{caller} could not log in ({status})"));
        }
        Ok(())
    }

    /// Every operation of the document, as every caller, with the path's parameters filled in
    /// from the demo store and an empty JSON object as the body.
    fn every_route(&mut self, document: &Value, text: &mut String) -> Result {
        let (_, _, periods) = self.call("admin", "GET", "/api/v1/periods", None)?;
        let periods: Value = serde_json::from_slice(&periods).map_err(|e| e.to_string())?;
        let released = periods
            .as_array()
            .and_then(|list| {
                list.iter()
                    .filter(|p| p["status"] == "released")
                    .filter_map(|p| p["period"].as_str())
                    .max()
            })
            .unwrap_or("2026-Q2")
            .to_owned();
        let open = periods
            .as_array()
            .and_then(|list| list.iter().find(|p| p["status"] == "open"))
            .and_then(|p| p["period"].as_str())
            .ok_or("the demo store has no open period")?;
        self.vars.push(("open".to_owned(), open.to_owned()));
        self.vars.push(("released".to_owned(), released.clone()));
        let paths = document["paths"]
            .as_object()
            .ok_or("the document has no paths")?;
        let mut logout = Vec::new();
        for (template, operations) in paths {
            for (method, _) in operations.as_object().into_iter().flatten() {
                let method = method.to_uppercase();
                for value in ["1", "999"] {
                    let path = template
                        .replace("{id}", value)
                        .replace("{leaf}", value)
                        .replace("{token}", "not-a-real-token")
                        .replace("{jti}", "not-a-real-jti")
                        .replace("{metric}", "mfa_coverage")
                        .replace("{table}", "position")
                        .replace("{period}", &released);
                    if path.ends_with("/logout") {
                        logout.push((method.clone(), path));
                        break;
                    }
                    for caller in CALLERS {
                        let body = (method != "GET").then_some("{}");
                        self.record(caller, &method, &path, body, text)?;
                    }
                    if path == *template {
                        break;
                    }
                }
            }
        }
        for table in [
            "position",
            "trends",
            "compliance",
            "roadmap",
            "industry",
            "nope",
        ] {
            for caller in CALLERS {
                let path = format!("/api/v1/exports/{table}?period={released}");
                self.record(caller, "GET", &path, None, text)?;
            }
        }
        for cohort in ["all", "region:latam", "size:1k-4.9k", "bogus"] {
            for caller in CALLERS {
                let path = format!("/api/v1/benchmarks/{released}?cohort={cohort}");
                self.record(caller, "GET", &path, None, text)?;
                let path = format!("/api/v1/benchmarks/{released}/position?cohort={cohort}");
                self.record(caller, "GET", &path, None, text)?;
            }
        }
        for (method, path) in logout {
            self.record("member-viewer", &method, &path, None, text)?;
            self.record("anonymous", &method, &path, None, text)?;
            self.log_in("member-viewer")?;
        }
        Ok(())
    }

    /// Plays the scenario: lines of `caller METHOD path [body]` (or `settle`: wait for the
    /// notification worker), optionally ending in
    /// `=> name=/json/pointer` (`|last`: its last path segment; several
    /// separated by `, `) to capture a value of the answer as `{name}` for later lines.
    fn scenario(&mut self, file: &Path, text: &mut String) -> Result {
        let script =
            std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        for (number, line) in script.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line == "settle" {
                self.settled()?;
                continue;
            }
            let (line, capture) = match line.split_once(" => ") {
                Some((line, capture)) => (line, Some(capture)),
                None => (line, None),
            };
            let line = self.substitute(line);
            let mut parts = line.splitn(4, ' ');
            let (Some(caller), Some(method), Some(path)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(format!(
                    "snapshot.scenario:{}: caller METHOD path [body]",
                    number + 1
                ));
            };
            let body = parts.next();
            let answer = self.record(caller, method, path, body, text)?;
            for capture in capture.into_iter().flat_map(|c| c.split(", ")) {
                let (name, pointer) = capture
                    .split_once('=')
                    .ok_or_else(|| format!("snapshot.scenario:{}: name=/pointer", number + 1))?;
                // `|last`: only the last segment of a path.
                let (pointer, last) = match pointer.strip_suffix("|last") {
                    Some(pointer) => (pointer, true),
                    None => (pointer, false),
                };
                let json: Value = serde_json::from_slice(&answer).map_err(|_| {
                    format!("snapshot.scenario:{}: the answer is not JSON", number + 1)
                })?;
                let value = match json.pointer(pointer) {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => {
                        return Err(format!(
                            "snapshot.scenario:{}: no {pointer} in {json}",
                            number + 1
                        ));
                    }
                };
                let value = match (last, value.rsplit_once('/')) {
                    (true, Some((_, segment))) => segment.to_owned(),
                    _ => value,
                };
                self.vars.push((name.to_owned(), value));
            }
        }
        Ok(())
    }

    fn substitute(&self, line: &str) -> String {
        let mut line = line.to_owned();
        for (name, value) in self.vars.iter().rev() {
            line = line.replace(&format!("{{{name}}}"), value);
        }
        line
    }

    /// Calls and writes the answer down; returns the raw body.
    fn record(
        &mut self,
        caller: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
        text: &mut String,
    ) -> Result<Vec<u8>> {
        let (status, headers, raw) = self.call(caller, method, path, body)?;
        let _ = writeln!(text, "### {caller} {method} {}", normalise(path));
        if let Some(body) = body {
            let _ = writeln!(text, "> {}", normalise(body));
        }
        let _ = writeln!(text, "{status}");
        for header in headers {
            let _ = writeln!(text, "{}", normalise(&header));
        }
        let _ = writeln!(text, "\n{}\n", normalise(&String::from_utf8_lossy(&raw)));
        Ok(raw)
    }

    fn call(
        &self,
        caller: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<(String, Vec<String>, Vec<u8>)> {
        let mut command = Command::new("curl");
        command.args(["-s", "-D", "-", "-X", method]);
        if caller != "anonymous" {
            let jar = self.jars.join(caller);
            command.arg("-b").arg(&jar).arg("-c").arg(&jar);
        }
        if let Some(body) = body {
            let kind = if path.ends_with("/csv") {
                "text/csv"
            } else {
                "application/json"
            };
            command
                .args(["-H", &format!("content-type: {kind}")])
                .args(["--data-binary", &body.replace("\\n", "\n")]);
        }
        let output = command
            .arg(format!("{}{path}", self.base))
            .output()
            .map_err(|e| format!("curl: {e}"))?;
        let split = output
            .stdout
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| format!("{method} {path}: no answer"))?;
        let head = String::from_utf8_lossy(&output.stdout[..split]).into_owned();
        let raw = output.stdout[split + 4..].to_vec();
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .unwrap_or("?")
            .to_owned();
        let mut headers: Vec<String> = lines
            .filter(|line| !line.to_ascii_lowercase().starts_with("date:"))
            .map(str::to_owned)
            .collect();
        headers.sort();
        Ok((status, headers, raw))
    }
}

/// `text` with what differs from run to run replaced: RFC 3339 timestamps, Unix times of this
/// century, and runs of 32 or more token characters (random tokens, signatures, hashes).
fn normalise(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let token = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    while i < bytes.len() {
        if let Some(end) = timestamp_end(&bytes[i..]) {
            out.push_str("<time>");
            i += end;
            continue;
        }
        if token(bytes[i]) && (i == 0 || !token(bytes[i - 1])) {
            let end = bytes[i..]
                .iter()
                .position(|&b| !token(b))
                .unwrap_or(bytes.len() - i);
            let run = &text[i..i + end];
            if end >= 32 {
                out.push_str("<token>");
                i += end;
                continue;
            }
            if end == 10 && run.starts_with("17") && run.bytes().all(|b| b.is_ascii_digit()) {
                out.push_str("<unix>");
                i += end;
                continue;
            }
            out.push_str(run);
            i += end;
            continue;
        }
        let ch = text[i..].chars().next().unwrap_or('?');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// The length of an RFC 3339 timestamp at the start of `b`.
fn timestamp_end(b: &[u8]) -> Option<usize> {
    let shape = b"dddd-dd-ddTdd:dd:dd";
    if b.len() < shape.len() {
        return None;
    }
    for (byte, want) in b.iter().zip(shape) {
        let fits = match want {
            b'd' => byte.is_ascii_digit(),
            b'T' => *byte == b'T' || *byte == b' ',
            other => byte == other,
        };
        if !fits {
            return None;
        }
    }
    let mut end = shape.len();
    if b.get(end) == Some(&b'.') {
        end += 1;
        while b.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
    }
    match b.get(end) {
        Some(b'Z') => end += 1,
        Some(b'+' | b'-') if b.len() >= end + 6 => end += 6,
        _ => {}
    }
    Some(end)
}
