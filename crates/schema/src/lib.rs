//! temporal-sql-tool compatible schema management, executed the DSQL way.
//!
//! Pure parts, tested without a database: [`split`] (SQL files into
//! statements, with the one-statement checks), [`version`], [`manifest`],
//! [`source`] (the embedded sets and on-disk trees, fully checked before
//! anything runs) and [`plan`] (which versions run, in which order).
//!
//! Driver parts: [`target`] (connect; DSQL or PostgreSQL; schema vs
//! database), [`session`] (one statement per transaction, ASYNC index jobs,
//! 40001 retries), [`bookkeeping`] (temporal-sql-tool's version tables) and
//! [`ops`] (the commands, plus [`ops::install`] for `dsql-deploy up`).

pub mod bookkeeping;
pub mod error;
pub mod manifest;
pub mod ops;
pub mod plan;
pub mod session;
pub mod source;
pub mod split;
pub mod target;
pub mod version;

pub use error::Error;
pub use ops::{Setup, create_database, drop_database, install, setup_schema, temporal_tables, update_schema, version};
pub use plan::{Plan, PlanError, plan_update};
pub use session::{Event, Progress};
pub use source::{SourceError, VersionDir, Versioned, embedded_names};
pub use target::{Dialect, Target, is_dsql_host};
pub use version::Version;

/// The embedded Temporal DSQL schema's name (`-s dsql/v12/temporal`).
pub const TEMPORAL_DSQL: &str = "dsql/v12/temporal";
