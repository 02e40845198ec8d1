//! The typed connection/query error. Each message says what happened and
//! how to fix it; [`Error::class`] says what a caller should do (retry the
//! transaction on OCC, back off on rate limits, fix credentials on auth…).

use std::io;
use std::time::Duration;

use dsql::errors::{self as dsql_errors, OccCode};
use dsql::token::{MintError, TokenAction};
use rustls::CertificateError;

use crate::{Auth, ConnectOptions};

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// 40001: retry the whole transaction (OC000 data, OC001 schema).
    Occ {
        code: OccCode,
    },
    /// 0A000: DSQL does not support the statement.
    Unsupported,
    /// 54000/54011: a transaction or query limit.
    Limit,
    /// Login refused; `expired` when the server said the token expired.
    Auth {
        expired: bool,
    },
    /// 53400/53300/"waking up": too many connections now; back off.
    RateLimited,
    /// Unreachable host, refused or dropped connection, timeout.
    Network,
    /// TLS handshake or certificate verification failed.
    Tls,
    Other,
}

/// Which part of the certificate check failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsProblem {
    /// The chain is fine but the certificate is for other names.
    NameMismatch {
        presented: Vec<String>,
    },
    /// The chain does not lead to a trusted root.
    UnknownCa,
    /// Outside the certificate's validity period.
    Expired,
    /// The server answered the SSLRequest with "no".
    NotSupported,
    Other,
}

/// Why a login was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthProblem {
    WrongPassword,
    NoPassword,
    TokenExpired,
    TokenRejected {
        action: TokenAction,
        region: String,
    },
    /// Any other refusal (unknown role, pg_hba rule, …): the server's words.
    Refused,
}

/// A classified connection or query failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Invalid options; the message names the fix.
    #[error("{0}")]
    Config(String),
    #[error(
        "cannot use CA file {path}: {detail}; pass a PEM file with the CA certificate(s) that signed the server's certificate"
    )]
    CaFile { path: String, detail: String },
    #[error("cannot mint an IAM auth token: {0}")]
    Token(#[source] MintError),
    #[error(
        "cannot connect to {target}: {detail} (gave up after {attempts} attempt(s) in {:.1} s); check that the server \
         is running and that the host name, port and firewall/security group let this machine reach it",
        .elapsed.as_secs_f64()
    )]
    Network { target: String, detail: String, attempts: u32, elapsed: Duration },
    #[error("{}", tls_message(.target, .host, .problem, .detail))]
    Tls { target: String, host: String, problem: TlsProblem, detail: String },
    #[error("{}", auth_message(.target, .user, .problem, .message))]
    Auth { target: String, user: String, problem: AuthProblem, message: String, hint: Option<String> },
    #[error("{}", server_message(.code, .message, .hint.as_deref(), .class))]
    Server { code: String, message: String, detail: Option<String>, hint: Option<String>, class: ErrorClass },
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// What kind of failure this is.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Network { .. } => ErrorClass::Network,
            Error::Tls { .. } | Error::CaFile { .. } => ErrorClass::Tls,
            Error::Auth { problem: AuthProblem::TokenExpired, .. } => ErrorClass::Auth { expired: true },
            Error::Auth { .. } | Error::Token(_) => ErrorClass::Auth { expired: false },
            Error::Server { class, .. } => *class,
            Error::Config(_) | Error::Other(_) => ErrorClass::Other,
        }
    }

    /// The SQLSTATE, when the server sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Server { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Classifies an error from a query on an open connection.
    pub fn from_db(err: &tokio_postgres::Error) -> Error {
        if let Some(db) = err.as_db_error() {
            let class = map_class(dsql_errors::classify_with_hint(db.code().code(), db.message(), db.hint()));
            return Error::Server {
                code: db.code().code().to_string(),
                message: db.message().to_string(),
                detail: db.detail().map(str::to_string),
                hint: db.hint().map(str::to_string),
                class,
            };
        }
        if err.is_closed() || find_io(err).is_some() {
            return Error::Network {
                target: "the server".into(),
                detail: format!("the connection was lost ({})", chain_text(err)),
                attempts: 1,
                elapsed: Duration::ZERO,
            };
        }
        Error::Other(chain_text(err))
    }

    pub(crate) fn is_retryable_connect_failure(&self) -> bool {
        matches!(self.class(), ErrorClass::Network | ErrorClass::RateLimited)
    }

    pub(crate) fn after_attempts(mut self, total: u32, spent: Duration) -> Error {
        if let Error::Network { attempts, elapsed, .. } = &mut self {
            *attempts = total;
            *elapsed = spent;
        }
        self
    }
}

