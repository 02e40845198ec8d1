//! `dsql-deploy certs` end to end through the binary, in a temp dir: the
//! seed's flow, listing, profiles, --dir and config, ACM against moto, and
//! the printed Terraform snippet (checked by `terraform fmt`).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use testkit::Moto;

struct Fixture {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Fixture {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap(), env: Vec::new() }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Runs `dsql-deploy certs ARGS` in the temp dir (no config file unless
    /// a test writes one; no AWS settings but the fixture's).
    fn certs(&self, args: &[&str]) -> Output {
        Command::new(assert_cmd::cargo::cargo_bin("dsql-deploy"))
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.dir.path())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(self.dir.path())
            .arg("certs")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.certs(args);
        assert!(out.status.success(), "certs {args:?} failed:\n{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    fn pki(&self) {
        self.ok(&["create-root-ca"]);
        self.ok(&["create-server"]);
        self.ok(&["create-client", "alice"]);
    }
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn seed_flow_init_create_verify_list_ovpn() {
    let f = Fixture::new();
    let out = f.ok(&["init"]);
    assert!(out.contains("created") && f.path(".gitignore").exists(), "{out}");
    f.pki();
    assert_eq!(mode(&f.path("certs/ca.key")), 0o600);
    assert_eq!(mode(&f.path("clients/alice.key")), 0o600);
    let out = f.ok(&["verify"]);
    assert!(out.contains("3 certificate(s), 0 error(s), 0 warning(s)"), "{out}");

    let out = f.ok(&["--output", "json", "list"]);
    let items: serde_json::Value = serde_json::from_str(&out).unwrap();
    let roles: Vec<&str> = items.as_array().unwrap().iter().map(|i| i["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["ca", "server", "client:alice"]);
    assert_eq!(items[1]["info"]["dns_names"][0], "server.temporal-dsql.vpn");
    assert_eq!(items[2]["info"]["extended_key_usage"][0], "clientAuth");
    let table = f.ok(&["list"]);
    assert!(table.contains("client:alice") && table.contains("RSA 2048"), "{table}");

    let endpoint = "*.cvpn-endpoint-0123abcd.prod.clientvpn.us-east-1.amazonaws.com";
    f.ok(&["ovpn", "alice", "--endpoint", endpoint]);
    let profile_path = f.path("clients/alice.ovpn");
    assert_eq!(mode(&profile_path), 0o600);
    let profile = std::fs::read_to_string(&profile_path).unwrap();
    let key = std::fs::read_to_string(f.path("clients/alice.key")).unwrap();
    assert!(profile.contains(key.trim_end()) && profile.contains("<ca>\n-----BEGIN CERTIFICATE-----"), "{profile}");
    let remote = profile.lines().find(|l| l.starts_with("remote ")).unwrap();
    assert!(remote.ends_with(".cvpn-endpoint-0123abcd.prod.clientvpn.us-east-1.amazonaws.com 443"), "{remote}");
    assert!(profile.contains("\nproto udp\n"), "{profile}");

    // No overwrite without --force: error, bytes unchanged; --force replaces.
    let out = f.certs(&["ovpn", "alice", "--endpoint", endpoint]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("already exists; use --force"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&profile_path).unwrap(), profile);
    f.ok(&["ovpn", "alice", "--endpoint", endpoint, "--force"]);
    assert_ne!(std::fs::read_to_string(&profile_path).unwrap(), profile, "a new random host prefix");
}

#[test]
fn existing_files_are_not_overwritten_without_force() {
    let f = Fixture::new();
    f.pki();
    let files = ["certs/ca.key", "certs/ca.crt", "server/server.key", "server/server.crt", "clients/alice.crt"];
    let before: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(f.path(p)).unwrap()).collect();
    for args in [&["create-root-ca"][..], &["create-server"], &["create-client", "alice"]] {
        let out = f.certs(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
        let msg = String::from_utf8_lossy(&out.stderr);
        assert!(msg.starts_with("error: ") && msg.contains("already exists; use --force"), "{msg}");
        assert_eq!(msg.lines().count(), 1, "one-line error: {msg}");
    }
    let after: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(f.path(p)).unwrap()).collect();
    assert_eq!(before, after);
}

#[test]
fn bad_input_gets_one_line_errors_naming_the_fix() {
    let f = Fixture::new();
    let out = f.certs(&["create-server"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("certs/ca.crt is missing; run `dsql-deploy certs create-root-ca` first"),
        "{}",
        text(&out)
    );
    let out = f.certs(&["verify"]);
    assert_eq!(out.status.code(), Some(1), "no CA is an error, not a finding: {}", text(&out));
    f.pki();
    let out = f.certs(&["create-client", "../evil"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("invalid client name"), "{}", text(&out));
    let out = f.certs(&["ovpn", "alice", "--endpoint", "not a host"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("invalid endpoint DNS name"), "{}", text(&out));
    let out = f.certs(&["ovpn", "bob", "--endpoint", "vpn.example.com"]);
    assert!(
        text(&out).contains("clients/bob.crt is missing; run `dsql-deploy certs create-client bob` first"),
        "{}",
        text(&out)
    );
    let out = f.certs(&["clean"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("--force") && f.path("certs/ca.key").exists(), "{}", text(&out));
    f.ok(&["clean", "--force"]);
    assert!(!f.path("certs").exists() && !f.path("clients").exists());
}

#[test]
fn verify_lists_every_finding_and_exits_3() {
    let f = Fixture::new();
    f.pki();
    // Corrupt PEM, a key from another certificate, and an expired certificate.
    std::fs::write(f.path("server/server.crt"), "-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----\n")
        .unwrap();
    f.ok(&["create-client", "bob"]);
    std::fs::copy(f.path("clients/alice.key"), f.path("clients/bob.key")).unwrap();
    let layout = certs::Layout::new(f.dir.path());
    let past = certs::issue::Validity {
        not_before: time::OffsetDateTime::now_utc() - time::Duration::days(90),
        not_after: time::OffsetDateTime::now_utc() - time::Duration::days(2),
    };
    certs::issue::create_client_with(&layout, &certs::Settings::default(), "old", past, false).unwrap();

    let out = f.certs(&["verify"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("error: server/server.crt: unreadable certificate")
            || stdout.contains("server.crt: unreadable certificate"),
        "{stdout}"
    );
    assert!(stdout.contains("bob.key: private key does not match"), "{stdout}");
    assert!(stdout.contains("old.crt: expired on"), "{stdout}");
    assert!(stdout.contains("3 error(s)"), "{stdout}");
    let out = f.certs(&["--output", "json", "verify"]);
    assert_eq!(out.status.code(), Some(3));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 3, "{report}");

    let help = f.ok(&["verify", "--help"]);
    assert!(help.contains("Exit code 3"), "{help}");
    let help = f.ok(&["--help"]);
    assert!(help.contains("Exit codes: 0 success (warnings allowed), 1 error, 2 usage error, 3"), "{help}");
}

#[test]
fn dir_flag_overrides_config_and_config_picks_key_type() {
    let f = Fixture::new();
    std::fs::write(f.path("dsql-deploy.toml"), "[project]\nname = \"demo\"\n[certs]\ndir = \"pki\"\nkey_type = \"ecdsa-p256\"\nvpn_protocol = \"tcp\"\nvpn_port = 1194\n").unwrap();
    f.ok(&["create-root-ca"]);
    assert!(f.path("pki/certs/ca.crt").exists());
    f.ok(&["--dir", "elsewhere", "create-root-ca"]);
    assert!(f.path("elsewhere/certs/ca.crt").exists());
    f.ok(&["create-server"]);
    f.ok(&["create-client", "ci"]);
    let out = f.ok(&["--output", "json", "list"]);
    let items: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(items[1]["info"]["key_algorithm"], "ECDSA P-256");
    assert_eq!(items[1]["info"]["dns_names"][0], "server.demo.vpn");
    f.ok(&["ovpn", "ci", "--endpoint", "vpn.example.com"]);
    let profile = std::fs::read_to_string(f.path("pki/clients/ci.ovpn")).unwrap();
    assert!(profile.contains("\nproto tcp\n") && profile.contains(".vpn.example.com 1194\n"), "{profile}");
    let out = f.certs(&["create-client", "x"]);
    assert!(out.status.success());
    let mut bad = f.certs(&["verify"]);
    assert!(bad.status.success(), "{}", text(&bad));
    // A bad config value is reported with its key.
    std::fs::write(f.path("dsql-deploy.toml"), "[certs]\nvpn_port = 8443\n").unwrap();
    bad = f.certs(&["list"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad).contains("certs.vpn_port"), "{}", text(&bad));
}

#[test]
fn acm_import_reimport_and_tfvars_against_moto() {
    let moto = Moto::start();
    let mut f = Fixture::new();
    f.env = moto.env();
    f.pki();
    let out = f.ok(&["acm-import-server"]);
    assert!(out.starts_with("imported the server certificate: arn:aws:acm:us-east-1:"), "{out}");
    let record = |f: &Fixture, name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(f.path(&format!(".acm/{name}.json"))).unwrap()).unwrap()
    };
    let first = record(&f, "server");
    let out = f.ok(&["acm-import-server"]);
    assert!(out.contains("up to date"), "{out}");
    assert_eq!(record(&f, "server"), first, "record untouched when nothing changed");

    f.ok(&["create-server", "--force"]);
    let out = f.ok(&["acm-import-server"]);
    assert!(out.contains("re-imported"), "{out}");
    let second = record(&f, "server");
    assert_eq!(second["certificate_arn"], first["certificate_arn"], "same ARN");
    assert_ne!(second["sha256_fingerprint"], first["sha256_fingerprint"]);

    let out = f.certs(&["print-acm-arns"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("acm-import-root"), "{}", text(&out));
    f.ok(&["acm-import-root"]);
    let root = record(&f, "root");
    let hcl = f.ok(&["print-acm-arns"]);
    assert!(
        hcl.contains(&format!(
            "client_vpn_server_certificate_arn = \"{}\"",
            second["certificate_arn"].as_str().unwrap()
        )),
        "{hcl}"
    );
    assert!(
        hcl.contains(&format!("root_certificate_chain_arn = \"{}\"", root["certificate_arn"].as_str().unwrap())),
        "{hcl}"
    );
    // Canonical HCL according to terraform itself.
    let mut fmt = Command::new("terraform")
        .args(["fmt", "-check", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(fmt.stdin.as_mut().unwrap(), hcl.as_bytes()).unwrap();
    let fmt = fmt.wait_with_output().unwrap();
    assert!(fmt.status.success(), "terraform fmt would change:\n{hcl}\n{}", text(&fmt));
    let json: serde_json::Value = serde_json::from_str(&f.ok(&["--output", "json", "print-acm-arns"])).unwrap();
    assert_eq!(json["client_vpn_authentication_options"][0]["root_certificate_chain_arn"], root["certificate_arn"]);

    // The region on record must match.
    let out = f.certs(&["acm-import-root", "--region", "eu-west-1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("--region us-east-1"), "{}", text(&out));
}
