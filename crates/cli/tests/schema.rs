//! `dsql-deploy schema` against a private PostgreSQL: the whole Temporal
//! schema from zero to newest, reruns, drop and recreate, and finishing a
//! version after a failure half-way through it.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use testkit::TestPostgres;

/// Temporal's 37 persistence tables (temporalio/temporal
/// schema/postgresql/v12/temporal/schema.sql, version 1.19).
const TEMPORAL_TABLES: [&str; 37] = [
    "activity_info_maps",
    "buffered_events",
    "build_id_to_task_queue",
    "chasm_node_maps",
    "child_execution_info_maps",
    "cluster_membership",
    "cluster_metadata_info",
    "current_chasm_executions",
    "current_executions",
    "executions",
    "history_immediate_tasks",
    "history_node",
    "history_scheduled_tasks",
    "history_tree",
    "namespace_metadata",
    "namespaces",
    "nexus_endpoints",
    "nexus_endpoints_partition_status",
    "queue",
    "queue_messages",
    "queue_metadata",
    "queues",
    "replication_tasks",
    "replication_tasks_dlq",
    "request_cancel_info_maps",
    "shards",
    "signal_info_maps",
    "signals_requested_sets",
    "task_queue_user_data",
    "task_queues",
    "task_queues_v2",
    "tasks",
    "tasks_v2",
    "timer_info_maps",
    "timer_tasks",
    "transfer_tasks",
    "visibility_tasks",
];

fn schema(pg: &TestPostgres, args: &[&str]) -> Output {
    Command::cargo_bin("dsql-deploy")
        .unwrap()
        .env_remove("SQL_HOST")
        .env_remove("SQL_DATABASE")
        .env_remove("SQL_USER")
        .env_remove("SQL_PASSWORD")
        .current_dir(std::env::temp_dir())
        .args(["schema", "--ep", "127.0.0.1", "-p", &pg.port.to_string(), "-u", "postgres", "--sslmode", "disable"])
        .args(args)
        .output()
        .unwrap()
}

