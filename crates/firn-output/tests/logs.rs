//! Credentials never reach the logs: every tracing event of an S3 upload and of a refused
//! upload, at TRACE level and from every crate (object_store, reqwest, hyper), is captured and
//! searched for the secret key and the session token.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use firn_output::{OutputSpec, OutputWriter};
use firn_tests::{ACCESS_KEY, MotoServer, SECRET_KEY};
use serde_json::json;
use support::{assert_absent, metadata_with_secret, segments};

const TOKEN: &str = "FwoGZXIvYXdzELOGSESSIONTOKEN";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn trace_logs_of_uploads_hold_no_credentials() {
    let captured = Captured::default();
    let sink = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .init();

    let server = MotoServer::start();
    server.create_bucket("logs");
    for (key, secret, bucket) in [
        (ACCESS_KEY, SECRET_KEY, "logs"),
        (ACCESS_KEY, SECRET_KEY, "no-such-bucket"),
    ] {
        let output = json!({
            "path": format!("s3://{bucket}/x.parquet"), "endpoint": server.endpoint(),
            "region": "us-east-1",
            "credentials": {"AccessKeyId": key, "SecretAccessKey": secret, "Token": TOKEN}
        });
        let spec = OutputSpec::from_json(&output).expect("spec");
        let metadata = metadata_with_secret("x", SECRET_KEY);
        let result = OutputWriter::create(&spec, &metadata).and_then(|mut writer| {
            writer.write(&segments(0, 1000, 1))?;
            tracing::info!(?spec, "finishing");
            writer.finish()
        });
        if let Err(e) = result {
            tracing::error!(error = %e, debug = ?e, "upload failed");
        }
    }
    let logs = captured.0.lock().expect("logs").clone();
    assert!(
        logs.len() > 1000,
        "the subscriber captured too little to be meaningful"
    );
    assert_absent(&logs, SECRET_KEY, "the trace logs");
    assert_absent(&logs, TOKEN, "the trace logs");
}
