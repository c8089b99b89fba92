//! Datasets: shape, type and storage, and typed reads of whole datasets or row ranges.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;

use crate::array::{Array, ArrayMut};
use crate::decode::{self, RowRead};
use crate::dtype::{Datatype, H5Type, StringPadding};
use crate::error::{Error, Result};
use crate::file::FileInner;
use crate::format::btree_v1::{self, ChunkQuery};
use crate::format::messages::{self, dataspace, datatype, fill_value, filter_pipeline, layout};
use crate::format::object_header::{FLAG_SHARED, Message, ObjectHeader};
use crate::plan::ReadOptions;
use crate::storage::{ChunkRecord, Filter, StorageLayout};

/// A read may allocate this many bytes whatever backs it (fill values of unwritten chunks).
const ALWAYS_ALLOWED: u64 = 64 << 20;
/// Beyond [`ALWAYS_ALLOWED`], a read may allocate at most this many bytes per stored byte it reads:
/// more than deflate can expand, so only an implausible dataspace trips it.
const MAX_EXPANSION: u64 = 1100;

/// A filter of a dataset's pipeline, in the order it was applied when writing.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterInfo {
    /// zlib deflate (filter 1) at this compression level.
    Deflate {
        /// Compression level the writer asked for (0-9).
        level: u32,
    },
    /// Byte shuffle (filter 2).
    Shuffle,
}

impl fmt::Display for FilterInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilterInfo::Deflate { level } => write!(f, "deflate({level})"),
            FilterInfo::Shuffle => write!(f, "shuffle"),
        }
    }
}

/// A dataset: an n-dimensional array of one datatype. Reads are along the first dimension ("rows").
#[derive(Debug, Clone)]
pub struct Dataset {
    file: Arc<FileInner>,
    options: ReadOptions,
    path: String,
    /// Absolute file offset of the object header, for errors.
    offset: u64,
    shape: Vec<u64>,
    dtype: Datatype,
    layout: StorageLayout,
    filters: Vec<FilterInfo>,
    fill: Vec<u8>,
}

impl Dataset {
    /// Interprets a dataset's object header; every unsupported feature is reported here.
    pub(crate) fn from_header(
        file: Arc<FileInner>,
        options: ReadOptions,
        path: String,
        header: &ObjectHeader,
    ) -> Result<Self> {
        let sizes = file.reader.sizes();
        let address = file.reader.absolute(header.address, &path).unwrap_or(0);
        let required = |kind: u16, what: &str| -> Result<&Message> {
            let message = header.first(kind).ok_or_else(|| Error::Corrupt {
                offset: address,
                context: path.clone(),
                detail: format!("dataset header has no {what} message"),
            })?;
            if message.flags & FLAG_SHARED != 0 {
                return Err(Error::Unsupported {
                    feature: format!("shared {what} message"),
                    path: path.clone(),
                    offset: message.offset,
                });
            }
            Ok(message)
        };
        let shape = match dataspace::parse(
            &mut required(messages::DATASPACE, "dataspace")?.cursor(sizes, &path),
        )? {
            dataspace::Dataspace::Scalar => Vec::new(),
            dataspace::Dataspace::Simple(dims) => dims,
            dataspace::Dataspace::Null => vec![0],
        };
        let dtype =
            datatype::parse(&mut required(messages::DATATYPE, "datatype")?.cursor(sizes, &path))?;
        let parsed =
            layout::parse(&mut required(messages::LAYOUT, "data layout")?.cursor(sizes, &path))?;
        let filters = match header.first(messages::FILTER_PIPELINE) {
            Some(message) => parse_filters(message, sizes, &path)?,
            None => Vec::new(),
        };
        let fill = fill_bytes(header, sizes, &path)?;
        let dataset = Self {
            file,
            options,
            path,
            offset: address,
            shape,
            dtype,
            layout: parsed.storage,
            filters,
            fill: Vec::new(),
        };
        let fill = match fill {
            Some(value) if value.len() == dataset.dtype.size() => value.to_vec(),
            Some(value) => {
                return Err(dataset.corrupt(
                    address,
                    format!(
                        "fill value of {} bytes for {}-byte elements",
                        value.len(),
                        dataset.dtype.size()
                    ),
                ));
            }
            None => vec![0; dataset.dtype.size()],
        };
        let dataset = Self { fill, ..dataset };
        dataset.validate(address, parsed.chunk_element_size)?;
        Ok(dataset)
    }

