//! The contenders' read paths: firn-h5 (one batch per beam) and libhdf5 through hdf5-metno.

use std::path::Path;

use firn_h5::{Array, File};
use hdf5::types::TypeDescriptor;

use crate::error::{Error, Result, hdf5_error};

/// Decoded bytes held by `arrays`.
fn arrays_len(arrays: &[Array]) -> u64 {
    arrays.iter().map(|a| a.as_bytes().len() as u64).sum()
}

/// Reads every row of `paths` from an open firn-h5 file in one batch.
pub fn firn_read(file: &File, paths: &[String]) -> Result<Vec<Array>> {
    let datasets = paths
        .iter()
        .map(|p| file.dataset(p))
        .collect::<firn_h5::Result<Vec<_>>>()?;
    let reads: Vec<_> = datasets.iter().map(|d| (d, 0..d.len())).collect();
    Ok(file.read_batch(&reads)?)
}

/// Opens `path` with firn-h5 and reads each beam's datasets (`per_beam`) as one batch, dropping
/// each beam's arrays before the next; returns the decoded bytes read.
///
/// Runs on the current rayon pool: call it inside `ThreadPool::install` to choose the threads.
pub fn firn_read_granule(path: &Path, per_beam: &[Vec<String>]) -> Result<u64> {
    firn_read_beams(&File::open(path)?, per_beam)
}

/// Reads each beam's datasets (`per_beam`) from an open firn-h5 file as one batch, dropping each
/// beam's arrays before the next; returns the decoded bytes read.
pub fn firn_read_beams(file: &File, per_beam: &[Vec<String>]) -> Result<u64> {
    let mut total = 0;
    for paths in per_beam {
        total += arrays_len(&firn_read(file, paths)?);
    }
    Ok(total)
}

/// Reads a whole dataset with libhdf5 (`read_raw` in the stored type), returned as an [`Array`]
/// (no copy) so that it compares with firn-h5's directly.
pub fn libhdf5_read(file: &hdf5::File, path: &str) -> Result<Array> {
    fn raw<T: hdf5::H5Type>(dataset: &hdf5::Dataset, path: &str) -> Result<Array>
    where
        Array: From<Vec<T>>,
    {
        let values: Vec<T> = dataset.read_raw().map_err(hdf5_error(path))?;
        Ok(Array::from(values))
    }
    let dataset = file.dataset(path).map_err(hdf5_error(path))?;
    let dtype = dataset.dtype().map_err(hdf5_error(path))?;
    let descriptor = dtype.to_descriptor().map_err(hdf5_error(path))?;
    match (&descriptor, dtype.size()) {
        (TypeDescriptor::Integer(_), 1) => raw::<i8>(&dataset, path),
        (TypeDescriptor::Integer(_), 2) => raw::<i16>(&dataset, path),
        (TypeDescriptor::Integer(_), 4) => raw::<i32>(&dataset, path),
        (TypeDescriptor::Integer(_), 8) => raw::<i64>(&dataset, path),
        (TypeDescriptor::Unsigned(_), 1) => raw::<u8>(&dataset, path),
        (TypeDescriptor::Unsigned(_), 2) => raw::<u16>(&dataset, path),
        (TypeDescriptor::Unsigned(_), 4) => raw::<u32>(&dataset, path),
        (TypeDescriptor::Unsigned(_), 8) => raw::<u64>(&dataset, path),
        (TypeDescriptor::Float(_), 4) => raw::<f32>(&dataset, path),
        (TypeDescriptor::Float(_), 8) => raw::<f64>(&dataset, path),
        (other, size) => Err(Error::Unsupported {
            dataset: path.to_owned(),
            detail: format!("libhdf5 type {other:?} of {size} bytes is not a number type"),
        }),
    }
}

/// Opens `path` with libhdf5 and reads every dataset of every beam, dropping each dataset after
/// reading it; returns the decoded bytes read.
pub fn libhdf5_read_granule(path: &Path, per_beam: &[Vec<String>]) -> Result<u64> {
    let file = hdf5::File::open(path).map_err(hdf5_error(path.display().to_string()))?;
    let mut total = 0;
    for dataset in per_beam.iter().flatten() {
        total += arrays_len(std::slice::from_ref(&libhdf5_read(&file, dataset)?));
    }
    Ok(total)
}

/// Checks that two readers returned the same bytes for `dataset`.
pub fn same_bytes(
    dataset: &str,
    (left, left_bytes): (&'static str, &[u8]),
    (right, right_bytes): (&'static str, &[u8]),
) -> Result<()> {
    if left_bytes == right_bytes {
        return Ok(());
    }
    let detail = if left_bytes.len() == right_bytes.len() {
        let at = left_bytes
            .iter()
            .zip(right_bytes)
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        format!("first difference at byte {at} of {}", left_bytes.len())
    } else {
        format!("{} bytes against {}", left_bytes.len(), right_bytes.len())
    };
    Err(Error::Mismatch {
        dataset: dataset.to_owned(),
        left,
        right,
        detail,
    })
}
