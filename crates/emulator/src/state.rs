//! The state file (`state.json` in the data dir): what a running emulator
//! publishes so that `status`, `stop`, `env` and `up` find it. Written
//! atomically; a state file whose PIDs are dead is stale and is recovered
//! (removed) rather than trusted.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What a running emulator publishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// Port clients connect to (127.0.0.1).
    pub port: u16,
    /// PID of the emulator process (the proxy).
    pub pid: u32,
    /// PID and port of the private PostgreSQL.
    pub postgres_pid: u32,
    pub postgres_port: u16,
    pub ca_file: PathBuf,
    pub hostname: String,
    pub region: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// dsql-deploy version that wrote the file.
    pub version: String,
}

impl State {
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::BadState { path: path.into(), detail: e.to_string() })?;
        fsutil::write_atomic(path, &text, 0o644).map_err(Error::io(format!("cannot write {}", path.display())))
    }

    /// Reads the state file; `None` when there is none. A file owned by
    /// another user is an error: that instance is not ours to manage.
    pub fn read(path: &Path) -> Result<Option<State>> {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            // No state file (or no data dir at all): nothing runs there.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound || e.raw_os_error() == Some(libc::ENOTDIR) => {
                return Ok(None);
            }
            Err(e) => return Err(Error::io(format!("cannot read {}", path.display()))(e)),
        };
        let me = nix::unistd::geteuid().as_raw();
        if meta.uid() != me && me != 0 {
            let root = path.parent().unwrap_or(path).to_path_buf();
            return Err(Error::OtherUser { path: root, owner: meta.uid(), me });
        }
        let text = std::fs::read_to_string(path).map_err(Error::io(format!("cannot read {}", path.display())))?;
        serde_json::from_str(&text).map(Some).map_err(|e| Error::BadState { path: path.into(), detail: e.to_string() })
    }
}

/// Whether a process with this PID exists (signal 0 probes without sending).
pub fn pid_alive(pid: u32) -> bool {
    if pid == 0 {
        return false;
    }
    let pid = nix::unistd::Pid::from_raw(pid as i32);
    match nix::sys::signal::kill(pid, None) {
        Ok(()) => !is_zombie(pid.as_raw()),
        // EPERM: it exists but belongs to someone else.
        Err(nix::errno::Errno::EPERM) => true,
        Err(_) => false,
    }
}

/// A zombie has exited; only its parent has not reaped it yet.
fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').map(|(_, rest)| rest.trim_start().starts_with('Z')))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(dir: &Path) -> State {
        State {
            port: 5432,
            pid: std::process::id(),
            postgres_pid: 1,
            postgres_port: 6000,
            ca_file: dir.join("ca.pem"),
            hostname: "localhost".into(),
            region: "us-east-1".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            version: "0.1.0".into(),
        }
    }

    #[test]
    fn state_round_trips_and_missing_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert_eq!(State::read(&path).unwrap(), None);
        let state = sample(dir.path());
        state.write(&path).unwrap();
        assert_eq!(State::read(&path).unwrap(), Some(state));
    }

    #[test]
    fn corrupt_state_file_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, "{not json").unwrap();
        let err = State::read(&path).unwrap_err().to_string();
        assert!(err.contains("delete it"), "{err}");
    }

    #[test]
    fn own_pid_is_alive_and_an_unused_pid_is_not() {
        assert!(pid_alive(std::process::id()));
        assert!(!pid_alive(0));
        assert!(!pid_alive(i32::MAX as u32));
    }
}
