//! The client-side certificate is replaced while the gateway runs: new
//! handshakes get the new one within a check interval, without a restart.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Pair {
    pem: String,
    key_pem: String,
    der: Vec<u8>,
}

fn pair(name: &str) -> Pair {
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec![name.to_string()]).expect("params").self_signed(&key).expect("cert");
    Pair { pem: cert.pem(), key_pem: key.serialize_pem(), der: cert.der().to_vec() }
}

/// SSLRequest, then a TLS handshake that trusts only `trusted` for `name`;
/// the certificate the gateway showed, or the handshake error.
async fn handshake(addr: std::net::SocketAddr, trusted: &[u8], name: &str) -> Result<Vec<u8>, String> {
    let mut tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    tcp.write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]).await.map_err(|e| e.to_string())?;
    let answer = tcp.read_u8().await.map_err(|e| e.to_string())?;
    assert_eq!(answer, b'S', "the gateway offers TLS");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(trusted.to_vec())).expect("trust anchor");
    let config = rustls::ClientConfig::builder_with_provider(pgconn::tls::provider())
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from(name.to_string()).expect("name"), tcp)
        .await
        .map_err(|e| e.to_string())?;
    Ok(tls.get_ref().1.peer_certificates().and_then(|c| c.first()).map(|c| c.to_vec()).unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_certificate_is_served_to_new_clients_without_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (cert_path, key_path) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    let first = pair("gw-a.test");
    fsutil::write_atomic(&cert_path, first.pem.as_bytes(), 0o644).expect("cert");
    fsutil::write_atomic(&key_path, first.key_pem.as_bytes(), 0o600).expect("key");

    // The TLS handshake comes before login, so no upstream is needed here.
    let mut settings = common::base_settings("127.0.0.1", 9);
    settings.client_tls = Some((cert_path.clone(), key_path.clone()));
    let gw = gateway::Gateway::start(settings).await.expect("gateway starts");
    assert_eq!(handshake(gw.addr(), &first.der, "gw-a.test").await.expect("first handshake"), first.der);

    let second = pair("gw-b.test");
    // Key first, then certificate: in between the pair does not fit, and the
    // gateway must keep serving the first certificate.
    fsutil::write_atomic(&key_path, second.key_pem.as_bytes(), 0o600).expect("key");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(handshake(gw.addr(), &first.der, "gw-a.test").await.expect("still the first"), first.der);
    fsutil::write_atomic(&cert_path, second.pem.as_bytes(), 0o644).expect("cert");

    let deadline = Instant::now() + gateway::client_tls::CHECK_EVERY * 2;
    loop {
        match handshake(gw.addr(), &second.der, "gw-b.test").await {
            Ok(der) => {
                assert_eq!(der, second.der);
                break;
            }
            Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(250)).await,
            Err(e) => {
                panic!("the new certificate was not served within {:?}: {e}", gateway::client_tls::CHECK_EVERY * 2)
            }
        }
    }
    let old = handshake(gw.addr(), &first.der, "gw-a.test").await;
    assert!(old.is_err(), "clients trusting only the old certificate no longer get it");
}
