//! Terraform variables from `dsql-deploy.toml`, written as
//! `dsql-deploy.auto.tfvars.json` in the root module (Terraform loads
//! `*.auto.tfvars.json` by itself, so a plain `terraform plan` there sees the
//! same values). Only variables the root module declares are written:
//! Terraform warns about undeclared ones, and `examples/minimal` declares few.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dsql_deploy_config::Config;
use serde_json::{Map, Value, json};

use crate::{InfraError, Result};

/// The file `infra` writes in the root module.
pub const TFVARS_FILE: &str = "dsql-deploy.auto.tfvars.json";

/// ACM ARNs for the Client VPN, from `[infra]` or from `dsql-deploy certs`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VpnCertificates {
    pub server_certificate_arn: Option<String>,
    pub root_certificate_arn: Option<String>,
}

/// Every module variable `dsql-deploy.toml` sets.
pub fn from_config(config: &Config, certs: &VpnCertificates) -> Map<String, Value> {
    let infra = &config.infra;
    let optional = |s: &str| if s.is_empty() { Value::Null } else { Value::String(s.to_string()) };
    let auth_options: Vec<Value> = certs
        .root_certificate_arn
        .iter()
        .map(|arn| json!({"type": "certificate-authentication", "root_certificate_chain_arn": arn}))
        .collect();
    let vars = json!({
        "name": config.project.name,
        "tags": config.project.tags,
        "vpc_cidr": infra.vpc_cidr,
        "azs": infra.azs,
        "dsql_deletion_protection": infra.deletion_protection,
        "dsql_kms_key_arn": optional(&infra.dsql_kms_key_arn),
        "enable_dsql_vpc_only_policy": infra.enable_dsql_vpc_only_policy,
        "opensearch_mode": infra.opensearch_mode,
        "opensearch_instance_type": infra.opensearch_instance_type,
        "opensearch_instance_count": infra.opensearch_instance_count,
        "opensearch_access_principals": infra.opensearch_access_principals,
        "create_client_vpn": infra.enable_client_vpn,
        "client_vpn_cidr": infra.client_vpn_cidr,
        "allowed_client_cidrs": infra.allowed_client_cidrs,
        "client_vpn_split_tunnel": infra.client_vpn_split_tunnel,
        "enable_client_vpn_connection_log": infra.enable_client_vpn_connection_log,
        "client_vpn_server_certificate_arn": certs.server_certificate_arn,
        "client_vpn_authentication_options": auth_options,
    });
    match vars {
        Value::Object(map) => map,
        // json!({...}) with literal braces always builds an object.
        _ => Map::new(),
    }
}

/// Names in `variable "NAME"` blocks of the directory's `.tf` files.
pub fn declared_variables(dir: &Path) -> Result<BTreeSet<String>> {
    let read_err = |source| InfraError::Read { path: dir.to_path_buf(), source };
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        if path.extension().is_none_or(|x| x != "tf") {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|source| InfraError::Read { path: path.clone(), source })?;
        names.extend(variable_names(&text));
    }
    Ok(names)
}

/// `variable "x" {` at the start of a line (HCL's block syntax; the
/// formatter keeps top-level blocks unindented).
fn variable_names(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines().filter_map(|line| {
        let rest = line.strip_prefix("variable")?.trim_start();
        let rest = rest.strip_prefix('"')?;
        let (name, after) = rest.split_once('"')?;
        after.trim_start().starts_with('{').then(|| name.to_string())
    })
}

/// Splits `vars` into those `declared` and the names of the others.
pub fn only_declared(vars: Map<String, Value>, declared: &BTreeSet<String>) -> (Map<String, Value>, Vec<String>) {
    let mut skipped = Vec::new();
    let kept = vars
        .into_iter()
        .filter(|(name, _)| {
            let keep = declared.contains(name);
            if !keep {
                skipped.push(name.clone());
            }
            keep
        })
        .collect();
    (kept, skipped)
}

/// Writes `vars` to `DIR/dsql-deploy.auto.tfvars.json` atomically. It is
/// generated from the config on every run, so it is replaced without asking.
pub fn write(dir: &Path, vars: &Map<String, Value>) -> Result<PathBuf> {
    let path = dir.join(TFVARS_FILE);
    let mut text = serde_json::to_string_pretty(vars).unwrap_or_default();
    text.push('\n');
    fsutil::write_atomic(&path, text.as_bytes(), 0o644)
        .map_err(|source| InfraError::Write { path: path.clone(), source })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_blocks_are_found_and_other_text_is_not() {
        let text = "variable \"name\" {\n}\nvariable \"tags\"{\n}\n# variable \"commented\" {\n  variable \"nested\" {\nvariables \"x\" {\noutput \"vpc_id\" {\n";
        let names: Vec<String> = variable_names(text).collect();
        assert_eq!(names, ["name", "tags"]);
    }

    #[test]
    fn config_maps_to_module_variables() {
        let mut config = Config::default();
        config.project.name = "demo".into();
        config.project.tags.insert("team".into(), "infra".into());
        config.infra.dsql_kms_key_arn = String::new();
        config.infra.opensearch_mode = "none".into();
        let certs = VpnCertificates {
            server_certificate_arn: Some("arn:aws:acm:us-east-1:123456789012:certificate/s".into()),
            root_certificate_arn: Some("arn:aws:acm:us-east-1:123456789012:certificate/r".into()),
        };
        let vars = from_config(&config, &certs);
        assert_eq!(vars["name"], "demo");
        assert_eq!(vars["tags"]["team"], "infra");
        assert_eq!(vars["dsql_kms_key_arn"], Value::Null, "empty ARN means the module default");
        assert_eq!(vars["opensearch_mode"], "none");
        assert_eq!(vars["create_client_vpn"], true);
        assert_eq!(vars["client_vpn_authentication_options"][0]["type"], "certificate-authentication");
        assert_eq!(
            vars["client_vpn_authentication_options"][0]["root_certificate_chain_arn"],
            "arn:aws:acm:us-east-1:123456789012:certificate/r"
        );
    }

    #[test]
    fn without_root_certificate_there_is_no_auth_option() {
        let vars = from_config(&Config::default(), &VpnCertificates::default());
        assert_eq!(vars["client_vpn_authentication_options"], json!([]));
        assert_eq!(vars["client_vpn_server_certificate_arn"], Value::Null);
    }

    #[test]
    fn undeclared_variables_are_skipped_and_named() {
        let vars = from_config(&Config::default(), &VpnCertificates::default());
        let declared: BTreeSet<String> = ["name", "tags", "dsql_deletion_protection"].map(String::from).into();
        let (kept, skipped) = only_declared(vars, &declared);
        assert_eq!(kept.keys().collect::<Vec<_>>(), ["dsql_deletion_protection", "name", "tags"]);
        assert!(skipped.contains(&"opensearch_mode".to_string()));
    }

    #[test]
    fn write_is_json_terraform_can_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut vars = Map::new();
        vars.insert("name".into(), json!("demo"));
        let path = write(dir.path(), &vars).unwrap();
        let back: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(back, json!({"name": "demo"}));
    }
}
