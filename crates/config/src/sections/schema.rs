//! `[schema]`: which Temporal database the schema tool and `up` manage.

use serde::{Deserialize, Serialize};

use crate::Problems;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchemaConfig {
    /// Temporal's database. On DSQL this is a schema inside `postgres`.
    pub database: String,
    /// Seconds to wait for one `CREATE INDEX ASYNC` job.
    pub index_job_timeout_secs: u64,
}

impl Default for SchemaConfig {
    fn default() -> Self {
        Self { database: "temporal".into(), index_job_timeout_secs: 600 }
    }
}

impl SchemaConfig {
    pub fn validate(&self, problems: &mut Problems) {
        let ok = !self.database.is_empty()
            && self.database.len() <= 63
            && self.database.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !self.database.starts_with(|c: char| c.is_ascii_digit());
        if !ok {
            problems.push(
                "schema.database",
                format!("{:?} must be a lower-case SQL identifier (a-z, 0-9, _; at most 63)", self.database),
            );
        }
        if self.index_job_timeout_secs == 0 {
            problems.push("schema.index_job_timeout_secs", "must be greater than 0");
        }
    }
}
