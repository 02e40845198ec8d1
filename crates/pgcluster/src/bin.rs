//! Locating PostgreSQL's server binaries: `PG_BIN`, then Debian's
//! `/usr/lib/postgresql/<major>/bin` (newest first), then `PATH`.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// A directory holding `initdb` and `postgres`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinDir(pub PathBuf);

impl BinDir {
    pub fn tool(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

fn has_server(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("postgres").is_file()
}

/// Finds the server binaries or says how to install them.
pub fn find_bin_dir() -> Result<BinDir> {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        let dir = PathBuf::from(dir);
        return if has_server(&dir) { Ok(BinDir(dir)) } else { Err(Error::BadBinDir(dir.display().to_string())) };
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_server(&bin).then_some((major, bin))
        })
        .collect();
    debian.sort();
    if let Some((_, bin)) = debian.pop() {
        return Ok(BinDir(bin));
    }
    std::env::var_os("PATH")
        .and_then(|path| std::env::split_paths(&path).find(|d| has_server(d)))
        .map(BinDir)
        .ok_or(Error::BinariesMissing)
}
