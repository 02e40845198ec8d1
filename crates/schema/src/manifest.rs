//! `manifest.json` of one versioned directory, in temporal-sql-tool's format.
//!
//! The md5 recorded in `schema_update_history.manifest_md5` is the md5 of the
//! manifest file's bytes, as temporal-sql-tool computes it.

use md5::{Digest, Md5};
use serde::Deserialize;

use crate::version::Version;

/// The JSON fields, with temporal-sql-tool's names.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawManifest {
    curr_version: String,
    min_compatible_version: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    schema_update_cql_files: Vec<String>,
    #[serde(default)]
    allow_no_cql_files: bool,
}

/// A validated manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub curr_version: Version,
    pub min_compatible_version: Version,
    pub description: String,
    /// SQL files of this version, in execution order, relative to its directory.
    pub files: Vec<String>,
    /// Hex md5 of the manifest bytes.
    pub md5: String,
}

/// Why a manifest was refused. Messages name the file and say how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error(
        "{path}: malformed manifest: {reason} (expected JSON with CurrVersion, MinCompatibleVersion, Description, SchemaUpdateCqlFiles)"
    )]
    Malformed { path: String, reason: String },
    #[error(
        "{path}: CurrVersion {manifest} does not match the directory name v{dir} (rename the directory or fix CurrVersion)"
    )]
    DirMismatch { path: String, dir: String, manifest: String },
    #[error(
        "{path}: MinCompatibleVersion {min} is newer than CurrVersion {curr} (versions must not go backwards; lower MinCompatibleVersion)"
    )]
    MinAfterCurr { path: String, min: String, curr: String },
    #[error("{path}: SchemaUpdateCqlFiles is empty (list the version's .sql files, or set AllowNoCqlFiles)")]
    NoFiles { path: String },
    #[error("{path}: file name {file:?} must be a plain name inside the version directory")]
    BadFileName { path: String, file: String },
}

/// Parses and validates `bytes` read from `path`, the manifest of directory `vDIR`.
pub fn parse(path: &str, dir_version: &str, bytes: &[u8]) -> Result<Manifest, ManifestError> {
    let malformed = |reason: String| ManifestError::Malformed { path: path.to_string(), reason };
    let raw: RawManifest = serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
    let curr: Version =
        raw.curr_version.parse().map_err(|e: crate::version::BadVersion| malformed(format!("CurrVersion: {e}")))?;
    let min: Version = raw
        .min_compatible_version
        .parse()
        .map_err(|e: crate::version::BadVersion| malformed(format!("MinCompatibleVersion: {e}")))?;
    let dir: Version =
        dir_version.parse().map_err(|e: crate::version::BadVersion| malformed(format!("directory name: {e}")))?;
    if curr != dir {
        return Err(ManifestError::DirMismatch {
            path: path.to_string(),
            dir: dir_version.to_string(),
            manifest: raw.curr_version,
        });
    }
    if min > curr {
        return Err(ManifestError::MinAfterCurr {
            path: path.to_string(),
            min: min.to_string(),
            curr: curr.to_string(),
        });
    }
    if raw.schema_update_cql_files.is_empty() && !raw.allow_no_cql_files {
        return Err(ManifestError::NoFiles { path: path.to_string() });
    }
    if let Some(file) = raw
        .schema_update_cql_files
        .iter()
        .find(|f| f.is_empty() || f.contains('/') || f.contains('\\') || f.as_str() == ".." || f.as_str() == ".")
    {
        return Err(ManifestError::BadFileName { path: path.to_string(), file: file.clone() });
    }
    Ok(Manifest {
        curr_version: curr,
        min_compatible_version: min,
        description: raw.description,
        files: raw.schema_update_cql_files,
        md5: hex::encode(Md5::digest(bytes)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        r#"{"CurrVersion":"1.2","MinCompatibleVersion":"1.0","Description":"d","SchemaUpdateCqlFiles":["a.sql"]}"#;

    #[test]
    fn parses_temporal_sql_tool_manifests() {
        let m = parse("v1.2/manifest.json", "1.2", GOOD.as_bytes()).unwrap();
        assert_eq!(m.curr_version.as_str(), "1.2");
        assert_eq!(m.files, vec!["a.sql"]);
        assert_eq!(m.md5, hex::encode(Md5::digest(GOOD.as_bytes())));
    }

    #[test]
    fn refuses_bad_manifests() {
        let p = "v1.2/manifest.json";
        assert!(matches!(parse(p, "1.2", b"{not json"), Err(ManifestError::Malformed { .. })));
        assert!(matches!(parse(p, "1.3", GOOD.as_bytes()), Err(ManifestError::DirMismatch { .. })));
        let backwards = GOOD.replace("\"1.0\"", "\"1.5\"");
        assert!(matches!(parse(p, "1.2", backwards.as_bytes()), Err(ManifestError::MinAfterCurr { .. })));
        let empty = GOOD.replace("[\"a.sql\"]", "[]");
        assert!(matches!(parse(p, "1.2", empty.as_bytes()), Err(ManifestError::NoFiles { .. })));
        let escape = GOOD.replace("a.sql", "../x.sql");
        assert!(matches!(parse(p, "1.2", escape.as_bytes()), Err(ManifestError::BadFileName { .. })));
    }
}
