//! The commands: create/drop the database (a schema on DSQL), setup-schema,
//! update-schema, version, and `install` (all three in a row, for `up`).
//! Each is safe to rerun: creates are IF NOT EXISTS (or checked first),
//! drops skip what is gone, and a version is recorded only after all its
//! statements ran — a rerun after a crash runs that version again, with
//! existing objects counting as done, and then records it.

use std::time::Duration;

use crate::bookkeeping::{self, Record};
use crate::error::Error;
use crate::plan::plan_update;
use crate::session::{Session, quote_ident};
use crate::source::Versioned;
use crate::split::Statement;
use crate::target::{Dialect, Target};
use crate::version::Version;

/// What `create-database` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub dialect: Dialect,
    /// "schema" or "database".
    pub kind: &'static str,
    pub name: String,
    /// False when it already existed.
    pub created: bool,
}

/// Creates Temporal's database: a schema on DSQL, a database on PostgreSQL.
pub async fn create_database(target: &Target) -> Result<Created, Error> {
    let admin = target.open_admin().await?;
    match admin.dialect {
        Dialect::Dsql => {
            let existed = admin.schema_exists().await?;
            if !existed {
                let sql = format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(&admin.schema));
                admin.run_own("create schema", &sql).await?;
            }
            Ok(Created { dialect: Dialect::Dsql, kind: "schema", name: admin.schema.clone(), created: !existed })
        }
        Dialect::Postgres => {
            let existed = admin.database_exists(&target.database).await?;
            if !existed {
                // PostgreSQL has no CREATE DATABASE IF NOT EXISTS; a racing
                // creator makes this fail with 42P04, which means "done".
                let sql = format!("CREATE DATABASE {}", quote_ident(&target.database));
                match admin.run_own("create database", &sql).await {
                    Err(e) if e.sqlstate() == Some("42P04") => {}
                    other => other?,
                }
            }
            Ok(Created {
                dialect: Dialect::Postgres,
                kind: "database",
                name: target.database.clone(),
                created: !existed,
            })
        }
    }
}

/// What `drop-database` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub dialect: Dialect,
    pub kind: &'static str,
    pub name: String,
    pub tables: usize,
    /// False when there was nothing to drop.
    pub existed: bool,
}

/// Drops every table (one per transaction), then the schema/database.
pub async fn drop_database(target: &Target) -> Result<Dropped, Error> {
    let admin = target.open_admin().await?;
    match admin.dialect {
        Dialect::Dsql => {
            let name = admin.schema.clone();
            if !admin.schema_exists().await? {
                return Ok(Dropped { dialect: Dialect::Dsql, kind: "schema", name, tables: 0, existed: false });
            }
            let tables = drop_tables(&admin).await?;
            if name != "public" {
                admin.run_own("drop schema", &format!("DROP SCHEMA IF EXISTS {}", quote_ident(&name))).await?;
            }
            Ok(Dropped { dialect: Dialect::Dsql, kind: "schema", name, tables, existed: true })
        }
        Dialect::Postgres => {
            let name = target.database.clone();
            if !admin.database_exists(&name).await? {
                return Ok(Dropped { dialect: Dialect::Postgres, kind: "database", name, tables: 0, existed: false });
            }
            let tables = drop_tables(&target.open_database().await?).await?;
            if name != target.default_db {
                drop_pg_database(&admin, &name).await?;
            }
            Ok(Dropped { dialect: Dialect::Postgres, kind: "database", name, tables, existed: true })
        }
    }
}

async fn drop_tables(session: &Session) -> Result<usize, Error> {
    let tables = session.tables().await?;
    for table in &tables {
        let sql = format!("DROP TABLE IF EXISTS {}.{}", quote_ident(&session.schema), quote_ident(table));
        session.run_own(&format!("drop table {table}"), &sql).await?;
    }
    Ok(tables.len())
}

/// DROP DATABASE, waiting briefly for our own just-closed session to go away.
async fn drop_pg_database(admin: &Session, name: &str) -> Result<(), Error> {
    let sql = format!("DROP DATABASE IF EXISTS {}", quote_ident(name));
    for _ in 0..40 {
        match admin.run_own("drop database", &sql).await {
            Err(e) if e.sqlstate() == Some("55006") => tokio::time::sleep(Duration::from_millis(50)).await,
            other => return other,
        }
    }
    Err(Error::InUse { name: name.to_string() })
}

/// `setup-schema` options (temporal-sql-tool's flags).
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// `-v`: the version to record; None with `-d`.
    pub initial_version: Option<Version>,
    /// `-f FILE` / `-s NAME`: (display path, statements) to run first.
    pub file: Option<(String, Vec<Statement>)>,
    /// `-o`: drop every table first.
    pub overwrite: bool,
}

