//! `dsql-deploy infra`: the Terraform module for the AWS side, driven from
//! `dsql-deploy.toml`. The work lives in the `infra` crate; this file parses
//! flags, finds the VPN certificate ARNs and asks before destroying.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use certs::layout::AcmTarget;
use clap::Subcommand;
use dsql_deploy_config::Config;
use infra::policy::PolicyChange;
use infra::{Echo, Infra, Outputs, VpnCertificates};

use crate::context::Context;
use crate::output::OutputFormat;

/// Drive the Terraform module in `[infra] terraform_dir` (VPC, DSQL cluster,
/// VPC endpoint, OpenSearch, Client VPN).
///
/// Every command first writes `dsql-deploy.auto.tfvars.json` in the root
/// module (`[infra] terraform_dir` + `root`) from `dsql-deploy.toml`, then runs
/// `terraform -chdir=ROOT …`. Terraform's own settings come from the
/// environment: credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, …),
/// AWS_ENDPOINT_URL, TF_CLI_CONFIG_FILE; AWS_REGION is set to `[project] region`.
/// `TERRAFORM` names the binary when it is not on PATH.
///
/// The Client VPN certificate ARNs come from `[infra]
/// client_vpn_server_certificate_arn` / `client_vpn_root_certificate_arn`, or
/// else from what `dsql-deploy certs acm-import-server` / `acm-import-root`
/// recorded under `[certs] dir`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: InfraCommand,
}

#[derive(Debug, Subcommand)]
enum InfraCommand {
    /// Write the variables and run `terraform init`.
    Init,
    /// Write the variables and run `terraform plan` (extra arguments after `--`).
    Plan {
        /// Passed to `terraform plan`, e.g. `-- -out=tfplan`.
        #[arg(last = true)]
        extra: Vec<String>,
    },
    /// Write the variables and run `terraform apply`.
    Apply {
        /// Apply without asking (required when stdin is not a terminal).
        #[arg(long)]
        auto_approve: bool,
        /// Passed to `terraform apply`, e.g. `-- tfplan`.
        #[arg(last = true)]
        extra: Vec<String>,
    },
    /// Destroy everything the module created. Asks for the project name.
    Destroy {
        /// The project name, to confirm without a prompt (scripts, CI).
        #[arg(long, value_name = "NAME")]
        confirm: Option<String>,
    },
    /// Print `terraform output -json` (or one output's value) as JSON.
    Output {
        /// One output's name, e.g. `temporal_env`.
        name: Option<String>,
    },
    /// Write the `.env` the renderer reads from the module's `temporal_env` output.
    Env {
        /// Read a saved `terraform output -json` instead of running Terraform.
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
        /// Where to write [default: `[infra] env_file`, i.e. .env].
        #[arg(long, value_name = "FILE")]
        env_file: Option<PathBuf>,
        /// Print to stdout instead of writing a file.
        #[arg(long, conflicts_with = "env_file")]
        stdout: bool,
        /// Replace an existing file.
        #[arg(short, long)]
        force: bool,
    },
}

