//! `dsql-deploy gateway`: maps flags and `[gateway]` to `gateway::Settings`,
//! starts the gateway and runs until Ctrl-C / SIGTERM. The work lives in the
//! `gateway` crate.

use std::collections::HashMap;
use std::io::Read as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use dsql_deploy_config::{GatewayConfig, GatewayUser};
use gateway::Identity;
use gateway::{AdaptRules, ClientAuth, Gateway, Lifetime, ReservoirConfig, Settings, UpstreamAuth, Verifier};
use pgconn::SslMode;

use crate::context::Context;

/// Run the DSQL gateway: a PostgreSQL endpoint with warm, IAM-authenticated
/// upstream connections, rate-limited opens, lifetime rotation before DSQL's
/// 60-minute limit, and FOR SHARE / FOR NO KEY UPDATE adapted to FOR UPDATE.
///
/// Flags override `[gateway]` in the config file. Passwords are never taken
/// from the command line: client users come from `[[gateway.users]]`
/// (verifier, password_env or password_file) and the upstream password from
/// the variable named by --upstream-password-env. See docs/gateway.md.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on [config: gateway.listen, default 127.0.0.1:5432].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// DSQL cluster endpoint or PostgreSQL host to connect to.
    #[arg(long, value_name = "HOST", env = "DSQL_ENDPOINT")]
    pub cluster_endpoint: Option<String>,
    /// Upstream port [default 5432].
    #[arg(long, value_name = "PORT")]
    pub upstream_port: Option<u16>,
    /// AWS region for IAM tokens [default: from the endpoint name, else project.region].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Log in upstream as this role whatever the client's user name.
    #[arg(long, value_name = "ROLE")]
    pub upstream_user: Option<String>,
    /// Upstream TLS like libpq: disable, require, verify-ca, verify-full [default verify-full].
    #[arg(long, value_name = "MODE")]
    pub sslmode: Option<String>,
    /// PEM CA bundle to verify the upstream with [default: public roots].
    #[arg(long, value_name = "FILE")]
    pub upstream_ca_file: Option<PathBuf>,
    /// Upstream login: iam (a fresh token per connection) or password.
    #[arg(long, value_name = "iam|password")]
    pub upstream_auth: Option<String>,
    /// Name of the environment variable holding the upstream password.
    #[arg(long, value_name = "VAR")]
    pub upstream_password_env: Option<String>,
    /// Client login: scram (users from [[gateway.users]]) or trust (loopback only).
    #[arg(long, value_name = "scram|trust")]
    pub client_auth: Option<String>,
    /// Client-side TLS certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// Client-side TLS private key (PEM); needs --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Refuse clients that do not use TLS (needs client TLS).
    #[arg(long)]
    pub require_tls: bool,
    /// Address of /metrics, /healthz and /readyz [config: gateway.metrics_listen].
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// Number of gateways sharing the cluster's connection budget.
    #[arg(long, value_name = "N")]
    pub rate_share: Option<u32>,
    /// Warm connections for USER@DATABASE at start (repeatable) [default: the upstream user @ postgres].
    #[arg(long, value_name = "USER@DB")]
    pub warm: Vec<String>,
    /// Read a password on stdin, print its SCRAM-SHA-256 verifier for [[gateway.users]], and exit.
    #[arg(long)]
    pub print_verifier: bool,
}

/// Worker threads of the async runtime: `[gateway] worker_threads`, else
/// `None` (one per CPU), also when the config cannot be read (`run` reports why).
pub fn worker_threads(ctx: &Context) -> Option<usize> {
    ctx.config().ok()?.gateway.worker_threads.map(|n| usize::from(n.max(1)))
}

pub async fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    if args.print_verifier {
        let mut password = String::new();
        std::io::stdin().read_to_string(&mut password).context("reading the password from stdin")?;
        let password = password.trim_end_matches(['\r', '\n']);
        if password.is_empty() {
            bail!("no password on stdin; pipe it in, e.g. `dsql-deploy gateway --print-verifier < pwfile`");
        }
        println!("{}", postgres_protocol_verifier(password));
        return Ok(ExitCode::SUCCESS);
    }
    let config = ctx.config()?;
    let settings = settings(&args, &config.gateway, &config.project.region).await?;
    let gw = Gateway::start(settings).await?;
    let workers = tokio::runtime::Handle::current().metrics().num_workers();
    println!("gateway listening on {} ({workers} worker thread(s))", gw.addr());
    if let Some(m) = gw.metrics_addr() {
        println!("metrics on http://{m}/metrics");
    }
    wait_for_shutdown().await;
    let grace = Duration::from_secs(config.gateway.drain_timeout_secs);
    tracing::info!(grace_s = grace.as_secs(), "draining: no new clients; sessions end between transactions");
    let left = gw.drain(grace).await;
    if left > 0 {
        tracing::warn!(sessions = left, "drain timeout reached; closing the sessions still in a transaction");
    }
    tracing::info!("shutting down");
    Ok(ExitCode::SUCCESS)
}

fn postgres_protocol_verifier(password: &str) -> String {
    gateway::scram::verifier_text(password)
}

async fn wait_for_shutdown() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term => {},
    }
}

fn env_var(name: &str, what: &str) -> anyhow::Result<String> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(v),
        _ => bail!(
            "{what}: environment variable {name} is not set or empty; export it (the value is never taken from the command line)"
        ),
    }
}

