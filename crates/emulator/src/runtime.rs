//! The emulator process itself (`emulator start --foreground`): prepares the
//! data dir, certificates and private PostgreSQL, listens for clients,
//! publishes the state file, and on shutdown (Ctrl-C / SIGTERM) stops
//! PostgreSQL cleanly and removes the state file.

use std::net::{SocketAddr, TcpListener as StdListener};
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;

use pgcluster::RunningServer;
use tokio::sync::watch;

use crate::error::{Error, Result};
use crate::instance::{RunningInfo, Settings};
use crate::paths::Layout;
use crate::state::{State, pid_alive};
use crate::{private, tls};

/// Worker threads for the emulator process: the configured count, else a
/// quarter of the CPUs and at least one. The emulator shares the machine
/// with its private PostgreSQL and with the clients under test, and on a
/// small machine one relay thread spends less CPU per transaction than
/// several that wake each other (measured: 2 cores, pgbench -S, 8 clients:
/// 25 µs instead of 30 µs per transaction, see docs/emulator.md).
pub fn worker_threads(configured: Option<u16>) -> usize {
    match configured {
        Some(n) => usize::from(n.max(1)),
        None => std::thread::available_parallelism().map_or(1, |n| (n.get() / 4).max(1)),
    }
}

/// Creates the data dir (0755: when we are root, PostgreSQL's own user must
/// traverse it) and checks that we can write there.
pub fn prepare_data_dir(layout: &Layout) -> Result<()> {
    let root = layout.root();
    if root.exists() && !root.is_dir() {
        return Err(Error::DataDirIsAFile { path: root.into() });
    }
    std::fs::create_dir_all(root).map_err(|source| Error::DataDirNotWritable { path: root.into(), source })?;
    let probe = root.join(format!(".write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|source| Error::DataDirNotWritable { path: root.into(), source })?;
    let _ = std::fs::remove_file(&probe);
    let _ = std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755));
    Ok(())
}

/// An explicit port must be free now.
pub fn check_port_free(port: u16) -> Result<()> {
    StdListener::bind(("127.0.0.1", port)).map(drop).map_err(|_| Error::PortTaken { port })
}

/// The configured port when free, else (unless it was explicit) any free port.
fn bind_listener(settings: &Settings) -> Result<StdListener> {
    if let Some(port) = settings.explicit_port {
        return StdListener::bind(("127.0.0.1", port)).map_err(|_| Error::PortTaken { port });
    }
    StdListener::bind(("127.0.0.1", settings.config.port))
        .or_else(|_| StdListener::bind(("127.0.0.1", 0)))
        .map_err(Error::io("cannot listen on 127.0.0.1"))
}

/// A running emulator in this process.
pub struct Emulator {
    info: RunningInfo,
    layout: Layout,
    postgres: Option<RunningServer>,
    shutdown: watch::Sender<bool>,
    serve: Option<tokio::task::JoinHandle<()>>,
}

