//! `firn serve` driven by the real SlideRule Python client (5.7.0; 4.20.0 for the legacy call) on
//! 127.0.0.1, for every point of issue 6: in-band rows equal to the command line's, files back to
//! the client, S3 output on moto, the x-series call, clear errors, cancellation by a client that
//! hangs up, progress while a job waits, back-pressure, 20 concurrent clients, the bearer token,
//! graceful shutdown.
//!
//! Jobs that must stay in flight read a FIFO granule, which blocks them until the test lets go:
//! the tests wait on events, never on timings.

mod serve_support;

use std::ffi::OsStr;
use std::time::Duration;

use object_store::ObjectStoreExt;
use serde_json::{Value, json};
use serve_support::{
    Server, client, exception, fifo_source, finish, fixture, http, line_channel, python4, python5,
    records, request_file, spawn_client,
};

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

fn assert_seed_rows(report: &Value) {
    assert!(report["rows"].as_u64().unwrap() > 2_000, "{report}");
    assert_eq!(report["rgts"], json!([737]), "{report}");
    assert_eq!(report["cycles"], json!([5, 6]), "{report}");
}

#[test]
fn version_definitions_and_content_types_follow_the_protocol() {
    let fixture = fixture();
    let server = Server::start(fixture.dir.path(), &[]);
    let address = server.address();

    // init: GET /source/version with a JSON body {} and no Content-Type.
    let reply = http(address, "GET", "/source/version", &[], b"{}");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let version: Value = serde_json::from_slice(&reply.body).unwrap();
    let text = version["server"]["version"].as_str().unwrap();
    let numbers: Vec<u32> = text
        .strip_prefix('v')
        .expect("a leading v")
        .split('.')
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(numbers.len(), 3, "{text}");
    let legacy = http(
        address,
        "GET",
        "/source/version",
        &[("x-sliderule-client", "python-v4.20.0")],
        b"{}",
    );
    let legacy: Value = serde_json::from_slice(&legacy.body).unwrap();
    assert_eq!(legacy["server"]["version"], "v4.20.0");

    let reply = http(
        address,
        "GET",
        "/source/definition",
        &[],
        br#"{"rectype": "atl06rec.elevation"}"#,
    );
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let definition: Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(definition["__datasize"], 88);
    assert_eq!(
        definition["h_mean"],
        json!({"type": "DOUBLE", "offset": 192, "elements": 1, "flags": "LE"})
    );
    let missing = http(
        address,
        "GET",
        "/source/definition",
        &[],
        br#"{"rectype": "x"}"#,
    );
    assert_eq!(missing.status, 404);

    // A stream, and a refusal before one, are octet-streams of records.
    let refused = http(address, "POST", "/source/atl06p", &[], b"{not json");
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.header("content-type"),
        Some("application/octet-stream")
    );
    let recs = records(&refused.body);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].0, "exceptrec");
    let (code, text) = exception(&recs[0].1);
    assert_eq!(code, -1);
    assert!(text.starts_with("parameter request: not JSON"), "{text}");

    let body = json!({"parms": {"cnf": 4}, "resources": [fixture.names[0]]}).to_string();
    let streamed = http(address, "POST", "/source/atl06p", &[], body.as_bytes());
    assert_eq!(streamed.status, 200);
    assert_eq!(
        streamed.header("content-type"),
        Some("application/octet-stream")
    );
    let recs = records(&streamed.body);
    let elevations: usize = recs
        .iter()
        .filter(|(name, _)| name == "atl06rec")
        .map(|(_, payload)| payload.len() / 88)
        .sum();
    assert!(elevations > 1_000, "{elevations} elevations");
    assert!(
        recs.iter()
            .all(|(_, p)| p.len() <= 256 * 88 + 16 * 1024 + 16)
    );
    let (_, last) = exception(&recs.last().unwrap().1);
    assert!(last.contains("done"), "{last}");

    let unknown = http(address, "POST", "/source/atl08p", &[], b"{}");
    assert_eq!(unknown.status, 404);
    let (code, text) = exception(&records(&unknown.body)[0].1);
    assert_eq!(code, -3);
    assert!(text.contains("atl06p and atl03x"), "{text}");
}

