-- Cluster metadata and membership (ringpop bootstrap).
-- DSQL: host_id is a UUID; every index is built asynchronously. The
-- timestamp defaults are constants, which DSQL accepts in CREATE TABLE.

CREATE TABLE IF NOT EXISTS cluster_metadata_info (
  metadata_partition INTEGER      NOT NULL,
  cluster_name       VARCHAR(255) NOT NULL,
  data               BYTEA        NOT NULL,
  data_encoding      VARCHAR(16)  NOT NULL,
  version            BIGINT       NOT NULL,
  PRIMARY KEY (metadata_partition, cluster_name)
);

CREATE TABLE IF NOT EXISTS cluster_membership (
  membership_partition INTEGER      NOT NULL,
  host_id              UUID         NOT NULL,
  rpc_address          VARCHAR(128) NOT NULL,
  rpc_port             SMALLINT     NOT NULL,
  role                 SMALLINT     NOT NULL,
  session_start        TIMESTAMP    DEFAULT '1970-01-01 00:00:01',
  last_heartbeat       TIMESTAMP    DEFAULT '1970-01-01 00:00:01',
  record_expiry        TIMESTAMP    DEFAULT '1970-01-01 00:00:01',
  PRIMARY KEY (membership_partition, host_id)
);

CREATE UNIQUE INDEX ASYNC IF NOT EXISTS cm_idx_rolehost ON cluster_membership (role, host_id);

CREATE INDEX ASYNC IF NOT EXISTS cm_idx_rolelasthb ON cluster_membership (role, last_heartbeat);

CREATE INDEX ASYNC IF NOT EXISTS cm_idx_rpchost ON cluster_membership (rpc_address, role);

CREATE INDEX ASYNC IF NOT EXISTS cm_idx_lasthb ON cluster_membership (last_heartbeat);

CREATE INDEX ASYNC IF NOT EXISTS cm_idx_recordexpiry ON cluster_membership (record_expiry);
