//! One test per validation rule (each breaks one thing in a good
//! environment and expects exactly that problem), and all of them together
//! in one run.

mod common;

use std::collections::HashMap;
use std::io::Write;

fn problems(env: &HashMap<String, String>, template: Option<&str>) -> render::Problems {
    let t = template.map(|n| render::Template::named(n).unwrap());
    match render::render_env(env, t.as_ref()) {
        Err(render::RenderError::Invalid(p)) => p,
        Err(other) => panic!("expected validation problems, got: {other}"),
        Ok(_) => panic!("expected validation problems, the render succeeded"),
    }
}

fn secret_file(content: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(content.as_bytes()).unwrap();
    f
}

/// `case!(test_name, base, set = [(VAR, value)..], unset = [VAR..], expect = (VAR, "message fragment"))`
macro_rules! case {
    ($name:ident, $base:expr, set = [$(($k:expr, $v:expr)),*], unset = [$($u:expr),*], expect = ($var:expr, $frag:expr)) => {
        case!($name, $base, set = [$(($k, $v)),*], unset = [$($u),*], template = None, expect = ($var, $frag));
    };
    ($name:ident, $base:expr, set = [$(($k:expr, $v:expr)),*], unset = [$($u:expr),*], template = $t:expr, expect = ($var:expr, $frag:expr)) => {
        #[test]
        fn $name() {
            #[allow(unused_mut)]
            let mut env = $base;
            $(env.insert($k.to_string(), $v.to_string());)*
            $(env.remove($u);)*
            let p = problems(&env, $t);
            assert_eq!(p.len(), 1, "exactly one problem expected, got: {p}");
            let only = &p.0[0];
            assert_eq!(only.var.as_deref(), $var, "{p}");
            assert!(only.message.contains($frag), "message {:?} lacks {:?}", only.message, $frag);
        }
    };
}

use common::{dsql_es, dsql_os, postgres12_es};