impl Emulator {
    /// Starts everything and returns once clients can connect.
    pub async fn start(layout: Layout, settings: Settings) -> Result<Emulator> {
        prepare_data_dir(&layout)?;
        if let Some(state) = State::read(&layout.state())? {
            if pid_alive(state.pid) && state.pid != std::process::id() {
                return Err(Error::AlreadyRunning { path: layout.root().into(), pid: state.pid, port: state.port });
            }
            // A crashed run: its PostgreSQL may still hold the data dir.
            if pid_alive(state.postgres_pid) {
                let mut stale =
                    RunningServer::attach(state.postgres_pid, state.postgres_port, layout.pgdata().join("server.log"));
                let _ = stale.stop(Duration::from_secs(10));
            }
            let _ = std::fs::remove_file(layout.state());
        }
        let listener = bind_listener(&settings)?;
        let port = listener.local_addr().map_err(Error::io("cannot read the listening port"))?.port();
        let config = &settings.config;
        tls::ensure_certificates(&layout, &config.hostname)?;
        let tls_config = tls::server_config(&layout)?;
        let password = private::internal_password(&layout)?;

        let pg_layout = layout.clone();
        let pg_config = config.clone();
        let pg_password = password.clone();
        let mut postgres = tokio::task::spawn_blocking(move || private::start(&pg_layout, &pg_config, &pg_password))
            .await
            .map_err(|e| Error::Bootstrap(e.to_string()))??;
        let control = match private::connect_superuser(postgres.port, &password).await {
            Ok(client) => client,
            Err(e) => {
                let _ = postgres.stop(Duration::from_secs(10));
                return Err(e);
            }
        };
        if let Err(e) = private::bootstrap(&control, &password).await {
            let _ = postgres.stop(Duration::from_secs(10));
            return Err(e);
        }

        let (shutdown, shutdown_rx) = watch::channel(false);
        listener.set_nonblocking(true).map_err(Error::io("cannot configure the listener"))?;
        let listener =
            tokio::net::TcpListener::from_std(listener).map_err(Error::io("cannot configure the listener"))?;
        let ctx = crate::frontend::Frontend::new(
            settings.clone(),
            tls_config,
            Arc::new(control),
            SocketAddr::from(([127, 0, 0, 1], postgres.port)),
            private::socket_dir(&layout).map(|dir| private::socket_path(&dir, postgres.port)),
            password,
        );
        let serve = tokio::spawn(ctx.serve(listener, shutdown_rx));

        let info = RunningInfo {
            host: "127.0.0.1".into(),
            port,
            ca_file: layout.ca_cert(),
            region: settings.region.clone(),
            hostname: config.hostname.clone(),
            pid: std::process::id(),
            postgres_pid: postgres.pid,
            postgres_port: postgres.port,
            started_at: now_rfc3339(),
            data_dir: layout.root().into(),
        };
        let state = State {
            port,
            pid: info.pid,
            postgres_pid: info.postgres_pid,
            postgres_port: info.postgres_port,
            ca_file: info.ca_file.clone(),
            hostname: info.hostname.clone(),
            region: info.region.clone(),
            started_at: info.started_at.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
        };
        state.write(&layout.state())?;
        Ok(Emulator { info, layout, postgres: Some(postgres), shutdown, serve: Some(serve) })
    }

    pub fn info(&self) -> &RunningInfo {
        &self.info
    }

    /// Kills the private PostgreSQL (fault-injection tests).
    pub fn kill_postgres(&mut self) {
        if let Some(pg) = &self.postgres {
            let _ =
                nix::sys::signal::kill(nix::unistd::Pid::from_raw(pg.pid as i32), nix::sys::signal::Signal::SIGKILL);
        }
    }

    /// Stops accepting, stops PostgreSQL, removes the state file.
    pub async fn shutdown(mut self) {
        self.stop_now().await;
    }

    async fn stop_now(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(serve) = self.serve.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), serve).await;
        }
        if let Some(mut pg) = self.postgres.take() {
            let _ = tokio::task::spawn_blocking(move || pg.stop(Duration::from_secs(15))).await;
        }
        if State::read(&self.layout.state()).ok().flatten().is_some_and(|s| s.pid == std::process::id()) {
            let _ = std::fs::remove_file(self.layout.state());
        }
    }

    /// Runs until Ctrl-C or SIGTERM, then shuts down cleanly.
    pub async fn run_until_signal(mut self) -> Result<()> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).map_err(Error::io("cannot watch SIGTERM"))?;
        let mut int = signal(SignalKind::interrupt()).map_err(Error::io("cannot watch SIGINT"))?;
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("shutting down");
        self.stop_now().await;
        Ok(())
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Never leave a PostgreSQL behind (tests drop without shutdown).
        let _ = self.shutdown.send(true);
        if let Some(mut pg) = self.postgres.take() {
            let _ = pg.stop(Duration::from_secs(10));
        }
        if State::read(&self.layout.state()).ok().flatten().is_some_and(|s| s.pid == std::process::id()) {
            let _ = std::fs::remove_file(self.layout.state());
        }
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::worker_threads;

    #[test]
    fn worker_threads_follow_the_setting_else_a_quarter_of_the_cpus() {
        assert_eq!(worker_threads(Some(3)), 3);
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(worker_threads(None), (cpus / 4).max(1));
        assert!(worker_threads(None) >= 1);
    }
}
