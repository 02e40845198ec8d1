//! `dsql-deploy emulator start|stop|status|env`: the local Aurora DSQL
//! emulator. The work lives in the `emulator` crate; this file maps flags
//! and prints results.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Subcommand;
use emulator::{Emulator, Instance, Launcher, Layout, RunningInfo, Settings, Status};

use crate::context::Context;
use crate::output::OutputFormat;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: EmulatorCommand,
}

/// Selects the instance; several can run side by side in different directories.
#[derive(Debug, Clone, clap::Args)]
struct InstanceArgs {
    /// Data directory of the instance [default: `[emulator] data_dir`, else
    /// $XDG_DATA_HOME/dsql-deploy/emulator, or /var/lib/dsql-deploy/emulator as root].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum EmulatorCommand {
    /// Start the emulator (in the background unless --foreground) and print its endpoint.
    Start {
        #[command(flatten)]
        instance: InstanceArgs,
        /// Port on 127.0.0.1 [default: `[emulator] port` (5432) when free, else any free port].
        /// An explicit port that is taken is an error.
        #[arg(long)]
        port: Option<u16>,
        /// Run in this process; Ctrl-C or SIGTERM stops it (and its PostgreSQL) cleanly.
        #[arg(long)]
        foreground: bool,
        /// Settings written by a background start (internal).
        #[arg(long, hide = true, value_name = "FILE")]
        settings: Option<PathBuf>,
    },
    /// Stop the emulator and its PostgreSQL.
    Stop {
        #[command(flatten)]
        instance: InstanceArgs,
    },
    /// Running, stopped, or PostgreSQL dead under a live emulator (exit 1 unless running).
    Status {
        #[command(flatten)]
        instance: InstanceArgs,
    },
    /// Print shell `export` lines for clients (eval "$(dsql-deploy emulator env)").
    Env {
        #[command(flatten)]
        instance: InstanceArgs,
    },
}

pub async fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    match args.command {
        EmulatorCommand::Start { instance, port, foreground, settings } => {
            start(ctx, &instance, port, foreground, settings.as_deref()).await
        }
        EmulatorCommand::Stop { instance } => {
            let instance = open(ctx, &instance)?;
            let stopped =
                tokio::task::spawn_blocking(move || instance.stop(Duration::from_secs(20)).map(|s| (s, instance)))
                    .await??;
            if stopped.0 {
                println!("emulator in {} stopped", stopped.1.data_dir().display());
            } else {
                println!("emulator in {} was not running", stopped.1.data_dir().display());
            }
            Ok(ExitCode::SUCCESS)
        }
        EmulatorCommand::Status { instance } => status(ctx, &instance),
        EmulatorCommand::Env { instance } => env(ctx, &instance),
    }
}

/// `--data-dir`, else `[emulator] data_dir`, else the default.
fn open(ctx: &Context, args: &InstanceArgs) -> anyhow::Result<Instance> {
    if let Some(dir) = &args.data_dir {
        return Ok(Instance::open(Some(dir)));
    }
    let config = ctx.config()?;
    Ok(Instance::open(config.emulator.data_dir.as_deref()))
}

async fn start(
    ctx: &Context,
    args: &InstanceArgs,
    port: Option<u16>,
    foreground: bool,
    settings_file: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let settings = load_settings(ctx, port, settings_file)?;
    let instance = open(ctx, args)?;
    if foreground {
        let layout = Layout::new(instance.data_dir());
        let emulator = Emulator::start(layout, settings).await?;
        print_endpoint(emulator.info());
        // Read back from the runtime itself, so the log shows what runs, not what was asked for.
        let workers = tokio::runtime::Handle::current().metrics().num_workers();
        println!("running in the foreground on {workers} worker thread(s); Ctrl-C stops it");
        emulator.run_until_signal().await?;
        return Ok(ExitCode::SUCCESS);
    }
    let launcher = Launcher::current_exe()?;
    let quiet = ctx.global.quiet;
    let info = tokio::task::spawn_blocking(move || {
        instance.ensure_running(&settings, &launcher, &|note| {
            if !quiet {
                eprintln!("{note}");
            }
        })
    })
    .await??;
    print_endpoint(&info);
    Ok(ExitCode::SUCCESS)
}

/// The settings a start uses: those a background start wrote, else the config's.
fn load_settings(ctx: &Context, port: Option<u16>, settings_file: Option<&Path>) -> anyhow::Result<Settings> {
    Ok(match settings_file {
        Some(file) => {
            let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
            serde_json::from_str::<Settings>(&text)
                .with_context(|| format!("{} is not emulator settings", file.display()))?
        }
        None => {
            let config = ctx.config()?;
            Settings { config: config.emulator, region: config.project.region, explicit_port: port }
        }
    })
}

