//! object_store reading an "NSIDC bucket" on moto S3 in auth mode with the credentials the
//! provider serves: the object reads only when signed with the credential the endpoint issued.

use std::sync::Arc;

use firn_cmr::EarthdataCredentials;
use firn_tests::MotoServer;
use object_store::ObjectStoreExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;

use crate::earthdata::{Earthdata, Issued, TOKEN};
use crate::support::ManualClock;

const BUCKET: &str = "nsidc-cumulus-prod-protected";
const KEY: &str = "ATLAS/ATL03/006/2019/01/05/ATL03_20190105045920_01190202_006_02.h5";

#[tokio::test]
async fn object_store_reads_with_the_served_credential() {
    let moto = MotoServer::start();
    let script = firn_tests::repo_root().join("crates/firn-cmr/tests/py/moto_nsidc.py");
    let output = run_python_at(&script, &[&moto.endpoint(), BUCKET, KEY]);
    let sessions: Vec<serde_json::Value> =
        serde_json::from_slice(&output).expect("the set-up script's JSON");
    let session = |i: usize, secret: Option<&str>| Issued {
        key: sessions[i]["key"].as_str().unwrap().to_owned(),
        secret: secret
            .unwrap_or(sessions[i]["secret"].as_str().unwrap())
            .to_owned(),
        token: sessions[i]["token"].as_str().unwrap().to_owned(),
    };

    let clock = ManualClock::new();
    let (server, endpoint, urs) = Earthdata::start(Arc::clone(&clock)).await;
    // The endpoint serves: a valid session, then that session with a wrong secret, then the
    // second valid session — one per refresh.
    server.scripted.lock().unwrap().extend([
        session(0, None),
        session(0, Some("not-the-secret")),
        session(1, None),
    ]);
    let credentials = Arc::new(
        EarthdataCredentials::builder()
            .with_endpoint(endpoint)
            .with_login_url(urs)
            .with_token(TOKEN)
            .with_clock(Arc::clone(&clock) as _)
            .build()
            .unwrap(),
    );
    let store = credentials
        .nsidc_store_builder()
        .with_endpoint(moto.endpoint())
        .with_allow_http(true)
        .build()
        .unwrap();
    let path = Path::from(KEY);
    let read = || async { store.get(&path).await?.bytes().await };

    assert_eq!(read().await.unwrap().as_ref(), b"ATL03 granule bytes");

    clock.advance(chrono::Duration::minutes(56));
    let err = read()
        .await
        .expect_err("signed with the refreshed, wrong secret");
    let text = err.to_string();
    assert!(
        text.contains("403") || text.contains("SignatureDoesNotMatch"),
        "{text}"
    );

    clock.advance(chrono::Duration::minutes(56));
    assert_eq!(read().await.unwrap().as_ref(), b"ATL03 granule bytes");
    assert_eq!(server.issued.load(std::sync::atomic::Ordering::SeqCst), 3);

    // Unsigned-looking access is refused: auth mode is really on.
    let anonymous = AmazonS3Builder::new()
        .with_bucket_name(BUCKET)
        .with_region("us-west-2")
        .with_endpoint(moto.endpoint())
        .with_allow_http(true)
        .with_access_key_id("AKIANOBODY")
        .with_secret_access_key("nothing")
        .build()
        .unwrap();
    assert!(anonymous.get(&path).await.is_err());
}

/// Runs a Python script with the test venv and returns its standard output.
fn run_python_at(script: &std::path::Path, args: &[&str]) -> Vec<u8> {
    let output = std::process::Command::new(firn_tests::python())
        .arg(script)
        .args(args)
        .output()
        .expect("run the set-up script");
    assert!(
        output.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}
