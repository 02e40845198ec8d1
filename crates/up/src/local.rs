//! `up --target local`: the pipeline against the embedded emulator.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use dsql::token::{Credentials, SharedCredentialsProvider};
use dsql_deploy_config::Config;
use emulator::{Instance, Launcher, RunningInfo, Settings};

use crate::Error;
use crate::envfile::{CONTAINER_CA_FILE, compose_override, local_env, to_dotenv};
use crate::progress::{Progress, Step};
use crate::workdir::{Endpoint, UpState, Workdir};

/// One file `up` manages, and whether this run changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub changed: bool,
}

/// What `up` set up, for the summary table and `--output json`.
#[derive(Debug, Clone)]
pub struct UpSummary {
    pub state: UpState,
    pub emulator_started: bool,
    pub schema_applied: Vec<String>,
    pub files: Vec<Written>,
}

/// Runs the local pipeline. `launcher` is the program that runs the emulator
/// in the background (this executable, in the CLI).
pub async fn up_local(
    config: &Config,
    workdir: &Workdir,
    launcher: &Launcher,
    progress: &dyn Progress,
) -> Result<UpSummary, Error> {
    let step = Step::start(progress, "workdir", &workdir.root().display().to_string());
    step.end(workdir.create().map(|()| ((), "ready".to_string())))?;

    // Emulator: reuse a running one; start it (in the background) otherwise.
    let instance = Instance::open(config.emulator.data_dir.as_deref());
    let step = Step::start(progress, "emulator", &format!("instance in {}", instance.data_dir().display()));
    let was_running = matches!(instance.status(), Ok(emulator::Status::Running(_)));
    let settings =
        Settings { config: config.emulator.clone(), region: config.project.region.clone(), explicit_port: None };
    let info = step.end(
        instance.ensure_running(&settings, launcher, &|text| progress.detail("emulator", text)).map(|info| {
            let how = if was_running { "already running" } else { "started" };
            let summary = format!("{how} at {}:{} ({})", info.hostname, info.port, info.data_dir.display());
            (info, summary)
        }),
    )?;

    // Schema: create-database + setup + update to the newest, each a no-op when done.
    let step = Step::start(progress, "schema", &format!("Temporal DSQL schema in `{}`", config.schema.database));
    let target = schema_target(config, &info);
    let source = schema::Versioned::embedded(schema::TEMPORAL_DSQL).map_err(|e| Error::Schema(e.into()))?;
    let installed = step.end(schema::install(&target, &source).await.map(|installed| {
        let applied: Vec<String> = installed.update.applied.iter().map(|v| v.as_str().to_string()).collect();
        let summary = if applied.is_empty() {
            format!("at version {} (nothing to do)", installed.update.to.as_str())
        } else {
            format!("upgraded to {} (applied {})", installed.update.to.as_str(), applied.join(", "))
        };
        ((installed.update.to.as_str().to_string(), applied), summary)
    }))?;
    let (schema_version, schema_applied) = installed;

    // Temporal config, .env and the Compose override.
    let step = Step::start(progress, "config", "Temporal config, .env, Compose override");
    let files = step.end(write_files(config, &info, workdir).map(|files| {
        let changed = files.iter().filter(|f| f.changed).count();
        let summary = if changed == 0 { "unchanged".to_string() } else { format!("{changed} file(s) written") };
        (files, summary)
    }))?;

    let mut state = UpState {
        target: "local".into(),
        emulator_data_dir: Some(info.data_dir.clone()),
        endpoint: Endpoint {
            host: info.host.clone(),
            port: info.port,
            hostname: info.hostname.clone(),
            region: info.region.clone(),
            user: "admin".into(),
            ca_file: Some(info.ca_file.clone()),
        },
        database: config.schema.database.clone(),
        schema_version,
        files: files.iter().map(|f| f.path.clone()).collect(),
        updated_at: String::new(),
    };
    // Rewrite up.json only when something in it changed, so a no-op rerun writes nothing.
    let previous = UpState::read(workdir)?;
    match previous {
        Some(prev) if UpState { updated_at: String::new(), ..prev.clone() } == state => state = prev,
        _ => {
            state.updated_at = now_rfc3339();
            state.write(workdir)?;
        }
    }
    Ok(UpSummary { state, emulator_started: !was_running, schema_applied, files })
}

/// The emulator's configured (test) keys, which it checks IAM tokens against.
pub fn emulator_credentials(config: &Config) -> SharedCredentialsProvider {
    SharedCredentialsProvider::new(Credentials::new(
        config.emulator.access_key_id.clone(),
        config.emulator.secret_access_key.clone(),
        None,
        None,
        "dsql-deploy-emulator",
    ))
}

/// The schema tool's target: the emulator over TLS (verify-full against its
/// CA) with an IAM token signed by the emulator's configured credentials.
fn schema_target(config: &Config, info: &RunningInfo) -> schema::Target {
    let mut connect = pgconn::ConnectOptions::new(info.hostname.clone(), info.port, "admin", "postgres");
    connect.auth = pgconn::Auth::Iam { region: info.region.clone() };
    connect.sslmode = pgconn::SslMode::VerifyFull;
    connect.ca_file = Some(info.ca_file.clone());
    connect.credentials = Some(emulator_credentials(config));
    schema::Target {
        connect,
        database: config.schema.database.clone(),
        default_db: "postgres".into(),
        dialect: Some(schema::Dialect::Dsql),
        index_timeout: Duration::from_secs(config.schema.index_job_timeout_secs),
        // The schema tool reports index-job waits and retries; they go to the log (-v).
        progress: Arc::new(|event: &schema::Event| tracing::info!(target: "schema", "{event:?}")),
    }
}

fn write_files(config: &Config, info: &RunningInfo, workdir: &Workdir) -> Result<Vec<Written>, Error> {
    // Host-side config: the CA at its host path.
    let host_env = local_env(config, info, &info.ca_file);
    let env_map: HashMap<String, String> = host_env.clone().into_iter().collect();
    let inputs = render::from_env(&env_map, None).map_err(render::RenderError::Invalid)?;
    let template = render::Template::for_inputs(&inputs.inputs);
    let rendered = render::render(&inputs.inputs, &template)?;

    // .env for containers: the CA at its mount point.
    let container_env: BTreeMap<String, String> = local_env(config, info, Path::new(CONTAINER_CA_FILE));
    Ok(vec![
        write_if_changed(&workdir.temporal_config(), rendered.text.as_bytes(), render::OUTPUT_MODE)?,
        // The .env holds the emulator's (test) secret key: owner-only.
        write_if_changed(&workdir.env_file(), to_dotenv(&container_env).as_bytes(), 0o600)?,
        write_if_changed(&workdir.compose_override(), compose_override().as_bytes(), 0o644)?,
    ])
}

/// Atomic write, skipped when the file already has exactly these bytes.
fn write_if_changed(path: &Path, bytes: &[u8], mode: u32) -> Result<Written, Error> {
    if std::fs::read(path).ok().as_deref() == Some(bytes) {
        return Ok(Written { path: path.to_path_buf(), changed: false });
    }
    fsutil::write_atomic(path, bytes, mode).map_err(|source| Error::Workdir { path: path.to_path_buf(), source })?;
    Ok(Written { path: path.to_path_buf(), changed: true })
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