    /// Checks storage against shape and type, so reads cannot run past what the file holds.
    fn validate(&self, address: u64, chunk_element_size: Option<u64>) -> Result<()> {
        let total = self
            .shape
            .iter()
            .try_fold(self.dtype.size() as u64, |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| self.corrupt(address, format!("shape {:?} overflows", self.shape)))?;
        match &self.layout {
            StorageLayout::Compact { data } => {
                if (data.len() as u64) < total {
                    return Err(self.corrupt(
                        address,
                        format!(
                            "compact data of {} bytes is smaller than the dataset's {total} bytes",
                            data.len()
                        ),
                    ));
                }
            }
            StorageLayout::Contiguous {
                address: data,
                size,
            } => {
                if *size < total {
                    return Err(self.corrupt(address, format!(
                        "contiguous storage of {size} bytes is smaller than the dataset's {total} bytes"
                    )));
                }
                if let Some(data) = data {
                    self.file.reader.check_extent(*data, total, &self.path)?;
                }
            }
            StorageLayout::Chunked { chunk_shape, .. } => {
                if chunk_shape.len() != self.shape.len() || chunk_shape.contains(&0) {
                    return Err(self.corrupt(
                        address,
                        format!(
                            "chunk shape {chunk_shape:?} does not fit dataset shape {:?}",
                            self.shape
                        ),
                    ));
                }
                if chunk_element_size != Some(self.dtype.size() as u64) {
                    return Err(self.corrupt(address, format!(
                        "chunk element size {chunk_element_size:?} differs from the datatype's {} bytes",
                        self.dtype.size()
                    )));
                }
            }
        }
        Ok(())
    }

    fn corrupt(&self, offset: u64, detail: String) -> Error {
        Error::Corrupt {
            offset,
            context: self.path.clone(),
            detail,
        }
    }

    /// The dataset's absolute path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The dimensions; empty for a scalar.
    pub fn shape(&self) -> &[u64] {
        &self.shape
    }

    /// The stored element type.
    pub fn dtype(&self) -> &Datatype {
        &self.dtype
    }

    /// The chunk shape, for chunked datasets.
    pub fn chunk_shape(&self) -> Option<&[u64]> {
        match &self.layout {
            StorageLayout::Chunked { chunk_shape, .. } => Some(chunk_shape),
            _ => None,
        }
    }

    /// The filter pipeline, in the order the writer applied it.
    pub fn filters(&self) -> &[FilterInfo] {
        &self.filters
    }

    /// Number of rows (the first dimension); 1 for a scalar.
    pub fn len(&self) -> u64 {
        self.shape.first().copied().unwrap_or(1)
    }

    /// Whether the dataset has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Elements in one row (the product of the trailing dimensions).
    pub fn row_elements(&self) -> u64 {
        self.shape.iter().skip(1).product()
    }

    /// Reads the whole dataset, flattened in row-major order.
    pub fn read<T: H5Type>(&self) -> Result<Vec<T>> {
        self.read_rows(0..self.len())
    }

    /// Reads rows `rows` (along the first dimension), flattened in row-major order.
    pub fn read_rows<T: H5Type>(&self, rows: Range<u64>) -> Result<Vec<T>> {
        self.check_type::<T>()?;
        let chunks = self.plan(&rows)?;
        let mut out = vec![T::default(); self.element_count(&rows)?];
        self.read_into(&rows, &chunks, bytemuck::cast_slice_mut(&mut out))?;
        Ok(out)
    }

    /// Reads rows `rows` into `out`, which must have room for exactly their elements
    /// (`rows.len() × row_elements()`), flattened in row-major order.
    ///
    /// Nothing is allocated for the values: a caller that reads a dataset window by window into
    /// the same buffer touches its memory once.
    pub fn read_rows_into<T: H5Type>(&self, rows: Range<u64>, out: &mut [T]) -> Result<()> {
        self.check_type::<T>()?;
        self.check_buffer(&rows, out.len())?;
        let chunks = self.plan(&rows)?;
        self.read_into(&rows, &chunks, bytemuck::cast_slice_mut(out))
    }

