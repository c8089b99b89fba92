//! Earthdata on 127.0.0.1: an s3credentials endpoint in front of a mock Earthdata Login (URS),
//! doing the same redirect dance as NSIDC's: no session → 307 to URS's authorize URL; URS takes
//! basic auth and redirects back with a code; the endpoint trades the code for a session cookie
//! and redirects to itself; with the cookie (or a valid bearer token) it serves the credential.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use firn_cmr::Clock;
use serde::Deserialize;
use url::Url;

use crate::support::{ManualClock, serve};

/// The bearer token the endpoint accepts.
pub(crate) const TOKEN: &str = "edl-token-0123456789";
/// The Earthdata user.
pub(crate) const USER: &str = "alice";
/// Her password (needs quoting in a netrc file).
pub(crate) const PASSWORD: &str = "correct horse #1";
/// `Basic base64("alice:correct horse #1")`.
const BASIC: &str = "Basic YWxpY2U6Y29ycmVjdCBob3JzZSAjMQ==";

/// A credential the endpoint serves.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub(crate) key: String,
    pub(crate) secret: String,
    pub(crate) token: String,
}

/// Both servers' shared state, and what they saw.
#[derive(Debug)]
pub(crate) struct Earthdata {
    clock: Arc<ManualClock>,
    /// Lifetime of the credentials issued from now on.
    pub(crate) lifetime: Mutex<chrono::Duration>,
    /// Credentials to serve, in order; when empty, `ASIAFIRN<n>` ones are made up.
    pub(crate) scripted: Mutex<VecDeque<Issued>>,
    /// Requests to /s3credentials to answer with 500 from now on.
    pub(crate) fail_next: AtomicUsize,
    /// Delay before answering /s3credentials.
    pub(crate) delay: Mutex<Duration>,
    /// Credentials issued.
    pub(crate) issued: AtomicUsize,
    /// Successful logins at URS.
    pub(crate) logins: AtomicUsize,
    /// Whether the endpoint ever received an `Authorization: Basic` header.
    pub(crate) endpoint_saw_basic: AtomicBool,
    /// Whether URS ever received a bearer token.
    pub(crate) urs_saw_bearer: AtomicBool,
    codes: Mutex<HashSet<String>>,
    sessions: Mutex<HashSet<String>>,
    urs: Mutex<Option<Url>>,
    endpoint: Mutex<Option<Url>>,
}

impl Earthdata {
    /// Starts URS and the endpoint; returns the state, the endpoint URL and URS's base URL.
    pub(crate) async fn start(clock: Arc<ManualClock>) -> (Arc<Self>, Url, Url) {
        let state = Arc::new(Self {
            clock,
            lifetime: Mutex::new(chrono::Duration::hours(1)),
            scripted: Mutex::default(),
            fail_next: AtomicUsize::new(0),
            delay: Mutex::new(Duration::ZERO),
            issued: AtomicUsize::new(0),
            logins: AtomicUsize::new(0),
            endpoint_saw_basic: AtomicBool::new(false),
            urs_saw_bearer: AtomicBool::new(false),
            codes: Mutex::default(),
            sessions: Mutex::default(),
            urs: Mutex::default(),
            endpoint: Mutex::default(),
        });
        let urs = serve(
            Router::new()
                .route("/oauth/authorize", get(authorize))
                .with_state(Arc::clone(&state)),
        )
        .await;
        let app = serve(
            Router::new()
                .route("/s3credentials", get(s3credentials))
                .route("/login", get(login_callback))
                .with_state(Arc::clone(&state)),
        )
        .await;
        let endpoint = app.join("s3credentials").unwrap();
        *state.urs.lock().unwrap() = Some(urs.clone());
        *state.endpoint.lock().unwrap() = Some(app);
        (state, endpoint, urs)
    }

