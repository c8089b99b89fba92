//! The HTTP endpoints. Bodies are read as raw bytes and parsed as JSON whatever the Content-Type
//! (the SlideRule client sends none). Errors before a stream starts go back as one `exceptrec`
//! with an HTTP status the clients handle: 400 a bad request, 401 no or a wrong token, 404 no
//! granules or an unknown endpoint, 413 a body over the limit, 503 the queue is full (the 5.x
//! client retries that one).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::job::Job;
use super::protocol::{Code, Level, definition, exception};
use super::request::{Api, ParsedRequest, parse};
use super::state::{AppState, Metrics};
use super::stream::{OCTET_STREAM, respond};
use crate::pipeline::ResolveError;

/// The SlideRule API levels Firn speaks, by the client's major version: `/source/version`
/// reports the one matching the client (so its compatibility check passes), 5.x otherwise.
const API_LEVELS: [(&str, &str); 2] = [("4", "v4.20.0"), ("5", "v5.7.0")];

/// The router of `firn serve`.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    // The token guards the work; version, definitions and health stay open (the client checks
    // the version in `sliderule.init`, before a notebook can set its token).
    let processing = Router::new()
        .route("/atl06p", post(atl06p))
        .route("/atl03x", post(atl03x))
        .route("/{api}", post(unknown_api).get(unknown_api))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    let source = Router::new()
        .route("/version", get(version).post(version))
        .route(
            "/definition",
            get(record_definition).post(record_definition),
        )
        .route("/health", get(health))
        .merge(processing);
    Router::new()
        .route("/health", get(health))
        .nest("/source", source)
        .layer(DefaultBodyLimit::max(state.limits.max_body))
        .with_state(state)
}

/// Refuses processing requests without the configured bearer token.
async fn require_token(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let header = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    if state.authorized(header) {
        next.run(request).await
    } else {
        Metrics::inc(&state.metrics.rejected);
        refusal(
            StatusCode::UNAUTHORIZED,
            Code::Unauthorized,
            "unauthorized: this server needs an Authorization: Bearer token",
        )
    }
}

/// `GET /source/version`: the API level for the client's major version, and Firn's own.
async fn version(headers: HeaderMap) -> Response {
    let client_major = headers
        .get("x-sliderule-client")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("python-v"))
        .and_then(|v| v.split('.').next());
    let level = API_LEVELS
        .iter()
        .find(|(major, _)| Some(*major) == client_major)
        .map_or(API_LEVELS[1].1, |(_, level)| level);
    let firn = concat!("v", env!("CARGO_PKG_VERSION"));
    axum::Json(json!({
        "server": {
            "version": level,
            "build": format!("firn {}", env!("CARGO_PKG_VERSION")),
            "packages": ["firn"],
        },
        "firn": {"version": firn},
    }))
    .into_response()
}

/// `GET /source/definition {"rectype": NAME}`: the layout of a record type.
async fn record_definition(body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return json_error(rejection.status(), &rejection.body_text()),
    };
    let name = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("rectype").and_then(Value::as_str).map(str::to_owned));
    let Some(name) = name else {
        return json_error(
            StatusCode::BAD_REQUEST,
            "definition: expected {\"rectype\": NAME}",
        );
    };
    match definition(&name) {
        Some(def) => ([(header::CONTENT_TYPE, "application/json")], def.to_json()).into_response(),
        None => json_error(
            StatusCode::NOT_FOUND,
            &format!("definition: no record type {name:?}"),
        ),
    }
}

/// `GET /health`: liveness, limits and counters (jobs by outcome, granules, recent jobs).
async fn health(State(state): State<Arc<AppState>>) -> Response {
    let limits = state.limits;
    let mut report = state.metrics.to_json();
    report["healthy"] = json!(true);
    report["limits"] = json!({
        "max_concurrent": limits.max_concurrent,
        "max_queued": limits.max_queued,
        "max_body": limits.max_body,
        "progress_secs": limits.progress_every.as_secs_f64(),
    });
    axum::Json(report).into_response()
}

async fn atl06p(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    process(state, Api::Atl06p, body).await
}

async fn atl03x(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    process(state, Api::Atl03x, body).await
}

/// Any other `/source/<api>`.
async fn unknown_api(Path(api): Path<String>) -> Response {
    refusal(
        StatusCode::NOT_FOUND,
        Code::ResourceDoesNotExist,
        &format!("no endpoint {api:?}: Firn serves atl06p and atl03x (with a fit block)"),
    )
}

/// A processing request: validate, resolve the granules, then stream the job (or refuse).
async fn process(state: Arc<AppState>, api: Api, body: Result<Bytes, BytesRejection>) -> Response {
    Metrics::inc(&state.metrics.requests);
    let refuse = |status, code, text: &str| {
        Metrics::inc(&state.metrics.rejected);
        tracing::info!(api = api.name(), %status, "request refused: {text}");
        refusal(status, code, text)
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let text = format!("request: {}", rejection.body_text());
            return refuse(rejection.status(), Code::Error, &text);
        }
    };
    let ParsedRequest {
        params,
        resources,
        delivery,
        request,
    } = match parse(api, &body) {
        Ok(parsed) => parsed,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, Code::Error, &e.to_string()),
    };
    // Admitted before the granules are resolved: a full server answers at once, and listings
    // (blocking I/O, their own runtime for S3) are bounded like the jobs.
    let Some(admission) = state.try_admit() else {
        Metrics::inc(&state.metrics.busy);
        return refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::Error,
            &format!(
                "busy: {} jobs running and {} waiting; try again later",
                state.limits.max_concurrent, state.limits.max_queued
            ),
        );
    };
    let resolved = tokio::task::spawn_blocking({
        let state = state.clone();
        move || {
            let granules = state.resolver.resolve(&params, resources.as_deref());
            (granules, params)
        }
    })
    .await;
    let (granules, params) = match resolved {
        Ok((Ok(granules), params)) => (granules, params),
        Ok((Err(e), _)) => {
            let (status, code) = match e {
                ResolveError::BadName(_) => (StatusCode::BAD_REQUEST, Code::Error),
                ResolveError::NoneFound(_) => (StatusCode::NOT_FOUND, Code::ResourceDoesNotExist),
                ResolveError::Discovery(_) => (StatusCode::INTERNAL_SERVER_ERROR, Code::Error),
            };
            return refuse(status, code, &e.to_string());
        }
        Err(e) => {
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                Code::Error,
                &format!("resolving granules: {e}"),
            );
        }
    };
    let job = Job {
        id: state.next_job_id(),
        api,
        granules,
        params,
        delivery,
        request,
    };
    tracing::info!(
        job = job.id,
        api = api.name(),
        granules = job.granules.len(),
        "job accepted"
    );
    respond(state, job, admission)
}

/// A refusal before any work: `status`, and one `exceptrec` error record saying why.
fn refusal(status: StatusCode, code: Code, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, OCTET_STREAM)],
        exception(code, Level::Error, text),
    )
        .into_response()
}

/// A JSON error for the JSON endpoints.
fn json_error(status: StatusCode, text: &str) -> Response {
    (status, axum::Json(json!({"error": text}))).into_response()
}
