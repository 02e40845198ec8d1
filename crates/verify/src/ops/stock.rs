//! What stock Temporal (`postgres12` plugin) sends that DSQL refuses:
//! `ReadLockShards` uses `FOR SHARE`. Reported as a note, not a failure —
//! the DSQL build does not send it, and the gateway rewrites it.

use super::{Op, guarded};
use crate::report::{failed, sqlstate};

pub const READ_LOCK_SHARDS: Op = Op {
    name: "stock-temporal-read-lock-shards",
    what: "SELECT range_id FROM shards ... FOR SHARE (stock Temporal's ReadLockShards)",
    run: |c, _, fx| {
        Box::pin(guarded(c, async move {
            match c.query("SELECT range_id FROM shards WHERE shard_id = $1 FOR SHARE", &[&fx.shard_id]).await {
                Ok(_) => Ok(Some("accepted: stock Temporal's postgres12 plugin works against this target".into())),
                Err(e) if sqlstate(&e).as_deref() == Some("0A000") => Ok(Some(
                    "refused with 0A000 as DSQL does: stock Temporal needs `dsql-deploy gateway` (rewrites FOR SHARE); \
                     the Temporal DSQL build does not send it"
                        .into(),
                )),
                Err(e) => Err(failed("FOR SHARE read", &e)),
            }
        }))
    },
};
