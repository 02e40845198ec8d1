//! AWS Client VPN PKI: a private root CA, the server certificate and one
//! client certificate per operator (all with `rcgen`, no `openssl` process),
//! their verification, ACM import with recorded ARNs, and OpenVPN profiles.
//!
//! Files live under one directory ([`Layout`]) in the seed's layout:
//! `certs/ca.{crt,key}`, `server/server.{crt,key,chain.crt}`,
//! `clients/<name>.{crt,key,ovpn}` and `.acm/{server,root}.json`.
//! Keys are written 0600 and atomically; nothing is replaced without `force`.

pub mod acm;
mod error;
pub mod inspect;
pub mod issue;
mod keys;
pub mod layout;
pub mod ovpn;
mod settings;
pub mod verify;

pub use error::CertsError;
pub use layout::Layout;
pub use settings::Settings;

/// Result alias for this crate.
pub type Result<T, E = CertsError> = std::result::Result<T, E>;
