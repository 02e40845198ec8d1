//! Assembling a running gateway from [`Settings`]: listeners, client
//! authentication and TLS, the upstream connector (TLS + IAM token or
//! password), the limiter, the reservoir, the adapt policy, the proxy
//! engine and the metrics endpoint.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use dsql::token::SharedCredentialsProvider;
use pgconn::SslMode;
use proxy::{
    AuthExchange, AuthStep, Authenticator, ClientHello, PasswordSource, PgConnector, Proxy, ProxyConfig, TrustAuth,
    UpstreamTls,
};
use rustls_pki_types::ServerName;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::adapt::{AdaptPolicy, AdaptRules};
use crate::client_tls::{self, ClientCert};
use crate::error::{GatewayError, SettingsError};
use crate::lifetime::Lifetime;
use crate::limiter::RateLimiter;
use crate::metrics::GatewayMetrics;
use crate::reservoir::{Reservoir, ReservoirConfig};
use crate::scram::{ScramAuth, ScramExchange, Verifier};
use crate::token::IamTokens;

/// How the gateway logs in upstream.
#[derive(Clone)]
pub enum UpstreamAuth {
    /// A fresh IAM token per connection (DSQL).
    Iam { region: String, credentials: SharedCredentialsProvider },
    /// A fixed password (a plain PostgreSQL upstream).
    Password(String),
    /// No password (trust upstream; tests and benchmarks).
    None,
}

impl std::fmt::Debug for UpstreamAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UpstreamAuth::Iam { region, .. } => write!(f, "Iam {{ region: {region:?} }}"),
            UpstreamAuth::Password(_) => f.write_str("Password(<redacted>)"),
            UpstreamAuth::None => f.write_str("None"),
        }
    }
}

/// How clients log in to the gateway.
#[derive(Debug, Clone)]
pub enum ClientAuth {
    Scram(HashMap<String, Verifier>),
    /// Everyone is who they say; only on a loopback listener.
    Trust,
}

/// Everything a gateway needs, resolved (the CLI builds this from flags and `[gateway]`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub metrics_listen: Option<SocketAddr>,
    pub upstream_host: String,
    pub upstream_port: u16,
    pub sslmode: SslMode,
    pub upstream_ca_file: Option<PathBuf>,
    /// Log in upstream as this user whatever the client's name.
    pub upstream_user: Option<String>,
    pub upstream_auth: UpstreamAuth,
    pub client_auth: ClientAuth,
    /// Client-side TLS: certificate chain and key (PEM).
    pub client_tls: Option<(PathBuf, PathBuf)>,
    pub require_client_tls: bool,
    pub reservoir: ReservoirConfig,
    pub lifetime: Lifetime,
    pub rate_per_sec: f64,
    pub burst: u32,
    pub rate_share: u32,
    pub rules: AdaptRules,
    pub connect_timeout: Duration,
}

impl Settings {
    /// Checks combinations no single value can (loopback for trust, lifetime bounds).
    pub fn validate(&self) -> Result<(), SettingsError> {
        if matches!(self.client_auth, ClientAuth::Trust) && !self.listen.ip().is_loopback() {
            return Err(SettingsError::TrustNotLoopback { listen: self.listen });
        }
        if let ClientAuth::Scram(users) = &self.client_auth {
            if users.is_empty() {
                return Err(SettingsError::NoUsers);
            }
        }
        let l = &self.lifetime;
        if l.base + l.jitter >= Duration::from_secs(3600) || l.base <= l.jitter + l.guard {
            return Err(SettingsError::Lifetime {
                base_s: l.base.as_secs(),
                jitter_s: l.jitter.as_secs(),
                guard_s: l.guard.as_secs(),
            });
        }
        if self.rate_per_sec <= 0.0 || self.burst == 0 || self.rate_share == 0 {
            return Err(SettingsError::Invalid("rate_per_sec, burst and rate_share must be greater than 0".into()));
        }
        if self.reservoir.max_per_identity == 0 {
            return Err(SettingsError::Invalid("max_connections_per_identity must be greater than 0".into()));
        }
        Ok(())
    }
}

/// The client authenticator: trust or SCRAM.
#[derive(Clone)]
pub enum ClientAuthenticator {
    Trust(TrustAuth),
    Scram(ScramAuth),
}

pub enum ClientExchange {
    Trust(<TrustAuth as Authenticator>::Exchange),
    Scram(Box<ScramExchange>),
}

impl Authenticator for ClientAuthenticator {
    type Exchange = ClientExchange;
    fn begin(&self, hello: &ClientHello) -> ClientExchange {
        match self {
            ClientAuthenticator::Trust(a) => ClientExchange::Trust(a.begin(hello)),
            ClientAuthenticator::Scram(a) => ClientExchange::Scram(Box::new(a.begin(hello))),
        }
    }
}

impl AuthExchange for ClientExchange {
    async fn step(&mut self, response: Option<Bytes>) -> AuthStep {
        match self {
            ClientExchange::Trust(e) => e.step(response).await,
            ClientExchange::Scram(e) => e.step(response).await,
        }
    }
}

/// The proxy engine as the gateway instantiates it.
pub type GatewayProxy = Proxy<ClientAuthenticator, Reservoir<PgConnector>, AdaptPolicy>;

