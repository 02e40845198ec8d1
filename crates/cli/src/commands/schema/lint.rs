//! `dsql-deploy schema lint FILE|DIR…`: runs `dsql::lint::lint` over SQL
//! files and prints each finding as `file:line:col: SQLSTATE message (fix: …)`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};

pub const EXIT_CODES: &str = "Exit codes: 0 no findings, 1 error (unreadable file, no .sql files), \
2 usage error, 3 findings reported.";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// SQL files, or directories searched recursively for *.sql.
    #[arg(required = true, value_name = "FILE|DIR")]
    paths: Vec<PathBuf>,
}

pub fn run(args: &Args, json: bool) -> anyhow::Result<ExitCode> {
    let mut files = Vec::new();
    for path in &args.paths {
        collect(path, &mut files).with_context(|| format!("cannot read {}", path.display()))?;
    }
    if files.is_empty() {
        bail!(
            "no .sql files under {}; pass SQL files or directories that hold them",
            args.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    let mut findings = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
        for f in dsql::lint::lint(&text) {
            findings.push((file.display().to_string(), f));
        }
    }
    if json {
        let list: Vec<_> = findings
            .iter()
            .map(|(file, f)| {
                serde_json::json!({"file": file, "line": f.line, "column": f.column,
                "sqlstate": f.sqlstate, "message": f.message, "fix": f.fix})
            })
            .collect();
        println!("{}", serde_json::json!({"files": files.len(), "findings": list}));
    } else {
        for (file, f) in &findings {
            println!("{file}:{}:{}: {} {} (fix: {})", f.line, f.column, f.sqlstate, f.message, f.fix);
        }
        eprintln!("{} files checked, {} findings", files.len(), findings.len());
    }
    Ok(if findings.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) })
}

/// A file as given; a directory's *.sql files, recursively, sorted.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?.flatten().map(|e| e.path()).collect();
        entries.sort();
        for entry in entries {
            if entry.is_dir() || entry.extension().is_some_and(|e| e == "sql") {
                collect(&entry, out)?;
            }
        }
        Ok(())
    } else {
        std::fs::metadata(path)?;
        out.push(path.to_path_buf());
        Ok(())
    }
}