#[test]
fn in_band_atl06p_rows_equal_the_command_lines() {
    let fixture = fixture();
    let server = Server::start(fixture.dir.path(), &[]);
    let report = client(
        &python5(),
        "inband",
        &[
            os(server.address()),
            fixture.request.as_os_str(),
            fixture.reference.as_os_str(),
        ],
    );
    assert_seed_rows(&report);
    assert_eq!(report["client"], "v5.7.0");
    let columns = report["columns"].as_array().unwrap();
    assert_eq!(columns.first(), Some(&json!("extent_id")));
    assert_eq!(columns.last(), Some(&json!("geometry")));
}

#[test]
fn the_4x_client_legacy_call_gets_the_same_rows() {
    let fixture = fixture();
    let server = Server::start(fixture.dir.path(), &[]);
    let report = client(
        &python4(),
        "inband",
        &[
            os(server.address()),
            fixture.request.as_os_str(),
            fixture.reference.as_os_str(),
        ],
    );
    assert_seed_rows(&report);
    assert_eq!(report["client"], "v4.20.0");
}

#[test]
fn output_to_a_local_path_comes_back_to_the_client() {
    let fixture = fixture();
    let server = Server::start(fixture.dir.path(), &[]);
    let out = tempfile::tempdir().unwrap();
    let report = client(
        &python5(),
        "local",
        &[
            os(server.address()),
            fixture.request.as_os_str(),
            fixture.reference.as_os_str(),
            out.path().as_os_str(),
        ],
    );
    assert_seed_rows(&report);
    assert_eq!(report["attrs"], json!(["firn"]), "the firn metadata key");
    assert!(out.path().join("kept.parquet").exists());
}

#[test]
fn output_to_s3_returns_the_url_and_reads_like_the_seed() {
    let fixture = fixture();
    let moto = firn_tests::MotoServer::start();
    moto.create_bucket("results");
    let server = Server::start(fixture.dir.path(), &[]);
    let url = "s3://results/grandmesa/atl06.parquet";
    let child = std::process::Command::new(python5())
        .arg(
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/py/sliderule_client.py"),
        )
        .args([os("s3"), os(server.address())])
        .arg(&fixture.request)
        .arg(&fixture.reference)
        .args([url, &moto.endpoint()])
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", firn_tests::ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", firn_tests::SECRET_KEY)
        .env("AWS_REGION", "us-east-1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let output = finish(child, serve_support::CLIENT_DEADLINE);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_seed_rows(&report);
    assert_eq!(report["returned"], url);
    assert!(
        report["index"][0]
            .as_str()
            .unwrap()
            .starts_with("2019-11-13"),
        "{report}"
    );
    for text in [stdout.as_ref(), stderr.as_ref(), server.log().as_str()] {
        assert!(
            !text.contains("firn-serve-very-secret-value")
                && !text.contains("firn-serve-session-token-value"),
            "a credential leaked:\n{text}"
        );
    }
}

#[test]
fn atl03x_with_a_fit_block_returns_a_geodataframe() {
    let fixture = fixture();
    let server = Server::start(fixture.dir.path(), &[]);
    let report = client(
        &python5(),
        "atl03x",
        &[
            os(server.address()),
            fixture.request.as_os_str(),
            fixture.reference.as_os_str(),
        ],
    );
    assert_seed_rows(&report);
    assert_eq!(report["firn"], "firn 0.1.0");
}

