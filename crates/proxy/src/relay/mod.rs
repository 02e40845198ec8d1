//! The relay loop of one client session: one task, both directions.
//!
//! Each side has an input buffer and an output buffer; `select!` reads
//! whichever side is readable and writes whichever output is pending, so a
//! large pipelined batch can never deadlock two blocked writers, and reading
//! a side stops while the opposite output holds `max_buffered` bytes
//! (backpressure). Messages are forwarded by copying their frame bytes into
//! the output buffer — no per-message allocation — and only the few tags the
//! proxy must understand (Query, Parse, ReadyForQuery, CommandComplete,
//! ErrorResponse, ParameterStatus) are looked at.
//!
//! Answers are matched to requests through `expect`: one entry per sync
//! point sent upstream (Query, Sync, FunctionCall), plus internal entries for
//! the statement the proxy sends to abort a transaction after a
//! CommandComplete hook failed it.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;
use wire::frame::peek_frame_len;
use wire::{ErrorFields, Frontend, TxStatus, WireError};

use crate::metrics::{Metrics, inc};
use crate::policy::{Deadline, Decision, SessionPolicy, Statement, StatementSource};
use crate::refusal::PendingRefusals;
use crate::retry::{Retry, RetryRequest};
use crate::split::split_statements;
use crate::state::SessionState;

mod answers;
mod tags;

use tags::TagOverrides;

/// Why a session ended.
#[derive(Debug)]
pub(crate) enum End {
    /// Terminate, EOF or I/O error on the client side.
    ClientGone,
    /// The client broke the protocol; it gets this FATAL.
    ClientProtocol(ErrorFields),
    /// The policy ended the session with this FATAL.
    Terminated(ErrorFields),
    /// The upstream closed, failed or broke the protocol.
    UpstreamLost { fatal_forwarded: bool, reason: String },
}

enum Expect {
    /// A client sync point; `Some` if it may be retried (its answer is held).
    Client(Option<RetryRequest>),
    /// Our abort statement; its ReadyForQuery is the one the client is owed.
    Abort,
}

pub(crate) struct Relay<'m, P> {
    pub policy: P,
    pub state: SessionState,
    pub metrics: &'m Metrics,
    pub max_len: usize,
    pub max_buffered: usize,
    pub client_in: BytesMut,
    pub up_in: BytesMut,
    pub to_up: BytesMut,
    pub to_client: BytesMut,
    expect: VecDeque<Expect>,
    /// Extended-protocol messages sent since the last Sync.
    unsynced: bool,
    sync_points_sent: u64,
    sync_points_done: u64,
    refusals: PendingRefusals,
    /// A CommandComplete hook failed the current request: drop answers until ReadyForQuery.
    suppress: bool,
    deadline: Option<Deadline>,
    upstream_fatal: bool,
    retry: Retry,
    /// CommandComplete tags to replace (rewrites with a tag).
    tags: TagOverrides,
    /// ParameterStatus changes seen (applied to the pooled connection afterwards).
    pub param_updates: Vec<(String, String)>,
    /// Becomes true when the server drains; the session then ends at the
    /// next point between transactions.
    pub drain: Option<watch::Receiver<bool>>,
    draining: bool,
}

fn protocol_fatal(e: &WireError) -> ErrorFields {
    ErrorFields::fatal("08P01", format!("protocol violation: {e}"))
}

impl<'m, P: SessionPolicy> Relay<'m, P> {
    pub(crate) fn new(
        policy: P,
        state: SessionState,
        metrics: &'m Metrics,
        max_len: usize,
        max_buffered: usize,
    ) -> Self {
        Relay {
            policy,
            state,
            metrics,
            max_len,
            max_buffered,
            // Output buffers grow on demand: an idle session holds only its
            // two read buffers (see `ensure_room`).
            client_in: BytesMut::new(),
            up_in: BytesMut::new(),
            to_up: BytesMut::new(),
            to_client: BytesMut::new(),
            expect: VecDeque::new(),
            unsynced: false,
            sync_points_sent: 0,
            sync_points_done: 0,
            refusals: PendingRefusals::default(),
            suppress: false,
            deadline: None,
            upstream_fatal: false,
            retry: Retry::new(false),
            tags: TagOverrides::default(),
            param_updates: Vec::new(),
            drain: None,
            draining: false,
        }
    }

