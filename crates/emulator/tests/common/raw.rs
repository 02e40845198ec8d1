//! A minimal PostgreSQL client over the `wire` codec, for tests that need
//! what tokio-postgres hides: command tags, text-format rows, the exact
//! extended-protocol message sequence, and malformed input.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use wire::frontend::{Bind, Parse};
use wire::{Authentication, Backend, Frontend, RawMessage, Startup, StartupPacket, Target};

/// One statement's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Ok { tag: String, columns: Vec<String>, types: Vec<u32>, rows: Vec<Vec<Option<String>>> },
    Error { sqlstate: String, message: String },
}

pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

pub struct RawClient {
    stream: Box<dyn Io>,
    buf: BytesMut,
}

/// TLS to the emulator, verified against its CA for `hostname`.
pub async fn tls_stream(ca_file: &Path, hostname: &str, port: u16) -> std::io::Result<Box<dyn Io>> {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let mut out = BytesMut::new();
    StartupPacket::SslRequest.encode(&mut out);
    tcp.write_all(&out).await?;
    let mut answer = [0u8; 1];
    tcp.read_exact(&mut answer).await?;
    if answer[0] != b'S' {
        return Err(std::io::Error::other("server refused TLS"));
    }
    let connector = tokio_rustls::TlsConnector::from(Arc::new(super::tls_config(ca_file)));
    let name = rustls_pki_types::ServerName::try_from(hostname.to_string()).map_err(std::io::Error::other)?;
    Ok(Box::new(connector.connect(name, tcp).await?))
}

impl RawClient {
    pub fn over(stream: Box<dyn Io>) -> RawClient {
        RawClient { stream, buf: BytesMut::new() }
    }

    /// Startup + cleartext password; Err carries the server's (SQLSTATE, message).
    pub async fn login(stream: Box<dyn Io>, user: &str, password: &str) -> Result<RawClient, (String, String)> {
        let mut client = RawClient::over(stream);
        let mut out = BytesMut::new();
        StartupPacket::Startup(Startup::new(user, "postgres")).encode(&mut out);
        client.send_bytes(&out).await.map_err(|e| ("io".into(), e.to_string()))?;
        loop {
            let msg = client.recv().await.map_err(|e| ("io".into(), e.to_string()))?;
            match msg {
                Backend::Authentication(Authentication::CleartextPassword) => {
                    let mut out = BytesMut::new();
                    wire::frontend::encode_password(&mut out, password.as_bytes());
                    client.send_bytes(&out).await.map_err(|e| ("io".into(), e.to_string()))?;
                }
                Backend::ErrorResponse(f) => return Err((f.sqlstate().to_string(), f.message().to_string())),
                Backend::ReadyForQuery(_) => return Ok(client),
                _ => {}
            }
        }
    }

    pub async fn send_bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes).await?;
        self.stream.flush().await
    }

    pub async fn send(&mut self, msgs: &[Frontend]) -> std::io::Result<()> {
        let mut out = BytesMut::new();
        for m in msgs {
            m.encode(&mut out);
        }
        self.send_bytes(&out).await
    }

    pub async fn recv(&mut self) -> std::io::Result<Backend> {
        loop {
            if let Some(raw) =
                wire::parse_frame(&mut self.buf, wire::DEFAULT_MAX_MESSAGE_LEN).map_err(std::io::Error::other)?
            {
                return Backend::decode(&raw).map_err(std::io::Error::other);
            }
            let n = self.stream.read_buf(&mut self.buf).await?;
            if n == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "server closed the connection"));
            }
        }
    }

    /// One statement through Parse/Bind/Describe/Execute/Sync, text results.
    pub async fn extended(&mut self, sql: &str) -> std::io::Result<Outcome> {
        self.send(&[
            Frontend::Parse(Parse { name: String::new(), query: sql.into(), param_types: vec![] }),
            Frontend::Bind(Bind {
                portal: String::new(),
                statement: String::new(),
                param_formats: vec![],
                params: vec![],
                result_formats: vec![0],
            }),
            Frontend::Describe { target: Target::Portal, name: String::new() },
            Frontend::Execute { portal: String::new(), max_rows: 0 },
            Frontend::Sync,
        ])
        .await?;
        let mut results = self.collect().await?;
        Ok(results.pop().unwrap_or(Outcome::Ok { tag: String::new(), columns: vec![], types: vec![], rows: vec![] }))
    }

    /// One simple Query; one outcome per statement that ran (an error ends it).
    pub async fn simple(&mut self, sql: &str) -> std::io::Result<Vec<Outcome>> {
        self.send(&[Frontend::Query(sql.into())]).await?;
        self.collect().await
    }

    async fn collect(&mut self) -> std::io::Result<Vec<Outcome>> {
        let mut results = Vec::new();
        let (mut columns, mut types, mut rows) = (Vec::new(), Vec::new(), Vec::new());
        loop {
            match self.recv().await? {
                Backend::RowDescription(fields) => {
                    columns = fields.iter().map(|f| f.name.clone()).collect();
                    types = fields.iter().map(|f| f.type_oid).collect();
                }
                Backend::DataRow(values) => {
                    rows.push(values.into_iter().map(|v| v.map(|b| String::from_utf8_lossy(&b).into_owned())).collect())
                }
                Backend::CommandComplete(tag) => results.push(Outcome::Ok {
                    tag,
                    columns: std::mem::take(&mut columns),
                    types: std::mem::take(&mut types),
                    rows: std::mem::take(&mut rows),
                }),
                Backend::EmptyQueryResponse => {}
                Backend::ErrorResponse(f) => {
                    results.push(Outcome::Error { sqlstate: f.sqlstate().into(), message: f.message().into() })
                }
                Backend::ReadyForQuery(_) => return Ok(results),
                _ => {}
            }
        }
    }

    /// The raw next frame (fault tests).
    pub async fn recv_raw(&mut self) -> std::io::Result<RawMessage> {
        loop {
            if let Some(raw) =
                wire::parse_frame(&mut self.buf, wire::DEFAULT_MAX_MESSAGE_LEN).map_err(std::io::Error::other)?
            {
                return Ok(raw);
            }
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed"));
            }
        }
    }
}
