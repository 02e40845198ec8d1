//! The Terraform module itself, with the real `terraform` binary and the
//! offline provider mirror: formatting, validation of the module and both
//! examples, a plan of `examples/complete` against moto_server, our variable
//! validation messages, the README's tables and a checkov scan.
//! Each test works in its own copy so that nextest can run them in parallel.

mod support;

use std::collections::BTreeMap;

use serde_json::Value;
use support::{ModuleCopy, moto_env, text};

const COMPLETE: &str = "examples/complete";
const MINIMAL: &str = "examples/minimal";

fn fixture(name: &str) -> String {
    support::repo_root().join("terraform/tests/fixtures").join(name).display().to_string()
}

#[test]
fn module_is_formatted() {
    let copy = ModuleCopy::new();
    let out = copy.terraform(".", &["fmt", "-check", "-recursive", "-diff", "-no-color"], &[]);
    assert!(out.status.success(), "run `terraform fmt -recursive terraform/`:\n{}", text(&out));
}

#[test]
fn module_and_examples_validate() {
    let copy = ModuleCopy::new();
    std::thread::scope(|s| {
        for sub in [".", MINIMAL, COMPLETE] {
            let copy = &copy;
            s.spawn(move || {
                copy.init(sub);
                let out = copy.terraform_ok(sub, &["validate", "-json", "-no-color"], &[]);
                let report: Value = serde_json::from_str(&out).unwrap();
                assert_eq!(report["valid"], true, "{sub}: {out}");
                assert_eq!(report["warning_count"], 0, "{sub}: {out}");
            });
        }
    });
}

/// Plans `examples/complete` (certificate ARNs from the fixture, plus
/// `extra` variables) against moto; returns each resource to be created
/// (address without the module prefix) with its planned values.
fn plan_complete(extra: &[&str]) -> BTreeMap<String, Value> {
    let moto = support::moto();
    let copy = ModuleCopy::new();
    copy.init(COMPLETE);
    let vars = format!("-var-file={}", fixture("complete.tfvars.json"));
    let mut args = vec!["plan", "-input=false", "-no-color", &vars, "-out=tfplan"];
    for var in extra {
        args.extend(["-var", var]);
    }
    copy.terraform_ok(COMPLETE, &args, &moto_env(&moto));
    let plan: Value = serde_json::from_str(&copy.terraform_ok(COMPLETE, &["show", "-json", "tfplan"], &[])).unwrap();

    let mut created: BTreeMap<String, Value> = BTreeMap::new();
    for change in plan["resource_changes"].as_array().unwrap().iter().filter(|c| c["mode"] == "managed") {
        assert_eq!(change["change"]["actions"], serde_json::json!(["create"]), "{}", change["address"]);
        let address = change["address"].as_str().unwrap().trim_start_matches("module.temporal_dsql.").to_string();
        created.insert(address, change["change"]["after"].clone());
    }
    created
}

/// The default (complete) deployment, checked resource by resource.
#[test]
fn complete_example_plans_against_moto() {
    let created = plan_complete(&[]);
    for address in [
        "aws_vpc.this[0]",
        "aws_subnet.private[0]",
        "aws_subnet.private[1]",
        "aws_dsql_cluster.this[0]",
        "aws_vpc_endpoint.dsql[0]",
        "aws_opensearch_domain.this[0]",
        "aws_ec2_client_vpn_endpoint.this[0]",
        "aws_ec2_client_vpn_network_association.this[1]",
        "aws_ec2_client_vpn_authorization_rule.this[0]",
        "aws_security_group.dsql_endpoint[0]",
        "aws_security_group.client_vpn[0]",
    ] {
        assert!(created.contains_key(address), "{address} not planned; planned: {:?}", created.keys());
    }
    assert!(!created.keys().any(|a| a.contains("opensearchserverless")), "serverless is off by default");

    let cluster = &created["aws_dsql_cluster.this[0]"];
    assert_eq!(cluster["deletion_protection_enabled"], true, "deletion protection is on by default");
    let endpoint = &created["aws_vpc_endpoint.dsql[0]"];
    assert_eq!(endpoint["private_dns_enabled"], false);
    assert_eq!(endpoint["vpc_endpoint_type"], "Interface");

    let dsql_sg = &created["aws_security_group.dsql_endpoint[0]"]["ingress"][0];
    assert_eq!((dsql_sg["from_port"].as_i64(), dsql_sg["to_port"].as_i64()), (Some(5432), Some(5432)));
    assert_eq!(dsql_sg["cidr_blocks"], serde_json::json!(["10.100.0.0/22"]), "only the VPN client CIDR");
    let vpn_sg = &created["aws_security_group.client_vpn[0]"]["ingress"][0];
    assert_eq!(vpn_sg["from_port"].as_i64(), Some(443));

    let domain = &created["aws_opensearch_domain.this[0]"];
    assert_eq!(domain["encrypt_at_rest"][0]["enabled"], true);
    assert_eq!(domain["node_to_node_encryption"][0]["enabled"], true);
    assert_eq!(domain["domain_endpoint_options"][0]["enforce_https"], true);
    assert_eq!(domain["domain_endpoint_options"][0]["tls_security_policy"], "Policy-Min-TLS-1-2-2019-07");

    let vpn = &created["aws_ec2_client_vpn_endpoint.this[0]"];
    assert_eq!(vpn["split_tunnel"], true);
    assert_eq!(vpn["authentication_options"][0]["type"], "certificate-authentication");
    assert_eq!(vpn["connection_log_options"][0]["enabled"], true);
    assert_eq!(vpn["tags"]["ManagedBy"], "terraform", "tags are merged onto every resource");
}

