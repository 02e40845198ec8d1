//! The main job, `dsql-deploy up`, and its companions `status` and `down`.
//!
//! `up --target local` is one idempotent pipeline: config → emulator running
//! → Temporal's database (a schema on DSQL) → Temporal DSQL schema at the
//! newest version over IAM-token auth → Temporal config rendered for the
//! Temporal DSQL build (`dsql` plugin) → `.env` and a Compose override →
//! `up.json`. Each step checks before it acts, so a rerun on a ready setup
//! only reads (a few queries) and rewrites nothing whose content is unchanged.

mod envfile;
mod local;
mod progress;
mod status;
mod workdir;

use std::path::PathBuf;

pub use envfile::local_env;
pub use local::{up_local, UpSummary, Written};
pub use progress::{Progress, StderrProgress, Step};
pub use status::{status, Component, ComponentState, StatusReport};
pub use workdir::{Endpoint, UpState, Workdir};

/// Why `up`, `status` or `down` failed. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot write to the workdir {path}: {source} (choose another with --workdir)")]
    Workdir { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a state file `up` wrote ({message}); move it away and run `dsql-deploy up` again")]
    CorruptState { path: PathBuf, message: String },
    #[error("emulator: {0}")]
    Emulator(#[from] emulator::Error),
    #[error("schema: {0}")]
    Schema(#[from] schema::Error),
    #[error("rendering Temporal's config failed:\n{0}")]
    Render(#[from] render::RenderError),
    #[error("target `{0}` is not available yet: `up --target aws` comes with the Terraform module (`dsql-deploy infra`); use `--target local`")]
    TargetNotAvailable(String),
}
