//! `entrypoint::prepare`: addresses and exports, without exec.

mod common;

use std::path::PathBuf;

fn export<'a>(p: &'a render::entrypoint::Prepared, name: &str) -> Option<&'a str> {
    p.exports.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[test]
fn explicit_addresses_are_kept_and_region_is_exported() {
    let mut env = common::dsql_es();
    env.insert("TEMPORAL_PERSISTENCE_CONFIG".into(), "/tmp/x/docker.yaml".into());
    let p = render::entrypoint::prepare(&env, None, None).unwrap();
    assert_eq!(p.output, PathBuf::from("/tmp/x/docker.yaml"));
    assert_eq!(export(&p, "BIND_ON_IP"), Some("0.0.0.0"));
    assert_eq!(export(&p, "TEMPORAL_BROADCAST_ADDRESS"), None, "already set: nothing to resolve");
    assert_eq!(export(&p, "AWS_REGION"), Some("eu-west-1"));
    assert!(p.rendered.text.contains("broadcastAddress: 172.18.0.5"));
}

#[test]
fn output_flag_wins_and_aws_region_is_left_alone_when_set() {
    let mut env = common::dsql_os();
    env.insert("BIND_ON_IP".into(), "10.0.0.7".into());
    let p = render::entrypoint::prepare(&env, None, Some("/elsewhere.yaml".into())).unwrap();
    assert_eq!(p.output, PathBuf::from("/elsewhere.yaml"));
    assert_eq!(export(&p, "AWS_REGION"), None);
    assert!(p.rendered.text.contains("bindOnIP: 10.0.0.7"));
    // Not a wildcard: no broadcast address is invented.
    assert!(p.rendered.text.contains("broadcastAddress: ''"));
}

#[test]
fn default_output_is_temporals_docker_yaml() {
    let mut env = common::dsql_es();
    env.remove("TEMPORAL_PERSISTENCE_CONFIG");
    let p = render::entrypoint::prepare(&env, None, None).unwrap();
    assert_eq!(p.output, PathBuf::from(render::entrypoint::DEFAULT_OUTPUT));
}

#[test]
fn address_and_variable_problems_come_together() {
    let mut env = common::dsql_es();
    env.insert("BIND_ON_IP".into(), "not-an-ip".into());
    env.insert("TEMPORAL_SQL_PORT".into(), "x".into());
    let err = render::entrypoint::prepare(&env, None, None).unwrap_err();
    let p = err.problems().expect("validation problems");
    assert!(p.mentions("BIND_ON_IP") && p.mentions("TEMPORAL_SQL_PORT"), "{p}");
}
