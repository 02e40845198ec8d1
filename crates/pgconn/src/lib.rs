//! Opening PostgreSQL/DSQL connections: TLS modes like libpq, password or
//! IAM-token auth, retries with backoff, and error classification.
//!
//! INTERFACE CONTRACT (others build against it; the pgconn work fills it in):
//! `connect(&ConnectOptions)` returns a ready `tokio_postgres::Client` whose
//! connection task is already spawned on the current tokio runtime.

use std::path::PathBuf;
use std::time::Duration;

/// libpq's `sslmode` values that we support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    Disable,
    Require,
    VerifyCa,
    #[default]
    VerifyFull,
}

/// How to authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// A fixed password (or none).
    Password(Option<String>),
    /// A fresh IAM token per connection attempt, for this region
    /// (`DbConnectAdmin` when the user is `admin`, else `DbConnect`).
    Iam { region: String },
}

/// Everything needed to open one connection.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub database: String,
    pub auth: Auth,
    pub sslmode: SslMode,
    /// PEM file with the CA(s) to trust; system/webpki roots when None.
    pub ca_file: Option<PathBuf>,
    pub connect_timeout: Duration,
    /// Attempts for retryable failures (network, 53400) before giving up.
    pub max_attempts: u32,
    pub application_name: String,
}

/// Classified connection/query failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not implemented yet")]
    Todo,
}

/// Opens a connection (see module docs).
pub async fn connect(opts: &ConnectOptions) -> Result<tokio_postgres::Client, Error> {
    let _ = opts;
    Err(Error::Todo)
}
