//! What clients connect to: the proxy engine with the emulator's TLS
//! (required, as on DSQL), IAM-token authenticator, a session pool to the
//! private PostgreSQL (over its Unix-domain socket when there is one), and
//! the enforce policy.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use proxy::{Metrics, PasswordSource, PgConnector, PoolConfig, Proxy, ProxyConfig, SessionPool};
use tokio::sync::watch;
use wire::ErrorFields;

use crate::auth::{AuthConfig, IamAuth, RateLimiter};
use crate::instance::Settings;
use crate::policy::{EnforcePolicy, Limits};

/// Sent (FATAL) to a client that does not start TLS.
fn tls_required() -> ErrorFields {
    ErrorFields::fatal("28000", "unable to accept connection, SSL/TLS is required")
        .hint("connect with sslmode=verify-full (or require)")
}

pub struct Frontend {
    proxy: Proxy<IamAuth, SessionPool<PgConnector>, EnforcePolicy>,
}

impl Frontend {
    pub fn new(
        settings: Settings,
        tls: Arc<rustls::ServerConfig>,
        control: Arc<tokio_postgres::Client>,
        upstream: SocketAddr,
        upstream_socket: Option<PathBuf>,
        password: String,
    ) -> Frontend {
        let config = &settings.config;
        let proxy_config = ProxyConfig {
            tls: Some(tls),
            require_tls: true,
            tls_required_error: tls_required(),
            ..ProxyConfig::default()
        };
        let auth = IamAuth::new(
            AuthConfig {
                hostname: config.hostname.clone(),
                region: settings.region.clone(),
                access_key_id: config.access_key_id.clone(),
                secret_access_key: config.secret_access_key.clone(),
            },
            RateLimiter::new(config.connection_rate_per_sec, config.connection_burst),
            control.clone(),
            password.clone(),
        );
        let mut connector = PgConnector::new(upstream.ip().to_string(), upstream.port())
            .with_password(PasswordSource::Static(password));
        connector.unix_socket = upstream_socket;
        let metrics = Arc::new(Metrics::default());
        let pool = SessionPool::new(connector, PoolConfig::default(), metrics.clone());
        let policy = EnforcePolicy::new(
            Limits {
                max_transaction_age: Duration::from_secs(config.max_transaction_age_secs),
                max_connection_lifetime: Duration::from_secs(config.max_connection_lifetime_secs),
            },
            control,
        );
        Frontend { proxy: Proxy::new(proxy_config, auth, pool, policy, metrics) }
    }

    /// Accepts clients until `shutdown` turns true.
    pub async fn serve(self, listener: tokio::net::TcpListener, mut shutdown: watch::Receiver<bool>) {
        let stop = async move {
            while !*shutdown.borrow() {
                if shutdown.changed().await.is_err() {
                    return;
                }
            }
        };
        if let Err(e) = self.proxy.serve_until(listener, stop).await {
            tracing::error!(error = %e, "the emulator stopped accepting clients");
        }
    }
}
