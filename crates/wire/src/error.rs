//! The one error type of the codec: every way a byte string can fail to be a
//! valid PostgreSQL v3 message.

use thiserror::Error;

/// Why bytes could not be decoded. Each variant says what was wrong; a proxy
/// turns it into a FATAL 08P01 ("protocol violation") for the peer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WireError {
    #[error("message length {len} is invalid: a length counts itself, so it must be at least 4")]
    LengthTooSmall { len: i64 },
    #[error("message length {len} exceeds the limit of {max} bytes")]
    LengthTooLarge { len: i64, max: usize },
    #[error("unsupported frontend protocol {major}.{minor}: only protocol 3.x is supported")]
    UnsupportedProtocol { major: u16, minor: u16 },
    #[error("startup packet has no \"user\" parameter; every connection must name a user")]
    MissingUser,
    #[error("unknown {direction} message type {tag:?}")]
    UnknownTag { direction: &'static str, tag: char },
    #[error("{what}: message body ended early")]
    Truncated { what: &'static str },
    #[error("{what}: {extra} unexpected bytes after the end of the message")]
    TrailingBytes { what: &'static str, extra: usize },
    #[error("{what}: string is not valid UTF-8")]
    InvalidUtf8 { what: &'static str },
    #[error("{what}: string has no NUL terminator")]
    MissingNul { what: &'static str },
    #[error("{what}: {detail}")]
    Invalid { what: &'static str, detail: String },
}

pub type Result<T> = std::result::Result<T, WireError>;
