//! `up --target aws`: the pipeline against a real Aurora DSQL cluster that
//! the Terraform module (`terraform/`, driven by the `infra` crate) creates.
//!
//! config → VPN certificates in ACM (when the root module has a Client VPN)
//! → `terraform init`/`plan`/`apply` (apply only when the plan has changes,
//! and only approved) → the cluster ACTIVE (GetCluster) → Temporal's DSQL
//! schema over IAM → Temporal's config and `.env` from the module's
//! `temporal_env` → `up.json`. Each step checks before it acts, so a rerun on
//! a converged deployment plans "no changes", finds the cluster ready, the
//! schema at the newest version and every file unchanged.

mod cluster;
mod files;
mod vpn;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use dsql_deploy_config::Config;
use infra::{Echo, Infra, InfraError};

use crate::Error;
use crate::local::Written;
use crate::progress::{Progress, Step};
use crate::workdir::{Endpoint, UpState, Workdir};

pub use cluster::ClusterState;
pub use vpn::{VpnOutcome, ensure as ensure_vpn_certificates};

/// How `up --target aws` runs.
#[derive(Debug, Clone)]
pub struct AwsOptions {
    /// Relative `[infra] terraform_dir` paths are taken from here (the cwd).
    pub base: PathBuf,
    /// Apply a plan with changes without asking (`--yes`).
    pub auto_approve: bool,
    /// Connect here instead of the cluster endpoint (a tunnel, the VPC
    /// endpoint's address); tokens and TLS still use the endpoint's name.
    pub connect_host: Option<String>,
    /// Port to connect to (default 5432).
    pub connect_port: Option<u16>,
    /// CA certificates to trust instead of the public roots.
    pub ca_file: Option<PathBuf>,
    /// How long to wait for the cluster to become ACTIVE.
    pub cluster_timeout: Duration,
    /// Where Terraform's output goes.
    pub echo: Echo,
}

impl AwsOptions {
    pub fn new(base: impl Into<PathBuf>) -> AwsOptions {
        AwsOptions {
            base: base.into(),
            auto_approve: false,
            connect_host: None,
            connect_port: None,
            ca_file: None,
            cluster_timeout: Duration::from_secs(600),
            echo: Echo::Stderr,
        }
    }
}

/// Asked before applying a plan with changes when `--yes` was not given;
/// `None` means nobody can answer (no terminal), which refuses the apply.
pub type Approver<'a> = &'a (dyn Fn(&str) -> Option<bool> + Sync);

/// What `up --target aws` set up, for the summary and `--output json`.
#[derive(Debug, Clone)]
pub struct AwsSummary {
    pub state: UpState,
    pub vpn: VpnOutcome,
    /// False when the plan had no changes (nothing applied).
    pub infra_changed: bool,
    pub cluster: ClusterState,
    pub schema_applied: Vec<String>,
    pub files: Vec<Written>,
    /// The Client VPN endpoint, when the root module made one.
    pub client_vpn_endpoint_id: Option<String>,
}

