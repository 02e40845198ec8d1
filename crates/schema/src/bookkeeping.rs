//! temporal-sql-tool's version tables, byte-for-byte the same definitions
//! and queries, so that Temporal's startup check (`SELECT curr_version FROM
//! schema_version WHERE version_partition=0 AND db_name=$1`) accepts what we
//! record. The version row and its history row are written in one DML-only
//! transaction (allowed on DSQL), so a crash leaves both or neither.

use time::OffsetDateTime;
use time::macros::format_description;

use crate::error::Error;
use crate::session::Session;
use crate::version::Version;

const CREATE_VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_version(\
    version_partition INT not null, \
    db_name VARCHAR(255) not null, \
    creation_time TIMESTAMP, \
    curr_version VARCHAR(64), \
    min_compatible_version VARCHAR(64), \
    PRIMARY KEY (version_partition, db_name))";

const CREATE_HISTORY_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_update_history(\
    version_partition INT not null, \
    year int not null, \
    month int not null, \
    update_time TIMESTAMP not null, \
    description VARCHAR(255), \
    manifest_md5 VARCHAR(64), \
    new_version VARCHAR(64), \
    old_version VARCHAR(64), \
    PRIMARY KEY (version_partition, year, month, update_time))";

const READ_VERSION: &str = "SELECT curr_version FROM schema_version WHERE version_partition=0 AND db_name=$1";

const WRITE_VERSION: &str = "INSERT INTO schema_version(version_partition, db_name, creation_time, curr_version, min_compatible_version) \
    VALUES (0, $1, $2::text::timestamp, $3, $4) \
    ON CONFLICT (version_partition, db_name) DO UPDATE \
    SET creation_time = excluded.creation_time, curr_version = excluded.curr_version, \
        min_compatible_version = excluded.min_compatible_version";

const WRITE_HISTORY: &str = "INSERT INTO schema_update_history(version_partition, year, month, update_time, old_version, new_version, manifest_md5, description) \
    VALUES (0, $1, $2, $3::text::timestamp, $4, $5, $6, $7)";

/// The two bookkeeping tables' names (excluded from "Temporal's tables").
pub const TABLES: [&str; 2] = ["schema_update_history", "schema_version"];

/// Creates both tables (one DDL per transaction; no-op when present).
pub async fn create_tables(session: &Session) -> Result<(), Error> {
    session.run_own("schema_version table", CREATE_VERSION_TABLE).await?;
    session.run_own("schema_update_history table", CREATE_HISTORY_TABLE).await
}

/// The recorded version, or None when nothing is recorded (or no table).
pub async fn read_version(session: &mut Session) -> Result<Option<Version>, Error> {
    let db_name = session.db_name.clone();
    match session.client().query_opt(READ_VERSION, &[&db_name]).await {
        Ok(None) => Ok(None),
        Ok(Some(row)) => {
            let recorded: Option<String> = row.get(0);
            let recorded = recorded.unwrap_or_default();
            recorded.parse().map(Some).map_err(|_| Error::BadRecordedVersion { recorded })
        }
        Err(e) if e.as_db_error().is_some_and(|d| d.code().code() == "42P01") => Ok(None),
        Err(e) => Err(Error::sql("schema_version", READ_VERSION, &e)),
    }
}

/// One applied version: what to write to both tables.
pub struct Record<'a> {
    pub new_version: &'a str,
    pub min_compatible: &'a str,
    pub old_version: &'a str,
    pub md5: &'a str,
    pub description: &'a str,
}

/// Writes the version row and its history row in one transaction, retrying
/// 40001 conflicts like every other statement.
pub async fn record(session: &mut Session, rec: &Record<'_>) -> Result<(), Error> {
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        match try_record(session, rec).await {
            Err(e) if attempt < 8 && e.as_db_error().is_some_and(|d| d.code().code() == "40001") => {
                tokio::time::sleep(std::time::Duration::from_millis(100 * u64::from(attempt))).await;
            }
            Err(e) => return Err(Error::sql("recording the version", WRITE_VERSION, &e)),
            Ok(()) => return Ok(()),
        }
    }
}

async fn try_record(session: &mut Session, rec: &Record<'_>) -> Result<(), tokio_postgres::Error> {
    let now = OffsetDateTime::now_utc();
    let stamp = now
        .format(format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:6]"))
        .unwrap_or_default();
    let (year, month) = (now.year(), i32::from(u8::from(now.month())));
    let db_name = session.db_name.clone();
    let tx = session.client().transaction().await?;
    tx.execute(WRITE_VERSION, &[&db_name, &stamp, &rec.new_version, &rec.min_compatible]).await?;
    tx.execute(WRITE_HISTORY, &[&year, &month, &stamp, &rec.old_version, &rec.new_version, &rec.md5, &rec.description])
        .await?;
    tx.commit().await
}
