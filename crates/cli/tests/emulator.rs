//! `dsql-deploy emulator start|status|env|stop` through the binary: a
//! background instance in a temporary data dir, a psql session over
//! verify-full TLS with a token from `dsql-deploy token`, and each kind of
//! bad input (port taken, data dir not writable, PostgreSQL missing, stale
//! state from a crashed run).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn bin() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("dsql-deploy"));
    // Port 0: the emulator picks a free port (tests run side by side).
    cmd.env("DSQL_DEPLOY_EMULATOR_PORT", "0").env_remove("DSQL_DEPLOY_CONFIG");
    cmd
}

fn run(args: &[&str], data_dir: &Path) -> Output {
    bin().args(["emulator"]).args(args).arg("--data-dir").arg(data_dir).output().expect("dsql-deploy runs")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// A temporary directory the unprivileged PostgreSQL user can traverse.
fn temp_root() -> tempfile::TempDir {
    let dir = tempfile::Builder::new().prefix("dsql-emu-cli-").tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// Stops the instance even when an assertion fails.
struct StopOnDrop<'a>(&'a Path);
impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        let _ = run(&["stop"], self.0);
    }
}

fn env_value(env: &str, name: &str) -> String {
    env.lines()
        .find_map(|l| l.strip_prefix(&format!("export {name}=")))
        .map(|v| v.trim_matches('\'').to_string())
        .unwrap_or_else(|| panic!("{name} missing from:\n{env}"))
}

