//! Checking a token the way DSQL does, for the emulator: structure, host,
//! region, service and key, then the signature (recomputed by minting the
//! same token again with the SDK and compared in constant time), then the
//! validity window. Every failure says exactly what was wrong; what DSQL
//! itself tells the client is [`TokenError::server_message`] + [`TokenError::hint`].

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use time::macros::format_description;

use super::{MAX_EXPIRES_IN, SERVICE, TokenAction, TokenParams, generate};
use crate::errors::{ACCESS_DENIED, HINT_SIGNATURE_EXPIRED, SQLSTATE_INVALID_AUTHORIZATION};

/// Tolerated clock difference between the signer and us for tokens dated in
/// the future (SigV4 services allow a few minutes of skew).
pub const CLOCK_SKEW: Duration = Duration::from_secs(300);

/// Why a token is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed auth token: {0}")]
    Malformed(String),
    #[error("auth token is for host {got}, expected {expected}")]
    WrongHost { got: String, expected: String },
    #[error("auth token is signed for region {got}, this cluster is in {expected}")]
    WrongRegion { got: String, expected: String },
    #[error("auth token is signed for service {got:?}, expected \"dsql\"")]
    WrongService { got: String },
    #[error("auth token is signed with unknown access key id {0}")]
    UnknownAccessKey(String),
    #[error("auth token signature does not match (wrong secret key, or the token was altered)")]
    BadSignature,
    /// Display matches DSQL's FATAL message; the hint is `Signature expired`.
    #[error("unable to accept connection, access denied")]
    Expired { expired_at: SystemTime },
    #[error("auth token is dated in the future (signed at {signed_at}); check the signer's clock")]
    NotYetValid { signed_at: String },
}

impl TokenError {
    /// The FATAL message DSQL sends for every refused token.
    pub fn server_message(&self) -> &'static str {
        ACCESS_DENIED
    }

    /// The hint DSQL adds (only known for expired tokens).
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            TokenError::Expired { .. } => Some(HINT_SIGNATURE_EXPIRED),
            _ => None,
        }
    }

    /// SQLSTATE for the FATAL error (invalid authorization specification).
    pub fn sqlstate(&self) -> &'static str {
        SQLSTATE_INVALID_AUTHORIZATION
    }
}

/// The query parameters of a token, as found.
struct Parsed {
    host: String,
    action: TokenAction,
    akid: String,
    credential_date: String,
    region: String,
    service: String,
    signed_at: OffsetDateTime,
    expires_in: u64,
    session_token: Option<String>,
    signature: String,
}

/// Verifies `token` for one of `expected_hosts` in `region`, signed with the
/// given key pair, at time `now`; returns the action it grants.
pub fn verify(
    token: &str,
    expected_hosts: &[&str],
    region: &str,
    access_key_id: &str,
    secret_access_key: &str,
    now: SystemTime,
) -> Result<TokenAction, TokenError> {
    let parsed = parse(token)?;
    if !expected_hosts.iter().any(|h| h.eq_ignore_ascii_case(&parsed.host)) {
        return Err(TokenError::WrongHost { got: parsed.host, expected: expected_hosts.join(" or ") });
    }
    if parsed.region != region {
        return Err(TokenError::WrongRegion { got: parsed.region, expected: region.to_string() });
    }
    if parsed.service != SERVICE {
        return Err(TokenError::WrongService { got: parsed.service });
    }
    if parsed.akid != access_key_id {
        return Err(TokenError::UnknownAccessKey(parsed.akid));
    }
    let signed_at = SystemTime::from(parsed.signed_at);
    let expected = expected_signature(&parsed, signed_at, secret_access_key)?;
    if !bool::from(expected.as_bytes().ct_eq(parsed.signature.as_bytes())) {
        return Err(TokenError::BadSignature);
    }
    if signed_at > now + CLOCK_SKEW {
        return Err(TokenError::NotYetValid { signed_at: parsed.credential_date_time() });
    }
    let expired_at = signed_at + Duration::from_secs(parsed.expires_in);
    if now > expired_at {
        return Err(TokenError::Expired { expired_at });
    }
    Ok(parsed.action)
}

/// Mints the token the signer should have produced and returns its signature.
fn expected_signature(parsed: &Parsed, signed_at: SystemTime, secret: &str) -> Result<String, TokenError> {
    let credentials = Credentials::new(&parsed.akid, secret, parsed.session_token.clone(), None, "dsql-verify");
    let params = TokenParams {
        host: parsed.host.clone(),
        region: parsed.region.clone(),
        action: parsed.action,
        expires_in: Duration::from_secs(parsed.expires_in),
        signing_time: Some(signed_at),
    };
    let token = generate(&params, &credentials).map_err(|e| TokenError::Malformed(e.to_string()))?;
    let reparsed = parse(&token)?;
    Ok(reparsed.signature)
}

