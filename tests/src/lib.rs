//! The harness Firn's cross-crate tests share: real servers and real readers, started on demand.
//!
//! - [`python`]: the interpreter of the test venv (h5py, pyarrow, geopandas, moto), which
//!   `scripts/setup.sh` prepares and `scripts/test.sh` names in `FIRN_PYTHON`.
//! - [`MotoServer`]: a moto S3 server on 127.0.0.1, started per test and stopped when dropped.
//! - [`fixture`]: paths of the real test data in `shared/fixtures`.
#![deny(missing_docs)]

mod moto;
mod paths;

pub use moto::{ACCESS_KEY, MotoServer, SECRET_KEY};
pub use paths::{fixture, python, repo_root, run_python};
