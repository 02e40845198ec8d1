//! TLS modes against a real PostgreSQL with `ssl=on` and a certificate for
//! `localhost` signed by a test CA.

#[path = "support/tls_pg.rs"]
mod tls_pg;

use pgconn::{ConnectOptions, Error, ErrorClass, SslMode, TlsProblem};
use tls_pg::TlsPostgres;

fn opts(pg: &TlsPostgres, host: &str, mode: SslMode, ca: Option<&std::path::Path>) -> ConnectOptions {
    let mut opts = ConnectOptions::new(host, pg.port, "postgres", "postgres").with_password(pg.password.clone());
    opts.sslmode = mode;
    opts.ca_file = ca.map(|p| p.to_path_buf());
    opts.max_attempts = 1;
    opts
}

async fn ssl_in_use(client: &tokio_postgres::Client) -> bool {
    client.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn tls_modes_verify_what_libpq_verifies() {
    let pg = TlsPostgres::start("tls-pw");

    // verify-full with the right CA and the certificate's name.
    let client = pgconn::connect(&opts(&pg, "localhost", SslMode::VerifyFull, Some(&pg.ca_file))).await.unwrap();
    assert!(ssl_in_use(&client).await);

    // verify-full with a CA that did not sign the certificate.
    let err = pgconn::connect(&opts(&pg, "localhost", SslMode::VerifyFull, Some(&pg.wrong_ca_file))).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Tls);
    assert!(matches!(err, Error::Tls { problem: TlsProblem::UnknownCa, .. }), "{err:?}");
    assert!(err.to_string().contains("not signed by a trusted CA"), "{err}");
    assert!(err.to_string().contains("--ca-file"), "{err}");

    // verify-full with the right CA but a name the certificate does not carry.
    let err = pgconn::connect(&opts(&pg, "127.0.0.1", SslMode::VerifyFull, Some(&pg.ca_file))).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Tls);
    assert!(matches!(err, Error::Tls { problem: TlsProblem::NameMismatch { .. }, .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("not valid for host name 127.0.0.1"), "{text}");
    assert!(text.contains("localhost"), "names on the certificate: {text}");

    // verify-ca accepts the name mismatch but not the wrong CA.
    let client = pgconn::connect(&opts(&pg, "127.0.0.1", SslMode::VerifyCa, Some(&pg.ca_file))).await.unwrap();
    assert!(ssl_in_use(&client).await);
    let err = pgconn::connect(&opts(&pg, "127.0.0.1", SslMode::VerifyCa, Some(&pg.wrong_ca_file))).await.unwrap_err();
    assert!(matches!(err, Error::Tls { problem: TlsProblem::UnknownCa, .. }), "{err:?}");

    // require encrypts without checking anything.
    let client = pgconn::connect(&opts(&pg, "127.0.0.1", SslMode::Require, Some(&pg.wrong_ca_file))).await.unwrap();
    assert!(ssl_in_use(&client).await);

    // Default roots (no CA file) do not know the test CA.
    let err = pgconn::connect(&opts(&pg, "localhost", SslMode::VerifyFull, None)).await.unwrap_err();
    assert!(matches!(err, Error::Tls { problem: TlsProblem::UnknownCa, .. }), "{err:?}");

    // disable still works against the same server.
    let client = pgconn::connect(&opts(&pg, "127.0.0.1", SslMode::Disable, None)).await.unwrap();
    assert!(!ssl_in_use(&client).await);
}

#[tokio::test]
async fn iam_token_refused_by_a_password_server_is_an_auth_error_naming_the_action() {
    let pg = TlsPostgres::start("tls-pw");
    let mut opts = opts(&pg, "localhost", SslMode::VerifyFull, Some(&pg.ca_file)).with_iam("us-east-1");
    let creds = dsql::token::Credentials::new("AKIDTEST", "secret", None, None, "test");
    opts.credentials = Some(dsql::token::SharedCredentialsProvider::new(creds));
    let err = pgconn::connect(&opts).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Auth { expired: false });
    let text = err.to_string();
    assert!(text.contains("refused the IAM auth token for role postgres"), "{text}");
    assert!(text.contains("dsql:DbConnect"), "{text}");
}

#[tokio::test]
async fn tls_against_a_plaintext_only_server_says_tls_is_off() {
    let pg = testkit::TestPostgres::start_with_password("pw");
    let mut opts = ConnectOptions::new("127.0.0.1", pg.port, "postgres", "postgres").with_password("pw");
    opts.sslmode = SslMode::Require;
    opts.max_attempts = 1;
    let err = pgconn::connect(&opts).await.unwrap_err();
    assert!(matches!(err, Error::Tls { problem: TlsProblem::NotSupported, .. }), "{err:?}");
    assert!(err.to_string().contains("does not accept TLS"), "{err}");
}

#[tokio::test]
async fn unreadable_or_empty_ca_files_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let mut o = ConnectOptions::new("localhost", 1, "postgres", "postgres");
    o.ca_file = Some(missing.clone());
    let err = pgconn::connect(&o).await.unwrap_err();
    assert!(matches!(err, Error::CaFile { .. }), "{err:?}");
    assert!(err.to_string().contains("missing.pem"), "{err}");
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    o.ca_file = Some(empty);
    let err = pgconn::connect(&o).await.unwrap_err();
    assert!(err.to_string().contains("no PEM certificate"), "{err}");
}
