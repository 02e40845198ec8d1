//! `hostaddr`: connect to one address while the certificate is verified
//! (and the IAM token signed) for `host`, like libpq.

// Only some of the fixture's fields are used here.
#[allow(dead_code)]
#[path = "support/tls_pg.rs"]
mod tls_pg;

use pgconn::{ConnectOptions, Error, ErrorClass, SslMode, TlsProblem};
use tls_pg::TlsPostgres;

fn opts(pg: &TlsPostgres, host: &str, hostaddr: &str, ca: &std::path::Path) -> ConnectOptions {
    let mut opts = ConnectOptions::new(host, pg.port, "postgres", "postgres").with_password(pg.password.clone());
    opts.sslmode = SslMode::VerifyFull;
    opts.ca_file = Some(ca.to_path_buf());
    opts.hostaddr = Some(hostaddr.parse().unwrap());
    opts.max_attempts = 1;
    opts
}

#[tokio::test]
async fn hostaddr_connects_there_and_verifies_the_host_name() {
    let pg = TlsPostgres::start("hostaddr-pw");

    // The certificate names `localhost`; the connection goes to 127.0.0.1.
    let client = pgconn::connect(&opts(&pg, "localhost", "127.0.0.1", &pg.ca_file)).await.unwrap();
    let one: i32 = client.query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(one, 1);

    // A name the certificate does not carry fails even though the address is right:
    // verification uses `host`, not `hostaddr`.
    let err = pgconn::connect(&opts(&pg, "db.example.invalid", "127.0.0.1", &pg.ca_file)).await.unwrap_err();
    assert!(matches!(err, Error::Tls { problem: TlsProblem::NameMismatch { .. }, .. }), "{err:?}");
    assert!(err.to_string().contains("db.example.invalid"), "{err}");

    // Nothing listens on 127.0.0.2's port: the message names host and address.
    let mut closed = opts(&pg, "localhost", "127.0.0.2", &pg.ca_file);
    closed.connect_timeout = std::time::Duration::from_secs(2);
    let err = pgconn::connect(&closed).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Network, "{err:?}");
    assert!(err.to_string().contains(&format!("localhost:{} (via 127.0.0.2)", pg.port)), "{err}");
}
