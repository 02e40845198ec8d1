//! The container entrypoint's preparation: resolve the bind and broadcast
//! addresses the way Temporal's image does, render the config, and list the
//! variables the server process must see. The CLI then writes the file and
//! `exec`s the server, so this module does no I/O beyond reading the host's
//! name and addresses.
//!
//! Temporal's image (`docker/scripts/sh/entrypoint.sh`) sets BIND_ON_IP to
//! `getent hosts $(hostname)` when unset, and when BIND_ON_IP is 0.0.0.0 or
//! `::` sets TEMPORAL_BROADCAST_ADDRESS the same way. We do the same and
//! fall back to the address of the interface holding the default route.

use std::collections::HashMap;
use std::net::{IpAddr, ToSocketAddrs, UdpSocket};
use std::path::PathBuf;

use crate::error::{Problem, RenderError};
use crate::{Rendered, Template};

/// Where the entrypoint writes the config unless TEMPORAL_PERSISTENCE_CONFIG says otherwise.
pub const DEFAULT_OUTPUT: &str = "/etc/temporal/config/docker.yaml";

/// Everything the entrypoint needs before `exec`.
#[derive(Debug)]
pub struct Prepared {
    pub output: PathBuf,
    pub rendered: Rendered,
    /// Variables to set in the server's environment.
    pub exports: Vec<(String, String)>,
}

/// This host's address other containers can reach: the first non-loopback
/// address `hostname` resolves to (what `getent hosts $(hostname)` prints),
/// else the source address of the default route (a UDP `connect` to a
/// TEST-NET address picks the route without sending a packet).
pub fn host_ip(prefer_v6: bool) -> Result<IpAddr, String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    if !name.is_empty()
        && let Ok(addrs) = (name.as_str(), 0).to_socket_addrs()
    {
        let usable: Vec<IpAddr> =
            addrs.map(|a| a.ip()).filter(|ip| !ip.is_loopback() && !ip.is_unspecified()).collect();
        if let Some(ip) = usable.iter().find(|ip| ip.is_ipv6() == prefer_v6).or(usable.first()) {
            return Ok(*ip);
        }
    }
    let (bind, probe) = if prefer_v6 { ("[::]:0", "[2001:db8::1]:9") } else { ("0.0.0.0:0", "192.0.2.1:9") };
    let routed = UdpSocket::bind(bind).and_then(|s| s.connect(probe).and_then(|_| s.local_addr()));
    match routed {
        Ok(addr) if !addr.ip().is_loopback() && !addr.ip().is_unspecified() => Ok(addr.ip()),
        _ => Err(format!(
            "cannot find this host's address: '{name}' resolves only to loopback and there is no default route; set BIND_ON_IP and TEMPORAL_BROADCAST_ADDRESS"
        )),
    }
}

/// Resolves addresses, renders and lists the exports. `env` is the
/// process environment; `output` overrides TEMPORAL_PERSISTENCE_CONFIG.
pub fn prepare(
    env: &HashMap<String, String>,
    template: Option<&Template>,
    output: Option<PathBuf>,
) -> Result<Prepared, RenderError> {
    let get = |k: &str| env.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let mut env = env.clone();
    let mut exports = Vec::new();
    let mut problems = crate::Problems::default();

    let bind = match get("BIND_ON_IP") {
        Some(text) => text.parse::<IpAddr>().ok(),
        None => match host_ip(false) {
            Ok(ip) => Some(ip),
            Err(msg) => {
                problems.push(Problem::new("BIND_ON_IP", msg));
                None
            }
        },
    };
    if let Some(ip) = bind {
        env.insert("BIND_ON_IP".into(), ip.to_string());
        exports.push(("BIND_ON_IP".into(), ip.to_string()));
        if ip.is_unspecified() && get("TEMPORAL_BROADCAST_ADDRESS").is_none() {
            match host_ip(ip.is_ipv6()) {
                Ok(b) => {
                    env.insert("TEMPORAL_BROADCAST_ADDRESS".into(), b.to_string());
                    exports.push(("TEMPORAL_BROADCAST_ADDRESS".into(), b.to_string()));
                }
                Err(msg) => problems.push(Problem::new("TEMPORAL_BROADCAST_ADDRESS", msg)),
            }
        }
    }
    // The DSQL build reads its token region from REGION or AWS_REGION only.
    if get("AWS_REGION").is_none()
        && let Some(region) = get("TEMPORAL_SQL_AWS_REGION")
    {
        exports.push(("AWS_REGION".into(), region.to_string()));
    }

    let output = output
        .or_else(|| get("TEMPORAL_PERSISTENCE_CONFIG").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_OUTPUT));

    match crate::render_env(&env, template) {
        Ok(rendered) if problems.is_empty() => Ok(Prepared { output, rendered, exports }),
        Ok(_) => Err(RenderError::Invalid(problems)),
        Err(RenderError::Invalid(more)) => {
            for p in more.0 {
                if !p.var.as_deref().is_some_and(|v| problems.mentions(v)) {
                    problems.push(p);
                }
            }
            Err(RenderError::Invalid(problems))
        }
        Err(other) if problems.is_empty() => Err(other),
        Err(other) => {
            problems.push(Problem { var: None, message: other.to_string() });
            Err(RenderError::Invalid(problems))
        }
    }
}
