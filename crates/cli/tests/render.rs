//! `dsql-deploy render` at the binary level: help lists every variable,
//! `--check` masks secrets and writes nothing, failures write nothing and
//! leave an existing file alone, writes are 0640 and idempotent.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use assert_cmd::Command;

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("sql-password"), "s3cr3t: #'\"pw\n").unwrap();
        std::fs::set_permissions(dir.path().join("sql-password"), std::fs::Permissions::from_mode(0o600)).unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    /// Stock Temporal through the gateway, Elasticsearch.
    fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("dsql-deploy").unwrap();
        cmd.env_clear()
            .current_dir(self.dir.path())
            .env("TEMPORAL_SQL_PLUGIN_NAME", "postgres12")
            .env("TEMPORAL_SQL_HOST", "gateway")
            .env("TEMPORAL_SQL_TLS_ENABLED", "false")
            .env("TEMPORAL_SQL_PASSWORD_FILE", self.path("sql-password"))
            .env("TEMPORAL_ELASTICSEARCH_HOST", "elasticsearch")
            .arg("render");
        cmd
    }
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn help_lists_every_variable_with_default() {
    let out = Command::cargo_bin("dsql-deploy").unwrap().args(["render", "--help"]).output().unwrap();
    assert!(out.status.success());
    // clap wraps long lines; compare with whitespace runs collapsed.
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let help = squash(&stdout(&out));
    for v in render::vars::VARIABLES {
        assert!(help.contains(v.name), "render --help does not list {}", v.name);
        let default = squash(&format!("[default: {}]", v.default));
        assert!(help.contains(&default), "render --help lacks the default of {}: {default}", v.name);
        assert!(help.contains(&squash(v.meaning)), "render --help lacks the meaning of {}", v.name);
    }
}

#[test]
fn check_masks_secrets_and_writes_nothing() {
    let f = Fixture::new();
    let out = f.cmd().args(["--check", "--out", "config.yaml"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = stdout(&out);
    assert!(shown.contains("pluginName: postgres12"), "{shown}");
    assert!(shown.lines().any(|l| l.trim_start().starts_with("password:") && l.contains(render::MASK)), "{shown}");
    assert!(!shown.contains("s3cr3t"), "secret leaked:\n{shown}");
    assert!(!f.path("config.yaml").exists(), "--check wrote a file");
}

#[test]
fn writes_0640_then_is_a_noop_then_needs_force_for_changes() {
    let f = Fixture::new();
    let out = f.cmd().args(["--out", "config.yaml"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_to_string(f.path("config.yaml")).unwrap();
    // The exact YAML round trip is tested in the render crate; here: the real secret is in the file.
    assert!(written.contains("s3cr3t") && written.contains("pluginName: postgres12"), "{written}");
    assert_eq!(std::fs::metadata(f.path("config.yaml")).unwrap().permissions().mode() & 0o777, 0o640);

    let again = f.cmd().args(["--out", "config.yaml"]).output().unwrap();
    assert!(again.status.success());
    assert!(stderr(&again).contains("unchanged"), "{}", stderr(&again));

    let changed = f.cmd().env("TEMPORAL_HISTORY_SHARDS", "16").args(["--out", "config.yaml"]).output().unwrap();
    assert!(!changed.status.success());
    assert!(stderr(&changed).contains("--force"), "{}", stderr(&changed));
    assert_eq!(std::fs::read_to_string(f.path("config.yaml")).unwrap(), written);

    let forced =
        f.cmd().env("TEMPORAL_HISTORY_SHARDS", "16").args(["--out", "config.yaml", "--force"]).output().unwrap();
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(std::fs::read_to_string(f.path("config.yaml")).unwrap().contains("numHistoryShards: 16"));
}

#[test]
fn failure_lists_every_problem_and_leaves_the_old_file_untouched() {
    let f = Fixture::new();
    std::fs::write(f.path("config.yaml"), "previous: config\n").unwrap();
    let out = f
        .cmd()
        .env_remove("TEMPORAL_SQL_HOST")
        .env("TEMPORAL_SQL_PORT", "99999")
        .env("TEMPORAL_SQL_MAX_CONN_LIFETIME", "an hour")
        .args(["--out", "config.yaml", "--force"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for var in ["TEMPORAL_SQL_HOST", "TEMPORAL_SQL_PORT", "TEMPORAL_SQL_MAX_CONN_LIFETIME"] {
        assert!(err.contains(var), "{var} not reported:\n{err}");
    }
    assert!(err.contains("3 problems"), "{err}");
    assert_eq!(std::fs::read_to_string(f.path("config.yaml")).unwrap(), "previous: config\n");
    let entries: Vec<_> = std::fs::read_dir(f.dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries.len(), 2, "nothing else written: {entries:?}");
}

#[test]
fn nothing_written_when_validation_fails_and_no_file_existed() {
    let f = Fixture::new();
    let out = f.cmd().env("TEMPORAL_SQL_PLUGIN_NAME", "mysql").args(["--out", "new/config.yaml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("TEMPORAL_SQL_PLUGIN_NAME"), "{}", stderr(&out));
    assert!(!Path::new(&f.path("new")).exists(), "created a directory or file despite the failure");
}

#[test]
fn output_dash_prints_and_template_flag_is_checked() {
    let f = Fixture::new();
    let out = f.cmd().args(["--out", "-"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("s3cr3t"), "stdout carries the real config");

    let bad = f.cmd().args(["--template", "nope", "--check"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("dsql-elasticsearch"), "lists the embedded names: {}", stderr(&bad));

    let file = f.path("mine.yaml");
    std::fs::write(&file, "log:\n  level: ${NO_SUCH_VALUE}\n").unwrap();
    let unknown = f.cmd().args(["--check", "--template"]).arg(&file).output().unwrap();
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("unknown placeholder ${NO_SUCH_VALUE}"), "{}", stderr(&unknown));

    let mismatch = f.cmd().args(["--check", "--template", "dsql-elasticsearch"]).output().unwrap();
    assert_eq!(mismatch.status.code(), Some(1));
    assert!(stderr(&mismatch).contains("postgres-elasticsearch"), "{}", stderr(&mismatch));
}
