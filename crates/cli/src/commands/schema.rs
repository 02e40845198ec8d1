//! `dsql-deploy schema` (not built yet).

use std::process::ExitCode;

use crate::context::Context;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(_args: Args, _ctx: &Context) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`dsql-deploy schema` is not available in this build yet")
}
