//! Environment variables → [`Inputs`]: every variable of [`crate::vars`] is
//! read, defaulted and type-checked, secret files are checked and read, and
//! every problem is collected before anything fails. An empty value counts as
//! unset (Compose `.env` files often carry `NAME=`).

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::{Problem, Problems};
use crate::inputs::*;
use crate::parse::{self, GoDuration};

/// Which visibility store the caller wants (None: follow the environment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisibilityKind {
    Elasticsearch,
    OpenSearch,
}

/// Parsed inputs plus warnings that do not stop the render.
#[derive(Debug)]
pub struct FromEnv {
    pub inputs: Inputs,
    pub warnings: Vec<String>,
}

struct Reader<'a> {
    env: &'a HashMap<String, String>,
    problems: Problems,
    warnings: Vec<String>,
}

impl<'a> Reader<'a> {
    fn get(&self, name: &str) -> Option<&'a str> {
        debug_assert!(crate::vars::lookup(name).is_some() || name == "AWS_REGION", "{name} missing from vars table");
        self.env.get(name).map(|v| v.as_str()).filter(|v| !v.is_empty())
    }

    /// Parses `name` (or `default` when unset); on error records it and returns `fallback`.
    fn parse<T>(&mut self, name: &str, default: &str, parser: impl Fn(&str) -> Result<T, String>, fallback: T) -> T {
        let text = self.get(name).unwrap_or(default);
        parser(text).unwrap_or_else(|msg| {
            self.problems.push(Problem::new(name, msg));
            fallback
        })
    }

    fn string(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or(default).to_string()
    }

    fn required(&mut self, name: &str, hint: &str) -> Option<&'a str> {
        let value = self.get(name);
        if value.is_none() && !self.problems.mentions(name) {
            self.problems.push(Problem::missing(name, hint));
        }
        value
    }

    /// Reads a one-line secret file named by `name`, checking it exists, is
    /// readable and non-empty; warns when others can read it.
    fn secret_file(&mut self, name: &str) -> Option<Secret> {
        let path = PathBuf::from(self.get(name)?);
        match read_secret(&path) {
            Ok((secret, mode)) => {
                if mode & 0o077 != 0 {
                    self.warnings.push(format!(
                        "{name}: {} is readable by group or others (mode {:04o}); chmod 600 it",
                        path.display(),
                        mode & 0o7777
                    ));
                }
                Some(secret)
            }
            Err(msg) => {
                self.problems.push(Problem::new(name, msg));
                None
            }
        }
    }

    fn existing_file(&mut self, name: &str) -> Option<PathBuf> {
        let path = PathBuf::from(self.get(name)?);
        if let Err(e) = std::fs::File::open(&path) {
            self.problems.push(Problem::new(name, format!("cannot read {}: {e}", path.display())));
        }
        Some(path)
    }
}

fn read_secret(path: &Path) -> Result<(Secret, u32), String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}; mount the secret file there"))?;
    if !meta.is_file() {
        return Err(format!("{shown} is not a regular file"));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    // One trailing line break is what `echo secret > file` leaves; it is not part of the secret.
    let value = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text);
    if value.is_empty() {
        return Err(format!("{shown} is empty; put the password in it"));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(format!("{shown} holds more than one line or control characters; keep only the password"));
    }
    Ok((Secret::new(value), meta.permissions().mode()))
}

