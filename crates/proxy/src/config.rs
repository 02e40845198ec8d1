//! [`ProxyConfig`]: the knobs of the engine itself (TLS, limits, timeouts).
//! Policy, authentication and upstreams are separate trait objects.

use std::sync::Arc;
use std::time::Duration;

use wire::ErrorFields;

#[derive(Clone)]
pub struct ProxyConfig {
    /// Server TLS; `None` answers `N` to SSLRequest.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Refuse a startup that is not inside TLS with [`ProxyConfig::tls_required_error`].
    pub require_tls: bool,
    /// Sent (FATAL) to a plaintext startup when `require_tls` is set.
    /// Default: 28000 "SSL/TLS required" — the class PostgreSQL uses for a
    /// `hostssl`-only pg_hba refusal, with a hint naming the libpq setting.
    pub tls_required_error: ErrorFields,
    /// Largest client or upstream message accepted (PostgreSQL's is 1 GiB).
    pub max_message_len: usize,
    /// Time allowed from accept to the end of authentication.
    pub handshake_timeout: Duration,
    /// Time allowed to get an upstream session for a new client.
    pub checkout_timeout: Duration,
    /// Stop reading a side while this many bytes wait to be written to the other.
    pub max_buffered: usize,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            tls: None,
            require_tls: false,
            tls_required_error: ErrorFields::fatal("28000", "SSL/TLS required")
                .hint("connect with sslmode=require (or verify-full)"),
            max_message_len: wire::DEFAULT_MAX_MESSAGE_LEN,
            handshake_timeout: Duration::from_secs(30),
            checkout_timeout: Duration::from_secs(30),
            max_buffered: 256 * 1024,
        }
    }
}
