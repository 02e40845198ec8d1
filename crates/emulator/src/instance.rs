//! One emulator instance, named by its data directory: start it in the
//! background (a detached `dsql-deploy emulator start --foreground`), find
//! it again through its state file, report its health, stop and purge it.
//! This is the library API that `dsql-deploy up/status/down` use.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dsql_deploy_config::EmulatorConfig;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::paths::{Layout, default_data_dir};
use crate::state::{State, pid_alive};

/// Where clients find a running emulator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningInfo {
    /// Host to connect to (always 127.0.0.1; `hostname` is what to verify/sign).
    pub host: String,
    pub port: u16,
    /// CA certificate to verify the server with (PGSSLROOTCERT).
    pub ca_file: PathBuf,
    pub region: String,
    /// Name in the server certificate and the host IAM tokens are signed for.
    pub hostname: String,
    pub pid: u32,
    pub postgres_pid: u32,
    pub postgres_port: u16,
    pub started_at: String,
    pub data_dir: PathBuf,
}

/// Health of an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Status {
    /// Nothing running (a stale state file of a crashed run was cleaned up).
    Stopped {
        data_dir: PathBuf,
        recovered_stale_state: bool,
    },
    Running(RunningInfo),
    /// The emulator process lives but its PostgreSQL is gone: clients get errors.
    PostgresDead(RunningInfo),
}

/// What `ensure_running` needs: the effective `[emulator]` settings, the
/// region (`[project] region`) and an explicitly requested port, if any.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    pub config: EmulatorConfig,
    pub region: String,
    /// `--port`: when set, a taken port is an error instead of a fallback.
    pub explicit_port: Option<u16>,
}

/// The program `ensure_running` detaches: `<program> emulator start
/// --foreground --data-dir D --settings F`. Defaults to this executable.
#[derive(Debug, Clone)]
pub struct Launcher {
    pub program: PathBuf,
}

impl Launcher {
    pub fn current_exe() -> Result<Launcher> {
        let program = std::env::current_exe().map_err(Error::io("cannot find the dsql-deploy executable"))?;
        Ok(Launcher { program })
    }
}

/// One instance (a data directory).
#[derive(Debug, Clone)]
pub struct Instance {
    layout: Layout,
}

impl Instance {
    /// The instance in `data_dir` (default: [`default_data_dir`]). Nothing is created yet.
    pub fn open(data_dir: Option<&Path>) -> Instance {
        let root = data_dir.map(Path::to_path_buf).unwrap_or_else(default_data_dir);
        let root = std::path::absolute(&root).unwrap_or(root);
        Instance { layout: Layout::new(root) }
    }

