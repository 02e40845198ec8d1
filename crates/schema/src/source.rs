//! Where schema files come from — the sets embedded in the binary (`-s
//! dsql/v12/temporal`) or a directory on disk (`-d DIR`, `-f FILE`) — and
//! loading a versioned tree into checked, split statements. Every problem a
//! tree can have is found here, before anything touches the database.

use std::path::{Path, PathBuf};

use crate::manifest::{self, Manifest, ManifestError};
use crate::split::{self, Statement};
use crate::version::Version;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// First words temporal-sql-tool accepts in versioned files (it also takes
/// `DO`, a PL/pgSQL block DSQL refuses, so we leave that out).
const ALLOWED_FIRST_WORDS: &[&str] = &["CREATE", "ALTER", "INSERT", "DROP"];

/// The names `-s` accepts: directories of the embedded tree holding a
/// `schema.sql` or a `versioned/` directory.
pub fn embedded_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = embedded::FILES
        .iter()
        .filter_map(|(path, _)| {
            path.strip_suffix("/schema.sql").or_else(|| path.find("/versioned/").map(|i| &path[..i]))
        })
        .collect();
    names.dedup();
    names
}

/// One file's text from the embedded tree.
pub fn embedded_file(path: &str) -> Option<&'static str> {
    embedded::FILES.iter().find(|(p, _)| *p == path).map(|(_, text)| *text)
}

/// A versioned tree: directories `vX.Y` each with `manifest.json` + SQL files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Versioned {
    /// `NAME/versioned` inside the binary.
    Embedded(String),
    /// A directory on disk.
    Dir(PathBuf),
}

/// One version, loaded and checked.
#[derive(Debug, Clone)]
pub struct VersionDir {
    pub version: Version,
    pub manifest: Manifest,
    pub statements: Vec<SourcedStatement>,
}

/// A statement and the file it came from.
#[derive(Debug, Clone)]
pub struct SourcedStatement {
    pub file: String,
    pub statement: Statement,
}

/// Why a schema file or tree cannot be used. Each message says how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("no embedded schema named {name:?} (available: {})", .available.join(", "))]
    UnknownEmbedded { name: String, available: Vec<String> },
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error(
        "{dir}: no version directories (vX.Y/manifest.json) found; point --schema-dir at the `versioned` directory of a schema"
    )]
    NoVersions { dir: String },
    #[error(
        "{dir}: no manifest.json (every version directory needs one with CurrVersion, MinCompatibleVersion, Description, SchemaUpdateCqlFiles)"
    )]
    MissingManifest { dir: String },
    #[error("{dir} and {other} are the same version; keep one of them")]
    DuplicateVersion { dir: String, other: String },
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("{path}: {source}")]
    Split { path: String, source: split::SplitError },
    #[error(
        "{path}:{line}:{column}: two statements in one: a second {keyword} starts at {line2}:{column2} (end the first statement with `;`; DSQL runs one DDL statement per transaction)"
    )]
    TwoStatements { path: String, line: usize, column: usize, keyword: String, line2: usize, column2: usize },
    #[error(
        "{path}:{line}:{column}: statement starts with {word:?}; schema files may hold only CREATE, ALTER, INSERT and DROP statements"
    )]
    NotAllowed { path: String, line: usize, column: usize, word: String },
    #[error("{path}: no statements (add the version's SQL, or remove the file from SchemaUpdateCqlFiles)")]
    EmptyVersion { path: String },
}

impl Versioned {
    /// Resolves `-s NAME` against the embedded sets.
    pub fn embedded(name: &str) -> Result<Self, SourceError> {
        let name = name.trim_matches('/');
        if embedded_names().contains(&name)
            && embedded::FILES.iter().any(|(p, _)| p.starts_with(&format!("{name}/versioned/")))
        {
            Ok(Self::Embedded(name.to_string()))
        } else {
            Err(unknown_embedded(name))
        }
    }

    /// How to name a path inside the tree in messages.
    fn display(&self, rel: &str) -> String {
        match self {
            Self::Embedded(name) => format!("(embedded) {name}/versioned/{rel}"),
            Self::Dir(dir) => dir.join(rel).display().to_string(),
        }
    }