/// OpenSearch Serverless keeps its encryption, network and data access policies.
#[test]
fn serverless_opensearch_plans_with_its_policies() {
    let created = plan_complete(&["opensearch_mode=serverless"]);
    assert!(!created.contains_key("aws_opensearch_domain.this[0]"));
    for address in [
        "aws_opensearchserverless_collection.this[0]",
        "aws_opensearchserverless_security_policy.encryption[0]",
        "aws_opensearchserverless_security_policy.network[0]",
        "aws_opensearchserverless_access_policy.this[0]",
        "aws_opensearchserverless_vpc_endpoint.this[0]",
    ] {
        assert!(created.contains_key(address), "{address} not planned; planned: {:?}", created.keys());
    }
    let encryption = &created["aws_opensearchserverless_security_policy.encryption[0]"];
    let policy: Value = serde_json::from_str(encryption["policy"].as_str().unwrap()).unwrap();
    assert_eq!(policy["AWSOwnedKey"], true);
    assert_eq!(policy["KmsARN"], "", "moto needs the key present");
    let access = &created["aws_opensearchserverless_access_policy.this[0]"];
    let access: Value = serde_json::from_str(access["policy"].as_str().unwrap()).unwrap();
    assert_eq!(access[0]["Principal"][0], "arn:aws:iam::123456789012:root", "the account root by default");
}

/// Each bad input fails `plan` with the module's own message.
#[test]
fn bad_inputs_fail_plan_with_our_messages() {
    let moto = support::moto();
    let copy = ModuleCopy::new();
    copy.init(COMPLETE);
    let vars = format!("-var-file={}", fixture("complete.tfvars.json"));
    let cases = [
        ("vpc_cidr=10.60.0.0/33", "vpc_cidr must be an IPv4 CIDR block"),
        ("allowed_client_cidrs=[\"not-a-cidr\"]", "allowed_client_cidrs must all be CIDR blocks"),
        ("client_vpn_authentication_options=[]", "must list one or two authentication options"),
        ("client_vpn_authentication_options=[{type=\"password\"}]", "types must be \"certificate-authentication\" or"),
        ("opensearch_mode=cheap", "opensearch_mode must be \"provisioned\", \"serverless\" or \"none\""),
    ];
    copy.init(".");
    std::thread::scope(|s| {
        // The module as root: an existing VPC must be named when one is needed.
        let env = moto_env(&moto);
        let copy_ref = &copy;
        s.spawn(move || {
            let args = [
                "plan",
                "-input=false",
                "-no-color",
                "-var",
                "name=x",
                "-var",
                "create_vpc=false",
                "-var",
                "create_client_vpn=false",
            ];
            let out = copy_ref.terraform(".", &args, &env);
            let folded = text(&out).split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(!out.status.success(), "create_vpc=false without vpc_id was accepted");
            assert!(folded.contains("vpc_id is required when create_vpc is false"), "{folded}");
        });
        for (var, message) in cases {
            let (copy, vars, env) = (&copy, &vars, moto_env(&moto));
            s.spawn(move || {
                let out = copy.terraform(
                    COMPLETE,
                    &["plan", "-input=false", "-no-color", "-lock=false", vars, "-var", var],
                    &env,
                );
                let output = text(&out);
                assert!(!out.status.success(), "{var} was accepted");
                // Terraform wraps long messages; compare with whitespace folded.
                let folded = output.split_whitespace().collect::<Vec<_>>().join(" ");
                assert!(folded.contains(message), "{var}: expected {message:?} in:\n{output}");
            });
        }
    });
}

#[test]
fn readme_documents_every_input_and_output() {
    let root = support::repo_root().join("terraform");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for (file, keyword) in [("variables.tf", "variable"), ("outputs.tf", "output")] {
        let source = std::fs::read_to_string(root.join(file)).unwrap();
        for line in source.lines().filter(|l| l.starts_with(keyword)) {
            let name = line.split('"').nth(1).unwrap();
            assert!(readme.contains(&format!("| `{name}` |")), "README.md has no table row for {keyword} {name}");
        }
    }
}

/// checkov passes, and every skipped check says why.
#[test]
fn checkov_passes_with_justified_skips() {
    let checkov = support::repo_root().join(".venv-checkov/bin/checkov");
    assert!(checkov.exists(), "{} missing; run scripts/bootstrap.sh", checkov.display());
    let copy = ModuleCopy::new();
    let out = std::process::Command::new(&checkov)
        .args(["--framework", "terraform", "--quiet", "--compact", "--skip-download", "-o", "cli", "-d"])
        .arg(copy.module())
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && report.contains("Failed checks: 0"), "checkov found problems:\n{report}");

    for entry in walk(&copy.module()) {
        let source = std::fs::read_to_string(&entry).unwrap();
        for skip in source.lines().filter_map(|l| l.trim().strip_prefix("#checkov:skip=")) {
            let (id, reason) = skip.split_once(':').unwrap_or((skip, ""));
            assert!(reason.trim().len() >= 20, "{}: skip of {id} needs a reason", entry.display());
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|x| x == "tf") {
            files.push(path);
        }
    }
    files
}
