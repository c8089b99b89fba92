//! Earthdata temporary S3 credentials against the endpoint and URS of `earthdata.rs`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use firn_cmr::{EarthdataCredentials, EarthdataCredentialsBuilder, Error};
use object_store::CredentialProvider;
use url::Url;

use crate::earthdata::{Earthdata, PASSWORD, TOKEN, USER};
use crate::support::ManualClock;

/// A builder pointed at the local servers, with quick retries and the manual clock.
fn builder(endpoint: &Url, urs: &Url, clock: &Arc<ManualClock>) -> EarthdataCredentialsBuilder {
    EarthdataCredentials::builder()
        .with_endpoint(endpoint.clone())
        .with_login_url(urs.clone())
        .with_retry_delay(Duration::from_millis(5))
        .with_max_attempts(2)
        .with_clock(Arc::clone(clock) as _)
}

/// A netrc file holding `password` for URS's host (127.0.0.1).
fn netrc(dir: &tempfile::TempDir, password: &str) -> std::path::PathBuf {
    let path = dir.path().join("netrc");
    let text = format!(
        "machine example.org login other password other\n\nmachine 127.0.0.1\n    login {USER}\n    password \"{password}\"\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn a_bearer_token_gets_a_credential() {
    let clock = ManualClock::new();
    let (server, endpoint, urs) = Earthdata::start(Arc::clone(&clock)).await;
    let credentials = builder(&endpoint, &urs, &clock)
        .with_token(TOKEN)
        .build()
        .unwrap();
    let c = credentials.get_credential().await.unwrap();
    assert_eq!(c.key_id, "ASIAFIRN0");
    assert_eq!(c.secret_key, "secret-0");
    assert_eq!(c.token.as_deref(), Some("token-0"));
    assert_eq!(server.logins.load(Ordering::SeqCst), 0, "no login needed");
    let debug = format!("{credentials:?}");
    assert!(
        debug.contains("bearer token") && !debug.contains(TOKEN),
        "{debug}"
    );
}

#[tokio::test]
async fn a_bad_bearer_token_is_rejected_without_showing_it() {
    let clock = ManualClock::new();
    let (_server, endpoint, urs) = Earthdata::start(Arc::clone(&clock)).await;
    let credentials = builder(&endpoint, &urs, &clock)
        .with_token("not-the-token")
        .build()
        .unwrap();
    let err = credentials.credential().await.unwrap_err();
    assert!(matches!(err, Error::LoginRejected { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("{endpoint}: Earthdata login failed: HTTP 401: {{\"error\": \"invalid token\"}}")
    );
    assert!(!err.to_string().contains("not-the-token"));
}

#[tokio::test]
async fn netrc_login_follows_the_redirects_and_keeps_the_session_cookie() {
    let clock = ManualClock::new();
    let (server, endpoint, urs) = Earthdata::start(Arc::clone(&clock)).await;
    let dir = tempfile::tempdir().unwrap();
    let credentials = builder(&endpoint, &urs, &clock)
        .with_netrc(netrc(&dir, PASSWORD))
        .build()
        .unwrap();
    assert!(format!("{credentials:?}").contains("Earthdata login"));

    let first = credentials.credential().await.unwrap();
    assert_eq!(first.key_id, "ASIAFIRN0");
    assert_eq!(server.logins.load(Ordering::SeqCst), 1);
    assert!(
        !server.endpoint_saw_basic.load(Ordering::SeqCst),
        "the password goes to the login host only"
    );

    // An hour later the credential is due; the session cookie still works, so no new login.
    clock.advance(chrono::Duration::minutes(56));
    let second = credentials.credential().await.unwrap();
    assert_eq!(second.key_id, "ASIAFIRN1");
    assert_eq!(
        server.logins.load(Ordering::SeqCst),
        1,
        "the cookie was kept"
    );
}

#[tokio::test]
async fn a_wrong_password_is_rejected_without_showing_it() {
    let clock = ManualClock::new();
    let (_server, endpoint, urs) = Earthdata::start(Arc::clone(&clock)).await;
    let dir = tempfile::tempdir().unwrap();
    let credentials = builder(&endpoint, &urs, &clock)
        .with_netrc(netrc(&dir, "hunter2"))
        .build()
        .unwrap();
    let err = credentials.credential().await.unwrap_err();
    assert!(matches!(err, Error::LoginRejected { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "{urs}oauth/authorize: Earthdata login failed: HTTP 401:"
        )),
        "the URL is shown without its query: {text}"
    );
    assert!(
        !text.contains("hunter2") && !text.contains("client_id"),
        "{text}"
    );
}

#[tokio::test]
async fn an_explicit_login_works_like_netrc() {
    let clock = ManualClock::new();
    let (server, endpoint, urs) = Earthdata::start(Arc::clone(&clock)).await;
    let credentials = builder(&endpoint, &urs, &clock)
        .with_login(USER, PASSWORD)
        .build()
        .unwrap();
    assert_eq!(credentials.credential().await.unwrap().key_id, "ASIAFIRN0");
    assert_eq!(server.logins.load(Ordering::SeqCst), 1);
}

#[test]
fn missing_logins_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let urs = Url::parse("https://urs.earthdata.nasa.gov").unwrap();
    let path = netrc(&dir, PASSWORD);
    let err = EarthdataCredentials::builder()
        .with_login_url(urs.clone())
        .with_netrc(&path)
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "no Earthdata login: pass a token or a login, set EARTHDATA_TOKEN, or add `machine urs.earthdata.nasa.gov` with login and password to {}",
            path.display()
        )
    );
    let missing = dir.path().join("absent");
    let err = EarthdataCredentials::builder()
        .with_netrc(&missing)
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .ends_with(&format!("to {} (not found)", missing.display())),
        "{err}"
    );
    std::fs::write(
        &path,
        "machine urs.earthdata.nasa.gov login a password \"unclosed\n",
    )
    .unwrap();
    let err = EarthdataCredentials::builder()
        .with_netrc(&path)
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}: line 1: a quoted value is not closed", path.display())
    );
}

