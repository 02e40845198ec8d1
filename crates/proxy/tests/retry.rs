//! Transparent retry of autocommit requests (policy `retry_after`): a
//! 40001 outside an explicit transaction is resent and the client sees only
//! the final answer; inside a transaction the error goes to the client.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use proxy::wire::ErrorFields;
use proxy::*;
use tokio_postgres::SimpleQueryMessage;

struct RetrySerialization;

impl Policy for RetrySerialization {
    type Session = RetrySerialization;
    fn session(&self, _state: &SessionState) -> Self {
        RetrySerialization
    }
}

impl SessionPolicy for RetrySerialization {
    async fn on_statement(&mut self, _stmt: Statement<'_>, _state: &SessionState) -> Decision {
        Decision::Forward
    }
    fn retries_enabled(&self) -> bool {
        true
    }
    fn retry_after(&mut self, error: &ErrorFields, attempt: u32, _state: &SessionState) -> Option<Duration> {
        (error.sqlstate() == "40001" && attempt <= 3).then_some(Duration::from_millis(5))
    }
}

const SETUP: &str = "
create sequence attempts;
create sequence row_attempts;
create function flaky() returns int language plpgsql as $$
begin
  if nextval('attempts') < 3 then raise exception 'conflict' using errcode = '40001'; end if;
  return 42;
end $$;
create function flaky_row(x int) returns int language plpgsql as $$
begin
  if x = 2 and nextval('row_attempts') < 2 then raise exception 'conflict' using errcode = '40001'; end if;
  return x;
end $$;
create function always() returns int language plpgsql as $$
begin raise exception 'conflict' using errcode = '40001'; end $$;
create table t (id int);
";

fn retries(h: &common::Harness<RetrySerialization>) -> u64 {
    h.proxy.metrics().statement_retries_total.load(Ordering::Relaxed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocommit_serialization_failures_are_retried_transparently() {
    let h = common::start(RetrySerialization, ProxyConfig::default()).await;
    let c = h.client().await;
    c.batch_execute(SETUP).await.unwrap();

    // Simple protocol: two failures, then 42.
    let rows = c.simple_query("select flaky()").await.unwrap();
    assert!(matches!(&rows[1], SimpleQueryMessage::Row(r) if r.get(0) == Some("42")));
    assert_eq!(retries(&h), 2);

    // Rows streamed before the failure are not leaked: exactly one answer.
    let rows = c.simple_query("select flaky_row(x) from generate_series(1, 3) x").await.unwrap();
    let n = rows.iter().filter(|m| matches!(m, SimpleQueryMessage::Row(_))).count();
    assert_eq!(n, 3);
    assert_eq!(retries(&h), 3);

    // Extended protocol (prepared statement, Bind/Execute/Sync).
    c.batch_execute("select setval('attempts', 1, false)").await.unwrap();
    let row = c.query_one("select flaky() + $1", &[&0i32]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 42);
    assert_eq!(retries(&h), 5);

    // Bounded: gives up after 3 retries with the server's error.
    let e = c.query_one("select always()", &[]).await.unwrap_err();
    assert_eq!(e.as_db_error().map(|d| d.code().code()), Some("40001"));
    assert_eq!(retries(&h), 8);

    // Inside an explicit transaction: no retry, the client decides.
    c.batch_execute("select setval('attempts', 1, false)").await.unwrap();
    c.batch_execute("begin").await.unwrap();
    let e = c.simple_query("select flaky()").await.unwrap_err();
    assert_eq!(e.as_db_error().map(|d| d.code().code()), Some("40001"));
    c.batch_execute("rollback").await.unwrap();
    assert_eq!(retries(&h), 8);

    // Multi-statement queries are not retried (an earlier part may have committed).
    c.batch_execute("select setval('attempts', 1, false)").await.unwrap();
    let e = c.simple_query("insert into t values (1); select flaky()").await.unwrap_err();
    assert_eq!(e.as_db_error().map(|d| d.code().code()), Some("40001"));
    assert_eq!(retries(&h), 8);
}
