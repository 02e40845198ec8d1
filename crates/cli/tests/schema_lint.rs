//! `dsql-deploy schema lint`: our own Temporal DSQL schema is clean, a file
//! with statements DSQL refuses gets one `file:line:col: SQLSTATE message
//! (fix: …)` line per statement and exit code 3, and a missing path is an
//! error (exit 1).

use assert_cmd::Command;

fn lint(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("dsql-deploy").unwrap().args(["schema", "lint"]).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_temporal_dsql_schema_has_no_findings() {
    let dir = testkit::repo_root().join("schema/dsql/v12/temporal");
    let (code, stdout, stderr) = lint(&[dir.to_str().unwrap()]);
    assert_eq!(code, 0, "findings in our own schema:\n{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    // schema.sql plus the 8 versioned files were all read.
    assert!(stderr.contains("9 files checked, 0 findings"), "{stderr}");
}

#[test]
fn refused_statements_are_reported_with_position_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.sql");
    std::fs::write(
        &file,
        "CREATE TABLE ok (id UUID PRIMARY KEY);\n\
         CREATE INDEX ok_id ON ok (id);\n\
         \n  TRUNCATE ok;\n",
    )
    .unwrap();
    let (code, stdout, _) = lint(&[file.to_str().unwrap()]);
    assert_eq!(code, 3, "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let path = file.display().to_string();
    assert!(lines[0].starts_with(&format!("{path}:2:1: 0A000 ")), "{}", lines[0]);
    assert!(lines[0].contains("ASYNC") && lines[0].contains("(fix: "), "{}", lines[0]);
    assert!(lines[1].starts_with(&format!("{path}:4:3: 0A000 ")), "{}", lines[1]);
}

#[test]
fn a_missing_path_is_an_error() {
    let (code, _, stderr) = lint(&["/no/such/file.sql"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot read /no/such/file.sql"), "{stderr}");
}
