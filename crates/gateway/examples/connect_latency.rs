//! Connect-to-first-query latency: a client of a warm gateway (trust,
//! loopback) vs a cold connect straight to DSQL's stand-in (TLS verify-full
//! plus a freshly minted IAM token). Starts an emulator and a gateway in this
//! process; prints p50 and p99 of each. Used by scripts/bench/gateway.sh.
//!
//!   cargo run -p gateway --example connect_latency [-- N]

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use dsql::token::{Credentials, SharedCredentialsProvider, TokenAction, TokenParams};
use dsql_deploy_config::EmulatorConfig;
use gateway::{AdaptRules, ClientAuth, Gateway, Identity, Lifetime, ReservoirConfig, Settings, UpstreamAuth};
use pgconn::SslMode;

const REGION: &str = "us-east-1";
/// Idle upstream connections the gateway keeps for the measured identity.
const WARM_TARGET: usize = 8;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let dir = tempfile::Builder::new().prefix("gateway-latency-").tempdir()?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
    let config = EmulatorConfig { port: 0, ..EmulatorConfig::default() };
    let settings = emulator::Settings { config: config.clone(), region: REGION.into(), explicit_port: None };
    let emu = emulator::Emulator::start(emulator::Layout::new(dir.path().join("emu")), settings).await?;
    let info = emu.info().clone();
    let creds = Credentials::new(&config.access_key_id, &config.secret_access_key, None, None, "bench");

    let gw = Gateway::start(Settings {
        listen: "127.0.0.1:0".parse()?,
        metrics_listen: None,
        upstream_host: config.hostname.clone(),
        upstream_port: info.port,
        sslmode: SslMode::VerifyFull,
        upstream_ca_file: Some(info.ca_file.clone()),
        upstream_user: None,
        upstream_auth: UpstreamAuth::Iam {
            region: REGION.into(),
            credentials: SharedCredentialsProvider::new(creds.clone()),
        },
        client_auth: ClientAuth::Trust,
        client_tls: None,
        require_client_tls: false,
        reservoir: ReservoirConfig {
            target_per_identity: WARM_TARGET,
            warm: vec![Identity { user: "admin".into(), database: "postgres".into() }],
            maintain_every: Duration::from_millis(20),
            ..ReservoirConfig::default()
        },
        lifetime: Lifetime::new(Duration::from_secs(3000), Duration::from_secs(300), Duration::from_secs(60)),
        rate_per_sec: 100.0,
        burst: 1000,
        rate_share: 1,
        rules: AdaptRules::default(),
        connect_timeout: Duration::from_secs(10),
    })
    .await?;

    let mut warm = Vec::with_capacity(n);
    for _ in 0..n {
        // Let the reservoir refill completely between sessions: this
        // measures a warm hit. (Waiting for only part of it would let the
        // refill — a TLS handshake, a token check and a PostgreSQL backend
        // fork, all on this machine's cores, where DSQL would do that work
        // on its own — run during the measured connect.)
        while gw.reservoir().idle_count() < WARM_TARGET {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let t0 = Instant::now();
        let (c, conn) = tokio_postgres::connect(
            &format!("host=127.0.0.1 port={} user=admin dbname=postgres", gw.addr().port()),
            tokio_postgres::NoTls,
        )
        .await?;
        let task = tokio::spawn(conn);
        c.simple_query("SELECT 1").await?;
        warm.push(t0.elapsed());
        drop(c);
        let _ = task.await;
    }

    let tls = pgconn::tls::connector(SslMode::VerifyFull, Some(&info.ca_file))?.ok_or("TLS connector")?;
    let mut cold = Vec::with_capacity(n);
    for _ in 0..n {
        let t0 = Instant::now();
        let token =
            dsql::token::generate(&TokenParams::new(&config.hostname, REGION, TokenAction::DbConnectAdmin), &creds)?;
        let mut cfg = tokio_postgres::Config::new();
        cfg.host(&config.hostname).port(info.port).user("admin").password(token).dbname("postgres");
        let (c, conn) = cfg.connect(tls.clone()).await?;
        let task = tokio::spawn(conn);
        c.simple_query("SELECT 1").await?;
        cold.push(t0.elapsed());
        drop(c);
        let _ = task.await;
        tokio::time::sleep(Duration::from_millis(12)).await; // stay under the emulator's 100/s
    }
    warm.sort();
    cold.sort();
    let us = |d: Duration| d.as_micros();
    println!(
        "connect-to-first-query ({n} each): warm gateway p50 {} µs p99 {} µs; cold TLS+token p50 {} µs p99 {} µs",
        us(percentile(&warm, 0.5)),
        us(percentile(&warm, 0.99)),
        us(percentile(&cold, 0.5)),
        us(percentile(&cold, 0.99))
    );
    drop(gw);
    emu.shutdown().await;
    Ok(())
}
