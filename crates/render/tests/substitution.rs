//! Strict substitution: unknown, malformed, quoted and embedded placeholders
//! fail; a password full of YAML specials survives the round trip; secrets
//! are masked in the check output.

mod common;

use std::io::Write;

fn inputs(env: &std::collections::HashMap<String, String>) -> render::Inputs {
    render::from_env(env, None).unwrap_or_else(|p| panic!("{p}")).inputs
}

/// The embedded dsql-elasticsearch text with one line changed.
fn altered(from: &str, to: &str) -> render::Template {
    let base = render::Template::named("dsql-elasticsearch").unwrap();
    assert!(base.text().contains(from), "fixture line {from:?} not in template");
    render::Template::from_text("altered", base.text().replacen(from, to, 1))
}

fn template_error(t: &render::Template) -> String {
    match render::render(&inputs(&common::dsql_es()), t) {
        Err(render::RenderError::Template { message, .. }) => message,
        Err(other) => panic!("expected a template error, got {other}"),
        Ok(_) => panic!("expected a template error, the render succeeded"),
    }
}

#[test]
fn unknown_placeholder_fails_and_names_it() {
    let msg = template_error(&altered("level: ${LOG_LEVEL}", "level: ${LOG_LEVL}"));
    assert!(msg.contains("unknown placeholder ${LOG_LEVL}"), "{msg}");
    assert!(msg.contains("LOG_LEVEL"), "lists the known names: {msg}");
}

#[test]
fn unclosed_placeholder_fails() {
    let msg = template_error(&altered("level: ${LOG_LEVEL}", "level: ${LOG_LEVEL"));
    assert!(msg.contains("unclosed placeholder"), "{msg}");
}

#[test]
fn lowercase_placeholder_fails() {
    let msg = template_error(&altered("level: ${LOG_LEVEL}", "level: ${log_level}"));
    assert!(msg.contains("not a placeholder name"), "{msg}");
}

#[test]
fn placeholder_inside_a_larger_value_fails() {
    let msg = template_error(&altered("connectAddr: ${SQL_CONNECT_ADDR}", "connectAddr: db-${SQL_USER}"));
    assert!(msg.contains("whole value"), "{msg}");
}

#[test]
fn quoted_placeholder_fails() {
    let msg = template_error(&altered("user: ${SQL_USER}", "user: \"${SQL_USER}\""));
    assert!(msg.contains("whole value") || msg.contains("quoted"), "{msg}");
}

#[test]
fn placeholder_in_a_comment_fails() {
    let msg = template_error(&altered("log:\n", "# uses ${LOG_LEVEL}\nlog:\n"));
    assert!(msg.contains("comment"), "{msg}");
}

#[test]
fn template_that_is_not_yaml_fails() {
    let msg = template_error(&altered("log:\n  stdout: true", "log:\n  stdout: [true"));
    assert!(msg.contains("not valid YAML"), "{msg}");
}

#[test]
fn output_missing_required_keys_is_refused() {
    let t = render::Template::from_text("tiny", "log:\n  level: ${LOG_LEVEL}\n");
    match render::render(&inputs(&common::dsql_es()), &t) {
        Err(render::RenderError::Output { message, .. }) => {
            for key in [
                "persistence.datastores",
                "persistence.defaultStore",
                "services.frontend.rpc.grpcPort",
                "dynamicConfigClient.filepath",
            ] {
                assert!(message.contains(key), "{key} not reported: {message}");
            }
        }
        other => panic!("expected an output error, got {other:?}"),
    }
}

#[test]
fn password_with_yaml_specials_round_trips() {
    let nasty = r#"p: #'"a\b {x}, [y] & *z ! | > % @ ` ${NOT_A_PLACEHOLDER} -- ? 0x1F true"#;
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "{nasty}").unwrap();
    let mut env = common::postgres12_es();
    env.insert("TEMPORAL_SQL_PASSWORD_FILE".into(), file.path().display().to_string());
    env.insert("TEMPORAL_ELASTICSEARCH_PASSWORD_FILE".into(), file.path().display().to_string());
    let rendered = render::render_env(&env, None).unwrap();
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&rendered.text).unwrap();
    let sql = &doc["persistence"]["datastores"]["default"]["sql"];
    assert_eq!(sql["password"].as_str(), Some(nasty));
    assert_eq!(doc["persistence"]["datastores"]["visibility"]["elasticsearch"]["password"].as_str(), Some(nasty));
    // Nothing else moved: the keys after the password are intact.
    assert_eq!(sql["maxConns"].as_u64(), Some(50));
}

