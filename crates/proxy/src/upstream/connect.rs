//! [`PgConnector`]: opens a PostgreSQL session over TCP (optionally TLS) and
//! runs the client side of authentication. SCRAM-SHA-256 uses
//! `postgres_protocol::authentication::sasl::ScramSha256`, a state machine we
//! feed the server's messages, instead of a hand-rolled one.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use postgres_protocol::authentication::sasl::{ChannelBinding, SCRAM_SHA_256, ScramSha256};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};
use wire::{Authentication, Backend, SaslInitialResponse, Startup, StartupPacket};

use super::{CancelTarget, Connector, UpstreamConn};
use crate::auth::Identity;
use crate::error::{IoError, UpstreamError};
use crate::msgio::read_message;
use crate::stream::{MaybeTls, UpstreamStream};

/// A boxed future returned by [`TokenSource`] (object-safe on purpose: the
/// gateway stores one behind `Arc<dyn TokenSource>`).
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>>;

/// Produces a password per connection (e.g. a fresh IAM token).
pub trait TokenSource: Send + Sync + 'static {
    fn password<'a>(&'a self, identity: &'a Identity) -> TokenFuture<'a>;
}

/// Where the upstream password comes from.
#[derive(Clone, Default)]
pub enum PasswordSource {
    /// Trust auth upstream; a password request is an error.
    #[default]
    None,
    Static(String),
    PerConnection(Arc<dyn TokenSource>),
}

/// TLS to the upstream: rustls client config plus the name to verify.
#[derive(Clone)]
pub struct UpstreamTls {
    pub config: Arc<rustls::ClientConfig>,
    pub server_name: ServerName<'static>,
}

/// The standard connector to a PostgreSQL-compatible server.
#[derive(Clone)]
pub struct PgConnector {
    pub host: String,
    pub port: u16,
    pub tls: Option<UpstreamTls>,
    pub password: PasswordSource,
    /// Log in as this user instead of the client's (gateway `--upstream-user`).
    pub user_override: Option<String>,
    /// Extra startup parameters for every upstream session.
    pub startup_params: Vec<(String, String)>,
    pub connect_timeout: Duration,
    pub max_message_len: usize,
    /// Reach the server through this Unix-domain socket (a server on this
    /// machine; no TLS) instead of TCP; `host:port` stays the address
    /// cancel requests go to.
    pub unix_socket: Option<PathBuf>,
}

impl PgConnector {
    /// Plain TCP, trust auth, 10 s connect timeout.
    pub fn new(host: impl Into<String>, port: u16) -> PgConnector {
        PgConnector {
            host: host.into(),
            port,
            tls: None,
            password: PasswordSource::None,
            user_override: None,
            startup_params: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            max_message_len: wire::DEFAULT_MAX_MESSAGE_LEN,
            unix_socket: None,
        }
    }

    pub fn with_password(mut self, password: PasswordSource) -> PgConnector {
        self.password = password;
        self
    }

    pub fn with_tls(mut self, tls: UpstreamTls) -> PgConnector {
        self.tls = Some(tls);
        self
    }

    fn addr(&self) -> String {
        match &self.unix_socket {
            Some(path) => path.display().to_string(),
            None => format!("{}:{}", self.host, self.port),
        }
    }

    /// The transport, before any PostgreSQL message; also where cancel
    /// requests for this session go.
    async fn transport(&self) -> Result<(UpstreamStream, SocketAddr), UpstreamError> {
        let addr = self.addr();
        let connect_err = |source| UpstreamError::Connect { addr: addr.clone(), source };
        if let Some(path) = &self.unix_socket {
            let unix = UnixStream::connect(path).await.map_err(connect_err)?;
            let tcp_addr = format!("{}:{}", self.host, self.port);
            let no_addr = || std::io::Error::other(format!("{tcp_addr} did not resolve (needed for cancel requests)"));
            let cancel_addr = tokio::net::lookup_host(&tcp_addr).await.map_err(connect_err)?.next();
            return Ok((MaybeTls::Unix(unix), cancel_addr.ok_or_else(no_addr).map_err(connect_err)?));
        }
        let tcp = TcpStream::connect(&addr).await.map_err(connect_err)?;
        let _ = tcp.set_nodelay(true);
        let peer = tcp.peer_addr().map_err(connect_err)?;
        let stream = match &self.tls {
            None => MaybeTls::Plain(tcp),
            Some(tls) => MaybeTls::Tls(Box::new(self.start_tls(tcp, tls).await?)),
        };
        Ok((stream, peer))
    }

    async fn password_for(&self, identity: &Identity) -> Result<String, UpstreamError> {
        match &self.password {
            PasswordSource::None => Err(UpstreamError::PasswordRequired),
            PasswordSource::Static(p) => Ok(p.clone()),
            PasswordSource::PerConnection(src) => src.password(identity).await.map_err(UpstreamError::Credential),
        }
    }

