//! The start of a client connection, up to "authenticated": SSLRequest /
//! GSSENCRequest negotiation, TLS, the startup packet (with PostgreSQL's own
//! FATAL wording for each way it can be wrong), CancelRequest, the TLS-required
//! check, and the authentication conversation.

use std::net::SocketAddr;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use wire::{Authentication, Backend, ErrorFields, Startup, StartupPacket, WireError};

use crate::auth::{AuthExchange, AuthStep, Authenticator, ClientHello, Identity};
use crate::config::ProxyConfig;
use crate::error::IoError;
use crate::metrics::{Metrics, inc};
use crate::msgio::{read_message, send_backend};
use crate::stream::{ClientStream, MaybeTls};

/// Largest password / SASL message accepted during authentication
/// (PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH is 65,535; an IAM token is ~1.5 kB).
const MAX_AUTH_MESSAGE_LEN: usize = 65_536;

/// A client that passed the handshake.
pub(crate) struct Authenticated {
    pub stream: ClientStream,
    pub startup: Startup,
    pub identity: Identity,
    /// Bytes the client sent after its last handshake message.
    pub leftover: BytesMut,
    /// Sent before AuthenticationOk (e.g. SCRAM's final message).
    pub final_message: Option<Authentication>,
}

/// What the handshake came to.
pub(crate) enum Outcome {
    Ready(Box<Authenticated>),
    Cancel {
        process_id: i32,
        secret_key: i32,
    },
    /// Refused or gone; whatever the client should hear has been sent.
    Closed,
}

/// The FATAL PostgreSQL sends for each malformed startup packet.
fn startup_error(e: &WireError) -> ErrorFields {
    match e {
        WireError::MissingUser => ErrorFields::fatal("28000", "no PostgreSQL user name specified in startup packet"),
        WireError::UnsupportedProtocol { major, minor } => ErrorFields::fatal(
            "0A000",
            format!("unsupported frontend protocol {major}.{minor}: server supports 3.0 to 3.0"),
        ),
        WireError::LengthTooSmall { .. } | WireError::LengthTooLarge { .. } => {
            ErrorFields::fatal("08P01", "invalid length of startup packet")
        }
        other => ErrorFields::fatal("08P01", format!("invalid startup packet layout: {other}")),
    }
}

async fn read_startup<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut BytesMut) -> Result<StartupPacket, IoError> {
    loop {
        if let Some(p) = wire::parse_startup(buf)? {
            return Ok(p);
        }
        if stream.read_buf(buf).await? == 0 {
            return Err(IoError::Closed);
        }
    }
}

async fn fatal<S: AsyncWrite + Unpin>(stream: &mut S, fields: ErrorFields) -> Outcome {
    let _ = send_backend(stream, &[Backend::ErrorResponse(fields)]).await;
    Outcome::Closed
}

