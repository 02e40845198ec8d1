//! Static checks of the Docker runtime under docker/ (no container engine
//! here): the Compose file passes Debian's `docker-compose config` with a
//! sample .env and mounts the host secret files; it only hands the
//! renderer variables it knows; every path the Dockerfile copies exists and
//! is let through its .dockerignore; the dynamic config is well-formed.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml_ng::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn compose_config(env_file: &Path) -> Value {
    let out = Command::new("docker-compose")
        .arg("--env-file")
        .arg(env_file)
        .arg("-f")
        .arg(repo().join("docker/compose.yaml"))
        .args(["--profile", "gateway", "config"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run docker-compose ({e}); scripts/bootstrap.sh installs it"));
    assert!(out.status.success(), "docker-compose config failed:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_yaml_ng::from_slice(&out.stdout).unwrap()
}

#[test]
fn compose_file_is_valid_and_mounts_the_host_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let sql_pw = dir.path().join("sql-password");
    let os_pw = dir.path().join("opensearch-password");
    std::fs::write(&sql_pw, "pw\n").unwrap();
    std::fs::write(&os_pw, "pw\n").unwrap();
    let env_file = dir.path().join(".env");
    std::fs::write(
        &env_file,
        format!(
            "TEMPORAL_SQL_PLUGIN_NAME=postgres12\nTEMPORAL_SQL_HOST=gateway\nTEMPORAL_SQL_PASSWORD_FILE=/run/secrets/sql-password\n\
             TEMPORAL_SQL_PASSWORD_FILE_HOST={}\nTEMPORAL_OPENSEARCH_PASSWORD_FILE_HOST={}\nTEMPORAL_HISTORY_SHARDS=8\n",
            sql_pw.display(),
            os_pw.display()
        ),
    )
    .unwrap();
    let doc = compose_config(&env_file);
    let services = doc["services"].as_mapping().unwrap();
    for name in [
        "elasticsearch",
        "elasticsearch-setup",
        "gateway",
        "temporal-history",
        "temporal-matching",
        "temporal-frontend",
        "temporal-worker",
        "temporal-ui",
    ] {
        assert!(services.contains_key(name), "service {name} missing");
    }
    let history = &doc["services"]["temporal-history"];
    let mounts: Vec<String> = history["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => format!("{}:{}", other["source"].as_str().unwrap_or(""), other["target"].as_str().unwrap_or("")),
        })
        .collect();
    let mounted =
        |host: &Path, target: &str| mounts.iter().any(|m| m.starts_with(&format!("{}:{target}", host.display())));
    assert!(mounted(&sql_pw, "/run/secrets/sql-password"), "{mounts:?}");
    assert!(mounted(&os_pw, "/run/secrets/opensearch-password"), "{mounts:?}");
    assert_eq!(history["environment"]["TEMPORAL_SQL_PLUGIN_NAME"].as_str(), Some("postgres12"));
    assert_eq!(history["environment"]["TEMPORAL_HISTORY_SHARDS"].as_str(), Some("8"));
    let command: Vec<&str> = history["command"].as_sequence().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(command.last(), Some(&"history"));
}

#[test]
fn compose_only_passes_variables_the_renderer_or_temporal_reads() {
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join(".env");
    std::fs::write(&env_file, "TEMPORAL_SQL_HOST=localhost\n").unwrap();
    let doc = compose_config(&env_file);
    for service in ["temporal-history", "temporal-matching", "temporal-frontend", "temporal-worker"] {
        for (k, _) in doc["services"][service]["environment"].as_mapping().unwrap() {
            let k = k.as_str().unwrap();
            // AWS_* and DSQL_* are read by the server itself (SDK, DSQL build).
            let known = render::vars::lookup(k).is_some() || k.starts_with("AWS_") || k.starts_with("DSQL_");
            assert!(known, "{service} sets {k}, which neither the renderer nor Temporal reads (typo?)");
        }
    }
}

fn dockerfile() -> String {
    std::fs::read_to_string(repo().join("docker/Dockerfile")).unwrap()
}

/// Source paths of every `COPY` that reads the build context.
fn copy_sources(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("COPY ") else { continue };
        let words: Vec<&str> = rest.split_whitespace().collect();
        if words.iter().any(|w| w.starts_with("--from=")) {
            continue;
        }
        let args: Vec<&str> = words.into_iter().filter(|w| !w.starts_with("--")).collect();
        out.extend(args[..args.len() - 1].iter().map(|s| s.to_string()));
    }
    out
}

#[test]
fn every_path_the_dockerfile_copies_exists_and_is_not_ignored() {
    let text = dockerfile();
    let sources = copy_sources(&text);
    assert!(sources.len() >= 5, "expected the build and runtime COPYs, got {sources:?}");
    let ignore = std::fs::read_to_string(repo().join("docker/Dockerfile.dockerignore")).unwrap();
    for src in &sources {
        assert!(repo().join(src).exists(), "Dockerfile copies {src}, which does not exist");
        let trimmed = src.trim_end_matches('/');
        let kept = if trimmed == "." {
            true
        } else {
            ignore.lines().any(|l| l.trim_start_matches('!').trim_end_matches('/') == trimmed)
        };
        assert!(kept, "{src} is copied but not re-included (!{src}) in docker/Dockerfile.dockerignore");
    }
    // The image starts through our entrypoint, which execs the server.
    assert!(text.contains(r#"ENTRYPOINT ["/usr/local/bin/dsql-deploy", "entrypoint", "--"]"#));
    assert!(text.contains("CMD [\"temporal-server\""));
    for arg in ["ARG TEMPORAL_IMAGE=", "FROM ${TEMPORAL_IMAGE}"] {
        assert!(text.contains(arg), "Dockerfile lacks {arg}");
    }
}

#[test]
fn dynamic_config_is_well_formed() {
    let dir = repo().join("docker/dynamicconfig");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let doc: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (key, list) in doc.as_mapping().unwrap() {
            let key = key.as_str().unwrap();
            assert!(key.contains('.'), "{key}: Temporal keys are <area>.<name>");
            let list = list.as_sequence().unwrap_or_else(|| panic!("{key}: must be a list of {{value, constraints}}"));
            for item in list {
                assert!(item.get("value").is_some(), "{key}: entry without value");
                assert!(item.get("constraints").is_some_and(Value::is_mapping), "{key}: constraints must be a map");
            }
        }
        files += 1;
    }
    assert!(files > 0);
    // The renderer's default points at the shipped file.
    let default = render::DEFAULT_DYNAMIC_CONFIG_PATH.rsplit('/').next().unwrap();
    assert!(dir.join(default).exists(), "{default} not shipped under docker/dynamicconfig");
}
