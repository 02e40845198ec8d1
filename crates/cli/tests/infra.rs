//! `dsql-deploy infra` as a user runs it: `.env` from recorded outputs, the
//! refusals (destroy without confirmation, apply without approval, VPN
//! without certificates), clear errors when Terraform or the module is
//! missing, and a whole init → apply → env → destroy of `examples/minimal`
//! against moto_server with the real `terraform` binary.

#[path = "../../infra/tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use support::{ModuleCopy, moto_env};

fn fixture(name: &str) -> std::path::PathBuf {
    support::repo_root().join("terraform/tests/fixtures").join(name)
}

/// `dsql-deploy` in `cwd`, with no stray config or AWS settings from the host.
fn dsql_deploy(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("dsql-deploy").unwrap();
    cmd.current_dir(cwd).env_remove("DSQL_DEPLOY_CONFIG").env_remove("AWS_PROFILE").env_remove("TERRAFORM");
    // A Terraform failure must come from the module, not from a missing mirror.
    cmd.env("CHECKPOINT_DISABLE", "1");
    cmd
}

fn write_config(dir: &Path, module: &Path, root: &str, extra: &str) {
    let text = format!(
        "[project]\nname = \"e2e-infra\"\n[infra]\nterraform_dir = \"{}\"\nroot = \"{root}\"\n{extra}",
        module.display()
    );
    std::fs::write(dir.join("dsql-deploy.toml"), text).unwrap();
}

fn temporal_env_of(outputs_file: &Path) -> BTreeMap<String, String> {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(outputs_file).unwrap()).unwrap();
    doc["temporal_env"]["value"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

fn env_file_vars(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn env_from_recorded_outputs_writes_the_renderer_variables() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = fixture("complete-outputs.json");
    dsql_deploy(dir.path()).args(["infra", "env", "--from"]).arg(&outputs).assert().success();
    let written = env_file_vars(&dir.path().join(".env"));
    assert_eq!(written, temporal_env_of(&outputs));
    for key in ["TEMPORAL_SQL_HOST", "TEMPORAL_SQL_PORT", "TEMPORAL_SQL_IAM_AUTH", "TEMPORAL_OPENSEARCH_ENDPOINT"] {
        assert!(written.contains_key(key), "{key} missing");
    }

    // An existing .env is kept unless --force.
    let minimal = fixture("minimal-outputs.json");
    dsql_deploy(dir.path())
        .args(["infra", "env", "--from"])
        .arg(&minimal)
        .assert()
        .failure()
        .stderr(predicate::str::contains("already exists").and(predicate::str::contains("--force")));
    assert_eq!(env_file_vars(&dir.path().join(".env")), temporal_env_of(&outputs), "untouched");
    dsql_deploy(dir.path()).args(["infra", "env", "--force", "--from"]).arg(&minimal).assert().success();
    assert_eq!(env_file_vars(&dir.path().join(".env")), temporal_env_of(&minimal));
}

#[test]
fn env_to_stdout_and_to_a_named_file() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = fixture("minimal-outputs.json");
    let out = dsql_deploy(dir.path()).args(["infra", "env", "--stdout", "--from"]).arg(&outputs).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("TEMPORAL_SQL_PLUGIN_NAME=dsql\n"));
    assert!(!dir.path().join(".env").exists(), "--stdout writes no file");
    dsql_deploy(dir.path())
        .args(["infra", "env", "--env-file", "temporal.env", "--from"])
        .arg(&outputs)
        .assert()
        .success();
    assert_eq!(env_file_vars(&dir.path().join("temporal.env")), temporal_env_of(&outputs));
}