/// Runs the AWS pipeline. `approve` is consulted only when the plan has
/// changes and `opts.auto_approve` is false.
pub async fn up_aws(
    config: &Config,
    workdir: &Workdir,
    opts: &AwsOptions,
    approve: Approver<'_>,
    progress: &dyn Progress,
) -> Result<AwsSummary, Error> {
    // Terraform and the root module first: a missing binary or module is
    // reported before anything is created.
    let step = Step::start(progress, "config", "dsql-deploy.toml, terraform, root module");
    let infra = step.end(Infra::from_config(config, &opts.base).map_err(Error::from).and_then(|infra| {
        workdir.create()?;
        let summary = format!("region {}, root module {}", config.project.region, infra.root().display());
        Ok((infra, summary))
    }))?;
    let connect_addr = resolve_connect_host(opts).await?;

    let step = Step::start(progress, "certs", "Client VPN certificates in ACM");
    let (vpn, certificates) = step.end(vpn::ensure(config, &infra).await.map(|(outcome, certs)| {
        let summary = outcome.summary();
        ((outcome, certs), summary)
    }))?;

    let step = Step::start(progress, "infra", &format!("terraform plan/apply in {}", infra.root().display()));
    let converged = converge_infra(config, &infra, &certificates, workdir, opts, approve, &step).await;
    let infra_changed = step.end(converged.map(|changed| {
        let summary = if changed { "applied".to_string() } else { "no changes".to_string() };
        (changed, summary)
    }))?;
    let outputs = infra.outputs()?;

    let identifier = outputs
        .string("dsql_cluster_identifier")
        .ok_or_else(|| {
            Error::Aws("the root module has no dsql_cluster_identifier output (is create_dsql_cluster false?)".into())
        })?
        .to_string();
    let endpoint_name = outputs
        .string("dsql_public_endpoint")
        .map(str::to_string)
        .unwrap_or_else(|| format!("{identifier}.dsql.{}.on.aws", config.project.region));

    let step = Step::start(progress, "cluster", &format!("DSQL cluster {identifier} ACTIVE"));
    let client = infra::policy::client(&config.project.region).await;
    let waited = cluster::wait_ready(&client, &identifier, opts.cluster_timeout, &|text| step.detail(text)).await;
    let cluster = step.end(waited.map(|state| {
        let summary = format!("{} ({})", state.status, state.identifier);
        (state, summary)
    }))?;

    let port = opts.connect_port.unwrap_or(5432);
    let via = connect_addr.map(|a| format!(" via {a}:{port}")).unwrap_or_default();
    let step = Step::start(
        progress,
        "schema",
        &format!("Temporal DSQL schema in `{}` on {endpoint_name}{via}", config.schema.database),
    );
    let target = schema_target(config, &endpoint_name, port, connect_addr, opts.ca_file.clone());
    let source = schema::Versioned::embedded(schema::TEMPORAL_DSQL).map_err(|e| Error::Schema(e.into()))?;
    let installed = step.end(
        schema::install(&target, &source)
            .await
            .map_err(|e| explain_schema_error(e, &endpoint_name, port, connect_addr.is_some()))
            .map(|installed| {
                let applied: Vec<String> = installed.update.applied.iter().map(|v| v.as_str().to_string()).collect();
                let to = installed.update.to.as_str().to_string();
                let summary = if applied.is_empty() {
                    format!("at version {to} (nothing to do)")
                } else {
                    format!("upgraded to {to} (applied {})", applied.join(", "))
                };
                ((to, applied), summary)
            }),
    )?;
    let (schema_version, schema_applied) = installed;

    let step = Step::start(progress, "config", "Temporal config and .env from the temporal_env output");
    let files = step.end(files::write(config, &outputs, workdir).map(|files| {
        let changed = files.iter().filter(|f| f.changed).count();
        let summary = if changed == 0 { "unchanged".to_string() } else { format!("{changed} file(s) written") };
        (files, summary)
    }))?;

    let state = UpState {
        target: "aws".into(),
        emulator_data_dir: None,
        endpoint: Endpoint {
            host: opts.connect_host.clone().unwrap_or_else(|| endpoint_name.clone()),
            port,
            hostname: endpoint_name,
            region: config.project.region.clone(),
            user: "admin".into(),
            ca_file: opts.ca_file.clone(),
        },
        database: config.schema.database.clone(),
        schema_version,
        files: files.iter().map(|f| f.path.clone()).collect(),
        updated_at: String::new(),
    };
    let state = files::record_state(workdir, state)?;
    Ok(AwsSummary {
        state,
        vpn,
        infra_changed,
        cluster,
        schema_applied,
        files,
        client_vpn_endpoint_id: outputs.string("client_vpn_endpoint_id").map(str::to_string),
    })
}

