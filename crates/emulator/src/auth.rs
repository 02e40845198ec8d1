//! Who may connect, the way DSQL decides: database `postgres` only; user
//! `admin` or a role created `WITH LOGIN`; the password must be an IAM auth
//! token for this emulator's hostname and region, signed with its
//! configured credentials, unexpired, with the action the role needs
//! (`DbConnectAdmin` for admin, else `DbConnect`). New connections are
//! rate-limited by a token bucket (DSQL: 100/s, burst 1,000 → 53400).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use dsql::errors::{ACCESS_DENIED, RATE_EXCEEDED, SQLSTATE_CONFIGURATION_LIMIT_EXCEEDED};
use dsql::token::TokenAction;
use proxy::{AuthExchange, AuthStep, Authenticator, ClientHello, Identity};
use wire::{Authentication, ErrorFields};

use crate::private;

/// A token bucket: `rate` new connections per second, up to `burst` at once.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl RateLimiter {
    pub fn new(rate_per_sec: u32, burst: u32) -> RateLimiter {
        let burst = f64::from(burst.max(1));
        RateLimiter { rate: f64::from(rate_per_sec), burst, state: Mutex::new((burst, Instant::now())) }
    }

    /// Takes one token if there is one.
    pub fn try_acquire(&self) -> bool {
        let Ok(mut state) = self.state.lock() else { return true };
        let (tokens, last) = *state;
        let now = Instant::now();
        let tokens = (tokens + now.duration_since(last).as_secs_f64() * self.rate).min(self.burst);
        if tokens >= 1.0 {
            *state = (tokens - 1.0, now);
            true
        } else {
            *state = (tokens, now);
            false
        }
    }
}

/// What the authenticator checks against.
pub struct AuthConfig {
    pub hostname: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// The emulator's [`Authenticator`].
#[derive(Clone)]
pub struct IamAuth {
    inner: Arc<Inner>,
}

struct Inner {
    config: AuthConfig,
    limiter: RateLimiter,
    control: Arc<tokio_postgres::Client>,
    internal_password: String,
    /// Roles already given the internal password (so the proxy can log in as them).
    prepared: Mutex<HashSet<String>>,
}

impl IamAuth {
    pub fn new(
        config: AuthConfig,
        limiter: RateLimiter,
        control: Arc<tokio_postgres::Client>,
        internal_password: String,
    ) -> IamAuth {
        let prepared = Mutex::new(HashSet::from([dsql::token::ADMIN_ROLE.to_string()]));
        IamAuth { inner: Arc::new(Inner { config, limiter, control, internal_password, prepared }) }
    }
}

pub struct IamExchange {
    inner: Arc<Inner>,
    hello: ClientHello,
}

impl Authenticator for IamAuth {
    type Exchange = IamExchange;
    fn begin(&self, hello: &ClientHello) -> IamExchange {
        IamExchange { inner: self.inner.clone(), hello: hello.clone() }
    }
}

fn denied(hint: Option<&str>) -> AuthStep {
    let mut fields = ErrorFields::fatal(dsql::errors::SQLSTATE_INVALID_AUTHORIZATION, ACCESS_DENIED);
    if let Some(hint) = hint {
        fields = fields.hint(hint);
    }
    AuthStep::Reject(fields)
}

impl AuthExchange for IamExchange {
    async fn step(&mut self, response: Option<Bytes>) -> AuthStep {
        let Some(body) = response else {
            return self.first_step();
        };
        let Ok(password) = wire::frontend::password_text(body) else {
            return AuthStep::Reject(ErrorFields::fatal("08P01", "invalid password packet"));
        };
        let token = String::from_utf8_lossy(&password);
        let config = &self.inner.config;
        let user = self.hello.startup.user().to_string();
        let verdict = dsql::token::verify(
            &token,
            &[config.hostname.as_str()],
            &config.region,
            &config.access_key_id,
            &config.secret_access_key,
            SystemTime::now(),
        );
        match verdict {
            Ok(action) if action == TokenAction::for_user(&user) => {}
            Ok(action) => {
                tracing::info!(user, %action, "token action does not match the role");
                return denied(None);
            }
            Err(e) => {
                tracing::info!(user, error = %e, "token refused");
                return denied(e.hint());
            }
        }
        if !self.role_can_log_in(&user).await {
            tracing::info!(user, "no such login role");
            return denied(None);
        }
        AuthStep::Accept { identity: Identity { user, database: "postgres".into() }, final_message: None }
    }
}

impl IamExchange {
    fn first_step(&self) -> AuthStep {
        if !self.inner.limiter.try_acquire() {
            return AuthStep::Reject(ErrorFields::fatal(SQLSTATE_CONFIGURATION_LIMIT_EXCEEDED, RATE_EXCEEDED));
        }
        let database = self.hello.startup.database();
        if database != "postgres" {
            return AuthStep::Reject(ErrorFields::fatal("3D000", format!("database \"{database}\" does not exist")));
        }
        if self.hello.startup.user().is_empty() {
            return AuthStep::Reject(ErrorFields::fatal(
                "28000",
                "no PostgreSQL user name specified in startup packet",
            ));
        }
        AuthStep::Challenge(Authentication::CleartextPassword)
    }

    /// `admin`, or a role created WITH LOGIN (given the internal password once).
    async fn role_can_log_in(&self, user: &str) -> bool {
        if self.inner.prepared.lock().is_ok_and(|p| p.contains(user)) {
            return true;
        }
        match private::prepare_login_role(&self.inner.control, user, &self.inner.internal_password).await {
            Ok(true) => {
                if let Ok(mut p) = self.inner.prepared.lock() {
                    p.insert(user.to_string());
                }
                true
            }
            Ok(false) => false,
            Err(e) => {
                tracing::warn!(user, error = %e, "cannot check role");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_the_burst_then_refuses() {
        let limiter = RateLimiter::new(1, 3);
        assert!(limiter.try_acquire() && limiter.try_acquire() && limiter.try_acquire());
        assert!(!limiter.try_acquire());
    }
}
