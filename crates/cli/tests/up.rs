//! End to end, as a new user runs it, in a temporary HOME, workdir and
//! emulator data dir: `up` → `status` all green → a real client (psql with an
//! IAM token) sees Temporal's tables and the newest version → `verify` all OK
//! → `up` again (no-op) → `down` → `up` (data kept) → `down --purge -f`.
//! Plus the bad inputs `up` must explain.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;

struct Sandbox {
    dir: tempfile::TempDir,
    port: u16,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::Builder::new().prefix("dsql-deploy-up-").tempdir().unwrap();
        // The emulator's PostgreSQL runs as an unprivileged user when we are root.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        Sandbox { dir, port: pgcluster::free_port().unwrap() }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let emulator = dsql_deploy_config::EmulatorConfig::default();
        let mut cmd = Command::cargo_bin("dsql-deploy").unwrap();
        cmd.current_dir(self.dir.path())
            .env("HOME", self.path("home"))
            .env("DSQL_DEPLOY_EMULATOR_DATA_DIR", self.path("emulator"))
            .env("DSQL_DEPLOY_EMULATOR_PORT", self.port.to_string())
            .env_remove("DSQL_DEPLOY_CONFIG")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            // `dsql-deploy token` signs with the standard chain: the emulator's test keys.
            .env("AWS_ACCESS_KEY_ID", &emulator.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &emulator.secret_access_key)
            .args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?} failed:\n{}\n{}", text(&out.stdout), text(&out.stderr));
        text(&out.stdout)
    }

    /// psql against the emulator with a freshly minted token, as the README shows.
    fn psql(&self, sql: &str) -> String {
        let token = self.ok(&["token", "--endpoint", "localhost", "--region", "us-east-1", "--admin"]);
        let out = std::process::Command::new("psql")
            .env("PGPASSWORD", token.trim())
            .env("PGSSLMODE", "verify-full")
            .env("PGSSLROOTCERT", self.path("emulator/ca.pem"))
            .args(["-h", "localhost", "-p", &self.port.to_string(), "-U", "admin", "-d", "postgres", "-Atc", sql])
            .output()
            .unwrap();
        assert!(out.status.success(), "psql: {}", text(&out.stderr));
        text(&out.stdout).trim().to_string()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Never leave an emulator behind, whatever the test did.
        let _ = self.run(&["down"]);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn up_status_verify_rerun_down_up_purge() {
    let sb = Sandbox::new();
    let out = sb.ok(&["up"]);
    assert!(out.contains("schema `temporal` at version"), "{out}");
    for file in [
        ".dsql-deploy/temporal/config/docker.yaml",
        ".dsql-deploy/.env",
        ".dsql-deploy/compose.override.yaml",
        ".dsql-deploy/up.json",
    ] {
        assert!(sb.path(file).is_file(), "{file} not written");
    }
    let config = std::fs::read_to_string(sb.path(".dsql-deploy/temporal/config/docker.yaml")).unwrap();
    assert!(config.contains("pluginName: dsql"), "{config}");
    assert!(config.contains(&format!("localhost:{}", sb.port)), "{config}");

    let status = sb.ok(&["status", "--output", "json"]);
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    for c in status["components"].as_array().unwrap() {
        assert_eq!(c["state"], "ok", "{c}");
    }

    // A real client with a real token sees the schema.
    let tables = sb.psql(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'temporal' \
         AND table_name NOT IN ('schema_version', 'schema_update_history')",
    );
    assert_eq!(tables, "37");
    let version = sb.psql("SELECT curr_version FROM temporal.schema_version");
    let newest = newest_version();
    assert_eq!(version, newest);

    let out = sb.ok(&["verify"]);
    assert!(out.contains("0 failed"), "{out}");
    // The same checks under their doctor name, and doctor's connection steps on the up target.
    let out = sb.ok(&["doctor", "persistence"]);
    assert!(out.contains("0 failed"), "{out}");
    let out = sb.ok(&["doctor"]);
    assert!(out.contains("all steps passed"), "{out}");

    // Rerun: nothing to do, nothing rewritten.
    let before = std::fs::metadata(sb.path(".dsql-deploy/.env")).unwrap().modified().unwrap();
    let started = std::time::Instant::now();
    let out = sb.run(&["up"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("nothing to do"), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("unchanged"), "{}", text(&out.stdout));
    assert_eq!(std::fs::metadata(sb.path(".dsql-deploy/.env")).unwrap().modified().unwrap(), before);
    // Not a benchmark (scripts/bench/up.sh measures it); a hang or a full reinstall would show here.
    assert!(started.elapsed().as_secs() < 30);

    // down keeps the data; up brings it back with the schema in place.
    sb.ok(&["down"]);
    let status = sb.run(&["status"]);
    assert!(!status.status.success());
    assert!(text(&status.stdout).contains("down"), "{}", text(&status.stdout));
    let out = sb.run(&["up"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("nothing to do"), "data kept across down/up: {}", text(&out.stderr));

    // --purge needs confirmation; without a terminal it refuses unless -f.
    let out = sb.cmd(&["down", "--purge"]).write_stdin("").output().unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("-f"), "{}", text(&out.stderr));
    assert!(sb.path("emulator").exists(), "nothing deleted without confirmation");
    sb.ok(&["down", "--purge", "-f"]);
    assert!(!sb.path("emulator/state.json").exists());
}

fn newest_version() -> String {
    let root = testkit::repo_root().join("schema/dsql/v12/temporal/versioned");
    let mut versions: Vec<(Vec<u32>, String)> = std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().trim_start_matches('v').to_string())
        .map(|v| (v.split('.').map(|p| p.parse().unwrap()).collect(), v))
        .collect();
    versions.sort();
    versions.pop().unwrap().1
}

#[test]
fn verify_and_doctor_without_a_target_say_what_to_do() {
    let sb = Sandbox::new();
    for args in [&["verify"][..], &["doctor"][..]] {
        let out = sb.cmd(args).env_remove("DSQL_ENDPOINT").output().unwrap();
        assert!(!out.status.success());
        let err = text(&out.stderr);
        assert!(err.contains("--endpoint") && err.contains("dsql-deploy up"), "{args:?}: {err}");
    }
}

#[test]
fn unwritable_workdir_is_explained() {
    let sb = Sandbox::new();
    std::fs::write(sb.path("blocker"), "a file where the workdir should be").unwrap();
    let out = sb.run(&["up", "--workdir", "blocker/sub"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("workdir") && err.contains("--workdir"), "{err}");
}

#[test]
fn missing_postgres_binaries_say_how_to_install() {
    let sb = Sandbox::new();
    let empty = sb.path("no-pg-bin");
    std::fs::create_dir(&empty).unwrap();
    let out = sb.cmd(&["up"]).env("PG_BIN", &empty).output().unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("apt-get install postgresql") || err.contains("PG_BIN"), "{err}");
}

#[test]
fn half_finished_up_is_resumed() {
    // A previous run died after the emulator started and before the schema:
    // simulate by starting only the emulator, then run `up`.
    let sb = Sandbox::new();
    sb.ok(&["emulator", "start", "--data-dir", sb.path("emulator").to_str().unwrap(), "--port", &sb.port.to_string()]);
    let out = sb.run(&["up"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("already running") && err.contains("upgraded to"), "{err}");
}