/// Class of a `tokio_postgres` error from a query (e.g. to decide an OCC retry).
pub fn class_of(err: &tokio_postgres::Error) -> ErrorClass {
    Error::from_db(err).class()
}

fn map_class(class: dsql_errors::ErrorClass) -> ErrorClass {
    match class {
        dsql_errors::ErrorClass::Occ { code } => ErrorClass::Occ { code },
        dsql_errors::ErrorClass::Unsupported => ErrorClass::Unsupported,
        dsql_errors::ErrorClass::Limit => ErrorClass::Limit,
        dsql_errors::ErrorClass::Auth { expired } => ErrorClass::Auth { expired },
        dsql_errors::ErrorClass::RateLimited | dsql_errors::ErrorClass::TooManyConnections => ErrorClass::RateLimited,
        dsql_errors::ErrorClass::Other => ErrorClass::Other,
    }
}

/// What a connect attempt knew, to word its errors.
pub(crate) struct ConnectContext<'a> {
    opts: &'a ConnectOptions,
}

impl<'a> ConnectContext<'a> {
    pub(crate) fn new(opts: &'a ConnectOptions) -> Self {
        ConnectContext { opts }
    }

    pub(crate) fn target(&self) -> String {
        match self.opts.hostaddr {
            Some(addr) => format!("{}:{} (via {addr})", self.opts.host, self.opts.port),
            None => format!("{}:{}", self.opts.host, self.opts.port),
        }
    }

    /// Sorts a failed `tokio_postgres` connect into network, TLS, auth or server.
    pub(crate) fn classify(&self, err: &tokio_postgres::Error) -> Error {
        if let Some(db) = err.as_db_error() {
            let class = dsql_errors::classify_with_hint(db.code().code(), db.message(), db.hint());
            if let dsql_errors::ErrorClass::Auth { expired } = class {
                return self.auth(self.auth_problem(db.code().code(), expired), db.message(), db.hint());
            }
            return Error::from_db(err);
        }
        if let Some(tls) = find_rustls(err) {
            return self.tls(tls_problem(&tls), tls.to_string());
        }
        let text = chain_text(err);
        if text.contains("server does not support TLS") {
            return self.tls(TlsProblem::NotSupported, text);
        }
        if text.starts_with("error performing TLS handshake") {
            return self.tls(TlsProblem::Other, text);
        }
        if text.contains("password missing") {
            return self.auth(AuthProblem::NoPassword, &text, None);
        }
        if let Some(io) = find_io(err) {
            return self.network(describe_io(io, &self.opts.host, self.opts.port));
        }
        if err.is_closed() || text.starts_with("error connecting") || text.contains("timeout") {
            return self.network(text);
        }
        Error::Other(format!("connecting to {} failed: {text}", self.target()))
    }

    fn auth_problem(&self, code: &str, expired: bool) -> AuthProblem {
        match (&self.opts.auth, expired) {
            (_, true) => AuthProblem::TokenExpired,
            (Auth::Iam { region }, false) => {
                AuthProblem::TokenRejected { action: TokenAction::for_user(&self.opts.user), region: region.clone() }
            }
            (Auth::Password(Some(_)), false) if code == dsql_errors::SQLSTATE_INVALID_PASSWORD => {
                AuthProblem::WrongPassword
            }
            (Auth::Password(None), false) if code == dsql_errors::SQLSTATE_INVALID_PASSWORD => AuthProblem::NoPassword,
            _ => AuthProblem::Refused,
        }
    }

    fn auth(&self, problem: AuthProblem, message: &str, hint: Option<&str>) -> Error {
        Error::Auth {
            target: self.target(),
            user: self.opts.user.clone(),
            problem,
            message: message.to_string(),
            hint: hint.map(str::to_string),
        }
    }

    fn tls(&self, problem: TlsProblem, detail: String) -> Error {
        Error::Tls { target: self.target(), host: self.opts.host.clone(), problem, detail }
    }

    fn network(&self, detail: String) -> Error {
        Error::Network { target: self.target(), detail, attempts: 1, elapsed: Duration::ZERO }
    }
}

/// `error: cause: root cause` (tokio-postgres keeps the detail in sources).
pub(crate) fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut current = err.source();
    while let Some(cause) = current {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        current = cause.source();
    }
    text
}

