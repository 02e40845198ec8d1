//! Bad input to `dsql-deploy schema`: each gets a one-line error saying what
//! is wrong and how to fix it, and a non-zero exit. Schema trees are checked
//! before any connection is made, so most cases need no server: the port
//! given is one nothing listens on, which proves nothing was contacted.

use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

/// Runs `dsql-deploy schema <args>` against a closed port; returns (exit code, stderr).
fn run(args: &[&str]) -> (i32, String) {
    let cwd = TempDir::new().unwrap();
    let out = Command::cargo_bin("dsql-deploy")
        .unwrap()
        .env_remove("SQL_HOST")
        .env_remove("SQL_DATABASE")
        .current_dir(cwd.path())
        .args(["schema", "--ep", "127.0.0.1", "-p", "1", "--sslmode", "disable"])
        .args(args)
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn one_line_error(args: &[&str], needles: &[&str]) {
    let (code, err) = run(args);
    assert_ne!(code, 0, "{args:?} succeeded");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(lines.len(), 1, "{args:?}: expected one error line, got:\n{err}");
    for needle in needles {
        assert!(lines[0].contains(needle), "{args:?}: {needle:?} not in {:?}", lines[0]);
    }
}

fn version_dir(root: &Path, name: &str, manifest: &str, files: &[(&str, &str)]) {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    if !manifest.is_empty() {
        std::fs::write(dir.join("manifest.json"), manifest).unwrap();
    }
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
}

fn manifest(curr: &str, min: &str) -> String {
    format!(
        r#"{{"CurrVersion":"{curr}","MinCompatibleVersion":"{min}","Description":"d","SchemaUpdateCqlFiles":["a.sql"]}}"#
    )
}

fn update(dir: &TempDir, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["update-schema".to_string(), "-d".to_string(), dir.path().display().to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn refs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[test]
fn a_dir_without_version_directories() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("schema.sql"), "CREATE TABLE t (a int);").unwrap();
    one_line_error(&refs(&update(&dir, &[])), &["no version directories", "versioned"]);
}

#[test]
fn a_version_directory_without_manifest() {
    let dir = TempDir::new().unwrap();
    version_dir(dir.path(), "v1.0", "", &[("a.sql", "CREATE TABLE t (a int);")]);
    one_line_error(&refs(&update(&dir, &[])), &["v1.0", "no manifest.json"]);
}

#[test]
fn a_malformed_manifest() {
    let dir = TempDir::new().unwrap();
    version_dir(dir.path(), "v1.0", "{\"CurrVersion\": \"1.0\",", &[("a.sql", "CREATE TABLE t (a int);")]);
    one_line_error(&refs(&update(&dir, &[])), &["manifest.json", "malformed manifest"]);
}

#[test]
fn a_manifest_whose_versions_go_backwards() {
    let dir = TempDir::new().unwrap();
    version_dir(dir.path(), "v1.0", &manifest("1.0", "1.5"), &[("a.sql", "CREATE TABLE t (a int);")]);
    one_line_error(&refs(&update(&dir, &[])), &["MinCompatibleVersion 1.5 is newer than CurrVersion 1.0"]);
}

#[test]
fn a_manifest_that_does_not_match_its_directory() {
    let dir = TempDir::new().unwrap();
    version_dir(dir.path(), "v1.2", &manifest("1.1", "1.0"), &[("a.sql", "CREATE TABLE t (a int);")]);
    one_line_error(&refs(&update(&dir, &[])), &["does not match the directory name v1.2"]);
}

#[test]
fn two_ddl_statements_in_one_statement() {
    let dir = TempDir::new().unwrap();
    let sql =
        "-- a comment; with a semicolon\nCREATE TABLE t (a text DEFAULT 'x;y')\nCREATE INDEX ASYNC t_a ON t (a);\n";
    version_dir(dir.path(), "v1.0", &manifest("1.0", "1.0"), &[("a.sql", sql)]);
    one_line_error(&refs(&update(&dir, &[])), &["a.sql:2:1", "two statements in one", "3:1"]);
}

#[test]
fn a_target_version_that_does_not_exist() {
    let dir = TempDir::new().unwrap();
    version_dir(dir.path(), "v1.0", &manifest("1.0", "1.0"), &[("a.sql", "CREATE TABLE t (a int);")]);
    one_line_error(&refs(&update(&dir, &["-v", "1.7"])), &["target version 1.7 does not exist", "available: 1.0"]);
}

#[test]
fn an_unknown_embedded_schema() {
    one_line_error(&["update-schema", "-s", "mysql/v8/temporal"], &["mysql/v8/temporal", "dsql/v12/temporal"]);
}

#[test]
fn a_version_that_is_not_a_number() {
    one_line_error(&["setup-schema", "-v", "one"], &["invalid --version", "one"]);
}

#[test]
fn setup_without_versioning_and_without_a_schema() {
    one_line_error(&["setup-schema", "-d"], &["needs a schema to run", "-f FILE or -s NAME"]);
}

#[test]
fn drop_without_force_in_a_non_interactive_shell() {
    one_line_error(&["drop-database"], &["without confirmation", "-f/--force"]);
}

#[test]
fn a_missing_endpoint() {
    let cwd = TempDir::new().unwrap();
    let out = Command::cargo_bin("dsql-deploy")
        .unwrap()
        .env_remove("SQL_HOST")
        .current_dir(cwd.path())
        .args(["schema", "version"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no endpoint") && err.contains("--ep") && err.contains("SQL_HOST"), "{err}");
}

#[test]
fn a_wrong_password_is_named_as_such() {
    let pg = testkit::TestPostgres::start_with_password("right-password");
    let (code, err) = {
        let cwd = TempDir::new().unwrap();
        let out = Command::cargo_bin("dsql-deploy")
            .unwrap()
            .current_dir(cwd.path())
            .args(["schema", "--ep", "127.0.0.1", "-p", &pg.port.to_string(), "--sslmode", "disable"])
            .args(["-u", "postgres", "--pw", "wrong-password", "version"])
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    assert_eq!(code, Some(1));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("wrong password for user postgres"), "{err}");
}

#[test]
fn an_unreachable_server() {
    one_line_error(&["version"], &["cannot connect to 127.0.0.1:1", "connection refused"]);
}

#[test]
fn client_certificates_are_refused_with_the_alternative() {
    one_line_error(&["--tls-cert-file", "c.pem", "version"], &["not supported", "--iam"]);
}

#[test]
fn unknown_flags_and_commands_are_usage_errors() {
    assert_eq!(run(&["setup-schema", "--no-such-flag"]).0, 2);
    assert_eq!(run(&["frobnicate"]).0, 2);
    // temporal-sql-tool requires -v or -d for setup-schema.
    assert_eq!(run(&["setup-schema"]).0, 2);
}
