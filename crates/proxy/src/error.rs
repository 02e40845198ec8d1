//! Typed errors of the proxy crate.

use thiserror::Error;
use wire::{ErrorFields, WireError};

/// Transport-level failure while talking to a peer.
#[derive(Debug, Error)]
pub enum IoError {
    #[error("connection closed by peer")]
    Closed,
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("protocol violation: {0}")]
    Protocol(#[from] WireError),
    #[error("timed out after {0:?}")]
    Timeout(std::time::Duration),
}

/// Why an upstream connection could not be opened or used.
#[derive(Debug, Error)]
pub enum UpstreamError {
    #[error("connecting to upstream {addr}: {source}")]
    Connect { addr: String, source: std::io::Error },
    #[error("TLS handshake with upstream {addr}: {source}")]
    Tls { addr: String, source: std::io::Error },
    #[error(
        "upstream {addr} refused TLS (answered 'N' to SSLRequest); it must support TLS when upstream TLS is configured"
    )]
    TlsRefused { addr: String },
    #[error("upstream refused the session: {0}")]
    Rejected(ErrorFields),
    #[error("upstream asks for {method} authentication, which is not supported (use password, md5 or scram-sha-256)")]
    UnsupportedAuth { method: String },
    #[error("upstream asks for a password but none is configured")]
    PasswordRequired,
    #[error("obtaining the upstream password: {0}")]
    Credential(String),
    #[error("SCRAM exchange with upstream failed: {0}")]
    Scram(std::io::Error),
    #[error("upstream {addr}: {source}")]
    Io { addr: String, source: IoError },
    #[error("unexpected upstream message {tag:?} during {phase}")]
    Unexpected { tag: char, phase: &'static str },
    #[error("no upstream connection available within {0:?}")]
    CheckoutTimeout(std::time::Duration),
}

impl UpstreamError {
    /// The ErrorResponse a client gets when its session cannot get an upstream.
    pub fn to_client_error(&self) -> ErrorFields {
        match self {
            UpstreamError::Rejected(fields) => {
                let mut f = fields.clone();
                f.set_severity(wire::Severity::Fatal);
                f
            }
            UpstreamError::CheckoutTimeout(_) => ErrorFields::fatal("53300", self.to_string()),
            other => ErrorFields::fatal("08006", format!("could not open the upstream session: {other}")),
        }
    }
}