/// What `setup-schema` did.
#[derive(Debug, Clone)]
pub struct SetupOutcome {
    pub dialect: Dialect,
    pub statements: usize,
    /// The version recorded now, or None when versioning is off or a newer
    /// version was already recorded (then `kept` holds it).
    pub recorded: Option<Version>,
    pub kept: Option<Version>,
}

/// temporal-sql-tool's setup-schema, the DSQL way.
pub async fn setup_schema(target: &Target, setup: &Setup) -> Result<SetupOutcome, Error> {
    let mut session = target.open_database().await?;
    if setup.overwrite {
        let dropped = drop_tables(&session).await?;
        session.note(format!("dropped {dropped} existing tables (-o)"));
    }
    if setup.initial_version.is_some() {
        bookkeeping::create_tables(&session).await?;
    }
    let mut statements = 0;
    if let Some((path, list)) = &setup.file {
        for s in list {
            session.run_statement(&format!("{path}:{}:{}", s.line, s.column), s).await?;
            statements += 1;
        }
    }
    let mut outcome = SetupOutcome { dialect: session.dialect, statements, recorded: None, kept: None };
    if let Some(initial) = &setup.initial_version {
        let current = bookkeeping::read_version(&mut session).await?.unwrap_or_else(Version::zero);
        if current > *initial {
            outcome.kept = Some(current);
        } else {
            let rec = Record {
                new_version: initial.as_str(),
                min_compatible: initial.as_str(),
                old_version: "0",
                md5: "",
                description: "initial version",
            };
            bookkeeping::record(&mut session, &rec).await?;
            outcome.recorded = Some(initial.clone());
        }
    }
    Ok(outcome)
}

/// What `update-schema` did.
#[derive(Debug, Clone)]
pub struct UpdateOutcome {
    pub dialect: Dialect,
    pub from: Version,
    pub to: Version,
    /// Versions applied now, in order.
    pub applied: Vec<Version>,
}

/// temporal-sql-tool's update-schema: plan from the recorded version, run
/// each version's statements, record it, next.
pub async fn update_schema(
    target: &Target,
    source: &Versioned,
    goal: Option<&Version>,
) -> Result<UpdateOutcome, Error> {
    // Check the whole tree before touching the database.
    let versions = source.load()?;
    if let Some(goal) = goal {
        // An unknown target needs no database to be refused.
        plan_update(&Version::zero(), &versions, Some(goal))?;
    }
    let mut session = target.open_database().await?;
    let current = bookkeeping::read_version(&mut session)
        .await?
        .ok_or_else(|| Error::NotSetUp { name: target.database.clone() })?;
    let plan = plan_update(&current, &versions, goal)?;
    let mut applied = Vec::new();
    let mut old = current.clone();
    for step in &plan.steps {
        session.note(format!(
            "applying v{} ({} statements): {}",
            step.version,
            step.statements.len(),
            step.manifest.description
        ));
        for s in &step.statements {
            let at = format!("{}:{}:{}", s.file, s.statement.line, s.statement.column);
            session.run_statement(&at, &s.statement).await?;
        }
        let rec = Record {
            new_version: step.version.as_str(),
            min_compatible: step.manifest.min_compatible_version.as_str(),
            old_version: old.as_str(),
            md5: &step.manifest.md5,
            description: &step.manifest.description,
        };
        bookkeeping::record(&mut session, &rec).await?;
        applied.push(step.version.clone());
        old = step.version.clone();
    }
    Ok(UpdateOutcome { dialect: session.dialect, to: plan.to().clone(), from: current, applied })
}

/// The recorded version (None: not set up).
pub async fn version(target: &Target) -> Result<(Dialect, Option<Version>), Error> {
    let mut session = target.open_database().await?;
    let v = bookkeeping::read_version(&mut session).await?;
    Ok((session.dialect, v))
}

/// What `install` did.
#[derive(Debug, Clone)]
pub struct Installed {
    pub created: Created,
    pub update: UpdateOutcome,
}

/// create-database + setup-schema -v 0 + update-schema to the newest:
/// everything `up` needs, each part a no-op when already done.
pub async fn install(target: &Target, source: &Versioned) -> Result<Installed, Error> {
    source.load()?;
    let created = create_database(target).await?;
    let setup = Setup { initial_version: Some(Version::zero()), ..Setup::default() };
    setup_schema(target, &setup).await?;
    let update = update_schema(target, source, None).await?;
    Ok(Installed { created, update })
}

/// Temporal's tables in the database (bookkeeping excluded), for checks.
pub async fn temporal_tables(target: &Target) -> Result<Vec<String>, Error> {
    let session = target.open_database().await?;
    let mut tables = session.tables().await?;
    tables.retain(|t| !bookkeeping::TABLES.contains(&t.as_str()));
    Ok(tables)
}