/// Reads every variable; `want` forces a visibility store (from `--template`).
pub fn from_env(env: &HashMap<String, String>, want: Option<VisibilityKind>) -> Result<FromEnv, Problems> {
    let mut r = Reader { env, problems: Problems::default(), warnings: Vec::new() };

    let plugin = r.parse(
        "TEMPORAL_SQL_PLUGIN_NAME",
        "dsql",
        |t| parse::choice(t, &Plugin::NAMES).map(|n| Plugin::from_name(n).unwrap_or(Plugin::Dsql)),
        Plugin::Dsql,
    );
    let host = r
        .required("TEMPORAL_SQL_HOST", "set it to the DSQL endpoint, emulator or gateway host")
        .map(|h| parse::host(h).map_err(|m| Problem::new("TEMPORAL_SQL_HOST", m)));
    let host = match host {
        Some(Ok(h)) => h,
        Some(Err(p)) => {
            r.problems.push(p);
            String::new()
        }
        None => String::new(),
    };
    let port = r.parse("TEMPORAL_SQL_PORT", "5432", parse::port, 5432);
    let database = r.string("TEMPORAL_SQL_DATABASE", "postgres");
    let schema = r.get("TEMPORAL_SQL_SCHEMA").map(str::to_string);
    let user = r.string("TEMPORAL_SQL_USER", "admin");
    let iam_default = if plugin == Plugin::Dsql { "true" } else { "false" };
    let iam = r.parse("TEMPORAL_SQL_IAM_AUTH", iam_default, parse::boolean, plugin == Plugin::Dsql);
    let region = r.get("TEMPORAL_SQL_AWS_REGION").or_else(|| r.get("AWS_REGION")).unwrap_or("").to_string();
    let auth = if iam {
        if r.get("TEMPORAL_SQL_PASSWORD_FILE").is_some() {
            r.warnings.push("TEMPORAL_SQL_PASSWORD_FILE is ignored: TEMPORAL_SQL_IAM_AUTH is true".into());
        }
        SqlAuth::Iam { region }
    } else {
        r.required(
            "TEMPORAL_SQL_PASSWORD_FILE",
            "without IAM auth a password is needed; point it at a file holding the password, or set TEMPORAL_SQL_IAM_AUTH=true",
        );
        SqlAuth::Password(r.secret_file("TEMPORAL_SQL_PASSWORD_FILE").unwrap_or_else(|| Secret::new("")))
    };
    let tls = SqlTls {
        enabled: r.parse("TEMPORAL_SQL_TLS_ENABLED", "true", parse::boolean, true),
        ca_file: r.existing_file("TEMPORAL_SQL_CA_FILE"),
        host_verification: r.parse("TEMPORAL_SQL_TLS_ENABLE_HOST_VERIFICATION", "true", parse::boolean, true),
        server_name: r
            .get("TEMPORAL_SQL_SERVER_NAME")
            .map(|_| r.parse("TEMPORAL_SQL_SERVER_NAME", "", parse::host, String::new())),
    };
    let max_conns = r.parse("TEMPORAL_SQL_MAX_CONNS", "50", parse::positive_u32, 50);
    let max_idle_default = max_conns.to_string();
    let max_idle_conns = r.parse("TEMPORAL_SQL_MAX_IDLE_CONNS", &max_idle_default, parse::positive_u32, max_conns);
    // On a parse error the problem is recorded and the placeholder below
    // only fills the struct, which is then never rendered.
    let max_conn_lifetime = r.parse("TEMPORAL_SQL_MAX_CONN_LIFETIME", "55m", GoDuration::parse, placeholder_duration());
    let connect_timeout = r.parse("TEMPORAL_SQL_CONNECTION_TIMEOUT", "30s", GoDuration::parse, placeholder_duration());
    let history_shards = r.parse("TEMPORAL_HISTORY_SHARDS", "4", parse::positive_u32, 4);

    let visibility = read_visibility(&mut r, want);
    let server = read_server(&mut r);

    let sql = SqlInputs {
        plugin,
        host,
        port,
        database,
        schema,
        user,
        auth,
        tls,
        max_conns,
        max_idle_conns,
        max_conn_lifetime,
        connect_timeout,
        history_shards,
    };
    let inputs = Inputs { sql, visibility, server };
    for p in inputs.validate().0 {
        // A variable that already failed to parse would only repeat itself.
        if !p.var.as_deref().is_some_and(|v| r.problems.mentions(v)) {
            r.problems.push(p);
        }
    }
    if !r.problems.is_empty() {
        return Err(r.problems);
    }
    let mut warnings = r.warnings;
    warnings.extend(inputs.warnings());
    Ok(FromEnv { inputs, warnings })
}

fn placeholder_duration() -> GoDuration {
    GoDuration::parse("1s").unwrap_or_else(|_| unreachable!("1s is a valid Go duration"))
}

