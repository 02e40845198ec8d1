//! Policy decisions behave like a server would: refusals in both protocols,
//! inside and outside transactions, rewrites, CommandComplete errors, upstream
//! error translation, termination and deadlines — against a real PostgreSQL.

mod common;

use std::time::{Duration, Instant};

use proxy::wire::{CommandTag, ErrorFields};
use proxy::*;
use tokio_postgres::SimpleQueryMessage;

/// A test policy: refuses TRUNCATE, rewrites a marker query, ends the session
/// on "goodbye", limits rows changed per transaction to 3, renames 42P01.
struct TestPolicy {
    lifetime: Option<Duration>,
}

struct TestSession {
    lifetime: Option<Duration>,
}

impl Policy for TestPolicy {
    type Session = TestSession;
    fn session(&self, _state: &SessionState) -> TestSession {
        TestSession { lifetime: self.lifetime }
    }
}

impl SessionPolicy for TestSession {
    async fn on_statement(&mut self, stmt: Statement<'_>, _state: &SessionState) -> Decision {
        let sql = stmt.sql.to_ascii_lowercase();
        if sql.starts_with("truncate") {
            Decision::Refuse(ErrorFields::error("0A000", "unsupported statement: Truncate"))
        } else if sql == "select 'rewrite-me'" {
            Decision::Rewrite("select 'rewritten'".into())
        } else if sql == "select 'goodbye'" {
            Decision::Terminate(ErrorFields::fatal("57P01", "terminating connection by policy"))
        } else {
            Decision::Forward
        }
    }

    fn on_command_complete(&mut self, tag: &CommandTag<'_>, state: &SessionState) -> Option<ErrorFields> {
        (tag.rows_changed() > 0 && state.rows_changed > 3)
            .then(|| ErrorFields::error("54000", "transaction row limit exceeded"))
    }

    fn on_upstream_error(&mut self, error: &mut ErrorFields, _state: &SessionState) {
        if error.sqlstate() == "42P01" {
            error.set(proxy::wire::fields::code::MESSAGE, "translated: no such relation");
        }
    }

    fn deadline(&mut self, state: &SessionState) -> Option<Deadline> {
        self.lifetime.map(|l| Deadline {
            at: state.connected_at + l,
            error: ErrorFields::fatal("08006", "connection lifetime exceeded"),
        })
    }
}

fn code(e: &tokio_postgres::Error) -> String {
    e.as_db_error().map(|d| d.code().code().to_string()).unwrap_or_else(|| format!("not a db error: {e}"))
}

fn message(e: &tokio_postgres::Error) -> String {
    e.as_db_error().map(|d| d.message().to_string()).unwrap_or_default()
}

