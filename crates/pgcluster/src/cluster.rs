//! initdb, start, readiness and stop of one private cluster.

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, User};

use crate::{BinDir, Error, Result};

/// How clients authenticate to the private cluster over TCP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// Anyone on 127.0.0.1 may connect as any role (tests only).
    Trust,
    /// SCRAM-SHA-256 with this password for the superuser.
    Password(String),
}

/// How to create a cluster.
#[derive(Debug, Clone)]
pub struct InitOptions {
    pub superuser: String,
    pub auth: Auth,
}

impl Default for InitOptions {
    fn default() -> Self {
        Self { superuser: "postgres".into(), auth: Auth::Trust }
    }
}

/// A data directory (maybe not yet initialised) and the binaries for it.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub bin: BinDir,
    pub data_dir: PathBuf,
    /// The OS user the server runs as when we are root.
    run_as: Option<User>,
}

/// A `postgres` process we started. Dropping it does not stop the server;
/// call [`RunningServer::stop`] (tests wrap it in a guard that does).
#[derive(Debug)]
pub struct RunningServer {
    pub pid: u32,
    pub port: u16,
    pub log_file: PathBuf,
    child: Option<Child>,
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(Error::io("cannot find a free port on 127.0.0.1"))?;
    Ok(listener.local_addr().map_err(Error::io("cannot read a bound port"))?.port())
}

impl Cluster {
    /// A cluster in `data_dir`; when we are root, files are handed to an
    /// unprivileged user because PostgreSQL will not run as root.
    pub fn new(bin: BinDir, data_dir: impl Into<PathBuf>) -> Result<Cluster> {
        let run_as = if nix::unistd::geteuid().is_root() {
            let user = ["postgres", "nobody"]
                .iter()
                .find_map(|name| User::from_name(name).ok().flatten())
                .ok_or(Error::NoUnprivilegedUser)?;
            Some(user)
        } else {
            None
        };
        Ok(Cluster { bin, data_dir: data_dir.into(), run_as })
    }

    /// Whether `initdb` has already run here.
    pub fn is_initialised(&self) -> bool {
        self.data_dir.join("PG_VERSION").is_file()
    }

    /// The OS user name the server runs as.
    pub fn os_user(&self) -> String {
        match &self.run_as {
            Some(u) => u.name.clone(),
            None => User::from_uid(nix::unistd::geteuid())
                .ok()
                .flatten()
                .map(|u| u.name)
                .unwrap_or_else(|| "current user".into()),
        }
    }

    fn command(&self, tool: &str) -> Command {
        let mut cmd = Command::new(self.bin.tool(tool));
        if let Some(user) = &self.run_as {
            cmd.uid(user.uid.as_raw()).gid(user.gid.as_raw());
            cmd.env("HOME", &user.dir);
        }
        cmd.env_remove("PGDATA").env("LC_ALL", "C");
        cmd
    }

