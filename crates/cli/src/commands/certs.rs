//! `dsql-deploy certs`: the AWS Client VPN PKI and its ACM import. Flags and
//! printing only; the work is in the `certs` crate.

use std::path::PathBuf;
use std::process::ExitCode;

use certs::acm::{self, Outcome};
use certs::inspect::CertInfo;
use certs::layout::AcmTarget;
use certs::verify::Severity;
use certs::{Layout, Settings, issue, ovpn};
use clap::Subcommand;
use time::OffsetDateTime;

use crate::context::Context;
use crate::output::OutputFormat;

/// AWS Client VPN certificates (mutual TLS) and their ACM import.
///
/// Usual order: init → create-root-ca → create-server → create-client NAME →
/// verify → acm-import-server → acm-import-root → print-acm-arns. Keys are
/// RSA 2048 by default ([certs] key_type), written 0600; nothing is
/// overwritten without --force. See docs/certs.md.
///
/// Exit codes: 0 success (warnings allowed), 1 error, 2 usage error,
/// 3 `verify` found problems.
#[derive(Debug, clap::Args)]
#[command(after_help = "Order: init, create-root-ca, create-server, create-client NAME, verify, \
acm-import-server, acm-import-root, print-acm-arns. See docs/certs.md.\n\
Exit codes: 0 success (warnings allowed), 1 error, 2 usage error, 3 `verify` found problems.")]
pub struct Args {
    /// Directory holding certs/, server/, clients/ and .acm/ [default: certs.dir from the config].
    #[arg(long, global = true, value_name = "DIR")]
    dir: Option<PathBuf>,

    #[command(subcommand)]
    command: CertsCommand,
}

#[derive(Debug, Subcommand)]
enum CertsCommand {
    /// Create certs/, server/, clients/, .acm/ and their .gitignore entries.
    Init,
    /// Create the root CA (certs/ca.key, certs/ca.crt; CA:true, pathlen 0, 10 years).
    CreateRootCa(ForceArg),
    /// Create the server certificate (server/server.{key,crt,chain.crt}; serverAuth, SAN DNS).
    CreateServer(ForceArg),
    /// Create a client certificate clients/NAME.{key,crt} (clientAuth, CN and SAN = NAME).
    CreateClient {
        /// Client (operator) name: a-z, A-Z, 0-9, '.', '_', '-'.
        name: String,
        #[command(flatten)]
        force: ForceArg,
    },
    /// Check every certificate: chain to the CA, usages, key match, validity.
    ///
    /// Lists every problem. Exit code 3 when any error was found; warnings
    /// (e.g. expiry within certs.expiry_warning_days) alone exit 0.
    Verify,
    /// Import the server certificate with its chain into ACM (re-imports onto
    /// the recorded ARN when it changed; records .acm/server.json).
    AcmImportServer(RegionArg),
    /// Import the root CA into ACM for client certificate authentication
    /// (records .acm/root.json).
    AcmImportRoot(RegionArg),
    /// Print the recorded ARNs as Terraform variables (HCL; --output json gives tfvars JSON).
    PrintAcmArns,
    /// List the certificates with expiry, key type, fingerprint and ACM ARN.
    List,
    /// Write clients/NAME.ovpn, an OpenVPN profile with the certificates inline.
    Ovpn {
        /// Client name (from create-client).
        name: String,
        /// The Client VPN endpoint's DNS name (`*.cvpn-endpoint-….amazonaws.com`).
        #[arg(long, value_name = "DNS")]
        endpoint: String,
        #[command(flatten)]
        force: ForceArg,
    },
    /// Delete certs/, server/, clients/ and .acm/ (private keys included); needs --force.
    Clean(ForceArg),
}