#[test]
fn values_that_look_like_other_types_stay_strings() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "12345").unwrap();
    let mut env = common::postgres12_es();
    env.insert("TEMPORAL_SQL_PASSWORD_FILE".into(), file.path().display().to_string());
    env.insert("TEMPORAL_SQL_USER".into(), "true".into());
    env.insert("TEMPORAL_SQL_DATABASE".into(), "null".into());
    let rendered = render::render_env(&env, None).unwrap();
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&rendered.text).unwrap();
    let sql = &doc["persistence"]["datastores"]["default"]["sql"];
    assert_eq!(sql["password"].as_str(), Some("12345"));
    assert_eq!(sql["user"].as_str(), Some("true"));
    assert_eq!(sql["databaseName"].as_str(), Some("null"));
}

#[test]
fn check_output_masks_every_secret() {
    let rendered = render::render_env(&common::postgres12_es(), None).unwrap();
    for secret in ["gateway-password", "es-password"] {
        assert!(rendered.text.contains(secret), "the real output carries {secret}");
        assert!(!rendered.masked.contains(secret), "{secret} leaked into the masked output");
    }
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&rendered.masked).unwrap();
    assert_eq!(doc["persistence"]["datastores"]["default"]["sql"]["password"].as_str(), Some(render::MASK));
    // Masking changes only the secrets.
    let differing = rendered.text.lines().zip(rendered.masked.lines()).filter(|(a, b)| a != b).count();
    assert_eq!(differing, 2);
}

#[test]
fn inputs_built_by_code_render_without_environment() {
    // What `up` does: the dsql plugin pointed at the local emulator.
    let mut inputs = inputs(&common::dsql_es());
    inputs.sql.host = "localhost".into();
    inputs.sql.port = 15432;
    inputs.sql.tls.ca_file = Some("/tmp/emulator/ca.pem".into());
    let rendered = render::render(&inputs, &render::Template::for_inputs(&inputs)).unwrap();
    assert!(rendered.text.contains("connectAddr: localhost:15432"), "{}", rendered.text);
    assert!(rendered.text.contains("caFile: /tmp/emulator/ca.pem"));
    inputs.sql.max_idle_conns = inputs.sql.max_conns + 1;
    assert!(matches!(
        render::render(&inputs, &render::Template::for_inputs(&inputs)),
        Err(render::RenderError::Invalid(_))
    ));
}

#[test]
fn password_file_readable_by_others_warns() {
    use std::os::unix::fs::PermissionsExt;
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "pw").unwrap();
    std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut env = common::postgres12_es();
    env.insert("TEMPORAL_SQL_PASSWORD_FILE".into(), file.path().display().to_string());
    let rendered = render::render_env(&env, None).unwrap();
    assert!(
        rendered.warnings.iter().any(|w| w.contains("TEMPORAL_SQL_PASSWORD_FILE") && w.contains("0644")),
        "{:?}",
        rendered.warnings
    );
    std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    let rendered = render::render_env(&env, None).unwrap();
    assert!(!rendered.warnings.iter().any(|w| w.contains("TEMPORAL_SQL_PASSWORD_FILE")), "{:?}", rendered.warnings);
}

#[test]
fn code_built_defaults_match_the_environment_defaults() {
    // The same defaults whether `up` builds the inputs or the environment does.
    let env = common::env(&[
        ("TEMPORAL_SQL_HOST", "localhost"),
        ("TEMPORAL_SQL_AWS_REGION", "us-east-1"),
        ("TEMPORAL_ELASTICSEARCH_HOST", "elasticsearch"),
    ]);
    let from_env = render::from_env(&env, None).unwrap().inputs;
    let by_code = render::Inputs::new(
        render::SqlInputs::new(render::Plugin::Dsql, "localhost", "us-east-1"),
        render::Visibility::elasticsearch("elasticsearch"),
    );
    assert_eq!(by_code, from_env);
}
