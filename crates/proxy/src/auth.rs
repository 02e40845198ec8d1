//! Client authentication: the [`Authenticator`] trait the proxy asks after
//! the startup packet, plus two ready-made ones ([`TrustAuth`],
//! [`CleartextAuth`]).
//!
//! An authentication is a conversation (cleartext is one round, SCRAM is
//! three), so an authenticator hands out an [`AuthExchange`]: a state machine
//! the proxy feeds the client's `p` messages until it accepts or rejects.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use wire::{Authentication, ErrorFields, Startup};

/// What the proxy knows about a client when authentication starts.
#[derive(Debug, Clone)]
pub struct ClientHello {
    pub startup: Startup,
    pub peer: SocketAddr,
    /// Whether the client connection is TLS.
    pub tls: bool,
    /// The TLS server name the client asked for (SNI), if any.
    pub server_name: Option<String>,
}

/// Who the client is, once authenticated: the upstream session is opened and
/// pooled under `user` and `database`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    pub user: String,
    pub database: String,
}

impl Identity {
    /// The identity the startup packet claims (for trust-style auth).
    pub fn from_startup(startup: &Startup) -> Identity {
        Identity { user: startup.user().to_string(), database: startup.database().to_string() }
    }
}

/// One step of an authentication conversation.
#[derive(Debug, Clone)]
pub enum AuthStep {
    /// Send this request (e.g. `CleartextPassword`, `SaslContinue`) and feed
    /// the client's next `p` message back into [`AuthExchange::step`].
    Challenge(Authentication),
    /// Authenticated. `final_message` (SCRAM's `SaslFinal`) is sent before
    /// AuthenticationOk.
    Accept { identity: Identity, final_message: Option<Authentication> },
    /// Refused: sent to the client as a FATAL ErrorResponse, then the
    /// connection is closed. Use SQLSTATE 28P01/28000 like PostgreSQL.
    Reject(ErrorFields),
}

/// Decides who may connect. One [`AuthExchange`] per client connection.
pub trait Authenticator: Send + Sync + 'static {
    type Exchange: AuthExchange;
    fn begin(&self, hello: &ClientHello) -> Self::Exchange;
}

/// The per-connection state machine. First called with `None`; afterwards
/// with the raw body of each `p` message the client sends (decode it with
/// [`wire::frontend::password_text`] or [`wire::SaslInitialResponse::decode`]).
pub trait AuthExchange: Send + 'static {
    fn step(&mut self, response: Option<Bytes>) -> impl Future<Output = AuthStep> + Send;
}

/// Accepts everyone as the user and database they name (loopback tools, tests).
#[derive(Debug, Clone, Default)]
pub struct TrustAuth;

/// The exchange of [`TrustAuth`].
pub struct TrustExchange(Identity);

impl Authenticator for TrustAuth {
    type Exchange = TrustExchange;
    fn begin(&self, hello: &ClientHello) -> TrustExchange {
        TrustExchange(Identity::from_startup(&hello.startup))
    }
}

impl AuthExchange for TrustExchange {
    async fn step(&mut self, _response: Option<Bytes>) -> AuthStep {
        AuthStep::Accept { identity: self.0.clone(), final_message: None }
    }
}

/// Checks a cleartext password (e.g. an IAM token) for [`CleartextAuth`].
pub trait PasswordCheck: Send + Sync + 'static {
    /// Returns the identity to open upstream sessions as, or the FATAL error
    /// to send (PostgreSQL uses 28P01 "password authentication failed for user …").
    fn check(&self, hello: &ClientHello, password: &str) -> impl Future<Output = Result<Identity, ErrorFields>> + Send;
}

/// Asks for a cleartext password (AuthenticationCleartextPassword, as DSQL
/// does for its IAM token) and hands it to a [`PasswordCheck`].
pub struct CleartextAuth<C> {
    check: Arc<C>,
}

impl<C: PasswordCheck> CleartextAuth<C> {
    pub fn new(check: C) -> Self {
        CleartextAuth { check: Arc::new(check) }
    }
}

/// The exchange of [`CleartextAuth`].
pub struct CleartextExchange<C> {
    check: Arc<C>,
    hello: ClientHello,
}

impl<C: PasswordCheck> Authenticator for CleartextAuth<C> {
    type Exchange = CleartextExchange<C>;
    fn begin(&self, hello: &ClientHello) -> Self::Exchange {
        CleartextExchange { check: self.check.clone(), hello: hello.clone() }
    }
}

impl<C: PasswordCheck> AuthExchange for CleartextExchange<C> {
    async fn step(&mut self, response: Option<Bytes>) -> AuthStep {
        let Some(body) = response else {
            return AuthStep::Challenge(Authentication::CleartextPassword);
        };
        let password = match wire::frontend::password_text(body) {
            Ok(pw) => pw,
            Err(e) => return AuthStep::Reject(ErrorFields::fatal("08P01", format!("invalid password packet: {e}"))),
        };
        let Ok(password) = std::str::from_utf8(&password) else {
            return AuthStep::Reject(ErrorFields::fatal("28P01", "password is not valid UTF-8"));
        };
        match self.check.check(&self.hello, password).await {
            Ok(identity) => AuthStep::Accept { identity, final_message: None },
            Err(mut fields) => {
                fields.set_severity(wire::Severity::Fatal);
                AuthStep::Reject(fields)
            }
        }
    }
}
