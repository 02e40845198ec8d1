//! The certificate step of `up --target aws` against moto's ACM: the first
//! run issues the CA, server and a client certificate and imports server and
//! root; a rerun issues and imports nothing and ACM still holds exactly two
//! certificates with the same ARNs. ARNs set in `[infra]` skip ACM.

use dsql_deploy_config::Config;
use infra::{Infra, Terraform};
use up::VpnOutcome;

fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

#[tokio::test]
async fn vpn_certificates_are_issued_and_imported_once() {
    if std::env::var_os("MOTO_SERVER").is_none() && !testkit::Moto::binary().exists() {
        // SAFETY: set before anything in this test binary reads the environment concurrently.
        unsafe { std::env::set_var("MOTO_SERVER", repo_root().join(".venv/bin/moto_server")) };
    }
    let moto = testkit::Moto::start();
    for (key, value) in moto.env() {
        // SAFETY: the only test in this binary; the AWS SDK reads these below.
        unsafe { std::env::set_var(key, value) };
    }
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.project.name = "certs-step".into();
    config.certs.dir = dir.path().join("vpn");
    config.infra.enable_client_vpn = true;
    // examples/complete declares the Client VPN variables; Terraform itself does not run here.
    let infra =
        Infra::new(Terraform::at("terraform"), repo_root().join("terraform/examples/complete"), "us-east-1").unwrap();

    let (first, arns) = up::ensure_vpn_certificates(&config, &infra).await.unwrap();
    let VpnOutcome::Ready { changed } = &first else { panic!("{first:?}") };
    for what in [
        "CA issued",
        "server certificate issued",
        "client certificate `operator` issued",
        "server imported",
        "root imported",
    ] {
        assert!(changed.iter().any(|c| c == what), "{what:?} missing from {changed:?}");
    }
    assert!(config.certs.dir.join("clients/operator.crt").is_file());
    let server_arn = arns.server_certificate_arn.clone().unwrap();
    let root_arn = arns.root_certificate_arn.clone().unwrap();
    assert_ne!(server_arn, root_arn);

    let (second, again) = up::ensure_vpn_certificates(&config, &infra).await.unwrap();
    assert_eq!(second, VpnOutcome::Ready { changed: Vec::new() }, "a rerun issues and imports nothing");
    assert_eq!(again, arns, "same ARNs");

    let acm = certs::acm::client("us-east-1").await;
    let listed = acm.list_certificates().send().await.unwrap();
    let mut held: Vec<&str> = listed.certificate_summary_list().iter().filter_map(|c| c.certificate_arn()).collect();
    held.sort();
    let mut expected = vec![server_arn.as_str(), root_arn.as_str()];
    expected.sort();
    assert_eq!(held, expected, "no duplicates in ACM");

    // ARNs from [infra] win and nothing is sent.
    config.infra.client_vpn_server_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/s".into();
    config.infra.client_vpn_root_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/r".into();
    let (configured, arns) = up::ensure_vpn_certificates(&config, &infra).await.unwrap();
    assert_eq!(configured, VpnOutcome::Configured);
    assert_eq!(arns.root_certificate_arn.as_deref(), Some("arn:aws:acm:us-east-1:123456789012:certificate/r"));

    // Without the VPN the step is skipped and says why.
    config.infra.enable_client_vpn = false;
    let (skipped, arns) = up::ensure_vpn_certificates(&config, &infra).await.unwrap();
    assert!(
        matches!(skipped, VpnOutcome::Skipped { ref reason } if reason.contains("enable_client_vpn")),
        "{skipped:?}"
    );
    assert_eq!(arns, infra::VpnCertificates::default());
}
