-- Statements shaped like Temporal's SQL persistence (postgresql plugin),
-- one per line group, used by the analyze() benchmark.
BEGIN;
SELECT range_id FROM shards WHERE shard_id = $1 FOR UPDATE;
SELECT range_id FROM shards WHERE shard_id = $1;
UPDATE shards SET range_id = $1, data = $2, data_encoding = $3 WHERE shard_id = $4;
SELECT shard_id, namespace_id, workflow_id, run_id, next_event_id, last_write_version, data, data_encoding, state, state_encoding, db_record_version FROM executions WHERE shard_id = $1 AND namespace_id = $2 AND workflow_id = $3 AND run_id = $4 FOR UPDATE;
INSERT INTO executions (shard_id, namespace_id, workflow_id, run_id, next_event_id, last_write_version, data, data_encoding, state, state_encoding, db_record_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);
UPDATE executions SET db_record_version = $1, next_event_id = $2, last_write_version = $3, data = $4, data_encoding = $5, state = $6, state_encoding = $7 WHERE shard_id = $8 AND namespace_id = $9 AND workflow_id = $10 AND run_id = $11;
SELECT run_id, create_request_id, state, status, start_version, last_write_version FROM current_executions WHERE shard_id = $1 AND namespace_id = $2 AND workflow_id = $3 FOR UPDATE;
INSERT INTO current_executions (shard_id, namespace_id, workflow_id, run_id, create_request_id, state, status, start_version, last_write_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);
INSERT INTO history_node (shard_id, tree_id, branch_id, node_id, prev_txn_id, txn_id, data, data_encoding) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (shard_id, tree_id, branch_id, node_id, txn_id) DO UPDATE SET prev_txn_id = excluded.prev_txn_id, data = excluded.data, data_encoding = excluded.data_encoding;
SELECT node_id, prev_txn_id, txn_id, data, data_encoding FROM history_node WHERE shard_id = $1 AND tree_id = $2 AND branch_id = $3 AND ((node_id = $4 AND txn_id > $5) OR node_id > $6) AND node_id < $7 ORDER BY shard_id, tree_id, branch_id, node_id, txn_id LIMIT $8;
INSERT INTO transfer_tasks (shard_id, task_id, data, data_encoding) VALUES ($1, $2, $3, $4);
SELECT task_id, data, data_encoding FROM transfer_tasks WHERE shard_id = $1 AND task_id >= $2 AND task_id < $3 ORDER BY task_id LIMIT $4;
DELETE FROM transfer_tasks WHERE shard_id = $1 AND task_id >= $2 AND task_id < $3;
SELECT visibility_timestamp, task_id, data, data_encoding FROM timer_tasks WHERE shard_id = $1 AND ((visibility_timestamp >= $2 AND task_id >= $3) OR visibility_timestamp > $4) AND visibility_timestamp < $5 ORDER BY visibility_timestamp, task_id LIMIT $6;
INSERT INTO activity_info_maps (shard_id, namespace_id, workflow_id, run_id, schedule_id, data, data_encoding) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (shard_id, namespace_id, workflow_id, run_id, schedule_id) DO UPDATE SET data = excluded.data, data_encoding = excluded.data_encoding;
SELECT range_id, data, data_encoding FROM task_queues_v2 WHERE range_hash = $1 AND task_queue_id = $2 FOR UPDATE;
SELECT task_id, data, data_encoding FROM tasks_v2 WHERE range_hash = $1 AND task_queue_id = $2 AND pass = $3 AND task_id >= $4 AND task_id < $5 ORDER BY task_id LIMIT $6;
SELECT partition_id, id, name, notification_version, data, data_encoding, is_global FROM namespaces WHERE partition_id = 54321 AND name = $1;
INSERT INTO cluster_membership (membership_partition, host_id, rpc_address, rpc_port, role, session_start, last_heartbeat, record_expiry) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (membership_partition, host_id) DO UPDATE SET membership_partition = $1, host_id = $2, rpc_address = $3, rpc_port = $4, role = $5, session_start = $6, last_heartbeat = $7, record_expiry = $8;
SELECT message_id, message_payload, message_encoding FROM queue_messages WHERE queue_type = $1 AND queue_name = $2 AND queue_partition = $3 AND message_id >= $4 ORDER BY message_id ASC LIMIT $5;
COMMIT;
CREATE UNIQUE INDEX ASYNC IF NOT EXISTS namespaces_name ON namespaces (name);
