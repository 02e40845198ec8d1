-- History service task queues (transfer, timer, replication, visibility and
-- the generic immediate/scheduled categories). No BYTEA keys here: unchanged
-- from Temporal's PostgreSQL schema apart from IF NOT EXISTS.

CREATE TABLE IF NOT EXISTS history_immediate_tasks (
  shard_id      INTEGER     NOT NULL,
  category_id   INTEGER     NOT NULL,
  task_id       BIGINT      NOT NULL,
  --
  data          BYTEA       NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (shard_id, category_id, task_id)
);

CREATE TABLE IF NOT EXISTS history_scheduled_tasks (
  shard_id             INTEGER     NOT NULL,
  category_id          INTEGER     NOT NULL,
  visibility_timestamp TIMESTAMP   NOT NULL,
  task_id              BIGINT      NOT NULL,
  --
  data                 BYTEA       NOT NULL,
  data_encoding        VARCHAR(16) NOT NULL,
  PRIMARY KEY (shard_id, category_id, visibility_timestamp, task_id)
);

CREATE TABLE IF NOT EXISTS transfer_tasks (
  shard_id      INTEGER     NOT NULL,
  task_id       BIGINT      NOT NULL,
  --
  data          BYTEA       NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (shard_id, task_id)
);

CREATE TABLE IF NOT EXISTS timer_tasks (
  shard_id             INTEGER     NOT NULL,
  visibility_timestamp TIMESTAMP   NOT NULL,
  task_id              BIGINT      NOT NULL,
  --
  data                 BYTEA       NOT NULL,
  data_encoding        VARCHAR(16) NOT NULL,
  PRIMARY KEY (shard_id, visibility_timestamp, task_id)
);

CREATE TABLE IF NOT EXISTS replication_tasks (
  shard_id      INTEGER     NOT NULL,
  task_id       BIGINT      NOT NULL,
  --
  data          BYTEA       NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (shard_id, task_id)
);

CREATE TABLE IF NOT EXISTS replication_tasks_dlq (
  source_cluster_name VARCHAR(255) NOT NULL,
  shard_id            INTEGER      NOT NULL,
  task_id             BIGINT       NOT NULL,
  --
  data                BYTEA        NOT NULL,
  data_encoding       VARCHAR(16)  NOT NULL,
  PRIMARY KEY (source_cluster_name, shard_id, task_id)
);

CREATE TABLE IF NOT EXISTS visibility_tasks (
  shard_id      INTEGER     NOT NULL,
  task_id       BIGINT      NOT NULL,
  --
  data          BYTEA       NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (shard_id, task_id)
);
