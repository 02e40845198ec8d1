//! Configuration model: parse `dsql-deploy.toml`, apply `DSQL_DEPLOY_*`
//! environment overrides, and validate everything once into a typed
//! [`Config`] before any command does work.
//!
//! Every field is optional; the defaults are documented once, in the
//! commented template that `dsql-deploy config init` writes
//! ([`TEMPLATE`]), and a test keeps that template equal to `Config::default()`.
//!
//! Environment overrides are named `DSQL_DEPLOY_<SECTION>_<KEY>` in upper
//! case, e.g. `DSQL_DEPLOY_EMULATOR_PORT=5433` sets `[emulator] port`.
//! Values are read as TOML literals when they parse as one (numbers,
//! booleans, arrays), else as strings.

mod env;
pub mod sections;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use sections::*;

/// File name looked for in the current directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "dsql-deploy.toml";

/// Prefix of environment variables that override config keys.
pub const ENV_PREFIX: &str = "DSQL_DEPLOY_";

/// Environment variables with the prefix that are not config keys.
pub const RESERVED_ENV: &[&str] = &["DSQL_DEPLOY_CONFIG", "DSQL_DEPLOY_LOG"];

/// The commented default config written by `config init`.
pub const TEMPLATE: &str = concat!(
    include_str!("template/header.toml"),
    include_str!("template/project.toml"),
    include_str!("template/emulator.toml"),
    include_str!("template/schema.toml"),
    include_str!("template/certs.toml"),
    include_str!("template/gateway.toml"),
    include_str!("template/infra.toml"),
    include_str!("template/up.toml"),
);

/// The whole, validated configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub project: ProjectConfig,
    pub emulator: EmulatorConfig,
    pub schema: SchemaConfig,
    pub certs: CertsConfig,
    pub gateway: GatewayConfig,
    pub infra: InfraConfig,
    pub up: UpConfig,
}

/// Why a configuration could not be loaded. `Display` lists every problem.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source} (create one with `dsql-deploy config init`)")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("{}", format_problems(.0))]
    Invalid(Vec<Problem>),
}

/// One validation problem: which key, what is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

fn format_problems(problems: &[Problem]) -> String {
    let mut out = format!("{} problem(s) in the configuration:", problems.len());
    for p in problems {
        out.push_str("\n  - ");
        out.push_str(&p.to_string());
    }
    out
}

/// Collects problems during validation so that all are reported at once.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn push(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem { key: key.into(), message: message.into() });
    }
}

impl Config {
    /// Loads `path` (or `./dsql-deploy.toml` when it exists, else defaults),
    /// applies `DSQL_DEPLOY_*` overrides from `env` and validates.
    pub fn load(path: Option<&Path>, env: &[(String, String)]) -> Result<Config, ConfigError> {
        let (origin, text) = match path {
            Some(p) => (p.display().to_string(), read(p)?),
            None if Path::new(DEFAULT_FILE).exists() => (DEFAULT_FILE.to_string(), read(Path::new(DEFAULT_FILE))?),
            None => ("defaults".to_string(), String::new()),
        };
        Self::from_toml_and_env(&origin, &text, env)
    }

    /// Parses TOML text, applies overrides and validates. `origin` names the
    /// text in error messages (a file name).
    pub fn from_toml_and_env(origin: &str, text: &str, env: &[(String, String)]) -> Result<Config, ConfigError> {
        // First pass on the file alone, so syntax and type errors point at a line.
        let _: Config = toml::from_str(text)
            .map_err(|e| ConfigError::Parse { origin: origin.to_string(), message: e.to_string() })?;
        let mut table: toml::Table = toml::from_str(text)
            .map_err(|e| ConfigError::Parse { origin: origin.to_string(), message: e.to_string() })?;
        let applied = env::apply_overrides(&mut table, env)?;
        let config: Config = toml::Value::Table(table).try_into().map_err(|e: toml::de::Error| ConfigError::Parse {
            origin: format!("environment overrides ({})", applied.join(", ")),
            message: e.message().to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every section; all problems are returned together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Problems::default();
        self.project.validate(&mut problems);
        self.emulator.validate(&mut problems);
        self.schema.validate(&mut problems);
        self.certs.validate(&mut problems);
        self.gateway.validate(&mut problems);
        self.infra.validate(&mut problems);
        self.up.validate(&mut problems);
        if problems.0.is_empty() { Ok(()) } else { Err(ConfigError::Invalid(problems.0)) }
    }

    /// The effective configuration as TOML (what `config show` prints).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("config always serialises")
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests;