#[test]
fn bad_requests_reach_the_client_as_clear_errors() {
    let fixture = fixture();
    let server = Server::start(fixture.dir.path(), &[]);
    let report = client(
        &python5(),
        "errors",
        &[os(server.address()), fixture.request.as_os_str()],
    );
    let cases = [
        ("invalid JSON", "parameter request: not JSON"),
        ("unknown parameter", "parameter lenn: unknown parameter"),
        ("bad polygon", "parameter poly:"),
        ("no granules", "no granules"),
        ("unknown granule name", "parameter resources: \"notes.txt\""),
    ];
    for (case, reason) in cases {
        let result = &report[case];
        let raised = result["raised"]
            .as_str()
            .unwrap_or_else(|| panic!("{case}: {result}"));
        assert!(raised.starts_with("FatalError"), "{case}: {raised}");
        let logged = result["logged"].as_array().unwrap();
        assert!(
            logged.iter().any(|m| m.as_str().unwrap().contains(reason)),
            "{case}: the client's log does not say {reason:?}: {result:#}"
        );
    }
    let quiet = &report["without rethrow"];
    assert_eq!(quiet["rows"], 0, "{quiet}");
    assert!(
        quiet["logged"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m.as_str().unwrap().contains("lenn")),
        "{quiet}"
    );
    let health = server.health();
    assert_eq!(health["rejected"], 6, "{health:#}");
    assert_eq!(health["jobs"]["completed"], 0, "no job ran: {health:#}");
}

#[test]
fn twenty_concurrent_clients_are_all_served() {
    let fixture = fixture();
    let server = Server::start(fixture.dir.path(), &["--max-concurrent", "2"]);
    let report = client(
        &python5(),
        "concurrent",
        &[
            os(server.address()),
            fixture.request.as_os_str(),
            fixture.reference.as_os_str(),
            os("20"),
        ],
    );
    assert_eq!(report["clients"], 20);
    let health = server.wait_health("all jobs recorded", |h| h["jobs"]["completed"] == 20);
    assert_eq!(health["jobs"]["running"], 0, "{health:#}");
    assert_eq!(health["jobs"]["queued"], 0, "{health:#}");
    assert_eq!(health["busy"], 0, "{health:#}");
}

#[test]
fn a_client_that_disconnects_cancels_its_job() {
    let (dir, fifo, names) = fifo_source();
    let request = request_file(dir.path(), &names);
    let server = Server::start(dir.path(), &["--progress-secs", "1"]);
    // The job blocks on the FIFO granule (first in time order) once it has started it; the
    // client hangs up only then, so that a loaded machine cannot reorder the two.
    let mut holding = spawn_client(
        &python5(),
        "hold",
        &[os(server.address()), request.as_os_str()],
    );
    server.wait_health("the job is on the FIFO granule", |h| {
        h["running_jobs"][0]["current"] == names[0].as_str()
    });
    holding.kill().unwrap();
    holding.wait().unwrap();
    // The next progress record finds the connection gone and cancels the job; only then does
    // the granule read return.
    server.wait_health("the job is being cancelled", |h| {
        h["running_jobs"][0]["cancelling"] == "the client disconnected"
    });
    fifo.release();
    let health = server.wait_health("the job ended", |h| h["jobs"]["cancelled"] == 1);
    let job = &health["recent_jobs"][0];
    assert_eq!(job["end"], "cancelled", "{health:#}");
    assert_eq!(job["detail"]["reason"], "the client disconnected");
    assert_eq!(job["granules"], 3);
    assert_eq!(
        job["finished"], 1,
        "the other granules were never processed"
    );
    assert_eq!(health["granules"]["finished"], 1, "{health:#}");
    assert_eq!(health["jobs"]["running"], 0);
}

