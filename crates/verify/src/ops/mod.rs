//! The operations, in the order Temporal performs them for a new workflow,
//! and the small statement helpers they share. Each operation maps a database
//! error to a failed [`Outcome`] naming the statement that failed.

mod buffered;
mod execution;
mod membership;
mod namespace;
mod occ;
mod shard;
mod stock;
mod task_queue;

use std::future::Future;
use std::pin::Pin;

use time::{OffsetDateTime, PrimitiveDateTime};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row};

use crate::report::failed;
use crate::{Fixture, Outcome};

type OpFuture<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// One operation: a name for the report, what it exercises, and its body.
/// Operations get two sessions; only the OCC check uses the second.
pub struct Op {
    pub name: &'static str,
    pub what: &'static str,
    pub run: for<'a> fn(&'a Client, &'a Client, &'a Fixture) -> OpFuture<'a>,
}

/// What an operation body returns: a note for the report, or the outcome
/// that ended it.
pub(crate) type Step<T> = Result<T, Outcome>;

pub const ALL: &[Op] = &[
    namespace::OP,
    shard::OP,
    execution::CREATE,
    execution::UPDATE,
    buffered::OP,
    task_queue::OP,
    membership::OP,
    occ::OP,
    stock::READ_LOCK_SHARDS,
];

/// Runs an operation body; on failure rolls back whatever transaction it left open.
pub(crate) async fn guarded<F>(client: &Client, body: F) -> Outcome
where
    F: Future<Output = Step<Option<String>>>,
{
    match body.await {
        Ok(note) => Outcome::Ok { note },
        Err(outcome) => {
            // Outside a transaction this is only a warning; it cannot fail the check.
            let _ = client.batch_execute("ROLLBACK").await;
            outcome
        }
    }
}

pub(crate) async fn exec(client: &Client, step: &str, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Step<u64> {
    client.execute(sql, params).await.map_err(|e| failed(step, &e))
}

pub(crate) async fn query(client: &Client, step: &str, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Step<Vec<Row>> {
    client.query(sql, params).await.map_err(|e| failed(step, &e))
}

pub(crate) async fn begin(client: &Client) -> Step<()> {
    client.batch_execute("BEGIN").await.map_err(|e| failed("BEGIN", &e))
}

pub(crate) async fn commit(client: &Client) -> Step<()> {
    client.batch_execute("COMMIT").await.map_err(|e| failed("COMMIT", &e))
}

/// Expects exactly `want` rows affected (Temporal's CAS updates check this).
pub(crate) fn expect_rows(step: &str, got: u64, want: u64) -> Step<()> {
    if got == want {
        Ok(())
    } else {
        Err(crate::report::wrong(
            format!("{step}: {got} row(s) affected, expected {want}"),
            "another writer changed the row between read and write, or the row is missing",
        ))
    }
}

/// `TIMESTAMP` columns hold UTC without zone, as Temporal writes them.
pub(crate) fn now_utc() -> PrimitiveDateTime {
    let now = OffsetDateTime::now_utc();
    PrimitiveDateTime::new(now.date(), now.time())
}

/// Serialized-proto stand-ins: Temporal stores blobs with their encoding name.
pub(crate) const ENCODING: &str = "Proto3";

pub(crate) fn blob(tag: &str) -> Vec<u8> {
    let mut data = vec![0x0a, tag.len() as u8];
    data.extend_from_slice(tag.as_bytes());
    data
}
