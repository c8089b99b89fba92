//! Where the repository, the shared fixtures and the test venv are.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository root (the workspace directory).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits one level below the repository root")
        .to_path_buf()
}

/// A file of the real test data: `fixture("atl03/ATL03_gt1l_subset.h5")`.
///
/// The fixtures live in `shared/fixtures` beside the repository; `FIRN_FIXTURES` overrides the place.
pub fn fixture(relative: &str) -> PathBuf {
    let base = std::env::var_os("FIRN_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/fixtures"));
    let path = base.join(relative);
    assert!(
        path.exists(),
        "fixture {} is missing (set FIRN_FIXTURES to the shared/fixtures directory)",
        path.display()
    );
    path
}

/// The Python interpreter of the test venv: `FIRN_PYTHON`, else `.venv/bin/python` in the repository.
///
/// Panics with the set-up command when neither exists: the tests that need it are not optional.
pub fn python() -> PathBuf {
    let path = std::env::var_os("FIRN_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv/bin/python"));
    assert!(
        path.exists(),
        "the Python test venv is missing at {}: run `bash scripts/setup.sh` (or scripts/test.sh)",
        path.display()
    );
    path
}

/// Runs a script from `tests/py/` with the venv's Python and returns its output; panics with the
/// script's stderr when it fails.
pub fn run_python(script: &str, args: &[&std::ffi::OsStr]) -> Output {
    let script_path = repo_root().join("tests/py").join(script);
    let output = Command::new(python())
        .arg(&script_path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script_path.display()));
    assert!(
        output.status.success(),
        "{script} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}