impl Parsed {
    fn credential_date_time(&self) -> String {
        let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
        self.signed_at.format(&fmt).unwrap_or_else(|_| self.credential_date.clone())
    }
}

fn parse(token: &str) -> Result<Parsed, TokenError> {
    let malformed = |what: &str| TokenError::Malformed(what.to_string());
    if token.is_empty() {
        return Err(malformed("the password is empty; an IAM auth token was expected"));
    }
    if token.contains("://") {
        return Err(malformed("it starts with a URL scheme; a token is <host>/?Action=…"));
    }
    let url = url::Url::parse(&format!("https://{token}"))
        .map_err(|e| TokenError::Malformed(format!("not a presigned URL ({e})")))?;
    let host = url.host_str().ok_or_else(|| malformed("no host name"))?.to_string();
    if url.path() != "/" || url.port().is_some() || !url.username().is_empty() {
        return Err(malformed("expected <host>/?Action=… with no port, user or path"));
    }
    let mut fields = Fields::default();
    for (name, value) in url.query_pairs() {
        let slot = match name.as_ref() {
            "Action" => &mut fields.action,
            "X-Amz-Algorithm" => &mut fields.algorithm,
            "X-Amz-Credential" => &mut fields.credential,
            "X-Amz-Date" => &mut fields.date,
            "X-Amz-Expires" => &mut fields.expires,
            "X-Amz-Security-Token" => &mut fields.session_token,
            "X-Amz-SignedHeaders" => &mut fields.signed_headers,
            "X-Amz-Signature" => &mut fields.signature,
            other => return Err(TokenError::Malformed(format!("unexpected parameter {other}"))),
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(TokenError::Malformed(format!("parameter {name} appears twice")));
        }
    }
    let need = |v: Option<String>, name: &str| v.ok_or_else(|| TokenError::Malformed(format!("missing {name}")));
    let action_text = need(fields.action, "Action")?;
    let action = TokenAction::parse(&action_text).ok_or_else(|| {
        TokenError::Malformed(format!("unknown Action {action_text:?} (DbConnect or DbConnectAdmin)"))
    })?;
    if need(fields.algorithm, "X-Amz-Algorithm")? != "AWS4-HMAC-SHA256" {
        return Err(malformed("X-Amz-Algorithm must be AWS4-HMAC-SHA256"));
    }
    if need(fields.signed_headers, "X-Amz-SignedHeaders")? != "host" {
        return Err(malformed("X-Amz-SignedHeaders must be host"));
    }
    let credential = need(fields.credential, "X-Amz-Credential")?;
    let parts: Vec<&str> = credential.split('/').collect();
    let [akid, credential_date, region, service, terminator] = parts[..] else {
        return Err(malformed("X-Amz-Credential must be <key>/<yyyymmdd>/<region>/<service>/aws4_request"));
    };
    if terminator != "aws4_request" || akid.is_empty() {
        return Err(malformed("X-Amz-Credential must be <key>/<yyyymmdd>/<region>/<service>/aws4_request"));
    }
    let date = need(fields.date, "X-Amz-Date")?;
    let signed_at =
        time::PrimitiveDateTime::parse(&date, format_description!("[year][month][day]T[hour][minute][second]Z"))
            .map_err(|_| TokenError::Malformed(format!("X-Amz-Date {date:?} is not yyyymmddThhmmssZ")))?
            .assume_utc();
    if !date.starts_with(credential_date) {
        return Err(malformed("the date in X-Amz-Credential differs from X-Amz-Date"));
    }
    let expires_text = need(fields.expires, "X-Amz-Expires")?;
    let expires_in: u64 =
        expires_text.parse().ok().filter(|secs| (1..=MAX_EXPIRES_IN.as_secs()).contains(secs)).ok_or_else(|| {
            TokenError::Malformed(format!("X-Amz-Expires {expires_text:?} is not 1..=604800 seconds"))
        })?;
    let signature = need(fields.signature, "X-Amz-Signature")?;
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed("X-Amz-Signature must be 64 hex digits"));
    }
    Ok(Parsed {
        host,
        action,
        akid: akid.to_string(),
        credential_date: credential_date.to_string(),
        region: region.to_string(),
        service: service.to_string(),
        signed_at,
        expires_in,
        session_token: fields.session_token,
        signature: signature.to_ascii_lowercase(),
    })
}

#[derive(Default)]
struct Fields {
    action: Option<String>,
    algorithm: Option<String>,
    credential: Option<String>,
    date: Option<String>,
    expires: Option<String>,
    session_token: Option<String>,
    signed_headers: Option<String>,
    signature: Option<String>,
}
