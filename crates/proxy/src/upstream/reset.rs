//! Making a used upstream session safe to hand to the next client: roll back
//! whatever transaction the last client left open, run the reset query
//! (e.g. `DISCARD ALL`), and check the socket is still alive.

use std::time::Duration;

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;
use wire::{Backend, Frontend, TxStatus};

use super::UpstreamConn;
use crate::error::IoError;
use crate::msgio::read_message;

/// Rolls back (if `in_transaction`) and runs `reset_query`; succeeds only if
/// the upstream ends idle with no error. Each statement is its own Query
/// because `DISCARD ALL` may not run inside a (implicit) transaction block.
pub async fn reset(
    conn: &mut UpstreamConn,
    in_transaction: bool,
    reset_query: Option<&str>,
    timeout: Duration,
) -> Result<(), IoError> {
    let work = async {
        let mut out = BytesMut::new();
        let mut expected = 0;
        if in_transaction {
            Frontend::Query("ROLLBACK".into()).encode(&mut out);
            expected += 1;
        }
        if let Some(q) = reset_query {
            Frontend::Query(q.into()).encode(&mut out);
            expected += 1;
        }
        if expected == 0 {
            return Ok(());
        }
        conn.stream.write_all(&out).await?;
        let mut failed = None;
        let mut last = TxStatus::Idle;
        while expected > 0 {
            let msg = read_message(&mut conn.stream, &mut conn.read_buf, wire::DEFAULT_MAX_MESSAGE_LEN).await?;
            match msg.tag() {
                b'Z' => {
                    expected -= 1;
                    last = wire::backend::ready_status(&msg).unwrap_or(TxStatus::Failed);
                }
                b'E' => failed = Some(Backend::decode(&msg).map(|m| format!("{m:?}")).unwrap_or_default()),
                b'S' => {
                    if let Ok(Backend::ParameterStatus { name, value }) = Backend::decode(&msg) {
                        conn.set_param(&name, &value);
                    }
                }
                _ => {}
            }
        }
        match (failed, last) {
            (None, TxStatus::Idle) => Ok(()),
            (f, s) => Err(IoError::Io(std::io::Error::other(format!("reset left status {s:?}, error {f:?}")))),
        }
    };
    tokio::time::timeout(timeout, work).await.map_err(|_| IoError::Timeout(timeout))?
}

/// True if the idle upstream socket has neither closed nor sent anything.
/// An idle PostgreSQL session sends nothing unless it is terminating
/// (FATAL 57P01 etc.), so any readable byte or EOF means "do not reuse".
pub fn is_alive(conn: &UpstreamConn) -> bool {
    if !conn.read_buf.is_empty() {
        return false;
    }
    conn.stream.is_quiet()
}
