//! `terraform output -json` and the `.env` made from it. The module's
//! `temporal_env` output is already the map of renderer variables
//! (`TEMPORAL_SQL_HOST`, …); this turns it into `KEY=value` lines, checked
//! so that every parser of `.env` files (docker compose, shells) reads the
//! same value back.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::{InfraError, Result};

/// The module output holding the renderer's variables.
pub const TEMPORAL_ENV: &str = "temporal_env";

/// Parsed `terraform output -json`: output name → value.
#[derive(Debug, Clone, PartialEq)]
pub struct Outputs {
    origin: String,
    values: Map<String, Value>,
}

impl Outputs {
    /// Parses `{"name": {"value": …, "type": …, "sensitive": …}, …}`;
    /// `origin` names the source in errors (a file, or the command).
    pub fn parse(text: &str, origin: &str) -> Result<Outputs> {
        let bad = |message: String| InfraError::BadOutputs { origin: origin.to_string(), message };
        let doc: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let Value::Object(entries) = doc else {
            return Err(bad("expected a JSON object of outputs".into()));
        };
        let mut values = Map::new();
        for (name, entry) in entries {
            let value = entry.get("value").cloned().ok_or_else(|| bad(format!("output {name:?} has no \"value\"")))?;
            values.insert(name, value);
        }
        Ok(Outputs { origin: origin.to_string(), values })
    }

    /// Reads a file written by `terraform output -json > FILE`.
    pub fn from_file(path: &Path) -> Result<Outputs> {
        let text =
            std::fs::read_to_string(path).map_err(|source| InfraError::Read { path: path.to_path_buf(), source })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Whether the root module has this output at all (even when null).
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name).filter(|v| !v.is_null())
    }

    /// A string output, `None` when absent or null.
    pub fn string(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    /// The `temporal_env` map, every key an environment variable name and
    /// every value a string.
    pub fn temporal_env(&self) -> Result<BTreeMap<String, String>> {
        let bad = |message: String| InfraError::BadTemporalEnv { origin: self.origin.clone(), message };
        let value = self.get(TEMPORAL_ENV).ok_or_else(|| InfraError::NoTemporalEnv { origin: self.origin.clone() })?;
        let Value::Object(map) = value else {
            return Err(bad("expected a map of strings".into()));
        };
        let mut env = BTreeMap::new();
        for (key, value) in map {
            if !is_env_name(key) {
                return Err(bad(format!("{key:?} is not an environment variable name")));
            }
            let value = match value {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                other => return Err(bad(format!("{key} is {other}, not a string"))),
            };
            env.insert(key.clone(), value);
        }
        if env.is_empty() {
            return Err(bad("the map is empty (is create_dsql_cluster false?)".into()));
        }
        Ok(env)
    }
}

/// `.env` text for `env`: a header naming the source, then sorted `KEY=value`.
/// Values are written unquoted, so those a `.env` parser could read
/// differently (spaces, quotes, `#`, `$`, backslashes, newlines) are refused.
pub fn env_file_text(env: &BTreeMap<String, String>, origin: &str) -> Result<String> {
    let mut out = format!(
        "# Written by `dsql-deploy infra env` from {origin}.\n# Re-run it after `dsql-deploy infra apply` instead of editing.\n"
    );
    for (key, value) in env {
        if let Some(c) = value.chars().find(|c| c.is_whitespace() || "\"'#$\\`".contains(*c)) {
            return Err(InfraError::BadTemporalEnv {
                origin: origin.to_string(),
                message: format!("the value of {key} contains {c:?}, which a .env file cannot carry unquoted"),
            });
        }
        out.push_str(&format!("{key}={value}\n"));
    }
    Ok(out)
}

/// Writes the `.env` atomically; an existing file is kept unless `force`.
pub fn write_env_file(path: &Path, text: &str, force: bool) -> Result<()> {
    fsutil::write_new(path, text.as_bytes(), 0o644, force)
        .map_err(|source| InfraError::Write { path: path.to_path_buf(), source })
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../terraform/tests/fixtures").join(name);
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn recorded_complete_outputs_give_the_renderer_variables() {
        let outputs = Outputs::parse(&fixture("complete-outputs.json"), "fixture").unwrap();
        let env = outputs.temporal_env().unwrap();
        let endpoint = outputs.get("dsql_vpc_endpoint_dns_entries").unwrap()[0]["dns_name"].as_str().unwrap();
        assert_eq!(env["TEMPORAL_SQL_HOST"], endpoint, "VPN clients use the endpoint's DNS name");
        assert_eq!(env["TEMPORAL_SQL_PLUGIN_NAME"], "dsql");
        assert_eq!(env["TEMPORAL_SQL_IAM_AUTH"], "true");
        let domain = outputs.string("opensearch_domain_endpoint").unwrap();
        assert_eq!(env["TEMPORAL_OPENSEARCH_ENDPOINT"], format!("https://{domain}"));
    }

    #[test]
    fn recorded_minimal_outputs_use_the_public_endpoint() {
        let outputs = Outputs::parse(&fixture("minimal-outputs.json"), "fixture").unwrap();
        let env = outputs.temporal_env().unwrap();
        assert_eq!(env["TEMPORAL_SQL_HOST"], outputs.string("dsql_public_endpoint").unwrap());
        assert!(!env.contains_key("TEMPORAL_OPENSEARCH_ENDPOINT"));
    }

    #[test]
    fn env_text_is_sorted_key_value_lines() {
        let env: BTreeMap<String, String> = [("TEMPORAL_SQL_PORT", "5432"), ("TEMPORAL_SQL_HOST", "h.example")]
            .map(|(k, v)| (k.into(), v.into()))
            .into();
        let text = env_file_text(&env, "test").unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(lines, ["TEMPORAL_SQL_HOST=h.example", "TEMPORAL_SQL_PORT=5432"]);
    }

    #[test]
    fn values_a_parser_could_misread_are_refused() {
        for bad in ["a b", "x#y", "$HOME", "q\"", "line\nbreak"] {
            let env: BTreeMap<String, String> = [("K".to_string(), bad.to_string())].into();
            let err = env_file_text(&env, "test").unwrap_err().to_string();
            assert!(err.contains("value of K"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn malformed_documents_say_what_is_wrong() {
        let err = Outputs::parse("[]", "f.json").unwrap_err().to_string();
        assert!(err.contains("f.json") && err.contains("object"), "{err}");
        let err = Outputs::parse("{\"x\": {}}", "f.json").unwrap_err().to_string();
        assert!(err.contains("\"x\"") && err.contains("value"), "{err}");
        let err = Outputs::parse("{}", "f.json").unwrap().temporal_env().unwrap_err().to_string();
        assert!(err.contains("temporal_env"), "{err}");
        let doc = r#"{"temporal_env": {"value": {"lower": "x"}}}"#;
        let err = Outputs::parse(doc, "f.json").unwrap().temporal_env().unwrap_err().to_string();
        assert!(err.contains("\"lower\""), "{err}");
    }
}
