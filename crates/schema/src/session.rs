//! One connection, executing statements the DSQL way: each statement is its
//! own implicit transaction (simple protocol, autocommit); `CREATE INDEX
//! ASYNC` is followed by polling its job in `sys.jobs` until it completes,
//! fails or times out; 40001 (OC000 data / OC001 schema conflicts) is retried
//! with capped, jittered backoff (AWS connectors' guidance: 100 ms start, 5 s
//! cap). Reruns are safe: a CREATE/ALTER/DROP whose object already exists (or
//! is already gone) counts as done, like temporal-sql-tool's "already exist"
//! / "not found" rule, but matched on SQLSTATE rather than message text.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_postgres::{Client, SimpleQueryMessage};

use crate::error::{Error, summarize};
use crate::split::Statement;
use crate::target::Dialect;

/// Progress sink: the CLI prints these; `up` shows them as its step's detail.
pub type Progress = dyn Fn(&Event) + Send + Sync;

/// What the tool is doing.
#[derive(Debug)]
pub enum Event<'a> {
    Connected {
        dialect: Dialect,
        target: String,
    },
    /// One statement finished (`skipped` when the object already existed).
    Statement {
        at: &'a str,
        summary: String,
        skipped: bool,
        elapsed: Duration,
    },
    /// Still waiting for an index job.
    IndexJob {
        index: &'a str,
        job_id: &'a str,
        status: &'a str,
        elapsed: Duration,
    },
    /// A conflict (40001) that will be retried.
    Retry {
        at: &'a str,
        sqlstate: &'a str,
        message: &'a str,
        attempt: u32,
    },
    Note(String),
}

/// Does SQLSTATE `code` mean "this DDL already happened" for a statement
/// starting with `first`? A CREATE of something that exists (42P07 relation,
/// 42710 object, 42P06 schema); an ALTER adding what exists (42701 column,
/// 42710 constraint) or dropping what is gone (42703 column, 42704 object);
/// a DROP of what is gone (42P01, 42704, 3F000). A CREATE INDEX on a missing
/// table (42P01) is a real error and stays one.
fn already_done(first: &str, code: &str) -> bool {
    match first {
        "CREATE" => matches!(code, "42P07" | "42710" | "42P06"),
        "ALTER" => matches!(code, "42701" | "42710" | "42703" | "42704"),
        "DROP" => matches!(code, "42P01" | "42704" | "3F000"),
        _ => false,
    }
}
const MAX_ATTEMPTS: u32 = 8;

/// A connection plus what the driver knows about its server.
pub struct Session {
    client: Client,
    pub dialect: Dialect,
    /// The schema holding Temporal's tables (`public` on PostgreSQL).
    pub schema: String,
    /// The connected database; recorded in `schema_version.db_name`.
    pub db_name: String,
    progress: Arc<Progress>,
    index_timeout: Duration,
}

impl Session {
    pub(crate) fn new(
        client: Client,
        dialect: Dialect,
        schema: String,
        db_name: String,
        progress: Arc<Progress>,
        index_timeout: Duration,
    ) -> Self {
        Self { client, dialect, schema, db_name, progress, index_timeout }
    }

    pub(crate) fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    pub(crate) fn note(&self, text: String) {
        (self.progress)(&Event::Note(text));
    }

    /// Runs one schema-file statement (see module docs).
    pub async fn run_statement(&self, at: &str, statement: &Statement) -> Result<(), Error> {
        let text = match self.dialect {
            Dialect::Dsql => statement.text.clone(),
            Dialect::Postgres => statement.without_async(),
        };
        let started = Instant::now();
        let outcome = self.execute_with_retry(at, &text).await;
        let skipped = match outcome {
            Ok(rows) => {
                if self.dialect == Dialect::Dsql && statement.is_async_index() {
                    let index = statement.object_name().unwrap_or("(unnamed)");
                    match job_id(&rows) {
                        Some(job) => self.wait_for_job(index, &job).await?,
                        None => self.wait_for_unfinished_build(index).await?,
                    }
                }
                false
            }
            Err(Error::Sql { sqlstate, .. }) if already_done(statement.first_keyword(), &sqlstate) => true,
            Err(e) => return Err(e),
        };
        (self.progress)(&Event::Statement {
            at,
            summary: summarize(&statement.text),
            skipped,
            elapsed: started.elapsed(),
        });
        Ok(())
    }

    /// Runs SQL we generated ourselves (quoted identifiers), one transaction.
    pub(crate) async fn run_own(&self, at: &str, sql: &str) -> Result<(), Error> {
        self.execute_with_retry(at, sql).await.map(|_| ())
    }

    async fn execute_with_retry(&self, at: &str, sql: &str) -> Result<Vec<SimpleQueryMessage>, Error> {
        let mut attempt = 1;
        loop {
            match self.client.simple_query(sql).await {
                Ok(rows) => return Ok(rows),
                Err(err) => {
                    let error = Error::sql(at, sql, &err);
                    if let Error::Sql { sqlstate, message, .. } = &error {
                        if sqlstate == "40001" && attempt < MAX_ATTEMPTS {
                            (self.progress)(&Event::Retry { at, sqlstate, message, attempt });
                            tokio::time::sleep(backoff(attempt)).await;
                            attempt += 1;
                            continue;
                        }
                    }
                    return Err(error);
                }
            }
        }
    }

