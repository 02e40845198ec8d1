//! `verify` on good and broken PKIs: every problem is listed, with its
//! file; and the issuing steps refuse bad input without touching files.

mod common;

use std::os::unix::fs::PermissionsExt;

use certs::issue::{self, Validity};
use certs::verify::{Severity, verify};
use certs::{CertsError, Layout, Settings};
use common::pki;
use time::{Duration, OffsetDateTime};

fn errors(report: &certs::verify::Report) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{}: {}", f.path.file_name().unwrap().to_string_lossy(), f.message))
        .collect()
}

#[test]
fn a_fresh_pki_has_no_findings() {
    let (_dir, layout) = pki(&Settings::default());
    let report = verify(&layout, &Settings::default(), OffsetDateTime::now_utc()).unwrap();
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    let roles: Vec<&str> = report.checked.iter().map(|c| c.role.as_str()).collect();
    assert_eq!(roles, ["ca", "server", "client:alice"]);
}

#[test]
fn every_problem_is_listed_at_once() {
    let settings = Settings::default();
    let (_dir, layout) = pki(&settings);
    // 1. corrupt PEM for one client
    issue::create_client(&layout, &settings, "corrupt", false).unwrap();
    std::fs::write(
        layout.client_cert("corrupt"),
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    // 2. a key that belongs to another certificate
    issue::create_client(&layout, &settings, "swapped", false).unwrap();
    std::fs::copy(layout.client_key("alice"), layout.client_key("swapped")).unwrap();
    // 3. an expired certificate
    let past = Validity {
        not_before: OffsetDateTime::now_utc() - Duration::days(400),
        not_after: OffsetDateTime::now_utc() - Duration::days(1),
    };
    issue::create_client_with(&layout, &settings, "expired", past, false).unwrap();
    // 4. a certificate from another CA
    let (_other_dir, other) = pki(&settings);
    std::fs::copy(other.client_cert("alice"), layout.client_cert("foreign")).unwrap();
    std::fs::copy(other.client_key("alice"), layout.client_key("foreign")).unwrap();
    // 5. a world-readable key
    std::fs::set_permissions(layout.server_key(), std::fs::Permissions::from_mode(0o644)).unwrap();
    // 6. expiring soon: a warning only
    let soon = Validity {
        not_before: OffsetDateTime::now_utc() - Duration::days(1),
        not_after: OffsetDateTime::now_utc() + Duration::days(10),
    };
    issue::create_client_with(&layout, &settings, "soon", soon, false).unwrap();

    let report = verify(&layout, &settings, OffsetDateTime::now_utc()).unwrap();
    let errs = errors(&report);
    let has = |file: &str, text: &str| errs.iter().any(|e| e.starts_with(file) && e.contains(text));
    assert!(has("corrupt.crt", "unreadable certificate"), "{errs:#?}");
    assert!(has("swapped.key", "does not match"), "{errs:#?}");
    assert!(has("expired.crt", "expired on"), "{errs:#?}");
    assert!(has("foreign.crt", "not signed by the CA"), "{errs:#?}");
    assert!(has("server.key", "readable by others"), "{errs:#?}");
    assert!(has("foreign.crt", "CN and SAN must both be the client name \"foreign\""), "{errs:#?}");
    assert_eq!(errs.len(), 6, "exactly these six errors: {errs:#?}");
    let warnings: Vec<_> = report.findings.iter().filter(|f| f.severity == Severity::Warning).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].path.ends_with("clients/soon.crt") && warnings[0].message.contains("expires in"),
        "{warnings:?}"
    );
}

#[test]
fn wrong_usages_are_findings() {
    let settings = Settings::default();
    let (_dir, layout) = pki(&settings);
    // A client certificate in the server's place: no serverAuth, no SAN for the server.
    std::fs::copy(layout.client_cert("alice"), layout.server_cert()).unwrap();
    std::fs::copy(layout.client_key("alice"), layout.server_key()).unwrap();
    // The CA certificate as a client: a CA, CN/SAN are not "bob", no clientAuth.
    std::fs::copy(layout.ca_cert(), layout.client_cert("bob")).unwrap();
    std::fs::copy(layout.ca_key(), layout.client_key("bob")).unwrap();
    let report = verify(&layout, &settings, OffsetDateTime::now_utc()).unwrap();
    let errs = errors(&report);
    let has = |file: &str, text: &str| errs.iter().any(|e| e.starts_with(file) && e.contains(text));
    assert!(has("server.crt", "serverAuth missing"), "{errs:#?}");
    assert!(has("bob.crt", "must not be a CA"), "{errs:#?}");
    assert!(has("bob.crt", "clientAuth missing"), "{errs:#?}");
    assert!(has("bob.crt", "CN and SAN"), "{errs:#?}");
}

#[test]
fn missing_ca_is_an_error_naming_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout::new(dir.path());
    let err = verify(&layout, &Settings::default(), OffsetDateTime::now_utc()).unwrap_err();
    assert!(matches!(err, CertsError::Missing { .. }) && err.to_string().contains("create-root-ca"), "{err}");
    let err = issue::create_server(&layout, &Settings::default(), false).unwrap_err();
    assert!(err.to_string().contains("certs/ca.crt is missing") && err.to_string().contains("create-root-ca"), "{err}");
    assert!(!layout.server_key().exists(), "nothing written without a CA");
}

#[test]
fn existing_files_are_kept_without_force_and_replaced_with_it() {
    let settings = Settings::default();
    let (_dir, layout) = pki(&settings);
    let files =
        [layout.ca_cert(), layout.ca_key(), layout.server_cert(), layout.server_key(), layout.client_key("alice")];
    let before: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    for err in [
        issue::create_root_ca(&layout, &settings, false).unwrap_err(),
        issue::create_server(&layout, &settings, false).unwrap_err(),
        issue::create_client(&layout, &settings, "alice", false).unwrap_err(),
    ] {
        assert!(err.to_string().contains("already exists; use --force"), "{err}");
    }
    let after: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert_eq!(before, after, "no byte changed");
    issue::create_server(&layout, &settings, true).unwrap();
    assert_ne!(std::fs::read(layout.server_key()).unwrap(), before[3]);
}

#[test]
fn signing_refuses_a_corrupt_or_mismatched_ca() {
    let settings = Settings::default();
    let (_dir, layout) = pki(&settings);
    let (_d2, other) = pki(&settings);
    std::fs::copy(other.ca_key(), layout.ca_key()).unwrap();
    let err = issue::create_client(&layout, &settings, "bob", false).unwrap_err();
    assert!(err.to_string().contains("does not belong to"), "{err}");
    std::fs::write(layout.ca_cert(), "garbage").unwrap();
    let err = issue::create_client(&layout, &settings, "bob", false).unwrap_err();
    assert!(err.to_string().contains("not a valid PEM certificate"), "{err}");
    assert!(!layout.client_cert("bob").exists());
}
