//! The worker at scale (issue 7): shards of `firn atl06p` on a moto S3 server (127.0.0.1) write,
//! together, exactly the rows of a single-process run; a shard killed mid-way and rerun leaves no
//! duplicate and no lost row; a granule listed but missing from the bucket fails alone and gather
//! names it; gather's merge equals the single-process file row for row. Rows are compared with
//! pyarrow, reading the parts' prefix as one dataset as users do. Granules are small synthetic
//! ones (6 km), so the whole file runs in seconds.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use firn_synth::{GranuleSpec, Terrain, WriteOptions, write_granule_with};
use firn_tests::{ACCESS_KEY, MotoServer, SECRET_KEY};
use futures::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde_json::{Value, json};

/// Where granules live in the source bucket (as in NSIDC's layout).
const SOURCE_PREFIX: &str = "ATLAS/ATL03/006";

/// Seven granules over Grand Mesa and one far from it, written once for every test.
struct Granules {
    dir: tempfile::TempDir,
    /// File names of the granules crossing the region, in start-time order.
    over_region: Vec<String>,
    /// The granule whose track misses the region.
    elsewhere: String,
}

fn granules() -> &'static Granules {
    static GRANULES: OnceLock<Granules> = OnceLock::new();
    GRANULES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let start = Utc.with_ymd_and_hms(2019, 11, 13, 1, 2, 3).unwrap();
        let spec = |k: u16, centre: (f64, f64)| GranuleSpec {
            seed: 0x5CA1E + u64::from(k),
            start_time: start + chrono::Duration::days(i64::from(k) * 5),
            rgt: 700 + k,
            cycle: 5,
            length_km: 6.0,
            centre_lat: centre.0,
            centre_lon: centre.1,
            terrain: Terrain::Slope {
                h0: 3000.0,
                slope: 0.05,
            },
            ..GranuleSpec::default()
        };
        let grand_mesa = (firn_synth::GRAND_MESA_LAT, firn_synth::GRAND_MESA_LON);
        let mut specs: Vec<GranuleSpec> = (0..7).map(|k| spec(k, grand_mesa)).collect();
        specs.push(spec(7, (45.0, -100.0)));
        let names: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = specs
                .iter()
                .map(|spec| {
                    let dir = dir.path();
                    scope.spawn(move || {
                        let options = WriteOptions {
                            photon_truth: false,
                            progress: None,
                        };
                        let out = write_granule_with(spec, dir, &options).unwrap();
                        out.h5_path
                            .file_name()
                            .unwrap()
                            .to_string_lossy()
                            .into_owned()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let (over_region, elsewhere) = names.split_at(7);
        Granules {
            over_region: over_region.to_vec(),
            elsewhere: elsewhere[0].clone(),
            dir,
        }
    })
}

/// A moto server with the source bucket (holding `names`) and an empty results bucket.
struct Buckets {
    server: MotoServer,
    source: Arc<dyn ObjectStore>,
    results: Arc<dyn ObjectStore>,
    runtime: tokio::runtime::Runtime,
}

impl Buckets {
    fn start(names: &[&String]) -> Self {
        let server = MotoServer::start();
        server.create_bucket("atl03");
        server.create_bucket("results");
        let buckets = Self {
            source: server.store("atl03"),
            results: server.store("results"),
            server,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        };
        for name in names {
            buckets.upload(name);
        }
        buckets
    }

    fn upload(&self, name: &str) {
        let bytes = std::fs::read(granules().dir.path().join(name)).unwrap();
        let key = ObjectPath::from(format!("{SOURCE_PREFIX}/{name}"));
        self.runtime
            .block_on(self.source.put(&key, PutPayload::from(bytes)))
            .unwrap();
    }

    /// Keys under `prefix` in the results bucket.
    fn results(&self, prefix: &str) -> Vec<String> {
        let prefix = ObjectPath::from(prefix);
        let listed: Vec<_> = self
            .runtime
            .block_on(self.results.list(Some(&prefix)).try_collect())
            .unwrap();
        listed.into_iter().map(|m| m.location.to_string()).collect()
    }

    fn result_json(&self, key: &str) -> Value {
        let bytes = self.runtime.block_on(async {
            let got = self.results.get(&ObjectPath::from(key)).await.unwrap();
            got.bytes().await.unwrap()
        });
        serde_json::from_slice(&bytes).unwrap()
    }

    /// `firn ARGS` with the AWS environment of this server (as a pod's or a Batch job's).
    fn firn(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_firn"));
        command
            .args(args)
            .env("AWS_ENDPOINT_URL", self.server.endpoint())
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_REGION", "us-east-1");
        for name in [
            "JOB_COMPLETION_INDEX",
            "FIRN_SHARD_COUNT",
            "AWS_BATCH_JOB_ARRAY_INDEX",
            "AWS_BATCH_JOB_ARRAY_SIZE",
            "FIRN_REQUEST",
        ] {
            command.env_remove(name);
        }
        command
    }
}

/// The seed notebook's parameters over Grand Mesa; `resources` as given (none: discovery).
fn request(dir: &Path, resources: Option<&[&String]>) -> PathBuf {
    let mut request = json!({
        "parms": {
            "poly": [
                {"lat": 38.90, "lon": -108.30}, {"lat": 38.90, "lon": -107.80},
                {"lat": 39.15, "lon": -107.80}, {"lat": 39.15, "lon": -108.30},
                {"lat": 38.90, "lon": -108.30}
            ],
            "srt": 0, "cnf": 4, "len": 40.0, "res": 20.0, "maxi": 6
        }
    });
    if let Some(names) = resources {
        request["resources"] = json!(names);
    }
    let path = dir.join(format!("request-{}.json", resources.map_or(0, <[_]>::len)));
    std::fs::write(&path, request.to_string()).unwrap();
    path
}

fn source() -> String {
    format!("s3://atl03/{SOURCE_PREFIX}")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// Runs compare_rows.py (pyarrow) on two outputs.
fn compare(buckets: &Buckets, reference: &str, candidate: &str, mode: &str) -> Value {
    let output = Command::new(firn_tests::python())
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/py/compare_rows.py"))
        .args([reference, candidate, mode])
        .env("FIRN_S3_ENDPOINT", buckets.server.endpoint())
        .output()
        .unwrap();
    assert_success(&output, &format!("compare_rows.py {candidate} {mode}"));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A shard started in the background, its output in files (so no pipe can fill up).
struct Shard {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Shard {
    fn spawn(mut command: Command, logs: &Path, name: &str) -> Self {
        let stdout = logs.join(format!("{name}.out"));
        let stderr = logs.join(format!("{name}.err"));
        let child = command
            .stdout(Stdio::from(std::fs::File::create(&stdout).unwrap()))
            .stderr(Stdio::from(std::fs::File::create(&stderr).unwrap()))
            .spawn()
            .unwrap();
        Self {
            child,
            stdout,
            stderr,
        }
    }

    fn wait(mut self) -> (std::process::ExitStatus, String, String) {
        let status = self.child.wait().unwrap();
        (
            status,
            std::fs::read_to_string(&self.stdout).unwrap(),
            std::fs::read_to_string(&self.stderr).unwrap(),
        )
    }
}

fn stem(location: &str) -> &str {
    location.rsplit('/').next().unwrap().trim_end_matches(".h5")
}

#[test]
fn shards_write_the_rows_of_one_process_and_a_killed_shard_reruns_without_duplicates() {
    let g = granules();
    let all: Vec<&String> = g.over_region.iter().chain([&g.elsewhere]).collect();
    let buckets = Buckets::start(&all);
    let work = tempfile::tempdir().unwrap();

    // The reference: one process, every granule named (the one far away included), one file.
    let single = work.path().join("single.parquet");
    let reference = buckets
        .firn(&[
            "atl06p",
            "--source",
            &source(),
            "--request",
            request(work.path(), Some(&all)).to_str().unwrap(),
            "--output",
            single.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_success(&reference, "the single-process run");
    assert!(text(&reference.stdout).contains("granules: 8 ok, 0 failed"));

    // Three shards of an Indexed Job, discovering the granules themselves, started together.
    let discovery = request(work.path(), None);
    let prefix = "grandmesa/run-1";
    let output = format!("s3://results/{prefix}/");
    let spawn = |index: u32, name: &str| {
        let mut command = buckets.firn(&[
            "-v",
            "atl06p",
            "--source",
            &source(),
            "--request",
            discovery.to_str().unwrap(),
            "--output",
            &output,
        ]);
        command
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .env("FIRN_SHARD_COUNT", "3");
        Shard::spawn(command, work.path(), name)
    };
    let mut shards: Vec<Shard> = (0..3).map(|i| spawn(i, &format!("shard-{i}"))).collect();

    // Shard 0 owns plan positions 0, 3 and 6: kill it once its first part is recorded.
    let deadline = Instant::now() + Duration::from_secs(120);
    let plan_key = format!("{prefix}/_plan.json");
    while !buckets.results(prefix).contains(&plan_key) {
        assert!(Instant::now() < deadline, "no plan was written");
        std::thread::sleep(Duration::from_millis(20));
    }
    let plan = buckets.result_json(&plan_key);
    let planned: Vec<String> = serde_json::from_value(plan["granules"].clone()).unwrap();
    let record = |location: &str| format!("{prefix}/_parts/{}.json", stem(location));
    loop {
        let listed = buckets.results(prefix);
        if listed.contains(&record(&planned[0])) {
            shards[0].child.kill().unwrap();
            assert!(
                !listed.contains(&record(&planned[6])),
                "shard 0 finished before it could be killed: the test did not kill it mid-way"
            );
            break;
        }
        assert!(Instant::now() < deadline, "shard 0 wrote no part");
        std::thread::sleep(Duration::from_millis(10));
    }
    let victim = shards.remove(0);
    let (status, _, victim_log) = victim.wait();
    assert_eq!(status.code(), None, "shard 0 was killed by a signal");
    let mut logs = vec![victim_log];
    for shard in shards {
        let (status, stdout, stderr) = shard.wait();
        assert!(status.success(), "{stdout}\n{stderr}");
        logs.push(stderr);
    }

    // One shard created the plan; the others read it. The footprint scan left out the granule
    // that misses the region, without losing a row (the reference had it and found none).
    assert_eq!(
        logs.iter().filter(|l| l.contains("plan created")).count(),
        1,
        "{logs:#?}"
    );
    assert_eq!(planned.len(), 7, "{planned:?}");
    assert!(planned.iter().all(|p| !p.ends_with(&g.elsewhere)));
    assert!(
        logs.iter()
            .any(|l| l.contains(&g.elsewhere) && l.contains("skipped")),
        "the skipped granule is reported: {logs:#?}"
    );

    // After the kill: what is visible is complete parts of distinct rows (a subset of the
    // reference), and gather refuses to call the run complete, naming what is missing.
    let partial = compare(&buckets, single.to_str().unwrap(), &output, "subset");
    assert!(
        partial["candidate_files"].as_u64().unwrap() < 7,
        "{partial}"
    );
    let gather = buckets
        .firn(&["gather", "--output", &output])
        .output()
        .unwrap();
    assert_eq!(gather.status.code(), Some(1), "{}", text(&gather.stdout));
    assert!(
        text(&gather.stderr).contains(stem(&planned[6])),
        "gather names the missing granule: {}",
        text(&gather.stderr)
    );
    assert!(
        !buckets
            .results(prefix)
            .contains(&format!("{prefix}/_SUCCESS"))
    );

    // The retried shard skips its recorded parts and does the rest.
    let mut retry = buckets.firn(&[
        "atl06p",
        "--source",
        &source(),
        "--request",
        discovery.to_str().unwrap(),
        "--output",
        &output,
    ]);
    retry
        .env("JOB_COMPLETION_INDEX", "0")
        .env("FIRN_SHARD_COUNT", "3");
    let retried = retry.output().unwrap();
    assert_success(&retried, "the retried shard");
    let stdout = text(&retried.stdout);
    assert!(stdout.contains("shard 0 of 3: 3 granules"), "{stdout}");
    assert!(!stdout.contains(" 0 skipped"), "{stdout}");

    // Gather: complete; the dataset holds exactly the reference's rows, each once; the merged
    // file holds them in the reference's order.
    let merged = work.path().join("merged.parquet");
    let gather = buckets
        .firn(&[
            "gather",
            "--output",
            &output,
            "--merge",
            merged.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_success(&gather, "gather --merge");
    assert!(
        text(&gather.stdout).contains("run: 7 of 7 planned granules done, 0 failed, 0 missing")
    );
    assert!(
        buckets
            .results(prefix)
            .contains(&format!("{prefix}/_SUCCESS"))
    );
    let manifest = buckets.result_json(&format!("{prefix}/_manifest.json"));
    assert_eq!(manifest["complete"], true);
    let together = compare(&buckets, single.to_str().unwrap(), &output, "set");
    assert_eq!(together["candidate_files"], 7, "{together}");
    assert_eq!(together["duplicates"], 0);
    assert_eq!(manifest["rows"], together["rows"]);
    let ordered = compare(
        &buckets,
        single.to_str().unwrap(),
        merged.to_str().unwrap(),
        "ordered",
    );
    assert_eq!(ordered["rows"], together["rows"]);
}

#[test]
fn a_granule_missing_from_the_bucket_fails_alone_and_gather_names_it_until_it_is_done() {
    let g = granules();
    let listed: Vec<&String> = g.over_region[..4].iter().collect();
    let absent = listed[2];
    let present: Vec<&String> = listed.iter().copied().filter(|n| *n != absent).collect();
    let buckets = Buckets::start(&present);
    let work = tempfile::tempdir().unwrap();
    let request = request(work.path(), Some(&listed));
    let output = "s3://results/listed/";
    let shard = |index: &str| {
        buckets
            .firn(&[
                "atl06p",
                "--source",
                &source(),
                "--request",
                request.to_str().unwrap(),
                "--output",
                output,
                "--shard-index",
                index,
                "--shard-count",
                "2",
            ])
            .output()
            .unwrap()
    };
    // The absent granule is third in the plan: shard 0's second.
    let (first, second) = (shard("0"), shard("1"));
    assert_eq!(first.status.code(), Some(1), "{}", text(&first.stderr));
    let stdout = text(&first.stdout);
    assert!(stdout.contains("granules: 1 ok, 1 failed"), "{stdout}");
    assert!(
        stdout.contains(&format!("failed s3://atl03/{SOURCE_PREFIX}/{absent}")),
        "{stdout}"
    );
    assert_success(&second, "shard 1");

    let gather = buckets
        .firn(&["gather", "--output", output])
        .output()
        .unwrap();
    assert_eq!(gather.status.code(), Some(1));
    let stderr = text(&gather.stderr);
    assert!(
        stderr.contains(&format!("1 of 4 planned granules are not done: {absent}")),
        "{stderr}"
    );
    let manifest = buckets.result_json("listed/_manifest.json");
    assert_eq!(manifest["granules"].as_array().unwrap().len(), 3);
    assert_eq!(manifest["failed"][0]["name"], json!(absent));
    let reason = manifest["failed"][0]["reason"].as_str().unwrap();
    assert!(reason.contains(absent.as_str()), "{reason}");
    assert!(!reason.contains(SECRET_KEY), "{reason}");

    // Once the granule arrives, rerunning its shard completes the run.
    buckets.upload(absent);
    let rerun = shard("0");
    assert_success(&rerun, "the rerun shard");
    assert!(text(&rerun.stdout).contains("granules: 1 ok, 0 failed, 1 skipped"));
    let gather = buckets
        .firn(&["gather", "--output", output])
        .output()
        .unwrap();
    assert_success(&gather, "gather");
    let manifest = buckets.result_json("listed/_manifest.json");
    assert_eq!(manifest["complete"], true);
    assert_eq!(manifest["failed"], json!([]));
}

#[test]
fn sharding_needs_part_mode_and_a_prefix_holds_one_request() {
    let g = granules();
    let work = tempfile::tempdir().unwrap();
    let source = g.dir.path().to_str().unwrap();
    let names: Vec<&String> = g.over_region[..2].iter().collect();
    let request = request(work.path(), Some(&names));
    let firn = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_firn"));
        command.args(args);
        for name in ["JOB_COMPLETION_INDEX", "FIRN_SHARD_COUNT"] {
            command.env_remove(name);
        }
        command.envs(env.iter().copied());
        command.output().unwrap()
    };
    let atl06p = |output: &str| {
        vec![
            "atl06p".to_owned(),
            "--source".to_owned(),
            source.to_owned(),
            "--request".to_owned(),
            request.to_str().unwrap().to_owned(),
            "--output".to_owned(),
            output.to_owned(),
        ]
    };
    let single = work.path().join("one.parquet");
    let args = atl06p(single.to_str().unwrap());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    let sharded_file = firn(
        &[&args[..], &["--shard-index", "0", "--shard-count", "2"]].concat(),
        &[],
    );
    assert_eq!(sharded_file.status.code(), Some(2));
    assert!(text(&sharded_file.stderr).contains("sharding needs part mode"));
    let no_count = firn(&args, &[("JOB_COMPLETION_INDEX", "1")]);
    assert_eq!(no_count.status.code(), Some(2));
    assert!(text(&no_count.stderr).contains("(from JOB_COMPLETION_INDEX) needs a shard count"));
    assert!(!single.exists(), "nothing written for a rejected run");

    // --plan-only writes the plan and nothing else.
    let prefix = work.path().join("run");
    let prefix_text = format!("{}/", prefix.display());
    let args = atl06p(&prefix_text);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let planned = firn(&[&args[..], &["--plan-only"]].concat(), &[]);
    assert_success(&planned, "--plan-only");
    let entries: Vec<String> = std::fs::read_dir(&prefix)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(entries, ["_plan.json"]);

    // Another request on the same prefix is refused; the same one runs and, in one process,
    // gathers itself.
    let other = work.path().join("other.json");
    let mut changed: Value =
        serde_json::from_str(&std::fs::read_to_string(&request).unwrap()).unwrap();
    changed["parms"]["cnf"] = json!(3);
    std::fs::write(&other, changed.to_string()).unwrap();
    let mut refused_args = args.clone();
    refused_args[4] = other.to_str().unwrap();
    let refused = firn(&refused_args, &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr)
            .contains("was planned for another request (its parameters or resources differ)"),
        "{}",
        text(&refused.stderr)
    );
    let whole = firn(&args, &[("FIRN_SHARD_COUNT", "1")]);
    assert_success(&whole, "the run in one process");
    assert!(text(&whole.stdout).contains("complete: "));
    assert!(prefix.join("_SUCCESS").exists() && prefix.join("_manifest.json").exists());

    let no_plan = firn(&["gather", "--output", work.path().to_str().unwrap()], &[]);
    assert_eq!(no_plan.status.code(), Some(2));
    assert!(text(&no_plan.stderr).contains("no plan at"));
}

#[test]
fn deploy_manifests_validate_offline_and_the_checks_catch_known_mistakes() {
    let check = firn_tests::repo_root().join("deploy/check.py");
    for args in [&[][..], &["--self-test"][..]] {
        let output = Command::new(firn_tests::python())
            .arg(&check)
            .args(args)
            .output()
            .unwrap();
        assert_success(&output, &format!("deploy/check.py {args:?}"));
        let stdout = text(&output.stdout);
        assert!(
            stdout.contains("deploy/: ok (Kubernetes 1.33.0 schemas"),
            "{stdout}"
        );
        if !args.is_empty() {
            assert!(
                stdout.contains("self-test: 30 of 30 mistakes caught"),
                "{stdout}"
            );
        }
    }
    // Every flag the Jobs, the serve Deployment and the Batch jobs give `firn` is one this binary
    // knows.
    let listed = Command::new(firn_tests::python())
        .arg(&check)
        .arg("--commands")
        .output()
        .unwrap();
    assert_success(&listed, "deploy/check.py --commands");
    let commands: Vec<Vec<String>> = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(commands.len(), 5, "{commands:?}");
    for command in &commands {
        let help = Command::new(env!("CARGO_BIN_EXE_firn"))
            .args([command[0].as_str(), "--help"])
            .output()
            .unwrap();
        assert_success(&help, &format!("firn {} --help", command[0]));
        for flag in command.iter().filter(|a| a.starts_with("--")) {
            assert!(
                text(&help.stdout).contains(&format!("{flag} ")),
                "firn {} has no {flag}: {command:?}",
                command[0]
            );
        }
    }
}

/// A stand-in for NASA CMR and NSIDC's s3credentials endpoint on 127.0.0.1: answers every
/// granule search with one page (the JSON format CMR documents), `GET /s3credentials` with a
/// bearer token `edl-token` with temporary credentials, and records the request lines.
struct FakeCmr {
    url: String,
    queries: Arc<std::sync::Mutex<Vec<String>>>,
}

impl FakeCmr {
    /// Serves `entries` (CMR granule entries) until the test ends.
    fn start(entries: Vec<Value>) -> Self {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let body = json!({"feed": {"entry": entries}}).to_string();
        let queries = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = queries.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                reader.read_line(&mut request_line).unwrap();
                let mut bearer = false;
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).unwrap();
                    if header.trim().is_empty() {
                        break;
                    }
                    bearer |= header
                        .trim_end()
                        .eq_ignore_ascii_case("authorization: bearer edl-token");
                }
                let request_line = request_line.trim().to_owned();
                let reply = if request_line.starts_with("GET /s3credentials ") {
                    // NSIDC's s3credentials endpoint: moto's keys, valid for an hour.
                    let expiration = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
                    let credentials = json!({
                        "accessKeyId": ACCESS_KEY,
                        "secretAccessKey": SECRET_KEY,
                        "sessionToken": "session",
                        "expiration": expiration,
                    })
                    .to_string();
                    let status = if bearer { "200 OK" } else { "401 Unauthorized" };
                    format!(
                        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{credentials}",
                        credentials.len()
                    )
                } else {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCMR-Hits: {}\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.matches("producer_granule_id").count(),
                        body.len()
                    )
                };
                seen.lock().unwrap().push(request_line);
                let _ = stream.write_all(reply.as_bytes());
            }
        });
        Self { url, queries }
    }
}