    /// True when no answer is outstanding, so the upstream is between requests.
    pub(crate) fn quiescent(&self) -> bool {
        self.expect.is_empty() && !self.unsynced && !self.suppress && self.to_up.is_empty() && self.up_in.is_empty()
    }

    pub(crate) async fn run<CR, CW, UR, UW>(
        &mut self,
        client_r: &mut CR,
        client_w: &mut CW,
        up_r: &mut UR,
        up_w: &mut UW,
    ) -> End
    where
        CR: AsyncRead + Unpin,
        CW: AsyncWrite + Unpin,
        UR: AsyncRead + Unpin,
        UW: AsyncWrite + Unpin,
    {
        self.deadline = self.policy.deadline(&self.state);
        self.retry = Retry::new(self.policy.retries_enabled());
        let (mut flush_client, mut flush_up) = (false, false);
        // One timer for the session deadline, re-armed only when the deadline
        // moves: a fresh `sleep_until` per loop turn would register and
        // cancel a timer entry several times per request.
        let deadline_timer = tokio::time::sleep_until(tokio::time::Instant::now());
        tokio::pin!(deadline_timer);
        let mut armed: Option<std::time::Instant> = None;
        loop {
            if self.draining && self.quiescent() && self.state.status == TxStatus::Idle && self.client_in.is_empty() {
                return End::Terminated(ErrorFields::fatal(
                    "57P01",
                    "terminating connection due to administrator command",
                ));
            }
            ensure_room(&mut self.client_in, self.max_len);
            ensure_room(&mut self.up_in, self.max_len);
            let read_client = self.to_up.len() < self.max_buffered;
            let read_up = self.to_client.len() < self.max_buffered;
            let deadline = self.deadline.as_ref().map(|d| d.at);
            if deadline != armed {
                if let Some(at) = deadline {
                    deadline_timer.as_mut().reset(tokio::time::Instant::from_std(at));
                }
                armed = deadline;
            }
            let retry_at = self.retry.retry_at();
            tokio::select! {
                r = client_r.read_buf(&mut self.client_in), if read_client => match r {
                    Ok(0) | Err(_) => return End::ClientGone,
                    Ok(n) => {
                        self.metrics.bytes_to_upstream_total.fetch_add(n as u64, Ordering::Relaxed);
                        if let Err(end) = self.on_client_bytes().await {
                            return end;
                        }
                    }
                },
                r = up_r.read_buf(&mut self.up_in), if read_up => match r {
                    Ok(0) => return self.upstream_lost("upstream closed the connection"),
                    Err(e) => return self.upstream_lost(&e.to_string()),
                    Ok(n) => {
                        self.metrics.bytes_to_client_total.fetch_add(n as u64, Ordering::Relaxed);
                        if let Err(end) = self.on_upstream_bytes() {
                            return end;
                        }
                    }
                },
                r = write_some(up_w, &mut self.to_up, &mut flush_up), if !self.to_up.is_empty() || flush_up => {
                    if let Err(e) = r {
                        return self.upstream_lost(&e.to_string());
                    }
                },
                r = write_some(client_w, &mut self.to_client, &mut flush_client), if !self.to_client.is_empty() || flush_client => {
                    if r.is_err() {
                        return End::ClientGone;
                    }
                },
                _ = sleep_until(retry_at), if retry_at.is_some() => {
                    if let Some((_, request)) = self.retry.pending.take() {
                        self.to_up.extend_from_slice(&request.bytes);
                        self.sync_points_sent += 1;
                        self.expect.push_back(Expect::Client(Some(request)));
                    }
                    // Client messages that arrived meanwhile go after the retry.
                    if let Err(end) = self.on_client_bytes().await {
                        return end;
                    }
                },
                _ = drain_started(&mut self.drain), if !self.draining => self.draining = true,
                _ = &mut deadline_timer, if armed.is_some() => {
                    inc(&self.metrics.deadline_terminations_total);
                    let error = self.deadline.take().map(|d| d.error).unwrap_or_default();
                    return End::Terminated(error);
                },
            }
        }
    }

    fn upstream_lost(&mut self, reason: &str) -> End {
        inc(&self.metrics.upstream_lost_total);
        End::UpstreamLost { fatal_forwarded: self.upstream_fatal, reason: reason.to_string() }
    }

    // ---- client → upstream ----

