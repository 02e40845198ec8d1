//! File writes that lose nothing: atomic replacement (temporary file in the
//! same directory, fsync, rename) and "create unless it exists, or --force".
//! Every crate that writes user-visible files goes through here.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Writes `bytes` to `path` atomically with the given Unix mode: a reader
/// never sees half a file, and a failure leaves the previous file untouched.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    tmp.as_file().set_permissions(std::fs::Permissions::from_mode(mode))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Like [`write_atomic`], but refuses to replace an existing file unless
/// `force` is set. The error names the file and the `--force` flag.
pub fn write_new(path: &Path, bytes: &[u8], mode: u32, force: bool) -> std::io::Result<()> {
    if !force && path.exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{} already exists; use --force to overwrite it", path.display()),
        ));
    }
    write_atomic(path, bytes, mode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_sets_mode_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        write_atomic(&p, b"one", 0o600).unwrap();
        write_atomic(&p, b"two", 0o640).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o640);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left behind");
    }

    #[test]
    fn write_new_keeps_existing_file_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"keep").unwrap();
        let err = write_new(&p, b"new", 0o600, false).unwrap_err();
        assert!(err.to_string().contains("--force"));
        assert_eq!(std::fs::read(&p).unwrap(), b"keep");
        write_new(&p, b"new", 0o600, true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
    }
}
