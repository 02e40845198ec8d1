//! Minting tokens with aws-sdk-dsql's `AuthTokenGenerator`. The signing time
//! comes from the SDK's own time-source mechanism (a `StaticTimeSource` in the
//! `SdkConfig`), so a fixed time reproduces a token bit for bit.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_dsql::auth_token::{AuthTokenGenerator, Config as GeneratorConfig};
use aws_smithy_async::time::StaticTimeSource;

use super::{DEFAULT_EXPIRES_IN, MAX_EXPIRES_IN, TokenAction};

/// What to sign: one host, region and action, for a lifetime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenParams {
    /// Cluster endpoint host name (no scheme, no port).
    pub host: String,
    pub region: String,
    pub action: TokenAction,
    /// 1 s ..= 7 days.
    pub expires_in: Duration,
    /// `None` signs at the current time; `Some` reproduces a token exactly.
    pub signing_time: Option<SystemTime>,
}

impl TokenParams {
    /// Parameters with the SDK default lifetime (900 s), signed now.
    pub fn new(host: impl Into<String>, region: impl Into<String>, action: TokenAction) -> TokenParams {
        TokenParams {
            host: host.into(),
            region: region.into(),
            action,
            expires_in: DEFAULT_EXPIRES_IN,
            signing_time: None,
        }
    }
}

/// Why no token could be minted.
#[derive(Debug, thiserror::Error)]
pub enum MintError {
    #[error(
        "token expiry {secs} s is out of range: DSQL accepts 1 to 604800 seconds (7 days); \
         the usual value is 900"
    )]
    InvalidExpiry { secs: u64 },
    #[error(
        "endpoint {host:?} is not a host name: give only the host, e.g. abc123.dsql.us-east-1.on.aws (no scheme, port or path)"
    )]
    InvalidHost { host: String },
    #[error(
        "no region to sign the token for: pass --region (e.g. us-east-1) or use a <id>.dsql.<region>.on.aws endpoint"
    )]
    MissingRegion,
    #[error(
        "no AWS credentials found ({detail}); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, \
         choose a profile with AWS_PROFILE, or run where an IAM role is available"
    )]
    NoCredentials { detail: String },
    #[error("signing the DSQL auth token failed: {detail}")]
    Signing { detail: String },
}

/// The credential provider of the standard AWS chain (environment, profile,
/// SSO, web identity, container and instance roles).
pub async fn credentials_from_chain(region: Option<&str>) -> Result<SharedCredentialsProvider, MintError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_string()));
    }
    let config = loader.load().await;
    config
        .credentials_provider()
        .ok_or_else(|| MintError::NoCredentials { detail: "the AWS credential chain is empty".into() })
}

/// Asks `provider` for credentials once.
pub async fn resolve_credentials(provider: &SharedCredentialsProvider) -> Result<Credentials, MintError> {
    provider.provide_credentials().await.map_err(|e| MintError::NoCredentials { detail: one_line(&error_chain(&e)) })
}

/// Resolves credentials from `provider`, then mints a token.
pub async fn generate_with(params: &TokenParams, provider: &SharedCredentialsProvider) -> Result<String, MintError> {
    let credentials = resolve_credentials(provider).await?;
    generate(params, &credentials)
}

/// Mints a token with explicit credentials. Synchronous: with static
/// credentials and a static time source the SDK's generator never waits.
pub fn generate(params: &TokenParams, credentials: &Credentials) -> Result<String, MintError> {
    let secs = params.expires_in.as_secs();
    if secs == 0 || params.expires_in > MAX_EXPIRES_IN || params.expires_in.subsec_nanos() != 0 {
        return Err(MintError::InvalidExpiry { secs });
    }
    let host = params.host.trim().to_ascii_lowercase();
    if !is_plain_host(&host) {
        return Err(MintError::InvalidHost { host: params.host.clone() });
    }
    if params.region.trim().is_empty() {
        return Err(MintError::MissingRegion);
    }
    let signing_time = params.signing_time.unwrap_or_else(SystemTime::now);
    let sdk_config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .credentials_provider(SharedCredentialsProvider::new(credentials.clone()))
        .time_source(StaticTimeSource::new(signing_time))
        .build();
    let generator_config = GeneratorConfig::builder()
        .hostname(host)
        .region(Region::new(params.region.clone()))
        .expires_in(secs)
        .build()
        .map_err(|e| MintError::Signing { detail: e.to_string() })?;
    let generator = AuthTokenGenerator::new(generator_config);
    let token = match params.action {
        TokenAction::DbConnect => poll_ready(generator.db_connect_auth_token(&sdk_config)),
        TokenAction::DbConnectAdmin => poll_ready(generator.db_connect_admin_auth_token(&sdk_config)),
    };
    match token {
        Some(Ok(token)) => Ok(token.to_string()),
        Some(Err(e)) => Err(MintError::Signing { detail: e.to_string() }),
        None => Err(MintError::Signing { detail: "the SDK token generator did not complete synchronously".into() }),
    }
}

/// Polls a future once. The SDK generator's only await is on the credential
/// provider, which for static `Credentials` is ready immediately.
fn poll_ready<F: Future>(future: F) -> Option<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

/// A DNS-style host name: no scheme, port, path, query or spaces.
fn is_plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && !host.starts_with('.')
        && !host.starts_with('-')
}

/// The SDK lists every provider it tried on its own line; errors here are one line.
fn one_line(text: &str) -> String {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")
}

/// `outer: cause: root` for an error and its sources.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
