//! The gateway in front of the emulator (DSQL's stand-in): IAM tokens over
//! TLS verify-full, a bad credential reported clearly, FOR SHARE adapted,
//! metrics/health endpoints, and logs that never carry a token or secret.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;

/// Collects everything logged (at trace level) so tests can search it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() -> Captured {
    let captured = Captured::default();
    let writer = captured.clone();
    let _ =
        tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(move || writer.clone()).try_init();
    captured
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_upstream_serves_queries_and_adapts_for_share_without_logging_secrets() {
    let logs = capture_logs();
    let emu = emulator().await;
    let gw = start(emu.settings(&emu.config.secret_access_key)).await;

    // Warm-up opens the reservoir with fresh tokens before any client.
    let m = gw.metrics().clone();
    assert!(wait_for(|| gw.reservoir().idle_count() >= 2, Duration::from_secs(10)).await, "reservoir warmed");
    let (status, body) = http_get(&gw, "/readyz").await;
    assert!(status.contains("200"), "{status} {body}");
    assert!(http_get(&gw, "/healthz").await.0.contains("200"));

    let c = client(&gw, "admin", None).await.expect("session through the gateway");
    let row = c.query_one("SELECT current_user::text, 40 + 2", &[]).await.expect("query");
    assert_eq!(row.get::<_, String>(0), "admin");
    assert_eq!(row.get::<_, i32>(1), 42);
    assert!(m.token_mints_total.load(std::sync::atomic::Ordering::Relaxed) >= 2);

    c.batch_execute("CREATE TABLE shards (id int PRIMARY KEY, owner text)").await.expect("ddl");
    c.batch_execute("INSERT INTO shards VALUES (1, 'a')").await.expect("insert");

    // The emulator (like DSQL) refuses FOR SHARE directly …
    let direct = emu_direct(&emu).await;
    let err =
        direct.query("SELECT * FROM shards WHERE id = 1 FOR SHARE", &[]).await.expect_err("DSQL refuses FOR SHARE");
    assert_eq!(code_of(&err).0, "0A000");
    // … and the gateway adapts it, in both protocols and inside a transaction.
    let rows =
        c.query("SELECT owner FROM shards WHERE id = $1 FOR SHARE", &[&1i32]).await.expect("FOR SHARE via gateway");
    assert_eq!(rows[0].get::<_, String>(0), "a");
    c.batch_execute("BEGIN; SELECT * FROM shards FOR NO KEY UPDATE; COMMIT")
        .await
        .expect("FOR NO KEY UPDATE via gateway");
    // SQL-level PREPARE: refused directly, adapted through the gateway.
    let err = direct.batch_execute("PREPARE p AS SELECT * FROM shards FOR SHARE").await.expect_err("refused");
    assert_eq!(code_of(&err).0, "0A000");
    c.batch_execute("PREPARE p AS SELECT * FROM shards FOR SHARE; EXECUTE p; DEALLOCATE p")
        .await
        .expect("PREPARE … FOR SHARE via gateway");
    let (_, text) = http_get(&gw, "/metrics").await;
    assert!(text.contains("dsql_gateway_rewrites_total{rule=\"for_share\"} 2\n"), "{text}");
    assert!(text.contains("dsql_gateway_rewrites_total{rule=\"for_no_key_update\"} 1\n"));
    assert!(text.contains("dsql_gateway_upstream_opens_total "));
    drop(c);

    let logged = String::from_utf8_lossy(&logs.0.lock().expect("logs")).to_string();
    assert!(logged.contains("gateway listening"), "logging was captured: {logged}");
    // A token is only usable with its signature; the AWS SDK's own trace
    // logs show the canonical request (no signature), which is fine.
    for secret in ["X-Amz-Signature", emu.config.secret_access_key.as_str()] {
        let leaks: Vec<&str> = logged.lines().filter(|l| l.contains(secret)).map(|l| &l[..l.len().min(300)]).collect();
        assert!(leaks.is_empty(), "logs contain {secret:?}: {leaks:#?}");
    }
}

