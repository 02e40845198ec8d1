//! The Client VPN's certificates: when the root module creates a Client VPN
//! (`[infra] enable_client_vpn` and the module declares the VPN variables),
//! the CA and server certificate (and one client certificate, so an operator
//! can connect) are issued if missing, and the server certificate and root
//! CA imported into ACM. `certs::acm::import` compares fingerprints with its
//! records, so a rerun sends nothing and ACM never holds duplicates. ARNs
//! set in `[infra]` win over the imports, as in `dsql-deploy infra`.

use std::fmt;

use certs::layout::AcmTarget;
use certs::{Layout, Settings, issue};
use dsql_deploy_config::Config;
use infra::{Infra, VpnCertificates};

use crate::Error;

/// What the certificate step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VpnOutcome {
    /// No Client VPN in this deployment.
    Skipped { reason: String },
    /// Both ARNs come from `[infra]`.
    Configured,
    /// Issued and/or imported; lists what changed (empty: all up to date).
    Ready { changed: Vec<String> },
}

impl VpnOutcome {
    pub fn summary(&self) -> String {
        match self {
            VpnOutcome::Skipped { reason } => format!("skipped ({reason})"),
            VpnOutcome::Configured => "ARNs from [infra]".into(),
            VpnOutcome::Ready { changed } if changed.is_empty() => "in ACM (nothing to do)".into(),
            VpnOutcome::Ready { changed } => changed.join(", "),
        }
    }
}

impl fmt::Display for VpnOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}

/// The client certificate issued when there is none yet.
const FIRST_CLIENT: &str = "operator";

/// Makes sure the VPN certificates exist and are in ACM; returns their ARNs.
pub async fn ensure(config: &Config, infra: &Infra) -> Result<(VpnOutcome, VpnCertificates), Error> {
    if !config.infra.enable_client_vpn {
        return Ok((
            VpnOutcome::Skipped { reason: "[infra] enable_client_vpn = false".into() },
            VpnCertificates::default(),
        ));
    }
    let declared = infra::vars::declared_variables(infra.root())?;
    if !declared.contains("client_vpn_server_certificate_arn") {
        let reason = format!("root module {} has no Client VPN", infra.root().display());
        return Ok((VpnOutcome::Skipped { reason }, VpnCertificates::default()));
    }
    let configured = |arn: &str| (!arn.is_empty()).then(|| arn.to_string());
    let mut arns = VpnCertificates {
        server_certificate_arn: configured(&config.infra.client_vpn_server_certificate_arn),
        root_certificate_arn: configured(&config.infra.client_vpn_root_certificate_arn),
    };
    if arns.server_certificate_arn.is_some() && arns.root_certificate_arn.is_some() {
        return Ok((VpnOutcome::Configured, arns));
    }

    let settings = Settings::from_config(config);
    let layout = Layout::new(&config.certs.dir);
    let mut changed = issue_missing(&layout, &settings)?;
    let client = certs::acm::client(&settings.acm_region).await;
    for target in [AcmTarget::Server, AcmTarget::Root] {
        let slot = match target {
            AcmTarget::Server => &mut arns.server_certificate_arn,
            AcmTarget::Root => &mut arns.root_certificate_arn,
        };
        if slot.is_some() {
            continue;
        }
        let (outcome, record) =
            certs::acm::import(&client, &layout, target, &settings.acm_region, &settings.acm_tags).await?;
        match outcome {
            certs::acm::Outcome::Imported => changed.push(format!("{} imported", target.name())),
            certs::acm::Outcome::Reimported => changed.push(format!("{} re-imported", target.name())),
            certs::acm::Outcome::UpToDate => {}
        }
        *slot = Some(record.certificate_arn);
    }
    Ok((VpnOutcome::Ready { changed }, arns))
}

/// Issues the CA, the server certificate and a first client certificate
/// when they are missing; existing ones are never replaced.
fn issue_missing(layout: &Layout, settings: &Settings) -> Result<Vec<String>, Error> {
    let mut changed = Vec::new();
    if !layout.ca_cert().exists() {
        issue::create_root_ca(layout, settings, false)?;
        changed.push("CA issued".to_string());
    }
    if !layout.server_cert().exists() {
        issue::create_server(layout, settings, false)?;
        changed.push("server certificate issued".to_string());
    }
    if layout.client_names()?.is_empty() {
        issue::create_client(layout, settings, FIRST_CLIENT, false)?;
        changed.push(format!("client certificate `{FIRST_CLIENT}` issued"));
    }
    Ok(changed)
}
