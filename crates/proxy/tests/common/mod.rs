//! Test harness: a real PostgreSQL behind a proxy on a free 127.0.0.1 port.

#![allow(dead_code)]
pub mod raw;

use std::sync::Arc;

use proxy::*;
use testkit::TestPostgres;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub struct Harness<P: Policy> {
    pub pg: TestPostgres,
    pub port: u16,
    pub proxy: Proxy<TrustAuth, SessionPool<PgConnector>, P>,
    task: JoinHandle<()>,
}

impl<P: Policy> Drop for Harness<P> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn start<P: Policy>(policy: P, config: ProxyConfig) -> Harness<P> {
    let pg = tokio::task::spawn_blocking(TestPostgres::start).await.expect("postgres");
    start_with(pg, policy, config, PoolConfig::default()).await
}

pub async fn start_with<P: Policy>(pg: TestPostgres, policy: P, config: ProxyConfig, pool: PoolConfig) -> Harness<P> {
    let metrics = Arc::new(Metrics::default());
    let pool = SessionPool::new(PgConnector::new("127.0.0.1", pg.port), pool, metrics.clone());
    let proxy = Proxy::new(config, TrustAuth, pool, policy, metrics);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let serving = proxy.clone();
    let task = tokio::spawn(async move {
        let _ = serving.serve(listener).await;
    });
    Harness { pg, port, proxy, task }
}

impl<P: Policy> Harness<P> {
    pub fn conn_str(&self) -> String {
        format!("host=127.0.0.1 port={} user=postgres dbname=postgres", self.port)
    }

    pub async fn client(&self) -> tokio_postgres::Client {
        let (client, conn) =
            tokio_postgres::connect(&self.conn_str(), tokio_postgres::NoTls).await.expect("connect through proxy");
        tokio::spawn(conn);
        client
    }

    pub async fn direct(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(&self.pg.conn_str("postgres"), tokio_postgres::NoTls)
            .await
            .expect("connect direct");
        tokio::spawn(conn);
        client
    }
}

/// A self-signed certificate for `localhost`: the proxy's server config and
/// a client config that trusts exactly that certificate.
pub fn tls_pair() -> (Arc<rustls::ServerConfig>, rustls::ClientConfig) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("cert");
    let cert = ck.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::try_from(ck.signing_key.serialize_der()).expect("key");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .expect("server config");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).expect("root");
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    (Arc::new(server), client)
}
