//! `dsql-deploy gateway` through the binary: bad input gets one clear line,
//! `--print-verifier`, and a real run (password upstream to a private
//! PostgreSQL, a SCRAM user from the config, psql through the gateway,
//! /metrics and /readyz).

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn bin() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("dsql-deploy"));
    cmd.env_remove("DSQL_DEPLOY_CONFIG").env_remove("DSQL_ENDPOINT");
    cmd
}

fn fails_with(args: &[&str], needle: &str) {
    let out = bin().arg("gateway").args(args).output().expect("runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "{args:?} should fail: {text}");
    assert!(text.contains(needle), "{args:?}: expected {needle:?} in {text}");
}

#[test]
fn bad_input_gets_a_clear_error() {
    fails_with(
        &[
            "--client-auth",
            "trust",
            "--listen",
            "0.0.0.0:0",
            "--cluster-endpoint",
            "h",
            "--upstream-auth",
            "password",
            "--upstream-password-env",
            "HOME",
        ],
        "only allowed when --listen is a loopback address",
    );
    fails_with(&["--client-auth", "trust"], "pass --cluster-endpoint");
    fails_with(
        &["--client-auth", "trust", "--cluster-endpoint", "h", "--upstream-auth", "password"],
        "--upstream-password-env",
    );
    fails_with(
        &[
            "--client-auth",
            "trust",
            "--cluster-endpoint",
            "h",
            "--upstream-auth",
            "password",
            "--upstream-password-env",
            "NO_SUCH_VAR_GW",
        ],
        "NO_SUCH_VAR_GW is not set",
    );
    fails_with(&["--client-auth", "trust", "--cluster-endpoint", "h", "--sslmode", "prefer"], "unencrypted connection");
    fails_with(
        &["--cluster-endpoint", "h", "--upstream-auth", "password", "--upstream-password-env", "HOME"],
        "at least one user",
    );
    // There is no way to pass a password on the command line.
    fails_with(&["--upstream-password", "x"], "unexpected argument");
}

#[test]
fn print_verifier_reads_the_password_from_stdin() {
    let mut child =
        bin().args(["gateway", "--print-verifier"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("runs");
    child.stdin.take().expect("stdin").write_all(b"hunter2\n").expect("write");
    let out = child.wait_with_output().expect("exits");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.starts_with("SCRAM-SHA-256$4096:"), "{text}");
    assert!(!text.contains("hunter2"));
}

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http(addr: &str, path: &str) -> String {
    let mut tcp = std::net::TcpStream::connect(addr).expect("metrics port");
    write!(tcp, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
    let mut text = String::new();
    tcp.read_to_string(&mut text).expect("read");
    text
}

#[test]
fn serves_psql_over_a_password_upstream_with_a_scram_client() {
    let pg = testkit::TestPostgres::start_with_password("upstream-pw");
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("dsql-deploy.toml");
    std::fs::write(
        &config,
        "[gateway]\nreservoir_target = 2\nworker_threads = 3\n[[gateway.users]]\nname = \"postgres\"\npassword_env = \"GW_CLIENT_PW\"\n",
    )
    .expect("config");
    let child = bin()
        .arg("--config")
        .arg(&config)
        .args([
            "gateway",
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "127.0.0.1:0",
            "--cluster-endpoint",
            "127.0.0.1",
        ])
        .args(["--upstream-port", &pg.port.to_string(), "--sslmode", "disable", "--upstream-auth", "password"])
        .args(["--upstream-password-env", "GW_UPSTREAM_PW", "--warm", "postgres@postgres"])
        .env("GW_UPSTREAM_PW", "upstream-pw")
        .env("GW_CLIENT_PW", "client-pw")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("gateway starts");
    let mut child = Kill(child);
    let mut lines = BufReader::new(child.0.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let addr = first.strip_prefix("gateway listening on ").expect(&first);
    // The runtime has the configured worker count (read back from it).
    let addr = addr.strip_suffix(" (3 worker thread(s))").expect(&first).to_string();
    let second = lines.next().expect("a line").expect("utf-8");
    let metrics =
        second.strip_prefix("metrics on http://").and_then(|s| s.strip_suffix("/metrics")).expect(&second).to_string();
    let (host, port) = addr.rsplit_once(':').expect("host:port");

    let psql = |password: &str| {
        Command::new("psql")
            .args(["-XAtq", "-h", host, "-p", port, "-U", "postgres", "-d", "postgres", "-c", "SELECT 6 * 7"])
            .env("PGPASSWORD", password)
            .env("PGCONNECT_TIMEOUT", "10")
            .output()
            .expect("psql runs")
    };
    let ok = psql("client-pw");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert_eq!(String::from_utf8_lossy(&ok.stdout).trim(), "42");
    let bad = psql("upstream-pw");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("password authentication failed"));

    let mut ready = String::new();
    for _ in 0..50 {
        ready = http(&metrics, "/readyz");
        if ready.starts_with("HTTP/1.1 200") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    let text = http(&metrics, "/metrics");
    assert!(text.contains("dsql_gateway_client_connections_total 2"), "{text}");
    assert!(text.contains("dsql_gateway_client_auth_failures_total 1"), "{text}");
    assert!(!text.contains("upstream-pw") && !text.contains("client-pw"));
}
