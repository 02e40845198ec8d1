//! `[infra]`: the Terraform module and its variables.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::Problems;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InfraConfig {
    /// Terraform root module directory that `infra` drives.
    pub terraform_dir: PathBuf,
}

impl Default for InfraConfig {
    fn default() -> Self {
        Self { terraform_dir: PathBuf::from("terraform") }
    }
}

impl InfraConfig {
    pub fn validate(&self, _problems: &mut Problems) {}
}
