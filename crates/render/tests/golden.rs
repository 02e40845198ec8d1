//! Golden output for every template combination. A change to a template
//! shows up here as a diff; regenerate deliberately with
//! `UPDATE_GOLDEN=1 cargo nextest run -p render --test golden`.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;

fn golden(name: &str, env: HashMap<String, String>, want_template: &str) {
    let rendered = render::render_env(&env, None).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(rendered.template, want_template, "{name}: the environment picks the template");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(format!("{name}.yaml"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &rendered.text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; create it with UPDATE_GOLDEN=1", path.display()));
    if rendered.text != want {
        let diff: Vec<String> = want
            .lines()
            .zip(rendered.text.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| format!("line {}:\n  golden:   {a}\n  rendered: {b}", i + 1))
            .collect();
        panic!(
            "{name} differs from {} ({} vs {} lines)\n{}\nregenerate with UPDATE_GOLDEN=1 if the change is intended",
            path.display(),
            want.lines().count(),
            rendered.text.lines().count(),
            diff.join("\n")
        );
    }
}

#[test]
fn dsql_with_elasticsearch() {
    golden("dsql-elasticsearch", common::dsql_es(), "dsql-elasticsearch");
}

#[test]
fn dsql_with_opensearch_signing() {
    golden("dsql-opensearch", common::dsql_os(), "dsql-opensearch");
}

#[test]
fn postgres12_with_elasticsearch_basic_auth() {
    golden("postgres12-elasticsearch", common::postgres12_es(), "postgres-elasticsearch");
}

#[test]
fn postgres12_pgx_with_opensearch_basic_auth() {
    golden("postgres12_pgx-opensearch", common::postgres12_pgx_os(), "postgres-opensearch");
}