/// Worker threads of the async runtime when this command runs the emulator
/// in this process (`start --foreground`); `None` for every other command,
/// and when the settings cannot be read (`start` then reports why).
pub fn worker_threads(args: &Args, ctx: &Context) -> Option<usize> {
    match &args.command {
        EmulatorCommand::Start { port, foreground: true, settings, .. } => {
            load_settings(ctx, *port, settings.as_deref())
                .ok()
                .map(|s| emulator::worker_threads(s.config.worker_threads))
        }
        _ => None,
    }
}

fn print_endpoint(info: &RunningInfo) {
    println!(
        "emulator ready: {}:{} (hostname {}, region {}, CA {})",
        info.host,
        info.port,
        info.hostname,
        info.region,
        info.ca_file.display()
    );
    println!("client environment: eval \"$(dsql-deploy emulator env --data-dir {})\"", info.data_dir.display());
}

fn status(ctx: &Context, args: &InstanceArgs) -> anyhow::Result<ExitCode> {
    let instance = open(ctx, args)?;
    let status = instance.status()?;
    if ctx.output() == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        match &status {
            Status::Stopped { data_dir, recovered_stale_state } => {
                println!("stopped ({})", data_dir.display());
                if *recovered_stale_state {
                    println!("a stale state file from a crashed run was removed");
                }
            }
            Status::Running(info) => {
                println!(
                    "running: {}:{} (pid {}, PostgreSQL pid {} on port {}, since {})",
                    info.host, info.port, info.pid, info.postgres_pid, info.postgres_port, info.started_at
                );
                println!("hostname {}, region {}, CA {}", info.hostname, info.region, info.ca_file.display());
            }
            Status::PostgresDead(info) => {
                println!(
                    "degraded: the emulator (pid {}, port {}) runs but its PostgreSQL (pid {}) is gone; \
                     clients get errors. Restart with `dsql-deploy emulator stop` then `start`",
                    info.pid, info.port, info.postgres_pid
                );
            }
        }
    }
    Ok(if matches!(status, Status::Running(_)) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn env(ctx: &Context, args: &InstanceArgs) -> anyhow::Result<ExitCode> {
    let instance = open(ctx, args)?;
    let info = match instance.status()? {
        Status::Running(info) => info,
        Status::PostgresDead(_) => anyhow::bail!(
            "the emulator in {dir} is degraded (its PostgreSQL died); restart it with \
             `dsql-deploy emulator stop --data-dir {dir}` and `dsql-deploy emulator start --data-dir {dir}`",
            dir = instance.data_dir().display()
        ),
        Status::Stopped { .. } => anyhow::bail!(
            "no emulator is running in {dir}; start one with `dsql-deploy emulator start --data-dir {dir}`",
            dir = instance.data_dir().display()
        ),
    };
    // The credentials the running emulator checks (saved at start), else the config's.
    let settings_file = instance.data_dir().join("settings.json");
    let config =
        match std::fs::read_to_string(&settings_file).ok().and_then(|t| serde_json::from_str::<Settings>(&t).ok()) {
            Some(settings) => settings.config,
            None => ctx.config()?.emulator,
        };
    print!("{}", env_lines(&info, &config.access_key_id, &config.secret_access_key));
    Ok(ExitCode::SUCCESS)
}

fn env_lines(info: &RunningInfo, akid: &str, secret: &str) -> String {
    let q = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let ca = info.ca_file.display().to_string();
    let mut out = String::new();
    out.push_str(&format!(
        "# Aurora DSQL emulator: eval \"$(dsql-deploy emulator env --data-dir {})\"\n",
        info.data_dir.display()
    ));
    for (name, value) in [
        ("DSQL_ENDPOINT", info.hostname.as_str()),
        ("DSQL_PORT", &info.port.to_string()),
        ("DSQL_REGION", info.region.as_str()),
        ("DSQL_CA_FILE", &ca),
        ("PGHOST", info.hostname.as_str()),
        ("PGHOSTADDR", info.host.as_str()),
        ("PGPORT", &info.port.to_string()),
        ("PGDATABASE", "postgres"),
        ("PGUSER", "admin"),
        ("PGSSLMODE", "verify-full"),
        ("PGSSLROOTCERT", &ca),
        ("AWS_REGION", info.region.as_str()),
        ("AWS_ACCESS_KEY_ID", akid),
        ("AWS_SECRET_ACCESS_KEY", secret),
    ] {
        out.push_str(&format!("export {name}={}\n", q(value)));
    }
    out.push_str("unset AWS_SESSION_TOKEN AWS_PROFILE\n");
    out.push_str(&format!(
        "# then: PGPASSWORD=\"$(dsql-deploy token --endpoint {} --region {} --admin)\" psql\n",
        info.hostname, info.region
    ));
    out
}