case!(
    missing_sql_host,
    dsql_es(),
    set = [],
    unset = ["TEMPORAL_SQL_HOST"],
    expect = (Some("TEMPORAL_SQL_HOST"), "is not set")
);
case!(
    bad_sql_host,
    dsql_es(),
    set = [("TEMPORAL_SQL_HOST", "not a host!")],
    unset = [],
    expect = (Some("TEMPORAL_SQL_HOST"), "not a host name")
);
case!(
    port_out_of_range,
    dsql_es(),
    set = [("TEMPORAL_SQL_PORT", "70000")],
    unset = [],
    expect = (Some("TEMPORAL_SQL_PORT"), "1 to 65535")
);
case!(
    port_is_a_word,
    dsql_es(),
    set = [("TEMPORAL_SQL_PORT", "postgres")],
    unset = [],
    expect = (Some("TEMPORAL_SQL_PORT"), "not a port")
);
case!(
    unknown_plugin,
    dsql_es(),
    set = [("TEMPORAL_SQL_PLUGIN_NAME", "mysql8")],
    unset = [],
    expect = (Some("TEMPORAL_SQL_PLUGIN_NAME"), "dsql, postgres12, postgres12_pgx")
);
case!(
    zero_max_conns,
    dsql_es(),
    set = [("TEMPORAL_SQL_MAX_CONNS", "0"), ("TEMPORAL_SQL_MAX_IDLE_CONNS", "1")],
    unset = [],
    expect = (Some("TEMPORAL_SQL_MAX_CONNS"), "positive integer")
);
case!(
    idle_above_max,
    dsql_es(),
    set = [("TEMPORAL_SQL_MAX_CONNS", "10"), ("TEMPORAL_SQL_MAX_IDLE_CONNS", "20")],
    unset = [],
    expect = (Some("TEMPORAL_SQL_MAX_IDLE_CONNS"), "at most 10")
);
case!(
    lifetime_not_a_duration,
    dsql_es(),
    set = [("TEMPORAL_SQL_MAX_CONN_LIFETIME", "10")],
    unset = [],
    expect = (Some("TEMPORAL_SQL_MAX_CONN_LIFETIME"), "Go syntax")
);
case!(
    lifetime_beyond_dsql_limit,
    dsql_es(),
    set = [("TEMPORAL_SQL_MAX_CONN_LIFETIME", "1h")],
    unset = [],
    expect = (Some("TEMPORAL_SQL_MAX_CONN_LIFETIME"), "60 minutes")
);
case!(
    timeout_not_a_duration,
    dsql_es(),
    set = [("TEMPORAL_SQL_CONNECTION_TIMEOUT", "soon")],
    unset = [],
    expect = (Some("TEMPORAL_SQL_CONNECTION_TIMEOUT"), "not a duration")
);
case!(
    tls_not_a_boolean,
    dsql_es(),
    set = [("TEMPORAL_SQL_TLS_ENABLED", "maybe")],
    unset = [],
    expect = (Some("TEMPORAL_SQL_TLS_ENABLED"), "true or false")
);
case!(
    dsql_without_tls,
    dsql_es(),
    set = [("TEMPORAL_SQL_TLS_ENABLED", "false")],
    unset = ["TEMPORAL_SQL_CA_FILE"],
    expect = (Some("TEMPORAL_SQL_TLS_ENABLED"), "refuse plaintext")
);
case!(
    ca_file_without_tls,
    postgres12_es(),
    set = [("TEMPORAL_SQL_CA_FILE", "tests/fixtures/ca.pem")],
    unset = [],
    expect = (Some("TEMPORAL_SQL_CA_FILE"), "TLS is disabled")
);
case!(
    dsql_without_iam,
    dsql_es(),
    set = [("TEMPORAL_SQL_IAM_AUTH", "false"), ("TEMPORAL_SQL_PASSWORD_FILE", "tests/fixtures/sql-password")],
    unset = [],
    expect = (Some("TEMPORAL_SQL_IAM_AUTH"), "always authenticates with IAM")
);
case!(
    stock_temporal_with_iam,
    postgres12_es(),
    set = [("TEMPORAL_SQL_IAM_AUTH", "true"), ("AWS_REGION", "us-east-1")],
    unset = [],
    expect = (Some("TEMPORAL_SQL_IAM_AUTH"), "cannot generate IAM tokens")
);
case!(
    iam_without_region,
    dsql_es(),
    set = [],
    unset = ["TEMPORAL_SQL_AWS_REGION"],
    expect = (Some("TEMPORAL_SQL_AWS_REGION"), "region")
);
case!(
    password_file_not_set,
    postgres12_es(),
    set = [],
    unset = ["TEMPORAL_SQL_PASSWORD_FILE"],
    expect = (Some("TEMPORAL_SQL_PASSWORD_FILE"), "is not set")
);
case!(
    password_file_missing,
    postgres12_es(),
    set = [("TEMPORAL_SQL_PASSWORD_FILE", "/nonexistent/sql-password")],
    unset = [],
    expect = (Some("TEMPORAL_SQL_PASSWORD_FILE"), "cannot read /nonexistent/sql-password")
);
case!(
    ca_file_missing,
    dsql_es(),
    set = [("TEMPORAL_SQL_CA_FILE", "/nonexistent/ca.pem")],
    unset = [],
    expect = (Some("TEMPORAL_SQL_CA_FILE"), "cannot read")
);
case!(
    es_version_unknown,
    dsql_es(),
    set = [("TEMPORAL_ELASTICSEARCH_VERSION", "v6")],
    unset = [],
    expect = (Some("TEMPORAL_ELASTICSEARCH_VERSION"), "v7, v8")
);
case!(
    es_scheme_unknown,
    dsql_es(),
    set = [("TEMPORAL_ELASTICSEARCH_SCHEME", "ftp")],
    unset = [],
    expect = (Some("TEMPORAL_ELASTICSEARCH_SCHEME"), "http, https")
);
case!(
    es_port_bad,
    dsql_es(),
    set = [("TEMPORAL_ELASTICSEARCH_PORT", "0")],
    unset = [],
    expect = (Some("TEMPORAL_ELASTICSEARCH_PORT"), "not a port")
);
case!(
    no_visibility_store,
    dsql_es(),
    set = [],
    unset = ["TEMPORAL_ELASTICSEARCH_HOST"],
    expect = (Some("TEMPORAL_ELASTICSEARCH_HOST"), "TEMPORAL_OPENSEARCH_ENDPOINT")
);
case!(
    both_visibility_stores,
    dsql_es(),
    set = [("TEMPORAL_OPENSEARCH_ENDPOINT", "https://x.es.amazonaws.com")],
    unset = [],
    expect = (Some("TEMPORAL_OPENSEARCH_ENDPOINT"), "unset one")
);
case!(
    opensearch_not_a_url,
    dsql_os(),
    set = [("TEMPORAL_OPENSEARCH_ENDPOINT", "search-x.es.amazonaws.com")],
    unset = [],
    expect = (Some("TEMPORAL_OPENSEARCH_ENDPOINT"), "not a URL")
);
case!(
    opensearch_url_with_path,
    dsql_os(),
    set = [("TEMPORAL_OPENSEARCH_ENDPOINT", "https://x.es.amazonaws.com/_dashboards")],
    unset = [],
    expect = (Some("TEMPORAL_OPENSEARCH_ENDPOINT"), "path")
);
case!(
    opensearch_bad_credential_provider,
    dsql_os(),
    set = [("TEMPORAL_OPENSEARCH_CREDENTIAL_PROVIDER", "static")],
    unset = [],
    expect = (Some("TEMPORAL_OPENSEARCH_CREDENTIAL_PROVIDER"), "aws-sdk-default, environment")
);
case!(
    es_user_without_password_file,
    postgres12_es(),
    set = [],
    unset = ["TEMPORAL_ELASTICSEARCH_PASSWORD_FILE"],
    expect = (Some("TEMPORAL_ELASTICSEARCH_PASSWORD_FILE"), "is not set")
);
case!(
    es_password_file_without_user,
    postgres12_es(),
    set = [],
    unset = ["TEMPORAL_ELASTICSEARCH_USER"],
    expect = (Some("TEMPORAL_ELASTICSEARCH_USER"), "is not set")
);
case!(
    negative_shards,
    dsql_es(),
    set = [("TEMPORAL_HISTORY_SHARDS", "-1")],
    unset = [],
    expect = (Some("TEMPORAL_HISTORY_SHARDS"), "positive integer")
);
case!(
    unknown_log_level,
    dsql_es(),
    set = [("TEMPORAL_LOG_LEVEL", "verbose")],
    unset = [],
    expect = (Some("TEMPORAL_LOG_LEVEL"), "debug, info, warn, error")
);
case!(
    bind_on_ip_not_an_ip,
    dsql_es(),
    set = [("BIND_ON_IP", "localhost")],
    unset = [],
    expect = (Some("BIND_ON_IP"), "not an IP address")
);
case!(
    broadcast_unspecified,
    dsql_es(),
    set = [("TEMPORAL_BROADCAST_ADDRESS", "0.0.0.0")],
    unset = [],
    expect = (Some("TEMPORAL_BROADCAST_ADDRESS"), "concrete address")
);
case!(
    duplicate_ports,
    dsql_es(),
    set = [("HISTORY_GRPC_PORT", "7233")],
    unset = [],
    expect = (Some("HISTORY_GRPC_PORT"), "also used by FRONTEND_GRPC_PORT")
);
case!(
    prometheus_not_host_port,
    dsql_es(),
    set = [("PROMETHEUS_ENDPOINT", "9090")],
    unset = [],
    expect = (Some("PROMETHEUS_ENDPOINT"), "host:port")
);
case!(
    public_frontend_not_host_port,
    dsql_es(),
    set = [("PUBLIC_FRONTEND_ADDRESS", "temporal-frontend")],
    unset = [],
    expect = (Some("PUBLIC_FRONTEND_ADDRESS"), "host:port")
);
case!(
    template_does_not_fit_plugin,
    dsql_es(),
    set = [],
    unset = [],
    template = Some("postgres-elasticsearch"),
    expect = (None, "does not fit TEMPORAL_SQL_PLUGIN_NAME=dsql")
);
case!(
    template_forces_missing_store,
    dsql_es(),
    set = [],
    unset = [],
    template = Some("dsql-opensearch"),
    expect = (Some("TEMPORAL_OPENSEARCH_ENDPOINT"), "is not set")
);

