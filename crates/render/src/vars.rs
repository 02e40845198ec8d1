//! The one table of environment variables the renderer reads: name, default
//! and meaning. `render --help`, docs/render.md and the parser all come from
//! here, so the documentation cannot drift from what the code accepts.

/// Which part of the config a variable feeds (also the heading in help/docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Persistence,
    Elasticsearch,
    OpenSearch,
    Server,
    Entrypoint,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::Persistence => "Persistence (SQL)",
            Group::Elasticsearch => "Visibility on Elasticsearch",
            Group::OpenSearch => "Visibility on OpenSearch (AWS request signing or basic auth)",
            Group::Server => "Server: services, ports, metrics, dynamic config",
            Group::Entrypoint => "Entrypoint only",
        }
    }
}

/// One environment variable.
#[derive(Debug, Clone, Copy)]
pub struct Var {
    pub name: &'static str,
    /// Human-readable default; "required" or a condition when there is none.
    pub default: &'static str,
    pub meaning: &'static str,
    pub group: Group,
}

const fn var(group: Group, name: &'static str, default: &'static str, meaning: &'static str) -> Var {
    Var { name, default, meaning, group }
}

use Group::*;

/// Every variable, in help/docs order. Names keep the seed project's where it
/// had one, and Temporal's own docker names for ports and addresses.
pub const VARIABLES: &[Var] = &[
    var(
        Persistence,
        "TEMPORAL_SQL_PLUGIN_NAME",
        "dsql",
        "SQL plugin: `dsql` (the Temporal DSQL build, IAM auth) or `postgres12` / `postgres12_pgx` (stock Temporal through `dsql-deploy gateway`, password).",
    ),
    var(Persistence, "TEMPORAL_SQL_HOST", "required", "Host name or IP of the DSQL endpoint, emulator or gateway."),
    var(Persistence, "TEMPORAL_SQL_PORT", "5432", "TCP port (1-65535)."),
    var(Persistence, "TEMPORAL_SQL_DATABASE", "postgres", "Database name (DSQL has exactly one: `postgres`)."),
    var(
        Persistence,
        "TEMPORAL_SQL_SCHEMA",
        "(none)",
        "PostgreSQL schema holding Temporal's tables; sent as the `search_path` connect attribute.",
    ),
    var(
        Persistence,
        "TEMPORAL_SQL_USER",
        "admin",
        "Database role. The Temporal DSQL build always connects as `admin`.",
    ),
    var(
        Persistence,
        "TEMPORAL_SQL_IAM_AUTH",
        "true for dsql, false otherwise",
        "Authenticate with IAM auth tokens (required by `dsql`, impossible for stock Temporal).",
    ),
    var(
        Persistence,
        "TEMPORAL_SQL_PASSWORD_FILE",
        "required without IAM auth",
        "File holding the password (one line); must exist, be readable and non-empty.",
    ),
    var(
        Persistence,
        "TEMPORAL_SQL_AWS_REGION",
        "AWS_REGION",
        "AWS region for IAM tokens; the entrypoint exports it as AWS_REGION for the DSQL build.",
    ),
    var(Persistence, "TEMPORAL_SQL_TLS_ENABLED", "true", "Use TLS (DSQL refuses plaintext)."),
    var(
        Persistence,
        "TEMPORAL_SQL_CA_FILE",
        "(system roots)",
        "PEM file of the CA that signed the server certificate (e.g. the emulator's CA).",
    ),
    var(
        Persistence,
        "TEMPORAL_SQL_TLS_ENABLE_HOST_VERIFICATION",
        "true",
        "Check the server certificate's host name (sslmode verify-full).",
    ),
    var(
        Persistence,
        "TEMPORAL_SQL_SERVER_NAME",
        "(TEMPORAL_SQL_HOST)",
        "Host name expected in the server certificate.",
    ),
    var(
        Persistence,
        "TEMPORAL_SQL_MAX_CONNS",
        "50",
        "Maximum open connections per Temporal service (positive integer).",
    ),
    var(
        Persistence,
        "TEMPORAL_SQL_MAX_IDLE_CONNS",
        "TEMPORAL_SQL_MAX_CONNS",
        "Maximum idle connections; keep equal to MAX_CONNS so the pool never shrinks and re-opens under DSQL's connection rate limit.",
    ),
    var(
        Persistence,
        "TEMPORAL_SQL_MAX_CONN_LIFETIME",
        "55m",
        "Go duration after which a connection is replaced; below 60m for DSQL, which closes connections at 60 minutes.",
    ),
    var(
        Persistence,
        "TEMPORAL_SQL_CONNECTION_TIMEOUT",
        "30s",
        "Go duration allowed for opening a connection (rounded up to whole seconds, sent as `connect_timeout`).",
    ),
    var(
        Persistence,
        "TEMPORAL_HISTORY_SHARDS",
        "4",
        "Number of history shards (positive integer; cannot change once the cluster has started).",
    ),
    var(
        Elasticsearch,
        "TEMPORAL_ELASTICSEARCH_HOST",
        "required for Elasticsearch",
        "Elasticsearch host name or IP. Setting it selects Elasticsearch visibility.",
    ),
    var(Elasticsearch, "TEMPORAL_ELASTICSEARCH_PORT", "9200", "Elasticsearch port."),
    var(Elasticsearch, "TEMPORAL_ELASTICSEARCH_SCHEME", "http", "`http` or `https`."),
    var(Elasticsearch, "TEMPORAL_ELASTICSEARCH_VERSION", "v8", "Client API version: `v7` or `v8`."),
    var(Elasticsearch, "TEMPORAL_ELASTICSEARCH_INDEX", "temporal_visibility_v1_dev", "Visibility index name."),
    var(
        Elasticsearch,
        "TEMPORAL_ELASTICSEARCH_USER",
        "(none)",
        "User for basic auth; needs TEMPORAL_ELASTICSEARCH_PASSWORD_FILE.",
    ),
    var(Elasticsearch, "TEMPORAL_ELASTICSEARCH_PASSWORD_FILE", "(none)", "File holding the Elasticsearch password."),
    var(
        OpenSearch,
        "TEMPORAL_OPENSEARCH_ENDPOINT",
        "required for OpenSearch",
        "OpenSearch URL, e.g. `https://search-x.eu-west-1.es.amazonaws.com`. Setting it selects OpenSearch visibility.",
    ),
    var(
        OpenSearch,
        "TEMPORAL_OPENSEARCH_VERSION",
        "v7",
        "Client API version: `v7` or `v8` (OpenSearch speaks the v7 API).",
    ),
    var(OpenSearch, "TEMPORAL_OPENSEARCH_INDEX", "temporal_visibility_v1_dev", "Visibility index name."),
    var(
        OpenSearch,
        "TEMPORAL_OPENSEARCH_USER",
        "(none)",
        "User for basic auth; when empty, requests are signed with AWS SigV4 instead.",
    ),
    var(
        OpenSearch,
        "TEMPORAL_OPENSEARCH_PASSWORD_FILE",
        "(none)",
        "File holding the OpenSearch password (basic auth only).",
    ),
    var(
        OpenSearch,
        "TEMPORAL_OPENSEARCH_AWS_REGION",
        "TEMPORAL_SQL_AWS_REGION, then AWS_REGION",
        "Region for request signing.",
    ),
    var(
        OpenSearch,
        "TEMPORAL_OPENSEARCH_CREDENTIAL_PROVIDER",
        "aws-sdk-default",
        "Where Temporal finds AWS credentials for signing: `aws-sdk-default` or `environment`.",
    ),
    var(Server, "TEMPORAL_LOG_LEVEL", "info", "`debug`, `info`, `warn` or `error`."),
    var(Server, "BIND_ON_IP", "127.0.0.1 (entrypoint: this host's IP)", "IP address the services listen on."),
    var(
        Server,
        "TEMPORAL_BROADCAST_ADDRESS",
        "(none; entrypoint: this host's IP when BIND_ON_IP is 0.0.0.0 or ::)",
        "IP address other cluster members use to reach this one.",
    ),
    var(Server, "FRONTEND_GRPC_PORT", "7233", "Frontend gRPC port."),
    var(Server, "FRONTEND_HTTP_PORT", "7243", "Frontend HTTP API port."),
    var(Server, "FRONTEND_MEMBERSHIP_PORT", "6933", "Frontend membership (ringpop) port."),
    var(Server, "HISTORY_GRPC_PORT", "7234", "History gRPC port."),
    var(Server, "HISTORY_MEMBERSHIP_PORT", "6934", "History membership port."),
    var(Server, "MATCHING_GRPC_PORT", "7235", "Matching gRPC port."),
    var(Server, "MATCHING_MEMBERSHIP_PORT", "6935", "Matching membership port."),
    var(Server, "WORKER_GRPC_PORT", "7239", "Worker gRPC port."),
    var(Server, "WORKER_MEMBERSHIP_PORT", "6939", "Worker membership port."),
    var(
        Server,
        "PUBLIC_FRONTEND_ADDRESS",
        "127.0.0.1:FRONTEND_GRPC_PORT",
        "host:port of the frontend as other services and the cluster metadata see it.",
    ),
    var(Server, "PROMETHEUS_ENDPOINT", "0.0.0.0:9090", "Listen address (ip:port) of the Prometheus metrics endpoint."),
    var(
        Server,
        "DYNAMIC_CONFIG_FILE_PATH",
        "/etc/temporal/config/dynamicconfig/dsql.yaml",
        "Dynamic config file Temporal polls.",
    ),
    var(
        Entrypoint,
        "TEMPORAL_PERSISTENCE_CONFIG",
        "/etc/temporal/config/docker.yaml",
        "Where `entrypoint` writes the config (also `render --out`).",
    ),
];

