//! The emulator's own CA and server certificate. DSQL requires TLS and
//! clients should verify the server (`sslmode=verify-full`), so each instance
//! has a CA (printed by `env` for PGSSLROOTCERT) that signs a server
//! certificate for the configured hostname, 127.0.0.1 and ::1. The server
//! certificate is re-issued when the hostname changes; the CA is kept so
//! clients that trust it keep working.

use std::path::Path;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};

use crate::error::{Error, Result};
use crate::paths::Layout;

fn cert_err(e: impl std::fmt::Display) -> Error {
    Error::Certificate(e.to_string())
}

/// Creates the CA (first time) and a server certificate valid for `hostname`.
pub fn ensure_certificates(layout: &Layout, hostname: &str) -> Result<()> {
    if !layout.ca_cert().is_file() || !layout.ca_key().is_file() {
        let key = KeyPair::generate().map_err(cert_err)?;
        let cert = ca_params().self_signed(&key).map_err(cert_err)?;
        fsutil::write_atomic(&layout.ca_key(), key.serialize_pem().as_bytes(), 0o600)
            .map_err(Error::io("cannot write the CA key"))?;
        fsutil::write_atomic(&layout.ca_cert(), cert.pem().as_bytes(), 0o644)
            .map_err(Error::io("cannot write the CA certificate"))?;
        let _ = std::fs::remove_file(layout.server_cert());
    }
    if server_cert_matches(&layout.server_cert(), hostname) && layout.server_key().is_file() {
        return Ok(());
    }
    let ca_key_pem = std::fs::read_to_string(layout.ca_key()).map_err(Error::io("cannot read the CA key"))?;
    let ca_key = KeyPair::from_pem(&ca_key_pem).map_err(cert_err)?;
    let issuer = Issuer::new(ca_params(), ca_key);
    let mut params =
        CertificateParams::new(vec![hostname.to_string(), "127.0.0.1".into(), "::1".into()]).map_err(cert_err)?;
    params.distinguished_name.push(DnType::CommonName, hostname);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    params.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(3650);
    let key = KeyPair::generate().map_err(cert_err)?;
    let cert = params.signed_by(&key, &issuer).map_err(cert_err)?;
    fsutil::write_atomic(&layout.server_key(), key.serialize_pem().as_bytes(), 0o600)
        .map_err(Error::io("cannot write the server key"))?;
    fsutil::write_atomic(&layout.server_cert(), cert.pem().as_bytes(), 0o644)
        .map_err(Error::io("cannot write the server certificate"))?;
    fsutil::write_atomic(&layout.server_cert().with_extension("hostname"), hostname.as_bytes(), 0o644)
        .map_err(Error::io("cannot write the server certificate"))?;
    Ok(())
}

/// The CA's parameters. Rebuilt identically each time: the issuer only
/// needs its subject name and key to sign.
fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, "dsql-deploy emulator CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = time::macros::datetime!(2025-01-01 0:00 UTC);
    params.not_after = time::macros::datetime!(2045-01-01 0:00 UTC);
    params
}

/// Whether the server certificate at `path` was issued for `hostname`
/// (recorded next to it in `<cert>.hostname` when it was issued).
fn server_cert_matches(path: &Path, hostname: &str) -> bool {
    path.is_file() && std::fs::read_to_string(path.with_extension("hostname")).is_ok_and(|h| h.trim() == hostname)
}

/// rustls server configuration from the instance's certificate and key.
pub fn server_config(layout: &Layout) -> Result<Arc<rustls::ServerConfig>> {
    let cert_pem = std::fs::read(layout.server_cert()).map_err(Error::io("cannot read the server certificate"))?;
    let key_pem = std::fs::read(layout.server_key()).map_err(Error::io("cannot read the server key"))?;
    let certs = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(cert_err)?;
    let key = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .map_err(cert_err)?
        .ok_or_else(|| Error::Certificate("no private key in server-key.pem".into()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(cert_err)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(cert_err)?;
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_are_created_once_and_reissued_for_a_new_hostname() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        ensure_certificates(&layout, "localhost").unwrap();
        let ca = std::fs::read(layout.ca_cert()).unwrap();
        let server = std::fs::read(layout.server_cert()).unwrap();
        ensure_certificates(&layout, "localhost").unwrap();
        assert_eq!(std::fs::read(layout.server_cert()).unwrap(), server, "unchanged hostname keeps the cert");
        ensure_certificates(&layout, "emu.example").unwrap();
        assert_ne!(std::fs::read(layout.server_cert()).unwrap(), server);
        assert_eq!(std::fs::read(layout.ca_cert()).unwrap(), ca, "the CA survives");
        assert!(server_cert_matches(&layout.server_cert(), "emu.example"));
        assert!(!server_cert_matches(&layout.server_cert(), "localhost"));
        server_config(&layout).unwrap();
    }
}
