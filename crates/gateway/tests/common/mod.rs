//! Test harness: gateways in this process in front of the emulator (IAM
//! tokens, TLS verify-full) or a private PostgreSQL (password / trust), and
//! plain tokio-postgres clients.
#![allow(dead_code)]

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;

use dsql::token::{Credentials, SharedCredentialsProvider};
use dsql_deploy_config::EmulatorConfig;
use emulator::{Emulator, Layout, Settings as EmuSettings};
use gateway::{AdaptRules, ClientAuth, Gateway, Identity, Lifetime, ReservoirConfig, Settings, UpstreamAuth};
use pgconn::SslMode;

pub const REGION: &str = "us-east-1";

pub struct TestEmulator {
    pub emulator: Emulator,
    pub config: EmulatorConfig,
    pub dir: tempfile::TempDir,
}

pub async fn emulator() -> TestEmulator {
    let config = EmulatorConfig { port: 0, ..EmulatorConfig::default() };
    let dir = tempfile::Builder::new().prefix("gateway-test-").tempdir().expect("temp dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let settings = EmuSettings { config: config.clone(), region: REGION.into(), explicit_port: None };
    let emulator = Emulator::start(Layout::new(dir.path().join("emu")), settings).await.expect("emulator starts");
    TestEmulator { emulator, config, dir }
}

impl TestEmulator {
    pub fn credentials(&self, secret: &str) -> SharedCredentialsProvider {
        SharedCredentialsProvider::new(Credentials::new(&self.config.access_key_id, secret, None, None, "gateway-test"))
    }

    /// Gateway settings: IAM upstream to this emulator over verify-full.
    pub fn settings(&self, secret: &str) -> Settings {
        let info = self.emulator.info();
        let mut s = base_settings(&self.config.hostname, info.port);
        s.sslmode = SslMode::VerifyFull;
        s.upstream_ca_file = Some(info.ca_file.clone());
        s.upstream_auth = UpstreamAuth::Iam { region: REGION.into(), credentials: self.credentials(secret) };
        s.reservoir.warm = vec![Identity { user: "admin".into(), database: "postgres".into() }];
        s
    }
}

/// Trust clients on a free loopback port, no TLS upstream, short timeouts.
pub fn base_settings(host: &str, port: u16) -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().expect("addr"),
        metrics_listen: Some("127.0.0.1:0".parse().expect("addr")),
        upstream_host: host.into(),
        upstream_port: port,
        sslmode: SslMode::Disable,
        upstream_ca_file: None,
        upstream_user: None,
        upstream_auth: UpstreamAuth::None,
        client_auth: ClientAuth::Trust,
        client_tls: None,
        require_client_tls: false,
        reservoir: ReservoirConfig {
            target_per_identity: 2,
            max_per_identity: 50,
            checkout_timeout: Duration::from_secs(5),
            maintain_every: Duration::from_millis(50),
            ..ReservoirConfig::default()
        },
        lifetime: Lifetime::new(Duration::from_secs(3000), Duration::from_secs(300), Duration::from_secs(60)),
        rate_per_sec: 1000.0,
        burst: 1000,
        rate_share: 1,
        rules: AdaptRules::default(),
        connect_timeout: Duration::from_secs(10),
    }
}

pub fn scram_users(pairs: &[(&str, &str)]) -> ClientAuth {
    let map: HashMap<_, _> = pairs.iter().map(|(u, p)| (u.to_string(), gateway::Verifier::from_password(p))).collect();
    ClientAuth::Scram(map)
}

pub async fn start(settings: Settings) -> Gateway {
    Gateway::start(settings).await.expect("gateway starts")
}

/// A client session through the gateway (no TLS, trust or password).
pub async fn client(
    gw: &Gateway,
    user: &str,
    password: Option<&str>,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let mut cfg = tokio_postgres::Config::new();
    cfg.host("127.0.0.1").port(gw.addr().port()).user(user).dbname("postgres").connect_timeout(Duration::from_secs(20));
    if let Some(p) = password {
        cfg.password(p);
    }
    let (client, conn) = cfg.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

pub async fn direct(port: u16) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(
        &format!("host=127.0.0.1 port={port} user=postgres dbname=postgres"),
        tokio_postgres::NoTls,
    )
    .await
    .expect("direct connection");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// GET a path from the gateway's metrics endpoint; (status line, body).
pub async fn http_get(gw: &Gateway, path: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = gw.metrics_addr().expect("metrics listener");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect metrics");
    tcp.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).await.expect("write");
    let mut text = String::new();
    tcp.read_to_string(&mut text).await.expect("read");
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (head.lines().next().unwrap_or("").to_string(), body.to_string())
}

pub async fn wait_for(mut cond: impl FnMut() -> bool, within: Duration) -> bool {
    let end = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < end {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}

/// The SQLSTATE and message of a client error.
pub fn code_of(e: &tokio_postgres::Error) -> (String, String) {
    match e.as_db_error() {
        Some(db) => (db.code().code().to_string(), db.message().to_string()),
        None => (String::new(), e.to_string()),
    }
}

pub fn shared<T>(t: T) -> Arc<T> {
    Arc::new(t)
}
