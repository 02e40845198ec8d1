//! `up --target aws` as an operator runs it, against moto_server with the
//! real `terraform` binary and `examples/minimal` (no VPN: moto has no Client
//! VPN; no OpenSearch): the first run creates the cluster and stops at the
//! schema because the endpoint does not resolve, saying to use
//! --connect-host; with an emulator that answers to the cluster's name and
//! moto's credentials behind --connect-host/--connect-port/--ca-file it
//! converges; a third run changes nothing; then everything is destroyed.
//! Plus the refusals: no --yes without a terminal, no terraform, no module.

#[path = "../../infra/tests/support/mod.rs"]
mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use predicates::prelude::*;
use support::ModuleCopy;

const PROJECT: &str = "e2e-up-aws";

/// A temporary project: the module copy, `dsql-deploy.toml`, the workdir.
struct Project {
    dir: tempfile::TempDir,
    module: ModuleCopy,
    env: Vec<(String, String)>,
}

impl Project {
    fn new(env: Vec<(String, String)>) -> Project {
        let dir = tempfile::Builder::new().prefix("dsql-deploy-up-aws-").tempdir().unwrap();
        // The emulator's PostgreSQL runs as an unprivileged user when we are root.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let module = ModuleCopy::new();
        let config = format!(
            "[project]\nname = \"{PROJECT}\"\nregion = \"us-east-1\"\n\
             [infra]\nterraform_dir = \"{}\"\nroot = \"examples/minimal\"\n\
             deletion_protection = false\nenable_client_vpn = false\nopensearch_mode = \"none\"\n\
             [up]\nworkdir = \"wd\"\n",
            module.module().display()
        );
        std::fs::write(dir.path().join("dsql-deploy.toml"), config).unwrap();
        Project { dir, module, env }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn root_module(&self) -> PathBuf {
        self.module.module().join("examples/minimal")
    }

    /// `dsql-deploy ARGS` in the project, stdin not a terminal.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("dsql-deploy").unwrap();
        cmd.current_dir(self.dir.path())
            .env_remove("DSQL_DEPLOY_CONFIG")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("TERRAFORM")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_CLI_CONFIG_FILE", &self.module.cli_config)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> (String, String) {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?} failed:\n{}", support::text(&out));
        (text(&out.stdout), text(&out.stderr))
    }
}

/// The emulator started for the test, stopped by its own PID on drop.
struct Emulator {
    data_dir: PathBuf,
    port: u16,
}

