//! The *enforce* policy: answer like Aurora DSQL on top of PostgreSQL.
//!
//! Where each rule lives, and why:
//! - **Statement refusals** (DSQL-FACTS §2): `dsql::dialect::analyze`
//!   judges each statement (cached per distinct text, [`analysis`]); a
//!   refusal goes through the proxy's refusal path, which makes PostgreSQL
//!   itself fail the statement, so transaction state stays PostgreSQL's.
//!   Text the analyser cannot parse is forwarded: PostgreSQL answers it.
//! - **One DDL per transaction, no DDL+DML mix, 3,000-row cap**: inside the
//!   private PostgreSQL (event trigger + per-table statement triggers, see
//!   `private.rs`), because they must fail the *statement* that breaks them
//!   — including an autocommit one, which the proxy only sees after it has
//!   committed.
//! - **Snapshot isolation**: every transaction runs at REPEATABLE READ
//!   (server default; `SET default_transaction_isolation`/`SET TRANSACTION`
//!   are refused as DSQL does), so reads see the snapshot taken at the first
//!   statement, like DSQL's snapshot at BEGIN.
//! - **No lock waits, conflicts as 40001**: DSQL never blocks; it judges
//!   write conflicts at COMMIT (first committer wins), and `FOR UPDATE` /
//!   `FOR KEY SHARE` rows join that check. PostgreSQL instead makes the
//!   second writer wait for the first. We keep PostgreSQL's row locks (they
//!   give exactly DSQL's conflict set: two writers of one row, a write vs
//!   `FOR UPDATE`, a key delete vs `FOR KEY SHARE`/an FK insert) and bound
//!   the wait with `lock_timeout` (100 ms): if the holder commits in time,
//!   REPEATABLE READ fails the waiter with a serialization error; if not,
//!   the wait times out. Both, and deadlocks, are reported as DSQL's
//!   `40001 change conflicts with another transaction (OC000)`. The one
//!   difference: the loser learns at its conflicting statement (or within
//!   100 ms of it) rather than at COMMIT. Clients that retry the whole
//!   transaction on 40001 — what DSQL requires — behave the same.
//! - **OC001**: DDL that cannot get its table lock within the timeout (a
//!   transaction is using the table), and a prepared statement whose
//!   table's shape changed (`cached plan must not change result type`),
//!   are reported as `40001 … (OC001)`.
//! - **Transaction age** (300 s): checked per statement from the proxy's
//!   transaction start time; the statement is refused with 54000, which
//!   fails the transaction.
//! - **`CREATE [UNIQUE] INDEX ASYNC` / `ALTER TABLE ASYNC`**: rewritten to
//!   `sys.__create_index_async(...)`, which builds the index, records a
//!   completed job in `sys.jobs` and returns its `job_id` row; the proxy
//!   answers it with DSQL's tag (`CREATE INDEX` / `ALTER TABLE`) rather
//!   than the function call's `SELECT 1`.
//! - **Connection lifetime**: a proxy deadline closes the session.

pub mod analysis;
pub mod errors;

use std::sync::Arc;
use std::time::Duration;

use dsql::dialect::Kind;
use proxy::{Deadline, Decision, Policy, SessionPolicy, SessionState, Statement};
use wire::{ErrorFields, TxStatus};

use analysis::{AnalysisCache, Verdict};

/// Limits the policy enforces (from `[emulator]`).
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_transaction_age: Duration,
    pub max_connection_lifetime: Duration,
}

/// One per emulator; hands out a session policy per client.
pub struct EnforcePolicy {
    limits: Limits,
    cache: Arc<AnalysisCache>,
    /// Superuser connection to the private PostgreSQL, for catalog checks.
    control: Arc<tokio_postgres::Client>,
}

impl EnforcePolicy {
    pub fn new(limits: Limits, control: Arc<tokio_postgres::Client>) -> EnforcePolicy {
        EnforcePolicy { limits, cache: Arc::new(AnalysisCache::default()), control }
    }
}

impl Policy for EnforcePolicy {
    type Session = EnforceSession;
    fn session(&self, _state: &SessionState) -> EnforceSession {
        EnforceSession {
            limits: self.limits.clone(),
            cache: self.cache.clone(),
            control: self.control.clone(),
            last_kind: Kind::Unknown,
        }
    }
}

pub struct EnforceSession {
    limits: Limits,
    cache: Arc<AnalysisCache>,
    control: Arc<tokio_postgres::Client>,
    /// Kind of the statement sent last (to word a conflict it runs into).
    last_kind: Kind,
}

impl EnforceSession {
    /// Whether `column` is part of `table`'s primary key (false when unknown:
    /// then PostgreSQL answers).
    async fn is_primary_key_column(&self, table: &str, column: &str) -> bool {
        let sql = "SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a \
                   ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) \
                   WHERE i.indrelid = to_regclass($1) AND i.indisprimary AND a.attname = $2)";
        match self.control.query_one(sql, &[&table, &column]).await {
            Ok(row) => row.get::<_, bool>(0),
            Err(e) => {
                tracing::warn!(error = %e, "primary-key lookup failed");
                false
            }
        }
    }

    fn age_exceeded(&self, state: &SessionState) -> bool {
        state.tx_started_at.is_some_and(|t| t.elapsed() > self.limits.max_transaction_age)
    }
}

impl SessionPolicy for EnforceSession {
    async fn on_statement(&mut self, stmt: Statement<'_>, state: &SessionState) -> Decision {
        let verdict = self.cache.verdict(stmt.sql);
        let kind = match verdict.as_ref() {
            Verdict::Forward { kind } => *kind,
            Verdict::Rewrite(_) | Verdict::RewriteWithTag { .. } | Verdict::DropColumn { .. } => Kind::Ddl,
            Verdict::Refuse(_) => Kind::Unknown,
        };
        self.last_kind = kind;
        // ROLLBACK must always be able to end an over-age transaction, and so
        // must COMMIT once the transaction failed (PostgreSQL answers ROLLBACK);
        // refusing it too would leave the session in the failed transaction.
        let ends_failed = kind == Kind::Commit && state.status == TxStatus::Failed;
        if kind != Kind::Rollback && !ends_failed && self.age_exceeded(state) {
            return Decision::Refuse(ErrorFields::error(
                "54000",
                format!("transaction age limit of {}s exceeded", self.limits.max_transaction_age.as_secs()),
            ));
        }
        match verdict.as_ref() {
            Verdict::Forward { .. } => Decision::Forward,
            Verdict::Refuse(fields) => Decision::Refuse(fields.clone()),
            Verdict::Rewrite(sql) => Decision::Rewrite(sql.clone()),
            Verdict::RewriteWithTag { sql, tag } => {
                Decision::RewriteWithTag { sql: sql.clone(), tag: (*tag).to_string() }
            }
            Verdict::DropColumn { table, column } => {
                if self.is_primary_key_column(table, column).await {
                    Decision::Refuse(ErrorFields::error("0A000", format!("cannot drop primary key column {column}")))
                } else {
                    Decision::Forward
                }
            }
        }
    }

    fn on_upstream_error(&mut self, error: &mut ErrorFields, _state: &SessionState) {
        errors::translate(error, self.last_kind == Kind::Ddl);
    }

    fn deadline(&mut self, state: &SessionState) -> Option<Deadline> {
        Some(Deadline {
            at: state.connected_at + self.limits.max_connection_lifetime,
            error: ErrorFields::fatal("08006", "connection lifetime limit reached, please reconnect"),
        })
    }
}
