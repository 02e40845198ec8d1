//! `dsql-deploy doctor` against real servers: a password PostgreSQL without
//! TLS, one with TLS and a test CA, a closed port and a host that does not
//! resolve. Checks each step's status, the hints and the exit code.

#[path = "../../pgconn/tests/support/tls_pg.rs"]
mod tls_pg;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use testkit::TestPostgres;
use tls_pg::TlsPostgres;

fn doctor() -> Command {
    let mut cmd = Command::cargo_bin("dsql-deploy").unwrap();
    for var in ["DSQL_ENDPOINT", "DSQL_PORT", "DSQL_REGION", "DSQL_CA_FILE"] {
        cmd.env_remove(var);
    }
    cmd.arg("doctor");
    cmd
}

/// Runs doctor with `--output json`; returns the exit code and the report.
fn doctor_json(args: &[&str], env: &[(&str, &str)]) -> (i32, Value) {
    let mut cmd = doctor();
    cmd.args(["--output", "json", "--timeout", "3"]).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    (out.status.code().unwrap(), report)
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["step"].as_str().unwrap().to_string(), s["status"].as_str().unwrap().to_string()))
        .collect()
}

fn step<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["steps"].as_array().unwrap().iter().find(|s| s["step"] == name).unwrap()
}

fn expect(report: &Value, expected: &[(&str, &str)]) {
    let got = statuses(report);
    let want: Vec<(String, String)> = expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(got, want, "{report:#}");
}

#[test]
fn password_server_without_tls_passes_every_step() {
    let pg = TestPostgres::start_with_password("doc-pw");
    let port = pg.port.to_string();
    let args = [
        "--endpoint",
        "127.0.0.1",
        "--port",
        &port,
        "--user",
        "postgres",
        "--sslmode",
        "disable",
        "--password-env",
        "DOC_PW",
    ];
    let (code, report) = doctor_json(&args, &[("DOC_PW", "doc-pw")]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["ok"], true);
    expect(
        &report,
        &[
            ("dns", "OK"),
            ("tcp", "OK"),
            ("tls", "SKIP"),
            ("token", "SKIP"),
            ("login", "OK"),
            ("query", "OK"),
            ("latency", "OK"),
        ],
    );
    assert!(step(&report, "latency")["detail"].as_str().unwrap().contains("p50"));
    assert!(step(&report, "login")["detail"].as_str().unwrap().contains("server_version 15"));

    // Text output: one line per step, OK markers, exit 0.
    let mut cmd = doctor();
    cmd.args(args).env("DOC_PW", "doc-pw");
    cmd.assert()
        .success()
        .stdout(predicate::str::contains("login    OK"))
        .stdout(predicate::str::contains("all steps passed"))
        .stdout(predicate::str::contains("doc-pw").not());
}

#[test]
fn wrong_password_fails_login_and_skips_the_rest() {
    let pg = TestPostgres::start_with_password("right");
    let port = pg.port.to_string();
    let args = [
        "--endpoint",
        "127.0.0.1",
        "--port",
        &port,
        "--user",
        "postgres",
        "--sslmode",
        "disable",
        "--password-env",
        "DOC_PW",
    ];
    let (code, report) = doctor_json(&args, &[("DOC_PW", "wrong")]);
    assert_eq!(code, 1);
    expect(
        &report,
        &[
            ("dns", "OK"),
            ("tcp", "OK"),
            ("tls", "SKIP"),
            ("token", "SKIP"),
            ("login", "FAIL"),
            ("query", "SKIP"),
            ("latency", "SKIP"),
        ],
    );
    let login = step(&report, "login");
    assert!(login["detail"].as_str().unwrap().contains("wrong password"), "{login}");
    assert!(login["hint"].as_str().unwrap().contains("password"), "{login}");
}

#[test]
fn tls_server_verified_with_its_ca_and_refused_on_name_mismatch() {
    let pg = TlsPostgres::start("tls-pw");
    let port = pg.port.to_string();
    let ca = pg.ca_file.display().to_string();
    let env = [("DOC_PW", pg.password.as_str())];
    let base = ["--port", &port, "--user", "postgres", "--password-env", "DOC_PW", "--ca-file", &ca];

    let (code, report) = doctor_json(&[&["--endpoint", "localhost"], &base[..]].concat(), &env);
    assert_eq!(code, 0, "{report:#}");
    let tls = step(&report, "tls")["detail"].as_str().unwrap().to_string();
    assert!(tls.contains("chain and host name verified"), "{tls}");
    assert!(tls.contains("names: localhost"), "{tls}");

    let (code, report) = doctor_json(&[&["--endpoint", "127.0.0.1"], &base[..]].concat(), &env);
    assert_eq!(code, 1);
    expect(
        &report,
        &[
            ("dns", "OK"),
            ("tcp", "OK"),
            ("tls", "FAIL"),
            ("token", "SKIP"),
            ("login", "SKIP"),
            ("query", "SKIP"),
            ("latency", "SKIP"),
        ],
    );
    let tls = step(&report, "tls");
    assert!(tls["detail"].as_str().unwrap().contains("not valid for host name 127.0.0.1"), "{tls}");
    assert!(tls["hint"].as_str().unwrap().contains("verify-ca"), "{tls}");

    // Wrong CA: the hint points at --ca-file.
    let wrong = pg.wrong_ca_file.display().to_string();
    let args = [
        "--endpoint",
        "localhost",
        "--port",
        &port,
        "--user",
        "postgres",
        "--password-env",
        "DOC_PW",
        "--ca-file",
        &wrong,
    ];
    let (code, report) = doctor_json(&args, &env);
    assert_eq!(code, 1);
    assert_eq!(step(&report, "tls")["status"], "FAIL");
    assert!(step(&report, "tls")["hint"].as_str().unwrap().contains("--ca-file"));
}

