//! Upstream connections: [`UpstreamConn`] (an authenticated PostgreSQL
//! session ready for queries), the [`Connector`] trait that opens them, and
//! [`PgConnector`], the standard connector (TCP or TLS, trust / cleartext /
//! MD5 / SCRAM-SHA-256 with a static or per-connection password).

mod connect;
mod reset;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Instant;

use bytes::BytesMut;

pub use connect::{PasswordSource, PgConnector, TokenFuture, TokenSource, UpstreamTls, send_cancel};
pub use reset::{is_alive, reset};

use crate::auth::Identity;
use crate::error::UpstreamError;
use crate::stream::UpstreamStream;

/// Where to send a CancelRequest for an upstream session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelTarget {
    pub addr: SocketAddr,
    pub process_id: i32,
    pub secret_key: i32,
}

/// An authenticated upstream session that has answered ReadyForQuery.
pub struct UpstreamConn {
    pub(crate) stream: UpstreamStream,
    /// Bytes read but not yet consumed (normally empty between sessions).
    pub(crate) read_buf: BytesMut,
    /// Latest value of each ParameterStatus the upstream reported.
    pub params: Vec<(String, String)>,
    pub cancel: Option<CancelTarget>,
    pub opened_at: Instant,
    /// Who the session is logged in as (for pooling).
    pub identity: Identity,
}

impl UpstreamConn {
    pub fn stream(&self) -> &UpstreamStream {
        &self.stream
    }

    pub(crate) fn set_param(&mut self, name: &str, value: &str) {
        match self.params.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value.to_string(),
            None => self.params.push((name.to_string(), value.to_string())),
        }
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Opens upstream sessions for an identity. Implement this to change how
/// upstreams are reached (e.g. IAM tokens); pools call it.
pub trait Connector: Send + Sync + 'static {
    fn connect(&self, identity: &Identity) -> impl Future<Output = Result<UpstreamConn, UpstreamError>> + Send;
}
