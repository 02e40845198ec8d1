//! How results and errors reach the terminal: one-line errors with their
//! causes, and the `--output text|json` switch for commands whose result is data.

use clap::ValueEnum;

/// Output format for commands whose result is data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable text (tables, summaries).
    #[default]
    Text,
    /// One JSON document on stdout.
    Json,
}

/// Prints an error and its chain of causes as `error: outer: cause: root`.
pub fn print_error(err: &anyhow::Error) {
    let mut line = format!("error: {err}");
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        // Libraries often repeat their cause in their own message; skip echoes.
        if !line.contains(&cause) {
            line.push_str(": ");
            line.push_str(&cause);
        }
    }
    eprintln!("{line}");
}
