//! Create a workflow execution and then update it, in Temporal's shapes:
//!
//! - create: append the first history batch (history_node + history_tree),
//!   then one transaction that read-locks the shard (the DSQL build reads
//!   `range_id` without `FOR SHARE`) and inserts the current-execution row,
//!   the execution row and its transfer/timer tasks;
//! - update: append a history batch, then one transaction that checks the
//!   shard, locks the execution and current-execution rows `FOR UPDATE`,
//!   updates both with a CAS on `db_record_version`, and upserts an activity.

use super::{ENCODING, Op, Step, begin, blob, commit, exec, expect_rows, guarded, now_utc, query};
use crate::Fixture;
use crate::report::wrong;
use tokio_postgres::Client;

/// Temporal's task category ids for transfer (immediate) and timer (scheduled) tasks.
const CATEGORY_TRANSFER: i32 = 1;
const CATEGORY_TIMER: i32 = 2;
/// WorkflowExecutionState RUNNING / status RUNNING.
const STATE_RUNNING: i32 = 1;
const STATUS_RUNNING: i32 = 1;

pub const CREATE: Op = Op {
    name: "create-workflow-execution",
    what: "history_node/tree + shard read-lock + INSERT current_executions, executions, tasks",
    run: |c, _, fx| {
        Box::pin(guarded(c, async move {
            append_history(c, fx, 1, 1).await?;
            exec(
                c,
                "insert history_tree",
                "INSERT INTO history_tree (shard_id, tree_id, branch_id, data, data_encoding) VALUES ($1, $2, $3, $4, $5)",
                &[&fx.shard_id, &fx.tree_id, &fx.branch_id, &blob("branch"), &ENCODING],
            )
            .await?;
            begin(c).await?;
            check_shard(c, fx).await?;
            exec(
                c,
                "insert current_executions",
                "INSERT INTO current_executions (shard_id, namespace_id, workflow_id, run_id, create_request_id, state, \
                 status, start_version, start_time, last_write_version, data, data_encoding) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                &[
                    &fx.shard_id, &fx.namespace_id, &fx.workflow_id, &fx.run_id, &"verify-request", &STATE_RUNNING,
                    &STATUS_RUNNING, &0i64, &now_utc(), &0i64, &blob("state"), &ENCODING,
                ],
            )
            .await?;
            exec(
                c,
                "insert executions",
                "INSERT INTO executions (shard_id, namespace_id, workflow_id, run_id, next_event_id, last_write_version, \
                 data, data_encoding, state, state_encoding, db_record_version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    &fx.shard_id, &fx.namespace_id, &fx.workflow_id, &fx.run_id, &3i64, &0i64, &blob("info"),
                    &ENCODING, &blob("state"), &ENCODING, &1i64,
                ],
            )
            .await?;
            exec(
                c,
                "insert transfer task",
                "INSERT INTO history_immediate_tasks (shard_id, category_id, task_id, data, data_encoding) VALUES ($1, $2, $3, $4, $5)",
                &[&fx.shard_id, &CATEGORY_TRANSFER, &1_048_577i64, &blob("transfer"), &ENCODING],
            )
            .await?;
            exec(
                c,
                "insert timer task",
                "INSERT INTO history_scheduled_tasks (shard_id, category_id, visibility_timestamp, task_id, data, data_encoding) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&fx.shard_id, &CATEGORY_TIMER, &now_utc(), &1_048_578i64, &blob("timer"), &ENCODING],
            )
            .await?;
            commit(c).await?;
            Ok(None)
        }))
    },
};

