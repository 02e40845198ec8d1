//! DSQL IAM auth tokens: minting them (with aws-sdk-dsql's
//! `AuthTokenGenerator`, see [`mint`]) and checking them the way DSQL does
//! (for the emulator, see [`verify`]).
//!
//! A token is a SigV4 presigned `GET https://<host>/?Action=…` URL without
//! its scheme (DSQL-FACTS §1). It is used as the connection password.

mod mint;
mod verify;

#[cfg(test)]
mod tests;

use std::time::Duration;

pub use aws_credential_types::Credentials;
pub use aws_credential_types::provider::SharedCredentialsProvider;
pub use mint::{MintError, TokenParams, credentials_from_chain, generate, generate_with, resolve_credentials};
pub use verify::{TokenError, verify};

/// Default token lifetime of the AWS SDKs and CLI.
pub const DEFAULT_EXPIRES_IN: Duration = Duration::from_secs(900);
/// Longest lifetime DSQL accepts (7 days).
pub const MAX_EXPIRES_IN: Duration = Duration::from_secs(604_800);
/// The SigV4 signing service name of DSQL.
pub const SERVICE: &str = "dsql";
/// Role that connects with `DbConnectAdmin`; every other role uses `DbConnect`.
pub const ADMIN_ROLE: &str = "admin";

/// The IAM action a token grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenAction {
    /// `dsql:DbConnect`: any mapped role except `admin`.
    DbConnect,
    /// `dsql:DbConnectAdmin`: the predefined `admin` role.
    DbConnectAdmin,
}

impl TokenAction {
    /// The `Action=` value in the token.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenAction::DbConnect => "DbConnect",
            TokenAction::DbConnectAdmin => "DbConnectAdmin",
        }
    }

    /// The action DSQL requires for logging in as `user`.
    pub fn for_user(user: &str) -> TokenAction {
        if user == ADMIN_ROLE { TokenAction::DbConnectAdmin } else { TokenAction::DbConnect }
    }

    /// Parses an `Action=` value (exact spelling, as DSQL does).
    pub fn parse(action: &str) -> Option<TokenAction> {
        match action {
            "DbConnect" => Some(TokenAction::DbConnect),
            "DbConnectAdmin" => Some(TokenAction::DbConnectAdmin),
            _ => None,
        }
    }
}

impl std::fmt::Display for TokenAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks a token lifetime against DSQL's bounds (1 s ..= 7 days).
pub fn check_expires_in(secs: u64) -> Result<Duration, MintError> {
    if secs == 0 || secs > MAX_EXPIRES_IN.as_secs() {
        return Err(MintError::InvalidExpiry { secs });
    }
    Ok(Duration::from_secs(secs))
}

/// Shows an access key id without giving it away: `AKIA…WXYZ`.
pub fn mask_access_key_id(akid: &str) -> String {
    let chars: Vec<char> = akid.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}
