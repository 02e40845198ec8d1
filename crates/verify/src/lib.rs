//! `dsql-deploy verify`: replays the statement sequences Temporal's SQL
//! persistence issues for its core operations against a target (real DSQL,
//! the emulator or PostgreSQL) and reports each operation as OK or failed,
//! with the database's error and a hint.
//!
//! The statements follow Temporal's PostgreSQL persistence plugin and the
//! Temporal DSQL build (`dsql` plugin): table and column names from the DSQL
//! schema (UUID identifiers), the same transaction shapes (shard read-lock,
//! execution row locked `FOR UPDATE`, CAS on `range_id` / `db_record_version`),
//! realistic values. Everything runs inside a throw-away namespace with ids
//! chosen at random (a shard id far above any real shard count, a membership
//! role no Temporal service uses), and [`cleanup`] deletes every row it wrote,
//! so it is safe against a cluster that Temporal is using.

mod fixture;
mod ops;
mod report;
mod session;

pub use fixture::Fixture;
pub use report::{Check, Outcome, Report};

use std::time::Instant;

use tokio_postgres::Client;
use tokio_postgres::types::ToSql;

/// Where to run the checks.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Connection to the server; `database` there is ignored in favour of
    /// [`VerifyOptions::temporal_database`].
    pub connect: pgconn::ConnectOptions,
    /// Temporal's database: a schema inside `postgres` on DSQL (what
    /// `schema create-database` makes there), or a database on PostgreSQL.
    pub temporal_database: String,
}

/// Failures that stop verification before any operation could run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot connect to {target}: {source}")]
    Connect { target: String, source: pgconn::Error },
    #[error(
        "Temporal database {name:?} not found on {target} (neither a schema in `postgres` nor a \
         database); create it with `dsql-deploy schema create-database` and `setup-schema`, or \
         pass the right name with --db"
    )]
    NoTemporalDatabase { name: String, target: String },
    #[error("cannot prepare session on {target}: {source}")]
    Session { target: String, source: tokio_postgres::Error },
}

/// Runs every operation and returns the report; connection problems are
/// errors, database answers are outcomes in the report.
pub async fn verify(opts: &VerifyOptions) -> Result<Report, Error> {
    let target = format!("{}:{}", opts.connect.host, opts.connect.port);
    let first = session::open(opts, &target).await?;
    let second = session::open(opts, &target).await?;
    let fx = Fixture::random();
    let mut report = Report { target: target.clone(), database: opts.temporal_database.clone(), checks: Vec::new() };

    for op in ops::ALL {
        let started = Instant::now();
        let outcome = (op.run)(&first, &second, &fx).await;
        report.checks.push(Check { name: op.name, what: op.what, outcome, elapsed: started.elapsed() });
    }
    let started = Instant::now();
    let outcome = cleanup(&first, &fx).await;
    report.checks.push(Check {
        name: "cleanup",
        what: "delete every row verify wrote",
        outcome,
        elapsed: started.elapsed(),
    });
    Ok(report)
}

/// Deletes everything the operations wrote, one table per statement (each
/// statement its own transaction, well under DSQL's 3,000-row limit).
pub async fn cleanup(client: &Client, fx: &Fixture) -> Outcome {
    let ns = &fx.namespace_id;
    let shard = &fx.shard_id;
    let deletes: Vec<(&str, &str, Vec<&(dyn ToSql + Sync)>)> = vec![
        ("namespaces", "DELETE FROM namespaces WHERE partition_id = 0 AND id = $1", vec![ns]),
        (
            "current_executions",
            "DELETE FROM current_executions WHERE shard_id = $1 AND namespace_id = $2",
            vec![shard, ns],
        ),
        ("executions", "DELETE FROM executions WHERE shard_id = $1 AND namespace_id = $2", vec![shard, ns]),
        (
            "activity_info_maps",
            "DELETE FROM activity_info_maps WHERE shard_id = $1 AND namespace_id = $2",
            vec![shard, ns],
        ),
        ("buffered_events", "DELETE FROM buffered_events WHERE shard_id = $1 AND namespace_id = $2", vec![shard, ns]),
        ("history_node", "DELETE FROM history_node WHERE shard_id = $1 AND tree_id = $2", vec![shard, &fx.tree_id]),
        ("history_tree", "DELETE FROM history_tree WHERE shard_id = $1 AND tree_id = $2", vec![shard, &fx.tree_id]),
        ("history_immediate_tasks", "DELETE FROM history_immediate_tasks WHERE shard_id = $1", vec![shard]),
        ("history_scheduled_tasks", "DELETE FROM history_scheduled_tasks WHERE shard_id = $1", vec![shard]),
        ("shards", "DELETE FROM shards WHERE shard_id = $1", vec![shard]),
        (
            "tasks",
            "DELETE FROM tasks WHERE range_hash = $1 AND task_queue_id = $2",
            vec![&fx.range_hash, &fx.task_queue_id],
        ),
        (
            "task_queues",
            "DELETE FROM task_queues WHERE range_hash = $1 AND task_queue_id = $2",
            vec![&fx.range_hash, &fx.task_queue_id],
        ),
        (
            "cluster_membership",
            "DELETE FROM cluster_membership WHERE membership_partition = 0 AND host_id = $1",
            vec![&fx.host_id],
        ),
    ];
    let mut failed = Vec::new();
    for (table, sql, params) in deletes {
        if let Err(err) = client.execute(sql, &params).await {
            // A missing table was already reported by the operation that needs it.
            if report::sqlstate(&err).as_deref() != Some("42P01") {
                failed.push(format!("{table}: {}", report::db_message(&err)));
            }
        }
    }
    if failed.is_empty() {
        Outcome::Ok { note: None }
    } else {
        Outcome::Failed {
            sqlstate: None,
            message: failed.join("; "),
            hint: format!(
                "rows of the throw-away namespace {} (shard {}) may remain; delete them by hand",
                fx.namespace_id, fx.shard_id
            ),
        }
    }
}
