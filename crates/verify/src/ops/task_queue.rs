//! Task queue lease and tasks: create the queue row, take the lease with a
//! range_id CAS under `FOR UPDATE`, add tasks while holding the lease, read a
//! page in task_id order, and complete (range-delete) the read ones.

use super::{ENCODING, Op, begin, blob, commit, exec, expect_rows, guarded, query};
use crate::report::wrong;

pub const OP: Op = Op {
    name: "task-queue",
    what: "task_queues lease (FOR UPDATE + CAS), INSERT tasks, read page, range DELETE",
    run: |c, _, fx| {
        Box::pin(guarded(c, async move {
            exec(
                c,
                "create task queue",
                "INSERT INTO task_queues (range_hash, task_queue_id, range_id, data, data_encoding) VALUES ($1, $2, $3, $4, $5)",
                &[&fx.range_hash, &fx.task_queue_id, &1i64, &blob("tq"), &ENCODING],
            )
            .await?;
            begin(c).await?;
            let rows = query(
                c,
                "lock task queue",
                "SELECT range_id FROM task_queues WHERE range_hash = $1 AND task_queue_id = $2 FOR UPDATE",
                &[&fx.range_hash, &fx.task_queue_id],
            )
            .await?;
            let Some(row) = rows.first() else {
                return Err(wrong("lock task queue: row not found after insert", "check the task_queues table"));
            };
            let range_id: i64 = row.get(0);
            let updated = exec(
                c,
                "renew lease",
                "UPDATE task_queues SET range_id = $1, data = $2, data_encoding = $3 \
                 WHERE range_hash = $4 AND task_queue_id = $5 AND range_id = $6",
                &[&(range_id + 1), &blob("tq-leased"), &ENCODING, &fx.range_hash, &fx.task_queue_id, &range_id],
            )
            .await?;
            expect_rows("renew lease", updated, 1)?;
            commit(c).await?;

            // Tasks are added after checking the lease is still ours.
            begin(c).await?;
            query(
                c,
                "check lease",
                "SELECT range_id FROM task_queues WHERE range_hash = $1 AND task_queue_id = $2 FOR UPDATE",
                &[&fx.range_hash, &fx.task_queue_id],
            )
            .await?;
            let first_task = (range_id + 1) << 20;
            for task_id in first_task..first_task + 3 {
                exec(
                    c,
                    "add task",
                    "INSERT INTO tasks (range_hash, task_queue_id, task_id, data, data_encoding) VALUES ($1, $2, $3, $4, $5)",
                    &[&fx.range_hash, &fx.task_queue_id, &task_id, &blob("task"), &ENCODING],
                )
                .await?;
            }
            commit(c).await?;
            let page = query(
                c,
                "read tasks",
                "SELECT task_id, data, data_encoding FROM tasks \
                 WHERE range_hash = $1 AND task_queue_id = $2 AND task_id >= $3 AND task_id < $4 ORDER BY task_id LIMIT $5",
                &[&fx.range_hash, &fx.task_queue_id, &first_task, &(first_task + 1000), &100i64],
            )
            .await?;
            if page.len() != 3 {
                return Err(wrong(
                    format!("read tasks: {} rows, expected 3", page.len()),
                    "tasks added in the lease were not visible",
                ));
            }
            let deleted = exec(
                c,
                "complete tasks",
                "DELETE FROM tasks WHERE range_hash = $1 AND task_queue_id = $2 AND task_id < $3",
                &[&fx.range_hash, &fx.task_queue_id, &(first_task + 3)],
            )
            .await?;
            expect_rows("complete tasks", deleted, 3)?;
            Ok(None)
        }))
    },
};
