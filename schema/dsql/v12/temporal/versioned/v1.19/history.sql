-- History events v2: branch metadata (history_tree) and event batches
-- (history_node). DSQL: tree_id and branch_id are UUIDs.

CREATE TABLE IF NOT EXISTS history_node (
  shard_id      INTEGER     NOT NULL,
  tree_id       UUID        NOT NULL,
  branch_id     UUID        NOT NULL,
  node_id       BIGINT      NOT NULL,
  txn_id        BIGINT      NOT NULL,
  --
  prev_txn_id   BIGINT      NOT NULL DEFAULT 0,
  data          BYTEA       NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (shard_id, tree_id, branch_id, node_id, txn_id)
);

CREATE TABLE IF NOT EXISTS history_tree (
  shard_id      INTEGER     NOT NULL,
  tree_id       UUID        NOT NULL,
  branch_id     UUID        NOT NULL,
  --
  data          BYTEA       NOT NULL,
  data_encoding VARCHAR(16) NOT NULL,
  PRIMARY KEY (shard_id, tree_id, branch_id)
);
