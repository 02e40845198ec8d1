use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn template_documents_exactly_the_defaults() {
    let parsed = Config::from_toml_and_env("template", TEMPLATE, &[]).expect("template is valid");
    assert_eq!(parsed, Config::default());
}

#[test]
fn effective_config_round_trips_through_toml() {
    let text = Config::default().to_toml();
    let parsed = Config::from_toml_and_env("show", &text, &[]).unwrap();
    assert_eq!(parsed, Config::default());
}

#[test]
fn env_overrides_file_values_and_parses_literals() {
    let text = "[emulator]\nport = 6000\n";
    let cfg = Config::from_toml_and_env(
        "f",
        text,
        &env(&[
            ("DSQL_DEPLOY_EMULATOR_PORT", "6001"),
            ("DSQL_DEPLOY_PROJECT_NAME", "demo"),
            ("DSQL_DEPLOY_CONFIG", "x"),
        ]),
    )
    .unwrap();
    assert_eq!(cfg.emulator.port, 6001);
    assert_eq!(cfg.project.name, "demo");
}

#[test]
fn unknown_key_in_file_names_the_key_and_line() {
    let err = Config::from_toml_and_env("dsql-deploy.toml", "[emulator]\nprot = 1\n", &[]).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("dsql-deploy.toml") && msg.contains("prot") && msg.contains("line 2"), "{msg}");
}

#[test]
fn unknown_env_override_is_an_error() {
    let err = Config::from_toml_and_env("f", "", &env(&[("DSQL_DEPLOY_NOPE_X", "1")])).unwrap_err();
    assert!(err.to_string().contains("DSQL_DEPLOY_NOPE_X"), "{err}");
    let err = Config::from_toml_and_env("f", "", &env(&[("DSQL_DEPLOY_EMULATOR_PROT", "1")])).unwrap_err();
    assert!(err.to_string().contains("DSQL_DEPLOY_EMULATOR_PROT") && err.to_string().contains("prot"), "{err}");
}

#[test]
fn wrong_type_from_env_names_the_variable() {
    let err = Config::from_toml_and_env("f", "", &env(&[("DSQL_DEPLOY_EMULATOR_PORT", "many")])).unwrap_err();
    assert!(err.to_string().contains("DSQL_DEPLOY_EMULATOR_PORT"), "{err}");
}

#[test]
fn all_validation_problems_are_reported_together() {
    let text = "[project]\nname = \"Bad Name\"\nregion = \"mars\"\n[schema]\ndatabase = \"1x\"\n";
    let err = Config::from_toml_and_env("f", text, &[]).unwrap_err();
    let ConfigError::Invalid(problems) = &err else { panic!("{err}") };
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["project.name", "project.region", "schema.database"]);
}

#[test]
fn region_shapes() {
    assert!(is_region("us-east-1"));
    assert!(is_region("us-gov-west-1"));
    assert!(!is_region("useast1"));
    assert!(!is_region("us-east-x"));
}

#[test]
fn worker_threads_are_optional_but_never_zero() {
    let config = Config::from_toml_and_env("f", "", &env(&[("DSQL_DEPLOY_EMULATOR_WORKER_THREADS", "2")])).unwrap();
    assert_eq!(config.emulator.worker_threads, Some(2));
    assert_eq!(Config::from_toml_and_env("f", "", &[]).unwrap().emulator.worker_threads, None);
    let err = Config::from_toml_and_env("f", "[emulator]\nworker_threads = 0\n", &[]).unwrap_err();
    let ConfigError::Invalid(problems) = &err else { panic!("{err}") };
    assert_eq!(problems[0].key, "emulator.worker_threads");
    assert!(problems[0].to_string().contains("at least 1"), "{err}");
    let err = Config::from_toml_and_env("f", "[gateway]\nworker_threads = 0\n", &[]).unwrap_err();
    let ConfigError::Invalid(problems) = &err else { panic!("{err}") };
    assert_eq!(problems[0].key, "gateway.worker_threads");
}

#[test]
fn a_gateway_user_listed_twice_is_a_problem() {
    let text = "[[gateway.users]]\nname = \"u\"\npassword_env = \"A\"\n[[gateway.users]]\nname = \"u\"\npassword_env = \"B\"\n";
    let err = Config::from_toml_and_env("f", text, &[]).unwrap_err();
    let ConfigError::Invalid(problems) = &err else { panic!("{err}") };
    assert_eq!(problems[0].key, "gateway.users[1].name");
    assert!(problems[0].to_string().contains("already gateway.users[0]"), "{err}");
}

#[test]
fn a_host_name_as_listen_address_is_explained() {
    let err = Config::from_toml_and_env("f", "[gateway]\nlisten = \"localhost:16501\"\n", &[]).unwrap_err();
    let ConfigError::Invalid(problems) = &err else { panic!("{err}") };
    assert_eq!(problems[0].key, "gateway.listen");
    assert!(problems[0].to_string().contains("host names are not resolved"), "{err}");
}