#[test]
fn opensearch_signing_needs_a_region() {
    let mut env = dsql_os();
    env.remove("AWS_REGION");
    env.insert("TEMPORAL_SQL_IAM_AUTH".into(), "true".into());
    let p = problems(&env, None);
    // Both the SQL tokens and the signing need the region; both are named.
    assert!(p.mentions("TEMPORAL_SQL_AWS_REGION"), "{p}");
    assert!(p.mentions("TEMPORAL_OPENSEARCH_AWS_REGION"), "{p}");
    assert_eq!(p.len(), 2, "{p}");
}

#[test]
fn password_file_empty() {
    let f = secret_file("\n");
    let mut env = postgres12_es();
    env.insert("TEMPORAL_SQL_PASSWORD_FILE".into(), f.path().display().to_string());
    let p = problems(&env, None);
    assert_eq!(p.len(), 1, "{p}");
    assert!(p.0[0].message.contains("is empty"), "{p}");
}

#[test]
fn password_file_with_two_lines() {
    let f = secret_file("one\ntwo\n");
    let mut env = postgres12_es();
    env.insert("TEMPORAL_SQL_PASSWORD_FILE".into(), f.path().display().to_string());
    let p = problems(&env, None);
    assert_eq!(p.len(), 1, "{p}");
    assert!(p.0[0].message.contains("more than one line"), "{p}");
}

