//! `[infra]`: where the Terraform module lives, which root module
//! `dsql-deploy infra` runs in, and the values it writes as variables.
//! Terraform validates the same inputs again; checking them here first gives
//! the error before Terraform starts, with the config key in it.

use std::net::Ipv4Addr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::Problems;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InfraConfig {
    /// The Terraform module (the repository's `terraform/`).
    pub terraform_dir: PathBuf,
    /// Root module Terraform runs in, relative to `terraform_dir`
    /// (`examples/complete`, `examples/minimal`, or your own).
    pub root: PathBuf,
    /// Where `infra env` writes the `.env` the renderer reads.
    pub env_file: PathBuf,
    /// IPv4 CIDR of the VPC (/16 to /24).
    pub vpc_cidr: String,
    /// Availability zones; empty: the region's first two.
    pub azs: Vec<String>,
    /// DSQL deletion protection (turn off and `infra apply` before `infra destroy`).
    pub deletion_protection: bool,
    /// Customer managed KMS key ARN for the cluster; empty: AWS owned key.
    pub dsql_kms_key_arn: String,
    /// Attach a cluster policy that refuses connections from outside the VPC.
    pub enable_dsql_vpc_only_policy: bool,
    /// `provisioned`, `serverless` or `none`.
    pub opensearch_mode: String,
    pub opensearch_instance_type: String,
    pub opensearch_instance_count: u32,
    /// IAM principals allowed to use OpenSearch; empty: the account root.
    pub opensearch_access_principals: Vec<String>,
    /// Create the Client VPN endpoint.
    pub enable_client_vpn: bool,
    /// IPv4 CIDR VPN clients get addresses from (/12 to /22).
    pub client_vpn_cidr: String,
    /// Source CIDRs allowed to reach the VPN endpoint on TCP 443.
    pub allowed_client_cidrs: Vec<String>,
    pub client_vpn_split_tunnel: bool,
    pub enable_client_vpn_connection_log: bool,
    /// ACM ARN of the VPN server certificate; empty: `dsql-deploy certs` records it.
    pub client_vpn_server_certificate_arn: String,
    /// ACM ARN of the client CA (certificate authentication); empty: as above.
    pub client_vpn_root_certificate_arn: String,
}

impl Default for InfraConfig {
    fn default() -> Self {
        Self {
            terraform_dir: PathBuf::from("terraform"),
            root: PathBuf::from("examples/complete"),
            env_file: PathBuf::from(".env"),
            vpc_cidr: "10.60.0.0/16".into(),
            azs: Vec::new(),
            deletion_protection: true,
            dsql_kms_key_arn: String::new(),
            enable_dsql_vpc_only_policy: false,
            opensearch_mode: "provisioned".into(),
            opensearch_instance_type: "r6g.large.search".into(),
            opensearch_instance_count: 2,
            opensearch_access_principals: Vec::new(),
            enable_client_vpn: true,
            client_vpn_cidr: "10.100.0.0/22".into(),
            allowed_client_cidrs: vec!["0.0.0.0/0".into()],
            client_vpn_split_tunnel: true,
            enable_client_vpn_connection_log: true,
            client_vpn_server_certificate_arn: String::new(),
            client_vpn_root_certificate_arn: String::new(),
        }
    }
}

/// The values `opensearch_mode` accepts (the module's validation says the same).
pub const OPENSEARCH_MODES: &[&str] = &["provisioned", "serverless", "none"];

