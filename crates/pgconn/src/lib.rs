//! Opening PostgreSQL/DSQL connections: TLS modes like libpq, password or
//! IAM-token auth, retries with backoff, and error classification.
//!
//! INTERFACE CONTRACT (others build against it; the pgconn work fills it in):
//! `connect(&ConnectOptions)` returns a ready `tokio_postgres::Client` whose
//! connection task is already spawned on the current tokio runtime.
//!
//! - TLS ([`tls`]): `verify-full` (default) checks the chain and the host
//!   name, `verify-ca` only the chain, `require` encrypts without checking,
//!   `disable` is plaintext. Roots: the CA file, else the webpki roots (which
//!   include Amazon's, so DSQL verifies out of the box).
//! - Auth: a fixed password, or a fresh IAM token minted for every attempt
//!   (automatic for `*.dsql.<region>.on.aws` hosts in [`ConnectOptions::new`]).
//! - Retries ([`retry`]): network failures and refusals that a later attempt
//!   may pass (53400 rate exceeded, 53300, "waking up cluster"), bounded by
//!   `max_attempts`, with exponential backoff and jitter.
//! - Errors ([`Error`]): say what happened and how to fix it; [`Error::class`]
//!   tells callers what to do (retry a transaction on OCC, …).

// Errors are built only on the failure path of network I/O, where carrying
// the target, user and server text by value costs nothing that matters.
#![allow(clippy::result_large_err)]

mod auth;
pub mod diagnose;
mod error;
mod options;
pub mod retry;
pub mod tls;

use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use dsql::token::SharedCredentialsProvider;
pub use error::{AuthProblem, Error, ErrorClass, TlsProblem, class_of};
pub use options::{DEFAULT_APPLICATION_NAME, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_ATTEMPTS, SslModeError};
pub use retry::Backoff;

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
#[derive(Clone, PartialEq, Eq)]
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
    /// Connect to this address instead of resolving `host` (libpq's
    /// `hostaddr`): `host` still names the server for TLS verification and
    /// IAM tokens. For tunnels and endpoints that are reachable only under
    /// another address than the name they answer to.
    pub hostaddr: Option<std::net::IpAddr>,
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
    /// Credentials for IAM tokens; the standard AWS chain when None.
    pub credentials: Option<SharedCredentialsProvider>,
    /// Lifetime of minted IAM tokens (only checked at login by DSQL).
    pub token_expires_in: Duration,
    /// Delays between attempts.
    pub backoff: Backoff,
}

/// Opens a connection (see module docs).
pub async fn connect(opts: &ConnectOptions) -> Result<tokio_postgres::Client, Error> {
    opts.validate()?;
    let tls = tls::connector(opts.sslmode, opts.ca_file.as_deref())?;
    let started = Instant::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let password = auth::password_for_attempt(opts).await?;
        let outcome = attempt_once(opts, password.as_deref(), tls.as_ref()).await;
        let err = match outcome {
            Ok(client) => return Ok(client),
            Err(err) => err,
        };
        let retryable = err.is_retryable_connect_failure();
        if !retryable || attempt >= opts.max_attempts {
            return Err(err.after_attempts(attempt, started.elapsed()));
        }
        let delay = opts.backoff.delay(attempt);
        tracing::debug!(attempt, ?delay, error = %err, "connection attempt failed; retrying");
        tokio::time::sleep(delay).await;
    }
}

/// One attempt: TCP, TLS, startup and authentication within `connect_timeout`.
async fn attempt_once(
    opts: &ConnectOptions,
    password: Option<&str>,
    tls: Option<&tokio_postgres_rustls::MakeRustlsConnect>,
) -> Result<tokio_postgres::Client, Error> {
    let mut config = tokio_postgres::Config::new();
    config
        .host(&opts.host)
        .port(opts.port)
        .user(&opts.user)
        .dbname(&opts.database)
        .application_name(&opts.application_name)
        .connect_timeout(opts.connect_timeout);
    if let Some(password) = password {
        config.password(password);
    }
    if let Some(addr) = opts.hostaddr {
        config.hostaddr(addr);
    }
    let ctx = error::ConnectContext::new(opts);
    let timed_out = || Error::Network {
        target: ctx.target(),
        detail: format!("no answer within {:?} (connect timeout)", opts.connect_timeout),
        attempts: 1,
        elapsed: opts.connect_timeout,
    };
    // The outer timeout also covers TLS and authentication, which
    // tokio-postgres' own connect_timeout does not.
    let limit = opts.connect_timeout + Duration::from_millis(100);
    let client = match tls {
        None => {
            config.ssl_mode(tokio_postgres::config::SslMode::Disable);
            let (client, connection) = tokio::time::timeout(limit, config.connect(tokio_postgres::NoTls))
                .await
                .map_err(|_| timed_out())?
                .map_err(|e| ctx.classify(&e))?;
            spawn_connection(connection);
            client
        }
        Some(tls) => {
            config.ssl_mode(tokio_postgres::config::SslMode::Require);
            let (client, connection) = tokio::time::timeout(limit, config.connect(tls.clone()))
                .await
                .map_err(|_| timed_out())?
                .map_err(|e| ctx.classify(&e))?;
            spawn_connection(connection);
            client
        }
    };
    Ok(client)
}

fn spawn_connection<F>(connection: F)
where
    F: std::future::Future<Output = Result<(), tokio_postgres::Error>> + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::debug!(error = %err, "connection ended with an error");
        }
    });
}