    /// Reads the single element of a scalar (or one-element) dataset.
    pub fn read_scalar<T: H5Type>(&self) -> Result<T> {
        self.check_type::<T>()?;
        self.check_single()?;
        Ok(self.read_rows::<T>(0..1)?[0])
    }

    /// Reads the single fixed-length string of a scalar (or one-element) string dataset, trimmed
    /// according to its padding.
    pub fn read_string(&self) -> Result<String> {
        self.check_single()?;
        Ok(self.read_strings()?.swap_remove(0))
    }

    /// Reads every fixed-length string of a string dataset, each trimmed according to its padding.
    pub fn read_strings(&self) -> Result<Vec<String>> {
        let Datatype::FixedString { size, padding } = self.dtype else {
            return Err(Error::TypeMismatch {
                path: self.path.clone(),
                stored: self.dtype.to_string(),
                requested: "fixed-length string",
            });
        };
        let rows = 0..self.len();
        let chunks = self.plan(&rows)?;
        let mut raw = vec![0u8; self.element_count(&rows)? * size];
        self.read_into(&rows, &chunks, &mut raw)?;
        Ok(raw.chunks_exact(size).map(|s| trim(s, padding)).collect())
    }

    fn check_type<T: H5Type>(&self) -> Result<()> {
        if self.dtype.matches::<T>() {
            Ok(())
        } else {
            Err(Error::TypeMismatch {
                path: self.path.clone(),
                stored: self.dtype.to_string(),
                requested: T::NAME,
            })
        }
    }

    fn check_single(&self) -> Result<()> {
        if self.shape.iter().product::<u64>() != 1 {
            return Err(Error::RowRange {
                path: self.path.clone(),
                requested: 0..1,
                rows: self.len(),
            });
        }
        Ok(())
    }

    /// Fails unless `rows` lies inside the dataset.
    fn check_rows(&self, rows: &Range<u64>) -> Result<()> {
        if rows.start > rows.end || rows.end > self.len() {
            return Err(Error::RowRange {
                path: self.path.clone(),
                requested: rows.clone(),
                rows: self.len(),
            });
        }
        Ok(())
    }

    /// Fails unless `rows` lies inside the dataset and a buffer of `found` elements holds them.
    fn check_buffer(&self, rows: &Range<u64>, found: usize) -> Result<()> {
        self.check_rows(rows)?;
        let expected = self.element_count(rows)?;
        if expected != found {
            return Err(Error::BufferSize {
                path: self.path.clone(),
                rows: rows.clone(),
                expected: expected as u64,
                found: found as u64,
            });
        }
        Ok(())
    }

    /// Checks `rows` and returns the chunks it touches (empty for other layouts).
    fn plan(&self, rows: &Range<u64>) -> Result<Vec<ChunkRecord>> {
        Ok(plan_batch(&[(self, rows.clone())])?
            .pop()
            .unwrap_or_default())
    }