impl InfraConfig {
    pub fn validate(&self, problems: &mut Problems) {
        if self.terraform_dir.as_os_str().is_empty() {
            problems.push("infra.terraform_dir", "must not be empty (default \"terraform\")");
        }
        check_cidr(problems, "infra.vpc_cidr", &self.vpc_cidr, 16..=24);
        check_cidr(problems, "infra.client_vpn_cidr", &self.client_vpn_cidr, 12..=22);
        for cidr in &self.allowed_client_cidrs {
            check_cidr(problems, "infra.allowed_client_cidrs", cidr, 0..=32);
        }
        if self.enable_client_vpn && self.allowed_client_cidrs.is_empty() {
            problems.push(
                "infra.allowed_client_cidrs",
                "must not be empty when enable_client_vpn is true (use [\"0.0.0.0/0\"] to allow any source)",
            );
        }
        if !OPENSEARCH_MODES.contains(&self.opensearch_mode.as_str()) {
            problems.push(
                "infra.opensearch_mode",
                format!("{:?} must be one of {}", self.opensearch_mode, OPENSEARCH_MODES.join(", ")),
            );
        }
        if self.opensearch_instance_count == 0 {
            problems.push("infra.opensearch_instance_count", "must be at least 1");
        }
        for (key, arn, service) in [
            ("infra.dsql_kms_key_arn", &self.dsql_kms_key_arn, "kms"),
            ("infra.client_vpn_server_certificate_arn", &self.client_vpn_server_certificate_arn, "acm"),
            ("infra.client_vpn_root_certificate_arn", &self.client_vpn_root_certificate_arn, "acm"),
        ] {
            if !arn.is_empty() && !is_arn_of(arn, service) {
                problems.push(key, format!("{arn:?} is not an {service} ARN (arn:aws:{service}:REGION:ACCOUNT:...)"));
            }
        }
    }
}

/// `arn:<partition>:<service>:...`
fn is_arn_of(arn: &str, service: &str) -> bool {
    let mut parts = arn.split(':');
    parts.next() == Some("arn")
        && parts.next().is_some_and(|p| p.starts_with("aws"))
        && parts.next() == Some(service)
        && parts.count() >= 3
}

/// `a.b.c.d/len` with the prefix length in `lengths`.
fn check_cidr(problems: &mut Problems, key: &str, cidr: &str, lengths: std::ops::RangeInclusive<u8>) {
    let ok = cidr.split_once('/').is_some_and(|(addr, len)| {
        addr.parse::<Ipv4Addr>().is_ok() && len.parse::<u8>().is_ok_and(|l| lengths.contains(&l))
    });
    if !ok {
        problems.push(
            key,
            format!(
                "{cidr:?} is not an IPv4 CIDR block with a prefix between /{} and /{} (e.g. \"10.60.0.0/16\")",
                lengths.start(),
                lengths.end()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(cfg: &InfraConfig) -> Vec<String> {
        let mut p = Problems::default();
        cfg.validate(&mut p);
        p.0.into_iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn defaults_are_valid() {
        assert!(problems(&InfraConfig::default()).is_empty());
    }

    #[test]
    fn bad_values_are_each_reported_with_their_key() {
        let cfg = InfraConfig {
            vpc_cidr: "10.0.0.0/33".into(),
            client_vpn_cidr: "10.100.0.0/24".into(),
            allowed_client_cidrs: vec!["nope".into()],
            opensearch_mode: "cheap".into(),
            opensearch_instance_count: 0,
            client_vpn_server_certificate_arn: "arn:aws:iam::1:role/x".into(),
            ..InfraConfig::default()
        };
        let got = problems(&cfg);
        for key in [
            "infra.vpc_cidr",
            "infra.client_vpn_cidr",
            "infra.allowed_client_cidrs",
            "infra.opensearch_mode",
            "infra.opensearch_instance_count",
            "infra.client_vpn_server_certificate_arn",
        ] {
            assert!(got.iter().any(|p| p.starts_with(key)), "{key} missing from {got:?}");
        }
        assert_eq!(got.len(), 6, "{got:?}");
    }

    #[test]
    fn vpn_needs_allowed_sources() {
        let cfg = InfraConfig { allowed_client_cidrs: vec![], ..InfraConfig::default() };
        assert!(problems(&cfg).iter().any(|p| p.contains("allowed_client_cidrs")));
        let cfg = InfraConfig { allowed_client_cidrs: vec![], enable_client_vpn: false, ..InfraConfig::default() };
        assert!(problems(&cfg).is_empty());
    }

    #[test]
    fn arn_shapes() {
        assert!(is_arn_of("arn:aws:acm:us-east-1:123456789012:certificate/abc", "acm"));
        assert!(is_arn_of("arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/abc", "kms"));
        assert!(!is_arn_of("arn:aws:kms:us-east-1:123456789012:key/abc", "acm"));
        assert!(!is_arn_of("acm:certificate", "acm"));
    }
}
