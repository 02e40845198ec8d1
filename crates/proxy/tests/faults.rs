//! Bad input and faults: garbage, absurd lengths, startup without user,
//! plaintext when TLS is required, a client vanishing mid-transaction, the
//! upstream dying. The proxy must answer like a server, never hang, never
//! panic, and keep serving the next client.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use common::raw::Raw;
use proxy::wire::{Backend, Frontend, Startup, StartupPacket};
use proxy::*;

fn fatal_code(msgs: &[Backend]) -> Option<String> {
    msgs.iter().find_map(|m| match m {
        Backend::ErrorResponse(e) if e.is_fatal() => Some(e.sqlstate().to_string()),
        _ => None,
    })
}

fn startup_bytes(startup: Startup) -> BytesMut {
    let mut out = BytesMut::new();
    StartupPacket::Startup(startup).encode(&mut out);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_lengths_and_bad_startups_get_fatal_errors() {
    let h = common::start(ForwardAll, ProxyConfig::default()).await;

    // Garbage instead of a startup packet.
    let mut raw = Raw::connect(h.port).await;
    raw.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(fatal_code(&raw.read_to_close().await).as_deref(), Some("08P01"));

    // A 2 GiB startup length (negative as i32) and a 2 GiB - 1 one.
    for header in [[0x80u8, 0, 0, 0], [0x7f, 0xff, 0xff, 0xff]] {
        let mut raw = Raw::connect(h.port).await;
        raw.send(&header).await;
        let msgs = raw.read_to_close().await;
        assert!(
            matches!(&msgs[..], [Backend::ErrorResponse(e)] if e.message() == "invalid length of startup packet"),
            "{msgs:?}"
        );
    }

    // Startup without user; unknown protocol version.
    let mut raw = Raw::connect(h.port).await;
    raw.send(&startup_bytes(Startup { minor: 0, params: vec![("database".into(), "postgres".into())] })).await;
    let msgs = raw.read_to_close().await;
    assert!(
        matches!(&msgs[..], [Backend::ErrorResponse(e)] if e.sqlstate() == "28000" && e.message().contains("no PostgreSQL user name")),
        "{msgs:?}"
    );
    let mut raw = Raw::connect(h.port).await;
    raw.send(&[0, 0, 0, 8, 0, 2, 0, 0]).await;
    assert_eq!(fatal_code(&raw.read_to_close().await).as_deref(), Some("0A000"));

    // After login: 2 GiB message lengths, an unknown message type, random bytes.
    let started = Instant::now();
    for frame in [&[b'Q', 0x80, 0, 0, 0][..], &[b'Q', 0x7f, 0xff, 0xff, 0xff][..], b"\x01\0\0\0\x04", b"Q\0\0\0\x02"] {
        let mut raw = Raw::login(h.port).await;
        raw.send(frame).await;
        assert_eq!(fatal_code(&raw.read_to_close().await).as_deref(), Some("08P01"), "frame {frame:?}");
    }
    assert!(started.elapsed() < Duration::from_secs(10), "bad lengths are refused from the header, without waiting");

    // The proxy still serves, and reused the upstreams of the refused sessions.
    let c = h.client().await;
    assert_eq!(c.query_one("select 41 + 1", &[]).await.unwrap().get::<_, i32>(0), 42);
    let m = h.proxy.metrics();
    assert!(m.client_protocol_errors_total.load(Ordering::Relaxed) >= 8);
    assert!(m.pool_reuses_total.load(Ordering::Relaxed) >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_is_refused_when_tls_is_required() {
    let (server, client_tls) = common::tls_pair();
    let config = ProxyConfig { tls: Some(server), require_tls: true, ..ProxyConfig::default() };
    let h = common::start(ForwardAll, config).await;

    let err = tokio_postgres::connect(&h.conn_str(), tokio_postgres::NoTls).await.err().expect("plaintext refused");
    let db = err.as_db_error().expect("a server error, not a hang");
    assert_eq!((db.code().code(), db.message()), ("28000", "SSL/TLS required"));

    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(client_tls);
    let conn_str = format!("host=localhost port={} user=postgres dbname=postgres sslmode=require", h.port);
    let (client, conn) = tokio_postgres::connect(&conn_str, tls).await.expect("TLS connect");
    tokio::spawn(conn);
    assert_eq!(client.query_one("select 'tls'", &[]).await.unwrap().get::<_, String>(0), "tls");
    let m = h.proxy.metrics();
    assert_eq!(m.client_tls_handshakes_total.load(Ordering::Relaxed), 1);
    assert_eq!(m.client_tls_required_refusals_total.load(Ordering::Relaxed), 1);
}

async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let started = Instant::now();
    while !cond() {
        assert!(started.elapsed() < Duration::from_secs(10), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_vanishing_mid_transaction_is_rolled_back_before_reuse() {
    let h = common::start(ForwardAll, ProxyConfig::default()).await;
    let direct = h.direct().await;
    direct.batch_execute("create table t (id int primary key)").await.unwrap();

    // Raw client: BEGIN + INSERT, then the socket just closes.
    let mut raw = Raw::login(h.port).await;
    raw.send(&Frontend::Query("begin; insert into t values (1); select pg_backend_pid()".into()).to_raw().into_bytes())
        .await;
    let msgs = raw.read_until_ready().await;
    let pid: i32 = msgs
        .iter()
        .find_map(|m| match m {
            Backend::DataRow(v) => v[0].as_ref().and_then(|b| std::str::from_utf8(b).ok()?.parse().ok()),
            _ => None,
        })
        .expect("backend pid");
    assert!(matches!(msgs.last(), Some(Backend::ReadyForQuery(proxy::wire::TxStatus::InTransaction))));
    drop(raw);

    let m = h.proxy.metrics().clone();
    wait_for("the reset", || m.pool_resets_total.load(Ordering::Relaxed) == 1).await;
    let n: i64 = direct.query_one("select count(*) from t", &[]).await.unwrap().get(0);
    assert_eq!(n, 0, "the vanished client's insert was rolled back");

    // The next session gets the same upstream, with no lock left behind.
    let c = h.client().await;
    let again: i32 = c.query_one("select pg_backend_pid()", &[]).await.unwrap().get(0);
    assert_eq!(again, pid, "upstream reused");
    let insert = tokio::time::timeout(Duration::from_secs(5), c.execute("insert into t values (1)", &[])).await;
    assert_eq!(insert.expect("no leftover row lock").unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_death_reaches_the_client_promptly_and_next_session_works() {
    let mut h = common::start(ForwardAll, ProxyConfig::default()).await;
    let direct = h.direct().await;

    // One upstream backend killed under an idle client session.
    let c = h.client().await;
    let pid: i32 = c.query_one("select pg_backend_pid()", &[]).await.unwrap().get(0);
    direct.query_one("select pg_terminate_backend($1)", &[&pid]).await.unwrap();
    let started = Instant::now();
    assert!(tokio::time::timeout(Duration::from_secs(5), c.simple_query("select 1")).await.expect("no hang").is_err());
    assert!(started.elapsed() < Duration::from_secs(2));
    let c2 = h.client().await;
    assert_eq!(c2.query_one("select 7", &[]).await.unwrap().get::<_, i32>(0), 7);

    // Killed in the middle of a query.
    let pid: i32 = c2.query_one("select pg_backend_pid()", &[]).await.unwrap().get(0);
    let slow = tokio::spawn(async move { c2.simple_query("select pg_sleep(30)").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    direct.query_one("select pg_terminate_backend($1)", &[&pid]).await.unwrap();
    let result = tokio::time::timeout(Duration::from_secs(5), slow).await.expect("no hang").unwrap();
    let err = result.unwrap_err();
    assert_eq!(err.as_db_error().map(|e| e.code().code()), Some("57P01"), "{err}");
    let c3 = h.client().await;
    assert_eq!(c3.query_one("select 8", &[]).await.unwrap().get::<_, i32>(0), 8);
    // Both killed upstreams were discarded, never handed to another client.
    wait_for("discards", || h.proxy.metrics().pool_discards_total.load(Ordering::Relaxed) >= 2).await;

    // The whole server killed: clients get an error, not a hang, also new ones.
    drop(direct);
    h.pg.kill();
    // Give the orphaned backend a moment to notice its postmaster is gone
    // (otherwise it may still answer one last query, as it would directly).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    assert!(tokio::time::timeout(Duration::from_secs(5), c3.simple_query("select 1")).await.expect("no hang").is_err());
    let err =
        tokio::time::timeout(Duration::from_secs(5), tokio_postgres::connect(&h.conn_str(), tokio_postgres::NoTls))
            .await
            .expect("no hang")
            .err()
            .expect("no upstream");
    assert_eq!(err.as_db_error().map(|e| e.code().code()), Some("08006"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}
