//! Buffered events: rows appended with application-generated ids (DSQL has
//! no BIGSERIAL), read back in id order, then deleted when flushed.

use super::{ENCODING, Op, blob, exec, guarded, query};
use crate::report::wrong;

pub const OP: Op = Op {
    name: "buffered-events",
    what: "INSERT buffered_events x3, SELECT ... ORDER BY id, DELETE",
    run: |c, _, fx| {
        Box::pin(guarded(c, async move {
            // Time-ordered ids, like the DSQL build's Snowflake-style generator.
            let base = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64;
            let ids = [base, base + 1, base + 2];
            // Insert out of order so ORDER BY id has work to do.
            for id in [ids[2], ids[0], ids[1]] {
                exec(
                    c,
                    "insert buffered_events",
                    "INSERT INTO buffered_events (shard_id, namespace_id, workflow_id, run_id, id, data, data_encoding) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[&fx.shard_id, &fx.namespace_id, &fx.workflow_id, &fx.run_id, &id, &blob("buffered"), &ENCODING],
                )
                .await?;
            }
            let rows = query(
                c,
                "read buffered_events",
                "SELECT id, data, data_encoding FROM buffered_events \
                 WHERE shard_id = $1 AND namespace_id = $2 AND workflow_id = $3 AND run_id = $4 ORDER BY id",
                &[&fx.shard_id, &fx.namespace_id, &fx.workflow_id, &fx.run_id],
            )
            .await?;
            let got: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
            if got != ids {
                return Err(wrong(
                    format!("read buffered_events: ids {got:?}, expected {ids:?}"),
                    "rows must come back in id order",
                ));
            }
            exec(
                c,
                "delete buffered_events",
                "DELETE FROM buffered_events WHERE shard_id = $1 AND namespace_id = $2 AND workflow_id = $3 AND run_id = $4",
                &[&fx.shard_id, &fx.namespace_id, &fx.workflow_id, &fx.run_id],
            )
            .await?;
            Ok(None)
        }))
    },
};