impl Emulator {
    /// An emulator that presents a certificate for `hostname` and accepts
    /// tokens signed for it with moto's test credentials.
    fn start(project: &Project, hostname: &str) -> Emulator {
        let data_dir = project.path("emulator");
        let port = pgcluster::free_port().unwrap();
        project
            .cmd(&["emulator", "start", "--data-dir", &data_dir.display().to_string(), "--port", &port.to_string()])
            .env("DSQL_DEPLOY_EMULATOR_HOSTNAME", hostname)
            .env("DSQL_DEPLOY_EMULATOR_ACCESS_KEY_ID", "testing")
            .env("DSQL_DEPLOY_EMULATOR_SECRET_ACCESS_KEY", "testing")
            .assert()
            .success();
        Emulator { data_dir, port }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Instance::stop signals the PIDs recorded in the instance's state file.
        let _ = emulator::Instance::open(Some(&self.data_dir)).stop(std::time::Duration::from_secs(20));
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// psql through the tunnel: connect to 127.0.0.1, verify and sign for the endpoint.
fn psql(project: &Project, endpoint: &str, emulator: &Emulator, sql: &str) -> String {
    let (token, _) = project.ok(&["token", "--endpoint", endpoint, "--admin"]);
    let conninfo = format!(
        "host={endpoint} hostaddr=127.0.0.1 port={} user=admin dbname=postgres sslmode=verify-full sslrootcert={}",
        emulator.port,
        emulator.data_dir.join("ca.pem").display()
    );
    let out = std::process::Command::new("psql")
        .env("PGPASSWORD", token.trim())
        .args([&conninfo, "-Atc", sql])
        .output()
        .unwrap();
    assert!(out.status.success(), "psql: {}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

fn modified(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

#[test]
fn up_aws_on_moto_creates_the_cluster_and_converges_through_a_tunnel() {
    let moto = support::moto();
    let project = Project::new(support::moto_env(&moto));

    // 1. The cluster is created and ACTIVE; the schema step cannot resolve the endpoint.
    let first = project.run(&["up", "--target", "aws", "--yes"]);
    let stderr = text(&first.stderr);
    assert!(!first.status.success(), "{stderr}");
    for line in ["certs      skipped", "infra      applied", "cluster    ACTIVE", "[fail]  schema"] {
        assert!(stderr.contains(line), "missing {line:?} in:\n{stderr}");
    }
    let (endpoint, _) = project.ok(&["infra", "output", "dsql_public_endpoint"]);
    let endpoint: String = serde_json::from_str(&endpoint).unwrap();
    assert!(endpoint.ends_with(".dsql.us-east-1.on.aws"), "{endpoint}");
    let error = stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_default();
    assert!(error.contains(&format!("cannot reach the DSQL cluster endpoint {endpoint}:5432")), "{stderr}");
    assert!(stderr.contains("--connect-host HOST --connect-port PORT"), "{stderr}");

    // 2. Through a "tunnel" to an emulator that answers to the cluster's name: converges.
    let emulator = Emulator::start(&project, &endpoint);
    let ca = emulator.data_dir.join("ca.pem").display().to_string();
    let port = emulator.port.to_string();
    let tunnel =
        ["up", "--target", "aws", "--yes", "--connect-host", "127.0.0.1", "--connect-port", &port, "--ca-file", &ca];
    let (stdout, stderr) = project.ok(&tunnel);
    assert!(stderr.contains("infra      no changes"), "the cluster exists already:\n{stderr}");
    assert!(stderr.contains("schema     upgraded to"), "{stderr}");
    assert!(stdout.contains(&endpoint) && stdout.contains("via 127.0.0.1"), "{stdout}");
    let tables = psql(
        &project,
        &endpoint,
        &emulator,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'temporal' \
         AND table_name NOT IN ('schema_version', 'schema_update_history')",
    );
    assert_eq!(tables, "37");

    let config_file = project.path("wd/temporal/config/docker.yaml");
    let config = std::fs::read_to_string(&config_file).unwrap();
    assert!(config.contains("pluginName: dsql"), "{config}");
    assert!(
        config.contains(&format!("connectAddr: {endpoint}:5432")),
        "Temporal goes to the cluster, not the tunnel:\n{config}"
    );
    assert!(config.contains("\"search_path\":\"temporal\""), "{config}");
    let env = std::fs::read_to_string(project.path("wd/.env")).unwrap();
    assert!(env.contains(&format!("TEMPORAL_SQL_HOST={endpoint}\n")), "{env}");
    assert!(!env.contains("AWS_SECRET_ACCESS_KEY"), "no credentials in files: {env}");
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project.path("wd/up.json")).unwrap()).unwrap();
    assert_eq!(state["target"], "aws");
    assert_eq!(state["endpoint"]["hostname"], endpoint.as_str());
    assert_eq!(state["endpoint"]["host"], "127.0.0.1");
    assert_eq!(state["database"], "temporal");

    // 3. A third run is a no-op: nothing applied, nothing installed, nothing rewritten.
    let before: Vec<_> =
        ["wd/up.json", "wd/.env", "wd/temporal/config/docker.yaml"].map(|f| modified(&project.path(f))).into();
    let (stdout, stderr) = project.ok(&tunnel);
    assert!(stderr.contains("infra      no changes"), "{stderr}");
    assert!(stderr.contains("(nothing to do)"), "{stderr}");
    assert!(stderr.contains("config     unchanged"), "{stderr}");
    assert!(!stdout.contains("written "), "{stdout}");
    let after: Vec<_> =
        ["wd/up.json", "wd/.env", "wd/temporal/config/docker.yaml"].map(|f| modified(&project.path(f))).into();
    assert_eq!(before, after, "no file rewritten");

    // 4. Clean up: the emulator (by its PID), then everything Terraform made.
    drop(emulator);
    project.ok(&["infra", "destroy", "--confirm", PROJECT]);
    let (outputs, _) = project.ok(&["infra", "output"]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&outputs).unwrap(), serde_json::json!({}), "nothing left");
}

#[test]
fn without_yes_and_without_a_terminal_nothing_is_applied() {
    let project = Project::new(Vec::new());
    project
        .cmd(&["up", "--target", "aws"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("add --yes").and(predicate::str::contains("stdin is not a terminal")));
    assert!(!project.root_module().join(infra::TFVARS_FILE).exists(), "no variables written");
    assert!(!project.root_module().join(".terraform").exists(), "terraform never ran");
    assert!(!project.path("wd").exists(), "no workdir");
}

#[test]
fn missing_terraform_or_module_is_explained_before_anything_runs() {
    let project = Project::new(Vec::new());
    project
        .cmd(&["up", "--target", "aws", "--yes"])
        .env("PATH", project.path("nowhere"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("terraform not found on PATH").and(predicate::str::contains("install")));

    let config = std::fs::read_to_string(project.path("dsql-deploy.toml")).unwrap();
    let moved = config
        .replace(&project.module.module().display().to_string(), &project.path("no-module").display().to_string());
    std::fs::write(project.path("dsql-deploy.toml"), moved).unwrap();
    project.cmd(&["up", "--target", "aws", "--yes"]).assert().failure().stderr(
        predicate::str::contains("no-module/examples/minimal not found")
            .and(predicate::str::contains("[infra] terraform_dir")),
    );
    assert!(!project.path("wd").exists(), "nothing written");
}

#[test]
fn aws_flags_are_refused_for_the_local_target_and_bad_values_named() {
    let project = Project::new(Vec::new());
    project
        .cmd(&["up", "--connect-host", "127.0.0.1"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--connect-host is only for `--target aws`"));
    project
        .cmd(&["up", "--target", "aws", "--yes", "--ca-file", "missing.pem"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--ca-file missing.pem: no such file"));
}
