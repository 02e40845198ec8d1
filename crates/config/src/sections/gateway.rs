//! `[gateway]`: the DSQL gateway that PostgreSQL clients connect to
//! (`dsql-deploy gateway`). Command-line flags override these values.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::Problems;

/// DSQL closes every connection after 60 minutes.
const DSQL_MAX_LIFETIME_SECS: u64 = 3600;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewayConfig {
    /// Address the gateway listens on.
    pub listen: String,
    /// Address of the metrics/health HTTP endpoint (`None`: off).
    pub metrics_listen: Option<String>,
    /// DSQL cluster endpoint (or PostgreSQL host) to connect to.
    pub cluster_endpoint: Option<String>,
    pub upstream_port: u16,
    /// Log in upstream as this role instead of the client's user name.
    pub upstream_user: Option<String>,
    /// Upstream TLS mode (libpq names).
    pub sslmode: String,
    pub upstream_ca_file: Option<PathBuf>,
    /// `iam` (a fresh token per connection) or `password`.
    pub upstream_auth: String,
    /// Environment variable holding the upstream password (`upstream_auth = "password"`).
    pub upstream_password_env: Option<String>,
    /// `scram` (users below) or `trust` (loopback only).
    pub client_auth: String,
    /// Client-side TLS certificate chain and key (PEM); both or neither.
    pub client_tls_cert: Option<PathBuf>,
    pub client_tls_key: Option<PathBuf>,
    /// Warm connections kept ready per (user, database).
    pub reservoir_target: u32,
    pub max_connections_per_identity: u32,
    pub checkout_timeout_ms: u64,
    /// A (user, database) not warmed at start and unused this long is
    /// forgotten: its idle upstream connections are closed.
    pub idle_identity_timeout_secs: u64,
    /// Idle upstream connections above reservoir_target for this long are closed.
    pub surplus_idle_timeout_secs: u64,
    /// On SIGTERM / Ctrl-C: how long sessions may finish their transaction
    /// before the gateway exits (each gets FATAL 57P01 when it is between transactions).
    pub drain_timeout_secs: u64,
    /// Upstream connection lifetime: base ± jitter, never handed out within guard of the end.
    pub lifetime_secs: u64,
    pub lifetime_jitter_secs: u64,
    pub guard_secs: u64,
    /// Cluster-wide budget of new connections, and how many gateways share it.
    pub connection_rate_per_sec: u32,
    pub connection_burst: u32,
    pub rate_share: u32,
    /// Adapt rules.
    pub rewrite_for_share: bool,
    pub rewrite_for_no_key_update: bool,
    /// Retries of an autocommit statement that failed with 40001 (0 = off).
    pub occ_retry_attempts: u32,
    /// Threads that relay client sessions (unset: one per CPU). One thread
    /// spends less CPU per statement; more serve more clients at once.
    pub worker_threads: Option<u16>,
    /// SCRAM-SHA-256 users for `client_auth = "scram"`.
    pub users: Vec<GatewayUser>,
}

/// A client login: the SCRAM verifier itself, or where to read the password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayUser {
    pub name: String,
    /// `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>` (pg_authid format).
    pub verifier: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:5432".into(),
            metrics_listen: None,
            cluster_endpoint: None,
            upstream_port: 5432,
            upstream_user: None,
            sslmode: "verify-full".into(),
            upstream_ca_file: None,
            upstream_auth: "iam".into(),
            upstream_password_env: None,
            client_auth: "scram".into(),
            client_tls_cert: None,
            client_tls_key: None,
            reservoir_target: 4,
            max_connections_per_identity: 1000,
            checkout_timeout_ms: 10_000,
            idle_identity_timeout_secs: 600,
            surplus_idle_timeout_secs: 60,
            drain_timeout_secs: 25,
            lifetime_secs: 3000,
            lifetime_jitter_secs: 300,
            guard_secs: 60,
            connection_rate_per_sec: 100,
            connection_burst: 1000,
            rate_share: 1,
            rewrite_for_share: true,
            rewrite_for_no_key_update: true,
            occ_retry_attempts: 3,
            worker_threads: None,
            users: Vec::new(),
        }
    }
}