/// Walks the source chain, also looking inside `io::Error` wrappers (whose
/// `source()` skips the wrapped error itself).
fn find_rustls(err: &tokio_postgres::Error) -> Option<rustls::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls.clone());
        }
        if let Some(inner) = e.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
                return Some(tls.clone());
            }
        }
        current = e.source();
    }
    None
}

fn find_io(err: &tokio_postgres::Error) -> Option<&io::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return Some(io);
        }
        current = e.source();
    }
    None
}

pub(crate) fn describe_io(io: &io::Error, host: &str, port: u16) -> String {
    let text = io.to_string();
    match io.kind() {
        io::ErrorKind::ConnectionRefused => format!("connection refused (nothing listens on port {port} of {host})"),
        io::ErrorKind::TimedOut => "the connection timed out (host down, or a firewall drops the packets)".into(),
        _ if text.contains("lookup address") || text.contains("Name or service not known") => {
            format!("cannot resolve host name {host} ({text})")
        }
        _ => text,
    }
}

pub(crate) fn tls_problem(err: &rustls::Error) -> TlsProblem {
    match err {
        rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext { presented, .. }) => {
            TlsProblem::NameMismatch { presented: presented.clone() }
        }
        rustls::Error::InvalidCertificate(CertificateError::NotValidForName) => {
            TlsProblem::NameMismatch { presented: Vec::new() }
        }
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer | CertificateError::BadSignature) => {
            TlsProblem::UnknownCa
        }
        rustls::Error::InvalidCertificate(
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. },
        ) => TlsProblem::Expired,
        _ => TlsProblem::Other,
    }
}

fn tls_message(target: &str, host: &str, problem: &TlsProblem, detail: &str) -> String {
    match problem {
        TlsProblem::NameMismatch { presented } => {
            let names =
                if presented.is_empty() { String::new() } else { format!(" (it names {})", presented.join(", ")) };
            format!(
                "TLS: the certificate of {target} is not valid for host name {host}{names}; connect using a name on \
                 the certificate, or use --sslmode verify-ca to check only the CA"
            )
        }
        TlsProblem::UnknownCa => format!(
            "TLS: the certificate of {target} is not signed by a trusted CA ({detail}); pass the CA that signed it \
             with --ca-file, or use --sslmode require to skip verification"
        ),
        TlsProblem::Expired => format!(
            "TLS: the certificate of {target} is outside its validity period ({detail}); renew the certificate or fix this machine's clock"
        ),
        TlsProblem::NotSupported => format!(
            "TLS: {target} does not accept TLS connections; enable ssl on the server, or use --sslmode disable (local servers only)"
        ),
        TlsProblem::Other => format!("TLS handshake with {target} failed: {detail}"),
    }
}

fn auth_message(target: &str, user: &str, problem: &AuthProblem, message: &str) -> String {
    match problem {
        AuthProblem::WrongPassword => {
            format!("wrong password for user {user} at {target} (server: {message}); check the password you passed")
        }
        AuthProblem::NoPassword => format!(
            "{target} asks user {user} for a password but none was given; pass one (e.g. --password-env VAR), or use --iam for DSQL"
        ),
        AuthProblem::TokenExpired => format!(
            "{target} refused the IAM auth token as expired (Signature expired); the token was minted just now, so \
             this machine's clock is probably off (sync it with NTP) or the token lifetime is too short"
        ),
        AuthProblem::TokenRejected { action, region } => format!(
            "{target} refused the IAM auth token for role {user} ({message}); check that your AWS identity may \
             dsql:{action} on this cluster, that region {region} is the cluster's, and for roles other than admin \
             that the role is mapped (AWS IAM GRANT {user} TO '<iam-role-arn>')"
        ),
        AuthProblem::Refused => format!("login as {user} refused by {target}: {message}"),
    }
}

fn server_message(code: &str, message: &str, hint: Option<&str>, class: &ErrorClass) -> String {
    let hint = hint.map(|h| format!(" (hint: {h})")).unwrap_or_default();
    let advice = match class {
        ErrorClass::Occ { .. } => {
            "; another transaction changed the same data or schema first: retry the whole transaction"
        }
        ErrorClass::Unsupported => "; the server (DSQL) does not support this statement: see `dsql-deploy schema lint`",
        ErrorClass::Limit => "; a DSQL transaction limit was hit: split the work into smaller transactions",
        ErrorClass::RateLimited => "; the cluster refused new connections for now: retry later or open fewer at once",
        _ => "",
    };
    format!("{message} (SQLSTATE {code}){hint}{advice}")
}
