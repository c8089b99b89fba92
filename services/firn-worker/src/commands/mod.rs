//! The commands, and the error they share.

mod atl03;
mod atl06p;
#[cfg(feature = "synth")]
mod demo;
mod gather;
mod h5;
mod serve;
#[cfg(feature = "synth")]
mod synth;

pub(crate) use atl06p::{RequestParts, split_request};
#[cfg(feature = "synth")]
pub(crate) use synth::TerrainArg;

use crate::cli::Command;
use crate::request::ParamError;

/// Why a command failed; decides the exit code.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CommandError {
    /// A bad request parameter (exit 2).
    #[error(transparent)]
    BadRequest(#[from] ParamError),
    /// A bad command-line value (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Reading HDF5 failed (exit 1).
    #[error(transparent)]
    H5(#[from] firn_h5::Error),
    /// Reading an ATL03 granule failed (exit 1).
    #[error(transparent)]
    Atl03(#[from] firn_atl03::Error),
    /// Opening an ATL03 granule failed (exit 1).
    #[error(transparent)]
    Open(#[from] crate::pipeline::OpenError),
    /// Reading or writing an output, a plan or a run manifest failed (exit 1).
    #[error(transparent)]
    Output(#[from] firn_output::Error),
    /// A run failed for a reason described in full (exit 1).
    #[error("{0}")]
    Failed(String),
    /// Local I/O failed (exit 1).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

impl CommandError {
    /// 2 for bad requests and usage, 1 for failed runs.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CommandError::BadRequest(_) | CommandError::Usage(_) => 2,
            _ => 1,
        }
    }
}

/// Runs one command.
pub(crate) fn run(command: Command) -> Result<(), CommandError> {
    match command {
        Command::H5(command) => h5::run(command),
        Command::Atl03(command) => atl03::run(command),
        #[cfg(feature = "synth")]
        Command::Synth(args) => synth::run(args),
        Command::Atl06p(args) => atl06p::run_command(args),
        Command::Gather(args) => gather::run(args),
        #[cfg(feature = "synth")]
        Command::Demo(args) => demo::run(args),
        Command::Serve(args) => serve::run(args),
    }
}

/// Writes to stdout; a closed pipe (`firn h5 cat … | head`) ends the command quietly.
pub(crate) fn write_stdout(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), CommandError> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match write(&mut out).and_then(|()| std::io::Write::flush(&mut out)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(source) => Err(CommandError::Io {
            context: "writing to stdout".to_owned(),
            source,
        }),
    }
}
