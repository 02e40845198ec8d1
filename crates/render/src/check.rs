//! What Temporal refuses to start without, checked on the parsed output
//! (embedded templates and operators' own files alike). Key names follow
//! Temporal's `common/config` structs: `persistence.defaultStore` and
//! `numHistoryShards` are `validate:"nonzero"`, a SQL store needs
//! pluginName/databaseName/connectAddr/connectProtocol, an Elasticsearch store
//! needs `indices.visibility`, and every service needs its rpc ports.

use serde_yaml_ng::Value;

fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, key| v.as_mapping()?.get(*key))
}

fn non_empty_str(v: Option<&Value>) -> bool {
    v.and_then(Value::as_str).is_some_and(|s| !s.is_empty())
}

fn positive_int(v: Option<&Value>) -> bool {
    v.and_then(Value::as_u64).is_some_and(|n| n > 0)
}

/// Every missing or wrong key, as `path: what is wrong`.
pub fn required_keys(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut need = |ok: bool, what: String| {
        if !ok {
            out.push(what);
        }
    };
    let stores = get(doc, &["persistence", "datastores"]).and_then(Value::as_mapping);
    need(stores.is_some(), "persistence.datastores is missing".into());
    need(
        positive_int(get(doc, &["persistence", "numHistoryShards"])),
        "persistence.numHistoryShards must be a positive integer".into(),
    );
    for (role, key) in [("default", "defaultStore"), ("visibility", "visibilityStore")] {
        let Some(name) = get(doc, &["persistence", key]).and_then(Value::as_str).filter(|s| !s.is_empty()) else {
            need(false, format!("persistence.{key} is missing"));
            continue;
        };
        let Some(store) = stores.and_then(|m| m.get(name)) else {
            need(false, format!("persistence.{key} names '{name}', which is not in persistence.datastores"));
            continue;
        };
        let base = format!("persistence.datastores.{name}");
        if role == "default" {
            for field in ["pluginName", "databaseName", "connectAddr", "connectProtocol"] {
                need(non_empty_str(get(store, &["sql", field])), format!("{base}.sql.{field} is missing or empty"));
            }
            for field in ["maxConns", "maxIdleConns"] {
                need(
                    positive_int(get(store, &["sql", field])),
                    format!("{base}.sql.{field} must be a positive integer"),
                );
            }
        } else {
            need(
                non_empty_str(get(store, &["elasticsearch", "url", "host"])),
                format!("{base}.elasticsearch.url.host is missing"),
            );
            need(
                non_empty_str(get(store, &["elasticsearch", "indices", "visibility"])),
                format!("{base}.elasticsearch.indices.visibility is missing"),
            );
        }
    }
    let mut ports: Vec<(String, u64)> = Vec::new();
    for service in ["frontend", "history", "matching", "worker"] {
        for field in ["grpcPort", "membershipPort"] {
            let v = get(doc, &["services", service, "rpc", field]).and_then(Value::as_u64);
            match v {
                Some(p) if (1..=65535).contains(&p) => {
                    let here = format!("services.{service}.rpc.{field}");
                    if let Some((other, _)) = ports.iter().find(|(_, q)| *q == p) {
                        need(false, format!("{here} ({p}) is the same port as {other}"));
                    }
                    ports.push((here, p));
                }
                _ => need(false, format!("services.{service}.rpc.{field} must be a port number")),
            }
        }
    }
    let current = get(doc, &["clusterMetadata", "currentClusterName"]).and_then(Value::as_str);
    match current {
        Some(name) => need(
            non_empty_str(get(doc, &["clusterMetadata", "clusterInformation", name, "rpcAddress"])),
            format!("clusterMetadata.clusterInformation.{name}.rpcAddress is missing"),
        ),
        None => need(false, "clusterMetadata.currentClusterName is missing".into()),
    }
    need(
        non_empty_str(get(doc, &["dynamicConfigClient", "filepath"])),
        "dynamicConfigClient.filepath is missing".into(),
    );
    out
}
