//! The VPC-only cluster policy end to end on moto: `examples/complete`
//! (Client VPN and OpenSearch off, which moto cannot build in reasonable
//! time) is applied with the option on, the module's document is attached
//! with PutClusterPolicy, re-running changes nothing, and turning the option
//! off removes our policy but never one written by hand.

mod support;

use infra::policy::{self, PolicyChange};
use infra::{Infra, Outputs, Terraform};
use support::{ModuleCopy, moto_env};

const COMPLETE: &str = "examples/complete";

async fn dsql_client(moto: &testkit::Moto) -> aws_sdk_dsql::Client {
    let credentials = aws_sdk_dsql::config::Credentials::new("testing", "testing", None, None, "test");
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(moto.endpoint())
        .credentials_provider(credentials)
        .load()
        .await;
    aws_sdk_dsql::Client::new(&config)
}

/// Outputs with `dsql_cluster_policy` replaced by null (the option off).
fn without_policy(outputs_json: &str) -> Outputs {
    let mut doc: serde_json::Value = serde_json::from_str(outputs_json).unwrap();
    doc["dsql_cluster_policy"]["value"] = serde_json::Value::Null;
    Outputs::parse(&doc.to_string(), "test").unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn vpc_only_policy_is_attached_and_removed() {
    let moto = support::moto();
    let copy = ModuleCopy::new();
    copy.init(COMPLETE);
    let vars = [
        "create_client_vpn=false",
        "opensearch_mode=none",
        "dsql_deletion_protection=false",
        "enable_dsql_vpc_only_policy=true",
    ];
    let mut args = vec!["apply", "-auto-approve", "-input=false", "-no-color"];
    for var in &vars {
        args.extend(["-var", var]);
    }
    copy.terraform_ok(COMPLETE, &args, &moto_env(&moto));

    let infra = Infra::new(Terraform::locate().unwrap(), copy.module().join(COMPLETE), "us-east-1").unwrap();
    let outputs_json = infra.output_json().unwrap();
    let outputs = Outputs::parse(&outputs_json, "test").unwrap();
    let identifier = outputs.string("dsql_cluster_identifier").unwrap().to_string();
    let vpc_id = outputs.string("vpc_id").unwrap().to_string();
    let client = dsql_client(&moto).await;

    assert_eq!(policy::current_policy(&client, &identifier).await.unwrap(), None);
    assert_eq!(policy::converge(&client, &outputs).await.unwrap(), PolicyChange::Attached);
    let attached = policy::current_policy(&client, &identifier).await.unwrap().unwrap();
    let doc: serde_json::Value = serde_json::from_str(&attached).unwrap();
    let statement = &doc["Statement"][0];
    assert_eq!(statement["Effect"], "Deny");
    assert_eq!(statement["Condition"]["StringNotEquals"]["aws:SourceVpc"], vpc_id.as_str());
    assert_eq!(policy::converge(&client, &outputs).await.unwrap(), PolicyChange::AlreadyAttached);

    // Option off: our policy goes away.
    let off = without_policy(&outputs_json);
    assert_eq!(policy::converge(&client, &off).await.unwrap(), PolicyChange::Removed);
    assert_eq!(policy::current_policy(&client, &identifier).await.unwrap(), None);

    // A policy someone else attached is left alone.
    let theirs = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Theirs","Effect":"Deny","Principal":{"AWS":"*"},"Action":"dsql:DbConnect","Resource":"*"}]}"#;
    client.put_cluster_policy().identifier(&identifier).policy(theirs).send().await.unwrap();
    assert_eq!(policy::converge(&client, &off).await.unwrap(), PolicyChange::Unchanged);
    assert_eq!(policy::current_policy(&client, &identifier).await.unwrap().as_deref(), Some(theirs));
}
