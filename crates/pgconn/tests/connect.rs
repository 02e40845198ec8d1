//! Connections to a real private PostgreSQL: password auth, classified
//! failures (wrong/missing password, nothing listening) and bounded retries.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use pgconn::{AuthProblem, Backoff, ConnectOptions, Error, ErrorClass, SslMode};
use testkit::TestPostgres;

fn plain(port: u16) -> ConnectOptions {
    let mut opts = ConnectOptions::new("127.0.0.1", port, "postgres", "postgres");
    opts.sslmode = SslMode::Disable;
    opts
}

#[tokio::test]
async fn password_login_works_without_tls() {
    let pg = TestPostgres::start_with_password("s3cret pw");
    let client = pgconn::connect(&plain(pg.port).with_password("s3cret pw")).await.unwrap();
    let one: i32 = client.query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(one, 1);
    let app: String = client.query_one("SHOW application_name", &[]).await.unwrap().get(0);
    assert_eq!(app, "dsql-deploy");
}

#[tokio::test]
async fn wrong_and_missing_passwords_are_auth_errors_that_say_which() {
    let pg = TestPostgres::start_with_password("right");
    let started = Instant::now();
    let err = pgconn::connect(&plain(pg.port).with_password("wrong")).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Auth { expired: false });
    assert!(matches!(err, Error::Auth { problem: AuthProblem::WrongPassword, .. }), "{err:?}");
    assert!(err.to_string().contains("wrong password for user postgres"), "{err}");
    // Auth failures are not retried.
    assert!(started.elapsed() < Duration::from_secs(2));

    let err = pgconn::connect(&plain(pg.port)).await.unwrap_err();
    assert!(matches!(err, Error::Auth { problem: AuthProblem::NoPassword, .. }), "{err:?}");
    assert!(err.to_string().contains("none was given"), "{err}");
}

#[tokio::test]
async fn nothing_listening_is_a_network_error_after_bounded_retries() {
    let port = pgcluster::free_port().unwrap();
    let mut opts = plain(port).with_password("x");
    opts.max_attempts = 3;
    opts.backoff = Backoff { initial: Duration::from_millis(50), max: Duration::from_millis(200) };
    let started = Instant::now();
    let err = pgconn::connect(&opts).await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.class(), ErrorClass::Network);
    let text = err.to_string();
    assert!(text.contains("connection refused"), "{text}");
    assert!(text.contains("after 3 attempt(s)"), "{text}");
    // Two sleeps of at least half their nominal delay (25 + 50 ms), bounded above.
    assert!(elapsed >= Duration::from_millis(75), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test]
async fn unresolvable_host_says_so() {
    let mut opts = ConnectOptions::new("no-such-host.invalid", 5432, "postgres", "postgres").with_password("x");
    opts.sslmode = SslMode::Disable;
    opts.max_attempts = 1;
    let err = pgconn::connect(&opts).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Network);
    assert!(err.to_string().contains("no-such-host.invalid"), "{err}");
}

#[tokio::test]
async fn query_errors_are_classified_for_callers() {
    let pg = TestPostgres::start_with_password("pw");
    let client = pgconn::connect(&plain(pg.port).with_password("pw")).await.unwrap();
    let err = client.batch_execute("SELECT * FROM no_such_table").await.unwrap_err();
    let classified = Error::from_db(&err);
    assert_eq!(classified.code(), Some("42P01"));
    assert_eq!(classified.class(), ErrorClass::Other);
    let err = client
        .batch_execute("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001', MESSAGE = 'change conflicts with another transaction (OC000)'; END $$")
        .await
        .unwrap_err();
    assert_eq!(pgconn::class_of(&err), ErrorClass::Occ { code: dsql::errors::OccCode::DataConflict });
    assert!(Error::from_db(&err).to_string().contains("retry the whole transaction"));
    let err = client
        .batch_execute(
            "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '54000', MESSAGE = 'transaction row limit exceeded'; END $$",
        )
        .await
        .unwrap_err();
    assert_eq!(pgconn::class_of(&err), ErrorClass::Limit);
}

/// A listener that refuses every startup with DSQL's 53400 and counts them.
fn rate_limited_listener() -> (u16, Arc<AtomicU32>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicU32::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            seen.fetch_add(1, Ordering::SeqCst);
            let mut len = [0u8; 4];
            if stream.read_exact(&mut len).is_err() {
                continue;
            }
            let mut body = vec![0u8; u32::from_be_bytes(len) as usize - 4];
            let _ = stream.read_exact(&mut body);
            let mut fields = Vec::new();
            for (tag, value) in [(b'S', "FATAL"), (b'V', "FATAL"), (b'C', "53400"), (b'M', dsql::errors::RATE_EXCEEDED)]
            {
                fields.push(tag);
                fields.extend_from_slice(value.as_bytes());
                fields.push(0);
            }
            fields.push(0);
            let mut msg = vec![b'E'];
            msg.extend_from_slice(&(fields.len() as u32 + 4).to_be_bytes());
            msg.extend_from_slice(&fields);
            let _ = stream.write_all(&msg);
        }
    });
    (port, count)
}

#[tokio::test]
async fn rate_exceeded_is_retried_with_backoff_then_reported() {
    let (port, count) = rate_limited_listener();
    let mut opts = plain(port).with_password("x");
    opts.max_attempts = 4;
    opts.backoff = Backoff { initial: Duration::from_millis(20), max: Duration::from_millis(80) };
    let err = pgconn::connect(&opts).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::RateLimited);
    assert_eq!(err.code(), Some("53400"));
    assert_eq!(count.load(Ordering::SeqCst), 4);
    assert!(err.to_string().contains("retry later"), "{err}");
}
