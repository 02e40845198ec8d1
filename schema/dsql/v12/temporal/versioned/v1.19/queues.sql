-- Namespace replication queue (v1: queue, queue_metadata) and the generic
-- queues (v2: queues, queue_messages). Unchanged apart from IF NOT EXISTS.

CREATE TABLE IF NOT EXISTS queue (
  queue_type       INTEGER     NOT NULL,
  message_id       BIGINT      NOT NULL,
  message_payload  BYTEA       NOT NULL,
  message_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (queue_type, message_id)
);

CREATE TABLE IF NOT EXISTS queue_metadata (
  queue_type    INTEGER     NOT NULL,
  data          BYTEA       NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  version       BIGINT      NOT NULL,
  PRIMARY KEY (queue_type)
);

CREATE TABLE IF NOT EXISTS queues (
  queue_type        INTEGER      NOT NULL,
  queue_name        VARCHAR(255) NOT NULL,
  metadata_payload  BYTEA        NOT NULL,
  metadata_encoding VARCHAR(16)  NOT NULL,
  PRIMARY KEY (queue_type, queue_name)
);

CREATE TABLE IF NOT EXISTS queue_messages (
  queue_type       INTEGER      NOT NULL,
  queue_name       VARCHAR(255) NOT NULL,
  queue_partition  BIGINT       NOT NULL,
  message_id       BIGINT       NOT NULL,
  message_payload  BYTEA        NOT NULL,
  message_encoding VARCHAR(16)  NOT NULL,
  PRIMARY KEY (queue_type, queue_name, queue_partition, message_id)
);
