//! Who may connect and the limits, each shrunk through `[emulator]` so the
//! tests are fast: token checks (action per role, expiry with DSQL's hint,
//! wrong database), login roles, connection rate, connection lifetime,
//! transaction age, the row cap and the transaction size.

mod common;

use std::time::{Duration, SystemTime};

use common::{REGION, db_error, token_for};
use dsql::token::{TokenAction, TokenParams};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_checked_like_dsql() {
    let emu = common::start().await;
    let host = emu.config.hostname.clone();

    // DbConnect is not enough for admin.
    let wrong_action = token_for(&emu.config, "admin", TokenParams::new(&host, REGION, TokenAction::DbConnect));
    let err = emu.connect("admin", &wrong_action).await.unwrap_err();
    assert_eq!(db_error(&err).1, "unable to accept connection, access denied");

    // Expired: DSQL's hint says so.
    let mut stale = TokenParams::new(&host, REGION, TokenAction::DbConnectAdmin);
    stale.signing_time = Some(SystemTime::now() - Duration::from_secs(3600));
    let err = emu.connect("admin", &token_for(&emu.config, "admin", stale)).await.unwrap_err();
    let hint = err.as_db_error().and_then(|d| d.hint().map(str::to_string));
    assert_eq!(hint.as_deref(), Some("Signature expired"), "{err}");

    // Signed for another host or region, or with another secret.
    let other_host =
        token_for(&emu.config, "admin", TokenParams::new("elsewhere.example", REGION, TokenAction::DbConnectAdmin));
    assert!(emu.connect("admin", &other_host).await.is_err());
    let mut other_secret = emu.config.clone();
    other_secret.secret_access_key = "not-the-emulators".into();
    let forged = token_for(&other_secret, "admin", TokenParams::new(&host, REGION, TokenAction::DbConnectAdmin));
    assert!(emu.connect("admin", &forged).await.is_err());

    // A role must exist WITH LOGIN; then it connects with DbConnect.
    let err = emu.connect("app", &emu.token("app")).await.unwrap_err();
    assert_eq!(db_error(&err).1, "unable to accept connection, access denied");
    let admin = emu.admin().await;
    admin.batch_execute("CREATE ROLE app WITH LOGIN").await.unwrap();
    let app = emu.connect("app", &emu.token("app")).await.expect("login role connects");
    let who: String = app.query_one("SELECT current_user::text", &[]).await.unwrap().get(0);
    assert_eq!(who, "app");

    // The private cluster's superuser is not a login role, whatever the token.
    let err = emu.connect("postgres", &emu.token("postgres")).await.unwrap_err();
    assert_eq!(db_error(&err).1, "unable to accept connection, access denied");
    // admin (CREATEROLE underneath) cannot reach the OS user's files and programs.
    let err = admin.batch_execute("GRANT pg_execute_server_program TO admin").await.unwrap_err();
    assert_eq!(
        db_error(&err),
        ("42501".into(), "permission denied to grant role \"pg_execute_server_program\"".into())
    );
    let err = admin.batch_execute("CREATE ROLE sneaky LOGIN IN ROLE pg_read_server_files").await.unwrap_err();
    assert_eq!(db_error(&err).0, "42501");

    // Only database postgres.
    let mut cfg = tokio_postgres::Config::new();
    cfg.host(&host)
        .hostaddr("127.0.0.1".parse().unwrap())
        .port(emu.port())
        .user("admin")
        .password(emu.token("admin"))
        .dbname("other")
        .ssl_mode(tokio_postgres::config::SslMode::Require);
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(common::tls_config(&emu.emulator.info().ca_file));
    let err = cfg.connect(tls).await.err().expect("database other is refused");
    assert_eq!(db_error(&err).0, "3D000");
    emu.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_are_configurable_and_enforced() {
    let mut config = common::test_config();
    config.max_rows_per_transaction = 5;
    config.max_transaction_age_secs = 1;
    config.max_connection_lifetime_secs = 2;
    config.connection_rate_per_sec = 1;
    config.connection_burst = 4;
    let emu = common::start_with(config).await;
    let client = emu.admin().await;
    client.batch_execute("CREATE TABLE t (id int)").await.unwrap();

    // Row cap: 5 allowed, the statement crossing it fails and aborts the transaction.
    client.batch_execute("INSERT INTO t SELECT generate_series(1, 5)").await.unwrap();
    let err = client.batch_execute("INSERT INTO t SELECT generate_series(1, 6)").await.unwrap_err();
    assert_eq!(db_error(&err), ("54000".into(), "transaction row limit exceeded".into()));
    client.batch_execute("BEGIN; INSERT INTO t VALUES (1), (2), (3)").await.unwrap();
    let err = client.batch_execute("INSERT INTO t VALUES (4), (5), (6)").await.unwrap_err();
    assert_eq!(db_error(&err).0, "54000");
    client.batch_execute("ROLLBACK").await.unwrap();

    // Transaction age.
    client.batch_execute("BEGIN").await.unwrap();
    client.batch_execute("SELECT 1").await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let err = client.batch_execute("SELECT 1").await.unwrap_err();
    assert_eq!(db_error(&err), ("54000".into(), "transaction age limit of 1s exceeded".into()));
    client.batch_execute("ROLLBACK").await.unwrap();

    // Connection lifetime: the session is closed once it is over.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(client.batch_execute("SELECT 1").await.is_err(), "connection outlived its lifetime");

    // Connection rate: the burst (4, one used above) then 53400.
    let mut refused = None;
    for _ in 0..6 {
        if let Err(e) = emu.connect("admin", &emu.token("admin")).await {
            refused = Some(db_error(&e));
            break;
        }
    }
    assert_eq!(refused, Some(("53400".into(), "Unable to accept connection, rate exceeded.".into())));
    emu.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transaction_size_is_checked_at_commit() {
    let mut config = common::test_config();
    config.max_transaction_bytes = 1024 * 1024;
    let emu = common::start_with(config).await;
    let client = emu.admin().await;
    client.batch_execute("CREATE TABLE big (id int PRIMARY KEY, v text)").await.unwrap();
    // ~1,050 bytes per row.
    let insert = |from: i32, rows: i32| {
        format!(
            "INSERT INTO big SELECT i, repeat(md5(i::text), 32) FROM generate_series({from}, {}) AS i",
            from + rows - 1
        )
    };

    // ~630 kB of rows: under the 1 MiB cap.
    client.batch_execute(&format!("BEGIN; {}; COMMIT", insert(1, 600))).await.unwrap();
    assert_eq!(rows_in_big(&client).await, 600);

    // Another ~630 kB in one transaction passes the cap, yet only COMMIT
    // fails, as on DSQL.
    client.batch_execute(&format!("BEGIN; {}", insert(601, 600))).await.expect("the statement itself succeeds");
    client.batch_execute(&format!("{}; SELECT 1", insert(1201, 600))).await.expect("the transaction goes on");
    let err = client.batch_execute("COMMIT").await.unwrap_err();
    assert_eq!(db_error(&err), ("54000".into(), "transaction size limit 1mb exceeded".into()));
    assert_eq!(rows_in_big(&client).await, 600, "nothing of the oversized transaction is kept");

    // Index entries count: with an index on v each row also writes a ~1 kB
    // entry, so 600 rows that fit alone no longer do, until it is dropped.
    client.batch_execute("CREATE INDEX ASYNC big_v ON big (v)").await.unwrap();
    client.batch_execute(&format!("BEGIN; {}", insert(601, 600))).await.unwrap();
    let err = client.batch_execute("COMMIT").await.unwrap_err();
    assert_eq!(db_error(&err).0, "54000", "index entries were not counted");
    client.batch_execute("DROP INDEX big_v").await.unwrap();
    client.batch_execute(&format!("BEGIN; {}; COMMIT", insert(601, 600))).await.expect("fits without the index");
    assert_eq!(rows_in_big(&client).await, 1200);

    // Autocommit: the statement is its own COMMIT.
    let err = client.batch_execute(&insert(1201, 1200)).await.unwrap_err();
    assert_eq!(db_error(&err).0, "54000");
    // DSQL's wording at the default cap; other caps in bytes.
    let row = client.query_one("SELECT sys.__size_cap_label(10485760), sys.__size_cap_label(1000)", &[]).await.unwrap();
    assert_eq!((row.get::<_, String>(0), row.get::<_, String>(1)), ("10mb".into(), "1000 bytes".into()));
    // Deletes write no row versions.
    client.batch_execute("DELETE FROM big").await.unwrap();
    assert_eq!(rows_in_big(&client).await, 0);
    emu.emulator.shutdown().await;
}

async fn rows_in_big(client: &tokio_postgres::Client) -> i64 {
    client.query_one("SELECT count(*) FROM big", &[]).await.unwrap().get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_of_an_over_age_transaction_fails_and_then_ends_it() {
    let mut config = common::test_config();
    config.max_transaction_age_secs = 1;
    let emu = common::start_with(config).await;
    let client = emu.admin().await;
    client.batch_execute("CREATE TABLE t (id int)").await.unwrap();
    client.batch_execute("BEGIN; INSERT INTO t VALUES (42)").await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let err = client.batch_execute("COMMIT").await.unwrap_err();
    assert_eq!(db_error(&err), ("54000".into(), "transaction age limit of 1s exceeded".into()));
    // A second COMMIT ends the failed transaction (answering ROLLBACK)
    // instead of leaving the session stuck in it.
    client.batch_execute("COMMIT").await.expect("COMMIT ends the failed transaction");
    let kept: i64 = client.query_one("SELECT count(*) FROM t", &[]).await.unwrap().get(0);
    assert_eq!(kept, 0);
    emu.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_connections_caps_client_sessions() {
    let mut config = common::test_config();
    config.max_connections = 3;
    let emu = common::start_with(config).await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(emu.admin().await);
    }
    let err = emu.connect("admin", &emu.token("admin")).await.expect_err("a fourth session is refused");
    assert_eq!(db_error(&err).0, "53300");
    // A slot comes free when a session ends.
    drop(open.pop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = emu.connect("admin", &emu.token("admin")).await;
    assert!(again.is_ok(), "{:?}", again.err());
    emu.emulator.shutdown().await;
}
