//! `firn atl06p` end to end: synthetic granules with truth → the worker → output files read back
//! with pandas, geopandas and pyarrow, as users read them; heights checked against the truth.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use firn_synth::{GranuleSpec, Terrain, WriteOptions, write_granule_with};
use serde_json::{Value, json};

/// Two short granules (two rgts, two cycles) over Grand Mesa on a gentle slope, written once.
fn granules() -> &'static (tempfile::TempDir, Vec<String>) {
    static GRANULES: OnceLock<(tempfile::TempDir, Vec<String>)> = OnceLock::new();
    GRANULES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let base = GranuleSpec {
            length_km: 12.0,
            terrain: Terrain::Slope {
                h0: 3000.0,
                slope: 0.05,
            },
            ..GranuleSpec::default()
        };
        let names = firn_synth::demo_specs(&base)
            .into_iter()
            .take(2)
            .map(|spec| {
                let out = write_granule_with(
                    &spec,
                    dir.path(),
                    &WriteOptions {
                        photon_truth: false,
                        progress: None,
                    },
                )
                .unwrap();
                out.h5_path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        (dir, names)
    })
}

fn firn(args: &[&str], stdin_json: Option<&Value>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_firn"));
    command.args(args);
    let dir = tempfile::tempdir().unwrap();
    if let Some(request) = stdin_json {
        let path = dir.path().join("request.json");
        std::fs::write(&path, request.to_string()).unwrap();
        command.arg("--request").arg(&path);
    }
    command.output().unwrap()
}

fn read_back(path: &Path, format: &str, truth: &Path) -> Value {
    read_back_with(path.as_os_str(), format, truth, None)
}

fn read_back_with(
    path: &std::ffi::OsStr,
    format: &str,
    truth: &Path,
    endpoint: Option<&str>,
) -> Value {
    let mut command = Command::new(firn_tests::python());
    if let Some(endpoint) = endpoint {
        command.env("FIRN_S3_ENDPOINT", endpoint);
    }
    let output = command
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/py/read_segments.py"))
        .arg(path)
        .arg(format)
        .arg(truth)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "read_segments.py failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn seed_request(output: &Path, format: &str, resources: &[String]) -> Value {
    json!({
        "parms": {
            "poly": [
                {"lat": 38.90, "lon": -108.30}, {"lat": 38.90, "lon": -107.80},
                {"lat": 39.15, "lon": -107.80}, {"lat": 39.15, "lon": -108.30},
                {"lat": 38.90, "lon": -108.30}
            ],
            "srt": 0, "cnf": 4, "len": 40.0, "res": 20.0, "maxi": 6,
            "output": {"path": output.to_str().unwrap(), "format": format, "open_on_complete": false}
        },
        "resources": resources,
    })
}

fn assert_seed_summary(summary: &Value) {
    assert!(summary["rows"].as_u64().unwrap() > 2_000, "{summary}");
    assert_eq!(summary["rgts"], json!([737]), "{summary}");
    assert_eq!(summary["cycles"], json!([5, 6]), "{summary}");
    assert!(
        summary["first"].as_str().unwrap().starts_with("2019-11-13"),
        "{summary}"
    );
    assert!(
        summary["last"].as_str().unwrap().starts_with("2020-02-12"),
        "{summary}"
    );
    // On a 0.05 slope each photon scatters by √(0.102² + (0.05·4.25)²) ≈ 0.24 m (SPEC §11), so
    // h_mean scatters by that over √n: the fit's own h_sigma must explain the error against the
    // truth, and the error must be unbiased (SPEC §7 expectations, with margin).
    for (strength, max_bias, max_std) in [("strong", 0.003, 0.025), ("weak", 0.006, 0.045)] {
        let stats = &summary["heights"][strength];
        assert!(
            stats["n"].as_u64().unwrap() > 1_500,
            "{strength}: {summary}"
        );
        assert!(
            stats["bias"].as_f64().unwrap().abs() < max_bias,
            "{strength}: {summary}"
        );
        assert!(
            stats["std"].as_f64().unwrap() < max_std,
            "{strength}: {summary}"
        );
        let z = stats["std_over_h_sigma"].as_f64().unwrap();
        assert!(
            (0.8..1.25).contains(&z),
            "{strength}: error/h_sigma spread {z}: {summary}"
        );
    }
}

#[test]
fn geoparquet_on_local_disk_reads_like_the_seed_and_matches_the_truth() {
    let (dir, names) = granules();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("grandmesa.parquet");
    let result = firn(
        &["atl06p", "--source", dir.path().to_str().unwrap()],
        Some(&seed_request(&path, "parquet", names)),
    );
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(stdout.contains("granules: 2 ok, 0 failed"), "{stdout}");
    let summary = read_back(&path, "geoparquet", dir.path());
    assert_seed_summary(&summary);
    assert_eq!(summary["dtypes"]["h_mean"], "float64");
    assert_eq!(summary["dtypes"]["pflags"], "uint16");
}

#[test]
fn csv_and_feather_hold_the_same_rows() {
    let (dir, names) = granules();
    let out = tempfile::tempdir().unwrap();
    for format in ["csv", "feather"] {
        let path = out.path().join(format!("segments.{format}"));
        let result = firn(
            &["atl06p", "--source", dir.path().to_str().unwrap()],
            Some(&seed_request(&path, format, names)),
        );
        assert!(
            result.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&result.stderr)
        );
        assert_seed_summary(&read_back(&path, format, dir.path()));
    }
}

