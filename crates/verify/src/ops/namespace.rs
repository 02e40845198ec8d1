//! Create a namespace: bump `namespace_metadata.notification_version` under
//! `FOR UPDATE` and insert the namespace row in one transaction, then read it
//! back by name (the unique `idx_namespaces_name` index path).

use super::{ENCODING, Op, begin, blob, commit, exec, expect_rows, guarded, query};
use crate::report::wrong;

/// Temporal keeps the namespace notification counter in this partition.
const METADATA_PARTITION: i32 = 54321;

pub const OP: Op = Op {
    name: "create-namespace",
    what: "namespace_metadata FOR UPDATE + INSERT namespaces + CAS on notification_version",
    run: |c, _, fx| {
        Box::pin(guarded(c, async move {
            begin(c).await?;
            let rows = query(
                c,
                "lock namespace_metadata",
                "SELECT notification_version FROM namespace_metadata WHERE partition_id = $1 FOR UPDATE",
                &[&METADATA_PARTITION],
            )
            .await?;
            let Some(row) = rows.first() else {
                return Err(wrong(
                    "namespace_metadata has no row for partition 54321",
                    "the schema was created without its seed row; run `dsql-deploy schema setup-schema` again",
                ));
            };
            let version: i64 = row.get(0);
            exec(
                c,
                "insert namespace",
                "INSERT INTO namespaces (partition_id, id, name, is_global, data, data_encoding, notification_version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[&0i32, &fx.namespace_id, &fx.namespace_name, &false, &blob("namespace"), &ENCODING, &version],
            )
            .await?;
            let updated = exec(
                c,
                "bump notification_version",
                "UPDATE namespace_metadata SET notification_version = $1 WHERE notification_version = $2 AND partition_id = $3",
                &[&(version + 1), &version, &METADATA_PARTITION],
            )
            .await?;
            expect_rows("bump notification_version", updated, 1)?;
            commit(c).await?;
            let found = query(
                c,
                "read namespace by name",
                "SELECT partition_id, id, name, is_global, data, data_encoding, notification_version \
                 FROM namespaces WHERE partition_id = $1 AND name = $2",
                &[&0i32, &fx.namespace_name],
            )
            .await?;
            if found.len() != 1 {
                return Err(wrong(
                    format!("read namespace by name: {} rows", found.len()),
                    "expected the row just inserted",
                ));
            }
            Ok(None)
        }))
    },
};