/// Looks a variable up by name (tests and error messages).
pub fn lookup(name: &str) -> Option<&'static Var> {
    VARIABLES.iter().find(|v| v.name == name)
}

const GROUPS: [Group; 5] = [Persistence, Elasticsearch, OpenSearch, Server, Entrypoint];

/// Plain-text list for `render --help`.
pub fn help_text() -> String {
    let mut out = String::from(
        "Environment variables (the template follows them: TEMPORAL_SQL_PLUGIN_NAME picks the\n\
         persistence template, TEMPORAL_ELASTICSEARCH_HOST or TEMPORAL_OPENSEARCH_ENDPOINT the\n\
         visibility one):\n",
    );
    for group in GROUPS {
        out.push_str(&format!("\n{}:\n", group.title()));
        for v in VARIABLES.iter().filter(|v| v.group == group) {
            out.push_str(&format!("  {}  [default: {}]\n      {}\n", v.name, v.default, v.meaning));
        }
    }
    out
}

/// Markdown tables for docs/render.md (between its `variables` markers).
pub fn markdown() -> String {
    let mut out = String::new();
    for group in GROUPS {
        out.push_str(&format!("\n### {}\n\n| variable | default | meaning |\n|---|---|---|\n", group.title()));
        for v in VARIABLES.iter().filter(|v| v.group == group) {
            out.push_str(&format!("| `{}` | {} | {} |\n", v.name, v.default, v.meaning.replace('|', "\\|")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_help_lists_each_with_its_default() {
        let mut names: Vec<_> = VARIABLES.iter().map(|v| v.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), VARIABLES.len(), "duplicate variable names");
        let help = help_text();
        for v in VARIABLES {
            assert!(help.contains(&format!("{}  [default: {}]", v.name, v.default)), "{} missing from help", v.name);
        }
    }
}
