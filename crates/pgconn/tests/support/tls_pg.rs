//! A private PostgreSQL with TLS on (password auth), for tests of TLS modes.
//! A fresh CA signs a server certificate for `localhost` only, so connecting
//! to `127.0.0.1` with verify-full is a host-name mismatch. A second,
//! unrelated CA is written too, for "wrong CA" tests. Stopped by PID on drop.
//! Shared by pgconn's and the CLI's tests (`#[path]` include).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pgcluster::{Auth, Cluster, InitOptions, RunningServer};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};

pub struct TlsPostgres {
    pub port: u16,
    pub password: String,
    /// PEM of the CA that signed the server certificate.
    pub ca_file: PathBuf,
    /// PEM of a CA that signed nothing here.
    pub wrong_ca_file: PathBuf,
    server: RunningServer,
    _dir: tempfile::TempDir,
}

fn new_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// Writes `bytes` to `path` with `mode`, owned by the server's OS user
/// (PostgreSQL refuses a key file others can read or that it does not own).
fn write_for_server(cluster: &Cluster, path: &Path, bytes: &[u8], mode: u32) {
    std::fs::write(path, bytes).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    if nix::unistd::geteuid().is_root() {
        let user = nix::unistd::User::from_name(&cluster.os_user()).unwrap().unwrap();
        nix::unistd::chown(path, Some(user.uid), Some(user.gid)).unwrap();
    }
}

impl TlsPostgres {
    pub fn start(password: &str) -> TlsPostgres {
        let dir = tempfile::Builder::new().prefix("pgconn-tls-").tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let data = dir.path().join("data");
        let cluster = Cluster::new(pgcluster::find_bin_dir().unwrap(), &data).unwrap();
        cluster.init(&InitOptions { superuser: "postgres".into(), auth: Auth::Password(password.into()) }).unwrap();

        let ca = new_ca("pgconn test CA");
        let mut server_params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        server_params.distinguished_name.push(DnType::CommonName, "localhost");
        let server_key = KeyPair::generate().unwrap();
        let server_cert = server_params.signed_by(&server_key, &*ca).unwrap();
        let cert_file = data.join("server.crt");
        let key_file = data.join("server.key");
        write_for_server(&cluster, &cert_file, server_cert.pem().as_bytes(), 0o644);
        write_for_server(&cluster, &key_file, server_key.serialize_pem().as_bytes(), 0o600);
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        let wrong_ca_file = dir.path().join("wrong-ca.pem");
        std::fs::write(&wrong_ca_file, new_ca("unrelated CA").pem()).unwrap();

        let cert = cert_file.display().to_string();
        let key = key_file.display().to_string();
        let settings = [("ssl", "on"), ("ssl_cert_file", cert.as_str()), ("ssl_key_file", key.as_str())];
        // Another process may take the port between probe and bind; retry then.
        let mut last_err = None;
        for _ in 0..5 {
            let port = pgcluster::free_port().unwrap();
            match cluster.start(port, &settings, Duration::from_secs(30)) {
                Ok(server) => {
                    return TlsPostgres {
                        port,
                        password: password.to_string(),
                        ca_file,
                        wrong_ca_file,
                        server,
                        _dir: dir,
                    };
                }
                Err(e) => last_err = Some(e),
            }
        }
        panic!("TLS PostgreSQL did not start: {:?}", last_err);
    }
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        let _ = self.server.stop(Duration::from_secs(10));
    }
}