#[test]
fn a_corrupt_granule_fails_alone() {
    let (dir, names) = granules();
    let source = tempfile::tempdir().unwrap();
    for name in names {
        std::fs::copy(dir.path().join(name), source.path().join(name)).unwrap();
    }
    let bad = "ATL03_20191114010203_07400502_006_01.h5";
    let mut bytes = std::fs::read(dir.path().join(&names[0])).unwrap();
    bytes.truncate(bytes.len() / 3);
    std::fs::write(source.path().join(bad), bytes).unwrap();
    let mut resources = names.clone();
    resources.push(bad.to_owned());

    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("segments.parquet");
    let result = firn(
        &["atl06p", "--source", source.path().to_str().unwrap()],
        Some(&seed_request(&path, "parquet", &resources)),
    );
    assert_eq!(
        result.status.code(),
        Some(1),
        "a failed granule makes the run fail"
    );
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(stdout.contains("granules: 2 ok, 1 failed"), "{stdout}");
    assert!(
        stdout.contains(&format!("failed {}", source.path().join(bad).display())),
        "{stdout}"
    );
    let summary = read_back(&path, "geoparquet", dir.path());
    assert_eq!(
        summary["cycles"],
        json!([5, 6]),
        "the good granules were written"
    );
}

#[test]
fn bad_requests_exit_2_naming_the_parameter() {
    let (dir, names) = granules();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("x.parquet");
    let mut request = seed_request(&path, "parquet", names);
    request["parms"]["maxi"] = json!(0);
    let result = firn(
        &["atl06p", "--source", dir.path().to_str().unwrap()],
        Some(&request),
    );
    assert_eq!(result.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("maxi"), "{stderr}");
    assert!(!path.exists(), "no output for a rejected request");

    request["parms"]["maxi"] = json!(6);
    request["parms"]["lenn"] = json!(40);
    let result = firn(
        &["atl06p", "--source", dir.path().to_str().unwrap()],
        Some(&request),
    );
    assert_eq!(result.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&result.stderr).contains("lenn"));
}

#[test]
fn geoparquet_on_s3_with_session_credentials_in_the_request() {
    let (dir, names) = granules();
    let server = firn_tests::MotoServer::start();
    server.create_bucket("results");
    let secret = "firn-e2e-very-secret-value";
    let token = "firn-e2e-session-token-value";
    let url = "s3://results/grandmesa/atl06.parquet";
    let mut request = seed_request(Path::new(url), "parquet", names);
    request["parms"]["output"]["credentials"] = json!({
        "aws_access_key_id": "AKIAFIRNTEST",
        "aws_secret_access_key": secret,
        "aws_session_token": token,
    });
    request["parms"]["output"]["region"] = json!("us-east-1");
    request["parms"]["output"]["endpoint"] = json!(server.endpoint());
    let result = firn(
        &["-v", "atl06p", "--source", dir.path().to_str().unwrap()],
        Some(&request),
    );
    let stdout = String::from_utf8_lossy(&result.stdout);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{stderr}");
    assert!(stdout.contains(url), "{stdout}");
    for text in [&stdout, &stderr] {
        assert!(
            !text.contains(secret) && !text.contains(token),
            "a credential leaked:\n{text}"
        );
    }
    let summary = read_back_with(
        url.as_ref(),
        "geoparquet",
        dir.path(),
        Some(&server.endpoint()),
    );
    assert_seed_summary(&summary);
}

#[test]
fn part_mode_writes_a_part_per_granule_and_resumes() {
    let (dir, names) = granules();
    let out = tempfile::tempdir().unwrap();
    let prefix = out.path().join("parts");
    let mut request = seed_request(&prefix, "parquet", names);
    request["parms"]["output"]["parts"] = json!(true);
    let run = |request: &Value| {
        let result = firn(
            &["atl06p", "--source", dir.path().to_str().unwrap()],
            Some(request),
        );
        assert!(
            result.status.success(),
            "{}",
            String::from_utf8_lossy(&result.stderr)
        );
        String::from_utf8_lossy(&result.stdout).into_owned()
    };

    let first = run(&request);
    assert!(
        first.contains("granules: 2 ok, 0 failed, 0 skipped"),
        "{first}"
    );
    let part = |name: &str| prefix.join(name.replace(".h5", ".parquet"));
    assert!(part(&names[0]).exists() && part(&names[1]).exists());
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(prefix.join("_manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["granules"].as_array().unwrap().len(), 2);

    // A second run finds both parts and writes nothing; losing one part redoes only that one.
    let second = run(&request);
    assert!(
        second.contains("granules: 0 ok, 0 failed, 2 skipped"),
        "{second}"
    );
    std::fs::remove_file(part(&names[1])).unwrap();
    let third = run(&request);
    assert!(
        third.contains("granules: 1 ok, 0 failed, 1 skipped"),
        "{third}"
    );

    // Each part is a GeoParquet file on its own, and together they hold the seed's rows.
    for name in names {
        let summary = read_back(&part(name), "geoparquet", dir.path());
        assert!(summary["rows"].as_u64().unwrap() > 1_000, "{summary}");
    }
}
