//! Issuing the root CA, the server certificate and client certificates with
//! rcgen, and writing them (keys 0600, atomically, never over an existing
//! file without `force`).
//!
//! Profiles follow what AWS Client VPN and OpenVPN check: the CA is
//! CA:true/pathlen 0 with keyCertSign+cRLSign; the server has serverAuth and
//! its DNS names in the SAN; clients have clientAuth and their name as CN and
//! SAN. RSA keys get keyEncipherment as well, because TLS 1.2 RSA key
//! exchange needs it; ECDSA keys cannot encipher, so they do not claim it.

use std::path::{Path, PathBuf};

use dsql_deploy_config::CertKeyType;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use time::{Duration, OffsetDateTime};

use crate::inspect::{self, CertInfo};
use crate::layout::{PUBLIC_MODE, SECRET_MODE};
use crate::{CertsError, Layout, Result, Settings, keys};

/// Validity window of a new certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

impl Validity {
    /// From five minutes ago (tolerates clock skew between us, ACM and
    /// clients) until `days` from now.
    pub fn days_from_now(days: u32) -> Self {
        let now = OffsetDateTime::now_utc();
        Validity { not_before: now - Duration::minutes(5), not_after: now + Duration::days(i64::from(days)) }
    }
}

/// What an issuing step wrote.
#[derive(Debug, Clone)]
pub struct Issued {
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
    pub info: CertInfo,
}

/// Creates `certs/ca.key` and `certs/ca.crt`.
pub fn create_root_ca(layout: &Layout, settings: &Settings, force: bool) -> Result<Issued> {
    let (cert_path, key_path) = (layout.ca_cert(), layout.ca_key());
    refuse_existing(&[&key_path, &cert_path], force)?;
    layout.init()?;
    let key = keys::generate(settings.key_type, "root CA")?;
    let mut params = base_params(settings, &settings.ca_common_name, Validity::days_from_now(settings.ca_days));
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let cert = params.self_signed(&key).map_err(|source| crypto("root CA certificate", source))?;
    write_pair(&key_path, &key, &cert_path, &cert.pem(), force)
}

/// Creates `server/server.{key,crt,chain.crt}` signed by the root CA.
pub fn create_server(layout: &Layout, settings: &Settings, force: bool) -> Result<Issued> {
    let validity = Validity::days_from_now(settings.server_days);
    create_server_with(layout, settings, validity, force)
}

/// [`create_server`] with an explicit validity window (tests use past ones).
pub fn create_server_with(layout: &Layout, settings: &Settings, validity: Validity, force: bool) -> Result<Issued> {
    let (cert_path, key_path, chain_path) = (layout.server_cert(), layout.server_key(), layout.server_chain());
    refuse_existing(&[&key_path, &cert_path], force)?;
    let ca = CaForSigning::load(layout)?;
    layout.init()?;
    let key = keys::generate(settings.key_type, "server")?;
    let mut params = base_params(settings, &settings.server_common_name, validity);
    params.subject_alt_names = dns_sans(&settings.server_dns_names)?;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = leaf_key_usages(settings.key_type);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let cert = params.signed_by(&key, &ca.issuer).map_err(|source| crypto("server certificate", source))?;
    let issued = write_pair(&key_path, &key, &cert_path, &cert.pem(), force)?;
    // ACM wants the chain beside the certificate; it is the CA certificate.
    fsutil::write_atomic(&chain_path, ca.pem.as_bytes(), PUBLIC_MODE)
        .map_err(|source| CertsError::Write { path: chain_path, source })?;
    Ok(issued)
}

/// Creates `clients/<name>.{key,crt}` signed by the root CA.
pub fn create_client(layout: &Layout, settings: &Settings, name: &str, force: bool) -> Result<Issued> {
    create_client_with(layout, settings, name, Validity::days_from_now(settings.client_days), force)
}

