//! Small async helpers shared by handshakes: read one framed message with a
//! limit, write a buffer. The relay loop does not use these (it batches).

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use wire::{Backend, RawMessage};

use crate::error::IoError;

/// Reads until one complete tagged message is in `buf`, then takes it.
pub(crate) async fn read_message<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut BytesMut,
    max_len: usize,
) -> Result<RawMessage, IoError> {
    loop {
        if let Some(msg) = wire::parse_frame(buf, max_len)? {
            return Ok(msg);
        }
        buf.reserve(8192);
        if stream.read_buf(buf).await? == 0 {
            return Err(IoError::Closed);
        }
    }
}

/// Encodes and writes backend messages in one write.
pub(crate) async fn send_backend<S: AsyncWrite + Unpin>(stream: &mut S, msgs: &[Backend]) -> Result<(), IoError> {
    let mut out = BytesMut::new();
    msgs.iter().for_each(|m| m.encode(&mut out));
    stream.write_all(&out).await?;
    stream.flush().await?;
    Ok(())
}
