//! The reservoir against a private PostgreSQL (password or trust upstream):
//! lifetime rotation, the open-rate limiter, the FIFO line and its timeout,
//! rollback of abandoned transactions, an upstream killed mid-query,
//! SCRAM client logins, identities forgotten (after a failed open, after
//! `idle_identity_timeout`), and 1,000 concurrent sessions.

mod common;

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use common::*;
use gateway::{Identity, Lifetime, UpstreamAuth};
use testkit::TestPostgres;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifetime_rotation_never_hands_out_an_old_connection_and_sessions_keep_working() {
    let pg = TestPostgres::start();
    let mut s = base_settings("127.0.0.1", pg.port);
    // 3 s ± 0.5 s, guard 1 s: rotation every few seconds.
    s.lifetime = Lifetime::new(Duration::from_millis(3000), Duration::from_millis(500), Duration::from_millis(1000));
    let gw = start(s).await;
    let max_age = 3.5;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(8) {
        let c = client(&gw, "postgres", None).await.expect("a new session works across rotations");
        let age: f64 = c
            .query_one("SELECT extract(epoch FROM clock_timestamp() - backend_start)::float8 FROM pg_stat_activity WHERE pid = pg_backend_pid()", &[])
            .await
            .expect("query")
            .get(0);
        // Handed out at least the guard (1 s) before retirement (≤ 3.5 s).
        assert!(age < max_age - 1.0 + 0.2, "upstream was {age:.2}s old when handed out");
        drop(c);
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    assert!(gw.metrics().upstream_retired_total.load(Relaxed) >= 2, "connections were retired");

    // A session that outlives its upstream's lifetime is ended (57P01).
    let c = client(&gw, "postgres", None).await.expect("session");
    let t0 = Instant::now();
    let err = loop {
        match c.simple_query("SELECT 1").await {
            Ok(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(e) => break e,
        }
        assert!(t0.elapsed() < Duration::from_secs(6), "session outlived its upstream's lifetime");
    };
    assert!(err.to_string().contains("retires upstream connections") || c.is_closed(), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limiter_holds_the_configured_open_rate() {
    let pg = TestPostgres::start();
    let mut s = base_settings("127.0.0.1", pg.port);
    s.rate_per_sec = 20.0;
    s.burst = 2;
    s.reservoir.target_per_identity = 0;
    s.reservoir.max_per_identity = 200;
    let gw = start(s).await;
    let m = gw.metrics().clone();
    let sampler = tokio::spawn(async move {
        let mut samples = Vec::new();
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(5) {
            samples.push((t0.elapsed(), m.upstream_opens_total.load(Relaxed)));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        samples
    });
    let mut sessions = Vec::new();
    for _ in 0..60 {
        sessions.push(tokio::spawn({
            let port = gw.addr().port();
            async move {
                let (c, conn) = tokio_postgres::connect(
                    &format!("host=127.0.0.1 port={port} user=postgres dbname=postgres"),
                    tokio_postgres::NoTls,
                )
                .await?;
                tokio::spawn(conn);
                c.simple_query("SELECT 1").await?;
                tokio::time::sleep(Duration::from_secs(4)).await; // hold it: every client needs its own open
                Ok::<_, tokio_postgres::Error>(())
            }
        }));
    }
    let samples = sampler.await.expect("sampler");
    for s in sessions {
        s.await.expect("task").expect("session");
    }
    // Opens in any 1-second window: at most rate + burst (+1 for window edges).
    let mut worst = 0;
    for (i, (t, n)) in samples.iter().enumerate() {
        let later = samples[i..].iter().take_while(|(u, _)| *u <= *t + Duration::from_secs(1)).last();
        if let Some((_, m)) = later {
            worst = worst.max(m - n);
        }
    }
    assert!(worst <= 23, "{worst} opens in one second with a limit of 20/s + burst 2");
    assert!(worst >= 15, "the limiter let too few through ({worst}/s)");
    assert!(gw.metrics().limiter_waits_total.load(Relaxed) > 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_wait_in_line_then_get_a_clear_timeout() {
    let pg = TestPostgres::start();
    let mut s = base_settings("127.0.0.1", pg.port);
    s.reservoir.max_per_identity = 1;
    s.reservoir.target_per_identity = 1;
    s.reservoir.checkout_timeout = Duration::from_millis(700);
    let gw = start(s).await;
    let holder = client(&gw, "postgres", None).await.expect("first session");
    let t0 = Instant::now();
    let err = client(&gw, "postgres", None).await.expect_err("second session must wait and time out");
    let (code, message) = code_of(&err);
    assert_eq!(code, "53300", "{message}");
    assert!(message.contains("became free within"), "{message}");
    assert!(t0.elapsed() >= Duration::from_millis(650));
    // When the holder leaves, the next in line gets its connection.
    let waiter = tokio::spawn({
        let port = gw.addr().port();
        async move {
            let (c, conn) = tokio_postgres::connect(
                &format!("host=127.0.0.1 port={port} user=postgres dbname=postgres"),
                tokio_postgres::NoTls,
            )
            .await?;
            tokio::spawn(conn);
            c.simple_query("SELECT 1").await.map(|_| ())
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(holder);
    waiter.await.expect("task").expect("the waiting client got the freed connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_leaving_mid_transaction_is_rolled_back_before_reuse() {
    let pg = TestPostgres::start_with_password("pw-upstream");
    let mut s = base_settings("127.0.0.1", pg.port);
    s.upstream_auth = UpstreamAuth::Password("pw-upstream".into());
    s.reservoir.max_per_identity = 1;
    s.reservoir.target_per_identity = 1;
    let gw = start(s).await;
    let c = client(&gw, "postgres", None).await.expect("session");
    c.batch_execute("CREATE TABLE t (id int)").await.expect("ddl");
    c.batch_execute("BEGIN; INSERT INTO t VALUES (1); SET LOCAL statement_timeout = 1")
        .await
        .expect("open transaction");
    drop(c); // vanishes without COMMIT/ROLLBACK
    let c = client(&gw, "postgres", None).await.expect("next session reuses the only upstream");
    let rows = c.simple_query("SELECT count(*) FROM t").await.expect("not inside the old transaction");
    let count = rows.iter().find_map(|m| match m {
        tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
        _ => None,
    });
    assert_eq!(count.as_deref(), Some("0"));
    assert_eq!(gw.metrics().upstream_rollbacks_total.load(Relaxed), 1);
    assert_eq!(gw.metrics().upstream_opens_total.load(Relaxed), 1, "the same upstream was reused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_killed_mid_query_fails_that_client_promptly_and_the_next_session_works() {
    let pg = TestPostgres::start();
    let gw = start(base_settings("127.0.0.1", pg.port)).await;
    let c = client(&gw, "postgres", None).await.expect("session");
    let pid: i32 = c.query_one("SELECT pg_backend_pid()", &[]).await.expect("pid").get(0);
    let running = tokio::spawn(async move { c.simple_query("SELECT pg_sleep(30)").await.map(|_| ()) });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let admin = direct(pg.port).await;
    let t0 = Instant::now();
    admin.execute("SELECT pg_terminate_backend($1)", &[&pid]).await.expect("kill the upstream backend");
    let result =
        tokio::time::timeout(Duration::from_secs(3), running).await.expect("client answered promptly").expect("task");
    let err = result.expect_err("the killed query fails");
    assert!(t0.elapsed() < Duration::from_secs(2));
    assert!(
        err.to_string().contains("terminat") || err.as_db_error().is_some_and(|d| d.code().code() == "57P01"),
        "{err}"
    );
    let next = client(&gw, "postgres", None).await.expect("next session");
    next.simple_query("SELECT 1").await.expect("next session works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scram_clients_log_in_with_the_right_password_only() {
    let pg = TestPostgres::start();
    let mut s = base_settings("127.0.0.1", pg.port);
    s.client_auth = scram_users(&[("postgres", "client-secret")]);
    let gw = start(s).await;
    let c = client(&gw, "postgres", Some("client-secret")).await.expect("right password");
    c.simple_query("SELECT 1").await.expect("query");
    let err = client(&gw, "postgres", Some("wrong")).await.expect_err("wrong password");
    assert_eq!(code_of(&err).0, "28P01");
    let err = client(&gw, "nobody", Some("client-secret")).await.expect_err("unknown user");
    assert_eq!(code_of(&err).0, "28P01");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_on_a_non_loopback_listener_is_refused() {
    let mut s = base_settings("127.0.0.1", 1);
    s.listen = "0.0.0.0:0".parse().expect("addr");
    let err = gateway::Gateway::start(s).await.err().expect("refused");
    assert!(err.to_string().contains("only allowed when --listen is a loopback address"), "{err}");
}

/// A trust client session through the gateway to `database`.
async fn client_to(gw: &gateway::Gateway, database: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let mut cfg = tokio_postgres::Config::new();
    cfg.host("127.0.0.1")
        .port(gw.addr().port())
        .user("postgres")
        .dbname(database)
        .connect_timeout(Duration::from_secs(20));
    let (client, conn) = cfg.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

fn postgres_at(database: &str) -> Identity {
    Identity { user: "postgres".into(), database: database.into() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_to_a_missing_database_gets_the_upstream_error_and_no_background_retries() {
    let pg = TestPostgres::start();
    let mut s = base_settings("127.0.0.1", pg.port);
    s.reservoir.maintain_every = Duration::from_millis(20);
    s.reservoir.target_per_identity = 2;
    let gw = start(s).await;
    let m = gw.metrics().clone();
    let missing = postgres_at("no_such_database");

    let err = client_to(&gw, "no_such_database").await.expect_err("the database does not exist");
    let (code, message) = code_of(&err);
    assert_eq!(code, "3D000", "{message}");
    assert!(message.contains("no_such_database"), "{message}");

    let res = gw.reservoir().clone();
    assert!(
        wait_for(|| !res.identities().contains(&missing), Duration::from_secs(2)).await,
        "the failed identity was not forgotten: {:?}",
        res.identities()
    );
    // Nobody is waiting: no background opens over many maintenance rounds.
    let attempts = || m.upstream_opens_total.load(Relaxed) + m.upstream_open_errors_total.load(Relaxed);
    let before = attempts();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(attempts(), before, "the reservoir kept opening for an identity nobody asked for");
    assert!(!res.identities().contains(&missing));
    assert_eq!(res.counts(&missing), (0, 0, 0));
    assert_eq!(m.reservoir_target.load(Relaxed), 0, "target counts only the identities kept");

    // The next client simply tries again and gets the same answer.
    let err = client_to(&gw, "no_such_database").await.expect_err("still missing");
    assert_eq!(code_of(&err).0, "3D000");
    // An existing database still works afterwards.
    let c = client_to(&gw, "postgres").await.expect("session");
    c.simple_query("SELECT 1").await.expect("query");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identity_unused_for_the_idle_timeout_is_forgotten_and_a_warm_one_is_kept() {
    let pg = TestPostgres::start();
    let admin = direct(pg.port).await;
    admin.batch_execute("CREATE DATABASE other").await.expect("create database");
    let mut s = base_settings("127.0.0.1", pg.port);
    s.reservoir.maintain_every = Duration::from_millis(20);
    s.reservoir.target_per_identity = 2;
    s.reservoir.idle_identity_timeout = Duration::from_millis(300);
    s.reservoir.warm = vec![postgres_at("postgres")];
    let gw = start(s).await;
    let res = gw.reservoir().clone();
    let m = gw.metrics().clone();
    let warm = postgres_at("postgres");
    let other = postgres_at("other");
    assert!(wait_for(|| res.counts(&warm) == (2, 0, 0), Duration::from_secs(5)).await, "{:?}", res.counts(&warm));

    // In use for longer than the timeout: kept.
    let c = client_to(&gw, "other").await.expect("session to other");
    tokio::time::sleep(Duration::from_millis(600)).await;
    c.simple_query("SELECT 1").await.expect("query after the timeout");
    assert!(res.identities().contains(&other), "an identity in use was forgotten");
    assert!(wait_for(|| res.counts(&other) == (2, 1, 0), Duration::from_secs(5)).await, "{:?}", res.counts(&other));
    assert_eq!(m.reservoir_target.load(Relaxed), 4);
    drop(c);

    // Unused for the timeout: forgotten, its idle upstreams closed.
    let retired = m.upstream_retired_total.load(Relaxed);
    assert!(
        wait_for(|| !res.identities().contains(&other), Duration::from_secs(5)).await,
        "the unused identity was not forgotten: {:?}",
        res.counts(&other)
    );
    assert_eq!(res.counts(&other), (0, 0, 0));
    assert!(m.upstream_retired_total.load(Relaxed) >= retired + 2, "its idle connections were retired");
    let upstreams = || async {
        let row = admin
            .query_one("SELECT count(*) FROM pg_stat_activity WHERE datname = 'other'", &[])
            .await
            .expect("pg_stat_activity");
        row.get::<_, i64>(0)
    };
    let t0 = Instant::now();
    while upstreams().await > 0 {
        assert!(t0.elapsed() < Duration::from_secs(5), "upstream connections to `other` stayed open");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The warm identity keeps its target although nobody used it.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(res.counts(&warm), (2, 0, 0));
    assert_eq!(res.idle_count(), 2);
    assert_eq!(res.identities(), vec![warm]);
    assert_eq!(m.reservoir_target.load(Relaxed), 2);
    assert_eq!(m.reservoir_idle.load(Relaxed), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clients_missing_database_leaves_the_gateway_ready() {
    let pg = TestPostgres::start();
    let gw = start(base_settings("127.0.0.1", pg.port)).await;
    let m = gw.metrics().clone();
    let c = client_to(&gw, "postgres").await.expect("session");
    c.simple_query("SELECT 1").await.expect("query");
    assert!(m.upstream_ok.load(Relaxed), "ready once an open worked");
    client_to(&gw, "no_such_database").await.expect_err("the database does not exist");
    // One client's typo says nothing about the upstream: /readyz stays 200.
    assert!(m.upstream_ok.load(Relaxed), "a client's missing database made the gateway unready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_above_the_target_are_closed_after_a_burst() {
    let pg = TestPostgres::start();
    let mut s = base_settings("127.0.0.1", pg.port);
    s.reservoir.target_per_identity = 2;
    s.reservoir.maintain_every = Duration::from_millis(20);
    s.reservoir.surplus_idle_timeout = Duration::from_millis(300);
    let gw = start(s).await;
    let m = gw.metrics().clone();
    // A burst of 8 sessions at once needs 8 upstream connections.
    let mut burst = Vec::new();
    for _ in 0..8 {
        let c = client_to(&gw, "postgres").await.expect("session");
        c.simple_query("SELECT 1").await.expect("query");
        burst.push(c);
    }
    assert!(m.upstream_open.load(Relaxed) >= 8);
    drop(burst);
    // Back to the target once the surplus has idled for 300 ms.
    let res = gw.reservoir().clone();
    assert!(
        wait_for(|| res.idle_count() == 2 && m.upstream_open.load(Relaxed) == 2, Duration::from_secs(5)).await,
        "idle {} open {}",
        res.idle_count(),
        m.upstream_open.load(Relaxed)
    );
    assert!(m.upstream_trimmed_total.load(Relaxed) >= 6);
    // And the next session is still served at once from what is kept.
    let c = client_to(&gw, "postgres").await.expect("session after the trim");
    c.simple_query("SELECT 1").await.expect("query");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_vanishing_mid_query_has_its_statement_cancelled() {
    use bytes::BytesMut;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let pg = TestPostgres::start();
    let gw = start(base_settings("127.0.0.1", pg.port)).await;
    // A raw client (trust auth): log in, start a long statement, vanish.
    let mut tcp = tokio::net::TcpStream::connect(gw.addr()).await.expect("connect");
    let mut out = BytesMut::new();
    wire::StartupPacket::Startup(wire::Startup::new("postgres", "postgres")).encode(&mut out);
    tcp.write_all(&out).await.unwrap();
    let mut seen = Vec::new();
    while !seen.windows(6).any(|w| w == [b'Z', 0, 0, 0, 5, b'I']) {
        let mut buf = [0u8; 4096];
        let n = tcp.read(&mut buf).await.expect("read");
        assert!(n > 0, "closed before ReadyForQuery");
        seen.extend_from_slice(&buf[..n]);
    }
    let mut out = BytesMut::new();
    wire::Frontend::Query("SELECT pg_sleep(30)".into()).encode(&mut out);
    tcp.write_all(&out).await.unwrap();
    let admin = direct(pg.port).await;
    let sleeping = || async {
        let row = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'",
                &[],
            )
            .await
            .expect("pg_stat_activity");
        row.get::<_, i64>(0)
    };
    let deadline = Instant::now() + Duration::from_secs(3);
    while sleeping().await == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(sleeping().await, 1, "the statement started upstream");
    drop(tcp);
    let deadline = Instant::now() + Duration::from_secs(3);
    while sleeping().await > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sleeping().await, 0, "the vanished client's statement still runs upstream");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draining_ends_idle_sessions_at_once_and_lets_a_transaction_finish() {
    let pg = TestPostgres::start();
    let gw = start(base_settings("127.0.0.1", pg.port)).await;
    let idle = client_to(&gw, "postgres").await.expect("idle session");
    let busy = client_to(&gw, "postgres").await.expect("session in a transaction");
    busy.batch_execute("CREATE TABLE drained (id int); BEGIN; INSERT INTO drained VALUES (1)").await.expect("open tx");

    let gw = std::sync::Arc::new(gw);
    let draining = {
        let gw = gw.clone();
        tokio::spawn(async move { gw.drain(Duration::from_secs(10)).await })
    };
    // The idle session is told to go (57P01) and closes; no new client gets in.
    assert!(wait_for(|| idle.is_closed(), Duration::from_secs(3)).await, "idle session still open");
    assert!(client_to(&gw, "postgres").await.is_err(), "a new client was accepted while draining");
    // The transaction finishes, and only then does its session end.
    assert!(!busy.is_closed());
    busy.batch_execute("COMMIT").await.expect("the open transaction may finish");
    let left = tokio::time::timeout(Duration::from_secs(5), draining).await.expect("drain ends").expect("task");
    assert_eq!(left, 0);
    assert!(busy.is_closed());
    let admin = direct(pg.port).await;
    let kept: i64 = admin.query_one("SELECT count(*) FROM drained", &[]).await.expect("count").get(0);
    assert_eq!(kept, 1, "the committed row is there");
}
