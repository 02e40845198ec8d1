//! Waiting for the DSQL cluster: `GetCluster` until it is ready to take
//! connections, with a note while it waits and a deadline. A cluster that
//! is IDLE or INACTIVE wakes on its first connection, so it counts as ready.

use std::time::{Duration, Instant};

use aws_sdk_dsql::error::DisplayErrorContext;
use aws_sdk_dsql::types::ClusterStatus;

use crate::Error;

/// The cluster as the wait left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterState {
    pub identifier: String,
    pub arn: String,
    /// `ACTIVE`, `IDLE`, …
    pub status: String,
}

/// What a status means for the wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Readiness {
    Ready,
    Wait,
    Broken,
}

fn readiness(status: &ClusterStatus) -> Readiness {
    match status {
        ClusterStatus::Active | ClusterStatus::Idle | ClusterStatus::Inactive => Readiness::Ready,
        ClusterStatus::Creating | ClusterStatus::Updating | ClusterStatus::PendingSetup => Readiness::Wait,
        ClusterStatus::Failed | ClusterStatus::Deleting | ClusterStatus::Deleted | ClusterStatus::PendingDelete => {
            Readiness::Broken
        }
        // A status this SDK does not know yet: keep waiting, the deadline bounds it.
        _ => Readiness::Wait,
    }
}

/// Polls `GetCluster` (after 1, 2, 4… s, at most 10 s apart) until the
/// cluster is ready, it is failed or deleted, or `timeout` passes.
pub async fn wait_ready(
    client: &aws_sdk_dsql::Client,
    identifier: &str,
    timeout: Duration,
    note: &(dyn Fn(&str) + Sync),
) -> Result<ClusterState, Error> {
    let started = Instant::now();
    let mut delay = Duration::from_secs(1);
    let mut last_status = String::new();
    loop {
        let out = client.get_cluster().identifier(identifier).send().await.map_err(|e| {
            Error::Aws(format!(
                "DSQL GetCluster on {identifier} failed: {} (check the AWS credentials and region)",
                DisplayErrorContext(&e)
            ))
        })?;
        let status = out.status().clone();
        let state = ClusterState {
            identifier: out.identifier().to_string(),
            arn: out.arn().to_string(),
            status: status.as_str().to_string(),
        };
        match readiness(&status) {
            Readiness::Ready => return Ok(state),
            Readiness::Broken => {
                return Err(Error::ClusterNotUsable { identifier: identifier.to_string(), status: state.status });
            }
            Readiness::Wait => {}
        }
        let waited = started.elapsed();
        if waited >= timeout {
            return Err(Error::ClusterTimeout {
                identifier: identifier.to_string(),
                status: state.status,
                secs: timeout.as_secs(),
            });
        }
        if state.status != last_status {
            note(&format!("cluster is {} ({} s so far)", state.status, waited.as_secs()));
            last_status = state.status;
        }
        tokio::time::sleep(delay.min(timeout.saturating_sub(waited))).await;
        delay = (delay * 2).min(Duration::from_secs(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_sort_into_ready_wait_and_broken() {
        assert_eq!(readiness(&ClusterStatus::Active), Readiness::Ready);
        assert_eq!(readiness(&ClusterStatus::Idle), Readiness::Ready);
        assert_eq!(readiness(&ClusterStatus::Creating), Readiness::Wait);
        assert_eq!(readiness(&ClusterStatus::Updating), Readiness::Wait);
        assert_eq!(readiness(&ClusterStatus::Failed), Readiness::Broken);
        assert_eq!(readiness(&ClusterStatus::Deleting), Readiness::Broken);
        assert_eq!(readiness(&ClusterStatus::from("SOMETHING_NEW")), Readiness::Wait);
    }
}
