//! `dsql-deploy entrypoint -- CMD`: renders, then execs CMD in the same
//! process (same PID) with the resolved addresses and region exported; on
//! any problem CMD never starts.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        // Prints its PID and environment, and leaves a marker that it ran.
        let script = dir.path().join("report.sh");
        std::fs::write(&script, "#!/bin/sh\necho \"pid=$$\"\necho \"args=$*\"\ntouch \"$(dirname \"$0\")/ran\"\nenv\n")
            .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self { dir }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("dsql-deploy"));
        cmd.env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("TEMPORAL_SQL_HOST", "abc.dsql.us-east-1.on.aws")
            .env("TEMPORAL_SQL_AWS_REGION", "us-east-1")
            .env("TEMPORAL_ELASTICSEARCH_HOST", "elasticsearch")
            .env("TEMPORAL_PERSISTENCE_CONFIG", self.dir.path().join("config/docker.yaml"))
            .env("MY_MARKER", "kept")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn run(&self, cmd: &mut Command, extra: &[&str]) -> (u32, std::process::Output) {
        cmd.arg("entrypoint").arg("--").arg(self.dir.path().join("report.sh")).args(extra);
        let child = cmd.spawn().unwrap();
        let pid = child.id();
        (pid, child.wait_with_output().unwrap())
    }
}

fn var<'a>(stdout: &'a str, name: &str) -> Option<&'a str> {
    stdout.lines().find_map(|l| l.strip_prefix(&format!("{name}=")))
}

#[test]
fn execs_the_command_in_the_same_process_with_the_exports() {
    let f = Fixture::new();
    let mut cmd = f.command();
    cmd.env("BIND_ON_IP", "0.0.0.0").env("TEMPORAL_BROADCAST_ADDRESS", "10.1.2.3");
    let (pid, out) = f.run(&mut cmd, &["--service", "history"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        var(&stdout, "pid"),
        Some(pid.to_string().as_str()),
        "CMD did not replace the entrypoint process:\n{stdout}"
    );
    assert_eq!(var(&stdout, "args"), Some("--service history"));
    assert_eq!(var(&stdout, "BIND_ON_IP"), Some("0.0.0.0"));
    assert_eq!(var(&stdout, "TEMPORAL_BROADCAST_ADDRESS"), Some("10.1.2.3"));
    assert_eq!(var(&stdout, "AWS_REGION"), Some("us-east-1"), "region exported for the DSQL build");
    assert_eq!(var(&stdout, "MY_MARKER"), Some("kept"), "the rest of the environment passes through");
    let config = std::fs::read_to_string(f.dir.path().join("config/docker.yaml")).unwrap();
    assert!(config.contains("pluginName: dsql") && config.contains("broadcastAddress: 10.1.2.3"), "{config}");
    assert_eq!(std::fs::metadata(f.dir.path().join("config/docker.yaml")).unwrap().permissions().mode() & 0o777, 0o640);
}

#[test]
fn wildcard_bind_gets_this_hosts_address_as_broadcast() {
    let f = Fixture::new();
    let mut cmd = f.command();
    cmd.env("BIND_ON_IP", "0.0.0.0");
    let (_, out) = f.run(&mut cmd, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    match render::entrypoint::host_ip(false) {
        Ok(ip) => {
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(var(&stdout, "TEMPORAL_BROADCAST_ADDRESS"), Some(ip.to_string().as_str()));
            assert!(!ip.is_loopback());
        }
        // No usable address on this machine: the entrypoint must say so, not guess.
        Err(_) => {
            assert_eq!(out.status.code(), Some(1));
            assert!(String::from_utf8_lossy(&out.stderr).contains("TEMPORAL_BROADCAST_ADDRESS"));
        }
    }
}

#[test]
fn problems_stop_before_the_command_and_are_all_listed() {
    let f = Fixture::new();
    let mut cmd = f.command();
    cmd.env("BIND_ON_IP", "127.0.0.1")
        .env_remove("TEMPORAL_SQL_HOST")
        .env("TEMPORAL_SQL_PORT", "0")
        .env("TEMPORAL_LOG_LEVEL", "chatty");
    let (_, out) = f.run(&mut cmd, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for v in ["TEMPORAL_SQL_HOST", "TEMPORAL_SQL_PORT", "TEMPORAL_LOG_LEVEL"] {
        assert!(stderr.contains(v), "{v} not reported:\n{stderr}");
    }
    assert!(!f.dir.path().join("ran").exists(), "CMD ran despite the problems");
    assert!(!f.dir.path().join("config/docker.yaml").exists(), "config written despite the problems");
}

#[test]
fn a_command_that_cannot_run_is_an_error() {
    let f = Fixture::new();
    let mut cmd = f.command();
    cmd.env("BIND_ON_IP", "127.0.0.1").args(["entrypoint", "--", "/nonexistent/temporal-server"]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot run /nonexistent/temporal-server"));
}
