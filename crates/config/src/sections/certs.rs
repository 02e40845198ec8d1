//! `[certs]`: the AWS Client VPN PKI that `dsql-deploy certs` manages —
//! where the files live, key type, subjects, lifetimes, the server's DNS
//! names, the OpenVPN profile's transport and the ACM region and tags.
//!
//! Empty strings / lists mean "derive from `[project]`" so that the template
//! can document fixed defaults while names still follow the project.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::Problems;

/// Key algorithm for every key `certs` generates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertKeyType {
    /// RSA 2048: what AWS Client VPN accepts for every certificate.
    #[default]
    Rsa2048,
    /// ECDSA on P-256: smaller and faster, but not what Client VPN documents;
    /// check that your endpoint and clients accept it before choosing it.
    EcdsaP256,
}

/// Transport of the OpenVPN client profile (`certs ovpn`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VpnProtocol {
    #[default]
    Udp,
    Tcp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CertsConfig {
    /// Directory holding `certs/`, `server/`, `clients/` and `.acm/`.
    pub dir: PathBuf,
    /// Key algorithm of every generated key.
    pub key_type: CertKeyType,
    /// Subject attributes shared by every certificate (empty: left out).
    pub country: String,
    pub organization: String,
    pub organizational_unit: String,
    /// CN of the root CA. Empty: "<project.name> VPN Root CA".
    pub ca_common_name: String,
    /// CN of the server certificate. Empty: the first server DNS name.
    pub server_common_name: String,
    /// DNS names in the server certificate's SAN. Empty: ["server.<project.name>.vpn"].
    pub server_dns_names: Vec<String>,
    /// Lifetimes in days.
    pub ca_days: u32,
    pub server_days: u32,
    pub client_days: u32,
    /// `verify` warns when a certificate expires within this many days.
    pub expiry_warning_days: u32,
    /// OpenVPN profile transport; AWS Client VPN listens on 443 or 1194.
    pub vpn_protocol: VpnProtocol,
    pub vpn_port: u16,
    /// ACM region. Empty: `project.region`.
    pub acm_region: String,
    /// Tags on imported ACM certificates, on top of `project.tags`.
    pub acm_tags: BTreeMap<String, String>,
}

impl Default for CertsConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("."),
            key_type: CertKeyType::Rsa2048,
            country: String::new(),
            organization: String::new(),
            organizational_unit: "VPN".into(),
            ca_common_name: String::new(),
            server_common_name: String::new(),
            server_dns_names: Vec::new(),
            ca_days: 3650,
            server_days: 825,
            client_days: 825,
            expiry_warning_days: 30,
            vpn_protocol: VpnProtocol::Udp,
            vpn_port: 443,
            acm_region: String::new(),
            acm_tags: BTreeMap::new(),
        }
    }
}

impl CertsConfig {
    pub fn validate(&self, problems: &mut Problems) {
        let country_ok = self.country.is_empty()
            || (self.country.len() == 2 && self.country.chars().all(|c| c.is_ascii_uppercase()));
        if !country_ok {
            problems.push(
                "certs.country",
                format!("{:?} must be a two-letter ISO code like \"GB\" or empty", self.country),
            );
        }
        for (key, days) in [
            ("certs.ca_days", self.ca_days),
            ("certs.server_days", self.server_days),
            ("certs.client_days", self.client_days),
        ] {
            if days == 0 {
                problems.push(key, "must be greater than 0");
            }
        }
        if self.server_days > self.ca_days || self.client_days > self.ca_days {
            problems.push(
                "certs.server_days",
                "server_days and client_days must not exceed ca_days (a leaf cannot outlive its CA)",
            );
        }
        for name in &self.server_dns_names {
            if !is_dns_name(name) {
                problems
                    .push("certs.server_dns_names", format!("{name:?} is not a DNS name like \"server.example.vpn\""));
            }
        }
        if !matches!(self.vpn_port, 443 | 1194) {
            problems.push(
                "certs.vpn_port",
                format!("{} is not a port AWS Client VPN listens on (443 or 1194)", self.vpn_port),
            );
        }
        if !self.acm_region.is_empty() && !crate::is_region(&self.acm_region) {
            problems.push(
                "certs.acm_region",
                format!("{:?} is not an AWS region name like \"us-east-1\"", self.acm_region),
            );
        }
    }
}

/// Letters, digits and '-' in dot-separated labels of 1-63 characters
/// (a leading "*." wildcard label is allowed).
pub fn is_dns_name(s: &str) -> bool {
    let s = s.strip_prefix("*.").unwrap_or(s);
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use crate::{Config, ConfigError};

    #[test]
    fn bad_certs_values_are_all_reported() {
        let text = "[certs]\ncountry = \"gb\"\nserver_days = 5000\nserver_dns_names = [\"bad name\"]\nvpn_port = 8443\nacm_region = \"mars\"\n";
        let err = Config::from_toml_and_env("f", text, &[]).unwrap_err();
        let ConfigError::Invalid(problems) = &err else { panic!("{err}") };
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            ["certs.country", "certs.server_days", "certs.server_dns_names", "certs.vpn_port", "certs.acm_region"]
        );
    }

    #[test]
    fn key_type_and_protocol_parse_from_env() {
        let env = [
            ("DSQL_DEPLOY_CERTS_KEY_TYPE".to_string(), "ecdsa-p256".to_string()),
            ("DSQL_DEPLOY_CERTS_VPN_PROTOCOL".to_string(), "tcp".to_string()),
        ];
        let config = Config::from_toml_and_env("f", "", &env).unwrap();
        assert_eq!(config.certs.key_type, super::CertKeyType::EcdsaP256);
        assert_eq!(config.certs.vpn_protocol, super::VpnProtocol::Tcp);
        let err = Config::from_toml_and_env("f", "[certs]\nkey_type = \"rsa4096\"\n", &[]).unwrap_err();
        assert!(err.to_string().contains("rsa2048"), "{err}");
    }
}
