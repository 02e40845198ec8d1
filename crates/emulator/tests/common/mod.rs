//! Test harness: an emulator running in this process on a temporary data
//! dir, and clients that connect to it the way DSQL clients do (TLS verified
//! against the emulator's CA, an IAM token as password).
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use dsql::token::{Credentials, TokenAction, TokenParams};
use dsql_deploy_config::EmulatorConfig;
use emulator::{Emulator, Layout, Settings};

pub const REGION: &str = "us-east-1";

/// An emulator and the temporary directory it lives in.
pub struct TestEmulator {
    pub emulator: Emulator,
    pub config: EmulatorConfig,
    pub dir: tempfile::TempDir,
}

/// Default config with a free port (tests run side by side).
pub fn test_config() -> EmulatorConfig {
    EmulatorConfig { port: 0, ..EmulatorConfig::default() }
}

pub async fn start() -> TestEmulator {
    start_with(test_config()).await
}

pub async fn start_with(config: EmulatorConfig) -> TestEmulator {
    let dir = tempfile::Builder::new().prefix("dsql-emulator-test-").tempdir().expect("temp dir");
    // PostgreSQL runs as another OS user when we are root: let it in.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    start_in(config, dir).await
}

/// Starts (again) the instance that lives in `dir`.
#[allow(dead_code)] // not every test binary restarts
pub async fn start_in(config: EmulatorConfig, dir: tempfile::TempDir) -> TestEmulator {
    let settings = Settings { config: config.clone(), region: REGION.into(), explicit_port: None };
    let emulator = Emulator::start(Layout::new(dir.path().join("emu")), settings).await.expect("emulator starts");
    TestEmulator { emulator, config, dir }
}

impl TestEmulator {
    pub fn port(&self) -> u16 {
        self.emulator.info().port
    }

    pub fn token(&self, user: &str) -> String {
        token_for(&self.config, user, TokenParams::new(&self.config.hostname, REGION, TokenAction::for_user(user)))
    }

    /// A session as `admin` with a fresh token.
    pub async fn admin(&self) -> tokio_postgres::Client {
        self.connect("admin", &self.token("admin")).await.expect("admin connects")
    }

    pub async fn connect(&self, user: &str, password: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
        connect(&self.emulator.info().ca_file, &self.config.hostname, self.port(), user, password).await
    }
}

pub fn token_for(config: &EmulatorConfig, _user: &str, params: TokenParams) -> String {
    let creds = Credentials::new(&config.access_key_id, &config.secret_access_key, None, None, "emulator-test");
    dsql::token::generate(&params, &creds).expect("token")
}

pub fn tls_config(ca_file: &Path) -> rustls::ClientConfig {
    let pem = std::fs::read(ca_file).expect("CA file");
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(cert.expect("CA cert")).expect("CA accepted");
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

pub async fn connect(
    ca_file: &Path,
    hostname: &str,
    port: u16,
    user: &str,
    password: &str,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let mut cfg = tokio_postgres::Config::new();
    cfg.host(hostname)
        .hostaddr("127.0.0.1".parse().expect("ip"))
        .port(port)
        .user(user)
        .password(password)
        .dbname("postgres")
        .ssl_mode(tokio_postgres::config::SslMode::Require)
        .connect_timeout(Duration::from_secs(10));
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(ca_file));
    let (client, connection) = cfg.connect(tls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// SQLSTATE and message of an error, for assertions.
pub fn db_error(e: &tokio_postgres::Error) -> (String, String) {
    match e.as_db_error() {
        Some(db) => (db.code().code().to_string(), db.message().to_string()),
        None => ("".into(), e.to_string()),
    }
}
pub mod raw;