    async fn open(&self, identity: &Identity) -> Result<UpstreamConn, UpstreamError> {
        let io_err = |source: IoError| UpstreamError::Io { addr: self.addr(), source };
        let (mut stream, peer) = self.transport().await?;

        let user = self.user_override.clone().unwrap_or_else(|| identity.user.clone());
        let mut startup = Startup::new(&user, &identity.database);
        startup.params.extend(self.startup_params.iter().cloned());
        let mut out = BytesMut::new();
        StartupPacket::Startup(startup).encode(&mut out);
        stream.write_all(&out).await.map_err(|e| io_err(e.into()))?;

        let mut buf = BytesMut::new();
        let mut scram: Option<ScramSha256> = None;
        let mut params = Vec::new();
        let mut cancel = None;
        loop {
            let msg = read_message(&mut stream, &mut buf, self.max_message_len).await.map_err(io_err)?;
            let decoded = Backend::decode(&msg).map_err(|e| io_err(e.into()))?;
            out.clear();
            match decoded {
                Backend::Authentication(auth) => match auth {
                    Authentication::Ok => continue,
                    Authentication::CleartextPassword => {
                        let pw = self.password_for(identity).await?;
                        wire::frontend::encode_password(&mut out, pw.as_bytes());
                    }
                    Authentication::Md5Password { salt } => {
                        let pw = self.password_for(identity).await?;
                        let hash = postgres_protocol::authentication::md5_hash(user.as_bytes(), pw.as_bytes(), salt);
                        wire::frontend::encode_password(&mut out, hash.as_bytes());
                    }
                    Authentication::Sasl { mechanisms } => {
                        if !mechanisms.iter().any(|m| m == SCRAM_SHA_256) {
                            return Err(UpstreamError::UnsupportedAuth { method: format!("SASL {mechanisms:?}") });
                        }
                        let pw = self.password_for(identity).await?;
                        // Channel binding is not offered: we may not be on TLS,
                        // and SCRAM-SHA-256-PLUS is not required by servers.
                        let s = ScramSha256::new(pw.as_bytes(), ChannelBinding::unsupported());
                        SaslInitialResponse {
                            mechanism: SCRAM_SHA_256.into(),
                            data: Some(s.message().to_vec().into()),
                        }
                        .encode(&mut out);
                        scram = Some(s);
                    }
                    Authentication::SaslContinue(data) => {
                        let s = scram.take().ok_or(UpstreamError::Unexpected { tag: 'R', phase: "SASL continue" })?;
                        let s = salted_proof(s, data).await?;
                        wire::frontend::encode_sasl_response(&mut out, s.message());
                        scram = Some(s);
                    }
                    Authentication::SaslFinal(data) => {
                        let s = scram.as_mut().ok_or(UpstreamError::Unexpected { tag: 'R', phase: "SASL final" })?;
                        s.finish(&data).map_err(UpstreamError::Scram)?;
                        continue;
                    }
                    Authentication::Other { code, .. } => {
                        return Err(UpstreamError::UnsupportedAuth {
                            method: format!("code {code} (Kerberos/GSS/SSPI)"),
                        });
                    }
                },
                Backend::ParameterStatus { name, value } => {
                    params.push((name, value));
                    continue;
                }
                Backend::BackendKeyData { process_id, secret_key } => {
                    cancel = Some(CancelTarget { addr: peer, process_id, secret_key });
                    continue;
                }
                Backend::ErrorResponse(fields) => return Err(UpstreamError::Rejected(fields)),
                Backend::NoticeResponse(_) => continue,
                Backend::NegotiateProtocolVersion { .. } => continue,
                Backend::ReadyForQuery(_) => {
                    return Ok(UpstreamConn {
                        stream,
                        read_buf: buf,
                        params,
                        cancel,
                        opened_at: Instant::now(),
                        identity: identity.clone(),
                    });
                }
                _ => return Err(UpstreamError::Unexpected { tag: msg.tag() as char, phase: "startup" }),
            }
            stream.write_all(&out).await.map_err(|e| io_err(e.into()))?;
        }
    }

    async fn start_tls(
        &self,
        mut tcp: TcpStream,
        tls: &UpstreamTls,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, UpstreamError> {
        let addr = self.addr();
        let mut out = BytesMut::new();
        StartupPacket::SslRequest.encode(&mut out);
        let io = |source: std::io::Error| UpstreamError::Tls { addr: addr.clone(), source };
        tcp.write_all(&out).await.map_err(io)?;
        let answer = tcp.read_u8().await.map_err(io)?;
        if answer != b'S' {
            return Err(UpstreamError::TlsRefused { addr: addr.clone() });
        }
        tokio_rustls::TlsConnector::from(tls.config.clone()).connect(tls.server_name.clone(), tcp).await.map_err(io)
    }
}

/// Feeds the server's SCRAM challenge to the client state machine. That
/// step salts the password (PBKDF2, 4,096 rounds by default: about a
/// millisecond of CPU even in release builds), so it runs on the blocking
/// pool instead of stalling every session that shares the runtime worker.
async fn salted_proof(mut scram: ScramSha256, challenge: bytes::Bytes) -> Result<ScramSha256, UpstreamError> {
    tokio::task::spawn_blocking(move || scram.update(&challenge).map(|()| scram))
        .await
        .map_err(|e| UpstreamError::Scram(std::io::Error::other(format!("SCRAM worker failed: {e}"))))?
        .map_err(UpstreamError::Scram)
}

impl Connector for PgConnector {
    async fn connect(&self, identity: &Identity) -> Result<UpstreamConn, UpstreamError> {
        match tokio::time::timeout(self.connect_timeout, self.open(identity)).await {
            Ok(r) => r,
            Err(_) => Err(UpstreamError::Io { addr: self.addr(), source: IoError::Timeout(self.connect_timeout) }),
        }
    }
}

/// Sends a CancelRequest to an upstream (plain TCP, as PostgreSQL accepts).
pub async fn send_cancel(target: CancelTarget) -> std::io::Result<()> {
    let mut tcp = TcpStream::connect(target.addr).await?;
    let mut out = BytesMut::new();
    StartupPacket::Cancel { process_id: target.process_id, secret_key: target.secret_key }.encode(&mut out);
    tcp.write_all(&out).await?;
    // The server closes the connection without answering.
    let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_u8()).await;
    Ok(())
}
