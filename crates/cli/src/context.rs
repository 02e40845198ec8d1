//! Flags every command shares, logging set-up, and lazy loading of the
//! validated configuration (commands that need no config never read it).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use dsql_deploy_config::Config;

use crate::output::OutputFormat;

/// Flags accepted by every command.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Configuration file [default: ./dsql-deploy.toml when it exists].
    #[arg(long, global = true, env = "DSQL_DEPLOY_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Output format for commands whose result is data.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// More log output (-v info, -vv debug, -vvv trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Only errors and results.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

/// What every command gets: the global flags and, on demand, the config.
pub struct Context {
    pub global: GlobalArgs,
}

impl Context {
    pub fn new(global: GlobalArgs) -> Self {
        Self { global }
    }

    pub fn output(&self) -> OutputFormat {
        self.global.output
    }

    /// Loads the config file (if any), applies `DSQL_DEPLOY_*` overrides and
    /// validates it. Every problem is reported at once.
    pub fn config(&self) -> anyhow::Result<Config> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Config::load(self.global.config.as_deref(), &env).context("invalid configuration")
    }
}

/// Logs go to stderr; results go to stdout so they can be piped.
pub fn init_logging(global: &GlobalArgs) {
    use tracing_subscriber::EnvFilter;
    let default = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    // Without -v, the credential chain's warning about each provider that had
    // nothing repeats what our own "no AWS credentials found" error says.
    let default = if global.verbose == 0 {
        format!("{default},aws_config::meta::credentials::chain=error")
    } else {
        default.to_string()
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // No colour codes in files (the background emulator logs to emulator.log).
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(ansi)
        .try_init();
}
