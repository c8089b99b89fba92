//! The contenders' read paths: firn-h5 (one batch per beam into new arrays, or window by window
//! into reused buffers as the pipeline reads) and libhdf5 through hdf5-metno.

use std::ops::Range;
use std::path::Path;

use firn_h5::{Array, ArrayMut, Dataset, File};
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

/// Photon rows per window of [`WindowedReader`]: firn-atl03's default photon window.
pub const WINDOW_ROWS: u64 = 500_000;

/// firn-h5 as the ATL06-SR pipeline reads a beam: the photon-rate datasets (`/heights/`) window by
/// window, one `read_batch_into` per window, and the segment-rate datasets whole in one
/// `read_batch_into`, all into buffers that are reused from window to window and beam to beam.
#[derive(Debug)]
pub struct WindowedReader {
    window: u64,
    /// One buffer per dataset of a beam's list, as large as the largest read so far.
    buffers: Vec<Option<Array>>,
}

impl WindowedReader {
    /// A reader with windows of `window` photon rows and no buffers yet.
    pub fn new(window: u64) -> Self {
        Self {
            window: window.max(1),
            buffers: Vec::new(),
        }
    }

    /// Reads each beam's datasets (`per_beam`, the same dataset names in every beam) from `file`;
    /// returns the decoded bytes read. Runs on the current rayon pool.
    pub fn read_beams(&mut self, file: &File, per_beam: &[Vec<String>]) -> Result<u64> {
        let mut total = 0;
        for paths in per_beam {
            total += self.read_beam(file, paths, |_, _, _| {})?;
        }
        Ok(total)
    }

    /// Reads one beam's datasets, handing every filled buffer to `check` with the dataset's index
    /// in `paths` and the rows it holds; returns the decoded bytes read.
    pub fn read_beam(
        &mut self,
        file: &File,
        paths: &[String],
        mut check: impl FnMut(usize, Range<u64>, &ArrayMut<'_>),
    ) -> Result<u64> {
        let datasets = paths
            .iter()
            .map(|p| file.dataset(p))
            .collect::<firn_h5::Result<Vec<_>>>()?;
        self.buffers.resize_with(datasets.len(), || None);
        let (photons, segments): (Vec<usize>, Vec<usize>) =
            (0..datasets.len()).partition(|&i| paths[i].contains("/heights/"));
        let mut total = 0;
        let whole: Vec<(usize, Range<u64>)> = segments
            .iter()
            .map(|&i| (i, 0..datasets[i].len()))
            .collect();
        total += self.read_into(file, &datasets, &whole, &mut check)?;
        let rows = photons.first().map_or(0, |&i| datasets[i].len());
        let mut start = 0;
        while start < rows {
            let end = (start + self.window).min(rows);
            let reads: Vec<(usize, Range<u64>)> =
                photons.iter().map(|&i| (i, start..end)).collect();
            total += self.read_into(file, &datasets, &reads, &mut check)?;
            start = end;
        }
        Ok(total)
    }

    /// One `read_batch_into` of `reads` (dataset index, rows), growing buffers that are too small.
    fn read_into(
        &mut self,
        file: &File,
        datasets: &[Dataset],
        reads: &[(usize, Range<u64>)],
        check: &mut impl FnMut(usize, Range<u64>, &ArrayMut<'_>),
    ) -> Result<u64> {
        let mut counts = vec![None; datasets.len()];
        for (i, rows) in reads {
            let dataset = &datasets[*i];
            let count = ((rows.end - rows.start) * dataset.row_elements()) as usize;
            let buffer = &mut self.buffers[*i];
            if buffer.as_ref().is_none_or(|b| b.len() < count) {
                *buffer = Some(Array::zeroed(dataset.dtype(), count).ok_or_else(|| {
                    Error::Unsupported {
                        dataset: dataset.path().to_owned(),
                        detail: format!("{} is not a number type", dataset.dtype()),
                    }
                })?);
            }
            counts[*i] = Some(count);
        }
        // Each dataset appears at most once per batch, so the buffers lent are disjoint.
        let mut outputs: Vec<(usize, ArrayMut<'_>)> = self
            .buffers
            .iter_mut()
            .zip(counts)
            .enumerate()
            .filter_map(|(i, (buffer, count))| Some((i, buffer.as_mut()?.slice_mut(0..count?)?)))
            .collect();
        outputs.sort_by_key(|(i, _)| reads.iter().position(|(r, _)| r == i));
        let batch: Vec<(&Dataset, Range<u64>)> = reads
            .iter()
            .map(|(i, rows)| (&datasets[*i], rows.clone()))
            .collect();
        let mut buffers: Vec<ArrayMut<'_>> = outputs.into_iter().map(|(_, b)| b).collect();
        file.read_batch_into(&batch, &mut buffers)?;
        let mut bytes = 0;
        for ((i, rows), buffer) in reads.iter().zip(&buffers) {
            bytes += (buffer.len() * datasets[*i].dtype().size()) as u64;
            check(*i, rows.clone(), buffer);
        }
        Ok(bytes)
    }
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
