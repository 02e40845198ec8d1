//! `dsql-deploy status`: the state of every component `up` manages.

use std::path::PathBuf;
use std::process::ExitCode;

use up::{UpState, Workdir};

use crate::context::Context;
use crate::output::OutputFormat;

/// Show every component `up` manages: emulator, its PostgreSQL, the schema
/// version, the rendered files. Exit code 0 when all are ok, 1 otherwise.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The workdir `up` used [default: `[up] workdir`].
    #[arg(long, value_name = "DIR")]
    workdir: Option<PathBuf>,
}

pub async fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let config = ctx.config()?;
    let workdir = Workdir::new(args.workdir.unwrap_or_else(|| config.up.workdir.clone()));
    let version = match UpState::read(&workdir)? {
        Some(state) => crate::commands::verify::schema_version(&config, &state).await,
        None => Err("`up` has not run with this workdir".to_string()),
    };
    let report = up::status(&config, &workdir, version)?;
    match ctx.output() {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        OutputFormat::Text => {
            println!("{:<17} {:<9} {:<40} DETAIL", "COMPONENT", "STATE", "ENDPOINT");
            for c in &report.components {
                println!("{:<17} {:<9} {:<40} {}", c.name, c.state.label(), c.endpoint, c.detail);
            }
        }
    }
    Ok(if report.all_ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
