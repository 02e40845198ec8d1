//! `[emulator]`: the local Aurora DSQL stand-in that `up` starts.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::Problems;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmulatorConfig {
    /// Port to listen on (127.0.0.1). When taken, a free one is chosen and printed.
    pub port: u16,
    /// Where the private PostgreSQL cluster and the emulator's state live.
    /// Default: `$XDG_DATA_HOME/dsql-deploy/emulator` (`~/.local/share/...`).
    pub data_dir: Option<PathBuf>,
    /// Host name clients sign tokens for and verify the certificate against.
    pub hostname: String,
    /// Credentials the emulator checks IAM tokens against (test values).
    pub access_key_id: String,
    pub secret_access_key: String,
    /// DSQL limits, configurable so tests can shrink them.
    pub max_rows_per_transaction: u32,
    /// Bytes a transaction may write (new rows and their secondary-index entries), checked at COMMIT.
    pub max_transaction_bytes: u64,
    pub max_transaction_age_secs: u64,
    pub max_connection_lifetime_secs: u64,
    pub connection_rate_per_sec: u32,
    pub connection_burst: u32,
    /// Client sessions at once (each holds one backend of the private
    /// PostgreSQL, whose max_connections this sets; DSQL allows 10,000).
    pub max_connections: u32,
    /// Threads the emulator relays client sessions on. Unset: a quarter of
    /// the CPUs, at least one — it shares the machine with its PostgreSQL
    /// and the clients, and one relay thread costs less CPU per transaction
    /// than several that hand sessions to each other (docs/emulator.md).
    pub worker_threads: Option<u16>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            port: 5432,
            data_dir: None,
            hostname: "localhost".into(),
            access_key_id: "AKIAEMULATOR00000000".into(),
            secret_access_key: "emulator-secret-access-key-not-for-aws".into(),
            max_rows_per_transaction: 3000,
            max_transaction_bytes: 10 * 1024 * 1024,
            max_transaction_age_secs: 300,
            max_connection_lifetime_secs: 3600,
            connection_rate_per_sec: 100,
            connection_burst: 1000,
            max_connections: 400,
            worker_threads: None,
        }
    }
}

impl EmulatorConfig {
    pub fn validate(&self, problems: &mut Problems) {
        if self.hostname.is_empty() {
            problems.push("emulator.hostname", "must not be empty (default \"localhost\")");
        }
        if self.access_key_id.is_empty() || self.secret_access_key.is_empty() {
            problems.push("emulator.access_key_id", "both access_key_id and secret_access_key must be set");
        }
        if self.max_connections > 10_000 {
            problems.push("emulator.max_connections", "must be at most 10000 (DSQL's own limit)");
        }
        if self.worker_threads == Some(0) {
            problems.push("emulator.worker_threads", "must be at least 1; leave it unset for a quarter of the CPUs");
        }
        for (key, value) in [
            ("emulator.max_rows_per_transaction", u64::from(self.max_rows_per_transaction)),
            ("emulator.max_transaction_bytes", self.max_transaction_bytes),
            ("emulator.max_transaction_age_secs", self.max_transaction_age_secs),
            ("emulator.max_connection_lifetime_secs", self.max_connection_lifetime_secs),
            ("emulator.connection_rate_per_sec", u64::from(self.connection_rate_per_sec)),
            ("emulator.connection_burst", u64::from(self.connection_burst)),
            ("emulator.max_connections", u64::from(self.max_connections)),
        ] {
            if value == 0 {
                problems.push(key, "must be greater than 0");
            }
        }
    }
}
