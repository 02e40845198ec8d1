//! Client-side cleartext authentication through a [`PasswordCheck`], and the
//! upstream side speaking SCRAM-SHA-256 to a password-protected PostgreSQL.

mod common;

use std::sync::atomic::Ordering;

use proxy::wire::ErrorFields;
use proxy::*;
use testkit::TestPostgres;

struct OnePassword;

impl PasswordCheck for OnePassword {
    async fn check(&self, hello: &ClientHello, password: &str) -> Result<Identity, ErrorFields> {
        if password == "letmein" {
            Ok(Identity::from_startup(&hello.startup))
        } else {
            Err(ErrorFields::fatal(
                "28P01",
                format!("password authentication failed for user \"{}\"", hello.startup.user()),
            ))
        }
    }
}

async fn proxy_for(
    pg: &TestPostgres,
    upstream_password: &str,
) -> (u16, std::sync::Arc<Metrics>, tokio::task::JoinHandle<()>) {
    let metrics = std::sync::Arc::new(Metrics::default());
    let connector =
        PgConnector::new("127.0.0.1", pg.port).with_password(PasswordSource::Static(upstream_password.to_string()));
    let pool = SessionPool::new(connector, PoolConfig::default(), metrics.clone());
    let proxy = Proxy::new(ProxyConfig::default(), CleartextAuth::new(OnePassword), pool, ForwardAll, metrics.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let _ = proxy.serve(listener).await;
    });
    (port, metrics, task)
}

fn conn_str(port: u16, password: &str) -> String {
    format!("host=127.0.0.1 port={port} user=postgres dbname=postgres password={password}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleartext_client_auth_and_scram_upstream() {
    let pg = tokio::task::spawn_blocking(|| TestPostgres::start_with_password("s3cret")).await.unwrap();
    let (port, metrics, task) = proxy_for(&pg, "s3cret").await;

    let (client, conn) = tokio_postgres::connect(&conn_str(port, "letmein"), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    assert_eq!(client.query_one("select current_user::text", &[]).await.unwrap().get::<_, String>(0), "postgres");

    let err = tokio_postgres::connect(&conn_str(port, "wrong"), tokio_postgres::NoTls).await.err().unwrap();
    let db = err.as_db_error().expect("server error");
    assert_eq!((db.code().code(), db.severity()), ("28P01", "FATAL"));
    assert_eq!(metrics.client_auth_failures_total.load(Ordering::Relaxed), 1);
    task.abort();

    // A wrong upstream password: the upstream's own refusal reaches the client.
    let (port, metrics, task) = proxy_for(&pg, "not-the-password").await;
    let err = tokio_postgres::connect(&conn_str(port, "letmein"), tokio_postgres::NoTls).await.err().unwrap();
    let db = err.as_db_error().expect("server error");
    assert_eq!(db.code().code(), "28P01");
    assert!(db.message().contains("password authentication failed"), "{}", db.message());
    assert_eq!(metrics.upstream_connect_errors_total.load(Ordering::Relaxed), 1);
    task.abort();
}
