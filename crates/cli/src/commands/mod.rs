//! The subcommands. Each module owns one command's flags (its clap doc
//! comments are the `--help` text) and calls into the library crates.

use std::process::ExitCode;

use clap::Subcommand;

use crate::context::Context;

pub mod certs;
pub mod config;
pub mod doctor;
pub mod down;
pub mod emulator;
pub mod entrypoint;
pub mod gateway;
pub mod infra;
pub mod render;
pub mod schema;
pub mod status;
pub mod token;
pub mod up;
pub mod verify;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job: emulator (or AWS), Temporal schema, rendered config.
    Up(up::Args),
    /// Stop what `up` started.
    Down(down::Args),
    /// Show the state of every component `up` manages.
    Status(status::Args),
    /// Replay Temporal's persistence operations against a target and report each.
    Verify(verify::Args),
    /// Write, show or validate `dsql-deploy.toml`.
    Config(config::Args),
    /// AWS Client VPN certificates and their ACM import.
    Certs(certs::Args),
    /// Drive the Terraform module for the AWS side.
    Infra(infra::Args),
    /// temporal-sql-tool compatible schema tool that knows DSQL.
    Schema(schema::Args),
    /// Print an IAM auth token for a DSQL endpoint.
    Token(token::Args),
    /// The local Aurora DSQL emulator.
    Emulator(emulator::Args),
    /// Run the DSQL gateway that PostgreSQL clients connect to.
    Gateway(gateway::Args),
    /// Render Temporal's config from environment variables.
    Render(render::Args),
    /// Container entrypoint: render, then exec the given command.
    Entrypoint(entrypoint::Args),
    /// Step-by-step connectivity diagnosis: DNS, TCP, TLS, token, login, query.
    Doctor(doctor::Args),
}

impl Command {
    /// Worker threads this command wants for the async runtime; `None`: one per CPU.
    pub fn worker_threads(&self, ctx: &Context) -> Option<usize> {
        match self {
            Command::Emulator(args) => emulator::worker_threads(args, ctx),
            Command::Gateway(_) => gateway::worker_threads(ctx),
            _ => None,
        }
    }

    pub async fn run(self, ctx: &Context) -> anyhow::Result<ExitCode> {
        match self {
            Command::Up(args) => up::run(args, ctx).await,
            Command::Down(args) => down::run(args, ctx).await,
            Command::Status(args) => status::run(args, ctx).await,
            Command::Verify(args) => verify::run(args, ctx).await,
            Command::Config(args) => config::run(args, ctx).await,
            Command::Certs(args) => certs::run(args, ctx).await,
            Command::Infra(args) => infra::run(args, ctx).await,
            Command::Schema(args) => schema::run(args, ctx).await,
            Command::Token(args) => token::run(args, ctx).await,
            Command::Emulator(args) => emulator::run(args, ctx).await,
            Command::Gateway(args) => gateway::run(args, ctx).await,
            Command::Render(args) => render::run(args, ctx).await,
            Command::Entrypoint(args) => entrypoint::run(args, ctx).await,
            Command::Doctor(args) => doctor::run(args, ctx).await,
        }
    }
}
