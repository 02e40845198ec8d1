//! `dsql-deploy down`: stop what `up` started.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use up::{UpState, Workdir};

use crate::context::Context;

/// Stop the emulator `up` started. Its data (schema, rows) is kept for the
/// next `up` unless `--purge` is given.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The workdir `up` used [default: `[up] workdir`].
    #[arg(long, value_name = "DIR")]
    workdir: Option<PathBuf>,

    /// Also delete the emulator's data directory (asks for confirmation).
    #[arg(long)]
    purge: bool,

    /// Do not ask before purging.
    #[arg(short, long, requires = "purge")]
    force: bool,
}

pub async fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let config = ctx.config()?;
    let workdir = Workdir::new(args.workdir.unwrap_or_else(|| config.up.workdir.clone()));
    let data_dir =
        UpState::read(&workdir)?.and_then(|s| s.emulator_data_dir).or_else(|| config.emulator.data_dir.clone());
    let instance = emulator::Instance::open(data_dir.as_deref());
    let stopped = instance.stop(Duration::from_secs(30))?;
    eprintln!("{}", if stopped { "emulator stopped" } else { "emulator was not running" });
    if args.purge {
        if !args.force {
            confirm_purge(instance.data_dir())?;
        }
        instance.purge()?;
        let _ = std::fs::remove_file(workdir.state_file());
        eprintln!("deleted {}", instance.data_dir().display());
    }
    Ok(ExitCode::SUCCESS)
}

fn confirm_purge(dir: &std::path::Path) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "--purge deletes {} and cannot ask for confirmation here (stdin is not a terminal); add -f to confirm",
            dir.display()
        );
    }
    eprint!("Delete the emulator's data in {} (all Temporal data in it)? Type `yes`: ", dir.display());
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if answer.trim() != "yes" {
        bail!("not confirmed; nothing deleted");
    }
    Ok(())
}
