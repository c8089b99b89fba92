//! The harness of the `firn serve` tests: synthetic granules and the command line's output for
//! the seed request, a server on a free 127.0.0.1 port, the SlideRule client scripts run with a
//! deadline, a raw HTTP/1.1 client, and FIFO granules that hold a job until the test lets it go.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use firn_synth::{GranuleSpec, Terrain, WriteOptions, write_granule_with};
use serde_json::{Value, json};

/// The longest a client script may take before the test fails.
pub(crate) const CLIENT_DEADLINE: Duration = Duration::from_secs(180);

/// Granules, the request the clients send, and what `firn atl06p` wrote for it.
pub(crate) struct Fixture {
    /// The granule directory (the servers' `--source`).
    pub(crate) dir: tempfile::TempDir,
    /// The granules the request names (two passes of rgt 737, cycles 5 and 6).
    pub(crate) names: Vec<String>,
    /// `{"parms": seed parameters, "resources": names}`, for the client scripts.
    pub(crate) request: PathBuf,
    /// The GeoParquet file `firn atl06p` wrote for the same request.
    pub(crate) reference: PathBuf,
}

/// The seed notebook's parameters, over Grand Mesa.
pub(crate) fn seed_parms() -> Value {
    json!({
        "poly": [
            {"lat": 38.90, "lon": -108.30}, {"lat": 38.90, "lon": -107.80},
            {"lat": 39.15, "lon": -107.80}, {"lat": 39.15, "lon": -108.30},
            {"lat": 38.90, "lon": -108.30}
        ],
        "srt": 0, "cnf": 4, "len": 40.0, "res": 20.0, "maxi": 6
    })
}

/// Four short synthetic granules (two rgts, two cycles) on a gentle slope, the request over the
/// first two, and the command line's output for it; made once per test binary.
pub(crate) fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let base = GranuleSpec {
            length_km: 6.0,
            terrain: Terrain::Slope {
                h0: 3000.0,
                slope: 0.05,
            },
            ..GranuleSpec::default()
        };
        let mut all: Vec<String> = firn_synth::demo_specs(&base)
            .iter()
            .map(|spec| {
                let options = WriteOptions {
                    photon_truth: false,
                    progress: None,
                };
                let out = write_granule_with(spec, dir.path(), &options).unwrap();
                let name = out.h5_path.file_name().unwrap().to_string_lossy();
                name.into_owned()
            })
            .collect();
        all.sort();
        let names: Vec<String> = all.into_iter().filter(|n| n.contains("_0737")).collect();
        assert_eq!(names.len(), 2, "two passes of rgt 737");
        let request = dir.path().join("request.json");
        let body = json!({"parms": seed_parms(), "resources": names});
        std::fs::write(&request, body.to_string()).unwrap();

        let reference = dir.path().join("reference.parquet");
        let mut cli = body.clone();
        cli["parms"]["output"] = json!({"path": reference.to_str().unwrap(), "format": "parquet"});
        let cli_request = dir.path().join("cli_request.json");
        std::fs::write(&cli_request, cli.to_string()).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_firn"))
            .arg("atl06p")
            .arg("--source")
            .arg(dir.path())
            .arg("--request")
            .arg(&cli_request)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "firn atl06p: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Fixture {
            dir,
            names,
            request,
            reference,
        }
    })
}

/// A `firn serve` process on a free loopback port, killed when dropped.
pub(crate) struct Server {
    child: Child,
    address: String,
    log: PathBuf,
    _scratch: tempfile::TempDir,
}

impl Server {
    /// Starts `firn -v serve --bind 127.0.0.1:0 --source SOURCE ARGS…` and waits for its address.
    pub(crate) fn start(source: &Path, args: &[&str]) -> Self {
        Self::start_with_env(source, args, &[])
    }

    /// [`start`](Self::start) with extra environment variables.
    pub(crate) fn start_with_env(source: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let scratch = tempfile::tempdir().unwrap();
        let log = scratch.path().join("server.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_firn"))
            .args(["-v", "serve", "--bind", "127.0.0.1:0", "--source"])
            .arg(source)
            .args(args)
            .envs(env.iter().copied())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("firn serve starts");
        let stdout = child.stdout.take().unwrap();
        let lines = line_channel(stdout);
        let first = lines
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!(
                    "firn serve printed no address:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            });
        let address = first
            .strip_prefix("firn serve: listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        Self {
            child,
            address,
            log,
            _scratch: scratch,
        }
    }

    /// `127.0.0.1:PORT`.
    pub(crate) fn address(&self) -> &str {
        &self.address
    }

    /// The server's stderr so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `GET /health`.
    pub(crate) fn health(&self) -> Value {
        let reply = http(&self.address, "GET", "/health", &[], b"");
        assert_eq!(reply.status, 200, "{}", reply.text());
        serde_json::from_slice(&reply.body).unwrap()
    }

