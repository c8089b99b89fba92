//! Executes row reads: fetch the planned requests, then decode chunks in parallel into the outputs.
//!
//! Chunks that hold whole rows (every ATL03 dataset: chunked along the photon or segment axis only)
//! decode straight into disjoint slices of the output, in parallel on rayon, with no intermediate copy
//! for chunks that lie wholly inside the requested rows. Edge chunks are decoded into a per-thread
//! scratch buffer and clipped. Chunks split along other dimensions take a general, serial copy path.

use std::cell::RefCell;
use std::ops::Range;

use bytes::Bytes;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::filters::{inflate_zlib, unshuffle};
use crate::meta::MetaReader;
use crate::plan::{Piece, PieceKind, ReadOptions, coalesce, pieces_for};
use crate::storage::{ChunkRecord, Filter, StorageLayout};

/// One dataset's rows to read: its storage description and the row range (along dimension 0).
#[derive(Debug)]
pub(crate) struct RowRead<'a> {
    /// Object path, for messages.
    pub(crate) path: &'a str,
    /// Dataset shape; a scalar is passed as `[1]`.
    pub(crate) shape: &'a [u64],
    /// Bytes per element.
    pub(crate) element_size: usize,
    /// Where the data lives.
    pub(crate) layout: &'a StorageLayout,
    /// The filter pipeline, in write order.
    pub(crate) filters: &'a [Filter],
    /// One element's fill value (all zeros when the file defines none).
    pub(crate) fill: &'a [u8],
    /// The stored chunks that overlap the rows (chunked layout only; others are ignored).
    pub(crate) chunks: &'a [ChunkRecord],
    /// The rows to read.
    pub(crate) rows: Range<u64>,
}

impl RowRead<'_> {
    /// Bytes in one row (all elements of the trailing dimensions).
    fn row_bytes(&self) -> u64 {
        self.shape.iter().skip(1).product::<u64>() * self.element_size as u64
    }

    /// The output size in bytes.
    pub(crate) fn output_len(&self) -> u64 {
        (self.rows.end - self.rows.start) * self.row_bytes()
    }

    fn corrupt(&self, offset: u64, detail: String) -> Error {
        Error::Corrupt {
            offset,
            context: self.path.to_owned(),
            detail,
        }
    }
}

