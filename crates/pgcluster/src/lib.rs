//! A private PostgreSQL cluster owned by this process: find the server
//! binaries, `initdb` a data directory, start `postgres` on a 127.0.0.1 port
//! and stop it again by its own PID.
//!
//! PostgreSQL refuses to run as root, so when we are root the data directory
//! is handed to an unprivileged OS user (`postgres` when it exists, else
//! `nobody`) and the server binaries run as that user. Used by the emulator
//! (which supervises its cluster) and by tests (which need a real server).

mod bin;
mod cluster;

pub use bin::{BinDir, find_bin_dir};
pub use cluster::{Auth, Cluster, InitOptions, RunningServer, free_port};

/// What can go wrong with a private cluster. Each message says how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "PostgreSQL server binaries (initdb, postgres) not found; install them with \
         `apt-get install postgresql` (Debian/Ubuntu) or set PG_BIN to their directory"
    )]
    BinariesMissing,
    #[error("PG_BIN={0} does not contain initdb and postgres")]
    BadBinDir(String),
    #[error(
        "no unprivileged OS user to run PostgreSQL as (we are root and neither `postgres` nor `nobody` exists); create one with `useradd postgres`"
    )]
    NoUnprivilegedUser,
    #[error("{path} is not reachable by OS user {user}: {hint}")]
    NotTraversable { path: String, user: String, hint: String },
    #[error("{what} failed: {detail}")]
    Command { what: String, detail: String },
    #[error("PostgreSQL did not become ready within {secs} s; its log {log} ends with:\n{tail}")]
    StartTimeout { secs: u64, log: String, tail: String },
    #[error("PostgreSQL exited while starting; its log {log} ends with:\n{tail}")]
    StartFailed { log: String, tail: String },
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
}

impl Error {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let context = context.into();
        move |source| Error::Io { context, source }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
