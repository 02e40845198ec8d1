//! PostgreSQL v3 protocol messages, both directions, as a pure codec with no I/O.
//!
//! Layers, cheapest first:
//! - [`frame`]: split a byte buffer into [`RawMessage`]s (tag + shared bytes);
//!   `Ok(None)` means "need more bytes". Lengths are validated before anything
//!   is allocated (negative, < 4, or above a caller-chosen maximum → error).
//! - [`startup`]: the untagged first packet (StartupMessage, SSLRequest,
//!   GSSENCRequest, CancelRequest).
//! - [`frontend`] / [`backend`]: typed views decoded on demand and encoders
//!   that write into a `BytesMut` and patch the length afterwards.
//! - [`fields`]: ErrorResponse/NoticeResponse fields with a typed builder.
//! - [`command_tag`]: CommandComplete tags (rows, DDL vs DML).
//!
//! Nothing here panics on input: every read is bounds-checked and every
//! count is capped by the bytes actually present (see `tests/fuzz_smoke.rs`).

pub mod backend;
pub mod command_tag;
mod cursor;
pub mod error;
pub mod fields;
pub mod frame;
pub mod frontend;
pub mod startup;

pub use backend::{Authentication, Backend, CopyResponse, FieldDescription, TxStatus};
pub use command_tag::{CommandTag, TagKind};
pub use cursor::{begin as begin_message, finish as finish_message};
pub use error::WireError;
pub use fields::{ErrorFields, Severity};
pub use frame::{DEFAULT_MAX_MESSAGE_LEN, RawMessage, parse_frame, parse_frame_slice};
pub use frontend::{Frontend, SaslInitialResponse, Target};
pub use startup::{Startup, StartupPacket, parse_startup};
