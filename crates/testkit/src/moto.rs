//! `moto_server` (PyPI `moto[server]`, installed in `.venv` by the bootstrap
//! script) on a free 127.0.0.1 port, for AWS SDK and Terraform tests.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// A running moto server; killed by PID on drop.
pub struct Moto {
    pub port: u16,
    child: Child,
}

impl Moto {
    /// The moto_server binary: `MOTO_SERVER` or `<repo>/.venv/bin/moto_server`.
    pub fn binary() -> PathBuf {
        std::env::var_os("MOTO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| crate::repo_root().join(".venv/bin/moto_server"))
    }

    pub fn start() -> Moto {
        Self::try_start().expect("moto_server for the test (run scripts/bootstrap.sh to install it)")
    }

    pub fn try_start() -> anyhow::Result<Moto> {
        let bin = Self::binary();
        if !bin.exists() {
            bail!("{} not found; run scripts/bootstrap.sh", bin.display());
        }
        let port = pgcluster::free_port()?;
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut moto = Moto { port, child };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !moto.responds() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                bail!("moto_server exited with {status} while starting");
            }
            if Instant::now() > deadline {
                bail!("moto_server did not answer on port {port} within 30 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(moto)
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Environment for an AWS SDK / CLI / Terraform process aimed at moto.
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_DEFAULT_REGION", "us-east-1".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    fn responds(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else { return false };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let req = format!("GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n", self.port);
        if stream.write_all(req.as_bytes()).is_err() {
            return false;
        }
        let mut buf = [0u8; 12];
        stream.read(&mut buf).map(|n| n > 0 && buf.starts_with(b"HTTP/")).unwrap_or(false)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