fn ok(pg: &TestPostgres, args: &[&str]) -> String {
    let out = schema(pg, args);
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn psql(pg: &TestPostgres, db: &str, sql: &str) -> String {
    let bin = pgcluster::find_bin_dir().unwrap().tool("psql");
    let out = std::process::Command::new(bin)
        .args(["-h", "127.0.0.1", "-p", &pg.port.to_string(), "-U", "postgres", "-d", db, "-XAtc", sql])
        .output()
        .unwrap();
    assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn tables(pg: &TestPostgres, db: &str) -> Vec<String> {
    psql(pg, db, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")
        .lines()
        .map(str::to_string)
        .collect()
}

fn newest_embedded_version() -> String {
    let dir = testkit::repo_root().join("schema/dsql/v12/temporal/versioned");
    let mut versions: Vec<Vec<u64>> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy()[1..].split('.').map(|p| p.parse().unwrap()).collect())
        .collect();
    versions.sort();
    versions.last().unwrap().iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

fn install(pg: &TestPostgres) {
    ok(pg, &["create-database"]);
    ok(pg, &["setup-schema", "-v", "0"]);
    ok(pg, &["update-schema", "-s", "dsql/v12/temporal"]);
}

#[test]
fn full_setup_from_zero_to_newest_then_rerun_then_drop_and_recreate() {
    let pg = TestPostgres::start();
    let newest = newest_embedded_version();
    assert!(newest.split('.').nth(1).unwrap().parse::<u32>().unwrap() >= 19, "newest is {newest}");

    install(&pg);
    let mut expected: Vec<String> = TEMPORAL_TABLES.iter().map(|t| t.to_string()).collect();
    expected.extend(["schema_update_history".to_string(), "schema_version".to_string()]);
    expected.sort();
    assert_eq!(tables(&pg, "temporal"), expected);
    assert_eq!(
        psql(&pg, "temporal", "SELECT db_name, curr_version, min_compatible_version FROM schema_version"),
        format!("temporal|{newest}|1.0")
    );
    assert_eq!(
        psql(
            &pg,
            "temporal",
            "SELECT old_version || '>' || new_version FROM schema_update_history ORDER BY update_time"
        ),
        format!("0>0\n0>{newest}")
    );
    // What Temporal's version check reads, through the tool.
    assert_eq!(ok(&pg, &["version"]).trim(), newest);
    // DSQL adaptations survive on PostgreSQL: UUID keys, identity, unique indexes.
    assert_eq!(
        psql(
            &pg,
            "temporal",
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'executions' AND column_name = 'run_id'"
        ),
        "uuid"
    );
    assert_eq!(
        psql(
            &pg,
            "temporal",
            "SELECT is_identity FROM information_schema.columns WHERE table_name = 'buffered_events' AND column_name = 'id'"
        ),
        "YES"
    );
    assert_eq!(
        psql(
            &pg,
            "temporal",
            "SELECT indexdef LIKE 'CREATE UNIQUE INDEX%' FROM pg_indexes WHERE indexname = 'namespaces_name_key'"
        ),
        "t"
    );
    assert_eq!(psql(&pg, "temporal", "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'cm_idx_%'"), "5");
    assert_eq!(
        psql(&pg, "temporal", "SELECT notification_version FROM namespace_metadata WHERE partition_id = 54321"),
        "1"
    );

    // Rerun: every command succeeds and changes nothing.
    install(&pg);
    assert!(ok(&pg, &["update-schema", "-s", "dsql/v12/temporal"]).contains("up to date"));
    assert_eq!(tables(&pg, "temporal"), expected);
    assert_eq!(psql(&pg, "temporal", "SELECT count(*) FROM schema_update_history"), "2");
    assert_eq!(psql(&pg, "temporal", "SELECT curr_version FROM schema_version"), newest);

    // Drop (forced), then recreate with the full schema file in one go.
    assert!(ok(&pg, &["drop-database", "-f"]).contains("dropped database temporal"));
    assert_eq!(psql(&pg, "postgres", "SELECT count(*) FROM pg_database WHERE datname = 'temporal'"), "0");
    assert!(ok(&pg, &["drop-database", "-f"]).contains("nothing to drop"));
    ok(&pg, &["create-database"]);
    ok(&pg, &["setup-schema", "-v", &newest, "-s", "dsql/v12/temporal"]);
    assert_eq!(tables(&pg, "temporal"), expected);
    assert!(ok(&pg, &["update-schema", "-s", "dsql/v12/temporal"]).contains("up to date"));
}

#[test]
fn a_version_that_failed_half_way_is_finished_by_a_rerun() {
    let pg = TestPostgres::start();
    let dir = tempfile::tempdir().unwrap();
    let v1 = dir.path().join("v1.0");
    std::fs::create_dir(&v1).unwrap();
    write_manifest(&v1, "1.0", "0.1", &["a.sql"]);
    let good = "CREATE TABLE IF NOT EXISTS one (id BIGINT PRIMARY KEY);\n\
                CREATE INDEX ASYNC IF NOT EXISTS one_id ON one (id);\n\
                CREATE TABLE IF NOT EXISTS two (id BIGINT PRIMARY KEY);\n";
    // The second table references a type that does not exist: fails after `one` was made.
    std::fs::write(v1.join("a.sql"), good.replace("two (id BIGINT", "two (id NO_SUCH_TYPE")).unwrap();

    ok(&pg, &["--db", "app", "create-database"]);
    ok(&pg, &["--db", "app", "setup-schema", "-v", "0"]);
    let out = schema(&pg, &["--db", "app", "update-schema", "-d", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a.sql:3:1") && err.contains("42704"), "{err}");
    assert_eq!(psql(&pg, "app", "SELECT curr_version FROM schema_version"), "0");
    assert_eq!(tables(&pg, "app"), ["one", "schema_update_history", "schema_version"]);

    std::fs::write(v1.join("a.sql"), good).unwrap();
    ok(&pg, &["--db", "app", "update-schema", "-d", dir.path().to_str().unwrap()]);
    assert_eq!(psql(&pg, "app", "SELECT curr_version FROM schema_version"), "1.0");
    assert_eq!(tables(&pg, "app"), ["one", "schema_update_history", "schema_version", "two"]);
    assert_eq!(psql(&pg, "app", "SELECT count(*) FROM pg_indexes WHERE indexname = 'one_id'"), "1");
}

#[test]
fn update_stops_at_a_target_and_refuses_to_go_back() {
    let pg = TestPostgres::start();
    let dir = tempfile::tempdir().unwrap();
    for (v, table) in [("1.0", "a"), ("1.1", "b"), ("1.2", "c")] {
        let d = dir.path().join(format!("v{v}"));
        std::fs::create_dir(&d).unwrap();
        write_manifest(&d, v, "1.0", &["t.sql"]);
        std::fs::write(d.join("t.sql"), format!("CREATE TABLE {table} (id INT PRIMARY KEY);")).unwrap();
    }
    let d = dir.path().to_str().unwrap();
    ok(&pg, &["--db", "app", "create-database"]);
    ok(&pg, &["--db", "app", "setup-schema", "-v", "0"]);
    ok(&pg, &["--db", "app", "update-schema", "-d", d, "-v", "1.1"]);
    assert_eq!(psql(&pg, "app", "SELECT curr_version FROM schema_version"), "1.1");
    assert_eq!(tables(&pg, "app"), ["a", "b", "schema_update_history", "schema_version"]);

    let out = schema(&pg, &["--db", "app", "update-schema", "-d", d, "-v", "1.0"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("older than the recorded version 1.1"), "{err}");

    ok(&pg, &["--db", "app", "update-schema", "-d", d]);
    assert_eq!(psql(&pg, "app", "SELECT curr_version FROM schema_version"), "1.2");
}

pub fn write_manifest(dir: &Path, version: &str, min: &str, files: &[&str]) {
    let files: Vec<String> = files.iter().map(|f| format!("{f:?}")).collect();
    let json = format!(
        "{{\"CurrVersion\": \"{version}\", \"MinCompatibleVersion\": \"{min}\", \"Description\": \"test\", \"SchemaUpdateCqlFiles\": [{}]}}",
        files.join(", ")
    );
    std::fs::write(dir.join("manifest.json"), json).unwrap();
}
