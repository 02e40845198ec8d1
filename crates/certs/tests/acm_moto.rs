//! ACM import against `moto_server`: first import, "up to date" without a
//! call, re-import of a renewed certificate onto the same ARN (ACM then
//! returns the new body), tags, records, and the Terraform snippet.

mod common;

use std::collections::BTreeMap;

use aws_sdk_acm::config::{BehaviorVersion, Credentials, Region};
use certs::acm::{self, Outcome};
use certs::layout::AcmTarget;
use certs::{Settings, issue};
use common::pki;
use testkit::Moto;

fn client(moto: &Moto) -> aws_sdk_acm::Client {
    let config = aws_sdk_acm::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(moto.endpoint())
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .build();
    aws_sdk_acm::Client::from_conf(config)
}

fn normalized(pem: &str) -> String {
    pem.split_whitespace().collect()
}

#[tokio::test]
async fn import_then_up_to_date_then_reimport_onto_the_same_arn() {
    let moto = Moto::start();
    let acm_client = client(&moto);
    let settings = Settings::default();
    let (_dir, layout) = pki(&settings);
    let tags = BTreeMap::from([("team".to_string(), "vpn".to_string())]);

    let (outcome, first) = acm::import(&acm_client, &layout, AcmTarget::Server, "us-east-1", &tags).await.unwrap();
    assert_eq!(outcome, Outcome::Imported);
    assert!(first.certificate_arn.starts_with("arn:aws:acm:us-east-1:"), "{first:?}");
    let described = acm_client.describe_certificate().certificate_arn(&first.certificate_arn).send().await.unwrap();
    let detail = described.certificate().unwrap();
    assert_eq!(detail.domain_name(), Some("server.temporal-dsql.vpn"));
    let listed = acm_client.list_tags_for_certificate().certificate_arn(&first.certificate_arn).send().await.unwrap();
    let tag_map: BTreeMap<_, _> =
        listed.tags().iter().map(|t| (t.key().to_string(), t.value().unwrap_or("").to_string())).collect();
    assert_eq!(tag_map.get("team").map(String::as_str), Some("vpn"), "{tag_map:?}");
    assert_eq!(tag_map.get("dsql-deploy:certificate").map(String::as_str), Some("vpn-server"));
    let got = acm_client.get_certificate().certificate_arn(&first.certificate_arn).send().await.unwrap();
    assert_eq!(
        normalized(got.certificate().unwrap()),
        normalized(&std::fs::read_to_string(layout.server_cert()).unwrap())
    );
    assert!(
        normalized(got.certificate_chain().unwrap())
            .contains(&normalized(&std::fs::read_to_string(layout.ca_cert()).unwrap()))
    );

    // Unchanged: no call, same record.
    let (outcome, again) = acm::import(&acm_client, &layout, AcmTarget::Server, "us-east-1", &tags).await.unwrap();
    assert_eq!((outcome, &again), (Outcome::UpToDate, &first));

    // Renewed: same ARN, new body, new fingerprint; still one certificate.
    issue::create_server(&layout, &settings, true).unwrap();
    let (outcome, renewed) = acm::import(&acm_client, &layout, AcmTarget::Server, "us-east-1", &tags).await.unwrap();
    assert_eq!(outcome, Outcome::Reimported);
    assert_eq!(renewed.certificate_arn, first.certificate_arn);
    assert_ne!(renewed.sha256_fingerprint, first.sha256_fingerprint);
    let got = acm_client.get_certificate().certificate_arn(&first.certificate_arn).send().await.unwrap();
    assert_eq!(
        normalized(got.certificate().unwrap()),
        normalized(&std::fs::read_to_string(layout.server_cert()).unwrap())
    );
    let all = acm_client.list_certificates().send().await.unwrap();
    assert_eq!(all.certificate_summary_list().len(), 1, "no duplicate certificate in ACM");
    let listed = acm_client.list_tags_for_certificate().certificate_arn(&first.certificate_arn).send().await.unwrap();
    assert!(listed.tags().iter().any(|t| t.key() == "team"), "tags survive the re-import");

    // The record on disk is what import returned.
    assert_eq!(acm::read_record(&layout, AcmTarget::Server).unwrap(), Some(renewed));
}

#[tokio::test]
async fn root_ca_import_and_terraform_snippet() {
    let moto = Moto::start();
    let acm_client = client(&moto);
    let (_dir, layout) = pki(&Settings::default());
    let err = acm::terraform_arns(&layout).unwrap_err();
    assert!(err.to_string().contains("acm-import-server and acm-import-root"), "{err}");
    let (_, server) =
        acm::import(&acm_client, &layout, AcmTarget::Server, "us-east-1", &BTreeMap::new()).await.unwrap();
    let err = acm::terraform_arns(&layout).unwrap_err();
    assert!(err.to_string().contains("run `dsql-deploy certs acm-import-root`"), "{err}");
    let (outcome, root) =
        acm::import(&acm_client, &layout, AcmTarget::Root, "us-east-1", &BTreeMap::new()).await.unwrap();
    assert_eq!(outcome, Outcome::Imported);
    assert_ne!(root.certificate_arn, server.certificate_arn);
    let described = acm_client.describe_certificate().certificate_arn(&root.certificate_arn).send().await.unwrap();
    assert_eq!(described.certificate().unwrap().domain_name(), Some("temporal-dsql VPN Root CA"));

    let arns = acm::terraform_arns(&layout).unwrap();
    let hcl = arns.to_hcl();
    assert_eq!(
        hcl,
        format!(
            "client_vpn_server_certificate_arn = \"{}\"\nclient_vpn_authentication_options = [\n  {{\n    type                       = \"certificate-authentication\"\n    root_certificate_chain_arn = \"{}\"\n  }},\n]\n",
            server.certificate_arn, root.certificate_arn
        )
    );
    let json = serde_json::to_value(&arns).unwrap();
    assert_eq!(json["client_vpn_authentication_options"][0]["type"], "certificate-authentication");
    assert_eq!(json["client_vpn_server_certificate_arn"], server.certificate_arn.as_str());
}

#[tokio::test]
async fn expired_or_mismatched_certificates_are_not_sent() {
    let moto = Moto::start();
    let acm_client = client(&moto);
    let settings = Settings::default();
    let (_dir, layout) = pki(&settings);
    std::fs::copy(layout.client_key("alice"), layout.server_key()).unwrap();
    let err = acm::import(&acm_client, &layout, AcmTarget::Server, "us-east-1", &BTreeMap::new()).await.unwrap_err();
    assert!(err.to_string().contains("does not belong to"), "{err}");
    let past = issue::Validity {
        not_before: time::OffsetDateTime::now_utc() - time::Duration::days(30),
        not_after: time::OffsetDateTime::now_utc() - time::Duration::days(1),
    };
    issue::create_server_with(&layout, &settings, past, true).unwrap();
    let err = acm::import(&acm_client, &layout, AcmTarget::Server, "us-east-1", &BTreeMap::new()).await.unwrap_err();
    assert!(err.to_string().contains("expired on"), "{err}");
    let all = acm_client.list_certificates().send().await.unwrap();
    assert!(all.certificate_summary_list().is_empty(), "nothing reached ACM");
    assert!(acm::read_record(&layout, AcmTarget::Server).unwrap().is_none());
}
