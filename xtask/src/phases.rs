//! What each phase of a command cost: a table printed at the end (also when a phase fails) and
//! written to `target/xtask-phases/COMMAND.md`, so every change to the checks shows its price.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::Result;

#[derive(Debug)]
pub struct Phases {
    command: &'static str,
    started: Instant,
    done: Vec<(String, Duration, bool)>,
}

impl Phases {
    pub fn new(command: &'static str) -> Self {
        Self {
            command,
            started: Instant::now(),
            done: Vec::new(),
        }
    }

    /// Runs one phase and records how long it took and whether it passed.
    pub fn run<T>(&mut self, name: &str, phase: impl FnOnce() -> Result<T>) -> Result<T> {
        let started = Instant::now();
        let outcome = phase();
        self.done
            .push((name.to_owned(), started.elapsed(), outcome.is_ok()));
        outcome
    }

    /// Prints the table and writes it under `target/xtask-phases/`.
    pub fn report(&self, root: &Path) {
        let total = self.started.elapsed();
        let mut table = format!(
            "| Phase of `cargo xtask {}` | Time | Share |\n|---|---:|---:|\n",
            self.command
        );
        for (name, took, passed) in &self.done {
            let mark = if *passed { "" } else { " (FAILED)" };
            let _ = writeln!(
                table,
                "| {name}{mark} | {} | {:.0} % |",
                minutes(*took),
                100.0 * took.as_secs_f64() / total.as_secs_f64().max(1e-9)
            );
        }
        let _ = writeln!(table, "| **Total** | **{}** | |", minutes(total));
        println!("\n{table}");
        let dir = root.join("target/xtask-phases");
        let file = dir.join(format!("{}.md", self.command));
        if let Err(error) =
            std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, &table))
        {
            eprintln!("cannot write {}: {error}", file.display());
        } else {
            println!("(also in {})", file.display());
        }
    }
}

/// `12:05` (minutes and seconds).
fn minutes(took: Duration) -> String {
    let seconds = took.as_secs();
    format!("{}:{:02}", seconds / 60, seconds % 60)
}
