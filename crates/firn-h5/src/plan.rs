//! The read planner: which byte ranges a row read needs, coalesced into few large requests.
//!
//! Planning is pure: it turns (dataset storage, row range) pairs into a list of pieces, each a byte
//! range of the file that one chunk (or one contiguous run of rows) occupies, then merges neighbouring
//! ranges into requests. Nothing here does I/O.

use std::ops::Range;

use crate::error::{Error, Result};
use crate::storage::{ChunkRecord, StorageLayout};

/// How reads are grouped into requests.
///
/// The same rules serve the chunks of a read and the chunk-index nodes walked to find them (one
/// batch of requests per B-tree level of all datasets of a batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Two ranges separated by at most this many bytes are fetched as one request. The default,
    /// 512 KiB, is about what one S3 connection transfers in the time a request takes to start, so
    /// a gap that small costs less than the request it saves.
    pub coalesce_gap: u64,
    /// A merged request grows no larger than this (a single larger chunk is still one request).
    pub max_request: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            coalesce_gap: 512 * 1024,
            max_request: 16 * 1024 * 1024,
        }
    }
}

/// A byte range needed from the file, tagged with what it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece {
    /// Which read (index into the caller's list) it serves.
    pub(crate) read: usize,
    /// What it holds.
    pub(crate) kind: PieceKind,
    /// Where it is in the file.
    pub(crate) range: Range<u64>,
}

/// What a piece holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PieceKind {
    /// A stored chunk (index into the read's chunk list).
    Chunk(usize),
    /// The requested rows of a contiguous dataset, already unfiltered.
    Rows,
}

/// A coalesced request: one byte range covering several pieces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    /// The bytes to fetch.
    pub(crate) range: Range<u64>,
    /// Indices into the piece list of the pieces it covers.
    pub(crate) pieces: Vec<usize>,
}

/// The pieces one read needs: chunks overlapping the rows, or the rows of a contiguous block.
pub(crate) fn pieces_for(
    read: usize,
    path: &str,
    layout: &StorageLayout,
    row_bytes: u64,
    chunks: &[ChunkRecord],
    rows: &Range<u64>,
) -> Result<Vec<Piece>> {
    match layout {
        StorageLayout::Compact { .. } | StorageLayout::Contiguous { address: None, .. } => {
            Ok(Vec::new())
        }
        StorageLayout::Contiguous {
            address: Some(address),
            size,
        } => {
            let start = rows.start * row_bytes;
            let end = rows.end * row_bytes;
            if end > *size {
                return Err(Error::Corrupt {
                    offset: *address,
                    context: path.to_owned(),
                    detail: format!(
                        "contiguous storage of {size} bytes is too small for rows {}..{} of {row_bytes} bytes",
                        rows.start, rows.end
                    ),
                });
            }
            if start == end {
                return Ok(Vec::new());
            }
            let range = address
                .checked_add(start)
                .zip(address.checked_add(end))
                .map(|(s, e)| s..e)
                .ok_or_else(|| Error::Corrupt {
                    offset: *address,
                    context: path.to_owned(),
                    detail: "contiguous storage address overflows".to_owned(),
                })?;
            Ok(vec![Piece {
                read,
                kind: PieceKind::Rows,
                range,
            }])
        }
        StorageLayout::Chunked { .. } => chunks
            .iter()
            .enumerate()
            .map(|(index, chunk)| {
                let end = chunk
                    .address
                    .checked_add(chunk.size)
                    .ok_or_else(|| Error::Corrupt {
                        offset: chunk.address,
                        context: path.to_owned(),
                        detail: format!(
                            "chunk of {} bytes overflows the address space",
                            chunk.size
                        ),
                    })?;
                Ok(Piece {
                    read,
                    kind: PieceKind::Chunk(index),
                    range: chunk.address..end,
                })
            })
            .collect(),
    }
}

/// Merges the pieces' ranges into requests: sorted by offset, neighbours at most
/// `options.coalesce_gap` apart share a request while it stays within `options.max_request`.
pub(crate) fn coalesce(pieces: &[Piece], options: &ReadOptions) -> Vec<Request> {
    let ranges: Vec<Range<u64>> = pieces.iter().map(|p| p.range.clone()).collect();
    coalesce_ranges(&ranges, options.coalesce_gap, options.max_request)
        .into_iter()
        .map(|(range, pieces)| Request { range, pieces })
        .collect()
}

/// Merges byte ranges into requests, each with the indices of the ranges it covers: sorted by
/// offset, neighbours at most `gap` bytes apart share a request while it stays within
/// `max_request` bytes (a single larger range is still one request).
pub(crate) fn coalesce_ranges(
    ranges: &[Range<u64>],
    gap: u64,
    max_request: u64,
) -> Vec<(Range<u64>, Vec<usize>)> {
    let mut order: Vec<usize> = (0..ranges.len()).collect();
    order.sort_by_key(|&i| (ranges[i].start, ranges[i].end));
    let mut requests: Vec<(Range<u64>, Vec<usize>)> = Vec::new();
    for index in order {
        let range = &ranges[index];
        if let Some((last, members)) = requests.last_mut() {
            let near = range.start <= last.end.saturating_add(gap);
            let merged_end = last.end.max(range.end);
            if near && merged_end - last.start <= max_request {
                last.end = merged_end;
                members.push(index);
                continue;
            }
        }
        requests.push((range.clone(), vec![index]));
    }
    requests
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(start: u64, end: u64) -> Piece {
        Piece {
            read: 0,
            kind: PieceKind::Rows,
            range: start..end,
        }
    }

    #[test]
    fn neighbours_merge_and_distant_ranges_do_not() {
        let pieces = [
            piece(100, 200),
            piece(0, 90),
            piece(10_000, 10_100),
            piece(205, 300),
        ];
        let options = ReadOptions {
            coalesce_gap: 10,
            max_request: 1 << 20,
        };
        let requests = coalesce(&pieces, &options);
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].range, 0..300);
        assert_eq!(requests[0].pieces, vec![1, 0, 3]);
        assert_eq!(requests[1].range, 10_000..10_100);
    }

    #[test]
    fn requests_stop_growing_at_the_size_cap() {
        let pieces: Vec<Piece> = (0..10).map(|i| piece(i * 100, i * 100 + 100)).collect();
        let options = ReadOptions {
            coalesce_gap: 0,
            max_request: 300,
        };
        let requests = coalesce(&pieces, &options);
        let sizes: Vec<u64> = requests
            .iter()
            .map(|r| r.range.end - r.range.start)
            .collect();
        assert_eq!(sizes, vec![300, 300, 300, 100]);
    }

    #[test]
    fn contiguous_rows_map_to_their_bytes() {
        let layout = StorageLayout::Contiguous {
            address: Some(1000),
            size: 800,
        };
        let pieces = pieces_for(0, "/x", &layout, 8, &[], &(10..20)).unwrap();
        assert_eq!(pieces[0].range, 1080..1160);
        let err = pieces_for(0, "/x", &layout, 8, &[], &(90..101)).unwrap_err();
        assert!(err.to_string().contains("too small"), "{err}");
    }
}