async fn count(client: &tokio_postgres::Client) -> i64 {
    client.query_one("select count(*) from t", &[]).await.unwrap().get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_behave_like_server_errors_in_both_protocols() {
    let h = common::start(TestPolicy { lifetime: None }, ProxyConfig::default()).await;
    let mut c = h.client().await;
    c.batch_execute("create table t (id int primary key)").await.unwrap();

    // Simple protocol, autocommit: error, session goes on.
    let e = c.simple_query("truncate t").await.unwrap_err();
    assert_eq!((code(&e), message(&e)), ("0A000".into(), "unsupported statement: Truncate".into()));
    assert_eq!(count(&c).await, 0);

    // Multi-statement: the earlier insert is rolled back with the implicit transaction.
    let e = c.simple_query("insert into t values (1); truncate t; insert into t values (2)").await.unwrap_err();
    assert_eq!(code(&e), "0A000");
    assert_eq!(count(&c).await, 0);

    // Inside a transaction: the transaction is failed upstream too.
    c.batch_execute("begin; insert into t values (3)").await.unwrap();
    let e = c.simple_query("truncate t").await.unwrap_err();
    assert_eq!(code(&e), "0A000");
    let e = c.simple_query("select 1").await.unwrap_err();
    assert_eq!(code(&e), "25P02");
    let tags: Vec<u64> = c
        .simple_query("commit")
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| if let SimpleQueryMessage::CommandComplete(n) = m { Some(n) } else { None })
        .collect();
    assert_eq!(tags, vec![0]);
    assert_eq!(count(&c).await, 0, "COMMIT of a failed transaction rolls back");

    // Extended protocol: Parse refused, later messages skipped until Sync.
    let e = c.prepare("truncate t").await.unwrap_err();
    assert_eq!(code(&e), "0A000");
    assert_eq!(count(&c).await, 0);
    let tx = c.transaction().await.unwrap();
    tx.execute("insert into t values (4)", &[]).await.unwrap();
    assert_eq!(code(&tx.prepare("TRUNCATE t").await.unwrap_err()), "0A000");
    assert_eq!(code(&tx.execute("insert into t values (5)", &[]).await.unwrap_err()), "25P02");
    drop(tx); // rolls back
    assert_eq!(count(&c).await, 0);
    assert_eq!(h.proxy.metrics().statements_refused_total.load(std::sync::atomic::Ordering::Relaxed), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rewrites_hooks_termination_and_deadline() {
    let h = common::start(TestPolicy { lifetime: None }, ProxyConfig::default()).await;
    let mut c = h.client().await;
    c.batch_execute("create table t (id int primary key)").await.unwrap();

    let row = c.query_one("select 'rewrite-me'", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "rewritten");
    let rows = c.simple_query("select 'rewrite-me'").await.unwrap();
    assert!(matches!(&rows[1], SimpleQueryMessage::Row(r) if r.get(0) == Some("rewritten")));

    let e = c.simple_query("select * from nowhere").await.unwrap_err();
    assert_eq!((code(&e), message(&e)), ("42P01".into(), "translated: no such relation".into()));

    // Row limit at CommandComplete, inside a transaction: error and failed transaction.
    c.batch_execute("begin; insert into t values (1), (2)").await.unwrap();
    let e = c.simple_query("insert into t values (3), (4)").await.unwrap_err();
    assert_eq!(code(&e), "54000");
    assert_eq!(code(&c.simple_query("select 1").await.unwrap_err()), "25P02");
    c.batch_execute("rollback").await.unwrap();
    assert_eq!(count(&c).await, 0);
    // Same limit in the extended protocol.
    let tx = c.transaction().await.unwrap();
    assert_eq!(code(&tx.execute("insert into t select generate_series(1, 5)", &[]).await.unwrap_err()), "54000");
    assert_eq!(code(&tx.query("select 1", &[]).await.unwrap_err()), "25P02");
    drop(tx);
    assert_eq!(count(&c).await, 0);

    // The FATAL itself is checked byte-exactly in terminate_sends_fatal_then_closes.
    assert!(c.simple_query("select 'goodbye'").await.is_err());
    assert!(c.simple_query("select 1").await.is_err(), "session is closed");

    // Deadline: an idle session is closed when its lifetime ends.
    let h = common::start(TestPolicy { lifetime: Some(Duration::from_millis(700)) }, ProxyConfig::default()).await;
    let c = h.client().await;
    c.simple_query("select 1").await.unwrap();
    let started = Instant::now();
    while !c.is_closed() && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(c.is_closed(), "deadline closed the session");
    assert_eq!(h.proxy.metrics().deadline_terminations_total.load(std::sync::atomic::Ordering::Relaxed), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminate_sends_fatal_then_closes() {
    let h = common::start(TestPolicy { lifetime: None }, ProxyConfig::default()).await;
    let mut raw = common::raw::Raw::login(h.port).await;
    raw.send(&proxy::wire::Frontend::Query("select 'goodbye'".into()).to_raw().into_bytes()).await;
    let msgs = raw.read_to_close().await;
    assert!(
        matches!(msgs.as_slice(), [proxy::wire::Backend::ErrorResponse(e)] if e.sqlstate() == "57P01" && e.is_fatal()),
        "{msgs:?}"
    );
}
