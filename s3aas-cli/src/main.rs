//! `s3aas`, the command line of the s3aas SDK: every operation of its traits (instances,
//! buckets, users, policies, access keys), whole tenants, desired state (plan, apply, drift),
//! health and capabilities, on every backend the SDK has.
//!
//! Configuration is the library's (`s3aas::from_env`, `s3aas::from_uri`: the same variables and
//! option names) plus a config file with profiles and flags; see `s3aas --help`. Results go to
//! stdout, as a table or `--output json` (the model's serde form); errors go to stderr, one line
//! with the backend's code and request id, and set an exit code by error kind.

// The doc comments of `cli.rs` are the `--help` text, where `<KEY>` is a placeholder, not HTML.
#![allow(rustdoc::invalid_html_tags)]

mod cli;
mod commands;
mod config;
mod exit;
mod output;
mod progress;

use clap::{CommandFactory, Parser};
use cli::{Cli, Command};
use s3aas::Client;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are "errors" to clap that print to stdout and exit 0.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE } else { 0 });
        }
    };
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "s3aas", &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{}", exit::line(&e));
            ExitCode::from(exit::code(&e))
        }
    }
}

fn run(cli: Cli) -> s3aas::Result<u8> {
    let g = &cli.global;
    let args = config::ConnectArgs {
        config: g.config.clone(),
        profile: g.profile.clone(),
        uri: g.uri.clone(),
        backend: g.backend.clone(),
        endpoint: g.endpoint.clone(),
        options: g.options.clone(),
    };
    let env: Vec<(String, String)> = std::env::vars().collect();
    let cfg = config::resolve(&args, &env)?;
    let ctx = commands::Ctx {
        client: Client::new(s3aas::registry().connect(&cfg)?),
        out: output::Out { format: g.output },
        quiet: g.quiet,
        concurrency: usize::from(g.concurrency),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            s3aas::Error::new(
                s3aas::ErrorKind::Backend,
                format!("starting the runtime: {e}"),
            )
        })?;
    runtime.block_on(commands::run(&ctx, cli.command))
}
