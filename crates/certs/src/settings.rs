//! The `[certs]` section resolved against `[project]`: empty values in the
//! config mean "derive from the project name/region", decided here once.

use std::collections::BTreeMap;

use dsql_deploy_config::{CertKeyType, Config, VpnProtocol};

/// Everything the PKI commands need, with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub key_type: CertKeyType,
    pub country: String,
    pub organization: String,
    pub organizational_unit: String,
    pub ca_common_name: String,
    pub server_common_name: String,
    pub server_dns_names: Vec<String>,
    pub ca_days: u32,
    pub server_days: u32,
    pub client_days: u32,
    pub expiry_warning_days: u32,
    pub vpn_protocol: VpnProtocol,
    pub vpn_port: u16,
    pub acm_region: String,
    /// `project.tags` overlaid with `certs.acm_tags`.
    pub acm_tags: BTreeMap<String, String>,
}

impl Settings {
    pub fn from_config(config: &Config) -> Self {
        let c = &config.certs;
        let project = &config.project;
        let server_dns_names = if c.server_dns_names.is_empty() {
            vec![format!("server.{}.vpn", project.name)]
        } else {
            c.server_dns_names.clone()
        };
        let server_common_name = if c.server_common_name.is_empty() {
            // Validation guarantees at least one name (the default above).
            server_dns_names.first().cloned().unwrap_or_default()
        } else {
            c.server_common_name.clone()
        };
        let mut acm_tags = project.tags.clone();
        acm_tags.extend(c.acm_tags.clone());
        Settings {
            key_type: c.key_type,
            country: c.country.clone(),
            organization: c.organization.clone(),
            organizational_unit: c.organizational_unit.clone(),
            ca_common_name: non_empty_or(&c.ca_common_name, || format!("{} VPN Root CA", project.name)),
            server_common_name,
            server_dns_names,
            ca_days: c.ca_days,
            server_days: c.server_days,
            client_days: c.client_days,
            expiry_warning_days: c.expiry_warning_days,
            vpn_protocol: c.vpn_protocol,
            vpn_port: c.vpn_port,
            acm_region: non_empty_or(&c.acm_region, || project.region.clone()),
            acm_tags,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self::from_config(&Config::default())
    }
}

fn non_empty_or(value: &str, default: impl FnOnce() -> String) -> String {
    if value.is_empty() { default() } else { value.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_follow_the_project() {
        let mut config = Config::default();
        config.project.name = "demo".into();
        config.project.region = "eu-west-1".into();
        config.project.tags.insert("team".into(), "a".into());
        config.certs.acm_tags.insert("team".into(), "b".into());
        let s = Settings::from_config(&config);
        assert_eq!(s.server_dns_names, ["server.demo.vpn"]);
        assert_eq!(s.server_common_name, "server.demo.vpn");
        assert_eq!(s.ca_common_name, "demo VPN Root CA");
        assert_eq!(s.acm_region, "eu-west-1");
        assert_eq!(s.acm_tags["team"], "b", "certs.acm_tags win over project.tags");
    }
}
