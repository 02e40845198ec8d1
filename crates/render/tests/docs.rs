//! docs/render.md must follow the code: its variable tables are generated
//! from `render::vars` (regenerate with UPDATE_GOLDEN=1), and it names every
//! variable and every template placeholder.

mod common;

use std::path::PathBuf;

const BEGIN: &str = "<!-- variables:begin (generated from crates/render/src/vars.rs; UPDATE_GOLDEN=1 regenerates) -->";
const END: &str = "<!-- variables:end -->";

fn docs_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/render.md")
}

#[test]
fn variable_tables_match_the_code() {
    let path = docs_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let start = text.find(BEGIN).unwrap_or_else(|| panic!("{} lacks the line {BEGIN}", path.display()));
    let end = text.find(END).unwrap_or_else(|| panic!("{} lacks the line {END}", path.display()));
    let current = &text[start + BEGIN.len()..end];
    let generated = format!("\n{}\n", render::vars::markdown());
    if current != generated {
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            let updated = format!("{}{}{}", &text[..start + BEGIN.len()], generated, &text[end..]);
            std::fs::write(&path, updated).unwrap();
            return;
        }
        panic!("the variable tables in {} are out of date; regenerate with UPDATE_GOLDEN=1", path.display());
    }
}

#[test]
fn docs_name_every_variable_and_placeholder() {
    let text = std::fs::read_to_string(docs_path()).unwrap();
    for v in render::vars::VARIABLES {
        assert!(text.contains(v.name), "docs/render.md does not mention {}", v.name);
    }
    let inputs = render::from_env(&common::dsql_es(), None).unwrap().inputs;
    for name in render::Values::from_inputs(&inputs).names() {
        assert!(text.contains(&format!("${{{name}}}")), "docs/render.md does not list placeholder ${{{name}}}");
    }
}
