//! Drives the Terraform module in `terraform/` for `dsql-deploy infra` and
//! `dsql-deploy up --target aws`: writes the variables from `dsql-deploy.toml`
//! as `dsql-deploy.auto.tfvars.json` ([`vars`]), runs the `terraform` binary
//! with `-chdir` and streams what it prints ([`terraform`]), and turns
//! `terraform output -json` into the `.env` the renderer reads ([`outputs`]).
//!
//! [`Infra`] is the entry point: one root module, one terraform binary.

mod error;
pub mod outputs;
pub mod policy;
pub mod terraform;
pub mod vars;

use std::path::{Path, PathBuf};

pub use error::InfraError;
pub use outputs::Outputs;
pub use terraform::{Echo, Terraform};
pub use vars::{TFVARS_FILE, VpnCertificates};

use dsql_deploy_config::Config;

/// Result alias for this crate.
pub type Result<T, E = InfraError> = std::result::Result<T, E>;

/// One Terraform root module and the binary that runs it.
#[derive(Debug, Clone)]
pub struct Infra {
    terraform: Terraform,
    root: PathBuf,
    region: String,
}

impl Infra {
    /// The root module named by `[infra] terraform_dir` / `root` (relative
    /// paths are taken from `base`, normally the current directory).
    pub fn from_config(config: &Config, base: &Path) -> Result<Infra> {
        let root = base.join(&config.infra.terraform_dir).join(&config.infra.root);
        Self::new(Terraform::locate()?, root, &config.project.region)
    }

    /// `root` must be a directory holding `.tf` files.
    pub fn new(terraform: Terraform, root: PathBuf, region: &str) -> Result<Infra> {
        let has_tf = std::fs::read_dir(&root)
            .map(|entries| entries.flatten().any(|e| e.path().extension().is_some_and(|x| x == "tf")))
            .unwrap_or(false);
        if !has_tf {
            return Err(InfraError::RootMissing { dir: root });
        }
        Ok(Infra { terraform, root, region: region.to_string() })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes the variables for this root module (only those it declares).
    pub fn write_vars(&self, config: &Config, certs: &VpnCertificates) -> Result<PathBuf> {
        let all = vars::from_config(config, certs);
        let declared = vars::declared_variables(&self.root)?;
        let (kept, skipped) = vars::only_declared(all, &declared);
        if !skipped.is_empty() {
            tracing::info!("root module {} does not declare {}; not written", self.root.display(), skipped.join(", "));
        }
        vars::write(&self.root, &kept)
    }

    /// `terraform init`.
    pub fn init(&self, echo: Echo) -> Result<()> {
        self.run(&["init", "-input=false"], echo)
    }

    /// `terraform plan` with extra arguments (e.g. `-out=FILE`).
    pub fn plan(&self, extra: &[String], echo: Echo) -> Result<()> {
        let mut args = vec!["plan".to_string(), "-input=false".to_string()];
        args.extend_from_slice(extra);
        self.run(&args, echo)
    }

    /// `terraform apply`; without `auto_approve` Terraform asks on the terminal.
    pub fn apply(&self, auto_approve: bool, extra: &[String], echo: Echo) -> Result<()> {
        let mut args = vec!["apply".to_string()];
        if auto_approve {
            args.extend(["-auto-approve".to_string(), "-input=false".to_string()]);
        }
        args.extend_from_slice(extra);
        self.run(&args, echo)
    }

    /// `terraform destroy -auto-approve`; the caller has asked for confirmation.
    pub fn destroy(&self, extra: &[String], echo: Echo) -> Result<()> {
        let mut args = vec!["destroy".to_string(), "-auto-approve".to_string(), "-input=false".to_string()];
        args.extend_from_slice(extra);
        self.run(&args, echo).map_err(|err| match err {
            InfraError::Failed { command, code, tail, .. }
                if tail.iter().any(|l| l.to_ascii_lowercase().contains("deletion protection")) =>
            {
                InfraError::Failed {
                    command,
                    code,
                    tail,
                    hint: "\nthe DSQL cluster has deletion protection: set [infra] deletion_protection = false, \
                           run `dsql-deploy infra apply`, then destroy again"
                        .into(),
                }
            }
            other => other,
        })
    }

    /// Attaches (or removes) the VPC-only cluster policy to match the
    /// module's `dsql_cluster_policy` output; see [`policy`].
    pub async fn converge_cluster_policy(&self) -> Result<policy::PolicyChange> {
        let outputs = self.outputs()?;
        let client = policy::client(&self.region).await;
        policy::converge(&client, &outputs).await
    }

    /// `terraform output -json`, parsed.
    pub fn outputs(&self) -> Result<Outputs> {
        let text = self.output_json()?;
        Outputs::parse(&text, "`terraform output -json`")
    }

    /// `terraform output -json` as Terraform printed it.
    pub fn output_json(&self) -> Result<String> {
        self.terraform.capture(&self.root, &["output", "-json"], &self.env())
    }

    fn run<S: AsRef<str>>(&self, args: &[S], echo: Echo) -> Result<()> {
        let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
        self.terraform.run(&self.root, &args, &self.env(), echo)
    }

    /// The provider reads the region from the environment; the project's
    /// region wins so that config and infrastructure agree.
    fn env(&self) -> Vec<(String, String)> {
        vec![("AWS_REGION".into(), self.region.clone()), ("AWS_DEFAULT_REGION".into(), self.region.clone())]
    }
}
