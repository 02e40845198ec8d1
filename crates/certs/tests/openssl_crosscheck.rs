//! What we claim about our certificates, checked by OpenSSL itself:
//! `openssl verify` chains them, `openssl x509 -text` shows the usages, SANs,
//! key sizes and signature algorithm, fingerprints agree, and keys are 0600.

mod common;

use std::os::unix::fs::PermissionsExt;

use certs::Settings;
use certs::inspect;
use common::{openssl, openssl_text, path, pki, stdout};
use dsql_deploy_config::CertKeyType;

#[test]
fn openssl_verify_accepts_server_and_client_against_our_ca() {
    let (_dir, layout) = pki(&Settings::default());
    for cert in [layout.server_cert(), layout.client_cert("alice")] {
        let out = openssl(&["verify", "-CAfile", path(&layout.ca_cert()), path(&cert)]);
        assert!(out.status.success(), "{}", stdout(&out));
        assert!(stdout(&out).contains(": OK"), "{}", stdout(&out));
    }
    // And with the purpose checks OpenSSL applies to TLS peers.
    let server =
        openssl(&["verify", "-purpose", "sslserver", "-CAfile", path(&layout.ca_cert()), path(&layout.server_cert())]);
    assert!(server.status.success(), "{}", stdout(&server));
    let client = openssl(&[
        "verify",
        "-purpose",
        "sslclient",
        "-CAfile",
        path(&layout.ca_cert()),
        path(&layout.client_cert("alice")),
    ]);
    assert!(client.status.success(), "{}", stdout(&client));
    // The client certificate is no server certificate: usages are enforced.
    let wrong = openssl(&[
        "verify",
        "-purpose",
        "sslserver",
        "-CAfile",
        path(&layout.ca_cert()),
        path(&layout.client_cert("alice")),
    ]);
    assert!(!wrong.status.success(), "{}", stdout(&wrong));
}

#[test]
fn openssl_text_shows_the_rsa_profiles_we_claim() {
    let (_dir, layout) = pki(&Settings::default());
    let ca = openssl_text(&layout.ca_cert());
    for needle in [
        "Public-Key: (2048 bit)",
        "Signature Algorithm: sha256WithRSAEncryption",
        "CA:TRUE, pathlen:0",
        "Certificate Sign, CRL Sign",
        "CN = temporal-dsql VPN Root CA",
        "OU = VPN",
    ] {
        assert!(ca.contains(needle), "CA lacks {needle:?}:\n{ca}");
    }
    let server = openssl_text(&layout.server_cert());
    for needle in [
        "Public-Key: (2048 bit)",
        "Signature Algorithm: sha256WithRSAEncryption",
        "CA:FALSE",
        "Digital Signature, Key Encipherment",
        "TLS Web Server Authentication",
        "DNS:server.temporal-dsql.vpn",
        "CN = server.temporal-dsql.vpn",
        "X509v3 Authority Key Identifier",
    ] {
        assert!(server.contains(needle), "server lacks {needle:?}:\n{server}");
    }
    assert!(!server.contains("TLS Web Client Authentication"), "{server}");
    let client = openssl_text(&layout.client_cert("alice"));
    for needle in
        ["Public-Key: (2048 bit)", "TLS Web Client Authentication", "DNS:alice", "CN = alice", "Digital Signature"]
    {
        assert!(client.contains(needle), "client lacks {needle:?}:\n{client}");
    }
    assert!(!client.contains("TLS Web Server Authentication"), "{client}");
}

#[test]
fn validity_periods_are_ten_years_and_825_days() {
    let (_dir, layout) = pki(&Settings::default());
    for (cert, days) in [(layout.ca_cert(), 3650), (layout.server_cert(), 825), (layout.client_cert("alice"), 825)] {
        let in_days = |d: i64| (d * 86400).to_string();
        let still = openssl(&["x509", "-in", path(&cert), "-noout", "-checkend", &in_days(days - 1)]);
        assert!(still.status.success(), "{} should be valid {} days from now", cert.display(), days - 1);
        let gone = openssl(&["x509", "-in", path(&cert), "-noout", "-checkend", &in_days(days + 1)]);
        assert!(!gone.status.success(), "{} should have expired {} days from now", cert.display(), days + 1);
    }
}

#[test]
fn ecdsa_p256_option_produces_p256_keys_signed_with_sha256() {
    let settings = Settings { key_type: CertKeyType::EcdsaP256, ..Settings::default() };
    let (_dir, layout) = pki(&settings);
    let server = openssl_text(&layout.server_cert());
    for needle in ["Public-Key: (256 bit)", "prime256v1", "ecdsa-with-SHA256", "TLS Web Server Authentication"] {
        assert!(server.contains(needle), "server lacks {needle:?}:\n{server}");
    }
    let out = openssl(&["verify", "-CAfile", path(&layout.ca_cert()), path(&layout.client_cert("alice"))]);
    assert!(out.status.success(), "{}", stdout(&out));
}

