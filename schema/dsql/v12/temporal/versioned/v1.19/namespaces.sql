-- Namespaces and the namespace change counter.
-- DSQL: namespaces.id is a UUID (BYTEA cannot be part of a key); the UNIQUE
-- constraint on name becomes a unique asynchronous index, built after the table.

CREATE TABLE IF NOT EXISTS namespaces (
  partition_id         INTEGER      NOT NULL,
  id                   UUID         NOT NULL,
  name                 VARCHAR(255) NOT NULL,
  notification_version BIGINT       NOT NULL,
  --
  data                 BYTEA        NOT NULL,
  data_encoding        VARCHAR(16)  NOT NULL,
  is_global            BOOLEAN      NOT NULL,
  PRIMARY KEY (partition_id, id)
);

CREATE UNIQUE INDEX ASYNC IF NOT EXISTS namespaces_name_key ON namespaces (name);

CREATE TABLE IF NOT EXISTS namespace_metadata (
  partition_id         INTEGER NOT NULL,
  notification_version BIGINT  NOT NULL,
  PRIMARY KEY (partition_id)
);

-- The one row Temporal's namespace cache polls; ON CONFLICT keeps reruns safe.
INSERT INTO namespace_metadata (partition_id, notification_version)
  VALUES (54321, 1)
  ON CONFLICT (partition_id) DO NOTHING;
