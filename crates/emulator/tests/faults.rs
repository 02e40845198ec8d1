//! Bad input and faults: garbage bytes, a 2 GiB length, a startup without a
//! user, plaintext when TLS is required, a client vanishing mid-transaction,
//! and PostgreSQL killed under the emulator. Each must end in an error (or a
//! closed connection), never a hang or a dead emulator.

mod common;

use std::time::Duration;

use bytes::{BufMut, BytesMut};
use common::raw::{RawClient, tls_stream};
use emulator::{Instance, Status};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wire::{Backend, Startup, StartupPacket};

const LIMIT: Duration = Duration::from_secs(10);

/// Reads until EOF; returns everything the server said.
async fn read_to_close(stream: &mut (impl AsyncReadExt + Unpin)) -> Vec<u8> {
    let mut all = Vec::new();
    let _ = tokio::time::timeout(LIMIT, stream.read_to_end(&mut all)).await.expect("server closes, no hang");
    all
}

/// The emulator still serves a normal client.
async fn still_serves(emu: &common::TestEmulator) {
    let client = emu.admin().await;
    let one: i32 = client.query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(one, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_input_is_refused_without_harm() {
    let emu = common::start().await;
    let port = emu.port();

    // Garbage instead of a startup packet.
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff\xfe garbage").await.unwrap();
    read_to_close(&mut tcp).await;

    // A startup length of 2 GiB.
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    tcp.write_all(&[0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0]).await.unwrap();
    read_to_close(&mut tcp).await;

    // Plaintext startup when TLS is required: a FATAL that says so.
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut out = BytesMut::new();
    StartupPacket::Startup(Startup::new("admin", "postgres")).encode(&mut out);
    tcp.write_all(&out).await.unwrap();
    let said = String::from_utf8_lossy(&read_to_close(&mut tcp).await).to_string();
    assert!(said.contains("FATAL") && said.contains("SSL/TLS is required"), "{said}");

    // Startup without a user (inside TLS).
    let mut stream = tls_stream(&emu.emulator.info().ca_file, &emu.config.hostname, port).await.unwrap();
    let mut out = BytesMut::new();
    StartupPacket::Startup(Startup { minor: 0, params: vec![("database".into(), "postgres".into())] }).encode(&mut out);
    stream.write_all(&out).await.unwrap();
    let said = String::from_utf8_lossy(&read_to_close(&mut stream).await).to_string();
    assert!(said.contains("FATAL") || said.is_empty(), "{said}");

    // Before login, a password message claiming 1 GB: refused at once,
    // nothing buffered (PostgreSQL's 64 kB cap for authentication).
    let stream = tls_stream(&emu.emulator.info().ca_file, &emu.config.hostname, port).await.unwrap();
    let mut client = RawClient::over(stream);
    let mut out = BytesMut::new();
    StartupPacket::Startup(Startup::new("admin", "postgres")).encode(&mut out);
    client.send_bytes(&out).await.unwrap();
    assert!(matches!(client.recv().await, Ok(Backend::Authentication(_))));
    let mut big = BytesMut::new();
    big.put_u8(b'p');
    big.put_i32(1_000_000_000);
    big.put_slice(&[b'x'; 1024]);
    client.send_bytes(&big).await.unwrap();
    match tokio::time::timeout(LIMIT, client.recv()).await.expect("answered at once") {
        Ok(Backend::ErrorResponse(f)) => {
            assert_eq!(f.sqlstate(), "08P01");
            assert!(f.get(b'M').unwrap_or_default().contains("65536"), "{f:?}");
        }
        other => panic!("expected a FATAL, got {other:?}"),
    }

    // After login, a message claiming 2 GiB.
    let stream = tls_stream(&emu.emulator.info().ca_file, &emu.config.hostname, port).await.unwrap();
    let mut client = RawClient::login(stream, "admin", &emu.token("admin")).await.unwrap();
    let mut huge = BytesMut::new();
    huge.put_u8(b'Q');
    huge.put_i32(i32::MAX);
    huge.put_slice(b"SELECT");
    client.send_bytes(&huge).await.unwrap();
    let end = tokio::time::timeout(LIMIT, async {
        loop {
            match client.recv().await {
                Ok(Backend::ErrorResponse(_)) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(end.is_ok(), "a 2 GiB message must end the session, not hang it");

    still_serves(&emu).await;
    emu.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_vanishing_mid_transaction_leaves_no_trace() {
    let emu = common::start().await;
    let admin = emu.admin().await;
    admin.batch_execute("CREATE TABLE v (id int PRIMARY KEY, n int)").await.unwrap();
    admin.batch_execute("INSERT INTO v VALUES (1, 0)").await.unwrap();

    let stream = tls_stream(&emu.emulator.info().ca_file, &emu.config.hostname, emu.port()).await.unwrap();
    let mut gone = RawClient::login(stream, "admin", &emu.token("admin")).await.unwrap();
    gone.simple("BEGIN; UPDATE v SET n = 99 WHERE id = 1; INSERT INTO v VALUES (2, 2)").await.unwrap();
    drop(gone); // vanishes without COMMIT, ROLLBACK or Terminate

    // Its writes are rolled back and its row lock released (no 40001 from a lingering holder).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let updated = admin.execute("UPDATE v SET n = 1 WHERE id = 1", &[]).await.expect("row is free again");
    assert_eq!(updated, 1);
    let count: i64 = admin.query_one("SELECT count(*) FROM v", &[]).await.unwrap().get(0);
    assert_eq!(count, 1);
    emu.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_under_the_emulator_gives_errors_not_hangs() {
    let mut emu = common::start().await;
    let open = emu.admin().await;
    emu.emulator.kill_postgres();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let status = Instance::open(Some(&emu.dir.path().join("emu"))).status().unwrap();
    assert!(matches!(status, Status::PostgresDead(_)), "{status:?}");

    let query = tokio::time::timeout(LIMIT, open.query_one("SELECT 1", &[])).await.expect("no hang");
    assert!(query.is_err());
    let fresh = tokio::time::timeout(LIMIT, emu.connect("admin", &emu.token("admin"))).await.expect("no hang");
    assert!(fresh.is_err());
    let common::TestEmulator { emulator, config, dir } = emu;
    emulator.shutdown().await;

    // What `status` advises — stop, then start — brings it back, although the
    // dead PostgreSQL left its postmaster.pid (saying "ready") behind.
    assert!(dir.path().join("emu/pgdata/postmaster.pid").exists());
    let again = common::start_in(config, dir).await;
    let client = again.admin().await;
    let one: i32 = client.query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(one, 1);
    again.emulator.shutdown().await;
}