#[test]
fn serials_are_128_bit_random_and_positive_and_fingerprints_match_openssl() {
    let (_dir, layout) = pki(&Settings::default());
    let mut serials = Vec::new();
    for cert in [layout.ca_cert(), layout.server_cert(), layout.client_cert("alice")] {
        let out = stdout(&openssl(&["x509", "-in", path(&cert), "-noout", "-serial", "-fingerprint", "-sha256"]));
        let serial = out.lines().find_map(|l| l.strip_prefix("serial=")).unwrap().to_string();
        let value = serial.trim_start_matches('0');
        // 16 random bytes: at most 128 bits, and fewer than 96 only by a 2^-32 fluke.
        assert!(value.len() <= 32 && value.len() > 24, "{serial}");
        let fp = out.lines().find_map(|l| l.split_once("Fingerprint=").map(|(_, f)| f.to_string())).unwrap();
        let info = inspect::read_cert(&cert, "verify").unwrap();
        assert_eq!(info.sha256_fingerprint, fp);
        assert_eq!(info.serial.trim_start_matches('0'), value);
        serials.push(serial);
    }
    serials.sort();
    serials.dedup();
    assert_eq!(serials.len(), 3, "serials are distinct");
    // OpenSSL would print a negative serial with a leading '-'.
    assert!(serials.iter().all(|s| !s.starts_with('-')));
}

#[test]
fn keys_are_0600_and_parse_with_openssl() {
    let (_dir, layout) = pki(&Settings::default());
    for key in [layout.ca_key(), layout.server_key(), layout.client_key("alice")] {
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", key.display());
        let out = openssl(&["pkey", "-in", path(&key), "-noout"]);
        assert!(out.status.success(), "{}", stdout(&out));
    }
    // The key's public half is the certificate's (OpenSSL's view).
    let pubkey = |args: &[&str]| openssl(args).stdout;
    assert_eq!(
        pubkey(&["pkey", "-in", path(&layout.server_key()), "-pubout"]),
        pubkey(&["x509", "-in", path(&layout.server_cert()), "-noout", "-pubkey"])
    );
    // The chain file ACM gets is the CA certificate.
    assert_eq!(std::fs::read(layout.server_chain()).unwrap(), std::fs::read(layout.ca_cert()).unwrap());
}

/// The other direction: a client certificate OpenSSL issues with our CA
/// key (PKCS#8 key from `openssl genpkey`, its own encoding choices) passes
/// our `verify`, and one OpenSSL issues without clientAuth is flagged.
#[test]
fn our_verify_accepts_openssl_issued_certificates_and_flags_missing_usages() {
    let settings = Settings::default();
    let (dir, layout) = pki(&settings);
    let issue_with_openssl = |name: &str, eku: &str| {
        let key = layout.client_key(name);
        let csr = dir.path().join(format!("{name}.csr"));
        let ext = dir.path().join(format!("{name}.ext"));
        std::fs::write(
            &ext,
            format!(
                "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n{eku}subjectAltName=DNS:{name}\n"
            ),
        )
        .unwrap();
        let out = openssl(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path(&key)]);
        assert!(out.status.success(), "{}", stdout(&out));
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        let subj = format!("/OU=VPN/CN={name}");
        let out = openssl(&["req", "-new", "-key", path(&key), "-subj", &subj, "-out", path(&csr)]);
        assert!(out.status.success(), "{}", stdout(&out));
        let out = openssl(&[
            "x509",
            "-req",
            "-in",
            path(&csr),
            "-CA",
            path(&layout.ca_cert()),
            "-CAkey",
            path(&layout.ca_key()),
            "-CAcreateserial",
            "-days",
            "100",
            "-sha256",
            "-extfile",
            path(&ext),
            "-out",
            path(&layout.client_cert(name)),
        ]);
        assert!(out.status.success(), "{}", stdout(&out));
    };
    issue_with_openssl("bob", "extendedKeyUsage=clientAuth\n");
    issue_with_openssl("carol", "");
    let report = certs::verify::verify(&layout, &settings, time::OffsetDateTime::now_utc()).unwrap();
    let bob: Vec<_> = report.findings.iter().filter(|f| f.path.to_string_lossy().contains("bob")).collect();
    assert!(bob.is_empty(), "{bob:?}");
    assert!(report.checked.iter().any(|c| c.role == "client:bob" && c.info.key_algorithm == "RSA 2048"));
    let carol: Vec<_> = report.findings.iter().filter(|f| f.path.to_string_lossy().contains("carol")).collect();
    assert_eq!(carol.len(), 1, "{carol:?}");
    assert!(carol[0].message.contains("clientAuth missing"), "{carol:?}");
}
