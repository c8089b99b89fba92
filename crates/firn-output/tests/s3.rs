//! S3 outputs on moto (127.0.0.1): credentials from the request, multipart uploads, refused
//! credentials, and a server that dies mid-upload. A second client (boto3) checks the bucket.

mod support;

use std::time::Duration;

use firn_output::{
    AbortOutcome, Error, FirnMetadata, MIN_PART_SIZE, OutputSpec, OutputWriter, SegmentBatch,
    WriterOptions,
};
use firn_tests::{ACCESS_KEY, MotoServer, SECRET_KEY};
use object_store::ObjectStoreExt;
use object_store::path::Path;
use serde_json::{Value, json};
use support::{AuthMoto, assert_absent, python_json, readback, segments, truth};

const TOKEN: &str = "FwoGZXIvYXdzEFIRNSESSIONTOKEN";

fn output_block(endpoint: &str, path: &str, key: &str, secret: &str) -> Value {
    json!({
        "path": path, "format": "parquet", "region": "us-east-1", "endpoint": endpoint,
        "credentials": {"accessKeyId": key, "secretAccessKey": secret, "sessionToken": TOKEN}
    })
}

fn metadata(output: &Value) -> FirnMetadata {
    FirnMetadata {
        request: json!({"len": 40.0, "output": output}),
        granules: vec!["ATL03_20200101000000_00100610_006_01.h5".into()],
        version: "firn-test".into(),
    }
}

fn quick_failing() -> WriterOptions {
    let mut options = WriterOptions::default();
    options.s3.part_size = MIN_PART_SIZE;
    options.s3.max_retries = 1;
    options.s3.retry_timeout = Duration::from_secs(5);
    options
}

fn write_all(
    output: &Value,
    options: &WriterOptions,
    batches: &[SegmentBatch],
) -> firn_output::Result<firn_output::OutputSummary> {
    let spec = OutputSpec::from_json(output)?;
    let mut writer = OutputWriter::create_with(&spec, &metadata(output), options)?;
    for batch in batches {
        writer.write(batch)?;
    }
    writer.finish()
}

fn get(server: &MotoServer, bucket: &str, key: &str) -> (Vec<u8>, Option<String>) {
    let store = server.store(bucket);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let got = store.get(&Path::from(key)).await.expect("object exists");
        let etag = got.meta.e_tag.clone();
        (got.bytes().await.expect("body").to_vec(), etag)
    })
}

fn listing(endpoint: &str, key: &str, secret: &str, bucket: &str) -> Value {
    python_json("s3tool.py", &[endpoint, key, secret, "list", bucket])
}

fn assert_no_secrets(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "leaked a credential: {text}");
    }
}

