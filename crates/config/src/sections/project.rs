//! `[project]`: names and the AWS region shared by every other section.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Problems;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProjectConfig {
    /// Short name used for AWS resource names and certificate subjects.
    pub name: String,
    /// AWS region of the DSQL cluster (and of the emulator's endpoint).
    pub region: String,
    /// Tags put on every AWS resource and ACM certificate.
    pub tags: BTreeMap<String, String>,
}

impl Default for ProjectConfig {
    fn default() -> Self {
        Self { name: "temporal-dsql".into(), region: "us-east-1".into(), tags: BTreeMap::new() }
    }
}

impl ProjectConfig {
    pub fn validate(&self, problems: &mut Problems) {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 32
            && self.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !self.name.starts_with('-');
        if !name_ok {
            problems.push(
                "project.name",
                format!("{:?} must be 1-32 characters of a-z, 0-9 and '-', not starting with '-'", self.name),
            );
        }
        if !is_region(&self.region) {
            problems.push("project.region", format!("{:?} is not an AWS region name like \"us-east-1\"", self.region));
        }
    }
}

/// `xx-name-N` (also `xx-gov-name-N`): the shape of every AWS region name.
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}
