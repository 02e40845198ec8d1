//! The driver's errors: each a one-line message saying what failed and what
//! to do about it, with the SQLSTATE when the server gave one.

use crate::plan::PlanError;
use crate::source::SourceError;

/// Anything `create/drop/setup/update/version` can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// pgconn's messages already name host, port and user and say how to
    /// fix the problem; `target` (host:port/database as user) is for callers.
    #[error("{source}")]
    Connect { target: String, source: Box<pgconn::Error> },
    /// Boxed, like `Connect`'s source, to keep `Result<_, Error>` small.
    #[error(transparent)]
    Source(Box<SourceError>),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("{at}: {sqlstate} {message} (while running: {statement})")]
    Sql { at: String, sqlstate: String, message: String, statement: String },
    #[error("{what} {name:?} does not exist; run `dsql-deploy schema create-database` first")]
    DatabaseMissing { what: &'static str, name: String },
    #[error("{name:?} has no schema version yet; run `dsql-deploy schema setup-schema -v 0` first")]
    NotSetUp { name: String },
    #[error("index {index} (job {job_id}) {status}: {details}; fix the cause, `DROP INDEX {index}` and rerun")]
    IndexJobFailed { index: String, job_id: String, status: String, details: String },
    #[error(
        "index {index} (job {job_id}) still {status} after {secs} s; rerun to keep waiting, or raise --index-timeout / schema.index_job_timeout_secs"
    )]
    IndexJobTimeout { index: String, job_id: String, status: String, secs: u64 },
    #[error("schema_version holds {recorded:?}, which is not a version number; fix the row or set up again with -o")]
    BadRecordedVersion { recorded: String },
    #[error("database {name:?} is still in use by other sessions; stop Temporal (and other clients) and retry")]
    InUse { name: String },
}

impl From<SourceError> for Error {
    fn from(e: SourceError) -> Self {
        Error::Source(Box::new(e))
    }
}

impl Error {
    /// Wraps a server error from `statement`, run at `at` (file:line or a step name).
    pub(crate) fn sql(at: impl Into<String>, statement: &str, err: &tokio_postgres::Error) -> Self {
        let (sqlstate, message) = match err.as_db_error() {
            Some(db) => (db.code().code().to_string(), db.message().to_string()),
            None => ("08006".to_string(), format!("connection failed: {err}")),
        };
        Error::Sql { at: at.into(), sqlstate, message, statement: summarize(statement) }
    }

    /// The SQLSTATE, when the server refused something.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            Error::Sql { sqlstate, .. } => Some(sqlstate),
            _ => None,
        }
    }
}

/// First line of a statement, shortened, for messages.
pub(crate) fn summarize(statement: &str) -> String {
    let flat: String = statement.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 72 {
        let cut: String = flat.chars().take(69).collect();
        format!("{cut}...")
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn errors_stay_small() {
        assert!(std::mem::size_of::<super::Error>() <= 128, "{}", std::mem::size_of::<super::Error>());
    }

    #[test]
    fn summaries_are_one_short_line() {
        let s = super::summarize("CREATE TABLE x (\n  a int,\n  b text\n)");
        assert_eq!(s, "CREATE TABLE x ( a int, b text )");
        assert!(super::summarize(&"x ".repeat(100)).len() <= 72);
    }
}
