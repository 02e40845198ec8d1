//! Which server we talk to and how to reach Temporal's tables on it.
//!
//! **DSQL or PostgreSQL?** A `*.dsql.<region>.on.aws` host is DSQL. Anything
//! else is probed once with `SELECT job_id FROM sys.jobs LIMIT 0`: DSQL (and
//! the emulator, which answers `CREATE INDEX ASYNC` with a job) has that
//! view; PostgreSQL answers 42P01/3F000. A failed probe outside a transaction
//! costs nothing. `--dialect dsql|postgres` skips the probe.
//!
//! **Where the tables live.** DSQL has one database, `postgres`, so a
//! Temporal "database" NAME is a *schema* NAME in it (`public` when NAME is
//! `postgres`); the session sets `search_path` to it, and Temporal reaches it
//! the same way (`databaseName: postgres`, `connectAttributes: {search_path:
//! NAME}`). On PostgreSQL NAME is a database and tables go to its default
//! schema. `schema_version.db_name` is the connected database's name, exactly
//! what temporal-sql-tool records and what Temporal's version check reads
//! (`WHERE db_name = <databaseName>`).

use std::sync::Arc;
use std::time::Duration;

use pgconn::ConnectOptions;

use crate::error::Error;
use crate::session::{Event, Progress, Session};

/// The kind of server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Aurora DSQL or the emulator: ASYNC indexes, one DDL per transaction.
    Dsql,
    /// Plain PostgreSQL: `ASYNC` is dropped, indexes build synchronously.
    Postgres,
}

impl std::fmt::Display for Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Dialect::Dsql => "DSQL",
            Dialect::Postgres => "PostgreSQL",
        })
    }
}

/// Everything needed to reach Temporal's database.
#[derive(Clone)]
pub struct Target {
    /// Host, port, user, auth and TLS; `database` is replaced per connection.
    pub connect: ConnectOptions,
    /// Temporal's database name (a schema on DSQL).
    pub database: String,
    /// The database to connect to first (`postgres`; the only one on DSQL).
    pub default_db: String,
    /// Forced dialect, or None to detect.
    pub dialect: Option<Dialect>,
    /// How long to wait for one `CREATE INDEX ASYNC` job.
    pub index_timeout: Duration,
    /// Receives progress events.
    pub progress: Arc<Progress>,
}

/// True for DSQL cluster endpoints (`<id>.dsql.<region>.on.aws`).
pub fn is_dsql_host(host: &str) -> bool {
    dsql::endpoint::is_dsql_host(host)
}

impl Target {
    fn describe(&self, database: &str) -> String {
        format!("{}:{}/{} as {}", self.connect.host, self.connect.port, database, self.connect.user)
    }

    async fn connect_to(&self, database: &str) -> Result<tokio_postgres::Client, Error> {
        let mut opts = self.connect.clone();
        opts.database = database.to_string();
        pgconn::connect(&opts)
            .await
            .map_err(|source| Error::Connect { target: self.describe(database), source: Box::new(source) })
    }

    /// Connects to the default database and finds out what the server is.
    pub async fn open_admin(&self) -> Result<Session, Error> {
        let client = self.connect_to(&self.default_db).await?;
        let dialect = match self.dialect {
            Some(d) => d,
            None if is_dsql_host(&self.connect.host) => Dialect::Dsql,
            None => detect(&client).await,
        };
        let schema = match dialect {
            Dialect::Dsql if self.database != "postgres" => self.database.clone(),
            _ => "public".to_string(),
        };
        (self.progress)(&Event::Connected { dialect, target: self.describe(&self.default_db) });
        Ok(Session::new(client, dialect, schema, self.default_db.clone(), self.progress.clone(), self.index_timeout))
    }

    /// Connects to Temporal's tables: on DSQL the admin session with
    /// `search_path` set to the schema; on PostgreSQL a session on the database.
    pub async fn open_database(&self) -> Result<Session, Error> {
        let admin = self.open_admin().await?;
        match admin.dialect {
            Dialect::Dsql => {
                if !admin.schema_exists().await? {
                    return Err(Error::DatabaseMissing { what: "schema", name: admin.schema.clone() });
                }
                admin.use_schema().await?;
                Ok(admin)
            }
            Dialect::Postgres if self.database == self.default_db => Ok(admin),
            Dialect::Postgres => {
                if !admin.database_exists(&self.database).await? {
                    return Err(Error::DatabaseMissing { what: "database", name: self.database.clone() });
                }
                drop(admin);
                let client = self.connect_to(&self.database).await?;
                Ok(Session::new(
                    client,
                    Dialect::Postgres,
                    "public".to_string(),
                    self.database.clone(),
                    self.progress.clone(),
                    self.index_timeout,
                ))
            }
        }
    }
}

async fn detect(client: &tokio_postgres::Client) -> Dialect {
    match client.simple_query("SELECT job_id FROM sys.jobs LIMIT 0").await {
        Ok(_) => Dialect::Dsql,
        Err(_) => Dialect::Postgres,
    }
}
