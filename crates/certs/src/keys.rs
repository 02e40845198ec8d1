//! Key generation and loading, and random serial numbers.

use std::path::Path;

use dsql_deploy_config::CertKeyType;
use rand::RngCore;
use rcgen::{KeyPair, SerialNumber};

use crate::{CertsError, Result};

/// A fresh key of the configured type. RSA 2048 uses aws-lc-rs (ring cannot
/// generate RSA keys); signatures are SHA-256 either way.
pub fn generate(key_type: CertKeyType, what: &str) -> Result<KeyPair> {
    let alg = match key_type {
        CertKeyType::Rsa2048 => &rcgen::PKCS_RSA_SHA256,
        CertKeyType::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
    };
    KeyPair::generate_for(alg).map_err(|source| CertsError::Crypto { what: format!("{what} key"), source })
}

/// Loads a PEM private key (PKCS#8, PKCS#1 or SEC1, unencrypted).
pub fn load(path: &Path, fix: &str) -> Result<KeyPair> {
    let text = read_text(path, fix)?;
    KeyPair::from_pem(&text).map_err(|e| CertsError::BadKey {
        path: path.to_path_buf(),
        reason: e.to_string(),
        fix: fix.to_string(),
    })
}

/// Reads a file that a previous step should have written; a missing file
/// becomes an error naming that step.
pub fn read_text(path: &Path, fix: &str) -> Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(CertsError::Missing { path: path.to_path_buf(), fix: fix.to_string() })
        }
        Err(source) => Err(CertsError::Read { path: path.to_path_buf(), source }),
    }
}

/// 128 random bits, positive (the DER writer adds a leading zero byte when
/// the top bit is set), never zero.
pub fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    loop {
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        if bytes.iter().any(|b| *b != 0) {
            return SerialNumber::from_slice(&bytes);
        }
    }
}
