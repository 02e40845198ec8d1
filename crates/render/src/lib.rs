//! Temporal config from environment variables: validate everything, substitute strictly, write atomically.
//!
//! The flow is `Inputs` (typed; from the environment with [`from_env`] or built
//! by code) → [`render`] with a [`Template`] (embedded or an operator's file)
//! → [`Rendered`] (text, the same text with secrets masked, warnings) →
//! [`write`] (atomic, mode 0640). Nothing is written unless every check
//! passed: inputs, template, the parse-back of the output and the keys
//! Temporal requires. [`entrypoint::prepare`] adds the container's address
//! resolution on top.

mod check;
pub mod entrypoint;
pub mod env;
mod error;
mod inputs;
pub mod parse;
mod subst;
mod template;
mod values;
pub mod vars;

use std::path::Path;

pub use env::{FromEnv, VisibilityKind, from_env};
pub use error::{Problem, Problems, RenderError};
pub use inputs::*;
pub use parse::GoDuration;
pub use template::{PersistenceKind, Template};
pub use values::{MASK, Values};

/// File mode of the rendered config: it holds passwords, so owner
/// read/write and group read (the Temporal user's group), nobody else.
pub const OUTPUT_MODE: u32 = 0o640;

/// A successful render.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Name of the template used.
    pub template: String,
    /// The config as Temporal will read it (contains secrets).
    pub text: String,
    /// The same config with every secret replaced by [`MASK`].
    pub masked: String,
    /// Things worth knowing that do not stop the render.
    pub warnings: Vec<String>,
}

/// Renders `template` with `inputs`: validates the inputs, substitutes,
/// parses the result back and checks what Temporal requires.
pub fn render(inputs: &Inputs, template: &Template) -> Result<Rendered, RenderError> {
    let mut problems = inputs.validate();
    if let Some(message) = template.mismatch(inputs) {
        problems.push(Problem { var: None, message });
    }
    if !problems.is_empty() {
        return Err(RenderError::Invalid(problems));
    }
    let values = Values::from_inputs(inputs);
    let template_error = |message: String| RenderError::Template { template: template.name().to_string(), message };
    let (text, slots) = subst::substitute(template.text(), &values).map_err(template_error)?;
    let output_error = |message: String| RenderError::Output { template: template.name().to_string(), message };
    let doc = subst::verify(&text, &slots, &values).map_err(output_error)?;
    let missing = check::required_keys(&doc);
    if !missing.is_empty() {
        return Err(output_error(missing.join("; ")));
    }
    let masked_values = values.masked();
    let (masked, _) = subst::substitute(template.text(), &masked_values).map_err(template_error)?;
    Ok(Rendered { template: template.name().to_string(), text, masked, warnings: inputs.warnings() })
}

/// What [`write`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    Written,
    /// The file already had exactly this content; it was not touched.
    Unchanged,
}

/// Writes `text` to `path` atomically with mode 0640, creating parent
/// directories. An existing file with other content is replaced only with
/// `force`; one with the same content is left alone (so re-runs are no-ops).
pub fn write(path: &Path, text: &str, force: bool) -> Result<WriteOutcome, RenderError> {
    let write_error = |source| RenderError::Write { path: path.to_path_buf(), source };
    match std::fs::read(path) {
        Ok(existing) if existing == text.as_bytes() => return Ok(WriteOutcome::Unchanged),
        Ok(_) if !force => return Err(RenderError::Exists { path: path.to_path_buf() }),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(write_error(e)),
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(write_error)?;
    }
    fsutil::write_atomic(path, text.as_bytes(), OUTPUT_MODE).map_err(write_error)?;
    Ok(WriteOutcome::Written)
}

/// Environment → inputs → render in one call; every problem at once.
pub fn render_env(
    env: &std::collections::HashMap<String, String>,
    template: Option<&Template>,
) -> Result<Rendered, RenderError> {
    let FromEnv { inputs, warnings } =
        from_env(env, template.and_then(Template::visibility)).map_err(RenderError::Invalid)?;
    let chosen = match template {
        Some(t) => t.clone(),
        None => Template::for_inputs(&inputs),
    };
    let mut rendered = render(&inputs, &chosen)?;
    let mut all = warnings;
    for w in rendered.warnings.drain(..) {
        if !all.contains(&w) {
            all.push(w);
        }
    }
    rendered.warnings = all;
    Ok(rendered)
}
