//! `dsql-deploy entrypoint [--] CMD…`: the container entrypoint. Renders
//! Temporal's config, resolves BIND_ON_IP / TEMPORAL_BROADCAST_ADDRESS like
//! Temporal's image, then replaces itself with CMD (same PID, so signals from
//! the container runtime reach Temporal directly).

use std::collections::HashMap;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::ExitCode;

use super::render::{HelpIntro, WithVariablesHelp};
use crate::context::Context;

const ENTRYPOINT_HELP: &str = "\
BIND_ON_IP defaults to this host's address (the first non-loopback address
its host name resolves to, else the default route's source address); when it
is 0.0.0.0 or :: and TEMPORAL_BROADCAST_ADDRESS is unset, that address
becomes the broadcast address. Both, and AWS_REGION (from
TEMPORAL_SQL_AWS_REGION when unset), are exported to CMD. The config goes to
TEMPORAL_PERSISTENCE_CONFIG (default /etc/temporal/config/docker.yaml),
replacing the previous one. Then CMD replaces this process (same PID). Any
problem: exit 1 with the full list; CMD is not started. Details:
docs/render.md.";

/// Flags of `entrypoint`.
#[derive(Debug, clap::Args)]
pub struct Flags {
    /// Embedded template name or template file (default: follow the environment).
    #[arg(long, value_name = "NAME|FILE")]
    pub template: Option<String>,

    /// Where to write the config (overrides TEMPORAL_PERSISTENCE_CONFIG).
    #[arg(long = "out", short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// The command to run, e.g. `temporal-server --env docker start`.
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true, value_name = "CMD")]
    pub command: Vec<String>,
}

impl HelpIntro for Flags {
    const INTRO: &'static str = ENTRYPOINT_HELP;
}

/// `entrypoint`'s flags with the variable list as help epilogue.
pub type Args = WithVariablesHelp<Flags>;

pub async fn run(WithVariablesHelp(args): Args, _ctx: &Context) -> anyhow::Result<ExitCode> {
    let env: HashMap<String, String> = std::env::vars().collect();
    let template = super::render::template_arg(args.template.as_deref())?;
    let prepared = render::entrypoint::prepare(&env, template.as_ref(), args.out)?;
    for warning in &prepared.rendered.warnings {
        eprintln!("warning: {warning}");
    }
    // The container owns this file and re-renders it on every start.
    render::write(&prepared.output, &prepared.rendered.text, true)?;
    eprintln!("dsql-deploy entrypoint: wrote {} (template {})", prepared.output.display(), prepared.rendered.template);
    for (k, v) in &prepared.exports {
        eprintln!("dsql-deploy entrypoint: {k}={v}");
    }
    let (program, rest) = args.command.split_first().ok_or_else(|| anyhow::anyhow!("no command given after --"))?;
    // exec only returns on failure; on success this process becomes CMD.
    let err = std::process::Command::new(program).args(rest).envs(prepared.exports.iter().map(|(k, v)| (k, v))).exec();
    anyhow::bail!("cannot run {program}: {err}")
}