fn read_visibility(r: &mut Reader<'_>, want: Option<VisibilityKind>) -> Visibility {
    let es = r.get("TEMPORAL_ELASTICSEARCH_HOST").is_some();
    let os = r.get("TEMPORAL_OPENSEARCH_ENDPOINT").is_some();
    let kind = match (want, es, os) {
        (Some(k), _, _) => k,
        (None, true, false) => VisibilityKind::Elasticsearch,
        (None, false, true) => VisibilityKind::OpenSearch,
        (None, true, true) => {
            r.problems.push(Problem::new(
                "TEMPORAL_OPENSEARCH_ENDPOINT",
                "is set together with TEMPORAL_ELASTICSEARCH_HOST; unset one of them (or pick with --template)",
            ));
            VisibilityKind::Elasticsearch
        }
        (None, false, false) => {
            r.problems.push(Problem::missing(
                "TEMPORAL_ELASTICSEARCH_HOST",
                "visibility needs a store: set TEMPORAL_ELASTICSEARCH_HOST (Elasticsearch) or TEMPORAL_OPENSEARCH_ENDPOINT (OpenSearch)",
            ));
            VisibilityKind::Elasticsearch
        }
    };
    let version = |r: &mut Reader<'_>, name: &str, default: &str| {
        r.parse(
            name,
            default,
            |t| parse::choice(t, &EsVersion::NAMES).map(|v| if v == "v7" { EsVersion::V7 } else { EsVersion::V8 }),
            EsVersion::V8,
        )
    };
    match kind {
        VisibilityKind::Elasticsearch => {
            let host = match r.required("TEMPORAL_ELASTICSEARCH_HOST", "set it to the Elasticsearch host name") {
                Some(_) => r.parse("TEMPORAL_ELASTICSEARCH_HOST", "", parse::host, String::new()),
                None => String::new(),
            };
            let auth = basic_auth(r, "TEMPORAL_ELASTICSEARCH_USER", "TEMPORAL_ELASTICSEARCH_PASSWORD_FILE");
            Visibility::Elasticsearch {
                scheme: r.parse(
                    "TEMPORAL_ELASTICSEARCH_SCHEME",
                    "http",
                    |t| parse::choice(t, &["http", "https"]).map(str::to_string),
                    "http".into(),
                ),
                host,
                port: r.parse("TEMPORAL_ELASTICSEARCH_PORT", "9200", parse::port, 9200),
                version: version(r, "TEMPORAL_ELASTICSEARCH_VERSION", "v8"),
                index: r.string("TEMPORAL_ELASTICSEARCH_INDEX", "temporal_visibility_v1_dev"),
                auth,
            }
        }
        VisibilityKind::OpenSearch => {
            let (scheme, host) = match r.required(
                "TEMPORAL_OPENSEARCH_ENDPOINT",
                "set it to the OpenSearch URL, e.g. https://search-x.us-east-1.es.amazonaws.com",
            ) {
                Some(text) => opensearch_url(text).unwrap_or_else(|m| {
                    r.problems.push(Problem::new("TEMPORAL_OPENSEARCH_ENDPOINT", m));
                    (String::new(), String::new())
                }),
                None => (String::new(), String::new()),
            };
            let auth = match basic_auth(r, "TEMPORAL_OPENSEARCH_USER", "TEMPORAL_OPENSEARCH_PASSWORD_FILE") {
                Some(basic) => OpenSearchAuth::Basic(basic),
                None => {
                    let region = r
                        .get("TEMPORAL_OPENSEARCH_AWS_REGION")
                        .or_else(|| r.get("TEMPORAL_SQL_AWS_REGION"))
                        .or_else(|| r.get("AWS_REGION"));
                    if region.is_none() {
                        r.problems.push(Problem::missing(
                            "TEMPORAL_OPENSEARCH_AWS_REGION",
                            "signed OpenSearch requests need a region; set it (or TEMPORAL_SQL_AWS_REGION / AWS_REGION), or use TEMPORAL_OPENSEARCH_USER with a password file",
                        ));
                    }
                    OpenSearchAuth::AwsSigning {
                        region: region.unwrap_or("").to_string(),
                        credential_provider: r.parse(
                            "TEMPORAL_OPENSEARCH_CREDENTIAL_PROVIDER",
                            "aws-sdk-default",
                            |t| parse::choice(t, &["aws-sdk-default", "environment"]).map(str::to_string),
                            "aws-sdk-default".into(),
                        ),
                    }
                }
            };
            Visibility::OpenSearch {
                scheme,
                host,
                version: version(r, "TEMPORAL_OPENSEARCH_VERSION", "v7"),
                index: r.string("TEMPORAL_OPENSEARCH_INDEX", "temporal_visibility_v1_dev"),
                auth,
            }
        }
    }
}

