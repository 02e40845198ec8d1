//! `dsql-deploy token`: print a DSQL IAM auth token (the connection
//! password), minted by `dsql::token` with credentials from the AWS chain.

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use dsql::token::{TokenAction, TokenParams};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::context::Context;
use crate::output::OutputFormat;

/// Print an IAM auth token for a DSQL endpoint.
///
/// The token is the password for `psql`, temporal-sql-tool or any PostgreSQL
/// client: PGPASSWORD=$(dsql-deploy token --endpoint HOST --admin). DSQL checks
/// it only when a connection opens. Credentials come from the standard AWS
/// chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN],
/// AWS_PROFILE, SSO, web identity, container or instance role).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Cluster endpoint host name, e.g. abc123.dsql.us-east-1.on.aws.
    #[arg(long, value_name = "HOST")]
    pub endpoint: String,

    /// AWS region of the cluster [default: taken from the endpoint name, else $AWS_REGION].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Token for the `admin` role (action DbConnectAdmin); otherwise DbConnect.
    #[arg(long)]
    pub admin: bool,

    /// Token lifetime in seconds, 1 to 604800 (7 days).
    #[arg(long, value_name = "SECS", default_value = "900", allow_negative_numbers = true, value_parser = parse_expires_in)]
    pub expires_in: Duration,

    /// Sign as of this UTC time (RFC 3339, e.g. 2024-11-07T17:39:33Z) instead
    /// of now, to reproduce a token exactly.
    #[arg(long, value_name = "RFC3339", hide_short_help = true, value_parser = parse_signing_time)]
    pub signing_time: Option<SystemTime>,
}

fn parse_expires_in(text: &str) -> Result<Duration, String> {
    let secs: u64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number of seconds; DSQL accepts 1 to 604800 (7 days)"))?;
    dsql::token::check_expires_in(secs).map_err(|e| e.to_string())
}

fn parse_signing_time(text: &str) -> Result<SystemTime, String> {
    OffsetDateTime::parse(text.trim(), &Rfc3339)
        .map(SystemTime::from)
        .map_err(|e| format!("{text:?} is not an RFC 3339 time like 2024-11-07T17:39:33Z ({e})"))
}

/// The region to sign for: `--region`, else the endpoint's, else
/// `AWS_REGION` / `AWS_DEFAULT_REGION` (what `emulator env` exports). The
/// endpoint's region comes before the environment's: a token signed for
/// another region than the cluster's is refused.
pub fn region_for(endpoint: &str, region: Option<&str>) -> anyhow::Result<String> {
    let given = |r: Option<&str>| r.map(str::trim).filter(|r| !r.is_empty()).map(str::to_string);
    if let Some(region) = given(region) {
        return Ok(region);
    }
    if let Some(region) = dsql::endpoint::region_from_host(endpoint) {
        return Ok(region);
    }
    let from_env = ["AWS_REGION", "AWS_DEFAULT_REGION"].iter().find_map(|v| given(std::env::var(v).ok().as_deref()));
    from_env.with_context(|| {
        format!(
            "{endpoint:?} is not a DSQL endpoint name (<cluster-id>.dsql.<region>.on.aws), so its region is \
             unknown; pass --region (e.g. --region us-east-1) or set AWS_REGION"
        )
    })
}

pub async fn run(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let endpoint = args.endpoint.trim().to_string();
    let region = region_for(&endpoint, args.region.as_deref())?;
    let action = if args.admin { TokenAction::DbConnectAdmin } else { TokenAction::DbConnect };
    let params = TokenParams {
        host: endpoint.clone(),
        region: region.clone(),
        action,
        expires_in: args.expires_in,
        signing_time: args.signing_time,
    };
    let provider = dsql::token::credentials_from_chain(Some(&region)).await?;
    let token = dsql::token::generate_with(&params, &provider).await?;
    match ctx.output() {
        OutputFormat::Text => println!("{token}"),
        OutputFormat::Json => {
            let signed_at = args.signing_time.unwrap_or_else(SystemTime::now);
            let expires_at = OffsetDateTime::from(signed_at + args.expires_in).format(&Rfc3339)?;
            let doc = serde_json::json!({
                "token": token,
                "endpoint": endpoint,
                "region": region,
                "action": action.as_str(),
                "expires_in": args.expires_in.as_secs(),
                "expires_at": expires_at,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}