#[derive(Debug, clap::Args)]
struct ForceArg {
    /// Overwrite existing files.
    #[arg(short, long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
struct RegionArg {
    /// ACM region [default: certs.acm_region, else project.region].
    #[arg(long)]
    region: Option<String>,
}

pub async fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let config = ctx.config()?;
    let settings = Settings::from_config(&config);
    let layout = Layout::new(args.dir.unwrap_or_else(|| config.certs.dir.clone()));
    let json = ctx.output() == OutputFormat::Json;
    match args.command {
        CertsCommand::Init => {
            let changed = layout.init()?;
            if changed.is_empty() {
                println!("{} is ready (nothing to do)", layout.root().display());
            }
            for path in changed {
                println!("created {}", path.display());
            }
        }
        CertsCommand::CreateRootCa(f) => {
            let issued = issue::create_root_ca(&layout, &settings, f.force)?;
            print_issued(&issued, json)?;
            if f.force && layout.server_cert().exists() {
                eprintln!(
                    "note: the new CA did not sign the existing server/client certificates; reissue them with --force"
                );
            }
        }
        CertsCommand::CreateServer(f) => print_issued(&issue::create_server(&layout, &settings, f.force)?, json)?,
        CertsCommand::CreateClient { name, force } => {
            print_issued(&issue::create_client(&layout, &settings, &name, force.force)?, json)?
        }
        CertsCommand::Verify => return verify(&layout, &settings, json),
        CertsCommand::AcmImportServer(r) => acm_import(&layout, &settings, AcmTarget::Server, r, json).await?,
        CertsCommand::AcmImportRoot(r) => acm_import(&layout, &settings, AcmTarget::Root, r, json).await?,
        CertsCommand::PrintAcmArns => {
            let arns = acm::terraform_arns(&layout)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&arns)?);
            } else {
                print!("{}", arns.to_hcl());
            }
        }
        CertsCommand::List => list(&layout, json)?,
        CertsCommand::Ovpn { name, endpoint, force } => {
            let path = ovpn::write_profile(&layout, &settings, &name, &endpoint, force.force)?;
            println!("wrote {} (mode 0600; it holds {name}'s private key)", path.display());
        }
        CertsCommand::Clean(f) => clean(&layout, f.force)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_issued(issued: &issue::Issued, json: bool) -> anyhow::Result<()> {
    if json {
        let value = serde_json::json!({
            "certificate": issued.cert_path,
            "key": issued.key_path,
            "info": issued.info,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        let info = &issued.info;
        println!("created {} and {}", issued.cert_path.display(), issued.key_path.display());
        println!("  subject   {}", info.subject);
        println!("  key       {} ({})", info.key_algorithm, info.signature_algorithm);
        println!("  expires   {}", date(info.not_after));
        println!("  sha-256   {}", info.sha256_fingerprint);
    }
    Ok(())
}

fn verify(layout: &Layout, settings: &Settings, json: bool) -> anyhow::Result<ExitCode> {
    let report = certs::verify::verify(layout, settings, OffsetDateTime::now_utc())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for checked in &report.checked {
            println!(
                "checked {:<16} {}  {}  expires {}",
                checked.role,
                checked.path.display(),
                checked.info.key_algorithm,
                date(checked.info.not_after)
            );
        }
        for finding in &report.findings {
            let label = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            println!("{label}: {}: {}", finding.path.display(), finding.message);
        }
        println!(
            "{} certificate(s), {} error(s), {} warning(s)",
            report.checked.len(),
            report.errors(),
            report.warnings()
        );
    }
    Ok(if report.errors() > 0 { ExitCode::from(3) } else { ExitCode::SUCCESS })
}

async fn acm_import(
    layout: &Layout,
    settings: &Settings,
    target: AcmTarget,
    region: RegionArg,
    json: bool,
) -> anyhow::Result<()> {
    let region = region.region.unwrap_or_else(|| settings.acm_region.clone());
    if !dsql_deploy_config::is_region(&region) {
        anyhow::bail!("--region {region:?} is not an AWS region name like \"us-east-1\"");
    }
    let client = acm::client(&region).await;
    let (outcome, record) = acm::import(&client, layout, target, &region, &settings.acm_tags).await?;
    if json {
        let value = serde_json::json!({ "outcome": outcome, "record": record });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    let what = match target {
        AcmTarget::Server => "server certificate",
        AcmTarget::Root => "root CA",
    };
    match outcome {
        Outcome::Imported => println!("imported the {what}: {}", record.certificate_arn),
        Outcome::Reimported => println!("re-imported the changed {what} onto {}", record.certificate_arn),
        Outcome::UpToDate => println!("{what} is up to date in ACM: {}", record.certificate_arn),
    }
    println!("recorded in {}", layout.acm_record(target).display());
    Ok(())
}

/// One certificate in `list`: its role, file, what it says (or why it
/// could not be read) and the ACM ARN recorded for it.
type ListRow = (String, PathBuf, Result<CertInfo, String>, Option<String>);

fn list(layout: &Layout, json: bool) -> anyhow::Result<()> {
    let mut rows: Vec<ListRow> = Vec::new();
    let arn = |t| acm::read_record(layout, t).ok().flatten().map(|r| r.certificate_arn);
    for (role, path, target) in [
        ("ca".to_string(), layout.ca_cert(), Some(AcmTarget::Root)),
        ("server".to_string(), layout.server_cert(), Some(AcmTarget::Server)),
    ] {
        if path.exists() {
            rows.push((role, path.clone(), read(&path), target.and_then(arn)));
        }
    }
    for name in layout.client_names()? {
        let path = layout.client_cert(&name);
        rows.push((format!("client:{name}"), path.clone(), read(&path), None));
    }
    if json {
        let items: Vec<_> = rows
            .iter()
            .map(|(role, path, info, arn)| match info {
                Ok(info) => serde_json::json!({"role": role, "path": path, "info": info, "acm_arn": arn}),
                Err(e) => serde_json::json!({"role": role, "path": path, "error": e}),
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!("no certificates under {}; run `dsql-deploy certs create-root-ca`", layout.root().display());
    }
    let now = OffsetDateTime::now_utc();
    for (role, path, info, arn) in rows {
        match info {
            Ok(i) => println!(
                "{role:<16} {:<36} {:<12} expires {} ({:>4} days)  {}  {}",
                i.common_name.as_deref().unwrap_or("-"),
                i.key_algorithm,
                date(i.not_after),
                i.days_left(now),
                i.sha256_fingerprint.get(..23).unwrap_or(&i.sha256_fingerprint),
                arn.as_deref().unwrap_or("")
            ),
            Err(e) => println!("{role:<16} {}: {e}", path.display()),
        }
    }
    Ok(())
}

fn read(path: &std::path::Path) -> Result<CertInfo, String> {
    certs::inspect::read_cert(path, "verify").map_err(|e| e.to_string())
}

fn clean(layout: &Layout, force: bool) -> anyhow::Result<()> {
    let folders = layout.existing_folders();
    if folders.is_empty() {
        println!("nothing to clean under {}", layout.root().display());
        return Ok(());
    }
    let names: Vec<String> = folders.iter().map(|p| p.display().to_string()).collect();
    if !force {
        anyhow::bail!("this deletes {} (private keys included); pass --force to do it", names.join(", "));
    }
    let still_in_acm: Vec<String> = [AcmTarget::Server, AcmTarget::Root]
        .into_iter()
        .filter_map(|t| acm::read_record(layout, t).ok().flatten())
        .map(|r| r.certificate_arn)
        .collect();
    layout.remove_all()?;
    println!("deleted {}", names.join(", "));
    for arn in still_in_acm {
        eprintln!("note: {arn} stays in ACM; delete it there when no Client VPN endpoint uses it");
    }
    Ok(())
}

fn date(t: OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}
