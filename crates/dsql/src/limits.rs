//! DSQL's quotas (DSQL-FACTS §4), for the emulator, the gateway and lint.
//! Each constant names the error a client sees when it is exceeded.

use std::time::Duration;

/// Rows changed per transaction: 3,000 allowed, 3,001 fails with 54000
/// `transaction row limit exceeded` (autocommit statements too).
pub const MAX_ROWS_PER_TRANSACTION: u64 = 3_000;
/// Transaction size checked at COMMIT, index entries included (54000
/// `transaction size limit 10mb exceeded`).
pub const MAX_TRANSACTION_BYTES: u64 = 10 * 1024 * 1024;
/// Transaction age (54000 `transaction age limit of 300s exceeded`).
pub const MAX_TRANSACTION_AGE: Duration = Duration::from_secs(300);
/// A connection is closed after this long; connectors rotate at ~55 min.
pub const MAX_CONNECTION_LIFETIME: Duration = Duration::from_secs(3_600);
/// Connections per cluster (raisable quota; 53300 beyond).
pub const MAX_CONNECTIONS: u32 = 10_000;
/// New connections per second, cluster-wide (53400 beyond the bucket).
pub const NEW_CONNECTIONS_PER_SECOND: u32 = 100;
/// Burst size of the new-connection bucket.
pub const NEW_CONNECTIONS_BURST: u32 = 1_000;
/// Memory per query (54000 `query requires more than allowed temp space …`).
pub const MAX_QUERY_MEMORY_BYTES: u64 = 128 * 1024 * 1024;
/// Tables per cluster.
pub const MAX_TABLES: u32 = 1_000;
/// Indexes per table.
pub const MAX_INDEXES_PER_TABLE: u32 = 24;
/// Columns per table (54011 beyond).
pub const MAX_COLUMNS_PER_TABLE: u32 = 255;
/// Schemas besides `public` and `sys` (54000 `more than 10 schemas not allowed`).
pub const MAX_USER_SCHEMAS: u32 = 10;
/// Identity/sequence CACHE must be exactly this or at least [`MIN_LARGE_SEQUENCE_CACHE`].
pub const SMALL_SEQUENCE_CACHE: u64 = 1;
pub const MIN_LARGE_SEQUENCE_CACHE: u64 = 65_536;
