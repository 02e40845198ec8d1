//! The certificate the gateway shows its clients (`--tls-cert/--tls-key`),
//! re-read when its files change. Certificates issued by ACME or
//! cert-manager rotate every few weeks; restarting the gateway to pick one
//! up would drop every client session and the warm reservoir.
//!
//! rustls asks a [`ResolvesServerCert`] for the certificate on every
//! handshake, so swapping the `Arc<CertifiedKey>` it holds changes what new
//! handshakes get while running sessions keep theirs. [`ClientCert::refresh`]
//! compares the files' modification times and sizes with the last load and
//! re-reads only on a change; a pair that does not load (half-written,
//! mismatched key) keeps the previous certificate in service and is retried
//! at the next check.

use std::fmt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::error::SettingsError;

/// How often the serving gateway looks at the files.
pub const CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// What identifies one version of the two files: modification time, size
/// and inode (a file replaced by rename has a new one).
type Stamp = [(Option<SystemTime>, u64, u64); 2];

/// The current client-side certificate and where it comes from.
pub struct ClientCert {
    cert_path: PathBuf,
    key_path: PathBuf,
    current: RwLock<(Arc<CertifiedKey>, Stamp)>,
}

impl fmt::Debug for ClientCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCert").field("cert", &self.cert_path).field("key", &self.key_path).finish()
    }
}

impl ClientCert {
    /// Loads the pair now; an error here stops the gateway from starting.
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<ClientCert, SettingsError> {
        let stamp = stamp(cert_path, key_path);
        let key = certified_key(cert_path, key_path)?;
        Ok(ClientCert {
            cert_path: cert_path.to_path_buf(),
            key_path: key_path.to_path_buf(),
            current: RwLock::new((Arc::new(key), stamp)),
        })
    }

    /// Re-reads the pair if either file changed since the last load.
    /// `Ok(true)`: a new certificate is in service; `Ok(false)`: nothing
    /// changed; `Err`: the files changed but do not load (the previous
    /// certificate stays in service).
    pub fn refresh(&self) -> Result<bool, SettingsError> {
        let now = stamp(&self.cert_path, &self.key_path);
        if self.read().1 == now {
            return Ok(false);
        }
        let key = certified_key(&self.cert_path, &self.key_path)?;
        *self.current.write().unwrap_or_else(std::sync::PoisonError::into_inner) = (Arc::new(key), now);
        Ok(true)
    }

    /// The end-entity certificate in service (DER).
    pub fn certificate(&self) -> Vec<u8> {
        self.read().0.cert.first().map(|c| c.to_vec()).unwrap_or_default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, (Arc<CertifiedKey>, Stamp)> {
        // Only a whole value is ever stored, so a poisoned lock still holds a usable one.
        self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The rustls server configuration that serves this certificate.
    pub fn server_config(self: &Arc<Self>) -> Result<Arc<rustls::ServerConfig>, SettingsError> {
        let config = rustls::ServerConfig::builder_with_provider(pgconn::tls::provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| SettingsError::ClientTls(e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Resolver(self.clone())));
        Ok(Arc::new(config))
    }
}

#[derive(Debug)]
struct Resolver(Arc<ClientCert>);

impl ResolvesServerCert for Resolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.read().0.clone())
    }
}

fn stamp(cert: &Path, key: &Path) -> Stamp {
    let one = |p: &Path| std::fs::metadata(p).map(|m| (m.modified().ok(), m.len(), m.ino())).unwrap_or((None, 0, 0));
    [one(cert), one(key)]
}

fn read(path: &Path) -> Result<Vec<u8>, SettingsError> {
    std::fs::read(path).map_err(|source| SettingsError::Read { path: path.to_path_buf(), source })
}

fn certified_key(cert: &Path, key: &Path) -> Result<CertifiedKey, SettingsError> {
    let certs: Vec<_> = rustls_pemfile::certs(&mut read(cert)?.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| SettingsError::ClientTls(format!("{}: {e}", cert.display())))?;
    if certs.is_empty() {
        return Err(SettingsError::ClientTls(format!("{} holds no PEM certificate", cert.display())));
    }
    let private_key = rustls_pemfile::private_key(&mut read(key)?.as_slice())
        .map_err(|e| SettingsError::ClientTls(format!("{}: {e}", key.display())))?
        .ok_or_else(|| SettingsError::ClientTls(format!("{} holds no PEM private key", key.display())))?;
    CertifiedKey::from_der(certs, private_key, &pgconn::tls::provider()).map_err(|e| {
        SettingsError::ClientTls(format!("{} and {} do not fit together: {e}", cert.display(), key.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf, Vec<u8>) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec![name.to_string()]).unwrap().self_signed(&key).unwrap();
        let (c, k) = (dir.join("tls.crt"), dir.join("tls.key"));
        fsutil::write_atomic(&c, cert.pem().as_bytes(), 0o644).unwrap();
        fsutil::write_atomic(&k, key.serialize_pem().as_bytes(), 0o600).unwrap();
        (c, k, cert.der().to_vec())
    }

    #[test]
    fn a_replaced_pair_is_served_after_refresh_and_an_unchanged_one_is_not_reread() {
        let dir = tempfile::tempdir().unwrap();
        let (c, k, first) = write_pair(dir.path(), "gw-a.example");
        let cert = ClientCert::load(&c, &k).unwrap();
        assert_eq!(cert.certificate(), first);
        assert!(!cert.refresh().unwrap(), "nothing changed");

        let (_, _, second) = write_pair(dir.path(), "gw-b.example");
        assert!(cert.refresh().unwrap(), "both files were replaced");
        assert_eq!(cert.certificate(), second);
    }

    #[test]
    fn a_bad_replacement_keeps_the_old_certificate_in_service() {
        let dir = tempfile::tempdir().unwrap();
        let (c, k, first) = write_pair(dir.path(), "gw-a.example");
        let cert = ClientCert::load(&c, &k).unwrap();
        // A new certificate whose key was not (yet) replaced.
        let other = rcgen::KeyPair::generate().unwrap();
        let stray = rcgen::CertificateParams::new(vec!["gw-b.example".into()]).unwrap().self_signed(&other).unwrap();
        fsutil::write_atomic(&c, stray.pem().as_bytes(), 0o644).unwrap();
        let err = cert.refresh().unwrap_err().to_string();
        assert!(err.contains("do not fit together"), "{err}");
        assert_eq!(cert.certificate(), first);
        // Once the key arrives, the next check picks the pair up.
        fsutil::write_atomic(&k, other.serialize_pem().as_bytes(), 0o600).unwrap();
        assert!(cert.refresh().unwrap());
        assert_eq!(cert.certificate(), stray.der().to_vec());
    }

    #[test]
    fn a_missing_or_empty_file_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let (c, _, _) = write_pair(dir.path(), "gw-a.example");
        let missing = dir.path().join("nope.key");
        let err = ClientCert::load(&c, &missing).unwrap_err().to_string();
        assert!(err.contains("nope.key"), "{err}");
        let empty = dir.path().join("empty.crt");
        std::fs::write(&empty, b"").unwrap();
        let err = ClientCert::load(&empty, &missing).unwrap_err().to_string();
        assert!(err.contains("empty.crt") && err.contains("no PEM certificate"), "{err}");
    }
}