#[test]
fn progress_records_flow_while_a_job_waits_on_input() {
    let (dir, fifo, names) = fifo_source();
    let request = request_file(dir.path(), &names);
    let server = Server::start(dir.path(), &["--progress-secs", "1"]);
    let mut child = spawn_client(
        &python5(),
        "hold",
        &[os(server.address()), request.as_os_str()],
    );
    let lines = line_channel(child.stdout.take().unwrap());
    let mut working = 0;
    let mut seen = Vec::new();
    while working < 2 {
        let line = lines
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no progress record: {seen:?}"));
        let record: Value = serde_json::from_str(&line).unwrap();
        let text = record["text"].as_str().unwrap_or_default().to_owned();
        if text.contains("working on granule 1 of 3") {
            assert_eq!(record["code"], 0);
            assert_eq!(record["level"], 1);
            working += 1;
        }
        seen.push(text);
    }
    fifo.release();
    let rest: Vec<String> = lines.iter().collect();
    let output = finish(child, serve_support::CLIENT_DEADLINE);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let texts: Vec<Value> = rest[..rest.len() - 1]
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let failed = texts
        .iter()
        .find(|r| {
            r["text"]
                .as_str()
                .unwrap()
                .contains("granule 1 of 3 failed")
        })
        .unwrap_or_else(|| panic!("{texts:?}"));
    assert_eq!(failed["code"], -1);
    assert!(
        texts
            .iter()
            .any(|r| r["text"].as_str().unwrap().contains("granule 3 of 3 done")),
        "{texts:?}"
    );
    let summary: Value = serde_json::from_str(rest.last().unwrap()).unwrap();
    assert_eq!(summary["status"], 200);
    assert!(
        summary["records"]["atl06rec"].as_u64().unwrap() > 0,
        "{summary}"
    );
}

#[test]
fn a_full_server_refuses_with_503_until_a_slot_frees() {
    let (dir, fifo, names) = fifo_source();
    let request = request_file(dir.path(), &names);
    let server = Server::start(dir.path(), &["--max-concurrent", "1", "--max-queued", "0"]);
    let holder = spawn_client(
        &python5(),
        "hold",
        &[os(server.address()), request.as_os_str()],
    );
    server.wait_health("the first job runs", |h| h["jobs"]["running"] == 1);
    let busy = client(
        &python5(),
        "busy",
        &[os(server.address()), fixture().request.as_os_str()],
    );
    let raised = busy["raised"].as_str().unwrap();
    assert!(raised.contains("heavy load"), "{busy}");
    assert!(
        busy["logged"].as_array().unwrap().iter().any(|m| m
            .as_str()
            .unwrap()
            .contains("busy: 1 jobs running and 0 waiting")),
        "{busy}"
    );
    fifo.release();
    let output = finish(holder, serve_support::CLIENT_DEADLINE);
    assert!(output.status.success());
    let health = server.wait_health("the slot is free", |h| h["jobs"]["running"] == 0);
    assert_eq!(
        health["busy"], 3,
        "the 5.x client tried three times: {health:#}"
    );
    // With the slot free the same request is served.
    let report = client(
        &python5(),
        "inband",
        &[
            os(server.address()),
            fixture().request.as_os_str(),
            fixture().reference.as_os_str(),
        ],
    );
    assert_seed_rows(&report);
}

#[test]
fn the_token_guards_processing() {
    let fixture = fixture();
    let dir = tempfile::tempdir().unwrap();
    let token = "firn-serve-bearer-token-0123";
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{token}\n")).unwrap();
    let server = Server::start(
        fixture.dir.path(),
        &["--token-file", token_file.to_str().unwrap()],
    );
    let report = client(
        &python5(),
        "token",
        &[os(server.address()), fixture.request.as_os_str(), os(token)],
    );
    assert!(
        report["refused"]
            .as_str()
            .unwrap()
            .contains("Invalid access token"),
        "{report}"
    );
    assert!(report["rows"].as_u64().unwrap() > 2_000, "{report}");
    assert!(
        !server.log().contains(token),
        "the token leaked into the log"
    );
}

#[test]
fn sigterm_lets_a_running_job_finish_then_exits() {
    let (dir, fifo, names) = fifo_source();
    let request = request_file(dir.path(), &names);
    let mut server = Server::start(dir.path(), &["--shutdown-grace-secs", "60"]);
    let address = server.address().to_owned();
    let mut holder = spawn_client(&python5(), "hold", &[os(&address), request.as_os_str()]);
    let lines = line_channel(holder.stdout.take().unwrap());
    server.wait_health("the job runs", |h| h["jobs"]["running"] == 1);
    server.terminate();
    server.wait_log("firn serve: shutting down");
    // No new connections once shutting down.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(&address).is_ok() {
        assert!(std::time::Instant::now() < deadline, "still accepting");
        std::thread::sleep(Duration::from_millis(50));
    }
    fifo.release();
    let received: Vec<String> = lines.iter().collect();
    let output = finish(holder, serve_support::CLIENT_DEADLINE);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        received
            .iter()
            .any(|l| l.contains("done: 2") || l.contains("job 1 done")),
        "the job finished: {received:?}"
    );
    let status = server.wait_exit(Duration::from_secs(60));
    assert!(status.success(), "{status}: {}", server.log());
    assert!(server.log().contains("firn serve: stopped"));
}