    /// The chunk-index walk `rows` needs, for chunked datasets with stored chunks.
    fn chunk_query(&self, rows: &Range<u64>) -> Option<ChunkQuery<'_>> {
        match &self.layout {
            StorageLayout::Chunked {
                chunk_shape,
                index_address: Some(root),
            } => Some(ChunkQuery {
                root: *root,
                chunk_shape,
                rows: rows.clone(),
                path: &self.path,
            }),
            _ => None,
        }
    }

    /// Fails when `rows` would need far more output than the stored bytes behind them can hold.
    fn check_plausible(&self, rows: &Range<u64>, chunks: &[ChunkRecord]) -> Result<()> {
        let stored: u64 = match &self.layout {
            StorageLayout::Chunked { .. } => chunks.iter().map(|c| c.size).sum(),
            // Validated against the dataset size when opened.
            _ => u64::MAX / MAX_EXPANSION,
        };
        let needed = self.output_bytes(rows)?;
        if needed > ALWAYS_ALLOWED.saturating_add(stored.saturating_mul(MAX_EXPANSION)) {
            return Err(self.corrupt(
                self.offset,
                format!(
                    "rows {}..{} need {needed} bytes but only {stored} stored bytes back them; the dataspace is implausible",
                    rows.start, rows.end
                ),
            ));
        }
        Ok(())
    }

    fn output_bytes(&self, rows: &Range<u64>) -> Result<u64> {
        (rows.end - rows.start)
            .checked_mul(self.row_elements())
            .and_then(|n| n.checked_mul(self.dtype.size() as u64))
            .ok_or_else(|| {
                self.corrupt(
                    self.offset,
                    format!("rows {rows:?} of shape {:?} overflow", self.shape),
                )
            })
    }

    fn element_count(&self, rows: &Range<u64>) -> Result<usize> {
        let bytes = self.output_bytes(rows)?;
        usize::try_from(bytes / self.dtype.size() as u64)
            .map_err(|_| self.corrupt(self.offset, format!("rows {rows:?} do not fit in memory")))
    }

    /// The description the decoder takes.
    pub(crate) fn row_read<'a>(
        &'a self,
        rows: Range<u64>,
        chunks: &'a [ChunkRecord],
        filters: &'a [Filter],
    ) -> RowRead<'a> {
        const SCALAR: &[u64] = &[1];
        RowRead {
            path: &self.path,
            shape: if self.shape.is_empty() {
                SCALAR
            } else {
                &self.shape
            },
            element_size: self.dtype.size(),
            layout: &self.layout,
            filters,
            fill: &self.fill,
            chunks,
            rows,
        }
    }

    fn stored_filters(&self) -> Vec<Filter> {
        self.filters
            .iter()
            .map(|f| match f {
                FilterInfo::Deflate { .. } => Filter::Deflate,
                FilterInfo::Shuffle => Filter::Shuffle,
            })
            .collect()
    }

    fn read_into(&self, rows: &Range<u64>, chunks: &[ChunkRecord], out: &mut [u8]) -> Result<()> {
        let filters = self.stored_filters();
        let read = self.row_read(rows.clone(), chunks, &filters);
        decode::read_rows(self.file.reader.meta(), &[read], &mut [out], &self.options)
    }
}

/// Trims a fixed-length string per its padding.
fn trim(bytes: &[u8], padding: StringPadding) -> String {
    let text = match padding {
        StringPadding::NullTerminated | StringPadding::NullPadded => {
            let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            &bytes[..end]
        }
        StringPadding::SpacePadded => {
            let end = bytes.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
            &bytes[..end]
        }
    };
    String::from_utf8_lossy(text).into_owned()
}

/// The dataset's filters; anything but deflate and shuffle is unsupported.
fn parse_filters(
    message: &Message,
    sizes: crate::cursor::Sizes,
    path: &str,
) -> Result<Vec<FilterInfo>> {
    if message.flags & FLAG_SHARED != 0 {
        return Err(message
            .cursor(sizes, path)
            .unsupported("shared filter pipeline message"));
    }
    filter_pipeline::parse(&mut message.cursor(sizes, path))?
        .into_iter()
        .map(|entry| match entry.id {
            1 => Ok(FilterInfo::Deflate {
                level: entry.params.first().copied().unwrap_or(0),
            }),
            2 => Ok(FilterInfo::Shuffle),
            id => Err(Error::Unsupported {
                feature: format!("{} filter (id {id})", filter_pipeline::filter_name(id)),
                path: path.to_owned(),
                offset: entry.offset,
            }),
        })
        .collect()
}

/// The fill value bytes, from the new message or else the old one.
fn fill_bytes(
    header: &ObjectHeader,
    sizes: crate::cursor::Sizes,
    path: &str,
) -> Result<Option<Bytes>> {
    if let Some(message) = header.first(messages::FILL_VALUE) {
        return fill_value::parse(&mut message.cursor(sizes, path));
    }
    if let Some(message) = header.first(messages::FILL_VALUE_OLD) {
        return fill_value::parse_old(&mut message.cursor(sizes, path));
    }
    Ok(None)
}

/// The reads of `reads` grouped by file (reads of one file share a plan), in order.
fn by_file(reads: &[(&Dataset, Range<u64>)]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, (dataset, _)) in reads.iter().enumerate() {
        match groups
            .iter_mut()
            .find(|g| Arc::ptr_eq(&reads[g[0]].0.file, &dataset.file))
        {
            Some(group) => group.push(i),
            None => groups.push(vec![i]),
        }
    }
    groups
}

