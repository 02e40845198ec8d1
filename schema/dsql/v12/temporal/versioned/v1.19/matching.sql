-- Matching: task queues, their tasks, user data and build-id mappings.
-- DSQL: task_queue_id is variable-length bytes in Temporal; the dsql plugin
-- stores a UUID derived from its SHA-256 (fixed size, key-able).
-- namespace_id is a UUID.

CREATE TABLE IF NOT EXISTS tasks (
  range_hash    BIGINT      NOT NULL,
  task_queue_id UUID        NOT NULL,
  task_id       BIGINT      NOT NULL,
  --
  data          BYTEA       NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (range_hash, task_queue_id, task_id)
);

-- ephemeral task queue state: ack levels, expiry
CREATE TABLE IF NOT EXISTS task_queues (
  range_hash    BIGINT      NOT NULL,
  task_queue_id UUID        NOT NULL,
  --
  range_id      BIGINT      NOT NULL,
  data          BYTEA       NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (range_hash, task_queue_id)
);

-- fairness scheduling: (pass, task_id) increase monotonically
CREATE TABLE IF NOT EXISTS tasks_v2 (
  range_hash    BIGINT      NOT NULL,
  task_queue_id UUID        NOT NULL,
  pass          BIGINT      NOT NULL,
  task_id       BIGINT      NOT NULL,
  --
  data          BYTEA       NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (range_hash, task_queue_id, pass, task_id)
);

CREATE TABLE IF NOT EXISTS task_queues_v2 (
  range_hash    BIGINT      NOT NULL,
  task_queue_id UUID        NOT NULL,
  --
  range_id      BIGINT      NOT NULL,
  data          BYTEA       NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (range_hash, task_queue_id)
);

-- versioning data per task queue; version is the optimistic-concurrency counter
CREATE TABLE IF NOT EXISTS task_queue_user_data (
  namespace_id    UUID         NOT NULL,
  task_queue_name VARCHAR(255) NOT NULL,
  data            BYTEA        NOT NULL,
  data_encoding   VARCHAR(16)  NOT NULL,
  version         BIGINT       NOT NULL,
  PRIMARY KEY (namespace_id, task_queue_name)
);

CREATE TABLE IF NOT EXISTS build_id_to_task_queue (
  namespace_id    UUID         NOT NULL,
  build_id        VARCHAR(255) NOT NULL,
  task_queue_name VARCHAR(255) NOT NULL,
  PRIMARY KEY (namespace_id, build_id, task_queue_name)
);
