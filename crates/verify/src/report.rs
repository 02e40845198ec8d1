//! The verification report: one [`Check`] per operation, with the
//! database's answer and a hint when it failed.

use std::time::Duration;

use serde::Serialize;

/// One operation's result.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub what: &'static str,
    pub outcome: Outcome,
    #[serde(serialize_with = "millis")]
    pub elapsed: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1000.0)
}

/// OK (with an optional note), or failed with the database's error.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Ok { note: Option<String> },
    Failed { sqlstate: Option<String>, message: String, hint: String },
}

impl Outcome {
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok { .. })
    }
}

/// Everything `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub target: String,
    pub database: String,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn all_ok(&self) -> bool {
        self.checks.iter().all(|c| c.outcome.is_ok())
    }

    pub fn failed(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.outcome.is_ok())
    }
}

/// The SQLSTATE of a database error, if the server sent one.
pub(crate) fn sqlstate(err: &tokio_postgres::Error) -> Option<String> {
    err.code().map(|c| c.code().to_string())
}

/// The server's message (or the client-side error) in one line.
pub(crate) fn db_message(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => db.message().to_string(),
        None => err.to_string(),
    }
}

/// Turns a failed statement into an outcome whose hint says what to do.
pub(crate) fn failed(step: &str, err: &tokio_postgres::Error) -> Outcome {
    let state = sqlstate(err);
    let message = format!("{step}: {}", db_message(err));
    let hint = match state.as_deref() {
        Some("42P01") => "a Temporal table is missing: install or upgrade the schema with \
                          `dsql-deploy schema setup-schema -v 0` and `update-schema -s dsql/v12/temporal`"
            .to_string(),
        Some("42703") => "a column is missing: the schema is older than this Temporal version; \
                          run `dsql-deploy schema update-schema -s dsql/v12/temporal`"
            .to_string(),
        Some("42804") | Some("22P02") => "a column has another type than the Temporal DSQL build expects \
                                           (e.g. BYTEA instead of UUID): install the DSQL schema, not the PostgreSQL one"
            .to_string(),
        Some("0A000") => "DSQL refuses this statement shape; Temporal needs the DSQL build (plugin `dsql`) \
                          or stock Temporal behind `dsql-deploy gateway`"
            .to_string(),
        Some("40001") => "an optimistic-concurrency conflict with another transaction; Temporal retries \
                          these, but a steady stream means contention on this row"
            .to_string(),
        Some("54000") => "a DSQL limit was hit (rows, size or age per transaction)".to_string(),
        Some("42501") => "the role lacks privileges on Temporal's tables; grant them or connect as their owner"
            .to_string(),
        Some(_) => "see the database's message above".to_string(),
        None => "the connection failed mid-operation; run `dsql-deploy doctor` for the target".to_string(),
    };
    Outcome::Failed { sqlstate: state, message, hint }
}

/// A check that ran but found the wrong answer (not a database error).
pub(crate) fn wrong(message: impl Into<String>, hint: impl Into<String>) -> Outcome {
    Outcome::Failed { sqlstate: None, message: message.into(), hint: hint.into() }
}
