//! `dsql-deploy schema` in DSQL mode, through the local DSQL emulator with
//! IAM-token auth and verify-full TLS: Temporal's database becomes a schema,
//! `CREATE INDEX ASYNC` runs as jobs listed in `sys.jobs`, reruns are no-ops
//! and drop removes the schema.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// A running emulator, stopped (by its own `stop`, which stops by PID) on drop.
struct Emulator {
    data: PathBuf,
    port: u16,
    _dir: TempDir,
}

impl Emulator {
    fn start() -> Emulator {
        // Under /tmp: the emulator's PostgreSQL runs as an unprivileged user
        // that must be able to traverse the data directory's ancestors.
        let dir = tempfile::Builder::new().prefix("schema-emu").tempdir_in("/tmp").unwrap();
        let data = dir.path().join("data");
        let out = Command::cargo_bin("dsql-deploy")
            .unwrap()
            .current_dir(dir.path())
            .args(["--output", "json", "emulator", "start", "--port", "0", "--data-dir"])
            .arg(&data)
            .output()
            .unwrap();
        assert!(out.status.success(), "emulator start: {}", String::from_utf8_lossy(&out.stderr));
        let port = port_of(&data);
        Emulator { data, port, _dir: dir }
    }

    fn schema(&self, args: &[&str]) -> std::process::Output {
        Command::cargo_bin("dsql-deploy")
            .unwrap()
            .current_dir(self.data.parent().unwrap())
            .env("AWS_ACCESS_KEY_ID", "AKIAEMULATOR00000000")
            .env("AWS_SECRET_ACCESS_KEY", "emulator-secret-access-key-not-for-aws")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env_remove("SQL_HOST")
            .env_remove("SQL_DATABASE")
            .args(["schema", "--ep", "localhost", "-p", &self.port.to_string(), "--iam", "--region", "us-east-1"])
            .arg("--tls-ca-file")
            .arg(self.data.join("ca.pem"))
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.schema(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = Command::cargo_bin("dsql-deploy")
            .unwrap()
            .args(["emulator", "stop", "--data-dir"])
            .arg(&self.data)
            .output();
    }
}

/// The port from `emulator env` (`export DSQL_PORT='…'`).
fn port_of(data: &Path) -> u16 {
    let out =
        Command::cargo_bin("dsql-deploy").unwrap().args(["emulator", "env", "--data-dir"]).arg(data).output().unwrap();
    let env = String::from_utf8_lossy(&out.stdout).into_owned();
    env.lines()
        .find_map(|l| l.strip_prefix("export DSQL_PORT='")?.strip_suffix('\'')?.parse().ok())
        .unwrap_or_else(|| panic!("no DSQL_PORT in emulator env output:\n{env}"))
}

#[test]
fn the_temporal_schema_installs_on_dsql_as_a_schema_with_async_indexes() {
    let emu = Emulator::start();
    assert!(emu.ok(&["create-database"]).contains("created schema temporal (DSQL)"));
    emu.ok(&["setup-schema", "-v", "0"]);
    let out = emu.schema(&["update-schema", "-s", "dsql/v12/temporal"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("to 1.19"));
    // Every index statement ran as ASYNC on DSQL (PostgreSQL mode strips it).
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(log.matches("INDEX ASYNC").count(), 7, "{log}");
    assert_eq!(emu.ok(&["version"]).trim(), "1.19");

    // Reruns change nothing; a second Temporal database is a second schema.
    assert!(emu.ok(&["create-database"]).contains("already exists: schema temporal"));
    assert!(emu.ok(&["update-schema", "-s", "dsql/v12/temporal"]).contains("up to date at version 1.19"));
    emu.ok(&["--db", "temporal2", "create-database"]);
    emu.ok(&["--db", "temporal2", "setup-schema", "-v", "1.19", "-s", "dsql/v12/temporal"]);
    assert_eq!(emu.ok(&["--db", "temporal2", "version"]).trim(), "1.19");
    // Running the full file again is safe: existing indexes either come back
    // with a job (the emulator makes one) or none (then the tool looks for
    // an unfinished build), both end with the index in place.
    let again = emu.schema(&["--db", "temporal2", "setup-schema", "-v", "1.19", "-s", "dsql/v12/temporal"]);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(String::from_utf8_lossy(&again.stderr).matches("INDEX ASYNC IF NOT EXISTS").count(), 7);

    assert!(emu.ok(&["drop-database", "-f"]).contains("dropped schema temporal and its 39 tables (DSQL)"));
    let out = emu.schema(&["version"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("schema \"temporal\" does not exist"));
    assert_eq!(emu.ok(&["--db", "temporal2", "version"]).trim(), "1.19", "the other schema is untouched");
}
