//! ACM import of the server certificate (with its chain) and of the root CA
//! (Client VPN's certificate authentication checks client certificates
//! against it), with the ARN and SHA-256 fingerprint recorded in
//! `.acm/{server,root}.json`.
//!
//! A changed certificate is re-imported onto the recorded ARN, so ACM never
//! holds duplicates and the Client VPN endpoint picks up the renewal; an
//! unchanged one is not sent at all. Real ACM refuses tags on a re-import,
//! so tags go with the first import and through AddTagsToCertificate after.

use std::collections::BTreeMap;
use std::path::Path;

use aws_sdk_acm::primitives::Blob;
use aws_sdk_acm::types::Tag;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::inspect::{self, CertInfo};
use crate::layout::{AcmTarget, PUBLIC_MODE};
use crate::{CertsError, Layout, Result, keys};

/// What `.acm/<target>.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcmRecord {
    pub certificate_arn: String,
    pub region: String,
    /// Fingerprint of the certificate that ACM holds under the ARN.
    pub sha256_fingerprint: String,
    pub subject: String,
    pub not_after: String,
    pub imported_at: String,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// First import: a new ARN.
    Imported,
    /// Changed certificate sent again under the recorded ARN.
    Reimported,
    /// ACM already holds this certificate; nothing was sent.
    UpToDate,
}

/// An ACM client for `region`; credentials and endpoint come from the
/// standard AWS environment (`AWS_ENDPOINT_URL` points it at moto in tests).
pub async fn client(region: &str) -> aws_sdk_acm::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .load()
        .await;
    aws_sdk_acm::Client::new(&config)
}

/// Imports (or re-imports, or skips) `target` and records the result.
pub async fn import(
    client: &aws_sdk_acm::Client,
    layout: &Layout,
    target: AcmTarget,
    region: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(Outcome, AcmRecord)> {
    let material = Material::load(layout, target)?;
    let record_path = layout.acm_record(target);
    let previous = read_record(layout, target)?;
    if let Some(prev) = &previous {
        if prev.region != region {
            return Err(CertsError::BadRecord {
                path: record_path,
                reason: format!("it was imported in {}, not {region}; pass --region {}", prev.region, prev.region),
            });
        }
        if prev.sha256_fingerprint == material.info.sha256_fingerprint {
            return Ok((Outcome::UpToDate, prev.clone()));
        }
    }
    let mut request = client
        .import_certificate()
        .certificate(Blob::new(material.cert_pem.into_bytes()))
        .private_key(Blob::new(material.key_pem.into_bytes()))
        .set_certificate_chain(material.chain_pem.map(|c| Blob::new(c.into_bytes())));
    let all_tags = tag_list(tags, target)?;
    request = match &previous {
        Some(prev) => request.certificate_arn(&prev.certificate_arn),
        None => request.set_tags(Some(all_tags.clone())),
    };
    let output = request.send().await.map_err(|e| acm_error("ImportCertificate", e))?;
    let arn = output.certificate_arn().map(str::to_string).ok_or_else(|| CertsError::Acm {
        operation: "ImportCertificate",
        message: "the response carries no CertificateArn".into(),
    })?;
    if previous.is_some() {
        client
            .add_tags_to_certificate()
            .certificate_arn(&arn)
            .set_tags(Some(all_tags))
            .send()
            .await
            .map_err(|e| acm_error("AddTagsToCertificate", e))?;
    }
    let record = AcmRecord {
        certificate_arn: arn,
        region: region.to_string(),
        sha256_fingerprint: material.info.sha256_fingerprint.clone(),
        subject: material.info.subject.clone(),
        not_after: rfc3339(material.info.not_after),
        imported_at: rfc3339(OffsetDateTime::now_utc()),
    };
    write_record(layout, target, &record)?;
    let outcome = if previous.is_some() { Outcome::Reimported } else { Outcome::Imported };
    Ok((outcome, record))
}

/// The recorded import for `target`, if any.
pub fn read_record(layout: &Layout, target: AcmTarget) -> Result<Option<AcmRecord>> {
    let path = layout.acm_record(target);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(CertsError::Read { path, source }),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| CertsError::BadRecord { path, reason: e.to_string() })
}

fn write_record(layout: &Layout, target: AcmTarget, record: &AcmRecord) -> Result<()> {
    layout.init()?;
    let path = layout.acm_record(target);
    let mut text = serde_json::to_string_pretty(record)
        .map_err(|e| CertsError::BadRecord { path: path.clone(), reason: e.to_string() })?;
    text.push('\n');
    fsutil::write_atomic(&path, text.as_bytes(), PUBLIC_MODE).map_err(|source| CertsError::Write { path, source })
}

/// The files sent to ACM, checked first so that ACM never receives a
/// certificate that `verify` would reject for a basic reason.
struct Material {
    cert_pem: String,
    key_pem: String,
    chain_pem: Option<String>,
    info: CertInfo,
}

