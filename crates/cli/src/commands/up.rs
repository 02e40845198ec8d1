//! `dsql-deploy up`: the main job (see the `up` crate for the pipeline).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::ValueEnum;
use up::{AwsOptions, AwsSummary, StderrProgress, UpSummary, Workdir};

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
/// With `--target aws`: VPN certificates in ACM (when the root module has a
/// Client VPN), `terraform plan`/`apply` of `[infra] terraform_dir`/`root`,
/// wait for the DSQL cluster, install the schema over IAM, and render
/// Temporal's config and `.env` from the module's outputs (docs/up-aws.md).
///
/// Every step checks before it acts: rerunning on a ready setup changes
/// nothing. Everything written lives under the workdir and is listed at the end.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where Temporal's persistence goes.
    #[arg(long, value_enum, default_value_t = Target::Local)]
    target: Target,

    /// Directory for everything `up` writes [default: `[up] workdir`, `.dsql-deploy`].
    #[arg(long, value_name = "DIR")]
    workdir: Option<PathBuf>,

    /// (aws) Apply the Terraform plan without asking (required without a terminal).
    #[arg(short = 'y', long)]
    yes: bool,

    /// (aws) Connect to this host instead of the cluster endpoint (a tunnel,
    /// the VPC endpoint's address); the IAM token and TLS still use the
    /// endpoint's name, like libpq's hostaddr.
    #[arg(long, value_name = "HOST")]
    connect_host: Option<String>,

    /// (aws) Port to connect to [default: 5432].
    #[arg(long, value_name = "PORT")]
    connect_port: Option<u16>,

    /// (aws) PEM file with the CA(s) to trust instead of the public roots
    /// (a TLS-inspecting proxy, a tunnel with its own certificate).
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,

    /// (aws) Seconds to wait for the DSQL cluster to become ACTIVE.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    cluster_timeout: u64,
}

pub async fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let config = ctx.config()?;
    if args.target == Target::Aws {
        return run_aws(args, ctx, config).await;
    }
    let aws_only = [
        (args.yes, "--yes"),
        (args.connect_host.is_some(), "--connect-host"),
        (args.connect_port.is_some(), "--connect-port"),
        (args.ca_file.is_some(), "--ca-file"),
    ];
    if let Some((_, flag)) = aws_only.iter().find(|(given, _)| *given) {
        bail!(
            "{flag} is only for `--target aws`; the local target needs no approval and connects to the emulator itself"
        );
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
    println!("{:<12} {:<9} ENDPOINT", "COMPONENT", "STATE");
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
    println!(
        "  docker-compose --env-file {} -f docker/compose.yaml -f {} up",
        workdir.env_file().display(),
        workdir.compose_override().display()
    );
    println!("                                           # Temporal (DSQL build) against the emulator");
    println!("  dsql-deploy down                         # stop the emulator (data kept)");
    println!();
    println!("done in {secs:.1} s");
}

async fn run_aws(args: Args, ctx: &Context, config: dsql_deploy_config::Config) -> anyhow::Result<ExitCode> {
    // Refuse before anything runs: without --yes only a person at a terminal can approve.
    let interactive = std::io::stdin().is_terminal();
    if !args.yes && !interactive {
        bail!(
            "`up --target aws` applies Terraform changes, and stdin is not a terminal to ask on; add --yes to apply without asking. Nothing was changed"
        );
    }
    if let Some(ca) = &args.ca_file {
        if !ca.is_file() {
            bail!("--ca-file {}: no such file; pass the PEM file with the CA certificate(s) to trust", ca.display());
        }
    }
    if args.connect_port == Some(0) {
        bail!("--connect-port 0 is not a port; pass the port the tunnel or endpoint listens on (5432 for DSQL)");
    }
    let workdir = Workdir::new(args.workdir.clone().unwrap_or_else(|| config.up.workdir.clone()));
    let mut opts = AwsOptions::new(std::env::current_dir()?);
    opts.auto_approve = args.yes;
    opts.connect_host = args.connect_host.clone();
    opts.connect_port = args.connect_port;
    opts.ca_file = args.ca_file.clone().map(|p| std::path::absolute(&p).unwrap_or(p));
    opts.cluster_timeout = Duration::from_secs(args.cluster_timeout);
    let started = Instant::now();
    eprintln!("dsql-deploy up --target aws");
    let approve = |question: &str| -> Option<bool> { ask(question, interactive) };
    let summary = up::up_aws(&config, &workdir, &opts, &approve, &StderrProgress::new()).await?;
    match ctx.output() {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&summary.state)?),
        OutputFormat::Text => print_aws_summary(&summary, &workdir, started.elapsed().as_secs_f64()),
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks on the terminal; `None` when there is none to ask on.
fn ask(question: &str, interactive: bool) -> Option<bool> {
    if !interactive {
        return None;
    }
    eprint!("{question} Only 'yes' applies: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    Some(line.trim() == "yes")
}

fn print_aws_summary(summary: &AwsSummary, workdir: &Workdir, secs: f64) {
    let s = &summary.state;
    let ep = &s.endpoint;
    let via = if ep.host != ep.hostname { format!(" via {}:{}", ep.host, ep.port) } else { String::new() };
    println!();
    println!("{:<12} {:<10} ENDPOINT", "COMPONENT", "STATE");
    let (vpn_state, vpn_detail) = match &summary.vpn {
        up::VpnOutcome::Skipped { reason } => ("skipped", reason.clone()),
        other => ("ready", other.summary()),
    };
    println!("{:<12} {:<10} {vpn_detail}", "certificates", vpn_state);
    let (tf_state, tf_detail) = if summary.infra_changed {
        ("applied", "plan had changes; applied")
    } else {
        ("unchanged", "plan had no changes")
    };
    println!("{:<12} {:<10} {tf_detail}", "terraform", tf_state);
    println!(
        "{:<12} {:<10} {} ({})",
        "cluster",
        summary.cluster.status.to_lowercase(),
        ep.hostname,
        summary.cluster.arn
    );
    println!(
        "{:<12} {:<10} schema `{}` at version {} (IAM auth, TLS verify-full{via})",
        "schema", "ready", s.database, s.schema_version
    );
    println!("{:<12} {:<10} {}", "config", "rendered", workdir.temporal_config().display());
    if let Some(id) = &summary.client_vpn_endpoint_id {
        println!("{:<12} {:<10} {id}", "client-vpn", "created");
    }
    println!();
    println!("Files (under {}):", workdir.root().display());
    for f in &summary.files {
        println!("  {} {}", if f.changed { "written  " } else { "unchanged" }, f.path.display());
    }
    println!();
    println!("Next:");
    if let Some(id) = &summary.client_vpn_endpoint_id {
        println!("  dsql-deploy certs ovpn operator --endpoint <DNS name of {id}>   # VPN profile");
    }
    println!("  dsql-deploy token --endpoint {} --admin   # a token for psql", ep.hostname);
    println!(
        "  run Temporal (DSQL build) with {} and the variables in {}",
        workdir.temporal_config().display(),
        workdir.env_file().display()
    );
    println!("  dsql-deploy infra destroy                 # remove it all (turn deletion_protection off first)");
    println!();
    println!("done in {secs:.1} s");
}
