//! The DSQL gateway: the proxy engine with the adapt policy in front of
//! Aurora DSQL (or the emulator, or any PostgreSQL), giving any PostgreSQL
//! client a plain, warm connection.
//!
//! - [`server`]: [`Gateway::start`] from resolved [`Settings`].
//! - [`reservoir`]: pre-opened upstream connections per (user, database),
//!   lifetimes ([`lifetime`]), the open-rate limiter ([`limiter`]), 53400 back-off.
//! - [`adapt`]: the statement rewrites and why they keep meaning on DSQL.
//! - [`token`]: a fresh IAM token per upstream connection.
//! - [`scram`]: SCRAM-SHA-256 client authentication; [`client_tls`]: the
//!   certificate shown to clients, re-read when its files change.
//! - [`metrics`], [`http`]: Prometheus metrics, `/healthz`, `/readyz`.
//!
//! See docs/gateway.md.

pub mod adapt;
pub mod client_tls;
pub mod error;
pub mod http;
pub mod lifetime;
pub mod limiter;
pub mod metrics;
pub mod reservoir;
pub mod scram;
pub mod server;
pub mod token;

pub use adapt::{AdaptPolicy, AdaptRules};
pub use error::{GatewayError, SettingsError};
pub use lifetime::Lifetime;
pub use limiter::RateLimiter;
pub use metrics::GatewayMetrics;
pub use proxy::Identity;
pub use reservoir::{Reservoir, ReservoirConfig};
pub use scram::{ScramAuth, Verifier};
pub use server::{ClientAuth, Gateway, Settings, UpstreamAuth};
