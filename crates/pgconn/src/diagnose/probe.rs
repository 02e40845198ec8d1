//! The network steps of the diagnosis, each on its own socket so a failure
//! is pinned to one layer: name resolution, a TCP connect, and PostgreSQL's
//! SSLRequest followed by a rustls handshake with the configured sslmode.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Outcome;
use crate::error::{describe_io, tls_problem};
use crate::{ConnectOptions, Error, SslMode, TlsProblem};

/// PostgreSQL's SSLRequest: length 8, code 80877103.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

pub(super) async fn dns(host: &str, port: u16) -> Outcome<Vec<SocketAddr>> {
    match tokio::net::lookup_host((host, port)).await {
        Ok(addrs) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                return Outcome::Fail {
                    detail: format!("{host} resolves to no address"),
                    hint: "check the endpoint name".into(),
                };
            }
            let list: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
            Outcome::Ok(addrs, format!("{host} → {}", list.join(", ")))
        }
        Err(err) => Outcome::Fail {
            detail: format!("cannot resolve {host}: {err}"),
            hint: "check the endpoint's spelling and this machine's DNS; a DSQL endpoint looks like \
                   <cluster-id>.dsql.<region>.on.aws"
                .into(),
        },
    }
}

/// Connects to the first address that answers.
async fn open(addrs: &[SocketAddr], timeout: Duration) -> Result<(TcpStream, SocketAddr), String> {
    let mut last = String::from("no address to try");
    for addr in addrs {
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => return Ok((stream, *addr)),
            Ok(Err(err)) => last = format!("{addr}: {}", describe_io(&err, &addr.ip().to_string(), addr.port())),
            Err(_) => last = format!("{addr}: no answer within {:.1} s", timeout.as_secs_f64()),
        }
    }
    Err(last)
}

pub(super) async fn tcp(addrs: &[SocketAddr], port: u16, timeout: Duration) -> Outcome<()> {
    match open(addrs, timeout).await {
        Ok((_stream, addr)) => Outcome::Ok((), format!("connected to {addr}")),
        Err(detail) => Outcome::Fail {
            detail,
            hint: format!(
                "nothing accepts connections on port {port}: check that the server runs and that firewalls, \
                 security groups and VPN routes let this machine reach it (DSQL listens on 5432)"
            ),
        },
    }
}

pub(super) async fn tls(connect: &ConnectOptions, addrs: &[SocketAddr], timeout: Duration) -> Outcome<()> {
    let config = match crate::tls::client_config(connect.sslmode, connect.ca_file.as_deref()) {
        Ok(Some(config)) => config,
        Ok(None) => return Outcome::NotApplicable((), "sslmode=disable: plaintext, no TLS".into()),
        Err(err) => {
            return Outcome::Fail { detail: err.to_string(), hint: "fix the CA file option (--ca-file)".into() };
        }
    };
    match tokio::time::timeout(timeout, handshake(connect, addrs, config, timeout)).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::Fail {
            detail: format!("the TLS handshake did not finish within {:.1} s", timeout.as_secs_f64()),
            hint: "the server accepted TCP but does not speak PostgreSQL/TLS on this port".into(),
        },
    }
}

async fn handshake(
    connect: &ConnectOptions,
    addrs: &[SocketAddr],
    config: rustls::ClientConfig,
    timeout: Duration,
) -> Outcome<()> {
    let target = format!("{}:{}", connect.host, connect.port);
    let tls_error = |problem: TlsProblem, detail: String| Error::Tls {
        target: target.clone(),
        host: connect.host.clone(),
        problem,
        detail,
    };
    let (mut stream, _) = match open(addrs, timeout).await {
        Ok(opened) => opened,
        Err(detail) => {
            return Outcome::Fail { detail, hint: "the TCP step just worked: the server may be overloaded".into() };
        }
    };
    let mut answer = [0u8; 1];
    if let Err(err) = request_tls(&mut stream, &mut answer).await {
        return Outcome::Fail {
            detail: format!("no answer to PostgreSQL's SSLRequest: {err}"),
            hint: "is this a PostgreSQL/DSQL port?".into(),
        };
    }
    if answer[0] != b'S' {
        let err = tls_error(TlsProblem::NotSupported, String::new());
        return Outcome::Fail {
            detail: err.to_string(),
            hint: "turn ssl on at the server, or use --sslmode disable for a local test server".into(),
        };
    }
    let server_name = match ServerName::try_from(connect.host.clone()) {
        Ok(name) => name,
        Err(err) => {
            return Outcome::Fail {
                detail: format!("{:?} is not a TLS server name: {err}", connect.host),
                hint: "check --endpoint".into(),
            };
        }
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    match connector.connect(server_name, stream).await {
        Ok(tls) => {
            let (_, session) = tls.get_ref();
            let version = session.protocol_version().map(|v| format!("{v:?}")).unwrap_or_default();
            let cert = session
                .peer_certificates()
                .and_then(|chain| chain.first())
                .map(|der| describe_certificate(der.as_ref()))
                .unwrap_or_else(|| "no certificate".into());
            let checked = match connect.sslmode {
                SslMode::VerifyFull => "chain and host name verified",
                SslMode::VerifyCa => "chain verified, host name not checked (verify-ca)",
                _ => "certificate NOT verified (require)",
            };
            Outcome::Ok((), format!("{version}; {cert}; {checked}"))
        }
        Err(err) => {
            let rustls_err = err.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()).cloned();
            let (problem, detail) = match rustls_err {
                Some(e) => (tls_problem(&e), e.to_string()),
                None => (TlsProblem::Other, err.to_string()),
            };
            let hint = match problem {
                TlsProblem::NameMismatch { .. } => "use the host name on the certificate, or --sslmode verify-ca",
                TlsProblem::UnknownCa => "pass the CA that signed the server certificate with --ca-file",
                TlsProblem::Expired => "renew the server certificate or fix this machine's clock",
                _ => "check the server's TLS configuration",
            };
            Outcome::Fail { detail: tls_error(problem, detail).to_string(), hint: hint.into() }
        }
    }
}

async fn request_tls(stream: &mut TcpStream, answer: &mut [u8; 1]) -> std::io::Result<()> {
    stream.write_all(&SSL_REQUEST).await?;
    stream.read_exact(answer).await?;
    Ok(())
}

/// `subject CN=…, names a, b, issued by CN=…, valid until …`.
fn describe_certificate(der: &[u8]) -> String {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return "unparsable certificate".into();
    };
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                x509_parser::extensions::GeneralName::DNSName(dns) => names.push(dns.to_string()),
                x509_parser::extensions::GeneralName::IPAddress(ip) => names.push(format_ip(ip)),
                _ => {}
            }
        }
    }
    let until = time::OffsetDateTime::from_unix_timestamp(cert.validity().not_after.timestamp())
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| "?".into());
    format!(
        "certificate {} (names: {}), issued by {}, valid until {until}",
        cert.subject(),
        if names.is_empty() { "none".into() } else { names.join(", ") },
        cert.issuer()
    )
}

fn format_ip(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => std::net::Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]).to_string(),
        16 => {
            let mut octets = [0u8; 16];
            octets.copy_from_slice(bytes);
            std::net::Ipv6Addr::from(octets).to_string()
        }
        _ => "invalid IP".into(),
    }
}
