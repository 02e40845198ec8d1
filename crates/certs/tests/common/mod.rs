//! Shared set-up for the certs integration tests: a PKI in a temp dir, and
//! running `openssl` with its output captured.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::Path;
use std::process::{Command, Output};

use certs::{Layout, Settings, issue};

/// A complete PKI (CA, server, client "alice") in a fresh temp dir.
pub fn pki(settings: &Settings) -> (tempfile::TempDir, Layout) {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout::new(dir.path());
    issue::create_root_ca(&layout, settings, false).unwrap();
    issue::create_server(&layout, settings, false).unwrap();
    issue::create_client(&layout, settings, "alice", false).unwrap();
    (dir, layout)
}

pub fn openssl(args: &[&str]) -> Output {
    Command::new("openssl").args(args).output().expect("openssl is installed (scripts/bootstrap.sh)")
}

pub fn openssl_text(cert: &Path) -> String {
    let out = openssl(&["x509", "-in", path(cert), "-text", "-noout"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

pub fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn stdout(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}
