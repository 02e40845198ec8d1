//! `dsql-deploy status`: the state of every component `up` manages.

use serde::Serialize;

use dsql_deploy_config::Config;
use emulator::{Instance, Status};

use crate::Error;
use crate::workdir::{UpState, Workdir};

/// How a component is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentState {
    Ok,
    Down,
    Degraded,
    Missing,
}

impl ComponentState {
    pub fn label(self) -> &'static str {
        match self {
            ComponentState::Ok => "ok",
            ComponentState::Down => "down",
            ComponentState::Degraded => "degraded",
            ComponentState::Missing => "missing",
        }
    }
}

/// One row of the status table.
#[derive(Debug, Clone, Serialize)]
pub struct Component {
    pub name: String,
    pub state: ComponentState,
    pub endpoint: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub workdir: String,
    pub components: Vec<Component>,
}

impl StatusReport {
    pub fn all_ok(&self) -> bool {
        self.components.iter().all(|c| c.state == ComponentState::Ok)
    }
}

/// Looks at the emulator, its PostgreSQL, the schema record and the files.
/// Reads only; the schema row needs a query, done by the caller-supplied
/// `schema_version` (None when it could not be read, with the reason).
pub fn status(
    config: &Config,
    workdir: &Workdir,
    schema_version: Result<Option<String>, String>,
) -> Result<StatusReport, Error> {
    let up = UpState::read(workdir)?;
    let data_dir = up.as_ref().and_then(|s| s.emulator_data_dir.clone()).or_else(|| config.emulator.data_dir.clone());
    let instance = Instance::open(data_dir.as_deref());
    let mut components = Vec::new();
    if let Some(state) = up.as_ref().filter(|s| s.target != "local") {
        // A real cluster: its health shows in whether the schema query answers.
        components.push(Component {
            name: "dsql-cluster".into(),
            state: if schema_version.is_ok() { ComponentState::Ok } else { ComponentState::Down },
            endpoint: format!("{}:{}", state.endpoint.hostname, state.endpoint.port),
            detail: format!("target {}, region {}", state.target, state.endpoint.region),
        });
    } else {
        emulator_components(&instance, &mut components)?;
    }
    let expected = up.as_ref().map(|s| s.schema_version.clone());
    components.push(match (schema_version, expected) {
        (Ok(Some(v)), Some(want)) if v == want => Component {
            name: "schema".into(),
            state: ComponentState::Ok,
            endpoint: config.schema.database.clone(),
            detail: format!("version {v}"),
        },
        (Ok(Some(v)), want) => Component {
            name: "schema".into(),
            state: ComponentState::Degraded,
            endpoint: config.schema.database.clone(),
            detail: format!(
                "version {v}, expected {}; run `dsql-deploy up`",
                want.unwrap_or_else(|| "the newest".into())
            ),
        },
        (Ok(None), _) => Component {
            name: "schema".into(),
            state: ComponentState::Missing,
            endpoint: config.schema.database.clone(),
            detail: "not installed; run `dsql-deploy up`".into(),
        },
        (Err(reason), _) => Component {
            name: "schema".into(),
            state: ComponentState::Down,
            endpoint: config.schema.database.clone(),
            detail: reason,
        },
    });
    let mut files = vec![("temporal-config", workdir.temporal_config()), (".env", workdir.env_file())];
    if up.as_ref().is_none_or(|s| s.target == "local") {
        files.push(("compose-override", workdir.compose_override()));
    }
    for (name, path) in files {
        let exists = path.is_file();
        components.push(Component {
            name: name.into(),
            state: if exists { ComponentState::Ok } else { ComponentState::Missing },
            endpoint: path.display().to_string(),
            detail: if exists { "written by up".into() } else { "not written yet; run `dsql-deploy up`".into() },
        });
    }
    Ok(StatusReport { workdir: workdir.root().display().to_string(), components })
}

/// The emulator and its private PostgreSQL (the local target).
fn emulator_components(instance: &Instance, components: &mut Vec<Component>) -> Result<(), Error> {
    match instance.status()? {
        Status::Running(info) => {
            components.push(Component {
                name: "emulator".into(),
                state: ComponentState::Ok,
                endpoint: format!("{}:{}", info.hostname, info.port),
                detail: format!("pid {}, since {}", info.pid, info.started_at),
            });
            components.push(Component {
                name: "postgresql".into(),
                state: ComponentState::Ok,
                endpoint: format!("127.0.0.1:{} (private)", info.postgres_port),
                detail: format!("pid {}", info.postgres_pid),
            });
        }
        Status::PostgresDead(info) => {
            components.push(Component {
                name: "emulator".into(),
                state: ComponentState::Degraded,
                endpoint: format!("{}:{}", info.hostname, info.port),
                detail: "running, but its PostgreSQL is gone: run `dsql-deploy up` to restart it".into(),
            });
            components.push(Component {
                name: "postgresql".into(),
                state: ComponentState::Down,
                endpoint: format!("127.0.0.1:{} (private)", info.postgres_port),
                detail: format!(
                    "pid {} is not running; see {}/emulator.log",
                    info.postgres_pid,
                    info.data_dir.display()
                ),
            });
        }
        Status::Stopped { data_dir, .. } => {
            components.push(Component {
                name: "emulator".into(),
                state: ComponentState::Down,
                endpoint: "-".into(),
                detail: format!("not running (data in {}); start it with `dsql-deploy up`", data_dir.display()),
            });
        }
    }
    Ok(())
}
