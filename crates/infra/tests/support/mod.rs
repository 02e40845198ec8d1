//! Shared by the Terraform tests (this crate's and the CLI's): a private
//! copy of the repository's `terraform/` in a temporary directory, and a
//! Terraform CLI config that installs the aws provider from the machine's
//! offline mirror (`scripts/tf-mirror-config.sh`), never ~/.terraformrc.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A copy of `terraform/` plus the CLI config, removed on drop.
pub struct ModuleCopy {
    pub dir: tempfile::TempDir,
    pub cli_config: PathBuf,
}

impl ModuleCopy {
    pub fn new() -> ModuleCopy {
        let dir = tempfile::tempdir().expect("temp dir");
        copy_tree(&repo_root().join("terraform"), &dir.path().join("terraform"));
        let cli_config = dir.path().join("terraform-cli.tfrc");
        std::fs::write(&cli_config, mirror_cli_config()).expect("write CLI config");
        ModuleCopy { dir, cli_config }
    }

    /// The copied module; examples are under `examples/`.
    pub fn module(&self) -> PathBuf {
        self.dir.path().join("terraform")
    }

    /// `terraform -chdir=<module>/<sub> ARGS` with the mirror config and `env`.
    pub fn terraform(&self, sub: &str, args: &[&str], env: &[(String, String)]) -> Output {
        let mut cmd = Command::new(terraform_bin());
        cmd.arg(format!("-chdir={}", self.module().join(sub).display()))
            .args(args)
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .envs(env.iter().map(|(k, v)| (k, v)));
        cmd.output().expect("run terraform (install it with scripts/bootstrap.sh)")
    }

    /// Like [`terraform`](Self::terraform) but panics with Terraform's output on failure.
    pub fn terraform_ok(&self, sub: &str, args: &[&str], env: &[(String, String)]) -> String {
        let out = self.terraform(sub, args, env);
        assert!(out.status.success(), "terraform {args:?} in {sub:?} failed:\n{}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `terraform init` in `sub`.
    pub fn init(&self, sub: &str) {
        self.terraform_ok(sub, &["init", "-input=false", "-no-color", "-backend=false"], &[]);
    }
}

/// This checkout's root. `repo_root()` is fixed when testkit is
/// compiled, and the shared target directory may hold a build from another
/// checkout; the test crate's own manifest path is always this one.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

/// moto_server from this checkout's `.venv` (see [`repo_root`]).
pub fn moto() -> testkit::Moto {
    if std::env::var_os("MOTO_SERVER").is_none() && !testkit::Moto::binary().exists() {
        // SAFETY: called before the test starts any thread that reads the environment.
        unsafe { std::env::set_var("MOTO_SERVER", repo_root().join(".venv/bin/moto_server")) };
    }
    testkit::Moto::start()
}

/// Environment that points Terraform (and `dsql-deploy`) at a moto server.
pub fn moto_env(moto: &testkit::Moto) -> Vec<(String, String)> {
    moto.env()
}

pub fn terraform_bin() -> PathBuf {
    std::env::var_os("TERRAFORM").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("terraform"))
}

pub fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The CLI config `scripts/tf-mirror-config.sh` writes. Its output file is
/// reused when present, because the script searches the whole disk for the
/// mirror (seconds), and copied because parallel tests may rewrite it.
fn mirror_cli_config() -> String {
    let root = repo_root();
    let shared = root.join("target/terraform-cli.tfrc");
    if let Ok(text) = std::fs::read_to_string(&shared) {
        if text.contains("provider_installation") {
            return text;
        }
    }
    let out = Command::new(root.join("scripts/tf-mirror-config.sh")).output().expect("run scripts/tf-mirror-config.sh");
    assert!(out.status.success(), "tf-mirror-config.sh failed: {}", text(&out));
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    std::fs::read_to_string(path).expect("read the CLI config the script wrote")
}

/// Copies the module without local Terraform state, caches or generated files.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read module dir") {
        let entry = entry.expect("dir entry");
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == ".terraform"
            || name == ".terraform.lock.hcl"
            || name.contains(".tfstate")
            || name == "dsql-deploy.auto.tfvars.json"
        {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&*name));
        } else {
            std::fs::copy(&path, to.join(&*name)).expect("copy file");
        }
    }
}
