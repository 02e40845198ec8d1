//! `dsql-deploy config init|show|validate`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use dsql_deploy_config::{DEFAULT_FILE, TEMPLATE};

use crate::context::Context;
use crate::output::OutputFormat;
use fsutil::write_atomic;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Write a commented `dsql-deploy.toml` with every key and its default.
    Init {
        /// Where to write it.
        #[arg(default_value = DEFAULT_FILE)]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(short, long)]
        force: bool,
    },
    /// Print the effective configuration (file + DSQL_DEPLOY_* overrides + defaults).
    Show,
    /// Check the configuration and list every problem.
    Validate,
}

pub async fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    match args.command {
        ConfigCommand::Init { path, force } => {
            if path.exists() && !force {
                anyhow::bail!("{} already exists; use --force to overwrite it", path.display());
            }
            write_atomic(&path, TEMPLATE.as_bytes(), 0o644)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        ConfigCommand::Show => {
            let config = ctx.config()?;
            match ctx.output() {
                OutputFormat::Text => print!("{}", config.to_toml()),
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&config)?),
            }
        }
        ConfigCommand::Validate => {
            ctx.config()?;
            println!("configuration is valid");
        }
    }
    Ok(ExitCode::SUCCESS)
}
