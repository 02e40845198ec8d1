//! The pure half of `update-schema`: given the recorded version, the versions
//! a tree offers and an optional target, which versions run, in which order.
//! No I/O, so every rule is unit-tested here; the driver only executes.
//!
//! Rules (temporal-sql-tool's): run every version v with current < v ≤
//! target (target = newest when not given), ascending; the target must be
//! one of the offered versions; a target older than the recorded version is
//! refused (no downgrades).

use crate::source::VersionDir;
use crate::version::Version;

/// What `update-schema` will do.
#[derive(Debug)]
pub struct Plan<'a> {
    pub from: Version,
    pub steps: Vec<&'a VersionDir>,
}

impl Plan<'_> {
    /// The version recorded once every step ran.
    pub fn to(&self) -> &Version {
        self.steps.last().map(|s| &s.version).unwrap_or(&self.from)
    }
}

/// A target that cannot be reached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(
        "target version {target} does not exist (available: {available}); pick one of them or leave out --version for the newest"
    )]
    UnknownTarget { target: String, available: String },
    #[error(
        "target version {target} is older than the recorded version {current}; schema downgrades are not supported (drop and set up again instead)"
    )]
    Backwards { target: String, current: String },
}

/// Plans an update from `current` (see module docs). `available` must be
/// sorted ascending, as `Versioned::load` returns it.
pub fn plan_update<'a>(
    current: &Version,
    available: &'a [VersionDir],
    target: Option<&Version>,
) -> Result<Plan<'a>, PlanError> {
    if let Some(target) = target {
        if !available.iter().any(|v| &v.version == target) {
            return Err(PlanError::UnknownTarget {
                target: target.to_string(),
                available: available.iter().map(|v| v.version.to_string()).collect::<Vec<_>>().join(", "),
            });
        }
        if target < current {
            return Err(PlanError::Backwards { target: target.to_string(), current: current.to_string() });
        }
    }
    let steps = available.iter().filter(|v| &v.version > current && target.is_none_or(|t| &v.version <= t)).collect();
    Ok(Plan { from: current.clone(), steps })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Manifest;

    fn dirs(versions: &[&str]) -> Vec<VersionDir> {
        versions
            .iter()
            .map(|v| {
                let version: Version = v.parse().unwrap();
                VersionDir {
                    version: version.clone(),
                    manifest: Manifest {
                        curr_version: version,
                        min_compatible_version: Version::zero(),
                        description: String::new(),
                        files: vec![],
                        md5: String::new(),
                    },
                    statements: vec![],
                }
            })
            .collect()
    }

    fn planned(current: &str, available: &[VersionDir], target: Option<&str>) -> Result<Vec<String>, PlanError> {
        let target: Option<Version> = target.map(|t| t.parse().unwrap());
        plan_update(&current.parse().unwrap(), available, target.as_ref())
            .map(|p| p.steps.iter().map(|s| s.version.to_string()).collect())
    }

    #[test]
    fn runs_everything_newer_than_the_recorded_version() {
        let avail = dirs(&["1.0", "1.2", "1.9", "1.10"]);
        assert_eq!(planned("0.0", &avail, None).unwrap(), ["1.0", "1.2", "1.9", "1.10"]);
        assert_eq!(planned("1.2", &avail, None).unwrap(), ["1.9", "1.10"]);
        assert_eq!(planned("1.10", &avail, None).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn stops_at_the_target() {
        let avail = dirs(&["1.0", "1.2", "1.9", "1.10"]);
        assert_eq!(planned("0", &avail, Some("1.9")).unwrap(), ["1.0", "1.2", "1.9"]);
        assert_eq!(planned("1.9", &avail, Some("1.9")).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn refuses_unknown_and_older_targets() {
        let avail = dirs(&["1.0", "1.2"]);
        assert!(matches!(planned("0", &avail, Some("1.1")), Err(PlanError::UnknownTarget { .. })));
        assert!(matches!(planned("1.2", &avail, Some("1.0")), Err(PlanError::Backwards { .. })));
    }

    #[test]
    fn the_plan_ends_at_the_last_step() {
        let avail = dirs(&["1.0", "1.2"]);
        let plan = plan_update(&Version::zero(), &avail, None).unwrap();
        assert_eq!(plan.to().as_str(), "1.2");
    }
}
