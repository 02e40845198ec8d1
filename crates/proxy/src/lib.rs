//! The PostgreSQL-wire proxy engine shared by the emulator and the gateway.
//!
//! A [`Proxy`] accepts clients, terminates TLS, authenticates them with an
//! [`Authenticator`], checks out an upstream session from an
//! [`UpstreamPool`] (session pooling: one upstream per client session), and
//! relays messages both ways while a [`Policy`] judges every statement
//! (forward / rewrite / refuse / terminate) and may adjust answers. The
//! proxy tracks each session ([`SessionState`]: idle / in transaction /
//! failed, DDL vs writes seen, rows changed, start times) from the server's
//! own answers. Product logic (DSQL rules, IAM tokens, rewrites) lives in the
//! policy and authenticator of the emulator or gateway, never here.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::sync::Arc;
//! use proxy::*;
//! let metrics = Arc::new(Metrics::default());
//! let pool = SessionPool::new(PgConnector::new("127.0.0.1", 5433), PoolConfig::default(), metrics.clone());
//! let proxy = Proxy::new(ProxyConfig::default(), TrustAuth, pool, ForwardAll, metrics);
//! proxy.serve(tokio::net::TcpListener::bind("127.0.0.1:6432").await?).await
//! # }
//! ```
//!
//! See docs/proxy.md for the behaviour in detail.

pub mod auth;
pub mod config;
pub mod error;
mod handshake;
pub mod metrics;
mod msgio;
pub mod policy;
pub mod pool;
mod refusal;
mod relay;
mod retry;
mod server;
mod session_params;
pub mod split;
pub mod state;
pub mod stream;
pub mod upstream;

pub use auth::{AuthExchange, AuthStep, Authenticator, CleartextAuth, ClientHello, Identity, PasswordCheck, TrustAuth};
pub use config::ProxyConfig;
pub use error::{IoError, UpstreamError};
pub use metrics::Metrics;
pub use policy::{Deadline, Decision, ForwardAll, Policy, SessionPolicy, Statement, StatementSource};
pub use pool::{PoolConfig, PooledConn, Release, ReturnConn, SessionPool, UpstreamPool};
pub use server::Proxy;
pub use state::SessionState;
pub use upstream::{Connector, PasswordSource, PgConnector, TokenSource, UpstreamConn, UpstreamTls};
pub use wire;
