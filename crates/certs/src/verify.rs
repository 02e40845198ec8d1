//! `certs verify`: every certificate under the directory checked against
//! what AWS Client VPN and OpenVPN need, with every failure listed (not just
//! the first): chain to the CA (signature), CA/server/client usages, key
//! matches certificate, validity window, key algorithm, key file modes.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use dsql_deploy_config::CertKeyType;
use serde::Serialize;
use time::OffsetDateTime;

use crate::inspect::{self, CertInfo};
use crate::{CertsError, Layout, Result, Settings, keys};

/// How bad a finding is: errors make `verify` exit 3, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem with one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub path: PathBuf,
    pub message: String,
}

/// A certificate that was read, with its role.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    /// "ca", "server" or "client:<name>".
    pub role: String,
    pub path: PathBuf,
    pub info: CertInfo,
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub checked: Vec<Checked>,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Error).count()
    }
    pub fn warnings(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Warning).count()
    }
    fn error(&mut self, path: &Path, message: impl Into<String>) {
        self.findings.push(Finding { severity: Severity::Error, path: path.to_path_buf(), message: message.into() });
    }
    fn warning(&mut self, path: &Path, message: impl Into<String>) {
        self.findings.push(Finding { severity: Severity::Warning, path: path.to_path_buf(), message: message.into() });
    }
}

/// What a certificate is for; decides which usages it must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Ca,
    Server,
    Client,
}

/// Checks the whole PKI at `now`. Only a missing CA certificate is an
/// `Err` (there is nothing to check against); everything else is a finding.
pub fn verify(layout: &Layout, settings: &Settings, now: OffsetDateTime) -> Result<Report> {
    let mut report = Report::default();
    let ca_path = layout.ca_cert();
    if !ca_path.exists() {
        return Err(CertsError::Missing { path: ca_path, fix: "create-root-ca".into() });
    }
    let ca = check_one(&mut report, settings, now, Role::Ca, "ca", &ca_path, &layout.ca_key(), None);
    let server_path = layout.server_cert();
    if server_path.exists() {
        check_one(&mut report, settings, now, Role::Server, "server", &server_path, &layout.server_key(), ca.as_ref());
        check_chain_file(&mut report, &layout.server_chain(), ca.as_ref());
    } else {
        report.warning(&server_path, "no server certificate yet; run `dsql-deploy certs create-server`");
    }
    for name in layout.client_names()? {
        let role = format!("client:{name}");
        let (cert, key) = (layout.client_cert(&name), layout.client_key(&name));
        if let Some(info) = check_one(&mut report, settings, now, Role::Client, &role, &cert, &key, ca.as_ref()) {
            if info.common_name.as_deref() != Some(name.as_str()) || !info.dns_names.contains(&name) {
                report.error(&cert, format!("CN and SAN must both be the client name {name:?} (file name)"));
            }
        }
    }
    Ok(report)
}

#[allow(clippy::too_many_arguments)] // one call per role; a struct would only rename these
fn check_one(
    report: &mut Report,
    settings: &Settings,
    now: OffsetDateTime,
    role: Role,
    role_name: &str,
    cert_path: &Path,
    key_path: &Path,
    ca: Option<&CertInfo>,
) -> Option<CertInfo> {
    let info = match inspect::read_cert(cert_path, "verify") {
        Ok(info) => info,
        Err(e) => {
            report.error(cert_path, format!("unreadable certificate: {}", short(&e)));
            return None;
        }
    };
    check_key(report, &info, cert_path, key_path);
    check_validity(report, &info, cert_path, now, settings.expiry_warning_days);
    check_profile(report, &info, cert_path, role);
    check_algorithms(report, &info, cert_path);
    match (role, ca) {
        (Role::Ca, _) => {
            if !info.is_signed_by(&info) {
                report.error(cert_path, "the CA certificate's self-signature does not verify");
            }
        }
        (_, Some(ca)) => {
            if !info.is_signed_by(ca) {
                report.error(cert_path, format!("not signed by the CA ({}); reissue it with --force", ca.subject));
            }
        }
        (_, None) => report.error(cert_path, "cannot check the signature: the CA certificate is unreadable"),
    }
    if role == Role::Server && info.dns_names != settings.server_dns_names {
        report.warning(
            cert_path,
            format!(
                "SAN DNS names {:?} differ from certs.server_dns_names {:?}",
                info.dns_names, settings.server_dns_names
            ),
        );
    }
    if key_type_of(&info) != Some(settings.key_type) {
        report.warning(
            cert_path,
            format!("key is {}, certs.key_type asks for {:?}", info.key_algorithm, settings.key_type),
        );
    }
    report.checked.push(Checked { role: role_name.to_string(), path: cert_path.to_path_buf(), info: info.clone() });
    Some(info)
}