async fn emu_direct(emu: &TestEmulator) -> tokio_postgres::Client {
    use dsql::token::{TokenAction, TokenParams};
    let creds =
        dsql::token::Credentials::new(&emu.config.access_key_id, &emu.config.secret_access_key, None, None, "t");
    let token =
        dsql::token::generate(&TokenParams::new(&emu.config.hostname, REGION, TokenAction::DbConnectAdmin), &creds)
            .expect("token");
    let info = emu.emulator.info();
    let tls = pgconn::tls::connector(pgconn::SslMode::VerifyFull, Some(&info.ca_file)).expect("tls").expect("tls on");
    let mut cfg = tokio_postgres::Config::new();
    cfg.host(&emu.config.hostname).port(info.port).user("admin").password(token).dbname("postgres");
    let (client, conn) = cfg.connect(tls).await.expect("direct emulator session");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_credential_is_reported_clearly_and_readyz_says_not_ready() {
    let emu = emulator().await;
    let gw = start(emu.settings("wrong-secret-access-key-000000000000000")).await;
    let err = client(&gw, "admin", None).await.expect_err("bad upstream credential");
    let (code, message) = code_of(&err);
    assert!(code.starts_with("28"), "{code} {message}");
    assert!(message.contains("access denied"), "DSQL's own words: {message}");
    let hint = err.as_db_error().and_then(|d| d.hint()).unwrap_or_default().to_string();
    assert!(hint.contains("AWS credentials"), "the gateway says what to check: {hint}");
    let (status, body) = http_get(&gw, "/readyz").await;
    assert!(status.contains("503"), "{status}");
    assert!(body.contains("not ready"));
    assert!(gw.metrics().errors_for(&code) >= 1);
}

/// An autocommit statement that loses a write conflict (40001) committed
/// nothing, so the gateway re-sends it; inside an explicit transaction the
/// client gets the 40001 itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocommit_occ_conflicts_are_retried_but_not_inside_a_transaction() {
    let emu = emulator().await;
    let gw = start(emu.settings(&emu.config.secret_access_key)).await;
    let c = client(&gw, "admin", None).await.expect("session through the gateway");
    c.batch_execute("CREATE TABLE counters (id int PRIMARY KEY, v int)").await.expect("ddl");
    c.batch_execute("INSERT INTO counters VALUES (1, 0)").await.expect("insert");

    // Another session holds a write to the row and commits a little later.
    let other = Arc::new(emu_direct(&emu).await);
    other.batch_execute("BEGIN; UPDATE counters SET v = 1 WHERE id = 1").await.expect("other writer");
    let committer = {
        let other = other.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(250)).await;
            other.batch_execute("COMMIT").await.expect("other commits");
        })
    };
    c.execute("UPDATE counters SET v = v + 10 WHERE id = 1", &[]).await.expect("retried until the other committed");
    committer.await.expect("committer");
    let v: i32 = c.query_one("SELECT v FROM counters WHERE id = 1", &[]).await.expect("read").get(0);
    assert_eq!(v, 11, "the retry ran after the other transaction's commit, on its value");
    assert!(gw.metrics().occ_retries_total.load(std::sync::atomic::Ordering::Relaxed) >= 1);

    // Inside BEGIN … the conflict is the client's to handle.
    other.batch_execute("BEGIN; UPDATE counters SET v = 2 WHERE id = 1").await.expect("other writer again");
    c.batch_execute("BEGIN").await.expect("begin");
    let err =
        c.execute("UPDATE counters SET v = v + 10 WHERE id = 1", &[]).await.expect_err("conflict reaches the client");
    assert_eq!(code_of(&err).0, "40001");
    c.batch_execute("ROLLBACK").await.expect("rollback");
    other.batch_execute("ROLLBACK").await.expect("other rollback");
}
