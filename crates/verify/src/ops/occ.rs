//! The optimistic-concurrency path: two sessions update the same execution.
//! Session A locks the row `FOR UPDATE`, session B reads it in its own
//! snapshot, A updates and commits, then B updates and commits. Exactly one
//! of them must fail with 40001: on DSQL at B's COMMIT (OC000); on
//! PostgreSQL (REPEATABLE READ) at B's UPDATE. Temporal retries that
//! transaction, so this is the answer it must get.

use tokio_postgres::Client;

use super::{Op, Step, exec, guarded};
use crate::Fixture;
use crate::report::{failed, sqlstate, wrong};

const SELECT: &str = "SELECT db_record_version FROM executions \
                      WHERE shard_id = $1 AND namespace_id = $2 AND workflow_id = $3 AND run_id = $4";
const UPDATE: &str = "UPDATE executions SET db_record_version = db_record_version + 1 \
                      WHERE shard_id = $1 AND namespace_id = $2 AND workflow_id = $3 AND run_id = $4";

pub const OP: Op = Op {
    name: "occ-conflict",
    what: "two sessions update one execution: the second commit gets 40001 (OC000)",
    run: |a, b, fx| {
        Box::pin(guarded(a, async move {
            let result = race(a, b, fx).await;
            // B may be left in a failed transaction; end it either way.
            let _ = b.batch_execute("ROLLBACK").await;
            result
        }))
    },
};

async fn race(a: &Client, b: &Client, fx: &Fixture) -> Step<Option<String>> {
    let key: [&(dyn tokio_postgres::types::ToSql + Sync); 4] =
        [&fx.shard_id, &fx.namespace_id, &fx.workflow_id, &fx.run_id];
    // DSQL accepts REPEATABLE READ (its own level); PostgreSQL needs it to detect the conflict.
    let begin = "BEGIN ISOLATION LEVEL REPEATABLE READ";
    a.batch_execute(begin).await.map_err(|e| failed("session A: BEGIN", &e))?;
    let locked =
        a.query(&format!("{SELECT} FOR UPDATE"), &key).await.map_err(|e| failed("session A: lock execution", &e))?;
    if locked.is_empty() {
        return Err(wrong("session A: execution row not found", "create-workflow-execution must pass first"));
    }
    b.batch_execute(begin).await.map_err(|e| failed("session B: BEGIN", &e))?;
    b.query(SELECT, &key).await.map_err(|e| failed("session B: read execution", &e))?;
    exec(a, "session A: update execution", UPDATE, &key).await?;
    a.batch_execute("COMMIT").await.map_err(|e| failed("session A: COMMIT", &e))?;

    let b_result = match b.execute(UPDATE, &key).await {
        Ok(_) => b.batch_execute("COMMIT").await.map(|_| "COMMIT"),
        Err(e) => Err(e).map(|_: ()| "UPDATE"),
    };
    match b_result {
        Err(e) if sqlstate(&e).as_deref() == Some("40001") => {
            let message = e.as_db_error().map(|d| d.message().to_string()).unwrap_or_default();
            let code = ["OC000", "OC001"].into_iter().find(|c| message.contains(c));
            Ok(Some(match code {
                Some(code) => format!("session B failed with 40001 ({code}) as expected"),
                None => "session B failed with 40001 as expected (PostgreSQL wording, no OC code)".to_string(),
            }))
        }
        Err(e) => Err(failed("session B", &e)),
        Ok(step) => Err(wrong(
            format!("session B's {step} succeeded: both transactions committed"),
            "the target does not detect write conflicts between concurrent transactions; DSQL (and the emulator) must answer 40001",
        )),
    }
}