    async fn on_client_bytes(&mut self) -> Result<(), End> {
        loop {
            if self.retry.pending.is_some() {
                // Hold the client's next request until the retry is sent.
                return Ok(());
            }
            let len = match peek_frame_len(&self.client_in, self.max_len) {
                Ok(Some(len)) if self.client_in.len() >= len => len,
                Ok(_) => return Ok(()),
                Err(e) => {
                    inc(&self.metrics.client_protocol_errors_total);
                    return Err(End::ClientProtocol(protocol_fatal(&e)));
                }
            };
            let tag = self.client_in[0];
            let before = self.to_up.len();
            match tag {
                b'Q' => {
                    let frame = self.client_in.split_to(len).freeze();
                    self.on_query(frame).await?;
                }
                b'P' => {
                    let frame = self.client_in.split_to(len).freeze();
                    self.on_parse(frame).await?;
                    self.unsynced = true;
                }
                b'S' => {
                    self.forward_client(len);
                    self.unsynced = false;
                }
                b'F' => self.forward_client(len),
                b'B' | b'D' | b'E' | b'C' | b'H' => {
                    if self.tags.tracking() {
                        self.track_tags(tag, len);
                    }
                    self.forward_client(len);
                    self.unsynced = true;
                }
                b'd' | b'c' | b'f' => self.forward_client(len),
                b'X' => return Err(End::ClientGone),
                other => {
                    inc(&self.metrics.client_protocol_errors_total);
                    return Err(End::ClientProtocol(ErrorFields::fatal(
                        "08P01",
                        format!("invalid frontend message type {other}"),
                    )));
                }
            }
            self.retry.observe(tag, &self.to_up[before..]);
            if matches!(tag, b'Q' | b'S' | b'F') {
                self.sync_point();
            }
        }
    }

    /// Follows Bind/Execute of statements whose tag is overridden.
    fn track_tags(&mut self, tag: u8, len: usize) {
        let frame = &self.client_in[..len];
        match tag {
            b'B' => {
                if let Some((portal, statement)) = tags::bind_names(frame) {
                    self.tags.bind(portal, statement);
                }
            }
            b'E' => {
                if let Some(portal) = tags::execute_portal(frame) {
                    self.tags.execute(self.sync_points_sent + 1, portal);
                }
            }
            _ => {}
        }
    }

    fn forward_client(&mut self, len: usize) {
        self.to_up.extend_from_slice(&self.client_in[..len]);
        self.client_in.advance(len);
    }

    fn sync_point(&mut self) {
        self.sync_points_sent += 1;
        let from_idle = self.expect.is_empty() && self.state.status == TxStatus::Idle && !self.suppress;
        let retry = self.retry.finish_request(from_idle);
        self.expect.push_back(Expect::Client(retry));
    }

    async fn judge(&mut self, sql: &str, source: StatementSource<'_>) -> Decision {
        inc(&self.metrics.statements_total);
        self.state.statement_sent();
        let d = self.policy.on_statement(Statement { sql, source }, &self.state).await;
        match &d {
            Decision::Rewrite(_) | Decision::RewriteWithTag { .. } => inc(&self.metrics.statements_rewritten_total),
            Decision::Refuse(_) => inc(&self.metrics.statements_refused_total),
            _ => {}
        }
        d
    }

    async fn on_query(&mut self, frame: Bytes) -> Result<(), End> {
        let sql = match wire::frontend::query_text_of_frame(&frame) {
            Ok(sql) => sql,
            Err(e) => return Err(End::ClientProtocol(protocol_fatal(&e))),
        };
        let statements = split_statements(sql);
        let count = statements.len();
        // Hot path: one statement, forwarded as the original bytes.
        let mut parts: Vec<Option<String>> = Vec::new();
        let mut tags: Vec<Option<String>> = Vec::new();
        let mut refused = None;
        for (index, stmt) in statements.iter().enumerate() {
            match self.judge(stmt, StatementSource::Simple { index, count }).await {
                Decision::Forward => {
                    if !parts.is_empty() {
                        parts.push(None);
                    }
                }
                Decision::Rewrite(sql) => {
                    parts.resize(index, None);
                    parts.push(Some(sql));
                }
                Decision::RewriteWithTag { sql, tag } => {
                    parts.resize(index, None);
                    parts.push(Some(sql));
                    tags.resize(index, None);
                    tags.push(Some(tag));
                }
                Decision::Refuse(fields) => {
                    refused = Some((index, fields));
                    break;
                }
                Decision::Terminate(fields) => return Err(End::Terminated(fields)),
            }
        }
        if count != 1 || refused.is_some() {
            self.retry.ineligible();
        }
        if refused.is_none() && parts.is_empty() {
            self.to_up.extend_from_slice(&frame);
            return Ok(());
        }
        if !tags.is_empty() {
            tags.resize(count, None);
            self.tags.query(self.sync_points_sent + 1, tags);
        }
        // Statements before a refusal run; those after it never would.
        let kept = refused.as_ref().map_or(count, |(index, _)| *index);
        parts.resize(kept, None);
        let mut text: Vec<String> =
            parts.into_iter().zip(&statements).map(|(p, s)| p.unwrap_or_else(|| (*s).to_string())).collect();
        if let Some((_, fields)) = refused {
            text.push(self.refusals.add(self.sync_points_sent + 1, fields));
        }
        Frontend::Query(text.join(";\n")).encode(&mut self.to_up);
        Ok(())
    }

