//! `firn serve`: the worker as an HTTP service that the SlideRule Python client uses unchanged
//! (`sliderule.init("127.0.0.1:9081", organization=None)`).
//!
//! - [`protocol`]: the records and their definitions, the wire format the clients decode.
//! - `routes`: the endpoints (`/source/version`, `/source/definition`, `POST /source/atl06p`,
//!   `POST /source/atl03x`, `/health`), the token check and the body limit.
//! - `request`: the client's JSON → validated parameters and a delivery (in-band records, a file
//!   sent back, or an object in S3), with the command line's errors.
//! - `stream` and `job`: a job queued for a worker slot, run on its own thread, its records
//!   streamed back through a bounded channel; progress at least every `progress_every`; a client
//!   that disconnects cancels it.
//! - `state`: limits, slots, token, metrics.
//!
//! On SIGINT or SIGTERM the server stops accepting connections, lets running jobs finish for the
//! grace period, then cancels them (their clients get a `DID_NOT_COMPLETE` record) and exits.

mod job;
mod protocol;
mod request;
mod routes;
mod state;
mod stream;

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::trace::TraceLayer;

use state::AppState;
pub(crate) use state::ServeConfig;

/// How long connections may stay open after the grace period, before the server exits anyway.
const CLOSE_AFTER_GRACE: Duration = Duration::from_secs(10);

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ServeError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The granule source's catalogue client could not be set up.
    #[error("granule source: {0}")]
    Source(firn_cmr::Error),
    /// Local I/O around the server failed (scratch directory, accepting, signals).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

/// Serves until SIGINT or SIGTERM, then shuts down gracefully. Prints
/// `firn serve: listening on http://ADDR` on stdout once the socket is bound.
pub(crate) async fn serve(config: ServeConfig) -> Result<(), ServeError> {
    let io = |context| move |source| ServeError::Io { context, source };
    let scratch = tempfile::Builder::new()
        .prefix("firn-serve-")
        .tempdir()
        .map_err(io("creating the scratch directory"))?;
    let resolver = config.source.resolver().map_err(ServeError::Source)?;
    let state = Arc::new(AppState::new(
        &config,
        resolver,
        scratch.path().to_path_buf(),
    ));
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.bind,
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(io("reading the bound address"))?;
    println!("firn serve: listening on http://{addr}");
    {
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }
    tracing::info!(%addr, source = ?config.source, max_concurrent = config.max_concurrent,
                   max_queued = config.max_queued, "serving");

    let stopping = CancellationToken::new();
    let signals = shutdown_signal().map_err(io("installing the signal handlers"))?;
    tokio::spawn({
        let (stopping, state, grace) = (stopping.clone(), state.clone(), config.shutdown_grace);
        async move {
            signals.await;
            eprintln!(
                "firn serve: shutting down; running jobs get {} s to finish",
                grace.as_secs()
            );
            stopping.cancel();
            tokio::time::sleep(grace).await;
            eprintln!("firn serve: grace period over: cancelling the jobs still running");
            state.stop_jobs.cancel();
        }
    });

    let app = routes::router(state).layer(TraceLayer::new_for_http());
    let server =
        axum::serve(listener, app).with_graceful_shutdown(stopping.clone().cancelled_owned());
    let last_call = async {
        stopping.cancelled().await;
        tokio::time::sleep(config.shutdown_grace + CLOSE_AFTER_GRACE).await;
    };
    tokio::select! {
        served = server => served.map_err(io("serving"))?,
        () = last_call => tracing::warn!("connections still open after the grace period: exiting"),
    }
    drop(scratch);
    eprintln!("firn serve: stopped");
    Ok(())
}

/// Resolves on the first SIGINT or SIGTERM.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