#[test]
fn start_status_env_psql_with_token_and_stop() {
    let root = temp_root();
    let data = root.path().join("emu");
    let _guard = StopOnDrop(&data);
    let out = run(&["start"], &data);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("emulator ready: 127.0.0.1:"), "{}", text(&out));

    let out = run(&["status"], &data);
    assert!(out.status.success() && text(&out).contains("running"), "{}", text(&out));
    let out = bin().args(["--output", "json", "emulator", "status", "--data-dir"]).arg(&data).output().unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    assert_eq!(status["state"], "running");

    let out = run(&["env"], &data);
    assert!(out.status.success(), "{}", text(&out));
    let env = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(env_value(&env, "PGSSLMODE"), "verify-full");
    assert_eq!(env_value(&env, "PGPORT"), status["port"].to_string());
    assert!(Path::new(&env_value(&env, "PGSSLROOTCERT")).is_file());

    // A token minted by our own `token` command with the emulator's credentials.
    let mut token = bin();
    token.args([
        "token",
        "--endpoint",
        &env_value(&env, "PGHOST"),
        "--region",
        &env_value(&env, "AWS_REGION"),
        "--admin",
    ]);
    token
        .env("AWS_ACCESS_KEY_ID", env_value(&env, "AWS_ACCESS_KEY_ID"))
        .env("AWS_SECRET_ACCESS_KEY", env_value(&env, "AWS_SECRET_ACCESS_KEY"))
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE");
    let out = token.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();

    let mut psql = Command::new("psql");
    for name in ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSSLMODE", "PGSSLROOTCERT"] {
        psql.env(name, env_value(&env, name));
    }
    let out = psql.env("PGPASSWORD", &token).args(["-XAtc", "SELECT current_user"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "admin");
    // The emulator's own bookkeeping (triggers on every new table) says nothing to the client.
    let mut create = Command::new("psql");
    for name in ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSSLMODE", "PGSSLROOTCERT"] {
        create.env(name, env_value(&env, name));
    }
    let out =
        create.env("PGPASSWORD", &token).args(["-Xc", "CREATE TABLE quiet (id int PRIMARY KEY)"]).output().unwrap();
    assert!(out.status.success() && !text(&out).contains("NOTICE"), "{}", text(&out));
    let out = psql.env("PGPASSWORD", "not-a-token").args(["-XAtc", "SELECT 1"]).output().unwrap();
    assert!(text(&out).contains("unable to accept connection, access denied"), "{}", text(&out));
    // The client only hears "access denied"; the emulator's log says why.
    let log = std::fs::read_to_string(data.join("emulator.log")).unwrap();
    assert!(log.contains("token refused") && log.contains("user=\"admin\""), "{log}");

    // Starting again is a no-op that reports the same endpoint.
    let out = run(&["start"], &data);
    assert!(out.status.success() && text(&out).contains(&format!(":{} ", status["port"])), "{}", text(&out));
    assert!(!text(&out).contains("keeps the settings"), "{}", text(&out));
    // ... but says so when the settings asked for differ from those it runs with,
    let out = bin()
        .env("DSQL_DEPLOY_EMULATOR_MAX_ROWS_PER_TRANSACTION", "100")
        .args(["emulator", "start", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("keeps the settings it started with (emulator.max_rows_per_transaction"),
        "{}",
        text(&out)
    );
    // and refuses to pretend it moved to another port.
    let other = (status["port"].as_u64().unwrap() as u16).wrapping_add(1).max(1024).to_string();
    let out = run(&["start", "--port", &other], &data);
    assert!(!out.status.success() && text(&out).contains("already runs on port"), "{}", text(&out));

    let out = run(&["stop"], &data);
    assert!(out.status.success() && text(&out).contains("stopped"), "{}", text(&out));
    let out = run(&["status"], &data);
    assert!(!out.status.success() && text(&out).contains("stopped"), "{}", text(&out));
    assert!(!data.join("state.json").exists());

    // The same instance starts again on its existing data.
    let out = run(&["start"], &data);
    assert!(out.status.success(), "restart: {}", text(&out));
    let out =
        psql.env("PGPORT", port_of(&data)).env("PGPASSWORD", &token).args(["-XAtc", "SELECT 1"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn two_starts_at_once_share_one_instance() {
    let root = temp_root();
    let data = root.path().join("emu");
    let _guard = StopOnDrop(&data);
    let spawn = || {
        bin()
            .args(["emulator", "start", "--data-dir"])
            .arg(&data)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(), spawn());
    let (first, second) = (first.wait_with_output().unwrap(), second.wait_with_output().unwrap());
    assert!(first.status.success(), "{}", text(&first));
    assert!(second.status.success(), "{}", text(&second));
    let port = port_of(&data);
    assert!(text(&first).contains(&format!(":{port} ")) && text(&second).contains(&format!(":{port} ")));
}

#[test]
fn worker_threads_setting_sizes_the_emulator_runtime() {
    let root = temp_root();
    let data = root.path().join("emu");
    let _guard = StopOnDrop(&data);
    let out = bin()
        .env("DSQL_DEPLOY_EMULATOR_WORKER_THREADS", "3")
        .args(["emulator", "start", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    // The background process reports the worker count its runtime has.
    let log = std::fs::read_to_string(data.join("emulator.log")).unwrap();
    assert!(log.contains("on 3 worker thread(s)"), "{log}");

    let out = bin()
        .env("DSQL_DEPLOY_EMULATOR_WORKER_THREADS", "0")
        .args(["emulator", "start", "--foreground", "--data-dir"])
        .arg(root.path().join("other"))
        .output()
        .unwrap();
    assert!(!out.status.success() && text(&out).contains("emulator.worker_threads"), "{}", text(&out));
}

fn port_of(data: &Path) -> String {
    let out = bin().args(["--output", "json", "emulator", "status", "--data-dir"]).arg(data).output().unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    status["port"].to_string()
}

#[test]
fn explicit_port_that_is_taken_is_a_clear_error() {
    let root = temp_root();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let out = run(&["start", "--port", &port], &root.path().join("emu"));
    assert!(!out.status.success());
    assert!(text(&out).contains(&format!("port {port} on 127.0.0.1 is already in use")), "{}", text(&out));
}

#[test]
fn unwritable_data_dir_is_a_clear_error() {
    let root = temp_root();
    let file = root.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let out = run(&["start"], &file.join("emu"));
    assert!(!out.status.success());
    assert!(text(&out).contains("is not writable") && text(&out).contains("--data-dir"), "{}", text(&out));
    // The data dir itself a file: said so, and the file is left alone.
    let out = run(&["start"], &file);
    assert!(!out.status.success());
    assert!(text(&out).contains("is a file, not a directory"), "{}", text(&out));
    assert!(file.is_file());
    // Commands on an instance that is not running name it in their hint.
    let out = run(&["env"], &root.path().join("none"));
    assert!(!out.status.success() && text(&out).contains("emulator start --data-dir"), "{}", text(&out));
}

#[test]
fn missing_postgresql_binaries_say_how_to_install() {
    let root = temp_root();
    let out = bin()
        .env("PG_BIN", root.path())
        .args(["emulator", "start", "--foreground", "--data-dir"])
        .arg(root.path().join("emu"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("does not contain initdb and postgres"), "{}", text(&out));
}

#[test]
fn stale_state_from_a_crashed_run_is_recovered() {
    let root = temp_root();
    let data = root.path().join("emu");
    std::fs::create_dir_all(&data).unwrap();
    let state = serde_json::json!({
        "port": 1, "pid": i32::MAX, "postgres_pid": i32::MAX, "postgres_port": 1,
        "ca_file": data.join("ca.pem"), "hostname": "localhost", "region": "us-east-1",
        "started_at": "2026-01-01T00:00:00Z", "version": "0"
    });
    std::fs::write(data.join("state.json"), state.to_string()).unwrap();
    let out = run(&["status"], &data);
    assert!(text(&out).contains("stale state file") && text(&out).contains("stopped"), "{}", text(&out));
    assert!(!data.join("state.json").exists());
    let out = run(&["env"], &data);
    assert!(!out.status.success() && text(&out).contains("emulator start"), "{}", text(&out));
}

#[test]
fn an_instance_of_another_user_is_refused_clearly() {
    if !nix_is_root() {
        return; // needs root to act as two users
    }
    let root = temp_root();
    let data = root.path().join("emu");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(data.join("state.json"), "{}").unwrap(); // owned by root
    let out = Command::new("runuser")
        .args(["-u", "nobody", "--"])
        .arg(assert_cmd::cargo::cargo_bin("dsql-deploy"))
        .args(["emulator", "status", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("belongs to another user (uid 0"), "{}", text(&out));
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}
