//! Writing: atomic with mode 0640, no-op when unchanged, refuses to replace
//! different content without force, and nothing at all when validation fails.

mod common;

use std::os::unix::fs::PermissionsExt;

#[test]
fn writes_with_mode_0640_and_is_a_noop_when_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config/docker.yaml");
    let rendered = render::render_env(&common::dsql_es(), None).unwrap();
    assert_eq!(render::write(&path, &rendered.text, false).unwrap(), render::WriteOutcome::Written);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), rendered.text);
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    assert_eq!(render::write(&path, &rendered.text, false).unwrap(), render::WriteOutcome::Unchanged);
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), before);
}

#[test]
fn different_content_needs_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("docker.yaml");
    std::fs::write(&path, "old: config\n").unwrap();
    let rendered = render::render_env(&common::dsql_es(), None).unwrap();
    let err = render::write(&path, &rendered.text, false).unwrap_err();
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old: config\n");
    assert_eq!(render::write(&path, &rendered.text, true).unwrap(), render::WriteOutcome::Written);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), rendered.text);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");
}
