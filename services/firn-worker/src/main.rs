//! `firn`: ICESat-2 ATL03 photons to ATL06-SR elevation segments.
//!
//! The binary is thin: parse the command line, run the command, map the outcome to an exit code
//! (0 success, 1 a failed run, 2 a bad request or usage).

mod cli;
mod commands;
mod pipeline;
mod request;
mod serve;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    init_logging(args.verbose);
    match commands::run(args.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("firn: {error:#}");
            ExitCode::from(error.exit_code())
        }
    }
}

/// Structured logs on stderr: `RUST_LOG` decides, else warnings (info with `-v`).
fn init_logging(verbose: bool) {
    let default = if verbose { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
