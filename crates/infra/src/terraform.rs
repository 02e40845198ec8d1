//! The `terraform` binary: where it is, and running it in a root module
//! with `-chdir` while its output streams through and the last lines are
//! kept for the error message. `TF_CLI_CONFIG_FILE` and the AWS variables
//! are inherited from our environment, so a provider mirror or a test
//! endpoint reach Terraform unchanged.

use std::collections::VecDeque;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use crate::{InfraError, Result};

/// Lines of Terraform's output kept for a failure message.
const TAIL_LINES: usize = 15;

/// Where Terraform's standard output goes while it runs (its standard error
/// always goes to ours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echo {
    /// To our standard output (`dsql-deploy infra plan`).
    Stdout,
    /// To our standard error, keeping stdout for results (`up`, `--output json`).
    Stderr,
    /// Nowhere; only the tail in an error.
    Quiet,
}

/// A located `terraform` executable.
#[derive(Debug, Clone)]
pub struct Terraform {
    bin: PathBuf,
}

impl Terraform {
    /// `$TERRAFORM` if set, else the first `terraform` on `PATH`.
    pub fn locate() -> Result<Terraform> {
        if let Some(bin) = std::env::var_os("TERRAFORM").filter(|v| !v.is_empty()) {
            return Ok(Terraform { bin: PathBuf::from(bin) });
        }
        let path = std::env::var_os("PATH").ok_or(InfraError::TerraformMissing)?;
        std::env::split_paths(&path)
            .map(|dir| dir.join("terraform"))
            .find(|candidate| is_executable(candidate))
            .map(|bin| Terraform { bin })
            .ok_or(InfraError::TerraformMissing)
    }

    pub fn at(bin: impl Into<PathBuf>) -> Terraform {
        Terraform { bin: bin.into() }
    }

    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// Runs `terraform -chdir=DIR ARGS…`, streaming its output per `echo`.
    /// Standard input is inherited so that `apply` can ask for approval.
    pub fn run(&self, dir: &Path, args: &[&str], env: &[(String, String)], echo: Echo) -> Result<()> {
        // Colour codes only help a terminal; in logs and error tails they are noise.
        // Right after the subcommand: Terraform stops reading flags at the
        // first positional argument (`apply PLANFILE`).
        let mut args = args.to_vec();
        if !args.is_empty() && (!std::io::stdout().is_terminal() || !std::io::stderr().is_terminal()) {
            args.insert(1, "-no-color");
        }
        let mut child = self
            .command(dir, &args, env)
            .stdin(Stdio::inherit())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| self.spawn_error(source))?;
        let tail = Arc::new(Mutex::new(VecDeque::with_capacity(TAIL_LINES)));
        // Both pipes are drained concurrently so neither can fill and stall Terraform.
        let out = child.stdout.take().map(|pipe| relay(pipe, echo, Arc::clone(&tail)));
        let err_echo = if echo == Echo::Quiet { Echo::Quiet } else { Echo::Stderr };
        let err = child.stderr.take().map(|pipe| relay(pipe, err_echo, Arc::clone(&tail)));
        let status = child.wait().map_err(|source| self.spawn_error(source))?;
        for handle in [out, err].into_iter().flatten() {
            let _ = handle.join();
        }
        if status.success() {
            return Ok(());
        }
        let command = args.first().copied().unwrap_or_default().to_string();
        let tail: Vec<String> = tail.lock().map(|t| t.iter().cloned().collect()).unwrap_or_default();
        match status.code() {
            Some(code) => Err(InfraError::Failed { command, code, tail, hint: String::new() }),
            None => Err(InfraError::Killed { command }),
        }
    }

    /// Runs Terraform and returns its standard output (for `output -json`).
    pub fn capture(&self, dir: &Path, args: &[&str], env: &[(String, String)]) -> Result<String> {
        let output =
            self.command(dir, args, env).stdin(Stdio::null()).output().map_err(|source| self.spawn_error(source))?;
        if output.status.success() {
            return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
        }
        let command = args.first().copied().unwrap_or_default().to_string();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(TAIL_LINES)..].iter().map(|l| l.to_string()).collect();
        match output.status.code() {
            Some(code) => Err(InfraError::Failed { command, code, tail, hint: String::new() }),
            None => Err(InfraError::Killed { command }),
        }
    }

    fn command(&self, dir: &Path, args: &[&str], env: &[(String, String)]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.arg(format!("-chdir={}", dir.display())).args(args);
        // Terraform colours its output for terminals it cannot see through our pipe.
        cmd.env("TF_IN_AUTOMATION", "1");
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    fn spawn_error(&self, source: std::io::Error) -> InfraError {
        if source.kind() == std::io::ErrorKind::NotFound {
            InfraError::TerraformMissing
        } else {
            InfraError::Spawn { bin: self.bin.clone(), source }
        }
    }
}

/// Copies a pipe to `echo` chunk by chunk as it arrives (so a prompt
/// without a newline shows at once) and keeps the last non-empty lines.
fn relay(
    mut pipe: impl Read + Send + 'static,
    echo: Echo,
    tail: Arc<Mutex<VecDeque<String>>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        let mut partial = Vec::new();
        loop {
            let n = match pipe.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let _ = match echo {
                Echo::Stdout => {
                    let mut out = std::io::stdout().lock();
                    out.write_all(&chunk[..n]).and_then(|_| out.flush())
                }
                Echo::Stderr => std::io::stderr().lock().write_all(&chunk[..n]),
                Echo::Quiet => Ok(()),
            };
            partial.extend_from_slice(&chunk[..n]);
            while let Some(pos) = partial.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = partial.drain(..=pos).collect();
                keep(&tail, &line);
            }
        }
        keep(&tail, &partial);
    })
}

fn keep(tail: &Mutex<VecDeque<String>>, line: &[u8]) {
    let line = String::from_utf8_lossy(line).trim_end().to_string();
    if line.trim().is_empty() {
        return;
    }
    if let Ok(mut t) = tail.lock() {
        if t.len() == TAIL_LINES {
            t.pop_front();
        }
        t.push_back(line);
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
