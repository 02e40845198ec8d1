//! A throw-away PostgreSQL cluster for one test (trust auth on 127.0.0.1).

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use anyhow::Context;
use pgcluster::{Auth, Cluster, InitOptions, RunningServer};

/// A running private PostgreSQL; stopped (by PID) and deleted on drop.
pub struct TestPostgres {
    pub port: u16,
    pub superuser: String,
    server: RunningServer,
    _dir: tempfile::TempDir,
}

impl TestPostgres {
    /// initdb + start with trust auth. Panics with the reason on failure,
    /// because a test cannot go on without its server.
    pub fn start() -> TestPostgres {
        Self::try_start(Auth::Trust).expect("private PostgreSQL for the test")
    }

    /// Same, with a password for the `postgres` superuser.
    pub fn start_with_password(password: &str) -> TestPostgres {
        Self::try_start(Auth::Password(password.into())).expect("private PostgreSQL for the test")
    }

    pub fn try_start(auth: Auth) -> anyhow::Result<TestPostgres> {
        let dir = tempfile::Builder::new().prefix("dsql-deploy-pg-").tempdir()?;
        // The server may run as another OS user (we may be root); let it reach its data dir.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
        let cluster = Cluster::new(pgcluster::find_bin_dir()?, dir.path().join("data"))?;
        cluster.init(&InitOptions { superuser: "postgres".into(), auth })?;
        // Another process may grab the port between probe and bind; retry then.
        let mut last_err = None;
        for _ in 0..5 {
            let port = pgcluster::free_port()?;
            match cluster.start(port, &[("max_connections", "300")], Duration::from_secs(30)) {
                Ok(server) => return Ok(TestPostgres { port, superuser: "postgres".into(), server, _dir: dir }),
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.expect("at least one attempt")).context("starting the test PostgreSQL")
    }

    /// A libpq-style connection string for the superuser.
    pub fn conn_str(&self, database: &str) -> String {
        format!("host=127.0.0.1 port={} user={} dbname={database}", self.port, self.superuser)
    }

    pub fn pid(&self) -> u32 {
        self.server.pid
    }

    /// Kills the server now (fault-injection tests).
    pub fn kill(&mut self) {
        let _ = nix_kill(self.server.pid);
    }
}

fn nix_kill(pid: u32) -> nix::Result<()> {
    // SIGKILL: simulate a crash, not a clean shutdown.
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), nix::sys::signal::Signal::SIGKILL)
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        let _ = self.server.stop(Duration::from_secs(10));
    }
}
