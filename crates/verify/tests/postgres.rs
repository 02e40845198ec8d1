//! verify against a real PostgreSQL holding the Temporal DSQL schema
//! (`schema/dsql/v12/temporal/schema.sql` with `ASYNC` dropped, as the schema
//! tool does on PostgreSQL): every operation passes and cleanup leaves no rows;
//! with a table missing, the operations that need it fail and name it.

use testkit::TestPostgres;
use verify::{Outcome, VerifyOptions};

fn schema_sql() -> String {
    let path = testkit::repo_root().join("schema/dsql/v12/temporal/schema.sql");
    std::fs::read_to_string(&path).expect("schema file").replace(" ASYNC", "")
}

async fn setup(pg: &TestPostgres, drop_table: Option<&str>) {
    let (client, conn) = tokio_postgres::connect(&pg.conn_str("postgres"), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.batch_execute("CREATE DATABASE temporal").await.unwrap();
    let (client, conn) = tokio_postgres::connect(&pg.conn_str("temporal"), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.batch_execute(&schema_sql()).await.unwrap();
    if let Some(table) = drop_table {
        client.batch_execute(&format!("DROP TABLE {table}")).await.unwrap();
    }
}

fn options(pg: &TestPostgres) -> VerifyOptions {
    let mut connect = pgconn::ConnectOptions::new("127.0.0.1", pg.port, "postgres", "postgres");
    connect.sslmode = pgconn::SslMode::Disable;
    VerifyOptions { connect, temporal_database: "temporal".into() }
}

async fn count_rows(pg: &TestPostgres, table: &str) -> i64 {
    let (client, conn) = tokio_postgres::connect(&pg.conn_str("temporal"), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client.query_one(&format!("SELECT count(*) FROM {table}"), &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn every_operation_passes_and_cleanup_removes_its_rows() {
    let pg = TestPostgres::start();
    setup(&pg, None).await;
    let report = verify::verify(&options(&pg)).await.expect("verify runs");
    for check in &report.checks {
        assert!(check.outcome.is_ok(), "{}: {:?}", check.name, check.outcome);
    }
    let names: Vec<&str> = report.checks.iter().map(|c| c.name).collect();
    for expected in ["create-namespace", "acquire-shard", "create-workflow-execution", "occ-conflict", "cleanup"] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    let occ = report.checks.iter().find(|c| c.name == "occ-conflict").unwrap();
    let Outcome::Ok { note: Some(note) } = &occ.outcome else { panic!("{:?}", occ.outcome) };
    assert!(note.contains("40001"), "{note}");
    for table in
        ["namespaces", "executions", "current_executions", "history_node", "shards", "tasks", "cluster_membership"]
    {
        assert_eq!(count_rows(&pg, table).await, 0, "{table} not cleaned up");
    }
}

#[tokio::test]
async fn a_missing_table_fails_the_operations_that_need_it_and_names_it() {
    let pg = TestPostgres::start();
    setup(&pg, Some("buffered_events")).await;
    let report = verify::verify(&options(&pg)).await.expect("verify runs");
    let failed: Vec<&str> = report.failed().map(|c| c.name).collect();
    assert_eq!(failed, ["buffered-events"], "{report:#?}");
    let check = report.failed().next().unwrap();
    let Outcome::Failed { sqlstate, message, hint } = &check.outcome else { unreachable!() };
    assert_eq!(sqlstate.as_deref(), Some("42P01"));
    assert!(message.contains("buffered_events"), "{message}");
    assert!(hint.contains("schema"), "{hint}");
}

#[tokio::test]
async fn unknown_temporal_database_is_a_clear_error() {
    let pg = TestPostgres::start();
    let mut opts = options(&pg);
    opts.temporal_database = "nope".into();
    let err = verify::verify(&opts).await.unwrap_err();
    assert!(err.to_string().contains("\"nope\" not found"), "{err}");
}
