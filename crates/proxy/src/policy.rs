//! The [`Policy`] trait: the one place where a product (emulator, gateway)
//! decides what happens to each statement and to each answer. The proxy owns
//! the protocol mechanics (framing, sync points, transaction tracking, making
//! a refusal behave exactly like a server error); a policy owns the meaning.
//!
//! # How a refusal behaves
//! A [`Decision::Refuse`] is not answered locally. The proxy sends the
//! upstream a statement that is certain to fail (an invalid integer literal
//! carrying a refusal id) in place of the refused one, and replaces the
//! upstream's error with the policy's fields. So the upstream itself puts the
//! session in exactly the state a server error would: an explicit transaction
//! becomes failed (25P02 until ROLLBACK; COMMIT answers ROLLBACK), earlier
//! statements of the same multi-statement Query are rolled back with their
//! implicit transaction, and in the extended protocol the upstream skips to
//! Sync and answers ReadyForQuery with the right status. Tracking a "failed"
//! flag locally instead would duplicate server logic and could disagree with
//! the upstream. Cost: one round trip per refusal, which is rare.

use std::future::Future;
use std::time::Instant;

use wire::{CommandTag, ErrorFields, TxStatus};

use crate::state::SessionState;

/// Where a statement came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementSource<'a> {
    /// Statement `index` of `count` in one simple Query message. For a
    /// multi-statement Query every statement is judged before any runs.
    Simple { index: usize, count: usize },
    /// An extended-protocol Parse (`name` "" = the unnamed statement).
    Parse { name: &'a str, param_types: &'a [u32] },
}

/// A statement to judge.
#[derive(Debug, Clone, Copy)]
pub struct Statement<'a> {
    /// The statement text, trimmed, without its trailing `;`.
    pub sql: &'a str,
    pub source: StatementSource<'a>,
}

/// What to do with a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Send it unchanged (the original bytes when every statement of a
    /// message is forwarded).
    Forward,
    /// Send this SQL instead (same parameter types for a Parse).
    Rewrite(String),
    /// Send `sql` instead and answer its CommandComplete with `tag` (the
    /// tag of the client's statement, e.g. `CREATE INDEX` for a statement
    /// run as a function call). For a Parse, every Execute of a portal
    /// bound to this statement gets the tag.
    RewriteWithTag { sql: String, tag: String },
    /// Fail the statement with these fields (severity ERROR), see module doc.
    Refuse(ErrorFields),
    /// Send these fields as FATAL and close the session.
    Terminate(ErrorFields),
}

/// A time at which the session must end (e.g. a maximum connection lifetime).
#[derive(Debug, Clone)]
pub struct Deadline {
    pub at: Instant,
    /// Sent to the client (as FATAL) before the connection is closed.
    pub error: ErrorFields,
}

/// Makes one [`SessionPolicy`] per client session.
pub trait Policy: Send + Sync + 'static {
    type Session: SessionPolicy;
    fn session(&self, state: &SessionState) -> Self::Session;
}

/// Per-session hooks. Only [`SessionPolicy::on_statement`] is required; the
/// others default to "change nothing".
pub trait SessionPolicy: Send + 'static {
    /// Called for each statement of a simple Query and for each Parse,
    /// before it is sent upstream.
    fn on_statement(&mut self, stmt: Statement<'_>, state: &SessionState) -> impl Future<Output = Decision> + Send;

    /// Called for each CommandComplete, after `state` counted it. Returning
    /// an error replaces the CommandComplete with it, drops the rest of the
    /// answer up to ReadyForQuery, and (if the upstream is in a transaction)
    /// aborts the upstream transaction so the client sees status `E`. An
    /// autocommit statement has already committed at that point; a policy
    /// that must prevent that has to act in `on_statement`.
    fn on_command_complete(&mut self, _tag: &CommandTag<'_>, _state: &SessionState) -> Option<ErrorFields> {
        None
    }

    /// Called for each ErrorResponse from the upstream (not for refusals);
    /// may rewrite it (e.g. 40001 wording).
    fn on_upstream_error(&mut self, _error: &mut ErrorFields, _state: &SessionState) {}

    /// Whether this session may retry requests (see [`SessionPolicy::retry_after`]).
    /// When true, the answer to each eligible request is held (up to 1 MiB)
    /// until its ReadyForQuery; asked once at session start.
    fn retries_enabled(&self) -> bool {
        false
    }

    /// Transparent retry of autocommit requests: asked when an eligible
    /// request failed with `error` and left the session idle. Eligible means
    /// it started with the session idle and nothing else in flight, is one
    /// statement (one simple-Query statement, or one Execute per Sync without
    /// a named Parse) and moved no COPY data — so nothing of it committed and
    /// the client has seen none of its answer. `attempt` counts from 1.
    /// Return the delay before resending, or `None` to pass the error on.
    fn retry_after(
        &mut self,
        _error: &ErrorFields,
        _attempt: u32,
        _state: &SessionState,
    ) -> Option<std::time::Duration> {
        None
    }

    /// Called after each ReadyForQuery, with the state already updated.
    fn on_ready(&mut self, _status: TxStatus, _state: &SessionState) {}

    /// Asked at session start and after each ReadyForQuery: when must this
    /// session end? The proxy closes it then, even while idle.
    fn deadline(&mut self, _state: &SessionState) -> Option<Deadline> {
        None
    }

    /// May edit the ParameterStatus values sent to the client at startup
    /// (e.g. `server_version`).
    fn startup_parameters(&mut self, _params: &mut Vec<(String, String)>) {}
}

/// Forwards everything; the pass-through policy for tools and benchmarks.
#[derive(Debug, Clone, Default)]
pub struct ForwardAll;

impl Policy for ForwardAll {
    type Session = ForwardAll;
    fn session(&self, _state: &SessionState) -> ForwardAll {
        ForwardAll
    }
}

impl SessionPolicy for ForwardAll {
    async fn on_statement(&mut self, _stmt: Statement<'_>, _state: &SessionState) -> Decision {
        Decision::Forward
    }
}
