//! [`Inputs`] → the typed values a template's `${NAME}` placeholders take.
//! Values are YAML values (numbers stay numbers, booleans booleans), so the
//! substitution can serialise them safely and the parse-back can compare
//! them exactly. Composite values (host:port) are computed here, never
//! concatenated in a template.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde_yaml_ng::{Mapping, Value};

use crate::inputs::*;

/// Placeholder values of one render, and which of them are secrets.
#[derive(Debug, Clone)]
pub struct Values {
    map: BTreeMap<&'static str, Value>,
    secrets: Vec<&'static str>,
}

/// What `--check` shows instead of a secret.
pub const MASK: &str = "********";

impl Values {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.map.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.map.keys().copied()
    }

    pub fn secret_names(&self) -> &[&'static str] {
        &self.secrets
    }

    /// The same values with every non-empty secret replaced by [`MASK`].
    pub fn masked(&self) -> Values {
        let mut out = self.clone();
        for name in &self.secrets {
            let Some(v) = out.map.get_mut(name) else { continue };
            if v.as_str().is_some_and(|s| !s.is_empty()) {
                *v = Value::String(MASK.into());
            }
        }
        out
    }

    fn set(&mut self, name: &'static str, value: impl Into<Value>) {
        self.map.insert(name, value.into());
    }

    fn secret(&mut self, name: &'static str, value: &str) {
        self.set(name, value);
        self.secrets.push(name);
    }
}

/// `host:port`, with IPv6 literals in brackets as Go's net.JoinHostPort does.
pub fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

fn num(n: impl Into<u64>) -> Value {
    Value::Number(n.into().into())
}

