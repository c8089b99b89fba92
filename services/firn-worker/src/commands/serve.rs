//! `firn serve`: the command line → a validated server configuration → the server, on a Tokio
//! runtime.

use std::net::SocketAddr;
use std::time::Duration;

use firn_output::Secret;

use super::CommandError;
use crate::cli::ServeArgs;
use crate::pipeline::SourceSpec;
use crate::serve::{ServeConfig, serve};

/// Runs the server until SIGINT or SIGTERM.
pub(crate) fn run(args: ServeArgs) -> Result<(), CommandError> {
    let config = config(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("firn-serve")
        .build()
        .map_err(|source| CommandError::Io {
            context: "starting the server runtime".to_owned(),
            source,
        })?;
    runtime
        .block_on(serve(config))
        .map_err(|e| CommandError::Failed(e.to_string()))
}

/// Checks the options; errors name the option.
fn config(args: ServeArgs) -> Result<ServeConfig, CommandError> {
    let usage = CommandError::Usage;
    let bind: SocketAddr = args.bind.parse().map_err(|e| {
        usage(format!(
            "--bind {:?}: expected an address such as 127.0.0.1:9081 ({e})",
            args.bind
        ))
    })?;
    let source = SourceSpec::parse(&args.source).map_err(|e| usage(e.to_string()))?;
    if args.max_concurrent == 0 {
        return Err(usage("--max-concurrent: at least 1".to_owned()));
    }
    if !(1..=30).contains(&args.progress_secs) {
        return Err(usage(format!(
            "--progress-secs {}: expected 1 to 30 (the client gives up after 120 s of silence)",
            args.progress_secs
        )));
    }
    if args.max_body == 0 {
        return Err(usage("--max-body: at least 1 byte".to_owned()));
    }
    let token = match &args.token_file {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| CommandError::Io {
                context: format!("reading the token file {}", path.display()),
                source,
            })?;
            let token = text.trim();
            if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(usage(format!(
                    "--token-file {}: expected one token of printable ASCII characters",
                    path.display()
                )));
            }
            Some(Secret::new(token))
        }
    };
    Ok(ServeConfig {
        bind,
        source,
        max_concurrent: args.max_concurrent,
        max_queued: args.max_queued,
        token,
        max_body: args.max_body,
        progress_every: Duration::from_secs(args.progress_secs),
        shutdown_grace: Duration::from_secs(args.shutdown_grace_secs),
    })
}
