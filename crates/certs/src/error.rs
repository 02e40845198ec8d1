//! Everything that can go wrong in `certs`, each message saying what is wrong
//! and which command fixes it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CertsError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    /// Also carries fsutil's "already exists; use --force" refusal.
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{path} already exists; use --force to overwrite it")]
    Exists { path: PathBuf },
    #[error("{path} is missing; run `dsql-deploy certs {fix}` first")]
    Missing { path: PathBuf, fix: String },
    #[error("{path} is not a valid PEM certificate ({reason}); regenerate it with `dsql-deploy certs {fix}`")]
    BadCertificate { path: PathBuf, reason: String, fix: String },
    #[error(
        "{path} is not a valid unencrypted PEM private key ({reason}); regenerate it with `dsql-deploy certs {fix}`"
    )]
    BadKey { path: PathBuf, reason: String, fix: String },
    #[error("{key} does not belong to {cert}; regenerate both with `dsql-deploy certs {fix} --force`")]
    KeyMismatch { cert: PathBuf, key: PathBuf, fix: String },
    #[error("{path} is not usable: {reason}; run `dsql-deploy certs verify` for details")]
    Unusable { path: PathBuf, reason: String },
    #[error(
        "invalid client name {0:?}: use 1-64 characters of a-z, A-Z, 0-9, '.', '_' and '-', not starting with '.' or '-'"
    )]
    BadClientName(String),
    #[error(
        "invalid endpoint DNS name {0:?}: give the Client VPN endpoint's DNS name, e.g. \"*.cvpn-endpoint-0123abcd.prod.clientvpn.us-east-1.amazonaws.com\""
    )]
    BadEndpoint(String),
    #[error("cannot generate the {what}: {source}")]
    Crypto { what: String, source: rcgen::Error },
    #[error("ACM {operation} failed: {message}")]
    Acm { operation: &'static str, message: String },
    #[error("{path} is not a valid ACM record ({reason}); delete it and import again")]
    BadRecord { path: PathBuf, reason: String },
    #[error("no ACM import recorded under {dir}; run `dsql-deploy certs {run}` first")]
    NotImported { dir: PathBuf, run: String },
}
