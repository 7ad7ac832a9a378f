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

    /// Records a phase that ran as a child process in the background: how long it ran, or
    /// that it failed.
    pub fn record(&mut self, name: &str, outcome: Result<Duration>) -> Result {
        let took = *outcome.as_ref().unwrap_or(&self.started.elapsed());
        self.done
            .push((format!("{name} (in the background)"), took, outcome.is_ok()));
        outcome.map(|_| ())
    }

    /// How long since the command started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Starts a phase on its own thread, beside the ones that follow (downloads and installs
    /// that wait on the network and the disk more than on the cores); [`Phases::join`] waits for
    /// it and records it.
    pub fn beside<T: Send + 'static>(
        &self,
        name: &str,
        phase: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Beside<T> {
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let outcome = phase();
            (started.elapsed(), outcome)
        });
        Beside {
            name: name.to_owned(),
            thread,
        }
    }

    /// Waits for a phase started with [`Phases::beside`].
    pub fn join<T>(&mut self, beside: Beside<T>) -> Result<T> {
        let (took, outcome) = beside
            .thread
            .join()
            .unwrap_or_else(|_| (Duration::ZERO, Err(format!("{} panicked", beside.name))));
        self.done.push((
            format!("{} (beside the phases before it)", beside.name),
            took,
            outcome.is_ok(),
        ));
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

/// A phase running on its own thread.
#[derive(Debug)]
pub struct Beside<T> {
    name: String,
    thread: std::thread::JoinHandle<(Duration, Result<T>)>,
}

/// `12:05.3` (minutes and seconds, to the tenth: a restart takes less than one).
pub fn minutes(took: Duration) -> String {
    let tenths = (took.as_millis() + 50) / 100;
    format!("{}:{:02}.{}", tenths / 600, tenths / 10 % 60, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_minutes_and_seconds_to_the_tenth() {
        assert_eq!(minutes(Duration::from_millis(800)), "0:00.8");
        assert_eq!(minutes(Duration::from_millis(728_300)), "12:08.3");
        // Rounded up to the next minute, never "0:60.0".
        assert_eq!(minutes(Duration::from_millis(59_960)), "1:00.0");
    }
}