    /// Runs `initdb` unless the directory is already a cluster. The directory
    /// is created 0700 and, when we are root, owned by the server's user.
    pub fn init(&self, opts: &InitOptions) -> Result<()> {
        if self.is_initialised() {
            return Ok(());
        }
        fs::create_dir_all(&self.data_dir)
            .map_err(Error::io(format!("cannot create data directory {}", self.data_dir.display())))?;
        fs::set_permissions(&self.data_dir, fs::Permissions::from_mode(0o700))
            .map_err(Error::io(format!("cannot set permissions on {}", self.data_dir.display())))?;
        self.hand_over(&self.data_dir)?;
        self.check_traversable()?;

        let mut cmd = self.command("initdb");
        cmd.arg("-D").arg(&self.data_dir).args([
            "-U",
            &opts.superuser,
            "-E",
            "UTF8",
            "--locale=C",
            "--no-instructions",
        ]);
        let pwfile = match &opts.auth {
            Auth::Trust => {
                cmd.args(["--auth=trust"]);
                None
            }
            Auth::Password(password) => {
                let parent = self.data_dir.parent().unwrap_or(Path::new("/tmp"));
                let pwfile = parent.join(format!(".pwfile-{}", std::process::id()));
                fs::write(&pwfile, format!("{password}\n")).map_err(Error::io("cannot write initdb password file"))?;
                fs::set_permissions(&pwfile, fs::Permissions::from_mode(0o600)).map_err(Error::io("chmod pwfile"))?;
                self.hand_over(&pwfile)?;
                cmd.args(["--auth-local=scram-sha-256", "--auth-host=scram-sha-256"])
                    .arg(format!("--pwfile={}", pwfile.display()));
                Some(pwfile)
            }
        };
        let out = cmd.stdin(Stdio::null()).output().map_err(Error::io("cannot run initdb"));
        if let Some(pwfile) = pwfile {
            let _ = fs::remove_file(pwfile);
        }
        let out = out?;
        if !out.status.success() {
            return Err(Error::Command {
                what: "initdb".into(),
                detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        Ok(())
    }

    /// Starts `postgres` on 127.0.0.1:`port` (TCP only, no Unix socket) and
    /// waits until it accepts connections. `extra` are `-c name=value` settings.
    pub fn start(&self, port: u16, extra: &[(&str, &str)], timeout: Duration) -> Result<RunningServer> {
        let log_file = self.data_dir.join("server.log");
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_file)
            .map_err(Error::io(format!("cannot open {}", log_file.display())))?;
        self.hand_over(&log_file)?;
        let mut cmd = self.command("postgres");
        cmd.arg("-D")
            .arg(&self.data_dir)
            .args(["-p", &port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off"])
            .args(["-c", "full_page_writes=off", "-c", "synchronous_commit=off"]);
        for (name, value) in extra {
            cmd.arg("-c").arg(format!("{name}={value}"));
        }
        let err_log = log.try_clone().map_err(Error::io("cannot duplicate log handle"))?;
        // Own process group: a Ctrl-C meant for us must not kill the server mid-start.
        cmd.stdin(Stdio::null()).stdout(log).stderr(err_log).process_group(0);
        let child = cmd.spawn().map_err(Error::io("cannot start postgres"))?;
        let mut server = RunningServer { pid: child.id(), port, log_file, child: Some(child) };
        server.wait_ready(&self.data_dir, timeout)?;
        Ok(server)
    }

    /// Gives `path` to the server's user when we are root.
    fn hand_over(&self, path: &Path) -> Result<()> {
        if let Some(user) = &self.run_as {
            nix::unistd::chown(path, Some(user.uid), Some(user.gid))
                .map_err(|e| Error::Io { context: format!("cannot chown {}", path.display()), source: e.into() })?;
        }
        Ok(())
    }

    /// Every ancestor of the data dir must be searchable by the server's user.
    fn check_traversable(&self) -> Result<()> {
        let Some(user) = &self.run_as else { return Ok(()) };
        let abs = fs::canonicalize(&self.data_dir).map_err(Error::io("canonicalize data dir"))?;
        for dir in abs.ancestors().skip(1) {
            let meta = fs::metadata(dir).map_err(Error::io(format!("stat {}", dir.display())))?;
            use std::os::unix::fs::MetadataExt;
            let mode = meta.mode();
            let ok = mode & 0o001 != 0
                || (meta.uid() == user.uid.as_raw() && mode & 0o100 != 0)
                || (meta.gid() == user.gid.as_raw() && mode & 0o010 != 0);
            if !ok {
                return Err(Error::NotTraversable {
                    path: dir.display().to_string(),
                    user: user.name.clone(),
                    hint: "PostgreSQL cannot run as root, so its data directory must live where an \
                           unprivileged user can reach it; choose a data dir outside private home \
                           directories (e.g. under /var/lib or /tmp)"
                        .into(),
                });
            }
        }
        Ok(())
    }
}

/// Line 1 of postmaster.pid is the postmaster's PID; line 8 reads "ready"
/// once it accepts connections. The PID must be ours: a server killed
/// earlier leaves its file behind, still saying "ready", until the new
/// server replaces it.
fn pid_file_says_ready(text: &str, pid: u32) -> bool {
    let mut lines = text.lines().map(str::trim);
    lines.next() == Some(pid.to_string().as_str()) && lines.nth(6) == Some("ready")
}

impl RunningServer {
    /// Attaches to a server started earlier (by PID and port from a state file).
    pub fn attach(pid: u32, port: u16, log_file: PathBuf) -> RunningServer {
        RunningServer { pid, port, log_file, child: None }
    }

    fn wait_ready(&mut self, data_dir: &Path, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let pid_file = data_dir.join("postmaster.pid");
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(_)) = child.try_wait() {
                    return Err(Error::StartFailed { log: self.log_file.display().to_string(), tail: self.log_tail() });
                }
            }
            if let Ok(text) = fs::read_to_string(&pid_file) {
                if pid_file_says_ready(&text, self.pid) {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                let _ = self.stop(Duration::from_secs(5));
                return Err(Error::StartTimeout {
                    secs: timeout.as_secs(),
                    log: self.log_file.display().to_string(),
                    tail: self.log_tail(),
                });
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Last lines of the server log, for error messages.
    pub fn log_tail(&self) -> String {
        let text = fs::read_to_string(&self.log_file).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(8)..].join("\n")
    }

    /// Whether the process still exists.
    pub fn is_alive(&mut self) -> bool {
        if let Some(child) = self.child.as_mut() {
            return matches!(child.try_wait(), Ok(None));
        }
        kill(Pid::from_raw(self.pid as i32), None).is_ok()
    }

    /// Fast shutdown (SIGINT) by PID; SIGKILL when it does not exit in time.
    pub fn stop(&mut self, timeout: Duration) -> Result<()> {
        let pid = Pid::from_raw(self.pid as i32);
        let _ = kill(pid, Signal::SIGINT);
        let deadline = Instant::now() + timeout;
        while self.is_alive() {
            if Instant::now() >= deadline {
                let _ = kill(pid, Signal::SIGKILL);
                if let Some(child) = self.child.as_mut() {
                    let _ = child.wait();
                }
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::pid_file_says_ready;

    #[test]
    fn only_our_own_ready_pid_file_counts() {
        let file = |pid: &str, status: &str| format!("{pid}\n/data\n1700000000\n5432\n\n127.0.0.1\n  1 2\n{status}\n");
        assert!(pid_file_says_ready(&file("4242", "ready"), 4242));
        assert!(!pid_file_says_ready(&file("4242", "starting"), 4242));
        // Left behind by a server that was killed.
        assert!(!pid_file_says_ready(&file("999", "ready"), 4242));
        assert!(!pid_file_says_ready("", 4242));
    }
}