    fn issue(&self) -> Response {
        let n = self.issued.fetch_add(1, Ordering::SeqCst);
        let issued = self.scripted.lock().unwrap().pop_front().unwrap_or(Issued {
            key: format!("ASIAFIRN{n}"),
            secret: format!("secret-{n}"),
            token: format!("token-{n}"),
        });
        let expiration = self.clock.now() + *self.lifetime.lock().unwrap();
        let body = serde_json::json!({
            "accessKeyId": issued.key,
            "secretAccessKey": issued.secret,
            "sessionToken": issued.token,
            // NSIDC's spelling: Python's str() of a datetime.
            "expiration": expiration.with_timezone(&Utc).format("%Y-%m-%d %H:%M:%S+00:00").to_string(),
        });
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}

async fn s3credentials(State(state): State<Arc<Earthdata>>, headers: HeaderMap) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if authorization.starts_with("Basic") {
        state.endpoint_saw_basic.store(true, Ordering::SeqCst);
    }
    if state
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return (StatusCode::INTERNAL_SERVER_ERROR, "temporarily unavailable").into_response();
    }
    let delay = *state.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    if let Some(token) = authorization.strip_prefix("Bearer ") {
        return if token == TOKEN {
            state.issue()
        } else {
            (StatusCode::UNAUTHORIZED, r#"{"error": "invalid token"}"#).into_response()
        };
    }
    let cookies = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ");
    let session = cookies.split("; ").find_map(|c| c.strip_prefix("asf-urs="));
    if session.is_some_and(|s| state.sessions.lock().unwrap().contains(s)) {
        return state.issue();
    }
    let urs = state.urs.lock().unwrap().clone().unwrap();
    let endpoint = state.endpoint.lock().unwrap().clone().unwrap();
    let mut authorize = urs.join("oauth/authorize").unwrap();
    authorize
        .query_pairs_mut()
        .append_pair("client_id", "nsidc-s3-app")
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", endpoint.join("login").unwrap().as_str())
        .append_pair("state", "/s3credentials");
    (
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, authorize.to_string())],
    )
        .into_response()
}

#[derive(Deserialize)]
struct Callback {
    code: String,
    state: String,
}

async fn login_callback(
    State(state): State<Arc<Earthdata>>,
    Query(callback): Query<Callback>,
) -> Response {
    if !state.codes.lock().unwrap().remove(&callback.code) {
        return (StatusCode::UNAUTHORIZED, "unknown code").into_response();
    }
    let session = format!("session-{}", state.logins.load(Ordering::SeqCst));
    state.sessions.lock().unwrap().insert(session.clone());
    (
        StatusCode::TEMPORARY_REDIRECT,
        [
            (header::LOCATION, callback.state),
            (
                header::SET_COOKIE,
                format!("asf-urs={session}; Path=/; HttpOnly"),
            ),
        ],
    )
        .into_response()
}

#[derive(Deserialize)]
struct Authorize {
    client_id: String,
    redirect_uri: String,
    state: String,
}

async fn authorize(
    State(state): State<Arc<Earthdata>>,
    Query(query): Query<Authorize>,
    headers: HeaderMap,
) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if authorization.is_some_and(|a| a.starts_with("Bearer")) {
        state.urs_saw_bearer.store(true, Ordering::SeqCst);
    }
    match authorization {
        None => (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                "Basic realm=\"Please enter your Earthdata Login credentials\"",
            )],
            "login required",
        )
            .into_response(),
        Some(BASIC) if query.client_id == "nsidc-s3-app" => {
            let code = format!("code-{}", state.logins.fetch_add(1, Ordering::SeqCst));
            state.codes.lock().unwrap().insert(code.clone());
            let mut back = Url::parse(&query.redirect_uri).unwrap();
            back.query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("state", &query.state);
            (StatusCode::FOUND, [(header::LOCATION, back.to_string())]).into_response()
        }
        Some(_) => (
            StatusCode::UNAUTHORIZED,
            r#"{"error": "invalid_credentials", "error_description": "Invalid user credentials"}"#,
        )
            .into_response(),
    }
}