pub(crate) async fn handshake<A: Authenticator>(
    tcp: TcpStream,
    peer: SocketAddr,
    config: &ProxyConfig,
    auth: &A,
    metrics: &Metrics,
) -> Outcome {
    let mut stream: ClientStream = MaybeTls::Plain(tcp);
    let mut buf = BytesMut::with_capacity(512);
    let mut server_name = None;
    let startup = loop {
        let packet = match read_startup(&mut stream, &mut buf).await {
            Ok(p) => p,
            Err(IoError::Protocol(e)) => {
                inc(&metrics.client_protocol_errors_total);
                return fatal(&mut stream, startup_error(&e)).await;
            }
            Err(_) => return Outcome::Closed,
        };
        match packet {
            StartupPacket::Startup(s) => break s,
            StartupPacket::Cancel { process_id, secret_key } => return Outcome::Cancel { process_id, secret_key },
            StartupPacket::GssEncRequest => {
                if stream.write_all(b"N").await.is_err() {
                    return Outcome::Closed;
                }
            }
            StartupPacket::SslRequest => {
                let tls_config = match (&stream, config.tls.as_ref()) {
                    (MaybeTls::Tls(_), _) => {
                        return fatal(&mut stream, ErrorFields::fatal("08P01", "SSLRequest received inside TLS")).await;
                    }
                    // (The proxy accepts TCP only; a Unix client would get no TLS.)
                    (MaybeTls::Plain(_), None) | (MaybeTls::Unix(_), _) => {
                        if stream.write_all(b"N").await.is_err() {
                            return Outcome::Closed;
                        }
                        continue;
                    }
                    (MaybeTls::Plain(_), Some(t)) => t.clone(),
                };
                if !buf.is_empty() {
                    // PostgreSQL refuses this too: it would let a MITM inject plaintext.
                    let e = ErrorFields::fatal("08P01", "received unencrypted data after SSL request");
                    return fatal(&mut stream, e).await;
                }
                let MaybeTls::Plain(mut tcp) = stream else { return Outcome::Closed };
                if tcp.write_all(b"S").await.is_err() {
                    return Outcome::Closed;
                }
                match tokio_rustls::TlsAcceptor::from(tls_config).accept(tcp).await {
                    Ok(tls_stream) => {
                        inc(&metrics.client_tls_handshakes_total);
                        server_name = tls_stream.get_ref().1.server_name().map(str::to_string);
                        stream = MaybeTls::Tls(Box::new(tls_stream));
                    }
                    Err(e) => {
                        tracing::debug!(%peer, error = %e, "client TLS handshake failed");
                        return Outcome::Closed;
                    }
                }
            }
        }
    };
    let tls = matches!(stream, MaybeTls::Tls(_));
    if config.require_tls && !tls {
        inc(&metrics.client_tls_required_refusals_total);
        return fatal(&mut stream, config.tls_required_error.clone()).await;
    }
    if let Err(outcome) = negotiate_version(&mut stream, &startup).await {
        return outcome;
    }

    let hello = ClientHello { startup, peer, tls, server_name };
    let mut exchange = auth.begin(&hello);
    let mut response = None;
    loop {
        match exchange.step(response.take()).await {
            AuthStep::Challenge(request) => {
                if send_backend(&mut stream, &[Backend::Authentication(request)]).await.is_err() {
                    return Outcome::Closed;
                }
                // Before login a client gets no more room than PostgreSQL
                // gives an authentication message: an unauthenticated peer
                // must not make us buffer up to max_message_len.
                let limit = config.max_message_len.min(MAX_AUTH_MESSAGE_LEN);
                let msg = match read_message(&mut stream, &mut buf, limit).await {
                    Ok(m) => m,
                    Err(IoError::Protocol(e)) => {
                        inc(&metrics.client_protocol_errors_total);
                        return fatal(&mut stream, ErrorFields::fatal("08P01", format!("protocol violation: {e}")))
                            .await;
                    }
                    Err(_) => return Outcome::Closed,
                };
                if msg.tag() != b'p' {
                    inc(&metrics.client_protocol_errors_total);
                    let text = format!("expected password response, got message type {}", msg.tag());
                    return fatal(&mut stream, ErrorFields::fatal("08P01", text)).await;
                }
                response = Some(msg.body());
            }
            AuthStep::Accept { identity, final_message } => {
                return Outcome::Ready(Box::new(Authenticated {
                    stream,
                    startup: hello.startup,
                    identity,
                    leftover: buf,
                    final_message,
                }));
            }
            AuthStep::Reject(mut fields) => {
                inc(&metrics.client_auth_failures_total);
                fields.set_severity(wire::Severity::Fatal);
                return fatal(&mut stream, fields).await;
            }
        }
    }
}

/// Protocol 3.x with x > 0 or `_pq_.` options: answer like PostgreSQL, with
/// NegotiateProtocolVersion (we speak 3.0 and no protocol extensions).
async fn negotiate_version(stream: &mut ClientStream, startup: &Startup) -> Result<(), Outcome> {
    let unrecognized: Vec<String> =
        startup.params.iter().filter(|(k, _)| k.starts_with("_pq_.")).map(|(k, _)| k.clone()).collect();
    if startup.minor == 0 && unrecognized.is_empty() {
        return Ok(());
    }
    send_backend(stream, &[Backend::NegotiateProtocolVersion { newest_minor: 0, unrecognized }])
        .await
        .map_err(|_| Outcome::Closed)
}
