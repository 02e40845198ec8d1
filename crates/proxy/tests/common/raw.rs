//! A raw-bytes client for fault tests: speaks exactly what the test writes.

use std::time::Duration;

use bytes::BytesMut;
use proxy::wire::{Backend, Startup, StartupPacket, parse_frame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct Raw {
    pub tcp: TcpStream,
    buf: BytesMut,
}

impl Raw {
    pub async fn connect(port: u16) -> Raw {
        Raw { tcp: TcpStream::connect(("127.0.0.1", port)).await.expect("connect"), buf: BytesMut::new() }
    }

    /// Connects and completes a trust startup as `postgres`.
    pub async fn login(port: u16) -> Raw {
        let mut raw = Raw::connect(port).await;
        let mut out = BytesMut::new();
        StartupPacket::Startup(Startup::new("postgres", "postgres")).encode(&mut out);
        raw.send(&out).await;
        let msgs = raw.read_until_ready().await;
        assert!(matches!(msgs.last(), Some(Backend::ReadyForQuery(_))), "login: {msgs:?}");
        raw
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        let _ = self.tcp.write_all(bytes).await;
    }

    /// Next message, or `None` on EOF / timeout (5 s).
    pub async fn next(&mut self) -> Option<Backend> {
        loop {
            if let Ok(Some(msg)) = parse_frame(&mut self.buf, 1 << 30) {
                return Backend::decode(&msg).ok();
            }
            match tokio::time::timeout(Duration::from_secs(5), self.tcp.read_buf(&mut self.buf)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return None,
            }
        }
    }

    pub async fn read_until_ready(&mut self) -> Vec<Backend> {
        let mut out = Vec::new();
        while let Some(m) = self.next().await {
            let done = matches!(m, Backend::ReadyForQuery(_));
            out.push(m);
            if done {
                break;
            }
        }
        out
    }

    /// Reads everything until the peer closes; fails the test after 5 s.
    pub async fn read_to_close(&mut self) -> Vec<Backend> {
        let mut out = Vec::new();
        while let Some(m) = self.next().await {
            out.push(m);
        }
        out
    }
}
