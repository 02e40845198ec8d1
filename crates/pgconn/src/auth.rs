//! The password for one connection attempt: the fixed one, or an IAM token
//! minted just now (the token is only checked at login, so a fresh one per
//! attempt never expires on the way).

use dsql::token::{SharedCredentialsProvider, TokenAction, TokenParams};
use tokio::sync::OnceCell;

use crate::{Auth, ConnectOptions, Error};

/// The AWS credential chain is loaded once per process: loading probes the
/// environment, profiles and (on EC2) the instance metadata service.
static CHAIN: OnceCell<SharedCredentialsProvider> = OnceCell::const_new();

/// The provider used for IAM tokens with `opts`.
pub(crate) async fn credentials(opts: &ConnectOptions, region: &str) -> Result<SharedCredentialsProvider, Error> {
    if let Some(provider) = &opts.credentials {
        return Ok(provider.clone());
    }
    let provider =
        CHAIN.get_or_try_init(|| dsql::token::credentials_from_chain(Some(region))).await.map_err(Error::Token)?;
    Ok(provider.clone())
}

/// The password to send on this attempt.
pub(crate) async fn password_for_attempt(opts: &ConnectOptions) -> Result<Option<String>, Error> {
    match &opts.auth {
        Auth::Password(password) => Ok(password.clone()),
        Auth::Iam { region } => {
            let provider = credentials(opts, region).await?;
            let mut params = TokenParams::new(opts.host.clone(), region.clone(), TokenAction::for_user(&opts.user));
            params.expires_in = opts.token_expires_in;
            let token = dsql::token::generate_with(&params, &provider).await.map_err(Error::Token)?;
            Ok(Some(token))
        }
    }
}
