//! What the proxy tracks about each client session, from the server's own
//! answers (ReadyForQuery status, CommandComplete tags) rather than from
//! parsing SQL, so it is right even for statements no parser understands.

use std::net::SocketAddr;
use std::time::Instant;

use wire::{CommandTag, TagKind, TxStatus};

use crate::auth::Identity;

/// Per-session facts handed to every [`crate::SessionPolicy`] hook.
#[derive(Debug, Clone)]
pub struct SessionState {
    pub identity: Identity,
    pub peer: SocketAddr,
    /// When the client connection was accepted.
    pub connected_at: Instant,
    /// Status of the last ReadyForQuery the upstream sent.
    pub status: TxStatus,
    /// When the current transaction began (first statement sent while idle
    /// that left the session in a transaction); `None` when idle.
    pub tx_started_at: Option<Instant>,
    /// DDL / writes / reads completed in the current transaction (an
    /// autocommit statement is its own transaction).
    pub ddl_seen: u32,
    pub writes_seen: u32,
    pub reads_seen: u32,
    /// Rows changed in the current transaction (from INSERT/UPDATE/DELETE/MERGE/COPY tags).
    pub rows_changed: u64,
    /// Statements the client sent in this session (simple-query statements + Parses).
    pub statements: u64,
    /// When the upstream session serving this client was opened (a policy
    /// can end the session before the upstream's lifetime runs out).
    pub upstream_opened_at: Option<Instant>,
    /// When the last statement was sent while idle (start of a possible transaction).
    pub(crate) pending_tx_start: Option<Instant>,
}

impl SessionState {
    pub(crate) fn new(identity: Identity, peer: SocketAddr) -> SessionState {
        SessionState {
            identity,
            peer,
            connected_at: Instant::now(),
            status: TxStatus::Idle,
            tx_started_at: None,
            ddl_seen: 0,
            writes_seen: 0,
            reads_seen: 0,
            rows_changed: 0,
            statements: 0,
            upstream_opened_at: None,
            pending_tx_start: None,
        }
    }

    pub fn in_transaction(&self) -> bool {
        self.status != TxStatus::Idle
    }

    pub(crate) fn statement_sent(&mut self) {
        self.statements += 1;
        if self.status == TxStatus::Idle && self.pending_tx_start.is_none() {
            self.pending_tx_start = Some(Instant::now());
        }
    }

    pub(crate) fn command_completed(&mut self, tag: &CommandTag<'_>) {
        match tag.kind() {
            TagKind::Ddl => self.ddl_seen += 1,
            TagKind::Write => self.writes_seen += 1,
            TagKind::Read => self.reads_seen += 1,
            TagKind::Transaction | TagKind::Other => {}
        }
        self.rows_changed += tag.rows_changed();
    }

    pub(crate) fn ready(&mut self, status: TxStatus) {
        self.status = status;
        if status == TxStatus::Idle {
            self.tx_started_at = None;
            self.pending_tx_start = None;
            self.ddl_seen = 0;
            self.writes_seen = 0;
            self.reads_seen = 0;
            self.rows_changed = 0;
        } else if self.tx_started_at.is_none() {
            self.tx_started_at = self.pending_tx_start.take().or(Some(Instant::now()));
        }
    }
}
