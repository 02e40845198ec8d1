//! IAM auth tokens for upstream logins: a fresh token per connection,
//! `DbConnectAdmin` for the `admin` role and `DbConnect` for every other
//! role (DSQL-FACTS §1). Tokens are passwords: they are never logged.

use std::sync::Arc;
use std::time::Duration;

use dsql::token::{SharedCredentialsProvider, TokenAction, TokenParams};
use proxy::upstream::TokenFuture;
use proxy::{Identity, TokenSource};

use crate::metrics::{GatewayMetrics, inc};

/// Mints a token per upstream connection.
pub struct IamTokens {
    /// The host the token is signed for (the cluster endpoint).
    pub host: String,
    pub region: String,
    /// Upstream user when it differs from the client's (`--upstream-user`).
    pub user_override: Option<String>,
    pub provider: SharedCredentialsProvider,
    /// Token validity; only needs to cover the login itself.
    pub expires_in: Duration,
    pub metrics: Arc<GatewayMetrics>,
}

impl IamTokens {
    async fn mint(&self, identity: &Identity) -> Result<String, String> {
        let user = self.user_override.as_deref().unwrap_or(&identity.user);
        let mut params = TokenParams::new(&self.host, &self.region, TokenAction::for_user(user));
        params.expires_in = self.expires_in;
        let result = dsql::token::generate_with(&params, &self.provider).await;
        match result {
            Ok(token) => {
                inc(&self.metrics.token_mints_total);
                Ok(token)
            }
            Err(e) => {
                inc(&self.metrics.token_mint_errors_total);
                // MintError messages name the problem, never a secret.
                Err(e.to_string())
            }
        }
    }
}

impl TokenSource for IamTokens {
    fn password<'a>(&'a self, identity: &'a Identity) -> TokenFuture<'a> {
        Box::pin(self.mint(identity))
    }
}
