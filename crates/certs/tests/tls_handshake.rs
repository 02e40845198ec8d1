//! Mutual TLS with our certificates between real peers: `openssl s_server
//! -Verify` and `s_client` succeed with our client certificate and fail
//! with one from another CA; then a real OpenVPN TLS handshake over
//! 127.0.0.1 with the server certificate and a generated `.ovpn` profile.
//! Every server is stopped by its own PID.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use certs::{Layout, Settings, ovpn};
use common::{path, pki};

/// A child process killed (by PID) and reaped on drop, whose combined
/// output lines arrive on a channel.
struct Peer {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Peer {
    fn spawn(cmd: &mut Command) -> Peer {
        let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let (tx, lines) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        Peer { child, lines, seen: Vec::new() }
    }

    /// Waits for a line containing any of `needles`; returns it, or None at the deadline.
    fn wait_for(&mut self, needles: &[&str], timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if needles.iter().any(|n| line.contains(n)) {
                        return Some(line);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => return None,
                // Both streams closed: the process is gone.
                Err(mpsc::RecvTimeoutError::Disconnected) => return None,
            }
        }
        None
    }

    fn output(&mut self) -> String {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        self.seen.join("\n")
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn s_server(layout: &Layout, port: u16) -> Peer {
    let mut server = Peer::spawn(Command::new("openssl").args([
        "s_server",
        "-accept",
        &format!("127.0.0.1:{port}"),
        "-naccept",
        "1",
        "-Verify",
        "1",
        "-verify_return_error",
        "-CAfile",
        path(&layout.ca_cert()),
        "-cert",
        path(&layout.server_cert()),
        "-key",
        path(&layout.server_key()),
    ]));
    assert!(
        server.wait_for(&["ACCEPT"], Duration::from_secs(10)).is_some(),
        "s_server did not start:\n{}",
        server.output()
    );
    server
}

/// Runs s_client with the given client certificate; returns (exit ok, output).
fn s_client(trust: &Layout, port: u16, client: &Layout, name: &str) -> (bool, String) {
    let out = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            "server.temporal-dsql.vpn",
            "-verify_hostname",
            "server.temporal-dsql.vpn",
            "-verify_return_error",
            "-tls1_2", // a rejected client certificate then fails the handshake itself
            "-CAfile",
            path(&trust.ca_cert()),
            "-cert",
            path(&client.client_cert(name)),
            "-key",
            path(&client.client_key(name)),
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn mutual_tls_succeeds_with_our_client_and_fails_with_a_foreign_one() {
    let (_dir, layout) = pki(&Settings::default());
    let port = pgcluster::free_port().unwrap();
    let mut server = s_server(&layout, port);
    let (ok, text) = s_client(&layout, port, &layout, "alice");
    assert!(ok && text.contains("Verify return code: 0 (ok)"), "{text}");
    // The server saw and accepted alice's certificate.
    let seen = server.wait_for(&["CN = alice", "CN=alice"], Duration::from_secs(10));
    assert!(seen.is_some(), "server output:\n{}", server.output());
    drop(server);

    let (_other_dir, other) = pki(&Settings::default());
    let port = pgcluster::free_port().unwrap();
    let mut server = s_server(&layout, port);
    let (ok, text) = s_client(&layout, port, &other, "alice");
    assert!(!ok, "a client certificate from another CA must be refused:\n{text}");
    let refused =
        server.wait_for(&["unknown ca", "certificate verify failed", "verify error"], Duration::from_secs(10));
    assert!(refused.is_some(), "server output:\n{}", server.output());
}

/// OpenVPN needs no tun device in `--dev null` mode, so the TLS handshake
/// (and OpenVPN's own `remote-cert-tls server` EKU check) runs unprivileged.
#[test]
fn openvpn_handshake_with_the_generated_profile() {
    if Command::new("openvpn").arg("--version").output().is_err() {
        panic!("openvpn is not installed; scripts/bootstrap.sh installs it");
    }
    let (dir, layout) = pki(&Settings::default());
    ovpn::write_profile(
        &layout,
        &Settings::default(),
        "alice",
        "*.cvpn-endpoint-0abc.prod.clientvpn.us-east-1.amazonaws.com",
        false,
    )
    .unwrap();
    let (ok, server_log) = openvpn_pair(dir.path(), &layout, &layout.client_profile("alice"));
    assert!(ok, "OpenVPN handshake failed:\n{server_log}");

    // A profile carrying a certificate from another CA is refused by the server.
    let (other_dir, other) = pki(&Settings::default());
    ovpn::write_profile(&other, &Settings::default(), "alice", "vpn.example.com", false).unwrap();
    let (ok, server_log) = openvpn_pair(other_dir.path(), &layout, &other.client_profile("alice"));
    assert!(!ok, "a foreign client certificate must be refused:\n{server_log}");
    assert!(server_log.contains("VERIFY ERROR") || server_log.contains("certificate verify failed"), "{server_log}");
}

/// Runs an OpenVPN TLS server with `server_pki`'s certificate and a client
/// from `profile` (its `remote` line pointed at the server: the endpoint
/// name does not resolve here). Returns (client connected, all output).
fn openvpn_pair(work: &Path, server_pki: &Layout, profile: &Path) -> (bool, String) {
    let port = pgcluster::free_port().unwrap();
    let text = std::fs::read_to_string(profile).unwrap();
    let local: String = text
        .lines()
        .filter(|l| !l.starts_with("remote ") && *l != "remote-random-hostname")
        .map(|l| format!("{l}\n"))
        .collect();
    let test_profile = work.join("test.ovpn");
    std::fs::write(&test_profile, format!("remote 127.0.0.1 {port}\n{local}")).unwrap();

    let mut server = Peer::spawn(Command::new("openvpn").args([
        "--dev",
        "null",
        "--local",
        "127.0.0.1",
        "--lport",
        &port.to_string(),
        "--proto",
        "udp",
        "--tls-server",
        "--dh",
        "none",
        "--ca",
        path(&server_pki.ca_cert()),
        "--cert",
        path(&server_pki.server_cert()),
        "--key",
        path(&server_pki.server_key()),
        "--verb",
        "3",
        "--ping-exit",
        "30",
    ]));
    let started = server.wait_for(&["Initialization Sequence Completed", "UDPv4 link local"], Duration::from_secs(15));
    assert!(started.is_some(), "openvpn server did not start:\n{}", server.output());

    let mut client = Peer::spawn(Command::new("openvpn").args([
        "--config",
        path(&test_profile),
        "--dev",
        "null",
        "--verb",
        "3",
        "--connect-timeout",
        "10",
        "--connect-retry-max",
        "1",
    ]));
    let connected = client.wait_for(
        &["Peer Connection Initiated", "TLS Error", "VERIFY ERROR", "Exiting due to fatal error"],
        Duration::from_secs(30),
    );
    let ok = connected.as_deref().is_some_and(|l| l.contains("Peer Connection Initiated"));
    // Give the server a moment to log its side of a refusal.
    let _ =
        server.wait_for(&["VERIFY ERROR", "Peer Connection Initiated"], Duration::from_secs(if ok { 2 } else { 5 }));
    let log = format!("--- server ---\n{}\n--- client ---\n{}", server.output(), client.output());
    (ok, log)
}
