//! Cluster membership heartbeat: the upsert every Temporal host sends
//! periodically, and the "active members of a role" read (which uses the
//! `cm_idx_*` indexes).

use super::{Op, exec, guarded, now_utc, query};
use crate::report::wrong;

pub const OP: Op = Op {
    name: "membership-heartbeat",
    what: "INSERT cluster_membership ... ON CONFLICT DO UPDATE, read active members by role",
    run: |c, _, fx| {
        Box::pin(guarded(c, async move {
            let now = now_utc();
            let expiry = now + time::Duration::seconds(60);
            let upsert = "INSERT INTO cluster_membership (membership_partition, host_id, rpc_address, rpc_port, role, \
                          session_start, last_heartbeat, record_expiry) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                          ON CONFLICT (membership_partition, host_id) DO UPDATE SET rpc_address = $3, rpc_port = $4, \
                          role = $5, session_start = $6, last_heartbeat = $7, record_expiry = $8";
            // Twice: the first inserts, the second takes the conflict path like a heartbeat.
            for _ in 0..2 {
                exec(
                    c,
                    "heartbeat upsert",
                    upsert,
                    &[&0i32, &fx.host_id, &"127.0.0.1", &7233i16, &fx.role, &now, &now, &expiry],
                )
                .await?;
            }
            let rows = query(
                c,
                "read active members",
                "SELECT host_id, rpc_address, rpc_port, role, session_start, last_heartbeat, record_expiry \
                 FROM cluster_membership WHERE membership_partition = $1 AND role = $2 AND last_heartbeat > $3 AND record_expiry > $4",
                &[&0i32, &fx.role, &(now - time::Duration::seconds(10)), &now],
            )
            .await?;
            if rows.len() != 1 {
                return Err(wrong(
                    format!("read active members: {} rows, expected 1", rows.len()),
                    "the heartbeat row was not found",
                ));
            }
            Ok(None)
        }))
    },
};
