//! Named, timed steps and the summary at the end of a command.
//!
//! A step prints `==> name` when it starts and `<== name: ok (12.3 s)` when it ends; a failing
//! step's error is wrapped with its name and duration, so the one line `main` prints says which
//! step failed. The record of steps gives `cargo xtask test` its closing summary.

use std::time::{Duration, Instant};

use anyhow::Result;

/// What became of one step.
enum Outcome {
    Passed(Duration),
    Failed(Duration),
    Skipped(&'static str),
}

/// The steps of one command, in the order they ran.
#[derive(Default)]
pub struct Steps {
    record: Vec<(String, Outcome)>,
}

impl Steps {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `work` as the step `name`, timing it; a failure is recorded and returned with the
    /// step named in its context.
    pub fn run(&mut self, name: &str, work: impl FnOnce() -> Result<()>) -> Result<()> {
        println!("\n==> {name}");
        let start = Instant::now();
        let result = work();
        let elapsed = start.elapsed();
        match result {
            Ok(()) => {
                println!("<== {name}: ok ({})", seconds(elapsed));
                self.record
                    .push((name.to_owned(), Outcome::Passed(elapsed)));
                Ok(())
            }
            Err(error) => {
                println!("<== {name}: FAILED ({})", seconds(elapsed));
                self.record
                    .push((name.to_owned(), Outcome::Failed(elapsed)));
                Err(error.context(format!("step `{name}` failed after {}", seconds(elapsed))))
            }
        }
    }

    /// Records the step `name` as skipped, with the reason.
    pub fn skip(&mut self, name: &str, reason: &'static str) {
        println!("\n==> {name}: skipped ({reason})");
        self.record
            .push((name.to_owned(), Outcome::Skipped(reason)));
    }

    /// Number of passed and failed steps.
    pub fn counts(&self) -> (usize, usize) {
        let passed = self
            .record
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Passed(_)))
            .count();
        let failed = self
            .record
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Failed(_)))
            .count();
        (passed, failed)
    }

    /// The name of the first failed step, if any.
    pub fn first_failure(&self) -> Option<&str> {
        self.record
            .iter()
            .find(|(_, outcome)| matches!(outcome, Outcome::Failed(_)))
            .map(|(name, _)| name.as_str())
    }

    /// Prints one line per step: outcome, duration, name.
    pub fn print_summary(&self, total: Duration) {
        println!("\nxtask summary:");
        for (name, outcome) in &self.record {
            match outcome {
                Outcome::Passed(d) => println!("  ok       {:>9}  {name}", seconds(*d)),
                Outcome::Failed(d) => println!("  FAILED   {:>9}  {name}", seconds(*d)),
                Outcome::Skipped(reason) => println!("  skipped  {:>9}  {name} ({reason})", "-"),
            }
        }
        println!("  total    {:>9}", seconds(total));
    }
}

/// `12.3 s`.
pub fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}