    /// Polls `sys.jobs` until the job completes (fast at first, then every 1 s).
    async fn wait_for_job(&self, index: &str, job_id: &str) -> Result<(), Error> {
        // Job ids are base32 text; anything else is not interpolated.
        if !job_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Error::IndexJobFailed {
                index: index.into(),
                job_id: job_id.into(),
                status: "unreadable".into(),
                details: "the server returned an unexpected job id".into(),
            });
        }
        let query = format!("SELECT status, details FROM sys.jobs WHERE job_id = '{job_id}'");
        let started = Instant::now();
        let mut delay = Duration::from_millis(20);
        let mut last_report = Instant::now();
        loop {
            let rows = self.execute_with_retry(index, &query).await?;
            let (status, details) = rows
                .iter()
                .find_map(|m| match m {
                    SimpleQueryMessage::Row(r) => Some((
                        r.get("status").unwrap_or("").to_ascii_lowercase(),
                        r.get("details").unwrap_or("").to_string(),
                    )),
                    _ => None,
                })
                .unwrap_or_else(|| ("submitted".into(), String::new()));
            match status.as_str() {
                "completed" | "succeeded" => return Ok(()),
                "failed" | "cancelled" | "canceled" => {
                    return Err(Error::IndexJobFailed { index: index.into(), job_id: job_id.into(), status, details });
                }
                _ => {}
            }
            if started.elapsed() >= self.index_timeout {
                return Err(Error::IndexJobTimeout {
                    index: index.into(),
                    job_id: job_id.into(),
                    status,
                    secs: self.index_timeout.as_secs(),
                });
            }
            if last_report.elapsed() >= Duration::from_secs(2) {
                (self.progress)(&Event::IndexJob { index, job_id, status: &status, elapsed: started.elapsed() });
                last_report = Instant::now();
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(1));
        }
    }

    /// `CREATE INDEX ASYNC IF NOT EXISTS` returns no job when the index
    /// exists — possibly still building, if an earlier run stopped while
    /// waiting. Find such a job by index name and wait for it, so a version
    /// is never recorded over an unfinished index. Best effort: a server
    /// whose sys.jobs cannot be searched this way just gets a note.
    async fn wait_for_unfinished_build(&self, index: &str) -> Result<(), Error> {
        let plain = !index.is_empty() && index.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let query = format!(
            "SELECT job_id FROM sys.jobs WHERE object_name = '{index}' \
             AND lower(status) NOT IN ('completed', 'succeeded', 'failed', 'cancelled', 'canceled')"
        );
        let pending = if plain { self.client.simple_query(&query).await.ok() } else { None };
        match pending.as_deref().and_then(job_id) {
            Some(job) => {
                self.note(format!("index {index} exists and is still building (job {job}); waiting for it"));
                self.wait_for_job(index, &job).await
            }
            None => {
                self.note(format!("index {index} already exists; no job to wait for"));
                Ok(())
            }
        }
    }

    /// Does the DSQL schema exist?
    pub(crate) async fn schema_exists(&self) -> Result<bool, Error> {
        let sql = "SELECT 1 FROM information_schema.schemata WHERE schema_name = $1";
        let rows = self.client.query(sql, &[&self.schema]).await.map_err(|e| Error::sql("schema lookup", sql, &e))?;
        Ok(!rows.is_empty())
    }

    /// Does a PostgreSQL database exist?
    pub(crate) async fn database_exists(&self, name: &str) -> Result<bool, Error> {
        let sql = "SELECT 1 FROM pg_database WHERE datname = $1";
        let rows = self.client.query(sql, &[&name]).await.map_err(|e| Error::sql("database lookup", sql, &e))?;
        Ok(!rows.is_empty())
    }

    /// Points unqualified names at the schema (DSQL sessions).
    pub(crate) async fn use_schema(&self) -> Result<(), Error> {
        let sql = format!("SET search_path TO {}", quote_ident(&self.schema));
        self.run_own("search_path", &sql).await
    }

    /// Base tables of the schema, sorted.
    pub(crate) async fn tables(&self) -> Result<Vec<String>, Error> {
        let sql = "SELECT table_name::text FROM information_schema.tables \
                   WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1";
        let rows = self.client.query(sql, &[&self.schema]).await.map_err(|e| Error::sql("table list", sql, &e))?;
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
    }
}

fn job_id(rows: &[SimpleQueryMessage]) -> Option<String> {
    rows.iter().find_map(|m| match m {
        SimpleQueryMessage::Row(r) => r.get("job_id").map(str::to_string),
        _ => None,
    })
}

/// 100 ms doubling to a 5 s cap, minus up to half as jitter (so that
/// sessions that collided do not collide again in lockstep).
fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(100).saturating_mul(1 << attempt.min(6)).min(Duration::from_secs(5));
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let jitter = base.mul_f64(f64::from(nanos % 1000) / 2000.0);
    base - jitter
}

/// `"name"` with embedded quotes doubled.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_cap() {
        assert!(backoff(1) <= Duration::from_millis(200));
        assert!(backoff(1) >= Duration::from_millis(100));
        assert!(backoff(10) <= Duration::from_secs(5));
        assert!(backoff(10) >= Duration::from_millis(2500));
    }

    #[test]
    fn only_matching_errors_count_as_already_done() {
        assert!(already_done("CREATE", "42P07"));
        assert!(!already_done("CREATE", "42P01"), "CREATE INDEX on a missing table is an error");
        assert!(already_done("DROP", "42P01"));
        assert!(!already_done("INSERT", "23505"));
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("temporal"), "\"temporal\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