#[test]
fn iam_token_step_shows_the_masked_key_and_login_reports_the_refusal() {
    let pg = TlsPostgres::start("tls-pw");
    let port = pg.port.to_string();
    let ca = pg.ca_file.display().to_string();
    let home = tempfile::tempdir().unwrap();
    let home_str = home.path().display().to_string();
    let env = [
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("HOME", home_str.as_str()),
    ];
    let args = [
        "--endpoint",
        "localhost",
        "--port",
        &port,
        "--user",
        "postgres",
        "--iam",
        "--region",
        "us-east-1",
        "--ca-file",
        &ca,
    ];
    let (code, report) = doctor_json(&args, &env);
    assert_eq!(code, 1);
    expect(
        &report,
        &[
            ("dns", "OK"),
            ("tcp", "OK"),
            ("tls", "OK"),
            ("token", "OK"),
            ("login", "FAIL"),
            ("query", "SKIP"),
            ("latency", "SKIP"),
        ],
    );
    // The same from the variables `dsql-deploy emulator env` exports.
    let mut from_env = env.to_vec();
    from_env.extend([("DSQL_ENDPOINT", "localhost"), ("DSQL_PORT", &port), ("DSQL_REGION", "us-east-1")]);
    from_env.push(("DSQL_CA_FILE", &ca));
    let (_, via_env) = doctor_json(&["--user", "postgres", "--iam"], &from_env);
    assert_eq!(statuses(&via_env), statuses(&report));
    let token = step(&report, "token")["detail"].as_str().unwrap().to_string();
    assert!(token.contains("AKIA…MPLE"), "{token}");
    assert!(!token.contains("AKIAIOSFODNN7EXAMPLE"), "{token}");
    let login = step(&report, "login")["detail"].as_str().unwrap().to_string();
    assert!(login.contains("refused the IAM auth token"), "{login}");
    let hint = step(&report, "login")["hint"].as_str().unwrap_or_default();
    assert!(hint.contains("host name, region and role") && hint.contains("emulator.log"), "{hint}");
}

#[test]
fn closed_port_fails_tcp_with_a_hint() {
    let port = pgcluster::free_port().unwrap().to_string();
    let mut cmd = doctor();
    cmd.args(["--endpoint", "127.0.0.1", "--port", &port, "--sslmode", "disable"]);
    cmd.assert()
        .code(1)
        .stdout(predicate::str::is_match(r"TCP\s+FAIL.*connection refused").unwrap())
        .stdout(predicate::str::contains("hint: nothing accepts connections on port"))
        .stdout(predicate::str::is_match(r"TLS\s+SKIP\s+not run").unwrap())
        .stdout(predicate::str::is_match(r"latency\s+SKIP").unwrap());
}

#[test]
fn unresolvable_host_fails_dns() {
    let (code, report) = doctor_json(&["--endpoint", "no-such-host.invalid", "--sslmode", "disable"], &[]);
    assert_eq!(code, 1);
    assert_eq!(step(&report, "dns")["status"], "FAIL");
    assert!(step(&report, "dns")["hint"].as_str().unwrap().contains("<cluster-id>.dsql.<region>.on.aws"));
    assert_eq!(step(&report, "tcp")["status"], "SKIP");
}

#[test]
fn bad_input_is_refused_in_one_line() {
    doctor()
        .args(["--endpoint", "localhost", "--password-env", "DOC_UNSET_VAR_XYZ"])
        .env_remove("DOC_UNSET_VAR_XYZ")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("DOC_UNSET_VAR_XYZ is not set"));
    doctor()
        .args(["--endpoint", "localhost", "--sslmode", "prefer"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unencrypted"));
    doctor().args(["--endpoint", "localhost", "--iam"]).assert().code(1).stderr(predicate::str::contains("--region"));
    // No endpoint and no `up` target in this directory: say both ways out.
    let empty = tempfile::tempdir().unwrap();
    doctor()
        .current_dir(empty.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--endpoint").and(predicate::str::contains("dsql-deploy up")));
    doctor().args(["--endpoint", "h", "--iam", "--password-env", "X"]).assert().code(2);
}
