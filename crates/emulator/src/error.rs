//! The emulator's typed errors. Every message says what is wrong and how to fix it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("port {port} on 127.0.0.1 is already in use; choose another with --port or stop what listens there")]
    PortTaken { port: u16 },
    #[error("data directory {path} is not writable ({source}); choose another with --data-dir or fix its permissions")]
    DataDirNotWritable { path: PathBuf, source: std::io::Error },
    #[error("data directory {path} is a file, not a directory; choose another with --data-dir")]
    DataDirIsAFile { path: PathBuf },
    #[error(
        "the emulator in {path} belongs to another user (uid {owner}, you are uid {me}); \
         run the command as that user or choose your own instance with --data-dir"
    )]
    OtherUser { path: PathBuf, owner: u32, me: u32 },
    #[error("the emulator in {path} is already running (pid {pid}, port {port})")]
    AlreadyRunning { path: PathBuf, pid: u32, port: u16 },
    #[error(
        "the emulator in {path} already runs on port {running}, not {requested}; stop it first \
         (`dsql-deploy emulator stop --data-dir {path}`) to move it, or choose another instance with --data-dir"
    )]
    RunningOnOtherPort { path: PathBuf, running: u16, requested: u16 },
    #[error("the emulator did not become ready within {secs} s; its log {log} ends with:\n{tail}")]
    StartTimeout { secs: u64, log: PathBuf, tail: String },
    #[error("the emulator exited while starting; its log {log} ends with:\n{tail}")]
    StartFailed { log: PathBuf, tail: String },
    #[error("state file {path} is unreadable ({detail}); delete it if no emulator is running")]
    BadState { path: PathBuf, detail: String },
    #[error("cannot create the emulator's certificates: {0}")]
    Certificate(String),
    #[error("cannot prepare the private PostgreSQL: {0}")]
    Bootstrap(String),
    #[error(transparent)]
    Postgres(#[from] pgcluster::Error),
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
