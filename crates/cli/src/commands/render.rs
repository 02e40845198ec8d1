//! `dsql-deploy render`: Temporal's config from environment variables.
//! The work is in the `render` crate; this file maps flags to it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::context::Context;

/// Flags of `render`; see [`Args`] for the help text around them.
#[derive(Debug, clap::Args)]
pub struct Flags {
    /// Embedded template (dsql-elasticsearch, dsql-opensearch,
    /// postgres-elasticsearch, postgres-opensearch) or a template file using
    /// `${NAME}` placeholders. Default: follow the environment.
    #[arg(long, value_name = "NAME|FILE")]
    pub template: Option<String>,

    /// Where to write the config; `-` for stdout. (Not `--output`: that
    /// global flag picks text or JSON.)
    #[arg(
        long = "out",
        short = 'o',
        env = "TEMPORAL_PERSISTENCE_CONFIG",
        value_name = "FILE",
        required_unless_present = "check"
    )]
    pub out: Option<PathBuf>,

    /// Validate and print what would be written, secrets masked; write nothing.
    #[arg(long)]
    pub check: bool,

    /// Replace an existing output file whose content differs.
    #[arg(long, short = 'f')]
    pub force: bool,
}

const RENDER_HELP: &str = "\
Every variable is checked before anything is written and all problems are
reported together. The output is parsed back and checked for the keys
Temporal requires, then written atomically with mode 0640 (it holds
passwords). Details: docs/render.md.";

/// `render`'s flags with the variable list as help epilogue.
pub type Args = WithVariablesHelp<Flags>;

/// Wraps a command's derived flags so its `--help` ends with `intro` and the
/// list of every environment variable (generated from `render::vars`, the
/// same table as docs/render.md). A wrapper because clap applies a derived
/// `Args` struct's own `after_help` only to top-level parsers.
#[derive(Debug)]
pub struct WithVariablesHelp<T>(pub T);

/// The help epilogue for the command whose flags are `T`.
pub trait HelpIntro {
    const INTRO: &'static str;
}

impl HelpIntro for Flags {
    const INTRO: &'static str = RENDER_HELP;
}

fn epilogue(intro: &str) -> String {
    format!("{intro}\n\n{}", render::vars::help_text())
}

impl<T: clap::FromArgMatches> clap::FromArgMatches for WithVariablesHelp<T> {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(WithVariablesHelp)
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
}

impl<T: clap::Args + HelpIntro> clap::Args for WithVariablesHelp<T> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        T::augment_args(cmd).after_help(epilogue(T::INTRO))
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        T::augment_args_for_update(cmd).after_help(epilogue(T::INTRO))
    }
}

/// `--template NAME|FILE` → a template (a name wins over a file of that name).
pub fn template_arg(arg: Option<&str>) -> anyhow::Result<Option<render::Template>> {
    let Some(arg) = arg else { return Ok(None) };
    if let Some(t) = render::Template::named(arg) {
        return Ok(Some(t));
    }
    let path = std::path::Path::new(arg);
    if !path.exists() {
        anyhow::bail!(
            "--template {arg}: no such embedded template or file; use one of {} or a file path",
            render::Template::NAMES.join(", ")
        );
    }
    Ok(Some(render::Template::from_file(path)?))
}

pub async fn run(WithVariablesHelp(args): Args, _ctx: &Context) -> anyhow::Result<ExitCode> {
    let env: HashMap<String, String> = std::env::vars().collect();
    let template = template_arg(args.template.as_deref())?;
    let rendered = render::render_env(&env, template.as_ref())?;
    for warning in &rendered.warnings {
        eprintln!("warning: {warning}");
    }
    if args.check {
        print!("{}", rendered.masked);
        eprintln!("ok: template {} renders a valid config (secrets masked; nothing written)", rendered.template);
        return Ok(ExitCode::SUCCESS);
    }
    match args.out {
        Some(path) if path.as_os_str() == "-" => print!("{}", rendered.text),
        Some(path) => {
            let outcome = render::write(&path, &rendered.text, args.force)?;
            let what = match outcome {
                render::WriteOutcome::Written => "wrote",
                render::WriteOutcome::Unchanged => "unchanged",
            };
            eprintln!("{what} {} (template {})", path.display(), rendered.template);
        }
        None => anyhow::bail!("--out FILE is required (or use --check)"),
    }
    Ok(ExitCode::SUCCESS)
}
