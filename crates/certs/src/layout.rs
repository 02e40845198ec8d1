//! Where every file lives under the certificate directory, the `init` step
//! (directories + `.gitignore`), and client-name rules.
//!
//! The layout is the seed's: `certs/` (CA), `server/`, `clients/`, `.acm/`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::{CertsError, Result};

/// Mode of private keys and of anything embedding one (.ovpn).
pub const SECRET_MODE: u32 = 0o600;
/// Mode of certificates and records (public data).
pub const PUBLIC_MODE: u32 = 0o644;

/// Folders `init` creates, `.gitignore` lists and `clean` removes.
pub const FOLDERS: [&str; 4] = ["certs", "server", "clients", ".acm"];

/// Which ACM import a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcmTarget {
    /// The server certificate with its chain (Client VPN server certificate).
    Server,
    /// The root CA (Client VPN certificate authentication's root chain).
    Root,
}

impl AcmTarget {
    pub fn name(self) -> &'static str {
        match self {
            AcmTarget::Server => "server",
            AcmTarget::Root => "root",
        }
    }
}

/// Paths of the PKI under one directory.
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn ca_cert(&self) -> PathBuf {
        self.root.join("certs/ca.crt")
    }
    pub fn ca_key(&self) -> PathBuf {
        self.root.join("certs/ca.key")
    }
    pub fn server_cert(&self) -> PathBuf {
        self.root.join("server/server.crt")
    }
    pub fn server_key(&self) -> PathBuf {
        self.root.join("server/server.key")
    }
    /// The CA certificate again, as the chain ACM wants next to the server cert.
    pub fn server_chain(&self) -> PathBuf {
        self.root.join("server/server.chain.crt")
    }
    pub fn clients_dir(&self) -> PathBuf {
        self.root.join("clients")
    }
    pub fn client_cert(&self, name: &str) -> PathBuf {
        self.clients_dir().join(format!("{name}.crt"))
    }
    pub fn client_key(&self, name: &str) -> PathBuf {
        self.clients_dir().join(format!("{name}.key"))
    }
    pub fn client_profile(&self, name: &str) -> PathBuf {
        self.clients_dir().join(format!("{name}.ovpn"))
    }
    pub fn acm_record(&self, target: AcmTarget) -> PathBuf {
        self.root.join(".acm").join(format!("{}.json", target.name()))
    }

    /// Creates the folders (key folders 0700) and adds the missing
    /// `.gitignore` lines. Returns what it created or changed. Idempotent.
    pub fn init(&self) -> Result<Vec<PathBuf>> {
        let mut changed = Vec::new();
        for folder in FOLDERS {
            let path = self.root.join(folder);
            if !path.is_dir() {
                std::fs::create_dir_all(&path).map_err(|source| CertsError::Write { path: path.clone(), source })?;
                // Keys live here: nobody else needs to list them.
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))
                    .map_err(|source| CertsError::Write { path: path.clone(), source })?;
                changed.push(path);
            }
        }
        if self.update_gitignore()? {
            changed.push(self.root.join(".gitignore"));
        }
        Ok(changed)
    }

    /// Appends `/certs/`, `/server/`, `/clients/`, `/.acm/` to `.gitignore`
    /// unless present, so that keys are never committed by accident.
    fn update_gitignore(&self) -> Result<bool> {
        let path = self.root.join(".gitignore");
        let existing = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => return Err(CertsError::Read { path, source }),
        };
        let present: Vec<&str> = existing.lines().map(str::trim).collect();
        let missing: Vec<String> = FOLDERS
            .iter()
            .filter(|f| !present.iter().any(|line| gitignore_covers(line, f)))
            .map(|f| format!("/{f}/"))
            .collect();
        if missing.is_empty() {
            return Ok(false);
        }
        let mut text = existing;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str("# dsql-deploy certs: private keys and VPN state\n");
        for line in missing {
            text.push_str(&line);
            text.push('\n');
        }
        fsutil::write_atomic(&path, text.as_bytes(), PUBLIC_MODE)
            .map_err(|source| CertsError::Write { path, source })?;
        Ok(true)
    }

    /// Names of the client certificates present (`clients/*.crt`), sorted.
    pub fn client_names(&self) -> Result<Vec<String>> {
        let dir = self.clients_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(CertsError::Read { path: dir, source }),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| CertsError::Read { path: dir.clone(), source })?;
            let file = entry.file_name();
            if let Some(name) = file.to_str().and_then(|f| f.strip_suffix(".crt")) {
                names.push(name.to_string());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Existing folders and `.gitignore`-listed state that `clean` removes.
    pub fn existing_folders(&self) -> Vec<PathBuf> {
        FOLDERS.iter().map(|f| self.root.join(f)).filter(|p| p.exists()).collect()
    }

    /// Removes every PKI folder (keys included). The caller asks for --force.
    pub fn remove_all(&self) -> Result<Vec<PathBuf>> {
        let folders = self.existing_folders();
        for path in &folders {
            std::fs::remove_dir_all(path).map_err(|source| CertsError::Write { path: path.clone(), source })?;
        }
        Ok(folders)
    }
}

fn gitignore_covers(line: &str, folder: &str) -> bool {
    let line = line.trim_start_matches('/').trim_end_matches('/');
    line == folder
}

/// Client names become file names and certificate CNs: keep them plain.
pub fn check_client_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && !name.starts_with('-')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok { Ok(()) } else { Err(CertsError::BadClientName(name.to_string())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_creates_private_folders_and_gitignore_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".gitignore"), "target\n/certs\n").unwrap();
        let layout = Layout::new(dir.path());
        let changed = layout.init().unwrap();
        assert_eq!(changed.len(), 5, "{changed:?}");
        let mode = std::fs::metadata(dir.path().join("server")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        let text = std::fs::read_to_string(dir.path().join(".gitignore")).unwrap();
        assert!(text.starts_with("target\n/certs\n"), "{text}");
        for line in ["/server/", "/clients/", "/.acm/"] {
            assert_eq!(text.lines().filter(|l| *l == line).count(), 1, "{text}");
        }
        assert!(!text.contains("/certs/"), "already covered by /certs: {text}");
        assert!(layout.init().unwrap().is_empty(), "second init changes nothing");
    }

    #[test]
    fn client_names_are_checked() {
        for good in ["alice", "bob.laptop", "ci_runner-2"] {
            check_client_name(good).unwrap();
        }
        for bad in ["", "../x", "a/b", "-x", ".hidden", "with space", &"x".repeat(65)] {
            assert!(check_client_name(bad).is_err(), "{bad:?}");
        }
    }
}