/// A running gateway. Dropping it stops accepting (running sessions finish).
pub struct Gateway {
    addr: SocketAddr,
    metrics_addr: Option<SocketAddr>,
    metrics: Arc<GatewayMetrics>,
    proxy: GatewayProxy,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

/// Puts a replaced client certificate in service (see [`crate::client_tls`]).
async fn watch_client_cert(cert: Arc<ClientCert>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_error = None;
    loop {
        tick.tick().await;
        match cert.refresh() {
            Ok(true) => {
                tracing::info!(certificate = ?cert, "client TLS certificate replaced; new sessions get the new one");
                last_error = None;
            }
            Ok(false) => {}
            Err(e) => {
                // Once per distinct problem: the check repeats every few seconds.
                let text = e.to_string();
                if last_error.as_ref() != Some(&text) {
                    tracing::warn!(error = %text, "client TLS files changed but do not load; still serving the previous certificate");
                    last_error = Some(text);
                }
            }
        }
    }
}

/// The upstream connector for `settings`.
pub fn connector(settings: &Settings, metrics: &Arc<GatewayMetrics>) -> Result<PgConnector, GatewayError> {
    let mut c = PgConnector::new(settings.upstream_host.clone(), settings.upstream_port);
    c.connect_timeout = settings.connect_timeout;
    c.user_override = settings.upstream_user.clone();
    c.startup_params.push(("application_name".into(), "dsql-deploy-gateway".into()));
    if let Some(config) = pgconn::tls::client_config(settings.sslmode, settings.upstream_ca_file.as_deref())
        .map_err(|e| GatewayError::UpstreamTls(e.to_string()))?
    {
        let server_name = ServerName::try_from(settings.upstream_host.clone()).map_err(|_| {
            GatewayError::UpstreamTls(format!("{:?} is not a valid TLS server name", settings.upstream_host))
        })?;
        c.tls = Some(UpstreamTls { config: Arc::new(config), server_name });
    }
    c.password = match &settings.upstream_auth {
        UpstreamAuth::None => PasswordSource::None,
        UpstreamAuth::Password(p) => PasswordSource::Static(p.clone()),
        UpstreamAuth::Iam { region, credentials } => PasswordSource::PerConnection(Arc::new(IamTokens {
            host: settings.upstream_host.clone(),
            region: region.clone(),
            user_override: settings.upstream_user.clone(),
            provider: credentials.clone(),
            expires_in: Duration::from_secs(900),
            metrics: metrics.clone(),
        })),
    };
    Ok(c)
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, GatewayError> {
    TcpListener::bind(addr).await.map_err(|source| GatewayError::Bind { addr, source })
}

impl Gateway {
    /// Validates, binds and starts serving (in background tasks).
    pub async fn start(settings: Settings) -> Result<Gateway, GatewayError> {
        settings.validate()?;
        let metrics = Arc::new(GatewayMetrics::default());
        let client_cert = match &settings.client_tls {
            Some((cert, key)) => Some(Arc::new(ClientCert::load(cert, key)?)),
            None => None,
        };
        let tls = client_cert.as_ref().map(ClientCert::server_config).transpose()?;
        let auth = match &settings.client_auth {
            ClientAuth::Trust => ClientAuthenticator::Trust(TrustAuth),
            ClientAuth::Scram(users) => ClientAuthenticator::Scram(ScramAuth::new(users.clone())),
        };
        let connector = connector(&settings, &metrics)?;
        let limiter = Arc::new(RateLimiter::new(settings.rate_per_sec, settings.burst, settings.rate_share));
        let listener = bind(settings.listen).await?;
        let addr = listener.local_addr().map_err(|source| GatewayError::Bind { addr: settings.listen, source })?;
        let metrics_listener = match settings.metrics_listen {
            Some(a) => Some(bind(a).await?),
            None => None,
        };
        let metrics_addr = metrics_listener.as_ref().and_then(|l| l.local_addr().ok());
        let reservoir = Reservoir::start(
            connector,
            settings.reservoir.clone(),
            settings.lifetime.clone(),
            limiter,
            metrics.clone(),
        );
        let policy =
            AdaptPolicy { rules: settings.rules, lifetime: settings.lifetime.clone(), metrics: metrics.clone() };
        let config = ProxyConfig {
            require_tls: settings.require_client_tls && tls.is_some(),
            tls,
            // The reservoir answers first with its own, clearer timeout.
            checkout_timeout: settings.reservoir.checkout_timeout + settings.connect_timeout + Duration::from_secs(5),
            ..ProxyConfig::default()
        };
        let proxy = Proxy::new(config, auth, reservoir, policy, metrics.proxy.clone());
        let mut tasks = Vec::new();
        let serving = proxy.clone();
        tasks.push(tokio::spawn(async move {
            if let Err(e) = serving.serve(listener).await {
                tracing::error!(error = %e, "gateway listener failed");
            }
        }));
        if let Some(l) = metrics_listener {
            tasks.push(tokio::spawn(crate::http::serve(l, metrics.clone())));
        }
        if let Some(cert) = client_cert {
            tasks.push(tokio::spawn(watch_client_cert(cert, client_tls::CHECK_EVERY)));
        }
        tracing::info!(%addr, upstream = %format!("{}:{}", settings.upstream_host, settings.upstream_port), sslmode = %settings.sslmode, auth = ?settings.upstream_auth, "gateway listening");
        Ok(Gateway { addr, metrics_addr, metrics, proxy, tasks })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    pub fn metrics(&self) -> &Arc<GatewayMetrics> {
        &self.metrics
    }

    pub fn reservoir(&self) -> &Reservoir<PgConnector> {
        self.proxy.pool()
    }

    /// Graceful stop: accepts no new clients, ends each session with FATAL
    /// 57P01 once it is between transactions, and waits up to `grace` for
    /// them all to end. Returns how many were still open at the deadline.
    pub async fn drain(&self, grace: Duration) -> i64 {
        self.proxy.drain();
        let active = || self.metrics.proxy.client_sessions_active.load(std::sync::atomic::Ordering::Relaxed);
        let deadline = tokio::time::Instant::now() + grace;
        while active() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        active()
    }
}