impl Material {
    fn load(layout: &Layout, target: AcmTarget) -> Result<Self> {
        let (cert_path, key_path, fix) = match target {
            AcmTarget::Server => (layout.server_cert(), layout.server_key(), "create-server"),
            AcmTarget::Root => (layout.ca_cert(), layout.ca_key(), "create-root-ca"),
        };
        let cert_pem = keys::read_text(&cert_path, fix)?;
        let info = inspect::parse_cert_pem(&cert_pem, &cert_path, &format!("{fix} --force"))?;
        let key_pem = keys::read_text(&key_path, fix)?;
        let key = keys::load(&key_path, &format!("{fix} --force"))?;
        if !info.matches_key(&key) {
            return Err(CertsError::KeyMismatch { cert: cert_path, key: key_path, fix: fix.into() });
        }
        check_in_validity(&info, &cert_path)?;
        let chain_pem = match target {
            AcmTarget::Root => None,
            AcmTarget::Server => Some(server_chain(layout, &info, &cert_path)?),
        };
        Ok(Material { cert_pem, key_pem, chain_pem, info })
    }
}

fn server_chain(layout: &Layout, server: &CertInfo, server_path: &Path) -> Result<String> {
    let ca_path = layout.ca_cert();
    let ca_pem = keys::read_text(&ca_path, "create-root-ca")?;
    let ca = inspect::parse_cert_pem(&ca_pem, &ca_path, "create-root-ca --force")?;
    if !server.is_signed_by(&ca) {
        return Err(CertsError::Unusable {
            path: server_path.to_path_buf(),
            reason: "it is not signed by certs/ca.crt (run create-server --force)".into(),
        });
    }
    Ok(ca_pem)
}

fn check_in_validity(info: &CertInfo, path: &Path) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    let reason = if info.not_after < now {
        format!("it expired on {}", inspect::display_time(info.not_after))
    } else if info.not_before > now {
        format!("it is not valid before {}", inspect::display_time(info.not_before))
    } else {
        return Ok(());
    };
    Err(CertsError::Unusable { path: path.to_path_buf(), reason })
}

fn tag_list(tags: &BTreeMap<String, String>, target: AcmTarget) -> Result<Vec<Tag>> {
    let role = match target {
        AcmTarget::Server => "vpn-server",
        AcmTarget::Root => "vpn-root-ca",
    };
    let mut all = tags.clone();
    all.entry("dsql-deploy:certificate".into()).or_insert_with(|| role.into());
    all.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| CertsError::Acm { operation: "ImportCertificate", message: format!("tag {k:?}: {e}") })
        })
        .collect()
}

fn acm_error<E: std::error::Error + 'static>(operation: &'static str, err: E) -> CertsError {
    CertsError::Acm { operation, message: aws_sdk_acm::error::DisplayErrorContext(&err).to_string() }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// The Terraform inputs the AWS module takes from these imports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerraformArns {
    pub client_vpn_server_certificate_arn: String,
    pub client_vpn_authentication_options: Vec<AuthenticationOption>,
}

/// One element of `client_vpn_authentication_options`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthenticationOption {
    #[serde(rename = "type")]
    pub kind: String,
    pub root_certificate_chain_arn: String,
}

/// Both recorded ARNs as Terraform inputs; names every missing import.
pub fn terraform_arns(layout: &Layout) -> Result<TerraformArns> {
    let server = read_record(layout, AcmTarget::Server)?;
    let root = read_record(layout, AcmTarget::Root)?;
    match (server, root) {
        (Some(server), Some(root)) => Ok(TerraformArns {
            client_vpn_server_certificate_arn: server.certificate_arn,
            client_vpn_authentication_options: vec![AuthenticationOption {
                kind: "certificate-authentication".into(),
                root_certificate_chain_arn: root.certificate_arn,
            }],
        }),
        (server, root) => {
            let mut missing = Vec::new();
            if server.is_none() {
                missing.push("acm-import-server");
            }
            if root.is_none() {
                missing.push("acm-import-root");
            }
            Err(CertsError::NotImported { dir: layout.root().join(".acm"), run: missing.join(" and ") })
        }
    }
}

impl TerraformArns {
    /// A `.tfvars` snippet (HCL).
    pub fn to_hcl(&self) -> String {
        let mut out = format!(
            "client_vpn_server_certificate_arn = {}\nclient_vpn_authentication_options = [\n",
            hcl_string(&self.client_vpn_server_certificate_arn)
        );
        for option in &self.client_vpn_authentication_options {
            out.push_str(&format!(
                "  {{\n    type                       = {}\n    root_certificate_chain_arn = {}\n  }},\n",
                hcl_string(&option.kind),
                hcl_string(&option.root_certificate_chain_arn)
            ));
        }
        out.push_str("]\n");
        out
    }
}

/// HCL and JSON share string escaping for the characters ARNs can hold;
/// `${` and `%{` would start a template in HCL, so they are doubled.
fn hcl_string(s: &str) -> String {
    let json = serde_json::Value::String(s.to_string()).to_string();
    json.replace("${", "$${").replace("%{", "%%{")
}