/// [`create_client`] with an explicit validity window (tests use past ones).
pub fn create_client_with(
    layout: &Layout,
    settings: &Settings,
    name: &str,
    validity: Validity,
    force: bool,
) -> Result<Issued> {
    crate::layout::check_client_name(name)?;
    let (cert_path, key_path) = (layout.client_cert(name), layout.client_key(name));
    refuse_existing(&[&key_path, &cert_path], force)?;
    let ca = CaForSigning::load(layout)?;
    layout.init()?;
    let key = keys::generate(settings.key_type, "client")?;
    let mut params = base_params(settings, name, validity);
    params.subject_alt_names = dns_sans(&[name.to_string()])?;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = leaf_key_usages(settings.key_type);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.use_authority_key_identifier_extension = true;
    let cert = params.signed_by(&key, &ca.issuer).map_err(|source| crypto("client certificate", source))?;
    write_pair(&key_path, &key, &cert_path, &cert.pem(), force)
}

/// The CA certificate and key, checked to belong together and to be valid
/// now, ready to sign.
struct CaForSigning {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl CaForSigning {
    fn load(layout: &Layout) -> Result<Self> {
        let (cert_path, key_path) = (layout.ca_cert(), layout.ca_key());
        let pem = keys::read_text(&cert_path, "create-root-ca")?;
        let info = inspect::parse_cert_pem(&pem, &cert_path, "create-root-ca --force")?;
        let key = keys::load(&key_path, "create-root-ca --force")?;
        if !info.matches_key(&key) {
            return Err(CertsError::KeyMismatch { cert: cert_path, key: key_path, fix: "create-root-ca".into() });
        }
        if !info.is_ca {
            return Err(CertsError::Unusable { path: cert_path, reason: "it is not a CA certificate".into() });
        }
        if info.not_after < OffsetDateTime::now_utc() {
            return Err(CertsError::Unusable {
                path: cert_path,
                reason: format!("it expired on {}", inspect::display_time(info.not_after)),
            });
        }
        let issuer = Issuer::from_ca_cert_pem(&pem, key).map_err(|e| CertsError::BadCertificate {
            path: cert_path.clone(),
            reason: e.to_string(),
            fix: "create-root-ca --force".into(),
        })?;
        Ok(CaForSigning { pem, issuer })
    }
}

fn base_params(settings: &Settings, common_name: &str, validity: Validity) -> CertificateParams {
    let mut dn = DistinguishedName::new();
    for (ty, value) in [
        (DnType::CountryName, &settings.country),
        (DnType::OrganizationName, &settings.organization),
        (DnType::OrganizationalUnitName, &settings.organizational_unit),
    ] {
        if !value.is_empty() {
            dn.push(ty, value.as_str());
        }
    }
    dn.push(DnType::CommonName, common_name);
    let mut params = CertificateParams::default();
    params.distinguished_name = dn;
    params.serial_number = Some(keys::random_serial());
    params.not_before = validity.not_before;
    params.not_after = validity.not_after;
    params
}

fn leaf_key_usages(key_type: CertKeyType) -> Vec<KeyUsagePurpose> {
    match key_type {
        CertKeyType::Rsa2048 => vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment],
        CertKeyType::EcdsaP256 => vec![KeyUsagePurpose::DigitalSignature],
    }
}

fn dns_sans(names: &[String]) -> Result<Vec<SanType>> {
    names
        .iter()
        .map(|n| {
            let name = n.clone().try_into().map_err(|source| crypto(&format!("SAN {n:?}"), source))?;
            Ok(SanType::DnsName(name))
        })
        .collect()
}

fn refuse_existing(paths: &[&Path], force: bool) -> Result<()> {
    match paths.iter().find(|p| p.exists()) {
        Some(path) if !force => Err(CertsError::Exists { path: path.to_path_buf() }),
        _ => Ok(()),
    }
}

fn write_pair(key_path: &Path, key: &KeyPair, cert_path: &Path, cert_pem: &str, force: bool) -> Result<Issued> {
    fsutil::write_new(key_path, key.serialize_pem().as_bytes(), SECRET_MODE, force)
        .map_err(|source| CertsError::Write { path: key_path.to_path_buf(), source })?;
    fsutil::write_new(cert_path, cert_pem.as_bytes(), PUBLIC_MODE, force)
        .map_err(|source| CertsError::Write { path: cert_path.to_path_buf(), source })?;
    let info = inspect::parse_cert_pem(cert_pem, cert_path, "verify")?;
    Ok(Issued { cert_path: cert_path.to_path_buf(), key_path: key_path.to_path_buf(), info })
}

fn crypto(what: &str, source: rcgen::Error) -> CertsError {
    CertsError::Crypto { what: what.to_string(), source }
}
