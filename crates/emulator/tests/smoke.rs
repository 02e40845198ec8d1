//! The emulator end to end: TLS + IAM token login, DSQL refusals,
//! transaction rules, ASYNC indexes and sys.jobs.

mod common;

use common::db_error;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_logs_in_with_a_token_and_dsql_rules_apply() {
    let emu = common::start().await;
    let client = emu.admin().await;
    let row =
        client.query_one("SELECT current_user::text, current_setting('transaction_isolation')", &[]).await.unwrap();
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

    // A refused statement with parameters, in the extended protocol.
    let err = client.query("SELECT id FROM t WHERE id = $1 FOR SHARE", &[&1i32]).await.unwrap_err();
    assert_eq!(db_error(&err).0, "0A000", "{err}");
    // Temporal's ReadLockShards form is refused as on DSQL; the session stays usable.
    let one: i32 = client.query_one("SELECT $1::int", &[&1i32]).await.unwrap().get(0);
    assert_eq!(one, 1);

    // Conflicts: the second writer of a row gets 40001 (OC000), not a lock wait.
    let other = emu.admin().await;
    client.batch_execute("INSERT INTO t VALUES (1, 'a')").await.unwrap();
    client.batch_execute("BEGIN; UPDATE t SET v = 'x' WHERE id = 1").await.unwrap();
    other.batch_execute("BEGIN").await.unwrap();
    let err = other.batch_execute("UPDATE t SET v = 'y' WHERE id = 1").await.unwrap_err();
    assert_eq!(db_error(&err), ("40001".into(), "change conflicts with another transaction (OC000)".into()));
    other.batch_execute("ROLLBACK").await.unwrap();
    client.batch_execute("COMMIT").await.unwrap();

    client.batch_execute("BEGIN").await.unwrap();
    client.batch_execute("CREATE TABLE t2 (id int)").await.unwrap();
    // Refused before the row is tried: no duplicate-key error for id 1.
    let err = client.batch_execute("INSERT INTO t VALUES (1, 'a')").await.unwrap_err();
    assert_eq!(db_error(&err).1, "ddl and dml are not supported in the same transaction");
    let err = client.batch_execute("SELECT 1").await.unwrap_err();
    assert_eq!(db_error(&err).0, "25P02");
    client.batch_execute("ROLLBACK").await.unwrap();
    emu.emulator.shutdown().await;
}
