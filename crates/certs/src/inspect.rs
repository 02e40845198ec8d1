//! Reading certificates back with x509-parser into an owned summary
//! ([`CertInfo`]) that `verify`, `list` and the ACM import share: subject,
//! validity, usages, SANs, key algorithm and size, SHA-256 fingerprint, and
//! the two checks that need the raw certificate (signature by an issuer,
//! private key match).

use std::path::Path;

use rcgen::{KeyPair, PublicKeyData};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_PKCS1_RSAENCRYPTION, OID_PKCS1_SHA256WITHRSA,
    OID_SIG_ECDSA_WITH_SHA256,
};
use x509_parser::public_key::PublicKey;

use crate::{CertsError, Result, keys};

/// What one certificate says about itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub common_name: Option<String>,
    /// Serial number in hex, as `openssl x509 -serial` prints it.
    pub serial: String,
    #[serde(serialize_with = "rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(serialize_with = "rfc3339")]
    pub not_after: OffsetDateTime,
    pub is_ca: bool,
    pub path_len: Option<u32>,
    /// RFC 5280 names: digitalSignature, keyEncipherment, keyCertSign, cRLSign, …
    pub key_usage: Vec<String>,
    /// serverAuth, clientAuth, … (other OIDs in dotted form).
    pub extended_key_usage: Vec<String>,
    pub dns_names: Vec<String>,
    /// "RSA 2048", "ECDSA P-256", or the key algorithm's OID.
    pub key_algorithm: String,
    /// "sha256WithRSAEncryption", "ecdsa-with-SHA256", or the OID.
    pub signature_algorithm: String,
    /// SHA-256 of the DER, upper-case hex with colons (`openssl x509 -fingerprint -sha256`).
    pub sha256_fingerprint: String,
    #[serde(skip)]
    pub der: Vec<u8>,
}

/// Reads and parses a PEM certificate file; `fix` names the command that
/// (re)creates it, for the error message.
pub fn read_cert(path: &Path, fix: &str) -> Result<CertInfo> {
    let text = keys::read_text(path, fix)?;
    parse_cert_pem(&text, path, fix)
}

/// Parses the first PEM block of `text`, which must be a CERTIFICATE.
pub fn parse_cert_pem(text: &str, path: &Path, fix: &str) -> Result<CertInfo> {
    let bad = |reason: String| CertsError::BadCertificate { path: path.to_path_buf(), reason, fix: fix.to_string() };
    let (_, pem) = x509_parser::pem::parse_x509_pem(text.as_bytes()).map_err(|e| bad(format!("PEM: {e}")))?;
    if pem.label != "CERTIFICATE" {
        return Err(bad(format!("found a {:?} PEM block where a CERTIFICATE was expected", pem.label)));
    }
    let cert = pem.parse_x509().map_err(|e| bad(format!("X.509: {e}")))?;
    summarize(&cert, &pem.contents).map_err(bad)
}

