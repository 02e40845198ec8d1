//! The throw-away identities one verification run writes under.

use rand::Rng;
use uuid::Uuid;

/// Random ids for one run. The shard id lies far above any real
/// `numHistoryShards` (Temporal shards are 1..=N, N rarely above 16k) and
/// the membership role is one no Temporal service uses, so a live cluster's
/// reads never see these rows.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub namespace_id: Uuid,
    pub namespace_name: String,
    pub shard_id: i32,
    pub workflow_id: String,
    pub run_id: Uuid,
    pub tree_id: Uuid,
    pub branch_id: Uuid,
    pub range_hash: i64,
    pub task_queue_id: Uuid,
    pub host_id: Uuid,
    /// `cluster_membership.role` for our fake host.
    pub role: i16,
}

impl Fixture {
    pub fn random() -> Fixture {
        let mut rng = rand::thread_rng();
        let tag: u32 = rng.r#gen();
        let run_id = Uuid::new_v4();
        Fixture {
            namespace_id: Uuid::new_v4(),
            namespace_name: format!("dsql-deploy-verify-{tag:08x}"),
            shard_id: rng.gen_range(1_000_000_000..2_000_000_000),
            workflow_id: format!("dsql-deploy-verify-wf-{tag:08x}"),
            run_id,
            // Temporal uses the run id as the history tree id of a new run.
            tree_id: run_id,
            branch_id: Uuid::new_v4(),
            range_hash: i64::from(rng.r#gen::<u32>()),
            task_queue_id: Uuid::new_v4(),
            host_id: Uuid::new_v4(),
            role: 99,
        }
    }
}
