//! Why an `infra` operation failed, each with what to do about it.

use std::path::PathBuf;

/// Errors from driving Terraform and handling its outputs.
#[derive(Debug, thiserror::Error)]
pub enum InfraError {
    #[error(
        "terraform not found on PATH (set TERRAFORM to its path, or install it: \
         https://developer.hashicorp.com/terraform/install, e.g. `apt-get install terraform` \
         from HashiCorp's apt repository)"
    )]
    TerraformMissing,
    #[error("cannot run {bin}: {source}")]
    Spawn { bin: PathBuf, source: std::io::Error },
    #[error(
        "Terraform root module {dir} not found (set [infra] terraform_dir to the repository's \
         terraform/ directory and [infra] root to a directory under it, e.g. examples/complete)"
    )]
    RootMissing { dir: PathBuf },
    #[error("`terraform {command}` failed with exit code {code}{}{hint}", tail_block(.tail))]
    Failed { command: String, code: i32, tail: Vec<String>, hint: String },
    #[error("`terraform {command}` was killed by a signal")]
    Killed { command: String },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{origin} is not `terraform output -json` output: {message}")]
    BadOutputs { origin: String, message: String },
    #[error(
        "{origin} has no `temporal_env` output (is the root module one of terraform/examples, \
         and has `dsql-deploy infra apply` run?)"
    )]
    NoTemporalEnv { origin: String },
    #[error("`temporal_env` in {origin}: {message}")]
    BadTemporalEnv { origin: String, message: String },
    #[error("DSQL {operation} on cluster {identifier} failed: {detail} (check the AWS credentials and region)")]
    Aws { operation: String, identifier: String, detail: String },
}

fn tail_block(tail: &[String]) -> String {
    if tail.is_empty() { String::new() } else { format!("; last lines:\n  {}", tail.join("\n  ")) }
}
