//! `dsql-deploy token` through the binary: the DSQL-FACTS known-answer
//! vectors with credentials in the environment, and each kind of bad input.

use assert_cmd::Command;
use predicates::prelude::*;

/// The binary with only the given AWS credentials visible (no profile files,
/// no instance metadata), so the standard chain resolves to the environment.
fn token_cmd(akid: &str, secret: &str, session: Option<&str>) -> (Command, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::cargo_bin("dsql-deploy").unwrap();
    for var in
        ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN"]
    {
        cmd.env_remove(var);
    }
    cmd.env("HOME", home.path())
        .env("AWS_CONFIG_FILE", home.path().join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", akid)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .arg("token");
    if let Some(session) = session {
        cmd.env("AWS_SESSION_TOKEN", session);
    }
    (cmd, home)
}

fn signature(stdout: &[u8]) -> String {
    let text = String::from_utf8(stdout.to_vec()).unwrap();
    let token = text.trim();
    token.split('&').find_map(|kv| kv.strip_prefix("X-Amz-Signature=")).unwrap_or_default().to_string()
}

#[test]
fn known_answer_vectors_through_the_binary() {
    let vectors = [
        (
            "test.dsql.us-east-1.on.aws",
            false,
            "access_key",
            "secret_key",
            None,
            "2024-11-07T17:39:33Z",
            "900",
            "e319d85380261f643d78a558f76257f05aacea758a6ccd42a2510e2ae0854a47",
        ),
        (
            "test.dsql.us-east-1.on.aws",
            true,
            "access_key",
            "secret_key",
            None,
            "2024-11-07T17:39:33Z",
            "900",
            "a08adc4c84a490014ce374b90c98ba9ed015b77b451c0d9f9fb3f8ca8c6f9c36",
        ),
        (
            "peccy.dsql.us-east-1.on.aws",
            false,
            "akid",
            "secret",
            Some("token"),
            "2024-08-27T00:00:00Z",
            "450",
            "9fdb9de7ca6822832943d5a4e1b02411d302a2b8204bd7e8193aa4875fbd5a58",
        ),
    ];
    for (host, admin, akid, secret, session, time, expires, expected) in vectors {
        let (mut cmd, _home) = token_cmd(akid, secret, session);
        // No --region: it comes from the endpoint name.
        cmd.args(["--endpoint", host, "--signing-time", time, "--expires-in", expires]);
        if admin {
            cmd.arg("--admin");
        }
        let out = cmd.assert().success().get_output().stdout.clone();
        assert_eq!(signature(&out), expected, "{host} admin={admin}");
        let text = String::from_utf8(out).unwrap();
        let action = if admin { "Action=DbConnectAdmin&" } else { "Action=DbConnect&" };
        assert!(text.starts_with(&format!("{host}/?{action}")), "{text}");
    }
}

#[test]
fn json_output_describes_the_token() {
    let (mut cmd, _home) = token_cmd("access_key", "secret_key", None);
    cmd.args([
        "--output",
        "json",
        "--endpoint",
        "test.dsql.us-east-1.on.aws",
        "--signing-time",
        "2024-11-07T17:39:33Z",
    ]);
    let out = cmd.assert().success().get_output().stdout.clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["region"], "us-east-1");
    assert_eq!(doc["action"], "DbConnect");
    assert_eq!(doc["expires_in"], 900);
    assert_eq!(doc["expires_at"], "2024-11-07T17:54:33Z");
    let token = doc["token"].as_str().unwrap();
    assert!(token.ends_with("X-Amz-Signature=e319d85380261f643d78a558f76257f05aacea758a6ccd42a2510e2ae0854a47"));
}

#[test]
fn explicit_region_is_used_for_other_hosts() {
    let (mut cmd, _home) = token_cmd("access_key", "secret_key", None);
    cmd.args(["--endpoint", "db.internal.example", "--region", "eu-west-1"]);
    cmd.assert()
        .success()
        .stdout(predicate::str::contains("%2Feu-west-1%2Fdsql%2Faws4_request"))
        .stdout(predicate::str::starts_with("db.internal.example/?Action=DbConnect&"));
}

