//! Building and checking [`ConnectOptions`]: libpq `sslmode` names, the
//! defaults (IAM + verify-full for DSQL endpoints), and a `Debug` for
//! [`Auth`] that never prints a password.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::{Auth, Backoff, ConnectOptions, Error, SslMode};

/// Default seconds to wait for one connection attempt.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default attempts for retryable failures.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 4;
/// Default `application_name`.
pub const DEFAULT_APPLICATION_NAME: &str = "dsql-deploy";

impl SslMode {
    /// The libpq name.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// All supported names, for help texts and errors.
    pub const NAMES: [&'static str; 4] = ["disable", "require", "verify-ca", "verify-full"];
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An sslmode name we do not support.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SslModeError {
    #[error(
        "sslmode {0:?} would allow an unencrypted connection; use require, verify-ca or verify-full (or disable for a local server)"
    )]
    Opportunistic(String),
    #[error("unknown sslmode {0:?}; use one of disable, require, verify-ca, verify-full")]
    Unknown(String),
}

impl FromStr for SslMode {
    type Err = SslModeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "disable" => Ok(SslMode::Disable),
            "require" => Ok(SslMode::Require),
            "verify-ca" | "verify_ca" => Ok(SslMode::VerifyCa),
            "verify-full" | "verify_full" => Ok(SslMode::VerifyFull),
            // libpq's allow/prefer silently fall back to plaintext; refusing
            // them keeps "TLS unless told otherwise" true.
            "allow" | "prefer" => Err(SslModeError::Opportunistic(s.to_string())),
            _ => Err(SslModeError::Unknown(s.to_string())),
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Password(None) => f.write_str("Password(None)"),
            Auth::Password(Some(_)) => f.write_str("Password(<redacted>)"),
            Auth::Iam { region } => f.debug_struct("Iam").field("region", region).finish(),
        }
    }
}

impl ConnectOptions {
    /// Options with the defaults: verify-full TLS, 10 s timeout, 4 attempts;
    /// IAM auth in the endpoint's region for DSQL hosts, no password otherwise.
    pub fn new(
        host: impl Into<String>,
        port: u16,
        user: impl Into<String>,
        database: impl Into<String>,
    ) -> ConnectOptions {
        let host = host.into();
        let auth = match dsql::endpoint::region_from_host(&host) {
            Some(region) => Auth::Iam { region },
            None => Auth::Password(None),
        };
        ConnectOptions {
            host,
            port,
            hostaddr: None,
            user: user.into(),
            database: database.into(),
            auth,
            sslmode: SslMode::VerifyFull,
            ca_file: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            application_name: DEFAULT_APPLICATION_NAME.to_string(),
            credentials: None,
            token_expires_in: dsql::token::DEFAULT_EXPIRES_IN,
            backoff: Backoff::default(),
        }
    }

    /// Same options with a fixed password.
    pub fn with_password(mut self, password: impl Into<String>) -> ConnectOptions {
        self.auth = Auth::Password(Some(password.into()));
        self
    }

    /// Same options with IAM auth in `region`.
    pub fn with_iam(mut self, region: impl Into<String>) -> ConnectOptions {
        self.auth = Auth::Iam { region: region.into() };
        self
    }

    /// `host:port/database as user`, for messages.
    pub fn describe(&self) -> String {
        format!("{}:{}/{} as {}", self.host, self.port, self.database, self.user)
    }

    /// Whether the host is a DSQL cluster endpoint.
    pub fn is_dsql(&self) -> bool {
        dsql::endpoint::is_dsql_host(&self.host)
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        let problem = if self.host.trim().is_empty() {
            Some("no host given; pass the server's host name (e.g. --endpoint)".to_string())
        } else if self.port == 0 {
            Some("port 0 is not a valid port; pass the server's port (5432 for DSQL)".to_string())
        } else if self.user.is_empty() {
            Some("no user given; pass the role to log in as (e.g. --user admin)".to_string())
        } else if self.max_attempts == 0 {
            Some("max_attempts must be at least 1".to_string())
        } else if self.connect_timeout.is_zero() {
            Some("connect timeout must be longer than 0 s".to_string())
        } else if matches!(&self.auth, Auth::Iam { region } if region.trim().is_empty()) {
            Some("IAM auth needs a region; pass --region (e.g. us-east-1)".to_string())
        } else if matches!(self.auth, Auth::Iam { .. }) && self.sslmode == SslMode::Disable {
            Some(
                "IAM auth tokens must not travel in plaintext; use sslmode require, verify-ca or verify-full"
                    .to_string(),
            )
        } else {
            None
        };
        match problem {
            Some(message) => Err(Error::Config(message)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_names_round_trip_like_libpq() {
        for name in SslMode::NAMES {
            let mode: SslMode = name.parse().unwrap();
            assert_eq!(mode.to_string(), name);
        }
        assert_eq!("VERIFY-FULL".parse::<SslMode>(), Ok(SslMode::VerifyFull));
        assert!(matches!("prefer".parse::<SslMode>(), Err(SslModeError::Opportunistic(_))));
        let err = "tls".parse::<SslMode>().unwrap_err();
        assert!(err.to_string().contains("disable, require, verify-ca, verify-full"), "{err}");
    }

    #[test]
    fn dsql_hosts_default_to_iam_and_others_to_password() {
        let dsql = ConnectOptions::new("abc.dsql.eu-west-1.on.aws", 5432, "admin", "postgres");
        assert_eq!(dsql.auth, Auth::Iam { region: "eu-west-1".into() });
        assert_eq!(dsql.sslmode, SslMode::VerifyFull);
        assert!(dsql.is_dsql());
        let pg = ConnectOptions::new("localhost", 5432, "postgres", "postgres");
        assert_eq!(pg.auth, Auth::Password(None));
        assert_eq!(pg.sslmode, SslMode::VerifyFull);
    }

    #[test]
    fn passwords_never_show_in_debug_output() {
        let opts = ConnectOptions::new("localhost", 5432, "postgres", "postgres").with_password("hunter2");
        let text = format!("{opts:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("<redacted>"));
    }

    #[test]
    fn bad_options_are_refused_with_a_fix() {
        let base = ConnectOptions::new("localhost", 5432, "postgres", "postgres");
        let mut no_host = base.clone();
        no_host.host = " ".into();
        assert!(no_host.validate().unwrap_err().to_string().contains("no host"));
        let mut port0 = base.clone();
        port0.port = 0;
        assert!(port0.validate().unwrap_err().to_string().contains("port 0"));
        let iam_plain = ConnectOptions { sslmode: SslMode::Disable, ..base.clone() }.with_iam("us-east-1");
        assert!(iam_plain.validate().unwrap_err().to_string().contains("plaintext"));
        let iam_no_region = base.clone().with_iam("");
        assert!(iam_no_region.validate().unwrap_err().to_string().contains("--region"));
        assert!(base.validate().is_ok());
    }
}
