//! Step-by-step connection diagnosis behind `dsql-deploy doctor`: DNS → TCP
//! → TLS (handshake, chain, name) → token minting → login → `SELECT 1` →
//! round-trip latency. Each step reports OK/FAIL/SKIP with what it saw and,
//! on failure, a hint; after the first failure the rest are SKIPped, because
//! their results would only repeat the same cause.

mod probe;

use std::time::{Duration, Instant};

use dsql::token::{TokenAction, TokenParams};
use serde::Serialize;

use crate::{Auth, ConnectOptions, ErrorClass};

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    Dns,
    Tcp,
    Tls,
    Token,
    Login,
    Query,
    Latency,
}

impl Step {
    pub const ALL: [Step; 7] = [Step::Dns, Step::Tcp, Step::Tls, Step::Token, Step::Login, Step::Query, Step::Latency];

    pub fn label(self) -> &'static str {
        match self {
            Step::Dns => "DNS",
            Step::Tcp => "TCP",
            Step::Tls => "TLS",
            Step::Token => "token",
            Step::Login => "login",
            Step::Query => "query",
            Step::Latency => "latency",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Ok,
    Fail,
    Skip,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        }
    }
}

/// One step's result.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub step: Step,
    pub status: Status,
    /// What was seen (addresses, certificate, identity, timings, error).
    pub detail: String,
    /// How to fix a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    pub elapsed_ms: f64,
}

/// The whole diagnosis.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub target: String,
    pub ok: bool,
    pub steps: Vec<StepReport>,
}

/// What to diagnose.
#[derive(Debug, Clone)]
pub struct DoctorOptions {
    pub connect: ConnectOptions,
    /// `SELECT 1` round trips for the latency step.
    pub latency_samples: u32,
}

/// A step's result before timing is attached.
enum Outcome<T> {
    Ok(T, String),
    /// Not applicable (e.g. TLS with sslmode=disable); later steps still run.
    NotApplicable(T, String),
    Fail {
        detail: String,
        hint: String,
    },
}

struct Runner {
    steps: Vec<StepReport>,
}

impl Runner {
    async fn step<T>(&mut self, step: Step, work: impl std::future::Future<Output = Outcome<T>>) -> Option<T> {
        let started = Instant::now();
        let outcome = work.await;
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        let (status, detail, hint, value) = match outcome {
            Outcome::Ok(value, detail) => (Status::Ok, detail, None, Some(value)),
            Outcome::NotApplicable(value, detail) => (Status::Skip, detail, None, Some(value)),
            Outcome::Fail { detail, hint } => (Status::Fail, detail, Some(hint), None),
        };
        self.steps.push(StepReport { step, status, detail, hint, elapsed_ms });
        value
    }

    fn finish(mut self, target: String) -> Report {
        for step in Step::ALL.into_iter().skip(self.steps.len()) {
            self.steps.push(StepReport {
                step,
                status: Status::Skip,
                detail: "not run: an earlier step failed".into(),
                hint: None,
                elapsed_ms: 0.0,
            });
        }
        let ok = self.steps.iter().all(|s| s.status != Status::Fail);
        Report { target, ok, steps: self.steps }
    }
}

/// Runs every step against `opts.connect` (see module docs).
pub async fn diagnose(opts: &DoctorOptions) -> Report {
    let mut connect = opts.connect.clone();
    let target = connect.describe();
    let mut runner = Runner { steps: Vec::new() };
    let timeout = connect.connect_timeout;

    let Some(addrs) = runner.step(Step::Dns, probe::dns(&connect.host, connect.port)).await else {
        return runner.finish(target);
    };
    if runner.step(Step::Tcp, probe::tcp(&addrs, connect.port, timeout)).await.is_none() {
        return runner.finish(target);
    }
    if runner.step(Step::Tls, probe::tls(&connect, &addrs, timeout)).await.is_none() {
        return runner.finish(target);
    }
    let Some(credentials) = runner.step(Step::Token, token(&connect)).await else {
        return runner.finish(target);
    };
    // Log in with the very credentials the token step found.
    if credentials.is_some() {
        connect.credentials = credentials;
    }
    // One attempt: the doctor reports failures, it does not hide them by retrying.
    connect.max_attempts = 1;
    let Some(client) = runner.step(Step::Login, login(&connect)).await else {
        return runner.finish(target);
    };
    if runner.step(Step::Query, query(&client)).await.is_none() {
        return runner.finish(target);
    }
    runner.step(Step::Latency, latency(&client, opts.latency_samples.max(1))).await;
    runner.finish(target)
}