fn check_key(report: &mut Report, info: &CertInfo, cert_path: &Path, key_path: &Path) {
    match keys::load(key_path, "verify") {
        Ok(key) if info.matches_key(&key) => {}
        Ok(_) => report.error(key_path, format!("private key does not match {}", cert_path.display())),
        Err(e) => report.error(key_path, format!("unusable private key: {}", short(&e))),
    }
    if let Ok(meta) = std::fs::metadata(key_path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            report.error(key_path, format!("private key is readable by others (mode {mode:o}); run chmod 600"));
        }
    }
}

fn check_validity(report: &mut Report, info: &CertInfo, path: &Path, now: OffsetDateTime, warn_days: u32) {
    if info.not_before > now {
        report.error(path, format!("not valid before {}", inspect::display_time(info.not_before)));
    } else if info.not_after < now {
        report.error(path, format!("expired on {}; reissue it with --force", inspect::display_time(info.not_after)));
    } else if info.days_left(now) < i64::from(warn_days) {
        report.warning(
            path,
            format!("expires in {} days ({})", info.days_left(now), inspect::display_time(info.not_after)),
        );
    }
}

fn check_profile(report: &mut Report, info: &CertInfo, path: &Path, role: Role) {
    let has_ku = |u: &str| info.key_usage.iter().any(|k| k == u);
    let has_eku = |u: &str| info.extended_key_usage.iter().any(|k| k == u);
    match role {
        Role::Ca => {
            if !info.is_ca {
                report.error(path, "not a CA (basicConstraints CA:TRUE missing)");
            }
            for usage in ["keyCertSign", "cRLSign"] {
                if !has_ku(usage) {
                    report.error(path, format!("key usage {usage} missing"));
                }
            }
            if info.path_len != Some(0) {
                report.warning(path, format!("pathlen is {:?}, expected 0 (no intermediate CAs)", info.path_len));
            }
        }
        Role::Server | Role::Client => {
            if info.is_ca {
                report.error(path, "a leaf certificate must not be a CA");
            }
            if !has_ku("digitalSignature") {
                report.error(path, "key usage digitalSignature missing");
            }
            if info.key_algorithm.starts_with("RSA") && !has_ku("keyEncipherment") {
                report.error(path, "key usage keyEncipherment missing (needed for RSA key exchange)");
            }
            let (eku, what) = if role == Role::Server { ("serverAuth", "server") } else { ("clientAuth", "client") };
            if !has_eku(eku) {
                report.error(
                    path,
                    format!("extended key usage {eku} missing: VPN clients reject this {what} certificate"),
                );
            }
            if role == Role::Server && info.dns_names.is_empty() {
                report.error(path, "no SAN DNS name: AWS Client VPN requires one on the server certificate");
            }
        }
    }
}

fn check_algorithms(report: &mut Report, info: &CertInfo, path: &Path) {
    match key_type_of(info) {
        Some(_) => {}
        None if info.key_algorithm.starts_with("RSA") => report.error(
            path,
            format!("{} key: AWS Client VPN accepts RSA keys of 2048 bits only; reissue it", info.key_algorithm),
        ),
        None => {
            report.error(path, format!("{} key is not supported (use RSA 2048 or ECDSA P-256)", info.key_algorithm))
        }
    }
    if !matches!(info.signature_algorithm.as_str(), "sha256WithRSAEncryption" | "ecdsa-with-SHA256") {
        report.warning(path, format!("signature algorithm {} is not SHA-256 based", info.signature_algorithm));
    }
}

fn check_chain_file(report: &mut Report, chain_path: &Path, ca: Option<&CertInfo>) {
    match (inspect::read_cert(chain_path, "create-server --force"), ca) {
        (Ok(chain), Some(ca)) if chain.sha256_fingerprint == ca.sha256_fingerprint => {}
        (Ok(_), Some(_)) => report.error(chain_path, "is not the current CA certificate; rerun create-server --force"),
        (Ok(_), None) => {}
        (Err(e), _) => report.error(chain_path, format!("unusable chain file: {}", short(&e))),
    }
}

fn key_type_of(info: &CertInfo) -> Option<CertKeyType> {
    match info.key_algorithm.as_str() {
        "RSA 2048" => Some(CertKeyType::Rsa2048),
        "ECDSA P-256" => Some(CertKeyType::EcdsaP256),
        _ => None,
    }
}

/// The error without its "run …" advice (verify gives its own).
fn short(e: &CertsError) -> String {
    match e {
        CertsError::BadCertificate { reason, .. } | CertsError::BadKey { reason, .. } => reason.clone(),
        CertsError::Missing { .. } => "file is missing".into(),
        other => other.to_string(),
    }
}
