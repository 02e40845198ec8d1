//! Typed errors of the gateway crate. Each message says what is wrong and
//! how to fix it.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum SettingsError {
    #[error(
        "a SCRAM verifier must look like SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey> (as in pg_authid; generate one with `dsql-deploy gateway --print-verifier`)"
    )]
    BadVerifier,
    #[error(
        "--client-auth trust is only allowed when --listen is a loopback address (got {listen}); use --client-auth scram with [gateway] users"
    )]
    TrustNotLoopback { listen: std::net::SocketAddr },
    #[error(
        "--client-auth scram needs at least one user in [[gateway.users]] (name plus verifier, password_env or password_file)"
    )]
    NoUsers,
    #[error("client TLS: {0}")]
    ClientTls(String),
    #[error("reading {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(
        "connection lifetime {base_s}s ± {jitter_s}s must stay under DSQL's 60-minute limit and exceed jitter + guard ({guard_s}s); adjust lifetime_secs / lifetime_jitter_secs / guard_secs"
    )]
    Lifetime { base_s: u64, jitter_s: u64, guard_s: u64 },
    #[error("{0}")]
    Invalid(String),
}

#[derive(Debug, Error)]
pub enum GatewayError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("cannot listen on {addr}: {source} (pick another address with --listen / --metrics-listen)")]
    Bind { addr: std::net::SocketAddr, source: std::io::Error },
    #[error("upstream TLS: {0}")]
    UpstreamTls(String),
}