    async fn on_parse(&mut self, frame: Bytes) -> Result<(), End> {
        let parsed = wire::RawMessage::try_from_frame(frame.clone()).and_then(|m| Frontend::decode(&m));
        let parse = match parsed {
            Ok(Frontend::Parse(p)) => p,
            Err(e) => return Err(End::ClientProtocol(protocol_fatal(&e))),
            Ok(_) => return Err(End::ClientProtocol(ErrorFields::fatal("08P01", "malformed Parse message"))),
        };
        if !parse.name.is_empty() {
            // Resending a named Parse that succeeded would fail (42P05).
            self.retry.ineligible();
        }
        let source = StatementSource::Parse { name: &parse.name, param_types: &parse.param_types };
        let query = parse.query.trim().trim_end_matches(';').trim_end();
        let decision = self.judge(query, source).await;
        if self.tags.tracking() || matches!(decision, Decision::RewriteWithTag { .. }) {
            let tag = match &decision {
                Decision::RewriteWithTag { tag, .. } => Some(tag.clone()),
                _ => None,
            };
            self.tags.parse(&parse.name, tag);
        }
        match decision {
            Decision::Forward => self.to_up.extend_from_slice(&frame),
            Decision::Rewrite(sql) | Decision::RewriteWithTag { sql, .. } => {
                Frontend::Parse(wire::frontend::Parse { query: sql, ..parse }).encode(&mut self.to_up)
            }
            Decision::Refuse(fields) => {
                self.retry.ineligible();
                let sql = self.refusals.add(self.sync_points_sent + 1, fields);
                Frontend::Parse(wire::frontend::Parse { name: parse.name, query: sql, param_types: Vec::new() })
                    .encode(&mut self.to_up);
            }
            Decision::Terminate(fields) => return Err(End::Terminated(fields)),
        }
        Ok(())
    }
}

/// Free space kept for each read: small, because every idle session holds
/// two of these (gateway target: 1,000 idle clients), yet larger than a
/// typical OLTP request or answer so those take one read.
const READ_ROOM: usize = 4096;

/// Keeps free space for the next read; for a large incomplete frame grows
/// in steps (never by the claimed length at once).
fn ensure_room(buf: &mut BytesMut, max_len: usize) {
    let want = match peek_frame_len(buf, max_len) {
        Ok(Some(total)) if total > buf.len() => (total - buf.len()).clamp(READ_ROOM, 1 << 20),
        _ => READ_ROOM,
    };
    if buf.capacity() - buf.len() < want / 2 {
        buf.reserve(want);
    }
}

/// One write (or a flush once the buffer is drained). Cancel-safe: a write
/// either happened (and the buffer advanced) or did not.
async fn write_some<W: AsyncWrite + Unpin>(
    w: &mut W,
    buf: &mut BytesMut,
    needs_flush: &mut bool,
) -> std::io::Result<()> {
    if buf.is_empty() {
        w.flush().await?;
        *needs_flush = false;
        return Ok(());
    }
    let n = w.write(buf).await?;
    if n == 0 {
        return Err(std::io::ErrorKind::WriteZero.into());
    }
    buf.advance(n);
    *needs_flush = true;
    Ok(())
}

/// Completes when the server starts draining; never without a drain signal.
async fn drain_started(drain: &mut Option<watch::Receiver<bool>>) {
    match drain {
        Some(rx) => crate::server::drain_started(rx).await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
