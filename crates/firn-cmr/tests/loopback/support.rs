//! Test servers on 127.0.0.1: a scripted HTTP server that records what it is asked, fixtures,
//! and a clock the tests move by hand.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::Response;
use chrono::{DateTime, TimeZone, Utc};
use firn_cmr::Clock;
use url::Url;

/// Starts `router` on a free loopback port in the current runtime; returns its base URL.
pub(crate) async fn serve(router: Router) -> Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free loopback port");
    let addr = listener.local_addr().expect("bound address");
    tokio::spawn(async move {
        axum::serve(listener, router)
            .await
            .expect("test server runs");
    });
    Url::parse(&format!("http://{addr}/")).expect("server URL")
}

/// A fixture file's text.
pub(crate) fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: String,
    pub(crate) delay: Duration,
}

impl Reply {
    /// 200 with a JSON body.
    pub(crate) fn ok(body: impl Into<String>) -> Self {
        Self {
            status: StatusCode::OK,
            headers: vec![("content-type", "application/json".into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// A status with a body.
    pub(crate) fn status(status: u16, body: impl Into<String>) -> Self {
        Self {
            status: StatusCode::from_u16(status).expect("a status code"),
            ..Self::ok(body)
        }
    }

    /// With one more header.
    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Answered only after `delay`.
    pub(crate) fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) path: String,
    /// Query pairs, decoded, in order.
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
}

impl Seen {
    /// A header's value.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header"))
    }

    /// The single value of a query parameter.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        let mut values = self.query.iter().filter(|(k, _)| k == name);
        let value = values.next().map(|(_, v)| v.as_str());
        assert!(values.next().is_none(), "{name} sent more than once");
        value
    }
}

/// Answers every request with the next scripted reply and records it.
#[derive(Debug, Default)]
pub(crate) struct Script {
    replies: Mutex<VecDeque<Reply>>,
    seen: Mutex<Vec<Seen>>,
}

impl Script {
    pub(crate) fn new(replies: impl IntoIterator<Item = Reply>) -> Arc<Self> {
        Arc::new(Self {
            replies: Mutex::new(replies.into_iter().collect()),
            seen: Mutex::default(),
        })
    }

    /// The requests so far.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Replies not used yet.
    pub(crate) fn left(&self) -> usize {
        self.replies.lock().unwrap().len()
    }

    /// A server answering every path from this script.
    pub(crate) async fn serve(self: &Arc<Self>) -> Url {
        serve(Router::new().fallback(answer).with_state(Arc::clone(self))).await
    }
}

async fn answer(State(script): State<Arc<Script>>, request: Request<Body>) -> Response {
    let query = request
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    script.seen.lock().unwrap().push(Seen {
        path: request.uri().path().to_owned(),
        query,
        headers: request.headers().clone(),
    });
    let next = script.replies.lock().unwrap().pop_front();
    let Some(reply) = next else {
        return respond(Reply::status(599, "the test script has no reply left"));
    };
    tokio::time::sleep(reply.delay).await;
    respond(reply)
}

fn respond(reply: Reply) -> Response {
    let mut builder = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        builder = builder.header(*name, value);
    }
    builder.body(Body::from(reply.body)).expect("a response")
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub(crate) struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self(Mutex::new(
            Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap(),
        )))
    }

    pub(crate) fn advance(&self, by: chrono::Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}
