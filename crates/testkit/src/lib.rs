//! Test harness: real servers for tests, each on its own 127.0.0.1 port and
//! stopped by its own PID when the guard drops.
//!
//! - [`TestPostgres`]: a private PostgreSQL cluster in a temporary directory.
//! - [`Moto`]: `moto_server` from the project venv (`.venv`, made by
//!   `scripts/bootstrap.sh`) for AWS API tests.

mod moto;
mod postgres;

pub use moto::Moto;
pub use postgres::TestPostgres;

use std::path::PathBuf;

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root exists")
}
