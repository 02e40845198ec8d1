//! `dsql-deploy up`: the main job (see the `up` crate for the pipeline).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::ValueEnum;
use up::{StderrProgress, UpSummary, Workdir};

use crate::context::Context;
use crate::output::OutputFormat;

/// Where Temporal's persistence goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// The embedded DSQL emulator on this machine (no AWS account needed).
    Local,
    /// A real Aurora DSQL cluster provisioned with Terraform.
    Aws,
}

/// Start the local DSQL emulator, install Temporal's DSQL schema on it over
/// IAM auth, and render Temporal's config, `.env` and a Compose override.
///
/// Every step checks before it acts: rerunning on a ready setup changes
/// nothing and takes about a second. Everything written lives under the
/// workdir and is listed at the end.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where Temporal's persistence goes.
    #[arg(long, value_enum, default_value_t = Target::Local)]
    target: Target,

    /// Directory for everything `up` writes [default: `[up] workdir`, `.dsql-deploy`].
    #[arg(long, value_name = "DIR")]
    workdir: Option<PathBuf>,
}

pub async fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let config = ctx.config()?;
    if args.target == Target::Aws {
        return Err(up::Error::TargetNotAvailable("aws".into()).into());
    }
    let workdir = Workdir::new(args.workdir.unwrap_or_else(|| config.up.workdir.clone()));
    let launcher = emulator::Launcher::current_exe()?;
    let started = Instant::now();
    eprintln!("dsql-deploy up --target local");
    let summary = up::up_local(&config, &workdir, &launcher, &StderrProgress::new()).await?;
    match ctx.output() {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&summary.state)?),
        OutputFormat::Text => print_summary(&summary, &workdir, started.elapsed().as_secs_f64()),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(summary: &UpSummary, workdir: &Workdir, secs: f64) {
    let s = &summary.state;
    let ep = &s.endpoint;
    println!();
    println!("{:<12} {:<9} {}", "COMPONENT", "STATE", "ENDPOINT");
    println!("{:<12} {:<9} {}:{} (TLS, IAM auth, region {})", "emulator", "running", ep.hostname, ep.port, ep.region);
    println!("{:<12} {:<9} schema `{}` at version {}", "schema", "ready", s.database, s.schema_version);
    println!("{:<12} {:<9} {}", "config", "rendered", workdir.temporal_config().display());
    println!();
    println!("Files (under {}):", workdir.root().display());
    for f in &summary.files {
        println!("  {} {}", if f.changed { "written  " } else { "unchanged" }, f.path.display());
    }
    println!();
    println!("Next:");
    println!("  dsql-deploy status                       # every component's state");
    println!("  dsql-deploy verify                       # replay Temporal's persistence operations");
    println!("  eval \"$(dsql-deploy emulator env)\"       # variables for psql and SDK clients");
    println!("  docker-compose --env-file {} -f docker/compose.yaml -f {} up",
        workdir.env_file().display(), workdir.compose_override().display());
    println!("                                           # Temporal (DSQL build) against the emulator");
    println!("  dsql-deploy down                         # stop the emulator (data kept)");
    println!();
    println!("done in {secs:.1} s");
}
