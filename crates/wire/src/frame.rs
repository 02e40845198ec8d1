//! Framing: splitting a byte stream into tagged messages without decoding
//! them. This is the proxy's hot path, so a [`RawMessage`] is just the frame's
//! bytes (tag + length + body) shared by reference count; it can be forwarded
//! as-is and decoded into a typed view only when someone needs the fields.

use bytes::{Buf, Bytes, BytesMut};

use crate::error::{Result, WireError};

/// PostgreSQL's own limit for a message (`PQ_LARGE_MESSAGE_LIMIT`, 1 GiB − 1).
pub const DEFAULT_MAX_MESSAGE_LEN: usize = 0x3fff_ffff;

/// One complete tagged message, as it was on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct RawMessage {
    frame: Bytes,
}

impl std::fmt::Debug for RawMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawMessage({:?}, {} body bytes)", self.tag() as char, self.body_len())
    }
}

impl RawMessage {
    /// Wraps a whole frame. Callers guarantee the layout (used by `encode`).
    pub(crate) fn from_frame(frame: Bytes) -> RawMessage {
        RawMessage { frame }
    }

    /// Wraps bytes that must be exactly one frame (as split off a buffer by
    /// a caller that already checked the length with [`peek_frame_len`]).
    pub fn try_from_frame(frame: Bytes) -> Result<RawMessage> {
        match peek_frame_len(&frame, usize::MAX)? {
            Some(total) if total == frame.len() => Ok(RawMessage { frame }),
            _ => Err(WireError::Truncated { what: "frame" }),
        }
    }

    /// Builds a frame from a tag and a body.
    pub fn new(tag: u8, body: &[u8]) -> RawMessage {
        let mut buf = BytesMut::with_capacity(5 + body.len());
        let at = crate::cursor::begin(&mut buf, tag);
        buf.extend_from_slice(body);
        crate::cursor::finish(&mut buf, at);
        RawMessage { frame: buf.freeze() }
    }

    pub fn tag(&self) -> u8 {
        self.frame[0]
    }

    /// The body after tag and length (a cheap slice of the frame).
    pub fn body(&self) -> Bytes {
        self.frame.slice(5..)
    }

    pub fn body_len(&self) -> usize {
        self.frame.len() - 5
    }

    /// The exact bytes of the frame, ready to forward.
    pub fn as_bytes(&self) -> &Bytes {
        &self.frame
    }

    pub fn into_bytes(self) -> Bytes {
        self.frame
    }
}

/// Length of the frame at the start of `buf`, if its header is complete.
/// Validates the length before anyone allocates for it.
pub fn peek_frame_len(buf: &[u8], max_len: usize) -> Result<Option<usize>> {
    if buf.len() < 5 {
        return Ok(None);
    }
    let len = i32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]);
    if len < 4 {
        return Err(WireError::LengthTooSmall { len: len.into() });
    }
    let len = len as usize;
    if len > max_len {
        return Err(WireError::LengthTooLarge { len: len as i64, max: max_len });
    }
    Ok(Some(len + 1))
}

/// Takes one complete message off the front of `buf`: `Ok(None)` means "need
/// more bytes" (nothing consumed). A bad length is an error at once, even
/// before the claimed bytes arrive, and nothing is allocated for it.
pub fn parse_frame(buf: &mut BytesMut, max_len: usize) -> Result<Option<RawMessage>> {
    match peek_frame_len(buf, max_len)? {
        Some(total) if buf.len() >= total => Ok(Some(RawMessage { frame: buf.split_to(total).freeze() })),
        _ => Ok(None),
    }
}

/// Same as [`parse_frame`] over an immutable buffer (fuzzing, tests):
/// returns the message and how many bytes it used.
pub fn parse_frame_slice(buf: &[u8], max_len: usize) -> Result<Option<(RawMessage, usize)>> {
    match peek_frame_len(buf, max_len)? {
        Some(total) if buf.len() >= total => {
            Ok(Some((RawMessage { frame: Bytes::copy_from_slice(&buf[..total]) }, total)))
        }
        _ => Ok(None),
    }
}

/// Skips a complete frame without copying it (for callers that forward from
/// their read buffer). Returns the frame length or `None` if incomplete.
pub fn skip_frame(buf: &mut BytesMut, max_len: usize) -> Result<Option<usize>> {
    match peek_frame_len(buf, max_len)? {
        Some(total) if buf.len() >= total => {
            buf.advance(total);
            Ok(Some(total))
        }
        _ => Ok(None),
    }
}
