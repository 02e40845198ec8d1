//! `[certs]`: the AWS Client VPN PKI that `dsql-deploy certs` manages.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::Problems;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CertsConfig {
    /// Directory holding `certs/`, `server/`, `clients/` and `.acm/`.
    pub dir: PathBuf,
}

impl Default for CertsConfig {
    fn default() -> Self {
        Self { dir: PathBuf::from(".") }
    }
}

impl CertsConfig {
    pub fn validate(&self, _problems: &mut Problems) {}
}
