//! `dsql-deploy schema`: temporal-sql-tool's commands, flags and environment
//! variables, executed the DSQL way by the `schema` crate. This file only
//! turns flags into a `schema::Target` and prints results.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Subcommand, ValueEnum};
use pgconn::{Auth, ConnectOptions, SslMode};
use schema::{Dialect, Event, Target, Version, Versioned};

use crate::context::Context;
use crate::output::OutputFormat;

mod lint;

/// temporal-sql-tool compatible schema tool that knows DSQL.
///
/// Connection flags go before or after the subcommand. On DSQL (a
/// `*.dsql.<region>.on.aws` endpoint, `--iam`, or a server with `sys.jobs`)
/// Temporal's database is a schema inside `postgres`, each statement runs in
/// its own transaction and `CREATE INDEX ASYNC` jobs are waited for; on
/// PostgreSQL the same files run with ASYNC dropped. See docs/schema.md.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    conn: ConnArgs,

    #[command(subcommand)]
    command: SchemaCommand,
}

#[derive(Debug, clap::Args)]
struct ConnArgs {
    /// Hostname or IP address of the server (required; 127.0.0.1 for a local PostgreSQL).
    #[arg(long = "endpoint", visible_alias = "ep", env = "SQL_HOST", global = true)]
    endpoint: Option<String>,
    /// Port of the server.
    #[arg(short = 'p', long, env = "SQL_PORT", global = true, default_value_t = 5432)]
    port: u16,
    /// User name [default: admin on DSQL endpoints and with --iam, else postgres].
    #[arg(short = 'u', long, env = "SQL_USER", global = true)]
    user: Option<String>,
    /// Password (ignored with IAM auth, where a fresh token is the password).
    #[arg(long, visible_alias = "pw", env = "SQL_PASSWORD", global = true, hide_env_values = true)]
    password: Option<String>,
    /// Temporal's database; on DSQL a schema in `postgres` [default: schema.database from the config, `temporal`].
    #[arg(long, visible_alias = "db", env = "SQL_DATABASE", global = true)]
    database: Option<String>,
    /// Temporal SQL plugin the schema is for: dsql, postgres12 or postgres12_pgx.
    #[arg(long, visible_alias = "pl", env = "SQL_PLUGIN", global = true, default_value = "dsql")]
    plugin: String,
    /// Connection attributes as a query string (`sslmode=require&application_name=x`).
    #[arg(long, visible_alias = "ca", env = "SQL_CONNECT_ATTRIBUTES", global = true)]
    connect_attributes: Option<String>,
    /// Use TLS (verify-full; see --sslmode). Always on for DSQL endpoints and --iam.
    #[arg(long, env = "SQL_TLS", global = true)]
    tls: bool,
    /// Client certificate (not supported: authenticate with --iam or a password).
    #[arg(long, env = "SQL_TLS_CERT_FILE", global = true, value_name = "FILE")]
    tls_cert_file: Option<PathBuf>,
    /// Client key (not supported: authenticate with --iam or a password).
    #[arg(long, env = "SQL_TLS_KEY_FILE", global = true, value_name = "FILE")]
    tls_key_file: Option<PathBuf>,
    /// PEM file with the CA(s) to trust [default: the system/webpki roots].
    #[arg(long, env = "SQL_TLS_CA_FILE", global = true, value_name = "FILE")]
    tls_ca_file: Option<PathBuf>,
    /// Server name override (not supported: connect with the name in the certificate).
    #[arg(long, env = "SQL_TLS_SERVER_NAME", global = true)]
    tls_server_name: Option<String>,
    /// Check the certificate chain but not the host name (sslmode verify-ca).
    #[arg(long, env = "SQL_TLS_DISABLE_HOST_VERIFICATION", global = true)]
    tls_disable_host_verification: bool,
    /// Authenticate with a fresh IAM auth token (automatic for DSQL endpoints).
    #[arg(long, env = "SQL_IAM", global = true)]
    iam: bool,
    /// AWS region for IAM tokens [default: from the DSQL endpoint name].
    #[arg(long, env = "AWS_REGION", global = true)]
    region: Option<String>,
    /// TLS mode like libpq's [default: verify-full with --tls, --iam or a DSQL endpoint; else disable, like temporal-sql-tool].
    #[arg(long, value_enum, env = "SQL_SSLMODE", global = true)]
    sslmode: Option<SslModeArg>,
    /// Server kind; auto probes for DSQL's sys.jobs.
    #[arg(long, value_enum, global = true, default_value_t = DialectArg::Auto)]
    dialect: DialectArg,
    /// Database to connect to for create/drop (the only one on DSQL).
    #[arg(long, global = true, default_value = "postgres")]
    defaultdb: String,
    /// Seconds to wait for one CREATE INDEX ASYNC job [default: schema.index_job_timeout_secs, 600].
    #[arg(long, global = true, value_name = "SECS")]
    index_timeout: Option<u64>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SslModeArg {
    Disable,
    Require,
    VerifyCa,
    VerifyFull,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DialectArg {
    Auto,
    Dsql,
    Postgres,
}

#[derive(Debug, Subcommand)]
enum SchemaCommand {
    /// Create Temporal's database (on DSQL: a schema NAME in `postgres`).
    #[command(name = "create-database", visible_alias = "create")]
    CreateDatabase(NameArg),
    /// Drop every table (one per transaction), then the schema/database.
    #[command(name = "drop-database", visible_alias = "drop")]
    DropDatabase(DropArgs),
    /// Set up the version tables, optionally run a full schema file, record a version.
    #[command(name = "setup-schema", visible_alias = "setup", disable_version_flag = true)]
    SetupSchema(SetupArgs),
    /// Apply versioned schema updates up to the newest (or -v TARGET).
    #[command(name = "update-schema", visible_alias = "update", disable_version_flag = true)]
    UpdateSchema(UpdateArgs),
    /// Print the recorded schema version.
    Version,
    /// Check SQL files for statements DSQL refuses.
    #[command(after_help = lint::EXIT_CODES)]
    Lint(lint::Args),
}

#[derive(Debug, clap::Args)]
struct NameArg {
    /// Database name [default: --database].
    name: Option<String>,
}

#[derive(Debug, clap::Args)]
struct DropArgs {
    /// Database name [default: --database].
    name: Option<String>,
    /// Don't ask for confirmation.
    #[arg(short, long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
struct SetupArgs {
    /// Version to record, e.g. 0 (then run update-schema) or 1.19 with a full -f/-s file.
    #[arg(
        short = 'v',
        long = "version",
        required_unless_present = "disable_versioning",
        conflicts_with = "disable_versioning"
    )]
    version: Option<String>,
    /// Don't create the version tables or record a version.
    #[arg(short = 'd', long)]
    disable_versioning: bool,
    /// Full schema file to run first.
    #[arg(short = 'f', long = "schema-file", value_name = "FILE", conflicts_with = "schema_name")]
    schema_file: Option<PathBuf>,
    /// Embedded schema whose schema.sql to run first (dsql/v12/temporal).
    #[arg(short = 's', long = "schema-name", value_name = "NAME")]
    schema_name: Option<String>,
    /// Drop every table first.
    #[arg(short = 'o', long)]
    overwrite: bool,
    /// Takes the id of the global -v so that -v here means --version.
    #[arg(id = "verbose", long = "verbose", action = clap::ArgAction::Count, hide = true)]
    verbose: u8,
}

#[derive(Debug, clap::Args)]
struct UpdateArgs {
    /// Directory of versioned updates (vX.Y/manifest.json + SQL files).
    #[arg(
        short = 'd',
        long = "schema-dir",
        value_name = "DIR",
        required_unless_present = "schema_name",
        conflicts_with = "schema_name"
    )]
    schema_dir: Option<PathBuf>,
    /// Embedded versioned schema (dsql/v12/temporal).
    #[arg(short = 's', long = "schema-name", value_name = "NAME")]
    schema_name: Option<String>,
    /// Version to stop at [default: the newest].
    #[arg(short = 'v', long = "version", value_name = "TARGET")]
    version: Option<String>,
    /// Takes the id of the global -v so that -v here means --version.
    #[arg(id = "verbose", long = "verbose", action = clap::ArgAction::Count, hide = true)]
    verbose: u8,
}

