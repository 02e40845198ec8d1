//! The local Aurora DSQL emulator: the proxy engine with the *enforce*
//! policy in front of a private PostgreSQL, plus instance management
//! (data dir, certificates, state file, background start/stop).
//!
//! - [`Instance`]: find, start (detached), stop, purge an instance; what
//!   `dsql-deploy emulator …`, `up`, `status` and `down` use.
//! - [`Emulator`]: the emulator running in this process (`--foreground`, tests).
//! - `private`: the private PostgreSQL and the DSQL scaffolding inside it.
//! - `frontend`/`policy`: what clients talk to.

mod auth;
mod error;
mod frontend;
mod instance;
mod paths;
mod policy;
mod private;
mod runtime;
mod state;
mod tls;

pub use error::{Error, Result};
pub use instance::{Instance, Launcher, RunningInfo, Settings, Status};
pub use paths::{Layout, default_data_dir};
pub use runtime::{Emulator, worker_threads};
