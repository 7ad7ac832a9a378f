//! `cargo xtask fuzz [SECONDS]`: coverage-guided fuzzing of the parsers with libFuzzer
//! (libfuzzer-sys from crates.io), on the stable toolchain: rustc's SanitizerCoverage pass is
//! switched on with stable `-C` flags, so neither nightly nor cargo-fuzz is needed.
//!
//! Each target runs for SECONDS (60 by default) from the committed corpus in `fuzz/corpus/`;
//! afterwards that corpus is replaced by the smallest set of inputs covering everything reached
//! (libFuzzer's merge), to be committed.
//! A crash stops the run with the input that caused it (in `target/fuzz/artifacts/`), which
//! becomes a regression test next to the code it broke.

use std::path::Path;
use std::process::Command;

use crate::{Result, cargo, status, step};

/// The fuzz targets (`fuzz/fuzz_targets/*.rs`).
const TARGETS: &[&str] = &["csv", "markdown", "keys", "values"];

/// What `cargo fuzz` passes for a coverage-instrumented build without a sanitizer.
const RUSTFLAGS: &str = "-Cpasses=sancov-module \
    -Cllvm-args=-sanitizer-coverage-level=4 \
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
    -Cllvm-args=-sanitizer-coverage-pc-table \
    -Cllvm-args=-sanitizer-coverage-trace-compares \
    --cfg fuzzing -Cdebug-assertions -Coverflow-checks";

/// Where the build happens: the host, named, so that build scripts and proc macros stay
/// uninstrumented.
const HOST: &str = "x86_64-unknown-linux-gnu";

pub fn run(root: &Path, seconds: u64) -> Result {
    step(&format!(
        "Building the fuzz targets with coverage instrumentation (target/fuzz; {})",
        TARGETS.join(", ")
    ));
    status(
        cargo(root)
            .args([
                "build",
                "--release",
                "--bins",
                "--manifest-path",
                "fuzz/Cargo.toml",
            ])
            .args(["--target-dir", "target/fuzz", "--target", HOST])
            .env("RUSTFLAGS", RUSTFLAGS),
    )?;
    let mut report = Vec::new();
    for target in TARGETS {
        let binary = root.join(format!("target/fuzz/{HOST}/release/{target}"));
        let corpus = root.join("fuzz/corpus").join(target);
        let found = root.join("target/fuzz/corpus").join(target);
        let artifacts = root.join("target/fuzz/artifacts").join(target);
        for dir in [&corpus, &found, &artifacts] {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        step(&format!("Fuzzing `{target}` for {seconds} s"));
        let log = root.join(format!("target/fuzz/{target}.log"));
        let output = Command::new(&binary)
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .arg("-print_final_stats=1")
            .arg(&found)
            .arg(&corpus)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        let text = String::from_utf8_lossy(&output.stderr).into_owned();
        std::fs::write(&log, &text).map_err(|e| e.to_string())?;
        if !output.status.success() {
            let crash = text
                .lines()
                .rfind(|line| line.contains("Test unit written to"))
                .unwrap_or("(see the log)");
            return Err(format!(
                "fuzz target `{target}` crashed: {crash}; log in {}. Turn the input into a \
                 regression test next to the code it broke, fix it, and run again.",
                log.display()
            ));
        }
        // The committed corpus becomes a small set of inputs (a greedy set cover) that reaches
        // every feature the old corpus and this run reached.
        let merged = root.join("target/fuzz/merged").join(target);
        let _ = std::fs::remove_dir_all(&merged);
        std::fs::create_dir_all(&merged).map_err(|e| format!("{}: {e}", merged.display()))?;
        status(
            Command::new(&binary)
                .arg("-set_cover_merge=1")
                .arg(&merged)
                .arg(&corpus)
                .arg(&found)
                .stderr(std::process::Stdio::null()),
        )?;
        std::fs::remove_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        std::fs::rename(&merged, &corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        let files = std::fs::read_dir(&corpus).map_or(0, |dir| dir.count());
        report.push(format!(
            "{target:<10} {}  corpus {files} files",
            summary(&text)
        ));
    }
    step("Fuzzed without a crash");
    for line in &report {
        println!("  {line}");
    }
    println!("  (fuzz/corpus/ now covers everything reached: commit it)");
    Ok(())
}

/// From libFuzzer's `DONE` line and final stats: executions, coverage, features.
fn summary(log: &str) -> String {
    let done = log.lines().rfind(|line| line.contains("\tDONE "));
    let field = |name: &str| {
        done.and_then(|line| {
            let rest = &line[line.find(name)? + name.len()..];
            rest.split_whitespace().next().map(str::to_owned)
        })
    };
    let runs = log
        .lines()
        .find_map(|line| line.strip_prefix("stat::number_of_executed_units:"))
        .map_or("?".to_owned(), |n| n.trim().to_owned());
    format!(
        "{runs:>12} executions, coverage {} edges, {} features",
        field("cov: ").unwrap_or_else(|| "?".to_owned()),
        field("ft: ").unwrap_or_else(|| "?".to_owned())
    )
}