#[test]
fn jobs_still_running_after_the_grace_period_are_cancelled() {
    let (dir, fifo, names) = fifo_source();
    let request = request_file(dir.path(), &names);
    let mut server = Server::start(dir.path(), &["--shutdown-grace-secs", "1"]);
    let address = server.address().to_owned();
    let mut holder = spawn_client(&python5(), "hold", &[os(&address), request.as_os_str()]);
    let lines = line_channel(holder.stdout.take().unwrap());
    server.wait_health("the job runs", |h| h["jobs"]["running"] == 1);
    server.terminate();
    server.wait_log("grace period over");
    fifo.release();
    let received: Vec<String> = lines.iter().collect();
    let output = finish(holder, serve_support::CLIENT_DEADLINE);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cancelled: Value = received
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|r| r["code"] == -9)
        .unwrap_or_else(|| panic!("no DID_NOT_COMPLETE record: {received:?}"));
    assert_eq!(cancelled["level"], 4);
    assert!(
        cancelled["text"]
            .as_str()
            .unwrap()
            .contains("the server is shutting down"),
        "{cancelled}"
    );
    let summary: Value = serde_json::from_str(received.last().unwrap()).unwrap();
    assert!(
        summary["records"].get("atl06rec").is_none(),
        "no rows after the cancel"
    );
    let status = server.wait_exit(Duration::from_secs(60));
    assert!(status.success(), "{status}: {}", server.log());
}

#[test]
fn a_body_over_the_limit_is_refused() {
    let fixture = fixture();
    let server = Server::start(fixture.dir.path(), &["--max-body", "256"]);
    let body = json!({"parms": {"poly": vec![json!({"lat": 39.0, "lon": -108.0}); 50]}});
    let reply = http(
        server.address(),
        "POST",
        "/source/atl06p",
        &[],
        body.to_string().as_bytes(),
    );
    assert_eq!(reply.status, 413);
    let (code, text) = exception(&records(&reply.body)[0].1);
    assert_eq!(code, -1);
    assert!(text.contains("length limit exceeded"), "{text}");
}

#[test]
fn granules_are_found_in_an_s3_source_without_resources() {
    let fixture = fixture();
    let moto = firn_tests::MotoServer::start();
    moto.create_bucket("granules");
    let store = moto.store("granules");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for name in &fixture.names {
        let bytes = std::fs::read(fixture.dir.path().join(name)).unwrap();
        let path = object_store::path::Path::from(format!("atl03/{name}"));
        runtime.block_on(store.put(&path, bytes.into())).unwrap();
    }
    let endpoint = moto.endpoint();
    let server = Server::start_with_env(
        std::path::Path::new("s3://granules/atl03"),
        &[],
        &[
            ("AWS_ENDPOINT_URL", &endpoint),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_ACCESS_KEY_ID", firn_tests::ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", firn_tests::SECRET_KEY),
            ("AWS_REGION", "us-east-1"),
        ],
    );
    // No resources: the server lists the source and keeps what passes the filters.
    let request = tempfile::tempdir().unwrap();
    let path = request.path().join("request.json");
    std::fs::write(
        &path,
        json!({"parms": serve_support::seed_parms()}).to_string(),
    )
    .unwrap();
    let report = client(
        &python5(),
        "inband",
        &[
            os(server.address()),
            path.as_os_str(),
            fixture.reference.as_os_str(),
        ],
    );
    assert_seed_rows(&report);
}
