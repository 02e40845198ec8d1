//! Errors: a validation run collects every [`Problem`] before failing, so an
//! operator fixes them all in one go; template and write failures are typed.

use std::fmt;
use std::path::PathBuf;

/// One thing wrong with the inputs, tied to the variable that causes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The environment variable at fault (None for cross-field rules that
    /// have no single culprit).
    pub var: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Problem {
    pub fn new(var: &str, message: impl Into<String>) -> Self {
        Self { var: Some(var.to_string()), message: message.into() }
    }

    pub fn missing(var: &str, hint: &str) -> Self {
        Self::new(var, format!("is not set; {hint}"))
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.var {
            Some(var) => write!(f, "{var}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Every problem found in one validation run (never empty when returned as an error).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn push(&mut self, problem: Problem) {
        self.0.push(problem);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter()
    }

    /// True when some problem names `var`.
    pub fn mentions(&self, var: &str) -> bool {
        self.0.iter().any(|p| p.var.as_deref() == Some(var))
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(f, "{n} problem{} with the Temporal config inputs:", if n == 1 { "" } else { "s" })?;
        for p in &self.0 {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Why rendering or writing failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{0}")]
    Invalid(Problems),

    #[error("template {template}: {message}")]
    Template { template: String, message: String },

    #[error("rendered config from template {template} is not what Temporal needs: {message}")]
    Output { template: String, message: String },

    #[error("cannot read template file {}: {source}", path.display())]
    ReadTemplate { path: PathBuf, source: std::io::Error },

    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },

    #[error("{} already exists with different content; use --force to overwrite it", path.display())]
    Exists { path: PathBuf },
}

impl RenderError {
    /// The validation problems, when that is what failed.
    pub fn problems(&self) -> Option<&Problems> {
        match self {
            RenderError::Invalid(p) => Some(p),
            _ => None,
        }
    }
}
