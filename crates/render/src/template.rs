//! Templates: the four embedded combinations (DSQL build or stock Temporal ×
//! Elasticsearch or OpenSearch), assembled from fragments under
//! `templates/`, or an operator's own file in the same `${NAME}` syntax.

use std::path::Path;

use crate::env::VisibilityKind;
use crate::error::RenderError;
use crate::inputs::{Inputs, Plugin, Visibility};

/// Which persistence fragment a template uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersistenceKind {
    /// `pluginName: dsql`, IAM auth (the Temporal DSQL build).
    Dsql,
    /// `postgres12` / `postgres12_pgx` with a password (stock Temporal via the gateway).
    Postgres,
}

impl PersistenceKind {
    pub fn of(plugin: Plugin) -> Self {
        match plugin {
            Plugin::Dsql => PersistenceKind::Dsql,
            Plugin::Postgres12 | Plugin::Postgres12Pgx => PersistenceKind::Postgres,
        }
    }
}

const PERSISTENCE_DSQL: &str = include_str!("../templates/persistence-dsql.yaml");
const PERSISTENCE_POSTGRES: &str = include_str!("../templates/persistence-postgres.yaml");
const VISIBILITY_ES: &str = include_str!("../templates/visibility-elasticsearch.yaml");
const VISIBILITY_OS: &str = include_str!("../templates/visibility-opensearch.yaml");
const SERVER: &str = include_str!("../templates/server.yaml");

/// A template's name and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    name: String,
    text: String,
    /// What an embedded template was built for (None for files).
    kind: Option<(PersistenceKind, VisibilityKind)>,
}

impl Template {
    /// Names accepted by `--template`.
    pub const NAMES: [&'static str; 4] =
        ["dsql-elasticsearch", "dsql-opensearch", "postgres-elasticsearch", "postgres-opensearch"];

    pub fn embedded(persistence: PersistenceKind, visibility: VisibilityKind) -> Template {
        let (p_name, p_text) = match persistence {
            PersistenceKind::Dsql => ("dsql", PERSISTENCE_DSQL),
            PersistenceKind::Postgres => ("postgres", PERSISTENCE_POSTGRES),
        };
        let (v_name, v_text) = match visibility {
            VisibilityKind::Elasticsearch => ("elasticsearch", VISIBILITY_ES),
            VisibilityKind::OpenSearch => ("opensearch", VISIBILITY_OS),
        };
        Template {
            name: format!("{p_name}-{v_name}"),
            text: format!("{p_text}{v_text}{SERVER}"),
            kind: Some((persistence, visibility)),
        }
    }

    /// An embedded template by name.
    pub fn named(name: &str) -> Option<Template> {
        let (p, v) = name.split_once('-')?;
        let p = match p {
            "dsql" => PersistenceKind::Dsql,
            "postgres" => PersistenceKind::Postgres,
            _ => return None,
        };
        let v = match v {
            "elasticsearch" => VisibilityKind::Elasticsearch,
            "opensearch" => VisibilityKind::OpenSearch,
            _ => return None,
        };
        Some(Template::embedded(p, v))
    }

    /// The embedded template that matches the inputs (plugin, visibility store).
    pub fn for_inputs(inputs: &Inputs) -> Template {
        let v = match inputs.visibility {
            Visibility::Elasticsearch { .. } => VisibilityKind::Elasticsearch,
            Visibility::OpenSearch { .. } => VisibilityKind::OpenSearch,
        };
        Template::embedded(PersistenceKind::of(inputs.sql.plugin), v)
    }

    /// An operator's template file (same `${NAME}` placeholders).
    pub fn from_file(path: &Path) -> Result<Template, RenderError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| RenderError::ReadTemplate { path: path.to_path_buf(), source })?;
        Ok(Template::from_text(path.display().to_string(), text))
    }

    /// A template from text (tests, callers with their own storage).
    pub fn from_text(name: impl Into<String>, text: impl Into<String>) -> Template {
        Template { name: name.into(), text: text.into(), kind: None }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn kind(&self) -> Option<(PersistenceKind, VisibilityKind)> {
        self.kind
    }

    /// The visibility store an embedded template needs (for reading the env).
    pub fn visibility(&self) -> Option<VisibilityKind> {
        self.kind.map(|(_, v)| v)
    }

    /// Why these inputs cannot go through this embedded template, if they cannot.
    pub fn mismatch(&self, inputs: &Inputs) -> Option<String> {
        let (p, v) = self.kind?;
        let want = Template::for_inputs(inputs);
        let (ip, iv) = want.kind?;
        if p != ip {
            return Some(format!(
                "template {} does not fit TEMPORAL_SQL_PLUGIN_NAME={}; use --template {} or change the plugin",
                self.name,
                inputs.sql.plugin.name(),
                want.name
            ));
        }
        if v != iv {
            return Some(format!(
                "template {} does not fit the visibility variables; use --template {}",
                self.name, want.name
            ));
        }
        None
    }
}