#[test]
fn env_from_a_file_that_is_not_terraform_output_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.json"), "not json").unwrap();
    std::fs::write(dir.path().join("empty.json"), "{}").unwrap();
    dsql_deploy(dir.path())
        .args(["infra", "env", "--from", "bad.json"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad.json is not `terraform output -json` output"));
    dsql_deploy(dir.path())
        .args(["infra", "env", "--from", "empty.json"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no `temporal_env` output"));
    assert!(!dir.path().join(".env").exists());
}

#[test]
fn missing_terraform_says_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let copy = ModuleCopy::new();
    write_config(dir.path(), &copy.module(), "examples/minimal", "");
    dsql_deploy(dir.path())
        .env("PATH", dir.path())
        .args(["infra", "init"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("terraform not found").and(predicate::str::contains("install")));
}

#[test]
fn missing_root_module_names_the_directory_and_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &dir.path().join("nowhere"), "examples/minimal", "");
    dsql_deploy(dir.path()).args(["infra", "plan"]).assert().failure().stderr(
        predicate::str::contains("nowhere/examples/minimal not found")
            .and(predicate::str::contains("[infra] terraform_dir")),
    );
}

#[test]
fn destroy_and_apply_refuse_without_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let copy = ModuleCopy::new();
    write_config(dir.path(), &copy.module(), "examples/minimal", "");
    dsql_deploy(dir.path())
        .args(["infra", "destroy"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("refusing to destroy").and(predicate::str::contains("--confirm e2e-infra")));
    dsql_deploy(dir.path())
        .args(["infra", "destroy", "--confirm", "other"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("does not match the project name"));
    dsql_deploy(dir.path())
        .args(["infra", "apply"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--auto-approve"));
}

#[test]
fn vpn_without_certificates_points_at_certs() {
    let dir = tempfile::tempdir().unwrap();
    let copy = ModuleCopy::new();
    write_config(dir.path(), &copy.module(), "examples/complete", "");
    dsql_deploy(dir.path()).args(["infra", "plan"]).assert().failure().stderr(
        predicate::str::contains("dsql-deploy certs acm-import-server")
            .and(predicate::str::contains("acm-import-root")),
    );
}

#[test]
fn variables_come_from_the_config_and_only_those_the_root_declares() {
    let dir = tempfile::tempdir().unwrap();
    let copy = ModuleCopy::new();
    let arns = "client_vpn_server_certificate_arn = \"arn:aws:acm:us-east-1:123456789012:certificate/s\"\n\
                client_vpn_root_certificate_arn = \"arn:aws:acm:us-east-1:123456789012:certificate/r\"\n\
                opensearch_mode = \"serverless\"\n";
    write_config(dir.path(), &copy.module(), "examples/complete", arns);
    // The variables are written before Terraform runs (here a stand-in that fails).
    let _ = dsql_deploy(dir.path()).env("TERRAFORM", "/bin/false").args(["infra", "plan"]).output().unwrap();
    let vars: Value = serde_json::from_str(
        &std::fs::read_to_string(copy.module().join("examples/complete/dsql-deploy.auto.tfvars.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(vars["name"], "e2e-infra");
    assert_eq!(vars["opensearch_mode"], "serverless");
    assert_eq!(
        vars["client_vpn_authentication_options"][0]["root_certificate_chain_arn"],
        "arn:aws:acm:us-east-1:123456789012:certificate/r"
    );

    write_config(dir.path(), &copy.module(), "examples/minimal", "");
    let _ = dsql_deploy(dir.path()).env("TERRAFORM", "/bin/false").args(["infra", "plan"]).output().unwrap();
    let vars: Value = serde_json::from_str(
        &std::fs::read_to_string(copy.module().join("examples/minimal/dsql-deploy.auto.tfvars.json")).unwrap(),
    )
    .unwrap();
    let names: Vec<&String> = vars.as_object().unwrap().keys().collect();
    assert_eq!(names, ["dsql_deletion_protection", "name", "tags"], "minimal declares only these");
}

/// init → plan → apply → output → env → destroy (refused by deletion protection,
/// then allowed after the config turns it off) of `examples/minimal` on moto.
#[test]
fn minimal_example_applies_and_destroys_against_moto() {
    let moto = support::moto();
    let dir = tempfile::tempdir().unwrap();
    let copy = ModuleCopy::new();
    write_config(dir.path(), &copy.module(), "examples/minimal", "");
    let run = |args: &[&str], extra_env: &[(&str, &str)]| {
        let mut cmd = dsql_deploy(dir.path());
        cmd.envs(moto_env(&moto)).env("TF_CLI_CONFIG_FILE", &copy.cli_config).args(args);
        cmd.envs(extra_env.iter().copied());
        cmd.output().unwrap()
    };
    let ok = |out: std::process::Output| {
        assert!(out.status.success(), "{}", support::text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };

    ok(run(&["infra", "init"], &[]));
    // A saved plan, applied as is (extra arguments reach Terraform in order).
    let plan = ok(run(&["infra", "plan", "--", "-out=tfplan"], &[]));
    assert!(plan.contains("aws_dsql_cluster.this[0] will be created"), "{plan}");
    ok(run(&["infra", "apply", "--auto-approve", "--", "tfplan"], &[]));
    let identifier: String =
        serde_json::from_str(&ok(run(&["infra", "output", "dsql_cluster_identifier"], &[]))).unwrap();
    assert!(!identifier.is_empty());

    ok(run(&["infra", "env"], &[]));
    let env = env_file_vars(&dir.path().join(".env"));
    assert_eq!(env["TEMPORAL_SQL_HOST"], format!("{identifier}.dsql.us-east-1.on.aws"));
    assert_eq!(env["TEMPORAL_SQL_IAM_AUTH"], "true");

    // Deletion protection is on by default; the error says how to proceed.
    let refused = run(&["infra", "destroy", "--confirm", "e2e-infra"], &[]);
    assert!(!refused.status.success(), "destroy went through deletion protection");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("deletion_protection = false") && stderr.contains("exit code"), "{stderr}");

    let off = [("DSQL_DEPLOY_INFRA_DELETION_PROTECTION", "false")];
    ok(run(&["infra", "apply", "--auto-approve"], &off));
    ok(run(&["infra", "destroy", "--confirm", "e2e-infra"], &off));
    let outputs: Value = serde_json::from_str(&ok(run(&["infra", "output"], &[]))).unwrap();
    assert_eq!(outputs, serde_json::json!({}), "nothing left");
}
