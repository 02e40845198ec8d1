//! The harness itself: a private PostgreSQL starts, accepts TCP on its port,
//! and is gone (by PID) after the guard drops.

use std::net::TcpStream;

use testkit::TestPostgres;

#[test]
fn private_postgres_starts_and_stops_by_pid() {
    let pg = TestPostgres::start();
    let port = pg.port;
    let pid = pg.pid();
    TcpStream::connect(("127.0.0.1", port)).expect("server accepts TCP");
    let out = std::process::Command::new(pgcluster::find_bin_dir().unwrap().tool("psql"))
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-Atc",
            "select current_setting('server_version_num')::int >= 150000",
        ])
        .output()
        .expect("psql runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "t", "{}", String::from_utf8_lossy(&out.stderr));
    drop(pg);
    let alive = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), None).is_ok();
    assert!(!alive, "postgres pid {pid} still alive after drop");
}