thread_local! {
    /// Two chunk-sized buffers per thread for filter stages that cannot write in place.
    static SCRATCH: RefCell<(Vec<u8>, Vec<u8>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// Reads every request into its output buffer, which must be exactly `output_len()` bytes.
///
/// Pieces that the metadata cache already holds (chunks inside the first megabytes read at open,
/// or inside the chunk-index nodes' coalesced requests) are taken from it; the rest are fetched
/// from the cache's source in coalesced requests.
pub(crate) fn read_rows(
    meta: &MetaReader,
    reads: &[RowRead<'_>],
    outputs: &mut [&mut [u8]],
    options: &ReadOptions,
) -> Result<()> {
    assert_eq!(reads.len(), outputs.len(), "one output per read");
    let mut pieces = Vec::new();
    for (index, (read, output)) in reads.iter().zip(outputs.iter_mut()).enumerate() {
        check_read(read)?;
        assert_eq!(
            output.len() as u64,
            read.output_len(),
            "output sized for the read"
        );
        prefill(read, output);
        pieces.extend(pieces_for(
            index,
            read.path,
            read.layout,
            read.row_bytes(),
            read.chunks,
            &read.rows,
        )?);
    }
    if pieces.is_empty() {
        return Ok(());
    }

    let piece_bytes = fetch_pieces(meta, &pieces, options)?;

    // Split each output into the disjoint slices its pieces fill, then decode all pieces at once.
    let mut per_output: Vec<Vec<(usize, Range<usize>)>> = vec![Vec::new(); reads.len()];
    let mut general: Vec<usize> = Vec::new();
    for (index, piece) in pieces.iter().enumerate() {
        let read = &reads[piece.read];
        match piece.kind {
            PieceKind::Rows => per_output[piece.read].push((index, 0..read.output_len() as usize)),
            PieceKind::Chunk(chunk) => match row_slice(read, &read.chunks[chunk])? {
                Some(Some(range)) => per_output[piece.read].push((index, range)),
                Some(None) => {}
                None => general.push(index),
            },
        }
    }
    let mut jobs: Vec<(usize, &mut [u8])> = Vec::with_capacity(pieces.len());
    for ((slots, output), read) in per_output.iter_mut().zip(outputs.iter_mut()).zip(reads) {
        slots.sort_by_key(|(_, range)| range.start);
        let mut rest: &mut [u8] = output;
        let mut consumed = 0usize;
        for (piece, range) in slots.iter() {
            if range.start < consumed {
                return Err(read.corrupt(
                    pieces[*piece].range.start,
                    "two chunks claim the same rows".to_owned(),
                ));
            }
            let tail = std::mem::take(&mut rest);
            let (_, tail) = tail.split_at_mut(range.start - consumed);
            let (slot, tail) = tail.split_at_mut(range.end - range.start);
            jobs.push((*piece, slot));
            rest = tail;
            consumed = range.end;
        }
    }
    jobs.into_par_iter().try_for_each(|(index, slot)| {
        let piece = &pieces[index];
        let read = &reads[piece.read];
        match piece.kind {
            PieceKind::Rows => {
                slot.copy_from_slice(&piece_bytes[index]);
                Ok(())
            }
            PieceKind::Chunk(chunk) => {
                let chunk = &read.chunks[chunk];
                let skip =
                    (read.rows.start.max(chunk.coords[0]) - chunk.coords[0]) * read.row_bytes();
                decode_chunk(read, chunk, &piece_bytes[index], skip as usize, slot)
            }
        }
    })?;

    // Chunks split along trailing dimensions: decode in parallel, copy their hyperslabs in order.
    let decoded: Vec<(usize, Vec<u8>)> = general
        .into_par_iter()
        .map(|index| {
            let piece = &pieces[index];
            let read = &reads[piece.read];
            let PieceKind::Chunk(chunk) = piece.kind else {
                unreachable!("only chunks take the general path")
            };
            let chunk = &read.chunks[chunk];
            let mut full = vec![0u8; chunk_len(read)? as usize];
            decode_chunk(read, chunk, &piece_bytes[index], 0, &mut full)?;
            Ok((index, full))
        })
        .collect::<Result<_>>()?;
    for (index, full) in decoded {
        let piece = &pieces[index];
        let read = &reads[piece.read];
        let PieceKind::Chunk(chunk) = piece.kind else {
            unreachable!("only chunks take the general path")
        };
        copy_hyperslab(read, &read.chunks[chunk], &full, outputs[piece.read]);
    }
    Ok(())
}

/// The bytes of every piece: from the metadata cache where it holds them, the rest fetched in
/// coalesced requests (one batch).
fn fetch_pieces(meta: &MetaReader, pieces: &[Piece], options: &ReadOptions) -> Result<Vec<Bytes>> {
    let mut piece_bytes: Vec<Option<Bytes>> =
        pieces.iter().map(|p| meta.cached(&p.range)).collect();
    let missing: Vec<usize> = (0..pieces.len())
        .filter(|&i| piece_bytes[i].is_none())
        .collect();
    let to_fetch: Vec<Piece> = missing.iter().map(|&i| pieces[i].clone()).collect();
    let requests = coalesce(&to_fetch, options);
    let ranges: Vec<Range<u64>> = requests.iter().map(|r| r.range.clone()).collect();
    let fetched = if ranges.is_empty() {
        Vec::new()
    } else {
        meta.source().read_ranges(&ranges)?
    };
    for (request, bytes) in requests.iter().zip(&fetched) {
        for &piece in &request.pieces {
            let range = &to_fetch[piece].range;
            let from = (range.start - request.range.start) as usize;
            let to = (range.end - request.range.start) as usize;
            piece_bytes[missing[piece]] = Some(bytes.slice(from..to));
        }
    }
    Ok(piece_bytes
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect())
}

/// Validates the read against the dataset before any byte is fetched.
fn check_read(read: &RowRead<'_>) -> Result<()> {
    let rows = read.shape.first().copied().unwrap_or(1);
    if read.rows.start > read.rows.end || read.rows.end > rows {
        return Err(Error::RowRange {
            path: read.path.to_owned(),
            requested: read.rows.clone(),
            rows,
        });
    }
    if let StorageLayout::Compact { data } = read.layout {
        let needed = read.rows.end * read.row_bytes();
        if (data.len() as u64) < needed {
            return Err(read.corrupt(
                0,
                format!(
                    "compact data of {} bytes is shorter than {needed}",
                    data.len()
                ),
            ));
        }
    }
    if let StorageLayout::Chunked { chunk_shape, .. } = read.layout {
        if chunk_shape.len() != read.shape.len() || chunk_shape.contains(&0) {
            return Err(read.corrupt(
                0,
                format!(
                    "chunk shape {chunk_shape:?} does not fit dataset shape {:?}",
                    read.shape
                ),
            ));
        }
        chunk_len(read)?;
        for chunk in read.chunks {
            if chunk.filter_mask != 0 {
                return Err(Error::Unsupported {
                    feature: format!(
                        "chunk with filter mask {:#x} (a skipped filter)",
                        chunk.filter_mask
                    ),
                    path: read.path.to_owned(),
                    offset: chunk.address,
                });
            }
            if chunk.coords.len() != read.shape.len()
                || chunk
                    .coords
                    .iter()
                    .zip(chunk_shape)
                    .any(|(c, s)| c % s != 0)
            {
                return Err(read.corrupt(
                    chunk.address,
                    format!(
                        "chunk offset {:?} is not on the chunk grid {chunk_shape:?}",
                        chunk.coords
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Bytes in one whole chunk, checked against overflow and a sane upper bound.
fn chunk_len(read: &RowRead<'_>) -> Result<u64> {
    const MAX_CHUNK_BYTES: u64 = 1 << 31;
    let StorageLayout::Chunked { chunk_shape, .. } = read.layout else {
        return Ok(0);
    };
    chunk_shape
        .iter()
        .try_fold(read.element_size as u64, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= MAX_CHUNK_BYTES)
        .ok_or_else(|| {
            read.corrupt(
                0,
                format!("chunk shape {chunk_shape:?} is implausibly large"),
            )
        })
}

/// Fills the output with the fill value where no stored data will land: compact data is copied,
/// never-written storage and chunk grids with missing chunks are filled.
fn prefill(read: &RowRead<'_>, output: &mut [u8]) {
    let fill_all = match read.layout {
        StorageLayout::Compact { data } => {
            let start = (read.rows.start * read.row_bytes()) as usize;
            output.copy_from_slice(&data[start..start + output.len()]);
            false
        }
        StorageLayout::Contiguous { address, .. } => address.is_none(),
        StorageLayout::Chunked { chunk_shape, .. } => {
            let first = read.rows.start / chunk_shape[0];
            let last = read.rows.end.div_ceil(chunk_shape[0]);
            let across: u64 = read
                .shape
                .iter()
                .zip(chunk_shape)
                .skip(1)
                .map(|(d, c)| d.div_ceil(*c))
                .product();
            let overlapping = read
                .chunks
                .iter()
                .filter(|c| {
                    c.coords[0] < read.rows.end && c.coords[0] + chunk_shape[0] > read.rows.start
                })
                .count() as u64;
            overlapping < (last - first) * across
        }
    };
    if fill_all {
        if read.fill.iter().all(|&b| b == 0) {
            output.fill(0);
        } else {
            for element in output.chunks_exact_mut(read.element_size) {
                element.copy_from_slice(read.fill);
            }
        }
    }
}

/// For a chunk holding whole rows: the byte range of the output it fills (`Some(None)` when it does
/// not overlap the rows). `None` when the chunk is split along a trailing dimension.
#[allow(clippy::option_option)]
fn row_slice(read: &RowRead<'_>, chunk: &ChunkRecord) -> Result<Option<Option<Range<usize>>>> {
    let StorageLayout::Chunked { chunk_shape, .. } = read.layout else {
        unreachable!("chunks belong to chunked layouts")
    };
    let whole_rows = chunk_shape
        .iter()
        .zip(read.shape)
        .skip(1)
        .all(|(c, d)| c == d);
    if !whole_rows {
        return Ok(None);
    }
    let start = read.rows.start.max(chunk.coords[0]);
    let end = read.rows.end.min(chunk.coords[0] + chunk_shape[0]);
    if start >= end {
        return Ok(Some(None));
    }
    let row_bytes = read.row_bytes();
    let from = (start - read.rows.start) * row_bytes;
    let to = (end - read.rows.start) * row_bytes;
    Ok(Some(Some(from as usize..to as usize)))
}

/// Undoes the filter pipeline of one stored chunk and writes decoded bytes `skip..skip + out.len()`
/// of the chunk into `out`.
fn decode_chunk(
    read: &RowRead<'_>,
    chunk: &ChunkRecord,
    stored: &[u8],
    skip: usize,
    out: &mut [u8],
) -> Result<()> {
    let full_len = chunk_len(read)? as usize;
    let decode_error = |detail: String| Error::Decode {
        path: read.path.to_owned(),
        offset: chunk.address,
        detail,
    };
    if read.filters.is_empty() {
        if stored.len() < full_len {
            return Err(decode_error(format!(
                "unfiltered chunk holds {} bytes, expected {full_len}",
                stored.len()
            )));
        }
        out.copy_from_slice(&stored[skip..skip + out.len()]);
        return Ok(());
    }
    let whole = skip == 0 && out.len() == full_len;
    // Writes decoded bytes `skip..skip + dest.len()` of one stage into `dest`. Inflating only
    // produces a whole chunk (`skip` 0, `dest` full size); un-shuffling clips as it goes.
    let apply = |filter: Filter, input: &[u8], skip: usize, dest: &mut [u8]| -> Result<()> {
        match filter {
            Filter::Deflate => inflate_zlib(input, dest).map_err(decode_error),
            Filter::Shuffle if input.len() != full_len => Err(decode_error(format!(
                "shuffled data of {} bytes, expected {full_len}",
                input.len()
            ))),
            Filter::Shuffle => {
                unshuffle(input, dest, read.element_size, skip / read.element_size);
                Ok(())
            }
        }
    };
    SCRATCH.with(|scratch| {
        let (first, second) = &mut *scratch.borrow_mut();
        first.resize(full_len, 0);
        second.resize(full_len, 0);
        // Undo the pipeline in reverse, alternating between the two scratch buffers; the last stage
        // writes straight into the output when the whole chunk is wanted or when it is the
        // un-shuffle (which clips to the rows wanted as it copies).
        let mut input_is_stored = true;
        let mut input_in_first = false;
        let stages = read.filters.len();
        for (stage, &filter) in read.filters.iter().rev().enumerate() {
            let last = stage + 1 == stages;
            let (input, scratch_dest): (&[u8], &mut [u8]) = match (input_is_stored, input_in_first)
            {
                (true, _) => (stored, &mut first[..]),
                (false, true) => (&first[..], &mut second[..]),
                (false, false) => (&second[..], &mut first[..]),
            };
            if last && (whole || filter == Filter::Shuffle) {
                return apply(filter, input, skip, out);
            }
            apply(filter, input, 0, scratch_dest)?;
            input_in_first = input_is_stored || !input_in_first;
            input_is_stored = false;
        }
        let decoded = if input_in_first {
            &first[..]
        } else {
            &second[..]
        };
        out.copy_from_slice(&decoded[skip..skip + out.len()]);
        Ok(())
    })
}

/// Copies the part of a decoded chunk that falls in the requested rows into the output, for chunks
/// split along trailing dimensions.
fn copy_hyperslab(read: &RowRead<'_>, chunk: &ChunkRecord, full: &[u8], output: &mut [u8]) {
    let StorageLayout::Chunked { chunk_shape, .. } = read.layout else {
        unreachable!("chunks belong to chunked layouts")
    };
    let rank = read.shape.len();
    let esize = read.element_size;
    let mut lo = Vec::with_capacity(rank);
    let mut hi = Vec::with_capacity(rank);
    for (d, ((&origin, &extent), &size)) in chunk
        .coords
        .iter()
        .zip(chunk_shape)
        .zip(read.shape)
        .enumerate()
    {
        let (sel_lo, sel_hi) = if d == 0 {
            (read.rows.start, read.rows.end)
        } else {
            (0, size)
        };
        let l = origin.max(sel_lo);
        let h = (origin + extent).min(sel_hi);
        if l >= h {
            return;
        }
        lo.push(l);
        hi.push(h);
    }
    let mut out_shape = read.shape.to_vec();
    out_shape[0] = read.rows.end - read.rows.start;
    let run = ((hi[rank - 1] - lo[rank - 1]) as usize) * esize;
    let mut index = lo.clone();
    loop {
        let mut chunk_offset = 0u64;
        let mut out_offset = 0u64;
        let dims = index
            .iter()
            .zip(&chunk.coords)
            .zip(chunk_shape)
            .zip(&out_shape);
        for (d, (((&at, &origin), &extent), &out_extent)) in dims.enumerate() {
            chunk_offset = chunk_offset * extent + (at - origin);
            let out_index = if d == 0 { at - read.rows.start } else { at };
            out_offset = out_offset * out_extent + out_index;
        }
        let from = chunk_offset as usize * esize;
        let to = out_offset as usize * esize;
        output[to..to + run].copy_from_slice(&full[from..from + run]);
        // Advance the odometer over every dimension but the last.
        let mut d = rank - 1;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            index[d] += 1;
            if index[d] < hi[d] {
                break;
            }
            index[d] = lo[d];
        }
    }
}
