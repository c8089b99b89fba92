//! Shared test helpers: synthetic segments with their truth, the Python readers, and a moto
//! server in IAM auth mode (the harness's `MotoServer` accepts any key).
#![allow(dead_code, unreachable_pub)] // each test file uses a different subset

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use firn_output::{FirnMetadata, SegmentBatch, SegmentRow};
use serde_json::{Value, json};

/// 2020-01-01T00:00:00Z in nanoseconds.
pub const T0: i64 = 1_577_836_800_000_000_000;

/// A deterministic pseudo-random stream (SplitMix64), so truth and output agree without a dep.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `rows` synthetic segments starting at row `first`: increasing times, positions around Grand
/// Mesa, every column with values that exercise its type (u64 ids above 2^53, NaN-free floats).
pub fn segments(first: usize, rows: usize, seed: u64) -> SegmentBatch {
    let mut rng = Rng::new(seed ^ first as u64);
    let mut batch = SegmentBatch::with_capacity(rows);
    for i in first..first + rows {
        batch.push(&SegmentRow {
            time_ns: T0 + i as i64 * 2_857_143 + (rng.next_u64() % 1000) as i64,
            extent_id: (1u64 << 60) | ((i as u64) << 2) | (rng.next_u64() % 4),
            segment_id: 600_000 + i as u32,
            rgt: (rng.next_u64() % 1387) as u16 + 1,
            cycle: (rng.next_u64() % 20) as u8 + 1,
            region: (rng.next_u64() % 14) as u8 + 1,
            spot: (rng.next_u64() % 6) as u8 + 1,
            gt: ((rng.next_u64() % 6) as u8 + 1) * 10,
            x_atc: 1.0e7 + i as f64 * 20.0 + rng.unit(),
            y_atc: (rng.unit() * 6000.0 - 3000.0) as f32,
            h_mean: 3000.0 + rng.unit() * 100.0,
            dh_fit_dx: (rng.unit() - 0.5) as f32,
            dh_fit_dy: (rng.unit() - 0.5) as f32 * 0.1,
            n_fit_photons: (rng.next_u64() % 500) as i32 + 10,
            w_surface_window_final: 3.0 + rng.unit() as f32 * 10.0,
            rms_misfit: rng.unit() as f32,
            h_sigma: rng.unit() as f32 * 0.1,
            pflags: (rng.next_u64() % 8) as u16,
            latitude: 38.9 + i as f64 * 1.0e-6 + rng.unit() * 0.01,
            longitude: -108.2 + rng.unit() * 0.3,
        });
    }
    batch
}

/// The truth JSON the Python reader compares against (f32 values widened exactly).
pub fn truth(batches: &[SegmentBatch]) -> Value {
    fn col<T: Copy + Into<Value>>(
        batches: &[SegmentBatch],
        f: fn(&SegmentBatch) -> &Vec<T>,
    ) -> Value {
        Value::Array(
            batches
                .iter()
                .flat_map(|b| f(b).iter().map(|&v| v.into()))
                .collect(),
        )
    }
    fn col32(batches: &[SegmentBatch], f: fn(&SegmentBatch) -> &Vec<f32>) -> Value {
        Value::Array(
            batches
                .iter()
                .flat_map(|b| f(b).iter().map(|&v| json!(f64::from(v))))
                .collect(),
        )
    }
    json!({"columns": {
        "time": col(batches, |b| &b.time_ns),
        "extent_id": col(batches, |b| &b.extent_id),
        "segment_id": col(batches, |b| &b.segment_id),
        "rgt": col(batches, |b| &b.rgt),
        "cycle": col(batches, |b| &b.cycle),
        "region": col(batches, |b| &b.region),
        "spot": col(batches, |b| &b.spot),
        "gt": col(batches, |b| &b.gt),
        "x_atc": col(batches, |b| &b.x_atc),
        "y_atc": col32(batches, |b| &b.y_atc),
        "h_mean": col(batches, |b| &b.h_mean),
        "dh_fit_dx": col32(batches, |b| &b.dh_fit_dx),
        "dh_fit_dy": col32(batches, |b| &b.dh_fit_dy),
        "n_fit_photons": col(batches, |b| &b.n_fit_photons),
        "w_surface_window_final": col32(batches, |b| &b.w_surface_window_final),
        "rms_misfit": col32(batches, |b| &b.rms_misfit),
        "h_sigma": col32(batches, |b| &b.h_sigma),
        "pflags": col(batches, |b| &b.pflags),
        "latitude": col(batches, |b| &b.latitude),
        "longitude": col(batches, |b| &b.longitude),
    }})
}

/// Metadata for a request that carries `secret` among its credentials.
pub fn metadata_with_secret(path: &str, secret: &str) -> FirnMetadata {
    FirnMetadata {
        request: json!({
            "poly": [{"lat": 39.0, "lon": -108.0}],
            "len": 40.0,
            "output": {"path": path, "credentials": {
                "aws_access_key_id": "AKIDFIRNTEST", "aws_secret_access_key": secret}}
        }),
        granules: vec!["ATL03_20200101000000_00100610_006_01.h5".into()],
        version: "firn-test 0.0.0".into(),
    }
}

/// This crate's Python scripts directory.
pub fn py_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/py")
}

/// Runs one of this crate's Python scripts; returns its output whatever the exit status.
pub fn python(script: &str, args: &[&str]) -> Output {
    Command::new(firn_tests::python())
        .arg(py_dir().join(script))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {script}: {e}"))
}

/// Runs a script that must succeed and parses its stdout as JSON.
pub fn python_json(script: &str, args: &[&str]) -> Value {
    let out = python(script, args);
    assert!(
        out.status.success(),
        "{script} {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{script}: bad JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Writes `truth` beside the output and runs `readback.py` on `file`.
pub fn readback(format: &str, file: &Path, truth: &Value) -> Value {
    let truth_path = file.with_extension("truth.json");
    std::fs::write(&truth_path, truth.to_string()).expect("write truth");
    let schema = py_dir().join("geoparquet-1.1.schema.json");
    python_json(
        "readback.py",
        &[
            format,
            file.to_str().expect("utf-8 path"),
            truth_path.to_str().expect("utf-8 path"),
            schema.to_str().expect("utf-8 path"),
        ],
    )
}

/// Asserts that `needle` occurs nowhere in `haystack`.
pub fn assert_absent(haystack: &[u8], needle: &str, what: &str) {
    assert!(
        !haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes()),
        "{what} contains the secret"
    );
}

/// A moto server with IAM-like access control: the first `free` requests need no auth.
pub struct AuthMoto {
    child: Child,
    addr: SocketAddr,
}

impl AuthMoto {
    pub fn start(free: u32) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let child = Command::new(firn_tests::python())
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(port.to_string())
            .env("INITIAL_NO_AUTH_ACTION_COUNT", free.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(Instant::now() < deadline, "moto did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Self { child, addr }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for AuthMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