    pub fn data_dir(&self) -> &Path {
        self.layout.root()
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Running, stopped or half-dead. A state file whose emulator PID is
    /// dead is stale (a crashed run): it is removed and reported as stopped.
    pub fn status(&self) -> Result<Status> {
        let path = self.layout.state();
        let Some(state) = State::read(&path)? else {
            return Ok(Status::Stopped { data_dir: self.data_dir().into(), recovered_stale_state: false });
        };
        if !pid_alive(state.pid) {
            // A crashed run: its PostgreSQL (own process group) may outlive it.
            if pid_alive(state.postgres_pid) && is_our_postgres(&self.layout, state.postgres_pid) {
                signal_and_wait(state.postgres_pid, nix::sys::signal::Signal::SIGINT, Duration::from_secs(15));
            }
            let _ = std::fs::remove_file(&path);
            return Ok(Status::Stopped { data_dir: self.data_dir().into(), recovered_stale_state: true });
        }
        let info = self.info(&state);
        if pid_alive(state.postgres_pid) { Ok(Status::Running(info)) } else { Ok(Status::PostgresDead(info)) }
    }

    fn info(&self, state: &State) -> RunningInfo {
        RunningInfo {
            host: "127.0.0.1".into(),
            port: state.port,
            ca_file: state.ca_file.clone(),
            region: state.region.clone(),
            hostname: state.hostname.clone(),
            pid: state.pid,
            postgres_pid: state.postgres_pid,
            postgres_port: state.postgres_port,
            started_at: state.started_at.clone(),
            data_dir: self.data_dir().into(),
        }
    }

    /// Keys (`emulator.<key>`, `region`) whose requested value differs from
    /// what the running instance was started with (its settings.json).
    fn changed_settings(&self, requested: &Settings) -> Vec<String> {
        let saved = std::fs::read_to_string(self.layout.root().join("settings.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Settings>(&t).ok());
        let Some(saved) = saved else { return Vec::new() };
        let as_map = |s: &Settings| match serde_json::to_value(&s.config) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        let (old, new) = (as_map(&saved), as_map(requested));
        // The port is where it ended up (a free one when taken), not a setting change.
        let mut changed: Vec<String> = new
            .iter()
            .filter(|(key, value)| key.as_str() != "port" && old.get(key.as_str()) != Some(value))
            .map(|(key, _)| format!("emulator.{key}"))
            .collect();
        if saved.region != requested.region {
            changed.push("region".into());
        }
        changed
    }

    /// A start on a running instance: the same endpoint, unless a different
    /// port was asked for; settings it does not pick up are named.
    fn already_running(&self, info: RunningInfo, settings: &Settings, progress: &dyn Fn(&str)) -> Result<RunningInfo> {
        if let Some(port) = settings.explicit_port.filter(|p| *p != info.port) {
            return Err(Error::RunningOnOtherPort {
                path: self.data_dir().into(),
                running: info.port,
                requested: port,
            });
        }
        let changed = self.changed_settings(settings);
        if !changed.is_empty() {
            progress(&format!(
                "the running emulator keeps the settings it started with ({} changed since); \
                 `dsql-deploy emulator stop` then `start` applies them",
                changed.join(", ")
            ));
        }
        Ok(info)
    }

    /// An exclusive lock on `start.lock` in the data dir (released on drop).
    fn start_lock(&self) -> Result<nix::fcntl::Flock<std::fs::File>> {
        let path = self.layout.root().join("start.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(Error::io(format!("cannot open {}", path.display())))?;
        nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, errno)| Error::io(format!("cannot lock {}", path.display()))(errno.into()))
    }

    /// Returns the running instance, starting it in the background when it
    /// is not running (or restarting it when its PostgreSQL died).
    /// `progress` is told what is happening while it waits.
    pub fn ensure_running(
        &self,
        settings: &Settings,
        launcher: &Launcher,
        progress: &dyn Fn(&str),
    ) -> Result<RunningInfo> {
        if let Status::Running(info) = self.status()? {
            return self.already_running(info, settings, progress);
        }
        crate::runtime::prepare_data_dir(&self.layout)?;
        // Held until the new instance is up (or failed): a second `start`
        // at the same time waits here, then finds it running.
        let _lock = self.start_lock()?;
        match self.status()? {
            Status::Running(info) => return self.already_running(info, settings, progress),
            Status::PostgresDead(_) => {
                progress("PostgreSQL under the emulator is gone; restarting the emulator");
                self.stop(Duration::from_secs(10))?;
            }
            Status::Stopped { .. } => {}
        }
        if let Some(port) = settings.explicit_port {
            crate::runtime::check_port_free(port)?;
        }
        let settings_file = self.layout.root().join("settings.json");
        let text = serde_json::to_vec_pretty(settings).map_err(|e| Error::Bootstrap(e.to_string()))?;
        // 0600: the settings hold the emulator's (test) secret key.
        fsutil::write_atomic(&settings_file, &text, 0o600).map_err(Error::io("cannot write the emulator settings"))?;

        let log_path = self.layout.log();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(Error::io(format!("cannot open {}", log_path.display())))?;
        let err_log = log.try_clone().map_err(Error::io("cannot duplicate the log handle"))?;
        let log_start = std::fs::metadata(&log_path).map(|m| m.len()).unwrap_or(0);
        let mut cmd = Command::new(&launcher.program);
        // -v: the log says why a login was refused (clients only get DSQL's
        // "access denied"); RUST_LOG still overrides.
        cmd.args(["-v", "emulator", "start", "--foreground", "--data-dir"])
            .arg(self.data_dir())
            .arg("--settings")
            .arg(&settings_file)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err_log);
        // SAFETY: setsid() is async-signal-safe; it detaches the child from
        // our terminal and session so it outlives this command.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        let mut child = cmd.spawn().map_err(Error::io(format!("cannot start {}", launcher.program.display())))?;
        progress(&format!("starting the emulator in {} (log: {})", self.data_dir().display(), log_path.display()));

        let timeout = Duration::from_secs(90);
        let deadline = Instant::now() + timeout;
        let mut last_note = Instant::now();
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                return Err(Error::StartFailed { log: log_path.clone(), tail: log_tail(&log_path, log_start) });
            }
            if let Ok(Status::Running(info)) = self.status() {
                if info.pid == child.id() {
                    return Ok(info);
                }
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                return Err(Error::StartTimeout {
                    secs: timeout.as_secs(),
                    log: log_path.clone(),
                    tail: log_tail(&log_path, log_start),
                });
            }
            if last_note.elapsed() >= Duration::from_secs(3) {
                progress("still waiting for the emulator to become ready…");
                last_note = Instant::now();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the emulator (SIGTERM; it shuts PostgreSQL down cleanly) and,
    /// if its PostgreSQL outlives it, that too. Returns whether anything ran.
    pub fn stop(&self, timeout: Duration) -> Result<bool> {
        let state = match State::read(&self.layout.state())? {
            Some(state) => state,
            None => return Ok(false),
        };
        let mut stopped = false;
        if pid_alive(state.pid) && state.pid != std::process::id() {
            stopped = true;
            signal_and_wait(state.pid, nix::sys::signal::Signal::SIGTERM, timeout);
        }
        if pid_alive(state.postgres_pid) && is_our_postgres(&self.layout, state.postgres_pid) {
            stopped = true;
            signal_and_wait(state.postgres_pid, nix::sys::signal::Signal::SIGINT, timeout);
        }
        let _ = std::fs::remove_file(self.layout.state());
        Ok(stopped)
    }

    /// Stops the instance and deletes its data directory.
    pub fn purge(&self) -> Result<()> {
        self.stop(Duration::from_secs(15))?;
        match std::fs::remove_dir_all(self.data_dir()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(format!("cannot delete {}", self.data_dir().display()))(e)),
        }
    }
}

/// The PID in postmaster.pid is the one we would signal (guards against PID reuse).
fn is_our_postgres(layout: &Layout, pid: u32) -> bool {
    std::fs::read_to_string(layout.pgdata().join("postmaster.pid"))
        .ok()
        .and_then(|t| t.lines().next().map(|l| l.trim() == pid.to_string()))
        .unwrap_or(false)
}

fn signal_and_wait(pid: u32, signal: nix::sys::signal::Signal, timeout: Duration) {
    let target = nix::unistd::Pid::from_raw(pid as i32);
    let _ = nix::sys::signal::kill(target, signal);
    let deadline = Instant::now() + timeout;
    while pid_alive(pid) {
        if Instant::now() >= deadline {
            let _ = nix::sys::signal::kill(target, nix::sys::signal::Signal::SIGKILL);
            std::thread::sleep(Duration::from_millis(100));
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The log written since `from` (this start), last lines only.
fn log_tail(path: &Path, from: u64) -> String {
    let text = std::fs::read(path).unwrap_or_default();
    let start = (from as usize).min(text.len());
    let text = String::from_utf8_lossy(&text[start..]);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}
