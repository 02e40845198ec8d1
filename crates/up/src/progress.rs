//! Step-by-step progress for long pipelines: one line when a step starts and
//! one when it ends, with its outcome and duration. On a terminal the lines
//! carry symbols; elsewhere (CI logs, pipes) they are plain log lines.

use std::io::{IsTerminal, Write};
use std::time::Instant;

/// Receives pipeline progress. The CLI prints it; tests collect it.
pub trait Progress: Send + Sync {
    /// A step begins (`name` is short: "emulator", "schema", ...).
    fn start(&self, name: &str, doing: &str);
    /// A step ended with `ok` and a one-line summary.
    fn finish(&self, name: &str, ok: bool, summary: &str, elapsed_ms: u128);
    /// Extra detail while a step runs (e.g. waiting for an index job).
    fn detail(&self, name: &str, text: &str);
}

/// Prints progress to stderr, so stdout stays for results.
pub struct StderrProgress {
    tty: bool,
}

impl StderrProgress {
    pub fn new() -> StderrProgress {
        StderrProgress { tty: std::io::stderr().is_terminal() }
    }
}

impl Default for StderrProgress {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress for StderrProgress {
    fn start(&self, name: &str, doing: &str) {
        let mut err = std::io::stderr().lock();
        let _ =
            if self.tty { writeln!(err, "  … {name:<10} {doing}") } else { writeln!(err, "[start] {name}: {doing}") };
    }

    fn finish(&self, name: &str, ok: bool, summary: &str, elapsed_ms: u128) {
        let mark = match (self.tty, ok) {
            (true, true) => "  ✔",
            (true, false) => "  ✘",
            (false, true) => "[ok]   ",
            (false, false) => "[fail] ",
        };
        let _ = writeln!(std::io::stderr().lock(), "{mark} {name:<10} {summary} ({elapsed_ms} ms)");
    }

    fn detail(&self, name: &str, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "           {name}: {text}");
    }
}

/// Times one step and reports its end exactly once.
pub struct Step<'a> {
    progress: &'a dyn Progress,
    name: &'static str,
    started: Instant,
}

impl<'a> Step<'a> {
    pub fn start(progress: &'a dyn Progress, name: &'static str, doing: &str) -> Step<'a> {
        progress.start(name, doing);
        Step { progress, name, started: Instant::now() }
    }

    pub fn detail(&self, text: &str) {
        self.progress.detail(self.name, text);
    }

    /// Ends the step with the result's summary (or its error) and passes the result on.
    pub fn end<T, E: std::fmt::Display>(self, result: Result<(T, String), E>) -> Result<T, E> {
        let ms = self.started.elapsed().as_millis();
        match result {
            Ok((value, summary)) => {
                self.progress.finish(self.name, true, &summary, ms);
                Ok(value)
            }
            Err(err) => {
                self.progress.finish(self.name, false, &err.to_string(), ms);
                Err(err)
            }
        }
    }
}
