-- Nexus endpoints and the table-wide version row.
-- DSQL: endpoint id is a UUID. CHECK constraints in CREATE TABLE are
-- supported by DSQL, so the single-row guard stays.

CREATE TABLE IF NOT EXISTS nexus_endpoints (
  id            UUID        NOT NULL,
  data          BYTEA       NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  version       BIGINT      NOT NULL,
  PRIMARY KEY (id)
);

CREATE TABLE IF NOT EXISTS nexus_endpoints_partition_status (
  id      INTEGER NOT NULL DEFAULT 0,
  version BIGINT  NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT only_one_row CHECK (id = 0)
);
