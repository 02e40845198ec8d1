//! `dsql-deploy verify` (also `doctor persistence`): replay Temporal's
//! persistence operations against a target and report each.

use std::net::ToSocketAddrs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{Context as _, bail};
use dsql_deploy_config::Config;
use up::{UpState, Workdir};
use verify::{Outcome, VerifyOptions};

use crate::context::Context;
use crate::output::OutputFormat;

/// Replay the statement sequences Temporal's SQL persistence issues for its
/// core operations (namespace, shard, executions, history, buffered events,
/// task queues, membership, an OCC conflict) and report each as OK or failed
/// with the database's error and a hint. Runs in a throw-away namespace and
/// deletes what it wrote.
///
/// Without --endpoint it checks what `dsql-deploy up` set up. Exit codes:
/// 0 all OK, 1 error (cannot connect), 3 some operation failed.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Server to check (a DSQL endpoint, the emulator, a PostgreSQL host).
    #[arg(long, visible_alias = "ep", value_name = "HOST")]
    endpoint: Option<String>,
    /// Port.
    #[arg(long, short, default_value_t = 5432)]
    port: u16,
    /// Role to connect as (`admin` on DSQL).
    #[arg(long, short, default_value = "admin")]
    user: String,
    /// Temporal's database (a schema on DSQL) [default: `[schema] database`].
    #[arg(long, visible_alias = "database")]
    db: Option<String>,
    /// Authenticate with an IAM token (automatic for *.dsql.*.on.aws hosts).
    #[arg(long)]
    iam: bool,
    /// Region for IAM tokens [default: from the endpoint name, else `[project] region`].
    #[arg(long)]
    region: Option<String>,
    /// TLS mode: disable, require, verify-ca, verify-full.
    #[arg(long, default_value = "verify-full")]
    sslmode: String,
    /// CA certificate(s) to verify the server with (PEM).
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Name of an environment variable holding the password (never pass it in argv).
    #[arg(long, value_name = "VAR")]
    password_env: Option<String>,
    /// The workdir `up` used (when no --endpoint) [default: `[up] workdir`].
    #[arg(long, value_name = "DIR")]
    workdir: Option<PathBuf>,
}

pub async fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let config = ctx.config()?;
    let opts = match &args.endpoint {
        Some(host) => explicit_target(&args, host, &config)?,
        None => {
            let workdir = Workdir::new(args.workdir.clone().unwrap_or_else(|| config.up.workdir.clone()));
            let Some(state) = UpState::read(&workdir)? else {
                bail!(
                    "no target: pass --endpoint HOST, or run `dsql-deploy up` first (no up.json in {})",
                    workdir.root().display()
                );
            };
            let mut opts = local_target(&config, &state);
            if let Some(db) = &args.db {
                opts.temporal_database = db.clone();
            }
            opts
        }
    };
    let report = verify::verify(&opts).await?;
    match ctx.output() {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        OutputFormat::Text => {
            println!("verify {} (database `{}`)", report.target, report.database);
            for check in &report.checks {
                let ms = check.elapsed.as_secs_f64() * 1000.0;
                match &check.outcome {
                    Outcome::Ok { note } => {
                        println!("  OK    {:<32} {:>7.1} ms  {}", check.name, ms, check.what);
                        if let Some(note) = note {
                            println!("        {:<32}             note: {note}", "");
                        }
                    }
                    Outcome::Failed { sqlstate, message, hint } => {
                        let state = sqlstate.as_deref().map(|s| format!("[{s}] ")).unwrap_or_default();
                        println!("  FAIL  {:<32} {:>7.1} ms  {state}{message}", check.name, ms);
                        println!("        {:<32}             hint: {hint}", "");
                    }
                }
            }
            let failed = report.failed().count();
            println!("{} passed, {} failed", report.checks.len() - failed, failed);
        }
    }
    Ok(if report.all_ok() { ExitCode::SUCCESS } else { ExitCode::from(3) })
}

fn explicit_target(args: &Args, host: &str, config: &Config) -> anyhow::Result<VerifyOptions> {
    let mut connect = pgconn::ConnectOptions::new(host, args.port, args.user.clone(), "postgres");
    connect.sslmode = pgconn::SslMode::from_str(&args.sslmode).map_err(|e| anyhow::anyhow!("--sslmode: {e}"))?;
    connect.ca_file = args.ca_file.clone();
    if args.iam || dsql::endpoint::is_dsql_host(host) {
        let region = args
            .region
            .clone()
            .or_else(|| dsql::endpoint::region_from_host(host))
            .unwrap_or_else(|| config.project.region.clone());
        connect.auth = pgconn::Auth::Iam { region };
    } else if let Some(var) = &args.password_env {
        let password = std::env::var(var).with_context(|| format!("--password-env {var}: the variable is not set"))?;
        connect = connect.with_password(password);
    }
    Ok(VerifyOptions { connect, temporal_database: args.db.clone().unwrap_or_else(|| config.schema.database.clone()) })
}

/// The target `up` set up. The emulator takes tokens signed with its
/// configured (test) keys; a real cluster gets the standard AWS chain. When
/// `up` connected through another address than the endpoint's name (the
/// emulator's 127.0.0.1, or `--connect-host`), connect there while TLS and
/// the token still use the name.
pub fn local_target(config: &Config, state: &UpState) -> VerifyOptions {
    let ep = &state.endpoint;
    let mut connect = pgconn::ConnectOptions::new(ep.hostname.clone(), ep.port, ep.user.clone(), "postgres");
    connect.auth = pgconn::Auth::Iam { region: ep.region.clone() };
    connect.ca_file = ep.ca_file.clone();
    connect.max_attempts = 2;
    if ep.host != ep.hostname {
        connect.hostaddr =
            (ep.host.as_str(), ep.port).to_socket_addrs().ok().and_then(|mut a| a.next()).map(|a| a.ip());
    }
    if state.target == "local" {
        connect.credentials = Some(up::emulator_credentials(config));
    }
    VerifyOptions { connect, temporal_database: state.database.clone() }
}

/// The schema version recorded on the target `up` set up (for `status`).
pub async fn schema_version(config: &Config, state: &UpState) -> Result<Option<String>, String> {
    let opts = local_target(config, state);
    let target = schema::Target {
        connect: opts.connect,
        database: state.database.clone(),
        default_db: "postgres".into(),
        dialect: Some(schema::Dialect::Dsql),
        index_timeout: std::time::Duration::from_secs(config.schema.index_job_timeout_secs),
        progress: std::sync::Arc::new(|_: &schema::Event| {}),
    };
    match schema::version(&target).await {
        Ok((_, version)) => Ok(version.map(|v| v.as_str().to_string())),
        Err(e) => Err(e.to_string()),
    }
}
