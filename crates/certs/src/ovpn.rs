//! `certs ovpn`: an OpenVPN client profile for an AWS Client VPN endpoint,
//! with the CA, the client's certificate and its key inline, written 0600
//! (it holds the key).
//!
//! Client VPN endpoints answer on any name under their wildcard DNS name
//! (`*.cvpn-endpoint-….amazonaws.com`); AWS's own profiles put a random label
//! in front and add `remote-random-hostname`, which spreads clients across
//! the endpoint's addresses and keeps resolvers from caching one answer.

use std::path::PathBuf;

use dsql_deploy_config::{VpnProtocol, is_dns_name};
use rand::RngCore;

use crate::layout::SECRET_MODE;
use crate::{CertsError, Layout, Result, Settings, inspect, keys};

/// What goes into a profile.
#[derive(Debug, Clone)]
pub struct Profile<'a> {
    /// The endpoint's DNS name, with or without the leading `*.`.
    pub endpoint: &'a str,
    /// Random label put in front of the endpoint name (hex).
    pub host_prefix: String,
    pub protocol: VpnProtocol,
    pub port: u16,
    pub ca_pem: &'a str,
    pub cert_pem: &'a str,
    pub key_pem: &'a str,
}

/// Six random bytes as hex, the label AWS-style profiles put in front.
pub fn random_host_prefix() -> String {
    let mut bytes = [0u8; 6];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The endpoint name without the wildcard label, checked.
pub fn endpoint_host(endpoint: &str) -> Result<&str> {
    let host = endpoint.trim().strip_prefix("*.").unwrap_or(endpoint.trim());
    if is_dns_name(host) && !host.contains('*') && host.contains('.') {
        Ok(host)
    } else {
        Err(CertsError::BadEndpoint(endpoint.to_string()))
    }
}

impl Profile<'_> {
    /// The profile text.
    pub fn render(&self) -> Result<String> {
        let host = endpoint_host(self.endpoint)?;
        let proto = match self.protocol {
            VpnProtocol::Udp => "udp",
            VpnProtocol::Tcp => "tcp",
        };
        Ok(format!(
            "client\n\
             dev tun\n\
             proto {proto}\n\
             remote {prefix}.{host} {port}\n\
             remote-random-hostname\n\
             resolv-retry infinite\n\
             nobind\n\
             remote-cert-tls server\n\
             cipher AES-256-GCM\n\
             verb 3\n\
             reneg-sec 0\n\
             <ca>\n{ca}\n</ca>\n\
             <cert>\n{cert}\n</cert>\n\
             <key>\n{key}\n</key>\n",
            prefix = self.host_prefix,
            port = self.port,
            ca = self.ca_pem.trim_end(),
            cert = self.cert_pem.trim_end(),
            key = self.key_pem.trim_end(),
        ))
    }
}

/// Writes `clients/<name>.ovpn` for the client `name`; refuses to replace an
/// existing profile without `force`.
pub fn write_profile(layout: &Layout, settings: &Settings, name: &str, endpoint: &str, force: bool) -> Result<PathBuf> {
    crate::layout::check_client_name(name)?;
    endpoint_host(endpoint)?;
    let path = layout.client_profile(name);
    if path.exists() && !force {
        return Err(CertsError::Exists { path });
    }
    let ca_pem = keys::read_text(&layout.ca_cert(), "create-root-ca")?;
    let fix = format!("create-client {name}");
    let cert_path = layout.client_cert(name);
    let cert_pem = keys::read_text(&cert_path, &fix)?;
    let key_path = layout.client_key(name);
    let key_pem = keys::read_text(&key_path, &fix)?;
    // A profile with a mismatched or foreign certificate fails only at
    // connect time, far from here; refuse it now.
    let info = inspect::parse_cert_pem(&cert_pem, &cert_path, &format!("{fix} --force"))?;
    let ca = inspect::parse_cert_pem(&ca_pem, &layout.ca_cert(), "create-root-ca --force")?;
    let key = keys::load(&key_path, &format!("{fix} --force"))?;
    if !info.matches_key(&key) {
        return Err(CertsError::KeyMismatch { cert: cert_path, key: key_path, fix });
    }
    if !info.is_signed_by(&ca) {
        return Err(CertsError::Unusable {
            path: cert_path,
            reason: format!("it is not signed by certs/ca.crt (run {fix} --force)"),
        });
    }
    let profile = Profile {
        endpoint,
        host_prefix: random_host_prefix(),
        protocol: settings.vpn_protocol,
        port: settings.vpn_port,
        ca_pem: &ca_pem,
        cert_pem: &cert_pem,
        key_pem: &key_pem,
    };
    let text = profile.render()?;
    fsutil::write_new(&path, text.as_bytes(), SECRET_MODE, force)
        .map_err(|source| CertsError::Write { path: path.clone(), source })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_wildcard_is_stripped_and_bad_names_refused() {
        assert_eq!(
            endpoint_host("*.cvpn-endpoint-0ab.prod.clientvpn.us-east-1.amazonaws.com").unwrap(),
            "cvpn-endpoint-0ab.prod.clientvpn.us-east-1.amazonaws.com"
        );
        assert_eq!(endpoint_host("vpn.example.com").unwrap(), "vpn.example.com");
        for bad in ["", "*.", "a b.com", "localhost", "*.*.x.com", "http://x.com"] {
            assert!(endpoint_host(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn profile_has_random_remote_and_inline_blocks() {
        let profile = Profile {
            endpoint: "*.cvpn-endpoint-1.prod.clientvpn.eu-west-1.amazonaws.com",
            host_prefix: random_host_prefix(),
            protocol: VpnProtocol::Tcp,
            port: 1194,
            ca_pem: "CA\n",
            cert_pem: "CERT",
            key_pem: "KEY\n",
        };
        let text = profile.render().unwrap();
        let remote = text.lines().find(|l| l.starts_with("remote ")).unwrap();
        let parts: Vec<&str> = remote.split(' ').collect();
        let (prefix, rest) = parts[1].split_once('.').unwrap();
        assert_eq!(prefix.len(), 12);
        assert!(prefix.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(rest, "cvpn-endpoint-1.prod.clientvpn.eu-west-1.amazonaws.com");
        assert_eq!(parts[2], "1194");
        assert!(text.contains("\nproto tcp\n") && text.contains("\nremote-random-hostname\n"));
        assert!(text.contains("<ca>\nCA\n</ca>\n<cert>\nCERT\n</cert>\n<key>\nKEY\n</key>\n"), "{text}");
        assert_ne!(random_host_prefix(), random_host_prefix());
    }
}