/// Writes the variables, `terraform init`, then `plan -detailed-exitcode`:
/// no changes → nothing applied; changes → applied (the saved plan, so what
/// was shown is what runs) once approved. Returns whether it applied.
async fn converge_infra(
    config: &Config,
    infra: &Infra,
    certificates: &infra::VpnCertificates,
    workdir: &Workdir,
    opts: &AwsOptions,
    approve: Approver<'_>,
    step: &Step<'_>,
) -> Result<bool, Error> {
    infra.write_vars(config, certificates)?;
    step.detail("terraform init");
    infra.init(opts.echo)?;
    let plan_file = workdir.root().join("aws.tfplan");
    let plan_arg = format!("-out={}", plan_file.display());
    step.detail("terraform plan");
    let changed = match infra.plan(&[plan_arg, "-detailed-exitcode".into()], opts.echo) {
        Ok(()) => false,
        // -detailed-exitcode: 2 means "succeeded, with changes".
        Err(InfraError::Failed { code: 2, .. }) => true,
        Err(err) => return Err(err.into()),
    };
    let result = if changed { apply_plan(infra, &plan_file, opts, approve, step) } else { Ok(()) };
    let _ = std::fs::remove_file(&plan_file);
    result?;
    // The VPC-only cluster policy has no Terraform resource; `infra apply` does the same.
    infra.converge_cluster_policy().await?;
    Ok(changed)
}

fn apply_plan(
    infra: &Infra,
    plan_file: &Path,
    opts: &AwsOptions,
    approve: Approver<'_>,
    step: &Step<'_>,
) -> Result<(), Error> {
    if !opts.auto_approve {
        match approve("Apply the Terraform plan shown above?") {
            Some(true) => {}
            Some(false) => return Err(Error::NotApproved),
            None => return Err(Error::ApprovalNeeded),
        }
    }
    step.detail("terraform apply");
    infra.apply(true, &[plan_file.display().to_string()], opts.echo)?;
    Ok(())
}

/// `--connect-host` as an address: an IP as given, a name resolved once.
async fn resolve_connect_host(opts: &AwsOptions) -> Result<Option<IpAddr>, Error> {
    let Some(host) = &opts.connect_host else { return Ok(None) };
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(Some(ip));
    }
    let port = opts.connect_port.unwrap_or(5432);
    let mut addrs = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| Error::ConnectHost { host: host.clone(), detail: e.to_string() })?;
    addrs
        .next()
        .map(|a| Some(a.ip()))
        .ok_or_else(|| Error::ConnectHost { host: host.clone(), detail: "no address".into() })
}

/// The schema tool's target: the cluster endpoint's name for TLS and the IAM
/// token (credentials from the standard AWS chain), optionally reached at
/// another address.
fn schema_target(
    config: &Config,
    endpoint: &str,
    port: u16,
    addr: Option<IpAddr>,
    ca_file: Option<PathBuf>,
) -> schema::Target {
    let mut connect = pgconn::ConnectOptions::new(endpoint.to_string(), port, "admin", "postgres");
    connect.auth = pgconn::Auth::Iam { region: config.project.region.clone() };
    connect.sslmode = pgconn::SslMode::VerifyFull;
    connect.hostaddr = addr;
    connect.ca_file = ca_file;
    schema::Target {
        connect,
        database: config.schema.database.clone(),
        default_db: "postgres".into(),
        dialect: Some(schema::Dialect::Dsql),
        index_timeout: Duration::from_secs(config.schema.index_job_timeout_secs),
        progress: Arc::new(|event: &schema::Event| tracing::info!(target: "schema", "{event:?}")),
    }
}

/// A cluster that cannot be reached is the usual case outside the VPC: say
/// how to get there instead of only what failed.
fn explain_schema_error(err: schema::Error, endpoint: &str, port: u16, via: bool) -> Error {
    let class = match &err {
        schema::Error::Connect { source, .. } => Some(source.class()),
        _ => None,
    };
    match class {
        Some(pgconn::ErrorClass::Network) if !via => {
            Error::ClusterUnreachable { endpoint: format!("{endpoint}:{port}"), detail: err.to_string() }
        }
        Some(pgconn::ErrorClass::Tls) => Error::ClusterTls { endpoint: endpoint.to_string(), detail: err.to_string() },
        _ => Error::Schema(err),
    }
}