    /// Polls `/health` until `done` holds (at most 60 s); returns that report.
    pub(crate) fn wait_health(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let health = self.health();
            if done(&health) {
                return health;
            }
            assert!(Instant::now() < deadline, "{what}: not reached: {health:#}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends SIGTERM.
    pub(crate) fn terminate(&self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM");
    }

    /// Waits for the server to exit (at most `within`).
    pub(crate) fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the server's log contains `text` (at most 60 s).
    pub(crate) fn wait_log(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.log().contains(text) {
            assert!(
                Instant::now() < deadline,
                "no {text:?} in the log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Lines of a child's stdout, as they come.
pub(crate) fn line_channel(stdout: ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The SlideRule 5.x client's interpreter (the test venv).
pub(crate) fn python5() -> PathBuf {
    firn_tests::python()
}

/// The SlideRule 4.x client's interpreter: `FIRN_SLIDERULE4_PYTHON`, else `.venv-sliderule4`.
pub(crate) fn python4() -> PathBuf {
    let path = std::env::var_os("FIRN_SLIDERULE4_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| firn_tests::repo_root().join(".venv-sliderule4/bin/python"));
    assert!(
        path.exists(),
        "the SlideRule 4.x venv is missing at {}: run `bash scripts/setup.sh`",
        path.display()
    );
    path
}

/// The client script.
fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/py/sliderule_client.py")
}

/// A client check as a child process (stdout piped), for checks that run beside the test.
pub(crate) fn spawn_client(python: &Path, check: &str, args: &[&OsStr]) -> Child {
    Command::new(python)
        .arg(script())
        .arg(check)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the client script starts")
}

/// Runs a client check to its end (at most [`CLIENT_DEADLINE`]); its JSON report. Fails the
/// test, with the script's stderr, when the check fails.
pub(crate) fn client(python: &Path, check: &str, args: &[&OsStr]) -> Value {
    let output = finish(spawn_client(python, check, args), CLIENT_DEADLINE);
    assert!(
        output.status.success(),
        "client check {check} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{check}: {e}: {stdout}"))
}

/// Waits for `child` (killed after `within`) and collects its output.
pub(crate) fn finish(mut child: Child, within: Duration) -> Output {
    fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut buf);
            }
            buf
        })
    }
    // A caller may have taken stdout to read it line by line.
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let deadline = Instant::now() + within;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a client did not finish within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// A reply from [`http`].
pub(crate) struct Reply {
    /// The status code.
    pub(crate) status: u16,
    /// Header names (lower case) and values.
    pub(crate) headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// The value of header `name`.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request with `Connection: close` and no Content-Type, the way the SlideRule
/// client sends its bodies.
pub(crate) fn http(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = raw.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = String::from_utf8_lossy(&raw[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        raw = &raw[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

/// The records of a stream: (type, payload) pairs.
pub(crate) fn records(mut stream: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    while !stream.is_empty() {
        assert_eq!(&stream[..2], &[0, 2], "record version 2");
        let name_len = u16::from_be_bytes([stream[2], stream[3]]) as usize;
        let size = u32::from_be_bytes([stream[4], stream[5], stream[6], stream[7]]) as usize;
        let name = String::from_utf8(stream[8..8 + name_len - 1].to_vec()).unwrap();
        out.push((name, stream[8 + name_len..8 + name_len + size].to_vec()));
        stream = &stream[8 + name_len + size..];
    }
    out
}

/// The code and text of an `exceptrec` payload.
pub(crate) fn exception(payload: &[u8]) -> (i32, String) {
    let code = i32::from_le_bytes(payload[..4].try_into().unwrap());
    let text = payload[8..].split(|&b| b == 0).next().unwrap();
    (code, String::from_utf8(text.to_vec()).unwrap())
}

/// A granule that is a FIFO: a job reading it blocks until [`release`](Self::release).
pub(crate) struct FifoGranule {
    path: PathBuf,
}

impl FifoGranule {
    /// Makes the FIFO `name` in `dir`.
    pub(crate) fn create(dir: &Path, name: &str) -> Self {
        let path = dir.join(name);
        let status = Command::new("mkfifo").arg(&path).status().unwrap();
        assert!(status.success(), "mkfifo {}", path.display());
        Self { path }
    }

    /// Opens and closes the writing end: the reader sees an empty file (the granule fails alone).
    pub(crate) fn release(&self) {
        let path = self.path.clone();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let opened = std::fs::OpenOptions::new().write(true).open(&path);
            let _ = tx.send(opened.map(drop));
        });
        rx.recv_timeout(Duration::from_secs(60))
            .expect("the job opened the FIFO")
            .expect("the FIFO opens for writing");
    }
}

/// A directory with the fixture's granules (hard links) and a FIFO granule that sorts first.
pub(crate) fn fifo_source() -> (tempfile::TempDir, FifoGranule, Vec<String>) {
    let fixture = fixture();
    let dir = tempfile::tempdir().unwrap();
    for name in &fixture.names {
        std::fs::hard_link(fixture.dir.path().join(name), dir.path().join(name)).unwrap();
    }
    let fifo_name = "ATL03_20190101000000_07370502_006_01.h5";
    let fifo = FifoGranule::create(dir.path(), fifo_name);
    let mut names = vec![fifo_name.to_owned()];
    names.extend(fixture.names.iter().cloned());
    (dir, fifo, names)
}

/// Writes a request file for the client scripts: the seed parameters over `names`.
pub(crate) fn request_file(dir: &Path, names: &[String]) -> PathBuf {
    let path = dir.join("request.json");
    std::fs::write(
        &path,
        json!({"parms": seed_parms(), "resources": names}).to_string(),
    )
    .unwrap();
    path
}