/// `user` + password file, both or neither.
fn basic_auth(r: &mut Reader<'_>, user_var: &str, file_var: &str) -> Option<BasicAuth> {
    match (r.get(user_var), r.get(file_var)) {
        (Some(user), Some(_)) => {
            let password = r.secret_file(file_var)?;
            Some(BasicAuth { user: user.to_string(), password })
        }
        (Some(_), None) => {
            r.problems.push(Problem::missing(
                file_var,
                &format!("{user_var} is set, so a password is needed; point it at the password file"),
            ));
            None
        }
        (None, Some(_)) => {
            r.problems.push(Problem::missing(
                user_var,
                &format!("{file_var} is set, so a user is needed too (or unset {file_var})"),
            ));
            None
        }
        (None, None) => None,
    }
}

/// `https://host[:port]` → ("https", "host[:port]").
fn opensearch_url(text: &str) -> Result<(String, String), String> {
    let url =
        url::Url::parse(text).map_err(|e| format!("'{text}' is not a URL ({e}); use https://<domain-endpoint>"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("'{text}' must start with https:// (or http://)"));
    }
    let host = url.host_str().ok_or_else(|| format!("'{text}' has no host"))?;
    if url.path() != "/" || url.query().is_some() {
        return Err(format!("'{text}' has a path or query; give only scheme://host[:port]"));
    }
    let host_port = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    Ok((url.scheme().to_string(), host_port))
}

fn read_server(r: &mut Reader<'_>) -> ServerInputs {
    let d = ServerInputs::default();
    let dp = Ports::default();
    let port = |r: &mut Reader<'_>, name: &str, default: u16| r.parse(name, &default.to_string(), parse::port, default);
    let ports = Ports {
        frontend_grpc: port(r, "FRONTEND_GRPC_PORT", dp.frontend_grpc),
        frontend_http: port(r, "FRONTEND_HTTP_PORT", dp.frontend_http),
        frontend_membership: port(r, "FRONTEND_MEMBERSHIP_PORT", dp.frontend_membership),
        history_grpc: port(r, "HISTORY_GRPC_PORT", dp.history_grpc),
        history_membership: port(r, "HISTORY_MEMBERSHIP_PORT", dp.history_membership),
        matching_grpc: port(r, "MATCHING_GRPC_PORT", dp.matching_grpc),
        matching_membership: port(r, "MATCHING_MEMBERSHIP_PORT", dp.matching_membership),
        worker_grpc: port(r, "WORKER_GRPC_PORT", dp.worker_grpc),
        worker_membership: port(r, "WORKER_MEMBERSHIP_PORT", dp.worker_membership),
    };
    ServerInputs {
        log_level: r.parse(
            "TEMPORAL_LOG_LEVEL",
            "info",
            |t| parse::choice(t, &LOG_LEVELS).map(str::to_string),
            d.log_level,
        ),
        bind_on_ip: r.parse("BIND_ON_IP", "127.0.0.1", parse::ip, d.bind_on_ip),
        broadcast_address: r.get("TEMPORAL_BROADCAST_ADDRESS").and_then(|_| {
            let ip = r.parse("TEMPORAL_BROADCAST_ADDRESS", "", |t| parse::ip(t).map(Some), None);
            ip.filter(|ip| !ip.is_unspecified()).or_else(|| {
                if ip.is_some() {
                    r.problems.push(Problem::new(
                        "TEMPORAL_BROADCAST_ADDRESS",
                        "must be a concrete address other members can reach, not 0.0.0.0 or ::",
                    ));
                }
                None
            })
        }),
        public_frontend_address: r
            .get("PUBLIC_FRONTEND_ADDRESS")
            .map(|_| r.parse("PUBLIC_FRONTEND_ADDRESS", "", parse::host_port, String::new())),
        prometheus_endpoint: r.parse(
            "PROMETHEUS_ENDPOINT",
            &d.prometheus_endpoint,
            parse::host_port,
            d.prometheus_endpoint.clone(),
        ),
        dynamic_config_path: r.string("DYNAMIC_CONFIG_FILE_PATH", DEFAULT_DYNAMIC_CONFIG_PATH),
        ports,
    }
}
