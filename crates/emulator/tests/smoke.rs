//! The emulator end to end: TLS + IAM token login, DSQL refusals,
//! transaction rules, ASYNC indexes and sys.jobs.

mod common;

use common::db_error;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_logs_in_with_a_token_and_dsql_rules_apply() {
    let emu = common::start().await;
    let client = emu.admin().await;
    let row = client.query_one("SELECT current_user::text, current_setting('transaction_isolation')", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "admin");
    assert_eq!(row.get::<_, String>(1), "repeatable read");

    let err = client.batch_execute("TRUNCATE foo").await.unwrap_err();
    assert_eq!(db_error(&err), ("0A000".into(), "unsupported statement: Truncate".into()));

    client.batch_execute("CREATE TABLE t (id int PRIMARY KEY, v text)").await.unwrap();
    let rows = client.query("CREATE INDEX ASYNC t_v ON t (v)", &[]).await.unwrap();
    let job: String = rows[0].get("job_id");
    assert_eq!(job.len(), 26);
    client.batch_execute(&format!("CALL sys.wait_for_job('{job}')")).await.unwrap();
    let n: i64 = client.query_one("SELECT count(*) FROM sys.jobs WHERE job_id = $1", &[&job]).await.unwrap().get(0);
    assert_eq!(n, 1);

    client.batch_execute("BEGIN").await.unwrap();
    client.batch_execute("CREATE TABLE t2 (id int)").await.unwrap();
    let err = client.batch_execute("INSERT INTO t VALUES (1, 'a')").await.unwrap_err();
    assert_eq!(db_error(&err).1, "ddl and dml are not supported in the same transaction");
    let err = client.batch_execute("SELECT 1").await.unwrap_err();
    assert_eq!(db_error(&err).0, "25P02");
    client.batch_execute("ROLLBACK").await.unwrap();
    emu.emulator.shutdown().await;
}