pub async fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let json = ctx.output() == OutputFormat::Json;
    if let SchemaCommand::Lint(lint_args) = args.command {
        return lint::run(&lint_args, json);
    }
    let config = ctx.config()?;
    let quiet = ctx.global.quiet;
    let database = args.conn.database.clone().unwrap_or(config.schema.database.clone());
    let timeout = args.conn.index_timeout.unwrap_or(config.schema.index_job_timeout_secs);
    let mut target = build_target(&args.conn, database, timeout, quiet)?;
    let result = match args.command {
        SchemaCommand::CreateDatabase(a) => {
            if let Some(name) = a.name {
                target.database = name;
            }
            let c = schema::create_database(&target).await?;
            let verb = if c.created { "created" } else { "already exists:" };
            (
                format!("{verb} {} {} ({})", c.kind, c.name, c.dialect),
                serde_json::json!({"dialect": c.dialect.to_string(), "kind": c.kind, "name": c.name, "created": c.created}),
            )
        }
        SchemaCommand::DropDatabase(a) => {
            if let Some(name) = a.name {
                target.database = name;
            }
            confirm_drop(&target, a.force)?;
            let d = schema::drop_database(&target).await?;
            let text = if d.existed {
                format!("dropped {} {} and its {} tables ({})", d.kind, d.name, d.tables, d.dialect)
            } else {
                format!("nothing to drop: {} {} does not exist ({})", d.kind, d.name, d.dialect)
            };
            (
                text,
                serde_json::json!({"dialect": d.dialect.to_string(), "kind": d.kind, "name": d.name, "tables": d.tables, "existed": d.existed}),
            )
        }
        SchemaCommand::SetupSchema(a) => {
            if a.disable_versioning && a.schema_file.is_none() && a.schema_name.is_none() {
                bail!("setup-schema -d (no versioning) needs a schema to run: pass -f FILE or -s NAME");
            }
            let initial = a.version.as_deref().map(parse_version).transpose()?;
            let file = schema::source::schema_file(a.schema_file.as_deref(), a.schema_name.as_deref())?;
            let setup = schema::Setup { initial_version: initial, file, overwrite: a.overwrite };
            let o = schema::setup_schema(&target, &setup).await?;
            let version = match (&o.recorded, &o.kept) {
                (Some(v), _) => format!("recorded version {v}"),
                (None, Some(v)) => format!("kept the newer recorded version {v}"),
                (None, None) => "versioning disabled".to_string(),
            };
            (
                format!(
                    "setup-schema on {} ({}): {} statements run, {version}",
                    target.database, o.dialect, o.statements
                ),
                serde_json::json!({"dialect": o.dialect.to_string(), "statements": o.statements,
                    "recorded": o.recorded.map(|v| v.to_string()), "kept": o.kept.map(|v| v.to_string())}),
            )
        }
        SchemaCommand::UpdateSchema(a) => {
            let source = match (a.schema_dir, a.schema_name) {
                (Some(dir), _) => Versioned::Dir(dir),
                (None, Some(name)) => Versioned::embedded(&name)?,
                (None, None) => bail!("update-schema needs --schema-dir DIR or --schema-name NAME"),
            };
            let goal = a.version.as_deref().map(parse_version).transpose()?;
            let o = schema::update_schema(&target, &source, goal.as_ref()).await?;
            let text = if o.applied.is_empty() {
                format!("{} is up to date at version {} ({})", target.database, o.to, o.dialect)
            } else {
                format!(
                    "updated {} from {} to {} ({} applied, {})",
                    target.database,
                    o.from,
                    o.to,
                    o.applied.iter().map(|v| format!("v{v}")).collect::<Vec<_>>().join(", "),
                    o.dialect
                )
            };
            (
                text,
                serde_json::json!({"dialect": o.dialect.to_string(), "from": o.from.to_string(), "to": o.to.to_string(),
                "applied": o.applied.iter().map(|v| v.to_string()).collect::<Vec<_>>()}),
            )
        }
        SchemaCommand::Version => {
            let (dialect, v) = schema::version(&target).await?;
            let Some(v) = v else {
                bail!("{} has no schema version yet; run `dsql-deploy schema setup-schema -v 0` first", target.database)
            };
            (
                v.to_string(),
                serde_json::json!({"dialect": dialect.to_string(), "database": target.database, "version": v.to_string()}),
            )
        }
        SchemaCommand::Lint(_) => unreachable!("handled above"),
    };
    if json {
        println!("{}", result.1);
    } else {
        println!("{}", result.0);
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_version(text: &str) -> anyhow::Result<Version> {
    text.parse::<Version>().with_context(|| format!("invalid --version {text:?}"))
}

/// Turns the flags into a target: user/TLS/auth defaults depend on whether
/// the endpoint is DSQL (see the flag docs).
fn build_target(c: &ConnArgs, database: String, timeout_secs: u64, quiet: bool) -> anyhow::Result<Target> {
    if c.tls_cert_file.is_some() || c.tls_key_file.is_some() {
        bail!(
            "--tls-cert-file/--tls-key-file: client certificates are not supported; authenticate with --iam or --password"
        );
    }
    if c.tls_server_name.is_some() {
        bail!(
            "--tls-server-name is not supported; connect with --endpoint set to the name in the server's certificate"
        );
    }
    if !matches!(c.plugin.as_str(), "dsql" | "postgres12" | "postgres12_pgx" | "postgres") {
        bail!(
            "--plugin {:?} is not supported; this tool manages schemas for dsql, postgres12 and postgres12_pgx",
            c.plugin
        );
    }
    if timeout_secs == 0 {
        bail!("--index-timeout must be greater than 0 seconds");
    }
    let Some(endpoint) = c.endpoint.clone().filter(|e| !e.trim().is_empty()) else {
        bail!(
            "no endpoint: pass --endpoint/--ep HOST or set SQL_HOST (127.0.0.1 for a local PostgreSQL, the cluster endpoint for DSQL)"
        );
    };
    let dsql_host = schema::is_dsql_host(&endpoint);
    let iam = c.iam || dsql_host;
    let mut sslmode = c.sslmode.map(SslMode::from);
    let mut application_name = "dsql-deploy schema".to_string();
    for (key, value) in parse_attributes(c.connect_attributes.as_deref())? {
        match key.as_str() {
            "sslmode" if sslmode.is_none() => sslmode = Some(parse_sslmode(&value)?),
            "sslmode" => {}
            "application_name" => application_name = value,
            // search_path is what the schema tool sets itself on DSQL.
            "search_path" => {}
            other => tracing::warn!("connect attribute {other:?} is ignored by the schema tool"),
        }
    }
    let sslmode = sslmode.unwrap_or(if c.tls_disable_host_verification {
        SslMode::VerifyCa
    } else if c.tls || iam {
        SslMode::VerifyFull
    } else {
        SslMode::Disable
    });
    let auth = if iam {
        let region = c.region.clone().or_else(|| dsql::endpoint::region_from_host(&endpoint)).with_context(|| {
            format!("no AWS region for IAM auth: {endpoint} is not a DSQL endpoint name; pass --region")
        })?;
        Auth::Iam { region }
    } else {
        Auth::Password(c.password.clone())
    };
    let user = c.user.clone().unwrap_or_else(|| if iam { "admin".into() } else { "postgres".into() });
    let mut connect = ConnectOptions::new(endpoint, c.port, user, c.defaultdb.clone());
    connect.auth = auth;
    connect.sslmode = sslmode;
    connect.ca_file = c.tls_ca_file.clone();
    connect.application_name = application_name;
    let dialect = match c.dialect {
        DialectArg::Auto => None,
        DialectArg::Dsql => Some(Dialect::Dsql),
        DialectArg::Postgres => Some(Dialect::Postgres),
    };
    Ok(Target {
        connect,
        database,
        default_db: c.defaultdb.clone(),
        dialect,
        index_timeout: Duration::from_secs(timeout_secs),
        progress: Arc::new(move |e: &Event| {
            if !quiet {
                print_event(e)
            }
        }),
    })
}

impl From<SslModeArg> for SslMode {
    fn from(m: SslModeArg) -> Self {
        match m {
            SslModeArg::Disable => SslMode::Disable,
            SslModeArg::Require => SslMode::Require,
            SslModeArg::VerifyCa => SslMode::VerifyCa,
            SslModeArg::VerifyFull => SslMode::VerifyFull,
        }
    }
}

fn parse_sslmode(value: &str) -> anyhow::Result<SslMode> {
    value.parse::<SslMode>().with_context(|| format!("connect attribute sslmode={value:?}"))
}

fn parse_attributes(text: Option<&str>) -> anyhow::Result<Vec<(String, String)>> {
    let Some(text) = text.filter(|t| !t.is_empty()) else { return Ok(Vec::new()) };
    text.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => bail!("--connect-attributes: {pair:?} is not key=value (use a query string like sslmode=require&application_name=x)"),
        })
        .collect()
}