/// Finds credentials and mints a token (IAM), or notes password auth.
async fn token(connect: &ConnectOptions) -> Outcome<Option<dsql::token::SharedCredentialsProvider>> {
    let Auth::Iam { region } = &connect.auth else {
        let how = match &connect.auth {
            Auth::Password(Some(_)) => "password auth: no token needed",
            _ => "no password and no IAM: the server must trust this client",
        };
        return Outcome::NotApplicable(None, how.into());
    };
    let provider = match crate::auth::credentials(connect, region).await {
        Ok(provider) => provider,
        Err(err) => return fail_token(err.to_string()),
    };
    let credentials = match dsql::token::resolve_credentials(&provider).await {
        Ok(credentials) => credentials,
        Err(err) => return fail_token(err.to_string()),
    };
    let action = TokenAction::for_user(&connect.user);
    let mut params = TokenParams::new(connect.host.clone(), region.clone(), action);
    params.expires_in = connect.token_expires_in;
    if let Err(err) = dsql::token::generate(&params, &credentials) {
        return fail_token(err.to_string());
    }
    let kind = if credentials.session_token().is_some() { "temporary credentials" } else { "long-term key" };
    let detail = format!(
        "access key {} ({kind}); minted a {action} token for region {region}, valid {} s",
        dsql::token::mask_access_key_id(credentials.access_key_id()),
        params.expires_in.as_secs()
    );
    Outcome::Ok(Some(provider), detail)
}

fn fail_token<T>(detail: String) -> Outcome<T> {
    Outcome::Fail {
        detail,
        hint: "make AWS credentials available (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an IAM role); \
               check with `aws sts get-caller-identity`"
            .into(),
    }
}

async fn login(connect: &ConnectOptions) -> Outcome<tokio_postgres::Client> {
    match crate::connect(connect).await {
        Ok(client) => {
            let version = match client.query_one("SHOW server_version", &[]).await {
                Ok(row) => row.try_get::<_, String>(0).unwrap_or_default(),
                Err(_) => "unknown".into(),
            };
            let detail = format!("logged in as {} to {} (server_version {version})", connect.user, connect.database);
            Outcome::Ok(client, detail)
        }
        Err(err) => {
            let hint = match err.class() {
                ErrorClass::Auth { expired: true } => {
                    "sync this machine's clock (NTP); tokens are signed with local time"
                }
                ErrorClass::Auth { expired: false } if matches!(connect.auth, Auth::Iam { .. }) => {
                    "a token is valid only for the host name, region and role it was signed for (check --endpoint, \
                     --region, --user); on AWS allow dsql:DbConnect/DbConnectAdmin for this identity and map \
                     non-admin roles with AWS IAM GRANT; the local emulator logs why in emulator.log"
                }
                ErrorClass::Auth { .. } => "check the user name and password",
                ErrorClass::RateLimited => "the cluster is refusing new connections for now; retry in a few seconds",
                ErrorClass::Tls => "see the TLS step; the login uses the same TLS settings",
                ErrorClass::Network => "the server closed or dropped the connection during login; check its logs",
                _ => "see the message for the server's reason",
            };
            Outcome::Fail { detail: err.to_string(), hint: hint.into() }
        }
    }
}

async fn query(client: &tokio_postgres::Client) -> Outcome<()> {
    match client.query_one("SELECT 1", &[]).await {
        Ok(row) if row.try_get::<_, i32>(0).ok() == Some(1) => Outcome::Ok((), "SELECT 1 returned 1".into()),
        Ok(_) => Outcome::Fail {
            detail: "SELECT 1 did not return 1".into(),
            hint: "something between us and the server alters results (proxy?)".into(),
        },
        Err(err) => Outcome::Fail {
            detail: crate::Error::from_db(&err).to_string(),
            hint: "the login worked but queries fail: check the role's privileges".into(),
        },
    }
}

async fn latency(client: &tokio_postgres::Client, samples: u32) -> Outcome<()> {
    let mut times = Vec::with_capacity(samples as usize);
    for _ in 0..samples {
        let started = Instant::now();
        if let Err(err) = client.simple_query("SELECT 1").await {
            return Outcome::Fail {
                detail: crate::Error::from_db(&err).to_string(),
                hint: "the connection failed while measuring; check network stability".into(),
            };
        }
        times.push(started.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    // Nearest-rank median.
    let p50 = times[(times.len() - 1) / 2];
    let detail = format!(
        "p50 {:.2} ms over {samples} round trips (min {:.2} ms, max {:.2} ms)",
        ms(p50),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
    Outcome::Ok((), detail)
}
