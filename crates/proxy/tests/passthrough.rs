//! A real PostgreSQL behind a forward-everything proxy: queries of both
//! protocols give the same answers as a direct connection.

mod common;

use proxy::{ForwardAll, ProxyConfig};
use tokio_postgres::SimpleQueryMessage;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_and_extended_queries_pass_through() {
    let h = common::start(ForwardAll, ProxyConfig::default()).await;
    let client = h.client().await;

    let rows = client.simple_query("select 1 as one; select 'two'").await.unwrap();
    let values: Vec<String> = rows
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
            _ => None,
        })
        .collect();
    assert_eq!(values, vec!["1", "two"]);

    client.batch_execute("create table t (id int primary key, v text)").await.unwrap();
    let n = client.execute("insert into t values ($1, $2), ($3, $4)", &[&1i32, &"a", &2i32, &"b"]).await.unwrap();
    assert_eq!(n, 2);
    let row = client.query_one("select v from t where id = $1", &[&2i32]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "b");

    let err = client.simple_query("select * from missing_table").await.unwrap_err();
    assert_eq!(err.as_db_error().unwrap().code().code(), "42P01");
    // The session still works after an error.
    let row = client.query_one("select count(*) from t", &[]).await.unwrap();
    assert_eq!(row.get::<_, i64>(0), 2);

    // Large messages both ways (buffers grow in steps, frames stay intact).
    let big = "y".repeat(3_000_000);
    let row = client.query_one("select length($1::text), repeat('x', 5000000)", &[&big]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 3_000_000);
    assert_eq!(row.get::<_, String>(1).len(), 5_000_000);
    let rows = client.simple_query(&format!("select length('{big}')")).await.unwrap();
    assert!(matches!(&rows[1], SimpleQueryMessage::Row(r) if r.get(0) == Some("3000000")));

    assert!(h.proxy.metrics().statements_total.load(std::sync::atomic::Ordering::Relaxed) >= 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_settings_reach_the_upstream_and_sessions_are_reset() {
    let h = common::start(ForwardAll, ProxyConfig::default()).await;
    let conn_str = format!("{} application_name=probe options='-c search_path=pg_catalog'", h.conn_str());
    let (client, conn) = tokio_postgres::connect(&conn_str, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let row = client
        .query_one("select current_setting('application_name'), current_setting('search_path')", &[])
        .await
        .unwrap();
    assert_eq!((row.get::<_, String>(0), row.get::<_, String>(1)), ("probe".into(), "pg_catalog".into()));
    client.batch_execute("set work_mem = '7MB'").await.unwrap();
    drop(client);

    // The next session reuses the upstream, after DISCARD ALL.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let client = h.client().await;
    let row = client.query_one("select current_setting('work_mem')", &[]).await.unwrap();
    assert_ne!(row.get::<_, String>(0), "7MB");
    let reuses = h.proxy.metrics().pool_reuses_total.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(reuses, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_requests_reach_the_upstream_session() {
    let h = common::start(ForwardAll, ProxyConfig::default()).await;
    let client = h.client().await;
    let token = client.cancel_token();
    let slow = tokio::spawn(async move { client.simple_query("select pg_sleep(20)").await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    token.cancel_query(tokio_postgres::NoTls).await.unwrap();
    let result =
        tokio::time::timeout(std::time::Duration::from_secs(5), slow).await.expect("cancelled promptly").unwrap();
    let err = result.unwrap_err();
    assert_eq!(err.as_db_error().map(|e| e.code().code()), Some("57014"), "{err}");
    assert_eq!(h.proxy.metrics().cancel_requests_total.load(std::sync::atomic::Ordering::Relaxed), 1);
}