pub const UPDATE: Op = Op {
    name: "update-workflow-execution",
    what: "append history + shard read-lock + executions/current_executions FOR UPDATE + CAS UPDATE + activity upsert",
    run: |c, _, fx| {
        Box::pin(guarded(c, async move {
            append_history(c, fx, 3, 2).await?;
            begin(c).await?;
            check_shard(c, fx).await?;
            let rows = query(
                c,
                "lock execution",
                "SELECT db_record_version, next_event_id FROM executions \
                 WHERE shard_id = $1 AND namespace_id = $2 AND workflow_id = $3 AND run_id = $4 FOR UPDATE",
                &[&fx.shard_id, &fx.namespace_id, &fx.workflow_id, &fx.run_id],
            )
            .await?;
            let Some(row) = rows.first() else {
                return Err(wrong(
                    "lock execution: execution row not found",
                    "create-workflow-execution must pass first",
                ));
            };
            let db_version: i64 = row.get(0);
            let current = query(
                c,
                "lock current execution",
                "SELECT run_id FROM current_executions WHERE shard_id = $1 AND namespace_id = $2 AND workflow_id = $3 FOR UPDATE",
                &[&fx.shard_id, &fx.namespace_id, &fx.workflow_id],
            )
            .await?;
            if current.len() != 1 {
                return Err(wrong(
                    "lock current execution: row not found",
                    "create-workflow-execution must pass first",
                ));
            }
            let updated = exec(
                c,
                "update executions",
                "UPDATE executions SET db_record_version = $1, next_event_id = $2, last_write_version = $3, data = $4, \
                 data_encoding = $5, state = $6, state_encoding = $7 \
                 WHERE shard_id = $8 AND namespace_id = $9 AND workflow_id = $10 AND run_id = $11 AND db_record_version = $12",
                &[
                    &(db_version + 1), &5i64, &0i64, &blob("info-2"), &ENCODING, &blob("state-2"), &ENCODING,
                    &fx.shard_id, &fx.namespace_id, &fx.workflow_id, &fx.run_id, &db_version,
                ],
            )
            .await?;
            expect_rows("update executions", updated, 1)?;
            let updated = exec(
                c,
                "update current_executions",
                "UPDATE current_executions SET run_id = $1, create_request_id = $2, state = $3, status = $4, \
                 last_write_version = $5, data = $6, data_encoding = $7 \
                 WHERE shard_id = $8 AND namespace_id = $9 AND workflow_id = $10",
                &[
                    &fx.run_id,
                    &"verify-request",
                    &STATE_RUNNING,
                    &STATUS_RUNNING,
                    &0i64,
                    &blob("state-2"),
                    &ENCODING,
                    &fx.shard_id,
                    &fx.namespace_id,
                    &fx.workflow_id,
                ],
            )
            .await?;
            expect_rows("update current_executions", updated, 1)?;
            exec(
                c,
                "upsert activity_info_maps",
                "INSERT INTO activity_info_maps (shard_id, namespace_id, workflow_id, run_id, schedule_id, data, data_encoding) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (shard_id, namespace_id, workflow_id, run_id, schedule_id) \
                 DO UPDATE SET data = excluded.data, data_encoding = excluded.data_encoding",
                &[&fx.shard_id, &fx.namespace_id, &fx.workflow_id, &fx.run_id, &5i64, &blob("activity"), &ENCODING],
            )
            .await?;
            commit(c).await?;
            Ok(None)
        }))
    },
};

/// AppendHistoryNodes: one node row per event batch (its own transaction).
async fn append_history(c: &Client, fx: &Fixture, node_id: i64, txn_id: i64) -> Step<()> {
    exec(
        c,
        "append history_node",
        "INSERT INTO history_node (shard_id, tree_id, branch_id, node_id, prev_txn_id, txn_id, data, data_encoding) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[&fx.shard_id, &fx.tree_id, &fx.branch_id, &node_id, &(txn_id - 1), &txn_id, &blob("events"), &ENCODING],
    )
    .await
    .map(|_| ())
}

/// The shard read-lock every execution-mutating transaction starts with.
/// Stock Temporal sends `FOR SHARE`, which DSQL refuses; the DSQL build reads
/// plainly and relies on commit-time conflict detection.
async fn check_shard(c: &Client, fx: &Fixture) -> Step<()> {
    let rows = query(c, "read-lock shard", "SELECT range_id FROM shards WHERE shard_id = $1", &[&fx.shard_id]).await?;
    if rows.is_empty() {
        return Err(wrong("read-lock shard: shard row not found", "acquire-shard must pass first"));
    }
    Ok(())
}
