//! The main job, `dsql-deploy up`, and its companions `status` and `down`.
//!
//! `up --target local` is one idempotent pipeline: config → emulator running
//! → Temporal's database (a schema on DSQL) → Temporal DSQL schema at the
//! newest version over IAM-token auth → Temporal config rendered for the
//! Temporal DSQL build (`dsql` plugin) → `.env` and a Compose override →
//! `up.json`. Each step checks before it acts, so a rerun on a ready setup
//! only reads (a few queries) and rewrites nothing whose content is unchanged.

mod aws;
mod envfile;
mod local;
mod progress;
mod status;
mod workdir;

use std::path::PathBuf;

pub use aws::{Approver, AwsOptions, AwsSummary, ClusterState, VpnOutcome, ensure_vpn_certificates, up_aws};
pub use envfile::local_env;
pub use local::{UpSummary, Written, emulator_credentials, up_local};
pub use progress::{Progress, StderrProgress, Step};
pub use status::{Component, ComponentState, StatusReport, status};
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
    #[error("{0}")]
    Infra(#[from] infra::InfraError),
    #[error("certificates: {0}")]
    Certs(#[from] certs::CertsError),
    #[error("{0}")]
    Aws(String),
    #[error(
        "the Terraform plan has changes and nobody can approve them here (stdin is not a terminal); rerun with --yes to apply it. Nothing was applied"
    )]
    ApprovalNeeded,
    #[error("the Terraform plan was not approved; nothing was applied")]
    NotApproved,
    #[error(
        "DSQL cluster {identifier} is {status}, so it cannot take connections; check it in the AWS console (or `dsql-deploy infra apply` to recreate it)"
    )]
    ClusterNotUsable { identifier: String, status: String },
    #[error(
        "DSQL cluster {identifier} is still {status} after {secs} s; rerun `dsql-deploy up --target aws` to keep waiting (or raise --cluster-timeout)"
    )]
    ClusterTimeout { identifier: String, status: String, secs: u64 },
    #[error(
        "cannot reach the DSQL cluster endpoint {endpoint}: {detail}\nIt is often reachable only from inside its VPC: connect the Client VPN, or open a tunnel and pass --connect-host HOST --connect-port PORT (the IAM token and TLS still use the endpoint's name)"
    )]
    ClusterUnreachable { endpoint: String, detail: String },
    #[error(
        "TLS with the DSQL cluster endpoint {endpoint} failed: {detail}\nBehind a TLS-inspecting proxy or a tunnel that presents its own certificate, pass its CA with --ca-file"
    )]
    ClusterTls { endpoint: String, detail: String },
    #[error("--connect-host {host}: cannot resolve it ({detail}); pass an IP address or a name this machine resolves")]
    ConnectHost { host: String, detail: String },
}
