//! Client authentication with SCRAM-SHA-256 (RFC 5802/7677, as PostgreSQL
//! does it): the server side of the exchange, checking proofs against
//! stored verifiers (`SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`,
//! PostgreSQL's `pg_authid` format). A password given in the config is
//! turned into a verifier at start (`postgres_protocol::password`), so the
//! gateway never holds cleartext passwords after start-up.
//!
//! Channel binding is not offered (no `SCRAM-SHA-256-PLUS`): clients with
//! `channel_binding=prefer` (libpq's default) proceed without it.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use proxy::{AuthExchange, AuthStep, Authenticator, ClientHello, Identity};
use rand::RngCore;
use sha2::{Digest, Sha256};
use wire::{Authentication, ErrorFields};

use crate::error::SettingsError;

const MECHANISM: &str = "SCRAM-SHA-256";

/// A stored SCRAM-SHA-256 verifier.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    iterations: u32,
    salt: Vec<u8>,
    stored_key: [u8; 32],
    server_key: [u8; 32],
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier(SCRAM-SHA-256, redacted)")
    }
}

impl Verifier {
    /// Parses PostgreSQL's verifier text.
    pub fn parse(text: &str) -> Result<Verifier, SettingsError> {
        let bad = || SettingsError::BadVerifier;
        let rest = text.trim().strip_prefix("SCRAM-SHA-256$").ok_or_else(bad)?;
        let (params, keys) = rest.split_once('$').ok_or_else(bad)?;
        let (iter, salt) = params.split_once(':').ok_or_else(bad)?;
        let (stored, server) = keys.split_once(':').ok_or_else(bad)?;
        let key = |s: &str| -> Result<[u8; 32], SettingsError> {
            B64.decode(s).ok().and_then(|v| v.try_into().ok()).ok_or_else(bad)
        };
        Ok(Verifier {
            iterations: iter.parse().ok().filter(|n| *n > 0).ok_or_else(bad)?,
            salt: B64.decode(salt).map_err(|_| bad())?,
            stored_key: key(stored)?,
            server_key: key(server)?,
        })
    }

    /// A verifier for a password (random salt, 4096 iterations as PostgreSQL).
    pub fn from_password(password: &str) -> Verifier {
        let text = postgres_protocol::password::scram_sha_256(password.as_bytes());
        // Invariant: postgres-protocol writes exactly the format parse() reads.
        Verifier::parse(&text).expect("postgres-protocol produces a valid verifier")
    }
}

/// PostgreSQL's verifier text for a password (what `[[gateway.users]] verifier` takes).
pub fn verifier_text(password: &str) -> String {
    postgres_protocol::password::scram_sha_256(password.as_bytes())
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // Invariant: HMAC accepts keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// SCRAM-SHA-256 client authentication over a user table.
#[derive(Clone)]
pub struct ScramAuth {
    users: Arc<HashMap<String, Verifier>>,
    /// Answers for unknown users so their existence does not leak.
    decoy: Verifier,
}

impl ScramAuth {
    pub fn new(users: HashMap<String, Verifier>) -> ScramAuth {
        let mut noise = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut noise);
        ScramAuth { users: Arc::new(users), decoy: Verifier::from_password(&B64.encode(noise)) }
    }
}

enum Stage {
    Start,
    First,
    Final { verifier: Verifier, known: bool, client_first_bare: String, server_first: String, nonce: String },
    Done,
}

/// One client's exchange.
pub struct ScramExchange {
    auth: ScramAuth,
    identity: Identity,
    stage: Stage,
}

impl Authenticator for ScramAuth {
    type Exchange = ScramExchange;
    fn begin(&self, hello: &ClientHello) -> ScramExchange {
        ScramExchange { auth: self.clone(), identity: Identity::from_startup(&hello.startup), stage: Stage::Start }
    }
}

impl ScramExchange {
    fn failed(&self) -> AuthStep {
        AuthStep::Reject(ErrorFields::fatal(
            "28P01",
            format!("password authentication failed for user \"{}\"", self.identity.user),
        ))
    }