#[tokio::test]
async fn credentials_are_refreshed_before_they_expire() {
    let clock = ManualClock::new();
    let (server, endpoint, urs) = Earthdata::start(Arc::clone(&clock)).await;
    let credentials = builder(&endpoint, &urs, &clock)
        .with_token(TOKEN)
        .build()
        .unwrap();
    let key = || async { credentials.credential().await.unwrap().key_id.clone() };
    assert_eq!(key().await, "ASIAFIRN0");
    clock.advance(chrono::Duration::minutes(54));
    assert_eq!(
        key().await,
        "ASIAFIRN0",
        "cached until 5 minutes before expiry"
    );
    clock.advance(chrono::Duration::minutes(2));
    assert_eq!(
        key().await,
        "ASIAFIRN1",
        "refreshed 4 minutes before expiry"
    );

    // A credential shorter-lived than the margin is used for half its life.
    *server.lifetime.lock().unwrap() = chrono::Duration::minutes(2);
    clock.advance(chrono::Duration::minutes(60));
    assert_eq!(key().await, "ASIAFIRN2");
    clock.advance(chrono::Duration::seconds(59));
    assert_eq!(key().await, "ASIAFIRN2");
    clock.advance(chrono::Duration::seconds(2));
    assert_eq!(key().await, "ASIAFIRN3");
    assert_eq!(server.issued.load(Ordering::SeqCst), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_refresh() {
    let clock = ManualClock::new();
    let (server, endpoint, urs) = Earthdata::start(Arc::clone(&clock)).await;
    *server.delay.lock().unwrap() = Duration::from_millis(200);
    let credentials = Arc::new(
        builder(&endpoint, &urs, &clock)
            .with_token(TOKEN)
            .build()
            .unwrap(),
    );
    let calls = (0..16).map(|_| {
        let credentials = Arc::clone(&credentials);
        tokio::spawn(async move { credentials.get_credential().await.unwrap() })
    });
    let results = futures::future::join_all(calls).await;
    for result in &results {
        assert_eq!(result.as_ref().unwrap().key_id, "ASIAFIRN0");
    }
    assert_eq!(server.issued.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failed_refresh_serves_the_cached_credential_until_it_expires() {
    let clock = ManualClock::new();
    let (server, endpoint, urs) = Earthdata::start(Arc::clone(&clock)).await;
    let credentials = builder(&endpoint, &urs, &clock)
        .with_token(TOKEN)
        .build()
        .unwrap();
    assert_eq!(credentials.credential().await.unwrap().key_id, "ASIAFIRN0");
    server.fail_next.store(1000, Ordering::SeqCst);
    clock.advance(chrono::Duration::minutes(56));
    assert_eq!(credentials.credential().await.unwrap().key_id, "ASIAFIRN0");
    clock.advance(chrono::Duration::minutes(5));
    let err = credentials.credential().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{endpoint}: HTTP 500: temporarily unavailable")
    );
    // The endpoint recovers: the next call fetches.
    server.fail_next.store(0, Ordering::SeqCst);
    assert_eq!(credentials.credential().await.unwrap().key_id, "ASIAFIRN1");
}

#[tokio::test]
async fn a_credential_expired_on_arrival_is_an_error() {
    let clock = ManualClock::new();
    let (server, endpoint, urs) = Earthdata::start(Arc::clone(&clock)).await;
    *server.lifetime.lock().unwrap() = chrono::Duration::minutes(-1);
    let credentials = builder(&endpoint, &urs, &clock)
        .with_token(TOKEN)
        .build()
        .unwrap();
    let err = credentials.credential().await.unwrap_err();
    assert!(matches!(err, Error::MalformedResponse { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("the credential expired at 2024-06-01 11:59:00 UTC, before it arrived"),
        "{err}"
    );
}