fn summarize(cert: &X509Certificate<'_>, der: &[u8]) -> std::result::Result<CertInfo, String> {
    let mut info = CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        common_name: cert.subject().iter_common_name().next().and_then(|cn| cn.as_str().ok()).map(str::to_string),
        serial: cert.raw_serial_as_string().replace(':', "").to_uppercase(),
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
        is_ca: false,
        path_len: None,
        key_usage: Vec::new(),
        extended_key_usage: Vec::new(),
        dns_names: Vec::new(),
        key_algorithm: key_algorithm(cert),
        signature_algorithm: signature_algorithm(cert),
        sha256_fingerprint: fingerprint(der),
        der: der.to_vec(),
    };
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::BasicConstraints(bc) => {
                info.is_ca = bc.ca;
                info.path_len = bc.path_len_constraint;
            }
            ParsedExtension::KeyUsage(ku) => {
                let flags = [
                    (ku.digital_signature(), "digitalSignature"),
                    (ku.non_repudiation(), "nonRepudiation"),
                    (ku.key_encipherment(), "keyEncipherment"),
                    (ku.data_encipherment(), "dataEncipherment"),
                    (ku.key_agreement(), "keyAgreement"),
                    (ku.key_cert_sign(), "keyCertSign"),
                    (ku.crl_sign(), "cRLSign"),
                ];
                info.key_usage = flags.iter().filter(|(on, _)| *on).map(|(_, n)| n.to_string()).collect();
            }
            ParsedExtension::ExtendedKeyUsage(eku) => {
                let flags = [
                    (eku.any, "anyExtendedKeyUsage"),
                    (eku.server_auth, "serverAuth"),
                    (eku.client_auth, "clientAuth"),
                    (eku.code_signing, "codeSigning"),
                    (eku.email_protection, "emailProtection"),
                    (eku.time_stamping, "timeStamping"),
                    (eku.ocsp_signing, "OCSPSigning"),
                ];
                info.extended_key_usage = flags.iter().filter(|(on, _)| *on).map(|(_, n)| n.to_string()).collect();
                info.extended_key_usage.extend(eku.other.iter().map(|oid| oid.to_id_string()));
            }
            ParsedExtension::SubjectAlternativeName(san) => {
                for name in &san.general_names {
                    if let GeneralName::DNSName(dns) = name {
                        info.dns_names.push(dns.to_string());
                    }
                }
            }
            ParsedExtension::ParseError { error } => return Err(format!("extension {}: {error}", ext.oid)),
            _ => {}
        }
    }
    Ok(info)
}

fn key_algorithm(cert: &X509Certificate<'_>) -> String {
    let spki = cert.public_key();
    let alg = &spki.algorithm.algorithm;
    if *alg == OID_PKCS1_RSAENCRYPTION {
        match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => format!("RSA {}", rsa.key_size()),
            _ => "RSA (unreadable key)".into(),
        }
    } else if *alg == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok());
        match curve {
            Some(c) if c == OID_EC_P256 => "ECDSA P-256".into(),
            Some(c) => format!("ECDSA {}", c.to_id_string()),
            None => "ECDSA (unknown curve)".into(),
        }
    } else {
        alg.to_id_string()
    }
}

fn signature_algorithm(cert: &X509Certificate<'_>) -> String {
    let oid = &cert.signature_algorithm.algorithm;
    if *oid == OID_PKCS1_SHA256WITHRSA {
        "sha256WithRSAEncryption".into()
    } else if *oid == OID_SIG_ECDSA_WITH_SHA256 {
        "ecdsa-with-SHA256".into()
    } else {
        oid.to_id_string()
    }
}

/// `2026-12-03 16:58:53 UTC`: how messages show certificate times.
pub fn display_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Serialises a time as RFC 3339 (the workspace's `time` has no serde feature).
pub fn rfc3339<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> std::result::Result<S::Ok, S::Error> {
    let text = t.format(&time::format_description::well_known::Rfc3339).map_err(serde::ser::Error::custom)?;
    s.serialize_str(&text)
}

/// SHA-256 of DER bytes as `AB:CD:…`.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    digest.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

impl CertInfo {
    /// Days from `now` until `not_after` (negative once expired).
    pub fn days_left(&self, now: OffsetDateTime) -> i64 {
        (self.not_after - now).whole_days()
    }

    /// True when `key` is the private half of this certificate's public key.
    pub fn matches_key(&self, key: &KeyPair) -> bool {
        match x509_parser::parse_x509_certificate(&self.der) {
            Ok((_, cert)) => cert.public_key().subject_public_key.data.as_ref() == key.der_bytes(),
            Err(_) => false,
        }
    }

    /// True when `issuer`'s key made this certificate's signature and the
    /// issuer's subject is this certificate's issuer name.
    pub fn is_signed_by(&self, issuer: &CertInfo) -> bool {
        let (Ok((_, cert)), Ok((_, ca))) =
            (x509_parser::parse_x509_certificate(&self.der), x509_parser::parse_x509_certificate(&issuer.der))
        else {
            return false;
        };
        cert.issuer().as_raw() == ca.subject().as_raw() && cert.verify_signature(Some(ca.public_key())).is_ok()
    }
}