fn users(list: &[GatewayUser]) -> anyhow::Result<HashMap<String, Verifier>> {
    let mut out = HashMap::new();
    for u in list {
        let verifier = if let Some(text) = &u.verifier {
            Verifier::parse(text).with_context(|| format!("[[gateway.users]] {:?}", u.name))?
        } else if let Some(var) = &u.password_env {
            Verifier::from_password(&env_var(var, &format!("password of gateway user {:?}", u.name))?)
        } else if let Some(path) = &u.password_file {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!("reading the password of gateway user {:?} from {}", u.name, path.display())
            })?;
            Verifier::from_password(text.trim_end_matches(['\r', '\n']))
        } else {
            bail!("[[gateway.users]] {:?}: give one of verifier, password_env, password_file", u.name);
        };
        out.insert(u.name.clone(), verifier);
    }
    Ok(out)
}

/// The region in `<id>.dsql.<region>.on.aws`, if the host is named like that.
fn region_of(host: &str) -> Option<String> {
    let rest = host.split_once(".dsql.")?.1;
    rest.strip_suffix(".on.aws").map(str::to_string)
}

async fn settings(args: &Args, cfg: &GatewayConfig, project_region: &str) -> anyhow::Result<Settings> {
    let listen = match args.listen {
        Some(a) => a,
        None => cfg.listen.parse().context("gateway.listen")?,
    };
    let metrics_listen = match (args.metrics_listen, &cfg.metrics_listen) {
        (Some(a), _) => Some(a),
        (None, Some(s)) => Some(s.parse().context("gateway.metrics_listen")?),
        _ => None,
    };
    let Some(host) = args.cluster_endpoint.clone().or_else(|| cfg.cluster_endpoint.clone()) else {
        bail!("no upstream: pass --cluster-endpoint HOST (or set gateway.cluster_endpoint / DSQL_ENDPOINT)");
    };
    let sslmode: SslMode = args.sslmode.as_deref().unwrap_or(&cfg.sslmode).parse().context("--sslmode")?;
    let auth_kind = args.upstream_auth.as_deref().unwrap_or(&cfg.upstream_auth);
    let password_env = args.upstream_password_env.clone().or_else(|| cfg.upstream_password_env.clone());
    let upstream_auth = match auth_kind {
        "iam" => {
            let region = args.region.clone().or_else(|| region_of(&host)).unwrap_or_else(|| project_region.to_string());
            let credentials = dsql::token::credentials_from_chain(Some(&region)).await?;
            UpstreamAuth::Iam { region, credentials }
        }
        "password" => {
            let Some(var) = password_env else {
                bail!(
                    "--upstream-auth password needs --upstream-password-env VAR (the name of the variable holding the password)"
                );
            };
            UpstreamAuth::Password(env_var(&var, "upstream password")?)
        }
        other => bail!("--upstream-auth {other:?}: use iam or password"),
    };
    let client_auth = match args.client_auth.as_deref().unwrap_or(&cfg.client_auth) {
        "trust" => ClientAuth::Trust,
        "scram" => ClientAuth::Scram(users(&cfg.users)?),
        other => bail!("--client-auth {other:?}: use scram or trust"),
    };
    let client_tls = match (&args.tls_cert, &args.tls_key) {
        (Some(c), Some(k)) => Some((c.clone(), k.clone())),
        _ => cfg.client_tls_cert.clone().zip(cfg.client_tls_key.clone()),
    };
    if args.require_tls && client_tls.is_none() {
        bail!("--require-tls needs client TLS: pass --tls-cert and --tls-key");
    }
    let upstream_user = args.upstream_user.clone().or_else(|| cfg.upstream_user.clone());
    let warm = if args.warm.is_empty() {
        vec![Identity { user: upstream_user.clone().unwrap_or_else(|| "admin".into()), database: "postgres".into() }]
    } else {
        args.warm
            .iter()
            .map(|w| match w.split_once('@') {
                Some((u, d)) if !u.is_empty() && !d.is_empty() => Ok(Identity { user: u.into(), database: d.into() }),
                _ => bail!("--warm {w:?}: expected USER@DATABASE, e.g. admin@postgres"),
            })
            .collect::<anyhow::Result<_>>()?
    };
    let reservoir = ReservoirConfig {
        target_per_identity: cfg.reservoir_target as usize,
        max_per_identity: cfg.max_connections_per_identity as usize,
        checkout_timeout: Duration::from_millis(cfg.checkout_timeout_ms),
        idle_identity_timeout: Duration::from_secs(cfg.idle_identity_timeout_secs),
        surplus_idle_timeout: Duration::from_secs(cfg.surplus_idle_timeout_secs),
        warm,
        ..ReservoirConfig::default()
    };
    Ok(Settings {
        listen,
        metrics_listen,
        upstream_host: host,
        upstream_port: args.upstream_port.unwrap_or(cfg.upstream_port),
        sslmode,
        upstream_ca_file: args.upstream_ca_file.clone().or_else(|| cfg.upstream_ca_file.clone()),
        upstream_user,
        upstream_auth,
        client_auth,
        client_tls,
        require_client_tls: args.require_tls,
        reservoir,
        lifetime: Lifetime::new(
            Duration::from_secs(cfg.lifetime_secs),
            Duration::from_secs(cfg.lifetime_jitter_secs),
            Duration::from_secs(cfg.guard_secs),
        ),
        rate_per_sec: f64::from(cfg.connection_rate_per_sec),
        burst: cfg.connection_burst,
        rate_share: args.rate_share.unwrap_or(cfg.rate_share),
        rules: AdaptRules {
            for_share_to_for_update: cfg.rewrite_for_share,
            for_no_key_update_to_for_update: cfg.rewrite_for_no_key_update,
            occ_retry_attempts: cfg.occ_retry_attempts,
        },
        connect_timeout: Duration::from_secs(10),
    })
}
