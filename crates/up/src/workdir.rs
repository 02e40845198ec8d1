//! The workdir (default `.dsql-deploy/`): everything `up` writes lives here,
//! and `up.json` records what the last `up` set up so that `status`,
//! `verify` and `down` find it without flags.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Error;

/// Paths inside the workdir.
#[derive(Debug, Clone)]
pub struct Workdir {
    root: PathBuf,
}

impl Workdir {
    pub fn new(root: impl Into<PathBuf>) -> Workdir {
        let root = root.into();
        let root = std::path::absolute(&root).unwrap_or(root);
        Workdir { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// What the last `up` set up.
    pub fn state_file(&self) -> PathBuf {
        self.root.join("up.json")
    }

    /// Temporal's rendered server config (persistence, services, metrics).
    pub fn temporal_config(&self) -> PathBuf {
        self.root.join("temporal/config/docker.yaml")
    }

    /// Variables for `docker compose --env-file` and the renderer.
    pub fn env_file(&self) -> PathBuf {
        self.root.join(".env")
    }

    /// Compose override that points Temporal at the emulator.
    pub fn compose_override(&self) -> PathBuf {
        self.root.join("compose.override.yaml")
    }

    /// Creates the workdir (and the folders `up` writes into).
    pub fn create(&self) -> Result<(), Error> {
        for dir in [self.root.clone(), self.root.join("temporal/config")] {
            std::fs::create_dir_all(&dir).map_err(|source| Error::Workdir { path: dir.clone(), source })?;
        }
        Ok(())
    }
}

/// `up.json`: the target and endpoint the last `up` prepared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpState {
    pub target: String,
    /// Emulator instance (local target).
    pub emulator_data_dir: Option<PathBuf>,
    pub endpoint: Endpoint,
    /// Temporal's database (a schema on DSQL).
    pub database: String,
    pub schema_version: String,
    pub files: Vec<PathBuf>,
    pub updated_at: String,
}

/// Where Temporal's persistence lives and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// Address to connect to.
    pub host: String,
    pub port: u16,
    /// Name in the server certificate and in IAM tokens.
    pub hostname: String,
    pub region: String,
    pub user: String,
    pub ca_file: Option<PathBuf>,
}

impl UpState {
    pub fn read(workdir: &Workdir) -> Result<Option<UpState>, Error> {
        let path = workdir.state_file();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(Error::Workdir { path, source }),
        };
        serde_json::from_str(&text).map(Some).map_err(|e| Error::CorruptState { path, message: e.to_string() })
    }

    pub fn write(&self, workdir: &Workdir) -> Result<(), Error> {
        let path = workdir.state_file();
        let text = serde_json::to_vec_pretty(self).expect("UpState serialises");
        fsutil::write_atomic(&path, &text, 0o644).map_err(|source| Error::Workdir { path, source })
    }
}
