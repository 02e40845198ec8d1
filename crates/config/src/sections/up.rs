//! `[up]`: where the main job writes what it produces.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::Problems;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpConfig {
    /// Everything `up` writes lives here.
    pub workdir: PathBuf,
}

impl Default for UpConfig {
    fn default() -> Self {
        Self { workdir: PathBuf::from(".dsql-deploy") }
    }
}

impl UpConfig {
    pub fn validate(&self, problems: &mut Problems) {
        if self.workdir.as_os_str().is_empty() {
            problems.push("up.workdir", "must not be empty (default \".dsql-deploy\")");
        }
    }
}