impl GatewayConfig {
    pub fn validate(&self, problems: &mut Problems) {
        for (key, value) in
            [("gateway.listen", Some(&self.listen)), ("gateway.metrics_listen", self.metrics_listen.as_ref())]
        {
            if let Some(v) = value {
                if v.parse::<std::net::SocketAddr>().is_err() {
                    problems.push(
                        key,
                        format!(
                            "{v:?} is not an IP address and port like \"127.0.0.1:5432\" (host names are not \
                             resolved: give the address to bind, e.g. 127.0.0.1 for localhost)"
                        ),
                    );
                }
            }
        }
        if !["disable", "require", "verify-ca", "verify-full"].contains(&self.sslmode.as_str()) {
            problems.push(
                "gateway.sslmode",
                format!("{:?} is not one of disable, require, verify-ca, verify-full", self.sslmode),
            );
        }
        if !["iam", "password"].contains(&self.upstream_auth.as_str()) {
            problems.push("gateway.upstream_auth", format!("{:?} is not \"iam\" or \"password\"", self.upstream_auth));
        }
        if !["scram", "trust"].contains(&self.client_auth.as_str()) {
            problems.push("gateway.client_auth", format!("{:?} is not \"scram\" or \"trust\"", self.client_auth));
        }
        if self.worker_threads == Some(0) {
            problems.push("gateway.worker_threads", "must be at least 1; leave it unset for one per CPU");
        }
        if self.client_tls_cert.is_some() != self.client_tls_key.is_some() {
            problems.push("gateway.client_tls_cert", "set both client_tls_cert and client_tls_key, or neither");
        }
        for (key, value) in [
            ("gateway.max_connections_per_identity", u64::from(self.max_connections_per_identity)),
            ("gateway.checkout_timeout_ms", self.checkout_timeout_ms),
            ("gateway.idle_identity_timeout_secs", self.idle_identity_timeout_secs),
            ("gateway.surplus_idle_timeout_secs", self.surplus_idle_timeout_secs),
            ("gateway.lifetime_secs", self.lifetime_secs),
            ("gateway.connection_rate_per_sec", u64::from(self.connection_rate_per_sec)),
            ("gateway.connection_burst", u64::from(self.connection_burst)),
            ("gateway.rate_share", u64::from(self.rate_share)),
        ] {
            if value == 0 {
                problems.push(key, "must be greater than 0");
            }
        }
        if self.lifetime_secs + self.lifetime_jitter_secs >= DSQL_MAX_LIFETIME_SECS {
            problems.push(
                "gateway.lifetime_secs",
                "lifetime_secs + lifetime_jitter_secs must stay under 3600 (DSQL closes connections at 60 minutes)",
            );
        }
        if self.lifetime_secs <= self.lifetime_jitter_secs + self.guard_secs {
            problems.push("gateway.lifetime_secs", "must be greater than lifetime_jitter_secs + guard_secs");
        }
        for (i, user) in self.users.iter().enumerate() {
            let sources = [user.verifier.is_some(), user.password_env.is_some(), user.password_file.is_some()];
            if user.name.is_empty() {
                problems.push(format!("gateway.users[{i}].name"), "must not be empty");
            } else if let Some(first) = self.users[..i].iter().position(|u| u.name == user.name) {
                // Only one entry would be used; which one would be a guess.
                problems.push(
                    format!("gateway.users[{i}].name"),
                    format!("{:?} is already gateway.users[{first}]; give each user one entry", user.name),
                );
            }
            if sources.iter().filter(|s| **s).count() != 1 {
                problems
                    .push(format!("gateway.users[{i}]"), "give exactly one of verifier, password_env, password_file");
            }
        }
    }
}
