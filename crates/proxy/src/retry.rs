//! Transparent retry of autocommit requests (the gateway retries DSQL's
//! 40001 outside explicit transactions). A request is eligible only when
//! resending it is exactly what the client asked for: it started with the
//! session idle and nothing else in flight, it is one statement (a single
//! simple-Query statement, or one Execute per Sync with no named Parse), it
//! moves no COPY data, and its failure left the session idle (nothing
//! committed). Its answer is held back until ReadyForQuery so the client
//! never sees a failed attempt; an answer larger than [`HOLD_LIMIT`] is
//! released and the request is no longer retried.

use std::time::Instant;

use bytes::{Bytes, BytesMut};
use wire::ErrorFields;

/// Largest answer held back for a possible retry.
pub(crate) const HOLD_LIMIT: usize = 1 << 20;

/// A request that may be resent.
pub(crate) struct RetryRequest {
    pub bytes: Bytes,
    pub attempt: u32,
}

#[derive(Default)]
pub(crate) struct Retry {
    pub enabled: bool,
    /// Bytes of the request being built (since the last sync point).
    request: BytesMut,
    eligible: bool,
    executes: u32,
    /// The held answer of the request in front, and its first error.
    pub held: BytesMut,
    pub held_error: Option<ErrorFields>,
    /// A retry waiting for its delay.
    pub pending: Option<(Instant, RetryRequest)>,
}

impl Retry {
    pub(crate) fn new(enabled: bool) -> Retry {
        Retry { enabled, eligible: true, ..Retry::default() }
    }

    /// Records a message forwarded upstream as part of the current request.
    pub(crate) fn observe(&mut self, tag: u8, sent: &[u8]) {
        if !self.enabled || !self.eligible {
            return;
        }
        match tag {
            b'E' => {
                self.executes += 1;
                self.eligible = self.executes == 1;
            }
            b'd' | b'c' | b'f' | b'F' => self.eligible = false,
            _ => {}
        }
        self.request.extend_from_slice(sent);
        if self.request.len() > HOLD_LIMIT {
            self.eligible = false;
        }
    }

    pub(crate) fn ineligible(&mut self) {
        self.eligible = false;
    }

    /// Ends the current request at a sync point; returns it if it may be
    /// retried (`from_idle`: session idle with nothing else in flight).
    pub(crate) fn finish_request(&mut self, from_idle: bool) -> Option<RetryRequest> {
        let ok = self.enabled && self.eligible && from_idle && !self.request.is_empty();
        let bytes = std::mem::take(&mut self.request).freeze();
        self.eligible = true;
        self.executes = 0;
        ok.then_some(RetryRequest { bytes, attempt: 0 })
    }

    pub(crate) fn retry_at(&self) -> Option<tokio::time::Instant> {
        self.pending.as_ref().map(|(at, _)| tokio::time::Instant::from_std(*at))
    }
}
