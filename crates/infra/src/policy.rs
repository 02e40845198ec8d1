//! The VPC-only cluster policy. The aws provider 5.x has no resource for
//! DSQL resource-based policies, so the module outputs the document
//! (`dsql_cluster_policy`) and this attaches it with `PutClusterPolicy`
//! after `apply` — and removes it again when the option is turned off, but
//! only when the attached policy is ours (its statement id), so a policy
//! someone wrote by hand is never deleted.

use aws_sdk_dsql::error::ProvideErrorMetadata;

use crate::{InfraError, Outputs, Result};

/// The statement id the module's policy uses (terraform/dsql.tf).
pub const STATEMENT_ID: &str = "DenyConnectionsFromOutsideTheVpc";

/// The module output holding the policy document (null when disabled).
pub const POLICY_OUTPUT: &str = "dsql_cluster_policy";

/// What [`converge`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyChange {
    Attached,
    AlreadyAttached,
    Removed,
    Unchanged,
}

/// A DSQL client for `region`; credentials and endpoint come from the
/// standard AWS environment (`AWS_ENDPOINT_URL` points it at moto in tests).
pub async fn client(region: &str) -> aws_sdk_dsql::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .load()
        .await;
    aws_sdk_dsql::Client::new(&config)
}

/// Makes the cluster's policy match the `dsql_cluster_policy` output.
pub async fn converge(client: &aws_sdk_dsql::Client, outputs: &Outputs) -> Result<PolicyChange> {
    // A root module without the output (examples/minimal) has no opinion.
    let Some(identifier) = outputs.string("dsql_cluster_identifier").filter(|_| outputs.has(POLICY_OUTPUT)) else {
        return Ok(PolicyChange::Unchanged);
    };
    let wanted = outputs.string(POLICY_OUTPUT);
    let current = current_policy(client, identifier).await?;
    match (wanted, current) {
        (Some(wanted), Some(current)) if same_json(wanted, &current) => Ok(PolicyChange::AlreadyAttached),
        (Some(wanted), _) => {
            client
                .put_cluster_policy()
                .identifier(identifier)
                .policy(wanted)
                .send()
                .await
                .map_err(|e| api_error("PutClusterPolicy", identifier, &e))?;
            Ok(PolicyChange::Attached)
        }
        (None, Some(current)) if current.contains(STATEMENT_ID) => {
            client
                .delete_cluster_policy()
                .identifier(identifier)
                .send()
                .await
                .map_err(|e| api_error("DeleteClusterPolicy", identifier, &e))?;
            Ok(PolicyChange::Removed)
        }
        (None, _) => Ok(PolicyChange::Unchanged),
    }
}

/// The attached policy, `None` when there is none.
pub async fn current_policy(client: &aws_sdk_dsql::Client, identifier: &str) -> Result<Option<String>> {
    match client.get_cluster_policy().identifier(identifier).send().await {
        Ok(out) => Ok(Some(out.policy().to_string())),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => Ok(None),
        Err(err) => Err(api_error("GetClusterPolicy", identifier, &err)),
    }
}

fn same_json(a: &str, b: &str) -> bool {
    match (serde_json::from_str::<serde_json::Value>(a), serde_json::from_str::<serde_json::Value>(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn api_error<E: ProvideErrorMetadata + std::fmt::Display>(operation: &str, identifier: &str, err: &E) -> InfraError {
    let detail = match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => err.to_string(),
    };
    InfraError::Aws { operation: operation.to_string(), identifier: identifier.to_string(), detail }
}
