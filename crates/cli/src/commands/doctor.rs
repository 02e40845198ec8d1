//! `dsql-deploy doctor`: step-by-step connection diagnosis. The steps live in
//! `pgconn::diagnose`; this file maps flags to options and prints the report.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use pgconn::diagnose::{DoctorOptions, Report, Status};
use pgconn::{ConnectOptions, SslMode};

use crate::context::Context;
use crate::output::OutputFormat;

/// Step-by-step connectivity diagnosis: DNS, TCP, TLS, token, login, query.
///
/// Prints each step as OK, FAIL (with a hint) or SKIP, stops at the first
/// failure (the remaining steps show SKIP) and exits 1 if any step failed.
/// Auth: IAM tokens for *.dsql.<region>.on.aws endpoints (or with --iam),
/// otherwise the password in the variable named by --password-env.
/// Without --endpoint it diagnoses what `dsql-deploy up` set up.
/// `doctor persistence` replays Temporal's operations (= `dsql-deploy verify`).
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub check: Option<Check>,

    #[command(flatten)]
    pub conn: ConnArgs,
}

/// Deeper checks.
#[derive(Debug, clap::Subcommand)]
pub enum Check {
    /// Replay Temporal's persistence operations against the target (same as `dsql-deploy verify`).
    Persistence(super::verify::Args),
}

/// Where to connect and how.
#[derive(Debug, clap::Args)]
pub struct ConnArgs {
    /// Host name of the cluster endpoint or PostgreSQL server [default: the target `up` set up].
    #[arg(long, value_name = "HOST", env = "DSQL_ENDPOINT")]
    pub endpoint: Option<String>,

    /// Port.
    #[arg(long, default_value_t = 5432, env = "DSQL_PORT")]
    pub port: u16,

    /// Role to log in as.
    #[arg(long, default_value = "admin")]
    pub user: String,

    /// Database to log in to (DSQL has only `postgres`).
    #[arg(long, default_value = "postgres")]
    pub database: String,

    /// AWS region for IAM tokens [default: taken from the endpoint name, else $AWS_REGION].
    #[arg(long, value_name = "REGION", env = "DSQL_REGION")]
    pub region: Option<String>,

    /// TLS mode like libpq: disable, require, verify-ca, verify-full.
    #[arg(long, default_value = "verify-full", value_parser = parse_sslmode)]
    pub sslmode: SslMode,

    /// PEM file with the CA(s) to trust [default: public roots, incl. Amazon's].
    #[arg(long, value_name = "FILE", env = "DSQL_CA_FILE")]
    pub ca_file: Option<PathBuf>,

    /// Authenticate with an IAM auth token (automatic for DSQL endpoints).
    #[arg(long, conflicts_with = "password_env")]
    pub iam: bool,

    /// Name of the environment variable holding the password (never the password itself).
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,

    /// Seconds to wait for each network step.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub timeout: u64,

    /// Round trips for the latency step.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub samples: u32,
}

fn parse_sslmode(text: &str) -> Result<SslMode, String> {
    text.parse().map_err(|e: pgconn::SslModeError| e.to_string())
}

fn options(args: &ConnArgs, ctx: &Context) -> anyhow::Result<DoctorOptions> {
    anyhow::ensure!(args.timeout > 0, "--timeout must be at least 1 second");
    let Some(endpoint) = &args.endpoint else {
        return up_target_options(args, ctx);
    };
    let mut connect = ConnectOptions::new(endpoint.trim(), args.port, &args.user, &args.database);
    connect.sslmode = args.sslmode;
    connect.ca_file = args.ca_file.clone();
    connect.connect_timeout = Duration::from_secs(args.timeout);
    if let Some(var) = &args.password_env {
        let password = std::env::var(var).with_context(|| {
            format!("--password-env {var}: the variable {var} is not set (or not UTF-8); export it first")
        })?;
        connect = connect.with_password(password);
    } else if args.iam || connect.is_dsql() {
        let region = super::token::region_for(&connect.host, args.region.as_deref())?;
        connect = connect.with_iam(region);
    }
    Ok(DoctorOptions { connect, latency_samples: args.samples })
}

/// The emulator `up` set up, with its test credentials (as `verify` does).
fn up_target_options(args: &ConnArgs, ctx: &Context) -> anyhow::Result<DoctorOptions> {
    let config = ctx.config()?;
    let workdir = up::Workdir::new(config.up.workdir.clone());
    let Some(state) = up::UpState::read(&workdir)? else {
        anyhow::bail!(
            "no target: pass --endpoint HOST (or set DSQL_ENDPOINT), or run `dsql-deploy up` first (no up.json in {})",
            workdir.root().display()
        );
    };
    let mut connect = super::verify::local_target(&config, &state).connect;
    connect.connect_timeout = Duration::from_secs(args.timeout);
    Ok(DoctorOptions { connect, latency_samples: args.samples })
}

pub async fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    if let Some(Check::Persistence(verify_args)) = args.check {
        return super::verify::run(verify_args, ctx).await;
    }
    let args = args.conn;
    let opts = options(&args, ctx)?;
    let report = pgconn::diagnose::diagnose(&opts).await;
    match ctx.output() {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        OutputFormat::Text => print_text(&report),
    }
    Ok(if report.ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn print_text(report: &Report) {
    println!("doctor: {}", report.target);
    for step in &report.steps {
        let timing = if step.status == Status::Skip { String::new() } else { format!(" ({:.1} ms)", step.elapsed_ms) };
        println!("  {:<8} {:<5} {}{timing}", step.step.label(), step.status.label(), step.detail);
        if let Some(hint) = &step.hint {
            println!("  {:<8} {:<5} hint: {hint}", "", "");
        }
    }
    let verdict = if report.ok { "all steps passed" } else { "a step FAILED (see its hint)" };
    println!("{verdict}");
}
