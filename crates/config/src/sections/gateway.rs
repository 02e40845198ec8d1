//! `[gateway]`: the DSQL gateway that PostgreSQL clients connect to.

use serde::{Deserialize, Serialize};

use crate::Problems;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewayConfig {
    /// Address the gateway listens on.
    pub listen: String,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self { listen: "127.0.0.1:5432".into() }
    }
}

impl GatewayConfig {
    pub fn validate(&self, problems: &mut Problems) {
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            problems.push("gateway.listen", format!("{:?} is not an address like \"127.0.0.1:5432\"", self.listen));
        }
    }
}