impl Values {
    pub fn from_inputs(inputs: &Inputs) -> Values {
        let mut v = Values { map: BTreeMap::new(), secrets: Vec::new() };
        let sql = &inputs.sql;
        v.set("HISTORY_SHARDS", num(sql.history_shards));
        v.set("SQL_PLUGIN", sql.plugin.name());
        v.set("SQL_DATABASE", sql.database.as_str());
        v.set("SQL_CONNECT_ADDR", join_host_port(&sql.host, sql.port));
        v.set("SQL_USER", sql.user.as_str());
        v.secret(
            "SQL_PASSWORD",
            match &sql.auth {
                SqlAuth::Password(s) => s.expose(),
                SqlAuth::Iam { .. } => "",
            },
        );
        // Extra DSN parameters: lib/pq and pgx both take connect_timeout in
        // whole seconds, and pass unknown ones (search_path) to the server.
        let mut attrs = Mapping::new();
        attrs.insert("connect_timeout".into(), sql.connect_timeout.as_secs_ceil().to_string().into());
        if let Some(schema) = &sql.schema {
            attrs.insert("search_path".into(), schema.as_str().into());
        }
        v.set("SQL_CONNECT_ATTRIBUTES", Value::Mapping(attrs));
        v.set("SQL_MAX_CONNS", num(sql.max_conns));
        v.set("SQL_MAX_IDLE_CONNS", num(sql.max_idle_conns));
        v.set("SQL_MAX_CONN_LIFETIME", sql.max_conn_lifetime.as_str());
        v.set("SQL_TLS_ENABLED", sql.tls.enabled);
        v.set("SQL_TLS_CA_FILE", sql.tls.ca_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default());
        v.set("SQL_TLS_HOST_VERIFICATION", sql.tls.enabled && sql.tls.host_verification);
        v.set("SQL_TLS_SERVER_NAME", sql.tls.server_name.clone().unwrap_or_else(|| sql.host.clone()));

        match &inputs.visibility {
            Visibility::Elasticsearch { scheme, host, port, version, index, auth } => {
                v.set("ES_VERSION", version.name());
                v.set("ES_SCHEME", scheme.as_str());
                v.set("ES_HOST", join_host_port(host, *port));
                v.set("ES_INDEX", index.as_str());
                v.set("ES_USERNAME", auth.as_ref().map(|a| a.user.clone()).unwrap_or_default());
                v.secret("ES_PASSWORD", auth.as_ref().map(|a| a.password.expose()).unwrap_or(""));
                v.set("ES_SIGNING_ENABLED", false);
                v.set("ES_SIGNING_REGION", "");
                v.set("ES_CREDENTIAL_PROVIDER", "");
            }
            Visibility::OpenSearch { scheme, host, version, index, auth } => {
                v.set("ES_VERSION", version.name());
                v.set("ES_SCHEME", scheme.as_str());
                v.set("ES_HOST", host.as_str());
                v.set("ES_INDEX", index.as_str());
                match auth {
                    OpenSearchAuth::Basic(b) => {
                        v.set("ES_USERNAME", b.user.as_str());
                        v.secret("ES_PASSWORD", b.password.expose());
                        v.set("ES_SIGNING_ENABLED", false);
                        v.set("ES_SIGNING_REGION", "");
                        v.set("ES_CREDENTIAL_PROVIDER", "");
                    }
                    OpenSearchAuth::AwsSigning { region, credential_provider } => {
                        v.set("ES_USERNAME", "");
                        v.secret("ES_PASSWORD", "");
                        v.set("ES_SIGNING_ENABLED", true);
                        v.set("ES_SIGNING_REGION", region.as_str());
                        v.set("ES_CREDENTIAL_PROVIDER", credential_provider.as_str());
                    }
                }
            }
        }

        let server = &inputs.server;
        v.set("LOG_LEVEL", server.log_level.as_str());
        v.set("BIND_ON_IP", server.bind_on_ip.to_string());
        v.set("BROADCAST_ADDRESS", server.broadcast_address.map(|ip| ip.to_string()).unwrap_or_default());
        let p = &server.ports;
        for (name, port) in [
            ("FRONTEND_GRPC_PORT", p.frontend_grpc),
            ("FRONTEND_HTTP_PORT", p.frontend_http),
            ("FRONTEND_MEMBERSHIP_PORT", p.frontend_membership),
            ("HISTORY_GRPC_PORT", p.history_grpc),
            ("HISTORY_MEMBERSHIP_PORT", p.history_membership),
            ("MATCHING_GRPC_PORT", p.matching_grpc),
            ("MATCHING_MEMBERSHIP_PORT", p.matching_membership),
            ("WORKER_GRPC_PORT", p.worker_grpc),
            ("WORKER_MEMBERSHIP_PORT", p.worker_membership),
        ] {
            v.set(name, num(port));
        }
        v.set(
            "FRONTEND_ADDRESS",
            server.public_frontend_address.clone().unwrap_or_else(|| default_frontend_address(server)),
        );
        v.set("PROMETHEUS_ENDPOINT", server.prometheus_endpoint.as_str());
        v.set("DYNAMIC_CONFIG_PATH", server.dynamic_config_path.as_str());
        v
    }
}

/// Where this node's frontend can be reached: the broadcast address, else the
/// bind address, else (bound to every interface) loopback.
fn default_frontend_address(server: &ServerInputs) -> String {
    let ip: IpAddr = match (server.broadcast_address, server.bind_on_ip) {
        (Some(ip), _) => ip,
        (None, ip) if ip.is_unspecified() => IpAddr::from([127, 0, 0, 1]),
        (None, ip) => ip,
    };
    join_host_port(&ip.to_string(), server.ports.frontend_grpc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_brackets_ipv6_like_go() {
        assert_eq!(join_host_port("db.example", 5432), "db.example:5432");
        assert_eq!(join_host_port("10.0.0.1", 5432), "10.0.0.1:5432");
        assert_eq!(join_host_port("fd00::1", 5432), "[fd00::1]:5432");
    }

    #[test]
    fn frontend_address_never_advertises_a_wildcard() {
        let mut server = ServerInputs { bind_on_ip: IpAddr::from([0, 0, 0, 0]), ..ServerInputs::default() };
        assert_eq!(default_frontend_address(&server), "127.0.0.1:7233");
        server.broadcast_address = Some(IpAddr::from([10, 0, 0, 9]));
        assert_eq!(default_frontend_address(&server), "10.0.0.9:7233");
        server.broadcast_address = None;
        server.bind_on_ip = IpAddr::from([192, 168, 1, 2]);
        assert_eq!(default_frontend_address(&server), "192.168.1.2:7233");
    }
}
