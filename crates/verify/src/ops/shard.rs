//! Acquire a shard: create its row, then the range_id compare-and-swap a
//! history host does when it takes ownership (`FOR UPDATE`, then UPDATE).

use super::{ENCODING, Op, begin, blob, commit, exec, expect_rows, guarded, query};
use crate::report::wrong;

pub const OP: Op = Op {
    name: "acquire-shard",
    what: "INSERT shards, then SELECT range_id FOR UPDATE + UPDATE range_id (CAS)",
    run: |c, _, fx| {
        Box::pin(guarded(c, async move {
            exec(
                c,
                "create shard",
                "INSERT INTO shards (shard_id, range_id, data, data_encoding) VALUES ($1, $2, $3, $4)",
                &[&fx.shard_id, &1i64, &blob("shard"), &ENCODING],
            )
            .await?;
            begin(c).await?;
            let rows =
                query(c, "lock shard", "SELECT range_id FROM shards WHERE shard_id = $1 FOR UPDATE", &[&fx.shard_id])
                    .await?;
            let range_id: i64 = match rows.first() {
                Some(row) => row.get(0),
                None => return Err(wrong("lock shard: shard row not found after insert", "check the shards table")),
            };
            let updated = exec(
                c,
                "update range_id",
                "UPDATE shards SET range_id = $1, data = $2, data_encoding = $3 WHERE shard_id = $4",
                &[&(range_id + 1), &blob("shard-owned"), &ENCODING, &fx.shard_id],
            )
            .await?;
            expect_rows("update range_id", updated, 1)?;
            commit(c).await?;
            Ok(None)
        }))
    },
};
