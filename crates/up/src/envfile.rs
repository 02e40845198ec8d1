//! The variables Temporal needs to reach the emulator, written as `.env`
//! (for `docker-compose --env-file`) and fed to the renderer, so the config
//! `up` renders and the one the container entrypoint renders agree.

use std::collections::BTreeMap;
use std::path::Path;

use dsql_deploy_config::Config;
use emulator::RunningInfo;

/// Where the CA lands inside containers (mounted from TEMPORAL_SQL_CA_FILE_HOST).
pub const CONTAINER_CA_FILE: &str = "/run/secrets/sql-ca.pem";

/// Variables for Temporal (DSQL build) against the local emulator, as seen
/// from inside a container on the host network. `ca_file` is the path the
/// reader will see (host path for host rendering, container path for `.env`).
pub fn local_env(config: &Config, info: &RunningInfo, ca_file: &Path) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let mut set = |k: &str, v: String| {
        env.insert(k.to_string(), v);
    };
    set("TEMPORAL_SQL_PLUGIN_NAME", "dsql".into());
    set("TEMPORAL_SQL_HOST", info.hostname.clone());
    set("TEMPORAL_SQL_PORT", info.port.to_string());
    // DSQL has one database; Temporal's tables live in a schema of it.
    set("TEMPORAL_SQL_DATABASE", "postgres".into());
    set("TEMPORAL_SQL_SCHEMA", config.schema.database.clone());
    set("TEMPORAL_SQL_USER", "admin".into());
    set("TEMPORAL_SQL_IAM_AUTH", "true".into());
    set("TEMPORAL_SQL_AWS_REGION", info.region.clone());
    set("TEMPORAL_SQL_TLS_ENABLED", "true".into());
    set("TEMPORAL_SQL_TLS_ENABLE_HOST_VERIFICATION", "true".into());
    set("TEMPORAL_SQL_SERVER_NAME", info.hostname.clone());
    set("TEMPORAL_SQL_CA_FILE", ca_file.display().to_string());
    set("TEMPORAL_SQL_CA_FILE_HOST", info.ca_file.display().to_string());
    set("TEMPORAL_HISTORY_SHARDS", "4".into());
    set("TEMPORAL_ELASTICSEARCH_HOST", "127.0.0.1".into());
    set("TEMPORAL_ELASTICSEARCH_PORT", "9200".into());
    set("TEMPORAL_ELASTICSEARCH_SCHEME", "http".into());
    set("TEMPORAL_ELASTICSEARCH_VERSION", "v8".into());
    // The DSQL build mints its own IAM tokens with these (the emulator's test keys).
    set("AWS_REGION", info.region.clone());
    set("AWS_ACCESS_KEY_ID", config.emulator.access_key_id.clone());
    set("AWS_SECRET_ACCESS_KEY", config.emulator.secret_access_key.clone());
    env
}

/// `.env` text: `KEY=value` lines, values single-quoted when they need it.
pub fn to_dotenv(env: &BTreeMap<String, String>) -> String {
    let mut out = String::from("# Written by `dsql-deploy up`; rerun it rather than editing by hand.\n");
    for (key, value) in env {
        let plain = value.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:@".contains(c));
        if plain {
            out.push_str(&format!("{key}={value}\n"));
        } else {
            out.push_str(&format!("{key}='{}'\n", value.replace('\'', "'\\''")));
        }
    }
    out
}

/// Compose override: the emulator listens on 127.0.0.1 only (as a private
/// DSQL endpoint would be reachable only inside its VPC), so Temporal's
/// containers join the host network to reach it under its certificate name.
pub fn compose_override() -> String {
    let mut out = String::from(
        "# Written by `dsql-deploy up`: run Temporal against the local DSQL emulator.\n\
         #   docker-compose --env-file .dsql-deploy/.env -f docker/compose.yaml -f .dsql-deploy/compose.override.yaml up\n\
         # The emulator listens on 127.0.0.1, so Temporal's services use the host network\n\
         # (and reach Elasticsearch on its published 127.0.0.1 port). Untested on a live engine.\n\
         services:\n",
    );
    for service in ["temporal-history", "temporal-matching", "temporal-frontend", "temporal-worker"] {
        out.push_str(&format!(
            "  {service}:\n    network_mode: host\n    environment:\n      PUBLIC_FRONTEND_ADDRESS: \"127.0.0.1:7233\"\n"
        ));
    }
    out
}