#[test]
fn every_problem_reported_in_one_run() {
    let mut env = postgres12_es();
    let broken = [
        ("TEMPORAL_SQL_PORT", "70000"),
        ("TEMPORAL_SQL_MAX_CONNS", "many"),
        ("TEMPORAL_SQL_MAX_CONN_LIFETIME", "forever"),
        ("TEMPORAL_SQL_CONNECTION_TIMEOUT", "5"),
        ("TEMPORAL_SQL_TLS_ENABLE_HOST_VERIFICATION", "sure"),
        ("TEMPORAL_SQL_PASSWORD_FILE", "/nonexistent/password"),
        ("TEMPORAL_ELASTICSEARCH_VERSION", "v6"),
        ("TEMPORAL_ELASTICSEARCH_SCHEME", "gopher"),
        ("TEMPORAL_HISTORY_SHARDS", "0"),
        ("TEMPORAL_LOG_LEVEL", "loud"),
        ("BIND_ON_IP", "everywhere"),
        ("WORKER_MEMBERSHIP_PORT", "6933"),
        ("PROMETHEUS_ENDPOINT", ":"),
    ];
    for (k, v) in broken {
        env.insert(k.into(), v.into());
    }
    env.remove("TEMPORAL_SQL_HOST");
    let p = problems(&env, None);
    for (k, _) in broken {
        assert!(p.mentions(k), "{k} not reported in:\n{p}");
    }
    assert!(p.mentions("TEMPORAL_SQL_HOST"), "{p}");
    assert_eq!(p.len(), broken.len() + 1, "one problem per broken variable:\n{p}");
    let shown = p.to_string();
    assert!(shown.starts_with(&format!("{} problems", broken.len() + 1)), "{shown}");
}