#[test]
fn bad_expiry_is_refused() {
    for bad in ["0", "604801", "-5", "soon"] {
        let (mut cmd, _home) = token_cmd("a", "b", None);
        cmd.args(["--endpoint", "test.dsql.us-east-1.on.aws", "--expires-in", bad]);
        cmd.assert().code(2).stderr(predicate::str::contains("604800")).stdout(predicate::str::is_empty());
    }
}

#[test]
fn missing_credentials_are_reported() {
    let (mut cmd, _home) = token_cmd("unused", "unused", None);
    cmd.env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY");
    // Instance metadata that refuses (as on a host without a role): the SDK
    // reports that provider's failure as a warning of its own.
    let imds = forbidding_http_server();
    cmd.env_remove("AWS_EC2_METADATA_DISABLED").env("AWS_EC2_METADATA_SERVICE_ENDPOINT", format!("http://{imds}"));
    cmd.args(["--endpoint", "test.dsql.us-east-1.on.aws"]);
    cmd.assert()
        .code(1)
        .stderr(predicate::str::contains("no AWS credentials found"))
        .stderr(predicate::str::contains("AWS_ACCESS_KEY_ID"))
        // Said once, not also as the SDK's warning per provider.
        .stderr(predicate::str::contains("provider failed to provide credentials").not())
        .stdout(predicate::str::is_empty());
}

#[test]
fn bad_signing_time_is_refused() {
    let (mut cmd, _home) = token_cmd("a", "b", None);
    cmd.args(["--endpoint", "test.dsql.us-east-1.on.aws", "--signing-time", "yesterday"]);
    cmd.assert().code(2).stderr(predicate::str::contains("not an RFC 3339 time"));
}

#[test]
fn missing_endpoint_is_refused() {
    let (mut cmd, _home) = token_cmd("a", "b", None);
    cmd.assert().code(2).stderr(predicate::str::contains("--endpoint"));
}

#[test]
fn non_dsql_endpoint_without_region_is_refused() {
    let (mut cmd, _home) = token_cmd("a", "b", None);
    cmd.args(["--endpoint", "localhost"]);
    cmd.assert()
        .code(1)
        .stderr(predicate::str::contains("not a DSQL endpoint name"))
        .stderr(predicate::str::contains("--region"))
        .stdout(predicate::str::is_empty());
}

#[test]
fn endpoint_with_scheme_is_refused() {
    let (mut cmd, _home) = token_cmd("a", "b", None);
    cmd.args(["--endpoint", "https://test.dsql.us-east-1.on.aws", "--region", "us-east-1"]);
    cmd.assert().code(1).stderr(predicate::str::contains("no scheme, port or path"));
}

#[test]
fn signing_time_is_hidden_from_short_help_only() {
    let mut short = Command::cargo_bin("dsql-deploy").unwrap();
    short.args(["token", "-h"]).assert().success().stdout(predicate::str::contains("--signing-time").not());
    let mut long = Command::cargo_bin("dsql-deploy").unwrap();
    long.args(["token", "--help"]).assert().success().stdout(predicate::str::contains("--signing-time"));
}

#[test]
fn region_for_other_hosts_falls_back_to_aws_region_but_never_overrides_the_endpoints() {
    let (mut cmd, _home) = token_cmd("access_key", "secret_key", None);
    cmd.env("AWS_REGION", "eu-west-1").args(["--endpoint", "localhost", "--admin"]);
    cmd.assert().success().stdout(predicate::str::contains("%2Feu-west-1%2Fdsql%2Faws4_request"));
    let (mut cmd, _home) = token_cmd("access_key", "secret_key", None);
    cmd.env("AWS_REGION", "eu-west-1").args(["--endpoint", "test.dsql.us-east-1.on.aws"]);
    cmd.assert().success().stdout(predicate::str::contains("%2Fus-east-1%2Fdsql%2Faws4_request"));
}

/// An HTTP server on 127.0.0.1 that answers every request with 403.
fn forbidding_http_server() -> std::net::SocketAddr {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    addr
}
