//! The library entry point `up` uses: `install` against a private
//! PostgreSQL puts all 37 Temporal tables in place, reports progress, and a
//! second call is a no-op.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pgconn::{ConnectOptions, SslMode};
use schema::{Dialect, Event, Target, Versioned};
use testkit::TestPostgres;

fn target(pg: &TestPostgres, events: Arc<Mutex<Vec<String>>>) -> Target {
    let mut connect = ConnectOptions::new("127.0.0.1", pg.port, "postgres", "postgres");
    connect.sslmode = SslMode::Disable;
    Target {
        connect,
        database: "temporal".into(),
        default_db: "postgres".into(),
        dialect: None,
        index_timeout: Duration::from_secs(30),
        progress: Arc::new(move |e: &Event| {
            if let Event::Statement { summary, skipped, .. } = e {
                events.lock().unwrap().push(format!("{skipped} {summary}"));
            }
        }),
    }
}

#[tokio::test]
async fn install_is_complete_and_idempotent() {
    let pg = TestPostgres::start();
    let events = Arc::new(Mutex::new(Vec::new()));
    let target = target(&pg, events.clone());
    let source = Versioned::embedded(schema::TEMPORAL_DSQL).unwrap();

    let first = schema::install(&target, &source).await.unwrap();
    assert_eq!(first.created.dialect, Dialect::Postgres);
    assert!(first.created.created);
    assert_eq!(first.update.from.as_str(), "0.0");
    assert!(first.update.to >= "1.19".parse().unwrap());
    assert_eq!(schema::temporal_tables(&target).await.unwrap().len(), 37);
    let ran = events.lock().unwrap().len();
    assert!(ran >= 37 + 7, "one event per statement, got {ran}");
    assert!(events.lock().unwrap().iter().all(|e| e.starts_with("false")), "nothing existed yet");

    let second = schema::install(&target, &source).await.unwrap();
    assert!(!second.created.created);
    assert!(second.update.applied.is_empty());
    assert_eq!(second.update.from, first.update.to);
    assert_eq!(events.lock().unwrap().len(), ran, "a second install runs no schema statements");
    let (_, version) = schema::version(&target).await.unwrap();
    assert_eq!(version, Some(first.update.to.clone()));
}
