//! `dsql-deploy`: the one executable. This file only parses flags, sets up
//! logging and hands each subcommand to its module under `commands/`; the work
//! itself lives in the library crates.
//!
//! Exit codes: 0 success, 1 failure, 2 usage error (bad flags), and for
//! commands that report findings (`schema lint`, `certs verify`) 3 when
//! findings were reported.

mod commands;
mod context;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::commands::Command;
use crate::context::{Context, GlobalArgs};

/// Put the Temporal workflow server on Amazon Aurora DSQL.
///
/// Start with `dsql-deploy up`: it starts a local DSQL emulator, installs
/// Temporal's schema on it and renders Temporal's config.
#[derive(Debug, Parser)]
#[command(name = "dsql-deploy", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,

    #[command(subcommand)]
    command: Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    context::init_logging(&cli.global);
    let ctx = Context::new(cli.global);
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = cli.command.worker_threads(&ctx) {
        builder.worker_threads(threads);
    }
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli.command.run(&ctx)) {
        Ok(code) => code,
        Err(err) => {
            output::print_error(&err);
            ExitCode::FAILURE
        }
    }
}