/// Checks every read's rows and lists the chunks each touches: the chunk indexes of one file's
/// datasets are walked together, level by level, so each level costs a few coalesced requests.
fn plan_batch(reads: &[(&Dataset, Range<u64>)]) -> Result<Vec<Vec<ChunkRecord>>> {
    for (dataset, rows) in reads {
        dataset.check_rows(rows)?;
    }
    let mut chunk_lists = vec![Vec::new(); reads.len()];
    for group in by_file(reads) {
        let (indices, queries): (Vec<usize>, Vec<ChunkQuery<'_>>) = group
            .iter()
            .filter_map(|&i| reads[i].0.chunk_query(&reads[i].1).map(|q| (i, q)))
            .unzip();
        if queries.is_empty() {
            continue;
        }
        let first = reads[group[0]].0;
        let options = &first.options;
        let found = btree_v1::chunks(
            &first.file.reader,
            &queries,
            options.coalesce_gap,
            options.max_request,
        )?;
        for (i, chunks) in indices.into_iter().zip(found) {
            chunk_lists[i] = chunks;
        }
    }
    for ((dataset, rows), chunks) in reads.iter().zip(&chunk_lists) {
        dataset.check_plausible(rows, chunks)?;
    }
    Ok(chunk_lists)
}

/// Fetches and decodes every read into its output (sized for it), one pass per file.
fn decode_batch(
    reads: &[(&Dataset, Range<u64>)],
    chunk_lists: &[Vec<ChunkRecord>],
    outputs: Vec<&mut [u8]>,
) -> Result<()> {
    let filters: Vec<Vec<Filter>> = reads.iter().map(|(d, _)| d.stored_filters()).collect();
    let mut outputs: Vec<Option<&mut [u8]>> = outputs.into_iter().map(Some).collect();
    for group in by_file(reads) {
        let row_reads: Vec<RowRead<'_>> = group
            .iter()
            .map(|&i| {
                reads[i]
                    .0
                    .row_read(reads[i].1.clone(), &chunk_lists[i], &filters[i])
            })
            .collect();
        let mut bufs: Vec<&mut [u8]> = group
            .iter()
            .map(|&i| outputs[i].take().unwrap_or_default())
            .collect();
        let first = reads[group[0]].0;
        decode::read_rows(
            first.file.reader.meta(),
            &row_reads,
            &mut bufs,
            &first.options,
        )?;
    }
    Ok(())
}

/// Reads several datasets' rows with one plan (see [`crate::File::read_batch`]).
pub(crate) fn read_batch(reads: &[(&Dataset, Range<u64>)]) -> Result<Vec<Array>> {
    let chunk_lists = plan_batch(reads)?;
    let mut arrays = reads
        .iter()
        .map(|(dataset, rows)| {
            let count = dataset.element_count(rows)?;
            Array::zeroed(&dataset.dtype, count).ok_or_else(|| Error::TypeMismatch {
                path: dataset.path.clone(),
                stored: dataset.dtype.to_string(),
                requested: "a number type",
            })
        })
        .collect::<Result<Vec<Array>>>()?;
    let outputs = arrays.iter_mut().map(Array::as_bytes_mut).collect();
    decode_batch(reads, &chunk_lists, outputs)?;
    Ok(arrays)
}

/// Reads several datasets' rows into caller-owned buffers (see [`crate::File::read_batch_into`]).
pub(crate) fn read_batch_into(
    reads: &[(&Dataset, Range<u64>)],
    outputs: &mut [ArrayMut<'_>],
) -> Result<()> {
    if reads.len() != outputs.len() {
        return Err(Error::BufferCount {
            reads: reads.len(),
            buffers: outputs.len(),
        });
    }
    for ((dataset, rows), output) in reads.iter().zip(outputs.iter()) {
        if !output.holds(&dataset.dtype) {
            return Err(Error::TypeMismatch {
                path: dataset.path.clone(),
                stored: dataset.dtype.to_string(),
                requested: output.type_name(),
            });
        }
        dataset.check_buffer(rows, output.len())?;
    }
    let chunk_lists = plan_batch(reads)?;
    let outputs = outputs.iter_mut().map(ArrayMut::as_bytes_mut).collect();
    decode_batch(reads, &chunk_lists, outputs)
}
