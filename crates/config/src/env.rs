//! `DSQL_DEPLOY_<SECTION>_<KEY>` overrides applied onto the parsed TOML table.

use crate::{ConfigError, ENV_PREFIX, RESERVED_ENV};

/// Section names, longest first so that a section whose name is a prefix of
/// another never steals its variables.
const SECTIONS: &[&str] = &["emulator", "gateway", "project", "schema", "certs", "infra", "up"];

/// Applies every override and returns the variable names used.
pub fn apply_overrides(table: &mut toml::Table, env: &[(String, String)]) -> Result<Vec<String>, ConfigError> {
    let mut applied = Vec::new();
    let mut vars: Vec<&(String, String)> =
        env.iter().filter(|(k, _)| k.starts_with(ENV_PREFIX) && !RESERVED_ENV.contains(&k.as_str())).collect();
    vars.sort();
    for (name, raw) in vars {
        let rest = &name[ENV_PREFIX.len()..];
        let (section, key) = split(rest).ok_or_else(|| ConfigError::Parse {
            origin: format!("environment variable {name}"),
            message: format!(
                "does not name a config key; expected {ENV_PREFIX}<SECTION>_<KEY> with SECTION one of {}",
                SECTIONS.join(", ").to_uppercase()
            ),
        })?;
        let entry = table.entry(section.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let toml::Value::Table(section_table) = entry else {
            return Err(ConfigError::Parse {
                origin: format!("environment variable {name}"),
                message: format!("[{section}] is not a table in the config file"),
            });
        };
        section_table.insert(key, parse_value(raw));
        applied.push(name.clone());
    }
    Ok(applied)
}

fn split(rest: &str) -> Option<(&'static str, String)> {
    SECTIONS.iter().find_map(|s| {
        let upper = s.to_uppercase();
        let key = rest.strip_prefix(&upper)?.strip_prefix('_')?;
        (!key.is_empty()).then(|| (*s, key.to_lowercase()))
    })
}

/// A value is a TOML literal when it parses as one (`5433`, `true`,
/// `["a", "b"]`), else a plain string, so `DSQL_DEPLOY_PROJECT_NAME=demo`
/// needs no quotes.
fn parse_value(raw: &str) -> toml::Value {
    let doc = format!("v = {raw}");
    match toml::from_str::<toml::Table>(&doc) {
        Ok(mut t) => t.remove("v").unwrap_or_else(|| toml::Value::String(raw.to_string())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}
