//! What `up --target aws` writes: Temporal's config rendered from the
//! module's `temporal_env` (plus what the pipeline knows: the schema it
//! installed, strict TLS, and a visibility store when the deployment has no
//! OpenSearch), the same variables as `.env`, and `up.json`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use dsql_deploy_config::Config;
use infra::Outputs;

use crate::Error;
use crate::envfile::to_dotenv;
use crate::local::Written;
use crate::workdir::{UpState, Workdir};

/// The variables Temporal (DSQL build) needs for this deployment. The
/// module's `temporal_env` wins; the rest fills what it leaves open.
pub fn temporal_env(config: &Config, outputs: &Outputs) -> Result<BTreeMap<String, String>, Error> {
    let mut env = outputs.temporal_env()?;
    let mut default = |key: &str, value: String| {
        env.entry(key.to_string()).or_insert(value);
    };
    // DSQL has one database; Temporal's tables live in the schema `up` installed.
    if config.schema.database != "postgres" {
        default("TEMPORAL_SQL_SCHEMA", config.schema.database.clone());
    }
    default("TEMPORAL_SQL_TLS_ENABLE_HOST_VERIFICATION", "true".into());
    default("TEMPORAL_SQL_AWS_REGION", config.project.region.clone());
    default("AWS_REGION", config.project.region.clone());
    // Without OpenSearch (opensearch_mode = "none") visibility goes to the
    // Elasticsearch service of docker/compose.yaml (its service name: these
    // containers are on the compose network, not the host's as with the emulator).
    if !env.contains_key("TEMPORAL_OPENSEARCH_ENDPOINT") {
        for (key, value) in [
            ("TEMPORAL_ELASTICSEARCH_HOST", "elasticsearch"),
            ("TEMPORAL_ELASTICSEARCH_PORT", "9200"),
            ("TEMPORAL_ELASTICSEARCH_SCHEME", "http"),
            ("TEMPORAL_ELASTICSEARCH_VERSION", "v8"),
        ] {
            env.entry(key.to_string()).or_insert_with(|| value.to_string());
        }
    }
    Ok(env)
}

/// Renders Temporal's config and writes it and the `.env`; unchanged files
/// are not touched.
pub fn write(config: &Config, outputs: &Outputs, workdir: &Workdir) -> Result<Vec<Written>, Error> {
    let env = temporal_env(config, outputs)?;
    let env_map: HashMap<String, String> = env.clone().into_iter().collect();
    let inputs = render::from_env(&env_map, None).map_err(render::RenderError::Invalid)?;
    let template = render::Template::for_inputs(&inputs.inputs);
    let rendered = render::render(&inputs.inputs, &template)?;
    // No secrets in either file: Temporal signs its own IAM tokens with its
    // role's credentials, so nothing here needs more than the config's mode.
    Ok(vec![
        write_if_changed(&workdir.temporal_config(), rendered.text.as_bytes(), render::OUTPUT_MODE)?,
        write_if_changed(&workdir.env_file(), to_dotenv(&env).as_bytes(), 0o644)?,
    ])
}

/// Atomic write, skipped when the file already has exactly these bytes.
fn write_if_changed(path: &Path, bytes: &[u8], mode: u32) -> Result<Written, Error> {
    if std::fs::read(path).ok().as_deref() == Some(bytes) {
        return Ok(Written { path: path.to_path_buf(), changed: false });
    }
    fsutil::write_atomic(path, bytes, mode).map_err(|source| Error::Workdir { path: path.to_path_buf(), source })?;
    Ok(Written { path: path.to_path_buf(), changed: true })
}

/// Writes `up.json` only when something in it changed, so a converged
/// rerun writes nothing; returns the state as recorded.
pub fn record_state(workdir: &Workdir, mut state: UpState) -> Result<UpState, Error> {
    match UpState::read(workdir)? {
        Some(prev) if UpState { updated_at: String::new(), ..prev.clone() } == state => Ok(prev),
        _ => {
            state.updated_at = time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            state.write(workdir)?;
            Ok(state)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs(extra: &str) -> Outputs {
        let doc = format!(
            r#"{{"temporal_env": {{"value": {{"TEMPORAL_SQL_HOST": "abc.dsql.us-east-1.on.aws",
               "TEMPORAL_SQL_PORT": "5432", "TEMPORAL_SQL_PLUGIN_NAME": "dsql",
               "TEMPORAL_SQL_IAM_AUTH": "true", "TEMPORAL_SQL_AWS_REGION": "us-east-1"{extra}}}}}}}"#
        );
        Outputs::parse(&doc, "test").unwrap()
    }

    #[test]
    fn module_values_win_and_the_schema_and_visibility_are_filled_in() {
        let config = Config::default();
        let env = temporal_env(&config, &outputs("")).unwrap();
        assert_eq!(env["TEMPORAL_SQL_HOST"], "abc.dsql.us-east-1.on.aws");
        assert_eq!(env["TEMPORAL_SQL_SCHEMA"], config.schema.database);
        assert_eq!(env["TEMPORAL_ELASTICSEARCH_HOST"], "elasticsearch");

        let with_os = r#", "TEMPORAL_OPENSEARCH_ENDPOINT": "https://search-x.us-east-1.es.amazonaws.com""#;
        let env = temporal_env(&config, &outputs(with_os)).unwrap();
        assert!(!env.contains_key("TEMPORAL_ELASTICSEARCH_HOST"), "OpenSearch from the module is the store");
    }

    #[test]
    fn rendered_config_points_at_the_cluster() {
        let dir = tempfile::tempdir().unwrap();
        let workdir = Workdir::new(dir.path());
        workdir.create().unwrap();
        let files = write(&Config::default(), &outputs(""), &workdir).unwrap();
        assert!(files.iter().all(|f| f.changed));
        let text = std::fs::read_to_string(workdir.temporal_config()).unwrap();
        assert!(text.contains("pluginName: \"dsql\"") || text.contains("pluginName: dsql"), "{text}");
        assert!(text.contains("abc.dsql.us-east-1.on.aws"), "{text}");
        let again = write(&Config::default(), &outputs(""), &workdir).unwrap();
        assert!(again.iter().all(|f| !f.changed), "a rerun rewrites nothing");
    }
}