#[test]
fn uploads_with_request_credentials_and_session_token() {
    let server = MotoServer::start();
    server.create_bucket("firn-out");
    let output = output_block(
        &server.endpoint(),
        "s3://firn-out/runs/a.parquet",
        ACCESS_KEY,
        SECRET_KEY,
    );
    let batches = [segments(0, 2000, 1), segments(2000, 1000, 2)];
    let summary = write_all(&output, &WriterOptions::default(), &batches).expect("upload");
    assert_eq!(summary.url, "s3://firn-out/runs/a.parquet");
    assert_eq!(summary.rows, 3000);

    let (bytes, _) = get(&server, "firn-out", "runs/a.parquet");
    assert_eq!(bytes.len() as u64, summary.bytes);
    for secret in [SECRET_KEY, TOKEN] {
        assert_absent(&bytes, secret, "the uploaded object");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let local = dir.path().join("a.parquet");
    std::fs::write(&local, &bytes).expect("save");
    readback("geoparquet", &local, &truth(&batches));
}

#[test]
fn large_upload_is_multipart_and_complete() {
    let server = MotoServer::start();
    server.create_bucket("firn-out");
    let output = output_block(
        &server.endpoint(),
        "s3://firn-out/big.parquet",
        ACCESS_KEY,
        SECRET_KEY,
    );
    let batches: Vec<SegmentBatch> = (0..6).map(|i| segments(i * 50_000, 50_000, 9)).collect();
    let mut options = WriterOptions::default();
    options.s3.part_size = MIN_PART_SIZE;
    let summary = write_all(&output, &options, &batches).expect("upload");
    assert!(
        summary.bytes > 2 * MIN_PART_SIZE as u64,
        "{} bytes is too small to need several parts",
        summary.bytes
    );
    let (bytes, etag) = get(&server, "firn-out", "big.parquet");
    assert_eq!(bytes.len() as u64, summary.bytes);
    // S3 (and moto) give a completed multipart object an ETag ending in "-<parts>".
    let etag = etag.expect("etag");
    assert!(
        etag.trim_matches('"').contains('-'),
        "not multipart: {etag}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let local = dir.path().join("big.parquet");
    std::fs::write(&local, &bytes).expect("save");
    let report = readback("geoparquet", &local, &truth(&batches));
    assert_eq!(report["row_groups"], json!([100_000, 100_000, 100_000]));
}

#[test]
fn wrong_secret_is_denied_clearly_and_leaves_no_object() {
    let server = AuthMoto::start(3);
    let endpoint = server.endpoint();
    let user = python_json(
        "s3tool.py",
        &[&endpoint, "bootstrap", "bootstrap", "auth-setup", "locked"],
    );
    let key = user["key"].as_str().expect("key");
    let secret = user["secret"].as_str().expect("secret");
    let wrong = "ThisIsNotTheSecretKeyOfTheUser000000000";

    // Only the secret is wrong: no session token (moto would refuse an unknown token first).
    let mut output = output_block(&endpoint, "s3://locked/denied.parquet", key, wrong);
    output["credentials"]
        .as_object_mut()
        .expect("credentials")
        .remove("sessionToken");
    let error = write_all(&output, &quick_failing(), &[segments(0, 500, 1)]).expect_err("denied");
    assert!(matches!(error, Error::Denied { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with("s3://locked/denied.parquet: access denied"),
        "{message}"
    );
    assert_no_secrets(&message, &[wrong, secret, TOKEN]);
    assert_no_secrets(&format!("{error:?}"), &[wrong, secret, TOKEN]);
    let after = listing(&endpoint, key, secret, "locked");
    assert_eq!(after, json!({"objects": {}, "uploads": []}));

    // A bogus session token with the right key and secret is refused as clearly.
    let output = output_block(&endpoint, "s3://locked/token.parquet", key, secret);
    let error = write_all(&output, &quick_failing(), &[segments(0, 500, 1)]).expect_err("denied");
    assert!(matches!(error, Error::Denied { .. }), "{error:?}");
    assert_no_secrets(&format!("{error} {error:?}"), &[secret, TOKEN]);
    assert_eq!(
        listing(&endpoint, key, secret, "locked"),
        json!({"objects": {}, "uploads": []})
    );

    // The same upload with the right secret succeeds, so the refusal was about the secret.
    let mut output = output_block(&endpoint, "s3://locked/allowed.parquet", key, secret);
    output["credentials"]
        .as_object_mut()
        .expect("credentials")
        .remove("sessionToken");
    write_all(&output, &quick_failing(), &[segments(0, 500, 1)]).expect("allowed");
    let after = listing(&endpoint, key, secret, "locked");
    assert_eq!(after["objects"].as_object().map(|o| o.len()), Some(1));
}

#[test]
fn server_stopping_mid_upload_fails_without_an_object() {
    let server = MotoServer::start();
    server.create_bucket("firn-out");
    let endpoint = server.endpoint();
    let output = output_block(
        &endpoint,
        "s3://firn-out/cut.parquet",
        ACCESS_KEY,
        SECRET_KEY,
    );
    let spec = OutputSpec::from_json(&output).expect("spec");
    let mut writer =
        OutputWriter::create_with(&spec, &metadata(&output), &quick_failing()).expect("create");
    // Two row groups (well over one 5 MiB part) start the multipart upload.
    writer
        .write(&segments(0, 200_000, 3))
        .expect("write before the cut");
    python_json(
        "s3tool.py",
        &[
            &endpoint,
            ACCESS_KEY,
            SECRET_KEY,
            "wait-part",
            "firn-out",
            "cut.parquet",
        ],
    );
    let before = listing(&endpoint, ACCESS_KEY, SECRET_KEY, "firn-out");
    assert_eq!(before, json!({"objects": {}, "uploads": ["cut.parquet"]}));

    drop(server); // the S3 server dies mid-upload

    let error = (0..10)
        .try_for_each(|i| writer.write(&segments(200_000 + i * 50_000, 50_000, 4)))
        .err()
        .unwrap_or_else(|| writer.finish().expect_err("upload to a dead server"));
    let message = error.to_string();
    assert!(
        message.starts_with("s3://firn-out/cut.parquet: upload failed"),
        "{message}"
    );
    match &error {
        // The multipart upload was aborted (a DELETE, which fails too with the server gone),
        // or completing failed and object_store aborted it itself.
        Error::Upload { abort, .. } => match abort {
            AbortOutcome::AbortFailed(why) => assert!(why.contains("DELETE"), "{why}"),
            AbortOutcome::Unconfirmed => {}
            other => panic!("the upload had started, yet: {other:?}"),
        },
        other => panic!("expected an upload error, got {other:?}"),
    }
    assert_no_secrets(&message, &[SECRET_KEY, TOKEN]);
    assert_no_secrets(&format!("{error:?}"), &[SECRET_KEY, TOKEN]);
}
