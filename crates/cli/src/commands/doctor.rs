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
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Host name of the cluster endpoint or PostgreSQL server.
    #[arg(long, value_name = "HOST", env = "DSQL_ENDPOINT")]
    pub endpoint: String,

    /// Port.
    #[arg(long, default_value_t = 5432)]
    pub port: u16,

    /// Role to log in as.
    #[arg(long, default_value = "admin")]
    pub user: String,

    /// Database to log in to (DSQL has only `postgres`).
    #[arg(long, default_value = "postgres")]
    pub database: String,

    /// AWS region for IAM tokens [default: taken from the endpoint name].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// TLS mode like libpq: disable, require, verify-ca, verify-full.
    #[arg(long, default_value = "verify-full", value_parser = parse_sslmode)]
    pub sslmode: SslMode,

    /// PEM file with the CA(s) to trust [default: public roots, incl. Amazon's].
    #[arg(long, value_name = "FILE")]
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

fn options(args: &Args) -> anyhow::Result<DoctorOptions> {
    anyhow::ensure!(args.timeout > 0, "--timeout must be at least 1 second");
    let mut connect = ConnectOptions::new(args.endpoint.trim(), args.port, &args.user, &args.database);
    connect.sslmode = args.sslmode;
    connect.ca_file = args.ca_file.clone();
    connect.connect_timeout = Duration::from_secs(args.timeout);
    if let Some(var) = &args.password_env {
        let password = std::env::var(var)
            .with_context(|| format!("--password-env {var}: the variable {var} is not set (or not UTF-8); export it first"))?;
        connect = connect.with_password(password);
    } else if args.iam || connect.is_dsql() {
        let region = super::token::region_for(&connect.host, args.region.as_deref())?;
        connect = connect.with_iam(region);
    }
    Ok(DoctorOptions { connect, latency_samples: args.samples })
}

pub async fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let opts = options(&args)?;
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