    fn first(&mut self, body: Bytes) -> AuthStep {
        let Ok(initial) = wire::SaslInitialResponse::decode(body) else {
            return AuthStep::Reject(ErrorFields::fatal("08P01", "malformed SASLInitialResponse"));
        };
        if initial.mechanism != MECHANISM {
            return AuthStep::Reject(ErrorFields::fatal(
                "28000",
                format!("SASL mechanism {:?} is not supported; use SCRAM-SHA-256", initial.mechanism),
            ));
        }
        let data = initial.data.unwrap_or_default();
        let Ok(text) = std::str::from_utf8(&data) else { return self.failed() };
        // gs2 header: "n,," (no binding) or "y,," (client could but we don't offer it).
        let Some(client_first_bare) = text.strip_prefix("n,,").or_else(|| text.strip_prefix("y,,")) else {
            return AuthStep::Reject(ErrorFields::fatal(
                "28000",
                "SCRAM channel binding is not supported by the gateway; connect with channel_binding=prefer or disable",
            ));
        };
        let Some(client_nonce) = attribute(client_first_bare, 'r') else { return self.failed() };
        let (verifier, known) = match self.auth.users.get(&self.identity.user) {
            Some(v) => (v.clone(), true),
            None => (self.auth.decoy.clone(), false),
        };
        let mut raw = [0u8; 18];
        rand::thread_rng().fill_bytes(&mut raw);
        let nonce = format!("{client_nonce}{}", B64.encode(raw));
        let server_first = format!("r={nonce},s={},i={}", B64.encode(&verifier.salt), verifier.iterations);
        let challenge = Authentication::SaslContinue(Bytes::from(server_first.clone().into_bytes()));
        self.stage =
            Stage::Final { verifier, known, client_first_bare: client_first_bare.to_string(), server_first, nonce };
        AuthStep::Challenge(challenge)
    }

    fn last(&mut self, body: Bytes) -> AuthStep {
        let Stage::Final { verifier, known, client_first_bare, server_first, nonce } =
            std::mem::replace(&mut self.stage, Stage::Done)
        else {
            return self.failed();
        };
        let Ok(text) = std::str::from_utf8(&body) else { return self.failed() };
        let Some((without_proof, proof)) = text.rsplit_once(",p=") else { return self.failed() };
        let binding_ok = matches!(attribute(without_proof, 'c'), Some("biws" | "eSws"));
        if !binding_ok || attribute(without_proof, 'r') != Some(nonce.as_str()) {
            return self.failed();
        }
        let Ok(proof) = B64.decode(proof) else { return self.failed() };
        if proof.len() != 32 {
            return self.failed();
        }
        let auth_message = format!("{client_first_bare},{server_first},{without_proof}");
        let signature = hmac(&verifier.stored_key, auth_message.as_bytes());
        let client_key: Vec<u8> = proof.iter().zip(signature).map(|(p, s)| p ^ s).collect();
        let matches: bool = Sha256::digest(&client_key).as_slice() == verifier.stored_key;
        if !(known && matches) {
            return self.failed();
        }
        let server_signature = hmac(&verifier.server_key, auth_message.as_bytes());
        let final_message = format!("v={}", B64.encode(server_signature));
        AuthStep::Accept {
            identity: self.identity.clone(),
            final_message: Some(Authentication::SaslFinal(Bytes::from(final_message.into_bytes()))),
        }
    }
}

fn attribute(message: &str, name: char) -> Option<&str> {
    message.split(',').find_map(|part| part.strip_prefix(name).and_then(|p| p.strip_prefix('=')))
}

impl AuthExchange for ScramExchange {
    async fn step(&mut self, response: Option<Bytes>) -> AuthStep {
        match (&self.stage, response) {
            (Stage::Start, _) => {
                self.stage = Stage::First;
                AuthStep::Challenge(Authentication::Sasl { mechanisms: vec![MECHANISM.into()] })
            }
            (Stage::First, Some(body)) => self.first(body),
            (Stage::Final { .. }, Some(body)) => self.last(body),
            _ => self.failed(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_round_trip_and_redacted_debug() {
        let v = Verifier::from_password("s3cret");
        assert_eq!(v.iterations, 4096);
        assert_eq!(format!("{v:?}"), "Verifier(SCRAM-SHA-256, redacted)");
        assert!(Verifier::parse("md5abcdef").is_err());
        assert!(Verifier::parse("SCRAM-SHA-256$4096:c2FsdA==$AAAA:BBBB").is_err());
    }
}