/// Refuses to drop without -f unless a terminal user types "yes".
fn confirm_drop(target: &Target, force: bool) -> anyhow::Result<()> {
    if force {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!("refusing to drop {:?} without confirmation (stdin is not a terminal); pass -f/--force", target.database);
    }
    eprint!(
        "Drop every table of {:?} on {}:{} and then the database/schema itself? Type \"yes\": ",
        target.database, target.connect.host, target.connect.port
    );
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).context("reading the confirmation")?;
    if matches!(answer.trim(), "yes" | "y" | "Y") { Ok(()) } else { bail!("not dropped: the answer was not \"yes\"") }
}

fn print_event(e: &Event) {
    match e {
        Event::Connected { dialect, target } => eprintln!("connected to {target} ({dialect})"),
        Event::Statement { at, summary, skipped, elapsed } => {
            let state = if *skipped { "exists" } else { "ok" };
            tracing::info!("{at}");
            eprintln!("  {state:<6} {:>6} ms  {summary}", elapsed.as_millis());
        }
        Event::IndexJob { index, job_id, status, elapsed } => {
            eprintln!("  waiting for index {index} (job {job_id}, {status}, {} s)", elapsed.as_secs())
        }
        Event::Retry { at, sqlstate, message, attempt } => {
            eprintln!("  retry {attempt} after {sqlstate} {message} at {at}")
        }
        Event::Note(text) => eprintln!("{text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_attributes_are_a_query_string() {
        let got = parse_attributes(Some("sslmode=require&application_name=x")).unwrap();
        assert_eq!(got, vec![("sslmode".into(), "require".into()), ("application_name".into(), "x".into())]);
        assert!(parse_attributes(Some("oops")).is_err());
    }
}