    /// Names of the `v*` subdirectories (others are ignored, as temporal-sql-tool does).
    fn version_dirs(&self) -> Result<Vec<String>, SourceError> {
        let mut names: Vec<String> = match self {
            Self::Embedded(name) => {
                let prefix = format!("{name}/versioned/");
                embedded::FILES
                    .iter()
                    .filter_map(|(p, _)| p.strip_prefix(&prefix)?.split_once('/').map(|(d, _)| d.to_string()))
                    .collect()
            }
            Self::Dir(dir) => std::fs::read_dir(dir)
                .map_err(|source| SourceError::Io { path: dir.display().to_string(), source })?
                .flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
        };
        names.retain(|n| n.len() > 1 && n.starts_with('v') && n[1..].bytes().all(|b| b.is_ascii_digit() || b == b'.'));
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn read(&self, rel: &str) -> Result<Option<Vec<u8>>, SourceError> {
        match self {
            Self::Embedded(name) => {
                Ok(embedded_file(&format!("{name}/versioned/{rel}")).map(|t| t.as_bytes().to_vec()))
            }
            Self::Dir(dir) => match std::fs::read(dir.join(rel)) {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(source) => Err(SourceError::Io { path: self.display(rel), source }),
            },
        }
    }

    /// Loads every version, sorted ascending, each fully checked.
    pub fn load(&self) -> Result<Vec<VersionDir>, SourceError> {
        let dirs = self.version_dirs()?;
        if dirs.is_empty() {
            let dir = match self {
                Self::Embedded(name) => format!("(embedded) {name}/versioned"),
                Self::Dir(d) => d.display().to_string(),
            };
            return Err(SourceError::NoVersions { dir });
        }
        let mut out: Vec<VersionDir> = Vec::with_capacity(dirs.len());
        for dir in dirs {
            let manifest_rel = format!("{dir}/manifest.json");
            let bytes =
                self.read(&manifest_rel)?.ok_or_else(|| SourceError::MissingManifest { dir: self.display(&dir) })?;
            let manifest = manifest::parse(&self.display(&manifest_rel), &dir[1..], &bytes)?;
            let mut statements = Vec::new();
            for file in &manifest.files {
                let rel = format!("{dir}/{file}");
                let path = self.display(&rel);
                let bytes = self.read(&rel)?.ok_or_else(|| SourceError::Io {
                    path: path.clone(),
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "listed in manifest.json but missing"),
                })?;
                let text = String::from_utf8_lossy(&bytes);
                statements.extend(
                    check_file(&path, &text)?
                        .into_iter()
                        .map(|statement| SourcedStatement { file: path.clone(), statement }),
                );
            }
            if statements.is_empty() && !manifest.files.is_empty() {
                return Err(SourceError::EmptyVersion { path: self.display(&dir) });
            }
            if let Some(prev) = out.iter().find(|v| v.version == manifest.curr_version) {
                return Err(SourceError::DuplicateVersion {
                    dir: self.display(&dir),
                    other: format!("v{}", prev.version),
                });
            }
            out.push(VersionDir { version: manifest.curr_version.clone(), manifest, statements });
        }
        out.sort_by(|a, b| a.version.cmp(&b.version));
        Ok(out)
    }
}

/// Reads a full schema file: `-f FILE` or the embedded `NAME/schema.sql`.
pub fn schema_file(file: Option<&Path>, name: Option<&str>) -> Result<Option<(String, Vec<Statement>)>, SourceError> {
    let (path, text) = match (file, name) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .map_err(|source| SourceError::Io { path: path.display().to_string(), source })?;
            (path.display().to_string(), text)
        }
        (None, Some(name)) => {
            let name = name.trim_matches('/');
            let text = embedded_file(&format!("{name}/schema.sql")).ok_or_else(|| unknown_embedded(name))?;
            (format!("(embedded) {name}/schema.sql"), text.to_string())
        }
        (None, None) => return Ok(None),
    };
    let statements = check_file(&path, &text)?;
    Ok(Some((path, statements)))
}

/// Splits a file and checks each statement (one statement each, allowed kind).
pub fn check_file(path: &str, text: &str) -> Result<Vec<Statement>, SourceError> {
    let statements = split::split(text).map_err(|source| SourceError::Split { path: path.to_string(), source })?;
    for s in &statements {
        if !ALLOWED_FIRST_WORDS.contains(&s.first_keyword()) {
            return Err(SourceError::NotAllowed {
                path: path.to_string(),
                line: s.line,
                column: s.column,
                word: s.first_keyword().to_string(),
            });
        }
        if let Some((line2, column2, keyword)) = s.embedded_statement() {
            return Err(SourceError::TwoStatements {
                path: path.to_string(),
                line: s.line,
                column: s.column,
                keyword,
                line2,
                column2,
            });
        }
    }
    Ok(statements)
}

fn unknown_embedded(name: &str) -> SourceError {
    SourceError::UnknownEmbedded {
        name: name.to_string(),
        available: embedded_names().iter().map(|s| s.to_string()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_temporal_schema_loads() {
        assert!(embedded_names().contains(&"dsql/v12/temporal"));
        let versions = Versioned::embedded("dsql/v12/temporal").unwrap().load().unwrap();
        let newest = versions.last().unwrap();
        assert!(newest.version >= "1.19".parse().unwrap());
    }

    #[test]
    fn schema_sql_holds_the_same_statements_as_the_versioned_files() {
        let (_, full) = schema_file(None, Some("dsql/v12/temporal")).unwrap().unwrap();
        let versions = Versioned::embedded("dsql/v12/temporal").unwrap().load().unwrap();
        let versioned: Vec<String> =
            versions.iter().flat_map(|v| v.statements.iter().map(|s| s.statement.text.clone())).collect();
        let full: Vec<String> = full.into_iter().map(|s| s.text).collect();
        assert_eq!(full, versioned);
    }

    #[test]
    fn the_temporal_schema_has_37_tables() {
        let (_, full) = schema_file(None, Some("dsql/v12/temporal")).unwrap().unwrap();
        let tables: std::collections::BTreeSet<&str> =
            full.iter().filter(|s| s.text.starts_with("CREATE TABLE")).filter_map(|s| s.object_name()).collect();
        assert_eq!(tables.len(), 37, "{tables:?}");
    }

    #[test]
    fn unknown_embedded_names_list_the_available_ones() {
        let err = Versioned::embedded("mysql/v8/temporal").unwrap_err().to_string();
        assert!(err.contains("dsql/v12/temporal"), "{err}");
    }
}