pub async fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let config = ctx.config()?;
    // Results go to stdout; with --output json, Terraform's chatter goes to stderr.
    let echo = if ctx.output() == OutputFormat::Json { Echo::Stderr } else { Echo::Stdout };
    match args.command {
        InfraCommand::Init => {
            let infra = prepare(&config, false)?;
            infra.init(echo)?;
        }
        InfraCommand::Plan { extra } => {
            let infra = prepare(&config, true)?;
            infra.plan(&extra, echo)?;
        }
        InfraCommand::Apply { auto_approve, extra } => {
            if !auto_approve && !std::io::stdin().is_terminal() {
                bail!("terraform apply cannot ask for approval here (stdin is not a terminal); add --auto-approve");
            }
            let infra = prepare(&config, true)?;
            infra.apply(auto_approve, &extra, echo)?;
            match infra.converge_cluster_policy().await? {
                PolicyChange::Attached => eprintln!("attached the VPC-only policy to the DSQL cluster"),
                PolicyChange::Removed => eprintln!("removed the VPC-only policy from the DSQL cluster"),
                PolicyChange::AlreadyAttached | PolicyChange::Unchanged => {}
            }
        }
        InfraCommand::Destroy { confirm } => {
            let infra = prepare(&config, false)?;
            confirm_destroy(&config.project.name, infra.root(), confirm.as_deref())?;
            infra.destroy(&[], echo)?;
        }
        InfraCommand::Output { name } => {
            let infra = Infra::from_config(&config, Path::new("."))?;
            match name {
                None => print!("{}", infra.output_json()?),
                Some(name) => {
                    let outputs = infra.outputs()?;
                    let value =
                        outputs.get(&name).with_context(|| format!("no output named {name:?} (or it is null)"))?;
                    println!("{}", serde_json::to_string_pretty(value)?);
                }
            }
        }
        InfraCommand::Env { from, env_file, stdout, force } => {
            let (outputs, origin) = match &from {
                Some(file) => (Outputs::from_file(file)?, file.display().to_string()),
                None => {
                    let infra = Infra::from_config(&config, Path::new("."))?;
                    (infra.outputs()?, format!("terraform output in {}", infra.root().display()))
                }
            };
            let env = outputs.temporal_env()?;
            let text = infra::outputs::env_file_text(&env, &origin)?;
            if stdout {
                print!("{text}");
            } else {
                let path = env_file.unwrap_or_else(|| config.infra.env_file.clone());
                infra::outputs::write_env_file(&path, &text, force)?;
                match ctx.output() {
                    OutputFormat::Json => {
                        println!("{}", serde_json::json!({"env_file": path, "variables": env}))
                    }
                    OutputFormat::Text => eprintln!("wrote {} ({} variables)", path.display(), env.len()),
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The root module with freshly written variables. With `need_certs`, a
/// root that creates a Client VPN must have both certificate ARNs.
fn prepare(config: &Config, need_certs: bool) -> anyhow::Result<Infra> {
    let infra = Infra::from_config(config, Path::new("."))?;
    let certs = vpn_certificates(config)?;
    let declared = infra::vars::declared_variables(infra.root())?;
    let vpn_in_root = declared.contains("client_vpn_server_certificate_arn");
    if need_certs && vpn_in_root && config.infra.enable_client_vpn {
        let mut missing = Vec::new();
        if certs.server_certificate_arn.is_none() {
            missing.push("acm-import-server");
        }
        if certs.root_certificate_arn.is_none() {
            missing.push("acm-import-root");
        }
        if !missing.is_empty() {
            bail!(
                "the Client VPN needs certificates in ACM: run `dsql-deploy certs {}` (or set the ARNs in [infra], \
                 or enable_client_vpn = false)",
                missing.join("` and `dsql-deploy certs ")
            );
        }
    }
    let path = infra.write_vars(config, &certs)?;
    tracing::info!("wrote {}", path.display());
    Ok(infra)
}

/// VPN certificate ARNs: `[infra]` values win over `certs`' ACM records.
pub fn vpn_certificates(config: &Config) -> anyhow::Result<VpnCertificates> {
    let layout = certs::Layout::new(&config.certs.dir);
    let recorded = |target| -> anyhow::Result<Option<String>> {
        Ok(certs::acm::read_record(&layout, target)?.map(|r| r.certificate_arn))
    };
    let pick = |configured: &str, target| -> anyhow::Result<Option<String>> {
        if configured.is_empty() { recorded(target) } else { Ok(Some(configured.to_string())) }
    };
    Ok(VpnCertificates {
        server_certificate_arn: pick(&config.infra.client_vpn_server_certificate_arn, AcmTarget::Server)?,
        root_certificate_arn: pick(&config.infra.client_vpn_root_certificate_arn, AcmTarget::Root)?,
    })
}

/// `destroy` proceeds only when the project name is typed (or given).
fn confirm_destroy(project: &str, root: &Path, given: Option<&str>) -> anyhow::Result<()> {
    let answer = match given {
        Some(name) => name.to_string(),
        None => {
            if !std::io::stdin().is_terminal() {
                bail!("refusing to destroy without confirmation (stdin is not a terminal); add --confirm {project}");
            }
            eprint!(
                "This destroys everything Terraform manages in {} (the DSQL cluster and its data included).\n\
                 Type the project name ({project}) to continue: ",
                root.display()
            );
            std::io::stderr().flush()?;
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim().to_string()
        }
    };
    if answer != project {
        bail!("confirmation {answer:?} does not match the project name {project:?}; nothing destroyed");
    }
    Ok(())
}
