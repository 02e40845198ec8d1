//! The adapt policy: what the gateway changes so that PostgreSQL clients
//! written for PostgreSQL work on DSQL, and why each change keeps the
//! statement's meaning there.
//!
//! # `FOR SHARE` / `FOR NO KEY UPDATE` → `FOR UPDATE`
//! DSQL refuses both (0A000). On PostgreSQL they take weaker row locks than
//! `FOR UPDATE`; the rewrite asks for a *stronger* lock, so every guarantee
//! the client relied on still holds. On DSQL nothing blocks anyway: a
//! locking read only adds the rows to the transaction's commit-time
//! conflict check (optimistic concurrency), so the stronger clause cannot
//! introduce waits or deadlocks. What can change is that two transactions
//! that both only *share*-locked a row may now conflict at COMMIT (40001)
//! where PostgreSQL would have let both proceed — the client already has
//! to retry 40001 on DSQL, and a spurious retry never breaks correctness.
//! `FOR KEY SHARE` and `FOR UPDATE` are accepted by DSQL and left alone.
//! Only the clause's bytes are replaced (found with `dsql::dialect` plus a
//! lexer that skips strings, quoted names and comments), so the rest of the
//! statement — parameters, `OF t`, `NOWAIT`, `SKIP LOCKED` — is untouched.
//!
//! # Serialization failures (40001)
//! Counted by SQLSTATE. An autocommit statement (the session was idle, one
//! statement, nothing of its answer sent yet — the proxy's eligibility rule)
//! that fails with 40001 committed nothing, so re-sending it is what the
//! client would do itself: the gateway retries it up to
//! `occ_retry_attempts` times with jittered exponential backoff. Inside an
//! explicit transaction errors always go to the client unchanged, because
//! only the client can replay the transaction's earlier statements.
//!
//! # Lifetime
//! A session ends (FATAL 57P01, as a server shutting the session down)
//! when its upstream connection reaches its retirement time, so no client
//! ever uses an upstream connection past its lifetime.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use dsql::dialect::Lock;
use proxy::{Deadline, Decision, Policy, SessionPolicy, SessionState, Statement};
use wire::ErrorFields;

use crate::lifetime::Lifetime;
use crate::metrics::{GatewayMetrics, inc};

mod lockscan;

pub use lockscan::rewrite_locks;

/// Which rewrites are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdaptRules {
    pub for_share_to_for_update: bool,
    pub for_no_key_update_to_for_update: bool,
    /// Retries of a failed autocommit statement on 40001 (0 = pass it on).
    pub occ_retry_attempts: u32,
}

impl Default for AdaptRules {
    fn default() -> Self {
        AdaptRules { for_share_to_for_update: true, for_no_key_update_to_for_update: true, occ_retry_attempts: 3 }
    }
}

/// First retry delay after a 40001, doubled per attempt (AWS connectors' guidance).
const OCC_RETRY_BASE: Duration = Duration::from_millis(100);
/// Longest delay between two attempts.
const OCC_RETRY_CAP: Duration = Duration::from_secs(5);

/// Delay before retry `attempt` (1-based): exponential, capped, with "full
/// jitter" in its upper half so retrying clients spread out instead of
/// colliding again.
pub fn occ_backoff(attempt: u32) -> Duration {
    let exp = OCC_RETRY_BASE.saturating_mul(1u32 << attempt.saturating_sub(1).min(16)).min(OCC_RETRY_CAP);
    let half = exp / 2;
    half + half.mul_f64(rand::random::<f64>())
}

/// The gateway's [`Policy`].
#[derive(Clone)]
pub struct AdaptPolicy {
    pub rules: AdaptRules,
    pub lifetime: Lifetime,
    pub metrics: Arc<GatewayMetrics>,
}

impl Policy for AdaptPolicy {
    type Session = AdaptPolicy;
    fn session(&self, _state: &SessionState) -> AdaptPolicy {
        self.clone()
    }
}

impl AdaptPolicy {
    /// The statement with unsupported locking clauses rewritten, if any.
    pub fn adapt(&self, sql: &str) -> Option<String> {
        let rules = self.rules;
        if !rules.for_share_to_for_update && !rules.for_no_key_update_to_for_update {
            return None;
        }
        // Cheap pre-check: both clauses end in SHARE or UPDATE after FOR.
        if !contains_ignore_case(sql, b"share") && !contains_ignore_case(sql, b"key") {
            return None;
        }
        let needs = dsql::dialect::analyze(sql).iter().any(|s| matches!(s.lock, Some(Lock::Share | Lock::NoKeyUpdate)));
        if !needs {
            return None;
        }
        let (text, counts) = rewrite_locks(sql, rules);
        self.metrics.rewrites_for_share_total.fetch_add(counts.for_share, Relaxed);
        self.metrics.rewrites_for_no_key_update_total.fetch_add(counts.for_no_key_update, Relaxed);
        (counts.for_share + counts.for_no_key_update > 0).then_some(text)
    }
}

fn contains_ignore_case(hay: &str, needle: &[u8]) -> bool {
    hay.as_bytes().windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

impl SessionPolicy for AdaptPolicy {
    async fn on_statement(&mut self, stmt: Statement<'_>, _state: &SessionState) -> Decision {
        match self.adapt(stmt.sql) {
            Some(sql) => Decision::Rewrite(sql),
            None => Decision::Forward,
        }
    }

    fn on_upstream_error(&mut self, error: &mut ErrorFields, _state: &SessionState) {
        let code = error.sqlstate();
        self.metrics.upstream_error(code);
        if code == "40001" {
            inc(&self.metrics.occ_conflicts_total);
        }
    }

    fn retries_enabled(&self) -> bool {
        self.rules.occ_retry_attempts > 0
    }

    fn retry_after(&mut self, error: &ErrorFields, attempt: u32, _state: &SessionState) -> Option<Duration> {
        if error.sqlstate() != "40001" || attempt > self.rules.occ_retry_attempts {
            return None;
        }
        inc(&self.metrics.occ_retries_total);
        Some(occ_backoff(attempt))
    }

    fn deadline(&mut self, state: &SessionState) -> Option<Deadline> {
        let opened = state.upstream_opened_at?;
        Some(Deadline {
            at: self.lifetime.retire_at(opened),
            error: ErrorFields::fatal(
                "57P01",
                "terminating connection: the gateway retires upstream connections before DSQL's 60-minute limit",
            )
            .hint("reconnect; the gateway hands out a fresh connection at once"),
        })
    }
}
