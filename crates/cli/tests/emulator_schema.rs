//! The schema tool through the emulator with IAM tokens and verify-full
//! TLS: the whole Temporal DSQL schema installs, and a PostgreSQL-only
//! schema (BIGSERIAL, plain CREATE INDEX) fails with DSQL's errors.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

struct Emu {
    _root: tempfile::TempDir,
    data: std::path::PathBuf,
    env: String,
}

impl Drop for Emu {
    fn drop(&mut self) {
        let _ = bin().args(["emulator", "stop", "--data-dir"]).arg(&self.data).output();
    }
}

fn bin() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("dsql-deploy"));
    cmd.env("DSQL_DEPLOY_EMULATOR_PORT", "0").env_remove("DSQL_DEPLOY_CONFIG");
    for var in ["SQL_HOST", "SQL_PORT", "SQL_USER", "SQL_PASSWORD", "SQL_DATABASE", "AWS_SESSION_TOKEN", "AWS_PROFILE"]
    {
        cmd.env_remove(var);
    }
    cmd
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn start() -> Emu {
    let root = tempfile::Builder::new().prefix("dsql-emu-schema-").tempdir().unwrap();
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = root.path().join("emu");
    let out = bin().args(["emulator", "start", "--data-dir"]).arg(&data).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = bin().args(["emulator", "env", "--data-dir"]).arg(&data).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    Emu { _root: root, data, env: String::from_utf8_lossy(&out.stdout).into_owned() }
}

impl Emu {
    fn var(&self, name: &str) -> String {
        self.env
            .lines()
            .find_map(|l| l.strip_prefix(&format!("export {name}=")))
            .map(|v| v.trim_matches('\'').to_string())
            .unwrap_or_else(|| panic!("{name} missing"))
    }

    /// `dsql-deploy schema` with IAM auth against the emulator; credentials only in the environment.
    fn schema(&self, args: &[&str]) -> Output {
        bin()
            .env("AWS_ACCESS_KEY_ID", self.var("AWS_ACCESS_KEY_ID"))
            .env("AWS_SECRET_ACCESS_KEY", self.var("AWS_SECRET_ACCESS_KEY"))
            .env("AWS_REGION", self.var("AWS_REGION"))
            .current_dir(std::env::temp_dir())
            .args(["schema", "--ep", &self.var("PGHOST"), "-p", &self.var("PGPORT"), "--iam"])
            .args(["--tls-ca-file", &self.var("PGSSLROOTCERT")])
            .args(args)
            .output()
            .unwrap()
    }

    fn psql(&self, sql: &str) -> String {
        let token = bin()
            .env("AWS_ACCESS_KEY_ID", self.var("AWS_ACCESS_KEY_ID"))
            .env("AWS_SECRET_ACCESS_KEY", self.var("AWS_SECRET_ACCESS_KEY"))
            .args(["token", "--endpoint", &self.var("PGHOST"), "--region", &self.var("AWS_REGION"), "--admin"])
            .output()
            .unwrap();
        let mut psql = Command::new("psql");
        for name in ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSSLMODE", "PGSSLROOTCERT"] {
            psql.env(name, self.var(name));
        }
        let out = psql
            .env("PGPASSWORD", String::from_utf8_lossy(&token.stdout).trim())
            .args(["-XAtc", sql])
            .output()
            .unwrap();
        assert!(out.status.success(), "{sql}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

fn ok(emu: &Emu, args: &[&str]) -> String {
    let out = emu.schema(args);
    assert!(out.status.success(), "{args:?}: {}", text(&out));
    text(&out)
}

#[test]
fn temporal_dsql_schema_installs_through_the_emulator() {
    let emu = start();
    ok(&emu, &["create-database"]);
    ok(&emu, &["setup-schema", "-v", "0"]);
    ok(&emu, &["update-schema", "-s", "dsql/v12/temporal"]);
    let tables = emu.psql("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'temporal'");
    // 37 Temporal tables + schema_version + schema_update_history.
    assert_eq!(
        tables,
        "39",
        "{}",
        emu.psql("SELECT string_agg(table_name, ' ') FROM information_schema.tables WHERE table_schema = 'temporal'")
    );
    let jobs: i64 = emu.psql("SELECT count(*) FROM sys.jobs").parse().unwrap();
    assert!(jobs > 0, "ASYNC indexes are recorded as jobs");
    assert!(ok(&emu, &["update-schema", "-s", "dsql/v12/temporal"]).contains("up to date"));
}

fn write_versioned(dir: &Path, sql: &str) {
    let v = dir.join("versioned/v0.1");
    std::fs::create_dir_all(&v).unwrap();
    std::fs::write(
        v.join("manifest.json"),
        r#"{"CurrVersion":"0.1","MinCompatibleVersion":"0.1","Description":"pg only","SchemaUpdateCqlFiles":["schema.sql"]}"#,
    )
    .unwrap();
    std::fs::write(v.join("schema.sql"), sql).unwrap();
}

#[test]
fn postgresql_only_schema_fails_with_dsqls_errors() {
    let emu = start();
    let dir = tempfile::tempdir().unwrap();

    write_versioned(&dir.path().join("serial"), "CREATE TABLE events (id BIGSERIAL PRIMARY KEY, body TEXT);\n");
    ok(&emu, &["--db", "pgserial", "create-database"]);
    ok(&emu, &["--db", "pgserial", "setup-schema", "-v", "0"]);
    let out =
        emu.schema(&["--db", "pgserial", "update-schema", "-d", dir.path().join("serial/versioned").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out).contains("does not exist") && text(&out).contains("serial"), "{}", text(&out));

    write_versioned(
        &dir.path().join("index"),
        "CREATE TABLE t (id BIGINT PRIMARY KEY, v TEXT);\nCREATE INDEX t_v ON t (v);\n",
    );
    ok(&emu, &["--db", "pgindex", "create-database"]);
    ok(&emu, &["--db", "pgindex", "setup-schema", "-v", "0"]);
    let out =
        emu.schema(&["--db", "pgindex", "update-schema", "-d", dir.path().join("index/versioned").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out).contains("unsupported mode. please use CREATE INDEX ASYNC."), "{}", text(&out));
}
