//! Shared fixtures: environments for each template combination.

#![allow(dead_code)]

use std::collections::HashMap;

pub fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The DSQL build against a DSQL endpoint, Elasticsearch visibility.
pub fn dsql_es() -> HashMap<String, String> {
    env(&[
        ("TEMPORAL_SQL_HOST", "abcdefghijklmnopqrstuvwxyz.dsql.eu-west-1.on.aws"),
        ("TEMPORAL_SQL_AWS_REGION", "eu-west-1"),
        ("TEMPORAL_SQL_CA_FILE", "tests/fixtures/ca.pem"),
        ("TEMPORAL_SQL_SCHEMA", "temporal"),
        ("TEMPORAL_HISTORY_SHARDS", "512"),
        ("TEMPORAL_ELASTICSEARCH_HOST", "elasticsearch"),
        ("BIND_ON_IP", "0.0.0.0"),
        ("TEMPORAL_BROADCAST_ADDRESS", "172.18.0.5"),
        ("PUBLIC_FRONTEND_ADDRESS", "temporal-frontend:7233"),
    ])
}

/// The DSQL build, OpenSearch with AWS request signing.
pub fn dsql_os() -> HashMap<String, String> {
    env(&[
        ("TEMPORAL_SQL_HOST", "abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws"),
        ("AWS_REGION", "us-east-1"),
        ("TEMPORAL_SQL_MAX_CONNS", "100"),
        ("TEMPORAL_SQL_MAX_CONN_LIFETIME", "11m"),
        ("TEMPORAL_OPENSEARCH_ENDPOINT", "https://search-temporal-abc.us-east-1.es.amazonaws.com"),
        ("TEMPORAL_LOG_LEVEL", "warn"),
    ])
}

/// Stock Temporal (postgres12) through the gateway, Elasticsearch with basic auth.
pub fn postgres12_es() -> HashMap<String, String> {
    env(&[
        ("TEMPORAL_SQL_PLUGIN_NAME", "postgres12"),
        ("TEMPORAL_SQL_HOST", "dsql-gateway"),
        ("TEMPORAL_SQL_PORT", "6432"),
        ("TEMPORAL_SQL_USER", "temporal"),
        ("TEMPORAL_SQL_TLS_ENABLED", "false"),
        ("TEMPORAL_SQL_PASSWORD_FILE", "tests/fixtures/sql-password"),
        ("TEMPORAL_ELASTICSEARCH_HOST", "elasticsearch"),
        ("TEMPORAL_ELASTICSEARCH_SCHEME", "https"),
        ("TEMPORAL_ELASTICSEARCH_VERSION", "v7"),
        ("TEMPORAL_ELASTICSEARCH_USER", "elastic"),
        ("TEMPORAL_ELASTICSEARCH_PASSWORD_FILE", "tests/fixtures/es-password"),
    ])
}

/// Stock Temporal (postgres12_pgx) through the gateway, OpenSearch with basic auth.
pub fn postgres12_pgx_os() -> HashMap<String, String> {
    env(&[
        ("TEMPORAL_SQL_PLUGIN_NAME", "postgres12_pgx"),
        ("TEMPORAL_SQL_HOST", "127.0.0.1"),
        ("TEMPORAL_SQL_PASSWORD_FILE", "tests/fixtures/sql-password"),
        ("TEMPORAL_SQL_CA_FILE", "tests/fixtures/ca.pem"),
        ("TEMPORAL_SQL_SERVER_NAME", "gateway.local"),
        ("TEMPORAL_OPENSEARCH_ENDPOINT", "https://opensearch.internal:9200"),
        ("TEMPORAL_OPENSEARCH_USER", "admin"),
        ("TEMPORAL_OPENSEARCH_PASSWORD_FILE", "tests/fixtures/os-password"),
        ("PROMETHEUS_ENDPOINT", "127.0.0.1:9091"),
    ])
}
