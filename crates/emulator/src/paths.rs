//! Where an instance lives and the names of the files inside its data dir.
//!
//! PostgreSQL refuses to run as root, so when we are root the server runs as
//! an unprivileged OS user that must be able to reach its data directory.
//! `/root` is not traversable by other users, so root's default is
//! `/var/lib/dsql-deploy/emulator` instead of `$XDG_DATA_HOME/...`.

use std::path::{Path, PathBuf};

/// The default data directory for the current user.
pub fn default_data_dir() -> PathBuf {
    if nix::unistd::geteuid().is_root() {
        return PathBuf::from("/var/lib/dsql-deploy/emulator");
    }
    dirs::data_dir().unwrap_or_else(|| PathBuf::from(".local/share")).join("dsql-deploy").join("emulator")
}

/// File layout of one instance.
#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
}

impl Layout {
    pub fn new(root: impl Into<PathBuf>) -> Layout {
        Layout { root: root.into() }
    }
    fn file(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
    /// The private PostgreSQL cluster.
    pub fn pgdata(&self) -> PathBuf {
        self.file("pgdata")
    }
    /// Random password of the private cluster's roles (0600).
    pub fn password_file(&self) -> PathBuf {
        self.file("internal-password")
    }
    pub fn ca_cert(&self) -> PathBuf {
        self.file("ca.pem")
    }
    pub fn ca_key(&self) -> PathBuf {
        self.file("ca-key.pem")
    }
    pub fn server_cert(&self) -> PathBuf {
        self.file("server.pem")
    }
    pub fn server_key(&self) -> PathBuf {
        self.file("server-key.pem")
    }
    pub fn state(&self) -> PathBuf {
        self.file("state.json")
    }
    pub fn log(&self) -> PathBuf {
        self.file("emulator.log")
    }
    pub fn root(&self) -> &Path {
        &self.root
    }
}
