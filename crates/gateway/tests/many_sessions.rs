//! 1,000 client sessions held open at the same time through one gateway
//! (session pooling: 1,000 upstream sessions on a PostgreSQL whose
//! max_connections is raised for it).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use common::*;
use pgcluster::{Auth, Cluster, InitOptions};

const SESSIONS: usize = 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_sessions() {
    let dir = tempfile::Builder::new().prefix("gateway-1000-").tempdir().expect("dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let cluster = Cluster::new(pgcluster::find_bin_dir().expect("postgres"), dir.path().join("data")).expect("cluster");
    cluster.init(&InitOptions { superuser: "postgres".into(), auth: Auth::Trust }).expect("initdb");
    let port = pgcluster::free_port().expect("port");
    let mut server = cluster
        .start(port, &[("max_connections", "1100"), ("shared_buffers", "32MB")], Duration::from_secs(60))
        .expect("postgres with max_connections 1100");

    let mut s = base_settings("127.0.0.1", port);
    s.reservoir.max_per_identity = SESSIONS + 10;
    s.reservoir.checkout_timeout = Duration::from_secs(60);
    let gw = start(s).await;
    let gport = gw.addr().port();

    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(SESSIONS + 1));
    let release = std::sync::Arc::new(tokio::sync::Barrier::new(SESSIONS + 1));
    let mut tasks = Vec::with_capacity(SESSIONS);
    for i in 0..SESSIONS {
        let barrier = barrier.clone();
        let release = release.clone();
        tasks.push(tokio::spawn(async move {
            let mut cfg = tokio_postgres::Config::new();
            cfg.host("127.0.0.1")
                .port(gport)
                .user("postgres")
                .dbname("postgres")
                .connect_timeout(Duration::from_secs(60));
            let (c, conn) = cfg.connect(tokio_postgres::NoTls).await?;
            tokio::spawn(conn);
            let n: i32 = c.query_one("SELECT $1::int4 + 1", &[&(i as i32)]).await?.get(0);
            assert_eq!(n, i as i32 + 1);
            barrier.wait().await; // every session is open at once here
            release.wait().await;
            c.simple_query("SELECT 1").await?;
            Ok::<_, tokio_postgres::Error>(())
        }));
    }
    tokio::time::timeout(Duration::from_secs(120), barrier.wait()).await.expect("all sessions open within 2 minutes");
    assert_eq!(gw.metrics().proxy.client_sessions_active.load(Relaxed), SESSIONS as i64);
    release.wait().await;
    for t in tasks {
        t.await.expect("task").expect("session");
    }
    drop(gw);
    let _ = server.stop(Duration::from_secs(30));
}
