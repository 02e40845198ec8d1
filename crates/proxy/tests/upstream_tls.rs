//! The upstream side over TLS (as the gateway talks to DSQL): a second proxy
//! whose `PgConnector` uses TLS connects through a TLS-only proxy in front of
//! PostgreSQL; and an upstream that refuses TLS is reported clearly.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use proxy::*;
use rustls::pki_types::ServerName;

async fn front_proxy(upstream: PgConnector) -> (u16, Arc<Metrics>, tokio::task::JoinHandle<()>) {
    let metrics = Arc::new(Metrics::default());
    let pool = SessionPool::new(upstream, PoolConfig::default(), metrics.clone());
    let proxy = Proxy::new(ProxyConfig::default(), TrustAuth, pool, ForwardAll, metrics.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    (
        port,
        metrics,
        tokio::spawn(async move {
            let _ = proxy.serve(listener).await;
        }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_connections_can_use_tls() {
    let (server, client_tls) = common::tls_pair();
    let config = ProxyConfig { tls: Some(server), require_tls: true, ..ProxyConfig::default() };
    let inner = common::start(ForwardAll, config).await;

    let tls = UpstreamTls { config: Arc::new(client_tls), server_name: ServerName::try_from("localhost").unwrap() };
    let (port, _metrics, task) = front_proxy(PgConnector::new("127.0.0.1", inner.port).with_tls(tls)).await;
    let conn_str = format!("host=127.0.0.1 port={port} user=postgres dbname=postgres");
    let (client, conn) = tokio_postgres::connect(&conn_str, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    assert_eq!(
        client.query_one("select 'through two proxies'", &[]).await.unwrap().get::<_, String>(0),
        "through two proxies"
    );
    assert_eq!(inner.proxy.metrics().client_tls_handshakes_total.load(Ordering::Relaxed), 1);
    task.abort();

    // PostgreSQL itself has no TLS here: it answers 'N', which must be a clear error.
    let (_, client_tls) = common::tls_pair();
    let tls = UpstreamTls { config: Arc::new(client_tls), server_name: ServerName::try_from("localhost").unwrap() };
    let (port, metrics, task) = front_proxy(PgConnector::new("127.0.0.1", inner.pg.port).with_tls(tls)).await;
    let conn_str = format!("host=127.0.0.1 port={port} user=postgres dbname=postgres");
    let err = tokio_postgres::connect(&conn_str, tokio_postgres::NoTls).await.err().unwrap();
    let db = err.as_db_error().expect("server error");
    assert_eq!(db.code().code(), "08006");
    assert!(db.message().contains("refused TLS"), "{}", db.message());
    assert_eq!(metrics.upstream_connect_errors_total.load(Ordering::Relaxed), 1);
    task.abort();
}
