//! The upstream → client half of the relay: ReadyForQuery bookkeeping
//! (sync points, refusal ids, the abort after a CommandComplete error,
//! retries), CommandComplete and ErrorResponse hooks, and where answers go
//! (to the client, or held while a retry is possible).

use bytes::{Buf, Bytes, BytesMut};
use wire::frame::peek_frame_len;
use wire::{Backend, CommandTag, ErrorFields, Frontend, TxStatus, WireError};

use super::{End, Expect, Relay};
use crate::metrics::inc;
use crate::policy::SessionPolicy;
use crate::refusal::sentinel_id;
use crate::retry::{HOLD_LIMIT, RetryRequest};

impl<P: SessionPolicy> Relay<'_, P> {
    pub(super) fn on_upstream_bytes(&mut self) -> Result<(), End> {
        loop {
            let len = match peek_frame_len(&self.up_in, self.max_len) {
                Ok(Some(len)) if self.up_in.len() >= len => len,
                Ok(_) => return Ok(()),
                Err(e) => return Err(self.upstream_lost(&format!("upstream protocol violation: {e}"))),
            };
            let internal = matches!(self.expect.front(), Some(Expect::Abort));
            let holding = matches!(self.expect.front(), Some(Expect::Client(Some(_))));
            let tag = self.up_in[0];
            if matches!(tag, b'I' | b's') && !internal {
                // Ends a statement like CommandComplete: consumes its tag slot.
                self.tags.answered(self.sync_points_done + 1);
            }
            if !matches!(tag, b'Z' | b'S' | b'N' | b'A' | b'C' | b'E') {
                // Hot path (DataRow, RowDescription, ParseComplete, …): copy, no split.
                if !internal && !self.suppress {
                    let out = if holding { &mut self.retry.held } else { &mut self.to_client };
                    out.extend_from_slice(&self.up_in[..len]);
                    if holding && self.retry.held.len() > HOLD_LIMIT {
                        self.release_held();
                    }
                }
                self.up_in.advance(len);
                continue;
            }
            let frame = self.up_in.split_to(len);
            match tag {
                b'Z' => self.on_ready(&frame)?,
                b'S' => {
                    if let Ok(Backend::ParameterStatus { name, value }) = decode_backend(&frame) {
                        self.param_updates.push((name, value));
                    }
                    if !internal {
                        self.out().extend_from_slice(&frame);
                    }
                }
                b'N' | b'A' if !internal => self.out().extend_from_slice(&frame),
                _ if internal || self.suppress => {}
                b'C' => self.on_command_complete(&frame),
                b'E' => self.on_error(&frame),
                _ => self.out().extend_from_slice(&frame),
            }
        }
    }

    fn on_ready(&mut self, frame: &[u8]) -> Result<(), End> {
        let status = match frame.get(5).copied().map(TxStatus::from_byte) {
            Some(Ok(s)) if frame.len() == 6 => s,
            _ => return Err(self.upstream_lost("upstream sent a malformed ReadyForQuery")),
        };
        match self.expect.pop_front() {
            Some(Expect::Abort) => self.client_ready(status),
            Some(Expect::Client(Some(request))) if self.try_retry(status, &request) => {
                self.sync_points_done += 1;
                self.refusals.completed(self.sync_points_done);
                self.tags.completed(self.sync_points_done);
                self.state.ready(status);
                let attempt = request.attempt + 1;
                let delay = self.retry.pending.take().map(|(at, _)| at).unwrap_or_else(std::time::Instant::now);
                self.retry.pending = Some((delay, RetryRequest { bytes: request.bytes, attempt }));
            }
            _ => {
                let held = std::mem::take(&mut self.retry.held);
                self.to_client.extend_from_slice(&held);
                self.retry.held_error = None;
                self.sync_points_done += 1;
                self.refusals.completed(self.sync_points_done);
                self.tags.completed(self.sync_points_done);
                let abort = std::mem::take(&mut self.suppress) && status == TxStatus::InTransaction;
                if abort && self.expect.is_empty() && !self.unsynced {
                    // Make the upstream transaction fail like the client was told it did.
                    let sql = self.refusals.add(self.sync_points_sent, ErrorFields::default());
                    Frontend::Query(sql).encode(&mut self.to_up);
                    self.expect.push_back(Expect::Abort);
                } else {
                    self.client_ready(status);
                }
            }
        }
        Ok(())
    }

    /// Where answers go: held back while the front request may be retried.
    fn out(&mut self) -> &mut BytesMut {
        if matches!(self.expect.front(), Some(Expect::Client(Some(_)))) {
            &mut self.retry.held
        } else {
            &mut self.to_client
        }
    }

    /// Stops holding the front request's answer (too large): it goes to the client.
    fn release_held(&mut self) {
        if let Some(Expect::Client(slot)) = self.expect.front_mut() {
            *slot = None;
        }
        let held = std::mem::take(&mut self.retry.held);
        self.to_client.extend_from_slice(&held);
        self.retry.held_error = None;
    }

    /// Decides (at the request's ReadyForQuery) whether to resend it; if so
    /// drops the held answer and parks the delay in `retry.pending`.
    fn try_retry(&mut self, status: TxStatus, request: &RetryRequest) -> bool {
        let Some(error) = self.retry.held_error.as_ref() else { return false };
        if status != TxStatus::Idle || !self.expect.is_empty() || self.suppress {
            return false;
        }
        let Some(delay) = self.policy.retry_after(error, request.attempt + 1, &self.state) else { return false };
        inc(&self.metrics.statement_retries_total);
        self.retry.held.clear();
        self.retry.held_error = None;
        // Placeholder request; the caller moves the real bytes in.
        self.retry.pending =
            Some((std::time::Instant::now() + delay, RetryRequest { bytes: Bytes::new(), attempt: 0 }));
        true
    }

    fn client_ready(&mut self, status: TxStatus) {
        Backend::ReadyForQuery(status).encode(&mut self.to_client);
        self.state.ready(status);
        self.policy.on_ready(status, &self.state);
        self.deadline = self.policy.deadline(&self.state);
    }

    fn on_command_complete(&mut self, frame: &[u8]) {
        let tag = frame.get(5..frame.len().saturating_sub(1)).and_then(|t| std::str::from_utf8(t).ok());
        let Some(tag) = tag else {
            self.to_client.extend_from_slice(frame);
            return;
        };
        let replaced = self.tags.answered(self.sync_points_done + 1);
        let tag = CommandTag::parse(replaced.as_deref().unwrap_or(tag));
        self.state.command_completed(&tag);
        match self.policy.on_command_complete(&tag, &self.state) {
            None => match &replaced {
                Some(text) => Backend::CommandComplete(text.clone()).encode(self.out()),
                None => self.out().extend_from_slice(frame),
            },
            Some(error) => {
                inc(&self.metrics.command_complete_errors_total);
                Backend::ErrorResponse(error).encode(self.out());
                self.suppress = true;
            }
        }
    }

    fn on_error(&mut self, frame: &[u8]) {
        let Ok(Backend::ErrorResponse(mut fields)) = decode_backend(frame) else {
            self.out().extend_from_slice(frame);
            return;
        };
        if let Some(refusal) = sentinel_id(&fields).and_then(|id| self.refusals.take(id)) {
            Backend::ErrorResponse(refusal).encode(self.out());
            return;
        }
        if matches!(self.expect.front(), Some(Expect::Client(Some(_)))) && self.retry.held_error.is_none() {
            self.retry.held_error = Some(fields.clone());
        }
        inc(&self.metrics.upstream_errors_total);
        if fields.is_fatal() {
            self.upstream_fatal = true;
        }
        self.policy.on_upstream_error(&mut fields, &self.state);
        Backend::ErrorResponse(fields).encode(self.out());
    }
}

fn decode_backend(frame: &[u8]) -> Result<Backend, WireError> {
    let (msg, _) =
        wire::frame::parse_frame_slice(frame, usize::MAX)?.ok_or(WireError::Truncated { what: "backend message" })?;
    Backend::decode(&msg)
}