/// A CMR entry for the granule `name` in the source bucket, its footprint a box around `centre`.
fn cmr_entry(name: &str, centre: (f64, f64)) -> Value {
    let stamp = &name[6..20];
    let start = format!(
        "{}-{}-{}T{}:{}:{}.000Z",
        &stamp[0..4],
        &stamp[4..6],
        &stamp[6..8],
        &stamp[8..10],
        &stamp[10..12],
        &stamp[12..14]
    );
    let (lat, lon) = centre;
    let ring = [
        (-0.6, -0.6),
        (-0.6, 0.6),
        (0.6, 0.6),
        (0.6, -0.6),
        (-0.6, -0.6),
    ]
    .iter()
    .map(|(dlat, dlon)| format!("{} {}", lat + dlat, lon + dlon))
    .collect::<Vec<_>>()
    .join(" ");
    json!({
        "producer_granule_id": name,
        "title": name,
        "time_start": start,
        "time_end": start,
        "polygons": [[ring]],
        "links": [{
            "rel": "http://esipfed.org/ns/fedsearch/1.1/s3#",
            "href": format!("s3://atl03/{SOURCE_PREFIX}/{name}"),
        }],
    })
}

#[test]
fn without_resources_a_cmr_search_finds_the_granules_a_named_run_processes() {
    let g = granules();
    let all: Vec<&String> = g.over_region.iter().chain([&g.elsewhere]).collect();
    let buckets = Buckets::start(&all);
    let work = tempfile::tempdir().unwrap();
    let grand_mesa = (firn_synth::GRAND_MESA_LAT, firn_synth::GRAND_MESA_LON);
    // CMR lists every granule; the one far away has its footprint there (dropped before any
    // read), the first starts before t0 (dropped by the request's own time filter).
    let mut entries: Vec<Value> = g
        .over_region
        .iter()
        .map(|name| cmr_entry(name, grand_mesa))
        .collect();
    entries.push(cmr_entry(&g.elsewhere, (45.0, -100.0)));
    let cmr = FakeCmr::start(entries);

    let poly = json!([
        {"lat": 38.90, "lon": -108.30}, {"lat": 38.90, "lon": -107.80},
        {"lat": 39.15, "lon": -107.80}, {"lat": 39.15, "lon": -108.30},
        {"lat": 38.90, "lon": -108.30}
    ]);
    let parms = json!({
        "poly": poly, "srt": 0, "cnf": 4, "len": 40.0, "res": 20.0, "maxi": 6,
        "t0": "2019-11-14T00:00:00Z", "t1": "2020-06-01T00:00:00Z",
    });
    let expected: Vec<&String> = g.over_region[1..].iter().collect();
    let named = work.path().join("named.parquet");
    let reference = buckets
        .firn(&[
            "atl06p",
            "--source",
            &source(),
            "--request",
            &json!({"parms": parms, "resources": expected}).to_string(),
            "--output",
            named.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_success(&reference, "the run with named granules");

    let found = work.path().join("found.parquet");
    let searched = buckets
        .firn(&[
            "-v",
            "atl06p",
            "--source",
            "cmr",
            "--request",
            &json!({ "parms": parms }).to_string(),
            "--output",
            found.to_str().unwrap(),
        ])
        .env("FIRN_CMR_URL", &cmr.url)
        .output()
        .unwrap();
    assert_success(&searched, "the run with CMR discovery");
    let stdout = text(&searched.stdout);
    assert!(stdout.contains("granules: 6 ok, 0 failed"), "{stdout}");
    let stderr = text(&searched.stderr);
    assert!(
        stderr.contains("skipped: its CMR footprint misses the region"),
        "{stderr}"
    );
    let report = compare(
        &buckets,
        named.to_str().unwrap(),
        found.to_str().unwrap(),
        "ordered",
    );
    assert!(report["rows"].as_u64().unwrap() > 0, "{report}");

    // The search asked CMR for the collection, the region and the time range.
    let queries = cmr.queries.lock().unwrap().clone();
    assert_eq!(queries.len(), 1, "{queries:?}");
    let query = &queries[0];
    for part in [
        "GET /search/granules.json?",
        "provider=NSIDC_CPRD",
        "short_name=ATL03",
        "version=006",
        "polygon",
        "temporal",
    ] {
        assert!(query.contains(part), "{part} not in {query}");
    }

    // Named granules with `--source cmr` are located in NSIDC's bucket by its layout and read
    // with Earthdata's temporary credentials when the environment has no AWS keys: moto stands
    // in for the bucket, the fake for the s3credentials endpoint.
    let name = &g.over_region[1];
    let key = format!(
        "ATLAS/ATL03/006/{}/{}/{}/{name}",
        &name[6..10],
        &name[10..12],
        &name[12..14]
    );
    buckets.server.create_bucket(firn_cmr::NSIDC_BUCKET);
    let nsidc = buckets.server.store(firn_cmr::NSIDC_BUCKET);
    let bytes = std::fs::read(g.dir.path().join(name)).unwrap();
    buckets
        .runtime
        .block_on(nsidc.put(&ObjectPath::from(key.as_str()), PutPayload::from(bytes)))
        .unwrap();
    let one = json!({"parms": parms, "resources": [name]}).to_string();
    let earthdata = |token: &str, out: &str| {
        let mut command = buckets.firn(&[
            "atl06p",
            "--source",
            "cmr",
            "--request",
            &one,
            "--output",
            work.path().join(out).to_str().unwrap(),
        ]);
        command
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env("EARTHDATA_TOKEN", token)
            .env(
                "FIRN_S3CREDENTIALS_URL",
                format!("{}/s3credentials", cmr.url),
            )
            .output()
            .unwrap()
    };
    let read = earthdata("edl-token", "nsidc.parquet");
    assert_success(&read, "a named granule read from NSIDC's bucket");
    assert!(
        text(&read.stdout).contains(&format!("ok     s3://{}/{key}", firn_cmr::NSIDC_BUCKET)),
        "{}",
        text(&read.stdout)
    );
    let credential_fetches = cmr
        .queries
        .lock()
        .unwrap()
        .iter()
        .filter(|q| q.starts_with("GET /s3credentials "))
        .count();
    assert_eq!(credential_fetches, 1, "one fetch serves the whole run");

    // A token the endpoint refuses: the granule fails alone, with a message naming the fix.
    let refused = earthdata("wrong-token", "refused.parquet");
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    let stdout = text(&refused.stdout);
    assert!(stdout.contains("granules: 0 ok, 1 failed"), "{stdout}");
    assert!(
        !stdout.contains("wrong-token"),
        "the token is never shown: {stdout}"
    );
    assert!(!text(&refused.stderr).contains("wrong-token"));
}
