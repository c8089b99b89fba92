//! The extent grid of SPEC §6: where each extent of a run begins and ends.
//!
//! Extents are laid over all photons of a run (filtered or not), in file order. This module only
//! decides photon ranges and grid positions; which photons of an extent enter the fit is the
//! filters' business, and the fit is firn-atl06's.

use std::ops::Range;

/// Nominal ATL03 segment length (m), used by the grid's re-anchoring and by `dist_in_seg`.
pub const SEGMENT_LENGTH: f64 = 20.0;

/// How extents are laid: `len` long, one every `res` (metres, or segments with `dist_in_seg`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExtentGrid {
    /// Extent length (`len`).
    pub len: f64,
    /// Step between extents (`res`).
    pub res: f64,
    /// `len` and `res` count segments instead of metres (`dist_in_seg`).
    pub dist_in_seg: bool,
}

impl Default for ExtentGrid {
    /// SPEC §4: 40 m extents every 20 m.
    fn default() -> Self {
        Self {
            len: 40.0,
            res: 20.0,
            dist_in_seg: false,
        }
    }
}

impl ExtentGrid {
    /// The extent length in metres (`len · 20 m` with `dist_in_seg`).
    pub fn len_m(&self) -> f64 {
        if self.dist_in_seg {
            self.len * SEGMENT_LENGTH
        } else {
            self.len
        }
    }

    /// The step in metres (`res · 20 m` with `dist_in_seg`).
    pub fn res_m(&self) -> f64 {
        if self.dist_in_seg {
            self.res * SEGMENT_LENGTH
        } else {
            self.res
        }
    }
}

/// The segment-rate arrays of one run (indices local to the run).
#[derive(Debug, Clone, Copy)]
pub struct RunSegments<'a> {
    /// `geolocation/segment_dist_x`.
    pub segment_dist_x: &'a [f64],
    /// `geolocation/segment_id`.
    pub segment_id: &'a [i32],
    /// `geolocation/segment_ph_cnt`.
    pub ph_cnt: &'a [i32],
}

/// One extent of the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtentSpan {
    /// The beam's extent counter (every extent counts: empty, dropped or kept).
    pub counter: u64,
    /// Photons of the extent, as indices local to the run; empty when its first photon already lies
    /// past `len` (such an extent gives no row but counts).
    pub photons: Range<usize>,
    /// Index (local to the run) of the photon that begins the extent, `p0`.
    pub first_photon: usize,
    /// Segment (local to the run) of `p0`, `k0`.
    pub first_segment: usize,
    /// The grid start in effect for this extent: a photon's along-track position in the extent is
    /// `segment_dist_x[k] - start + dist_ph_along[p]`.
    pub start: f64,
    /// The extent centre along track: `start + len_m / 2`.
    pub x_atc: f64,
}

/// Why a run cannot be gridded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GridError {
    /// The segment arrays have different lengths.
    #[error(
        "segment arrays differ in length: segment_dist_x {dist_x}, segment_id {ids}, segment_ph_cnt {counts}"
    )]
    SegmentLengths {
        /// Length of segment_dist_x.
        dist_x: usize,
        /// Length of segment_id.
        ids: usize,
        /// Length of segment_ph_cnt.
        counts: usize,
    },
    /// A negative photon count.
    #[error("segment_ph_cnt is negative ({count}) at segment_id {segment_id}")]
    NegativeCount {
        /// The segment's id.
        segment_id: i32,
        /// The count found.
        count: i32,
    },
    /// The photon counts do not add up to the photons given.
    #[error("segment_ph_cnt adds up to {counted} photons but the run has {photons}")]
    PhotonCount {
        /// Sum of segment_ph_cnt.
        counted: u64,
        /// Photons given.
        photons: usize,
    },
    /// The grid does not advance: segment_dist_x is not increasing.
    #[error(
        "the extent grid does not advance near segment_id {segment_id}: segment_dist_x is not increasing"
    )]
    NoProgress {
        /// Where it stalled.
        segment_id: i32,
    },
    /// Photons were given from a point past the first photon still needed.
    #[error("photons given from {offset}, but the grid still needs photons from {needed}")]
    WindowStart {
        /// First photon given.
        offset: usize,
        /// First photon needed.
        needed: usize,
    },
    /// A non-finite distance.
    #[error("non-finite {dataset} at run index {index}")]
    NonFinite {
        /// Which dataset.
        dataset: &'static str,
        /// Where.
        index: usize,
    },
}

/// Lays the extent grid over one run with all its photons at hand: its segments and the
/// `dist_ph_along` of its photons in file order. `counter` is the beam's extent counter; it keeps
/// counting across runs. See [`Gridder`] for the streaming form.
pub fn lay_extents(
    segments: &RunSegments<'_>,
    dist_ph_along: &[f32],
    grid: &ExtentGrid,
    counter: &mut u64,
) -> Result<Vec<ExtentSpan>, GridError> {
    let mut gridder = Gridder::new(segments, dist_ph_along.len(), grid, *counter)?;
    let mut extents = Vec::new();
    gridder.advance(dist_ph_along, 0, &mut extents)?;
    debug_assert!(gridder.is_done(), "all photons were given");
    *counter = gridder.counter();
    Ok(extents)
}

/// The extent grid of one run, laid as photons stream in.
///
/// The run's segment arrays are small and held whole; photons arrive in windows. [`Gridder::advance`]
/// emits every extent that the photons given so far determine (its end and the start of the next
/// extent are known, or the run ends), and [`Gridder::needed_from`] tells the first photon that
/// later extents may still need, so the caller can drop everything before it.
///
/// At each `segment_id` discontinuity (an id that does not follow its predecessor by exactly one),
/// the run splits into pieces gridded like separate runs: no extent holds photons of both sides,
/// and the grid after it starts at the first photon after the discontinuity, with
/// `start = segment_dist_x` of that photon's segment.
#[derive(Debug, Clone)]
pub struct Gridder {
    grid: ExtentGrid,
    segment_dist_x: Vec<f64>,
    segment_id: Vec<i32>,
    /// `first[k]`: the first photon of segment k; `first[n]` is the photon count.
    first: Vec<usize>,
    /// Segment ranges between discontinuities.
    pieces: Vec<Range<usize>>,
    piece: usize,
    cursor: Option<Cursor>,
    counter: u64,
}

/// The photons at hand: `along[i]` is the `dist_ph_along` of photon `offset + i`, up to `end`.
struct PhotonWindow<'a> {
    along: &'a [f32],
    offset: usize,
    end: usize,
}

/// What a search along the photons of a piece found.
#[derive(Debug, Clone, Copy)]
enum Reach {
    /// The photon and its segment.
    At(usize, usize),
    /// No photon of the piece qualifies.
    PieceEnd,
    /// The photons given so far end before the piece does, and none of them qualifies.
    NeedMore,
}

/// Where the grid stands inside a piece.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    start: f64,
    start_segment: usize,
    p0: usize,
    k0: usize,
    /// Extents laid in this piece so far, and the most the piece can hold (a guard against
    /// segment distances that run backwards).
    laid: usize,
    max_extents: usize,
}

impl Gridder {
    /// Prepares the grid over a run of `photons` photons; `counter` is the beam's extent counter
    /// so far.
    pub fn new(
        segments: &RunSegments<'_>,
        photons: usize,
        grid: &ExtentGrid,
        counter: u64,
    ) -> Result<Self, GridError> {
        let n_seg = segments.segment_dist_x.len();
        if segments.segment_id.len() != n_seg || segments.ph_cnt.len() != n_seg {
            return Err(GridError::SegmentLengths {
                dist_x: n_seg,
                ids: segments.segment_id.len(),
                counts: segments.ph_cnt.len(),
            });
        }
        if let Some(index) = segments.segment_dist_x.iter().position(|d| !d.is_finite()) {
            return Err(GridError::NonFinite {
                dataset: "segment_dist_x",
                index,
            });
        }
        let mut first = Vec::with_capacity(n_seg + 1);
        let mut total = 0u64;
        for (k, &count) in segments.ph_cnt.iter().enumerate() {
            if count < 0 {
                return Err(GridError::NegativeCount {
                    segment_id: segments.segment_id[k],
                    count,
                });
            }
            first.push(total as usize);
            total += count as u64;
        }
        if total != photons as u64 {
            return Err(GridError::PhotonCount {
                counted: total,
                photons,
            });
        }
        first.push(photons);
        let mut pieces = Vec::new();
        let mut begin = 0;
        for k in 1..=n_seg {
            let id = |k: usize| i64::from(segments.segment_id[k]);
            if k == n_seg || id(k) != id(k - 1) + 1 {
                pieces.push(begin..k);
                begin = k;
            }
        }
        Ok(Self {
            grid: *grid,
            segment_dist_x: segments.segment_dist_x.to_vec(),
            segment_id: segments.segment_id.to_vec(),
            first,
            pieces,
            piece: 0,
            cursor: None,
            counter,
        })
    }

    /// The beam's extent counter after the extents laid so far.
    pub fn counter(&self) -> u64 {
        self.counter
    }

    /// The number of photons in the run.
    pub fn photons(&self) -> usize {
        *self.first.last().expect("first has n_seg + 1 entries")
    }

    /// Whether every extent of the run has been laid.
    pub fn is_done(&self) -> bool {
        self.piece >= self.pieces.len()
    }

    /// The first photon later extents may need: photons before it can be dropped.
    pub fn needed_from(&self) -> usize {
        match (&self.cursor, self.pieces.get(self.piece)) {
            (Some(cursor), _) => cursor.p0,
            (None, Some(piece)) => self.first[piece.start],
            (None, None) => self.photons(),
        }
    }

    /// The first photon of each segment of the run, plus the photon count at the end.
    pub fn segment_starts(&self) -> &[usize] {
        &self.first
    }

    /// The segment (index in the run) of photon `p`.
    pub fn segment_of(&self, p: usize) -> usize {
        self.first.partition_point(|&f| f <= p) - 1
    }

    /// Lays every extent that photons `offset..offset + dist_ph_along.len()` determine, appending
    /// them to `out`. `offset` must not be past [`Gridder::needed_from`].
    pub fn advance(
        &mut self,
        dist_ph_along: &[f32],
        offset: usize,
        out: &mut Vec<ExtentSpan>,
    ) -> Result<(), GridError> {
        let needed = self.needed_from();
        if offset > needed {
            return Err(GridError::WindowStart { offset, needed });
        }
        let available = offset + dist_ph_along.len();
        if let Some(index) = dist_ph_along.iter().position(|d| !d.is_finite()) {
            return Err(GridError::NonFinite {
                dataset: "dist_ph_along",
                index: offset + index,
            });
        }
        while !self.is_done() {
            if self.cursor.is_none() && !self.enter_piece() {
                continue;
            }
            let laid = if self.grid.dist_in_seg {
                self.step_by_segments(available, out)
            } else {
                self.step_by_distance(dist_ph_along, offset, available, out)?
            };
            if !laid {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Starts the current piece; false (and moves on) when it has no photons.
    fn enter_piece(&mut self) -> bool {
        let piece = self.pieces[self.piece].clone();
        let (pa, pb) = (self.first[piece.start], self.first[piece.end]);
        if pa == pb {
            self.piece += 1;
            return false;
        }
        let k_first = self.segment_of(pa);
        // The run's first piece keeps its grid on the run start even when it begins with empty
        // segments; a piece after a discontinuity starts at its first photon's segment.
        let start_segment = if self.piece == 0 {
            piece.start
        } else {
            k_first
        };
        let sdx = &self.segment_dist_x;
        let span = sdx[piece.end - 1] - sdx[piece.start] + 2.0 * SEGMENT_LENGTH;
        let steps = (span.max(0.0) + self.grid.len_m()) / self.grid.res_m();
        self.cursor = Some(Cursor {
            start: sdx[start_segment],
            start_segment,
            p0: pa,
            k0: k_first,
            laid: 0,
            max_extents: 2 * steps.ceil() as usize + (pb - pa) + 8,
        });
        true
    }

    /// Ends the current piece.
    fn leave_piece(&mut self) {
        self.cursor = None;
        self.piece += 1;
    }

    /// Records one extent of the current cursor.
    fn emit(&mut self, end: usize, out: &mut Vec<ExtentSpan>) {
        let c = self.cursor.as_mut().expect("a piece is open");
        out.push(ExtentSpan {
            counter: self.counter,
            photons: c.p0..end,
            first_photon: c.p0,
            first_segment: c.k0,
            start: c.start,
            x_atc: c.start + self.grid.len_m() / 2.0,
        });
        self.counter += 1;
        c.laid += 1;
    }

    /// One extent of the distance grid (SPEC §6); false when more photons are needed.
    fn step_by_distance(
        &mut self,
        along: &[f32],
        offset: usize,
        available: usize,
        out: &mut Vec<ExtentSpan>,
    ) -> Result<bool, GridError> {
        let pb = self.first[self.pieces[self.piece].end];
        let c = self.cursor.expect("a piece is open");
        if c.laid >= c.max_extents {
            return Err(GridError::NoProgress {
                segment_id: self.segment_id[c.k0],
            });
        }
        let (len, res) = (self.grid.len, self.grid.res);
        // end: the first photon with x >= len; next: the first with x >= res. Every photon
        // before the first of the two is below both thresholds, so the second search starts
        // where the first stopped.
        let (lower, upper) = (len.min(res), len.max(res));
        let window = PhotonWindow {
            along,
            offset,
            end: available,
        };
        let scan = |from: (usize, usize), threshold: f64| {
            self.first_at_least(&window, pb, c.start, from, threshold)
        };
        let (at_lower, at_upper) = match scan((c.p0, c.k0), lower) {
            Reach::NeedMore => return Ok(false),
            Reach::PieceEnd => (None, None),
            Reach::At(p, k) => match scan((p, k), upper) {
                Reach::NeedMore => return Ok(false),
                Reach::PieceEnd => (Some((p, k)), None),
                Reach::At(q, l) => (Some((p, k)), Some((q, l))),
            },
        };
        let (end, next) = if len <= res {
            (at_lower.map(|(p, _)| p), at_upper)
        } else {
            (at_upper.map(|(p, _)| p), at_lower)
        };
        self.emit(end.unwrap_or(pb), out);
        let Some((p_next, k_next)) = next else {
            self.leave_piece();
            return Ok(true);
        };
        let piece_end = self.pieces[self.piece].end;
        let sdx = &self.segment_dist_x;
        let c = self.cursor.as_mut().expect("a piece is open");
        c.start += res;
        while c.start_segment + 1 < piece_end && c.start >= sdx[c.start_segment + 1] {
            c.start += sdx[c.start_segment + 1] - sdx[c.start_segment] - SEGMENT_LENGTH;
            c.start_segment += 1;
        }
        c.p0 = p_next;
        c.k0 = k_next;
        Ok(true)
    }

    /// The first photon `p` of `from.0..pb` (with its segment; `from.1` is the segment of
    /// `from.0`) whose `x = (segment_dist_x[k] - start) + dist_ph_along[p]` is at least
    /// `threshold`. Walks segment by segment, so the photon loop is a plain scan of a slice.
    fn first_at_least(
        &self,
        window: &PhotonWindow<'_>,
        pb: usize,
        start: f64,
        from: (usize, usize),
        threshold: f64,
    ) -> Reach {
        let (mut p, mut k) = from;
        let limit = pb.min(window.end);
        while p < limit {
            while self.first[k + 1] <= p {
                k += 1;
            }
            let segment_end = self.first[k + 1].min(limit);
            let base = self.segment_dist_x[k] - start;
            let photons = &window.along[p - window.offset..segment_end - window.offset];
            if let Some(i) = photons
                .iter()
                .position(|a| base + f64::from(*a) >= threshold)
            {
                return Reach::At(p + i, k);
            }
            p = segment_end;
        }
        if p < pb {
            Reach::NeedMore
        } else {
            Reach::PieceEnd
        }
    }

    /// One extent of the segment-count grid (`dist_in_seg`); false when more photons are needed.
    fn step_by_segments(&mut self, available: usize, out: &mut Vec<ExtentSpan>) -> bool {
        let piece_end = self.pieces[self.piece].end;
        let pb = self.first[piece_end];
        let c = self.cursor.expect("a piece is open");
        let (len, res) = (self.grid.len as usize, self.grid.res as usize);
        // Photons are in segment order: both boundaries are the first photon of a later segment.
        let end = self.first[(c.k0 + len).min(piece_end)];
        let next = self.first[(c.k0 + res).min(piece_end)];
        if end > available {
            return false;
        }
        self.emit(end, out);
        if next >= pb {
            self.leave_piece();
            return true;
        }
        let k_next = self.segment_of(next);
        let start = self.segment_dist_x[c.k0 + res];
        let c = self.cursor.as_mut().expect("a piece is open");
        c.start = start;
        c.p0 = next;
        c.k0 = k_next;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Segments exactly 20 m apart with `counts` photons each, photons spread evenly in each.
    fn regular(counts: &[i32]) -> (Vec<f64>, Vec<i32>, Vec<f32>) {
        let sdx: Vec<f64> = (0..counts.len())
            .map(|k| 1000.0 + 20.0 * k as f64)
            .collect();
        let ids: Vec<i32> = (0..counts.len() as i32).map(|k| 500 + k).collect();
        let along: Vec<f32> = counts
            .iter()
            .flat_map(|&c| (0..c).map(move |i| (i as f32 + 0.5) * 20.0 / c as f32))
            .collect();
        (sdx, ids, along)
    }

    /// The extents of a [`regular`] run with `counts`, and the counter after them.
    fn regular_extents(counts: &[i32], grid: &ExtentGrid, counter: u64) -> (Vec<ExtentSpan>, u64) {
        let (sdx, ids, along) = regular(counts);
        let segs = RunSegments {
            segment_dist_x: &sdx,
            segment_id: &ids,
            ph_cnt: counts,
        };
        let mut counter = counter;
        let extents = lay_extents(&segs, &along, grid, &mut counter).unwrap();
        (extents, counter)
    }

    #[test]
    fn forty_metre_extents_every_twenty_metres() {
        let (extents, counter) = regular_extents(&[4, 4, 4, 4], &ExtentGrid::default(), 7);
        let ranges: Vec<_> = extents.iter().map(|e| e.photons.clone()).collect();
        // Extent 0: segments 0-1; extent 1: 1-2; extent 2: 2-3; extent 3: segment 3 (run end).
        assert_eq!(ranges, vec![0..8, 4..12, 8..16, 12..16]);
        let centres: Vec<f64> = extents.iter().map(|e| e.x_atc).collect();
        assert_eq!(centres, vec![1020.0, 1040.0, 1060.0, 1080.0]);
        assert_eq!(extents[0].counter, 7);
        assert_eq!(counter, 11);
    }

    #[test]
    fn gaps_give_empty_extents_that_still_count() {
        let (extents, counter) = regular_extents(&[4, 0, 0, 0, 4], &ExtentGrid::default(), 0);
        let ranges: Vec<_> = extents.iter().map(|e| e.photons.clone()).collect();
        // Grid starts at 1000, 1020, 1040, 1060, 1080: the extents at 1020 and 1040 begin at photon 4
        // (x = 80 - 20 = 60 ≥ 40, then 40 ≥ 40): empty.
        assert_eq!(ranges, vec![0..4, 4..4, 4..4, 4..8, 4..8]);
        assert_eq!(counter, 5);
    }

    #[test]
    fn leading_empty_segments_are_counted_from_the_run_start() {
        let (extents, _) = regular_extents(&[0, 0, 3], &ExtentGrid::default(), 0);
        assert_eq!(
            extents[0].photons,
            0..0,
            "x of the first photon is 40 + along ≥ len"
        );
        assert_eq!(extents[1].photons, 0..3);
        assert_eq!(extents[1].x_atc, 1040.0);
    }

    #[test]
    fn the_grid_reanchors_on_real_segment_starts() {
        // Segments 20.5 m apart: each crossing adds 0.5 m to the grid start.
        let counts = [2, 2, 2, 2];
        let sdx: Vec<f64> = (0..4).map(|k| 20.5 * k as f64).collect();
        let ids = [1, 2, 3, 4];
        let along = [1.0f32, 11.0, 1.0, 11.0, 1.0, 11.0, 1.0, 11.0];
        let segs = RunSegments {
            segment_dist_x: &sdx,
            segment_id: &ids,
            ph_cnt: &counts,
        };
        let mut counter = 0;
        let extents = lay_extents(&segs, &along, &ExtentGrid::default(), &mut counter).unwrap();
        let starts: Vec<f64> = extents.iter().map(|e| e.start).collect();
        // start 0 → 20 (below segment 1 at 20.5: no re-anchor) → 40, past 20.5: + (20.5 − 0 − 20)
        // = 40.5, below segment 2 at 41: stop.
        assert_eq!(starts[0], 0.0);
        assert_eq!(starts[1], 20.0);
        assert_eq!(starts[2], 40.5);
        assert_eq!(
            extents[1].photons.start, 2,
            "first photon with x ≥ 20 is 20.5 + 1 − 0"
        );
    }

    #[test]
    fn discontinuities_split_the_grid() {
        let counts = [3, 3, 3, 3];
        let (sdx, _, along) = regular(&counts);
        let ids = [10, 11, 50, 51];
        let segs = RunSegments {
            segment_dist_x: &sdx,
            segment_id: &ids,
            ph_cnt: &counts,
        };
        let mut counter = 0;
        let extents = lay_extents(&segs, &along, &ExtentGrid::default(), &mut counter).unwrap();
        for e in &extents {
            let crosses = e.photons.start < 6 && e.photons.end > 6;
            assert!(!crosses, "{e:?} mixes both sides of the discontinuity");
        }
        let second = extents.iter().find(|e| e.first_photon == 6).unwrap();
        assert_eq!(second.start, sdx[2]);
    }

    #[test]
    fn segment_distances_that_run_backwards_are_an_error() {
        let counts = [3, 3, 3];
        let sdx = [100.0, 60.0, 20.0];
        let ids = [1, 2, 3];
        let along = [1.0f32; 9];
        let segs = RunSegments {
            segment_dist_x: &sdx,
            segment_id: &ids,
            ph_cnt: &counts,
        };
        let result = lay_extents(&segs, &along, &ExtentGrid::default(), &mut 0);
        // Either it finishes (photons run out) or it reports no progress; it must never hang.
        if let Err(e) = result {
            assert!(matches!(e, GridError::NoProgress { .. }), "{e}");
        }
    }

    #[test]
    fn counts_that_do_not_add_up_are_an_error() {
        let segs = RunSegments {
            segment_dist_x: &[0.0, 20.0],
            segment_id: &[1, 2],
            ph_cnt: &[2, 2],
        };
        let err = lay_extents(&segs, &[1.0; 3], &ExtentGrid::default(), &mut 0).unwrap_err();
        assert_eq!(
            err,
            GridError::PhotonCount {
                counted: 4,
                photons: 3
            }
        );
    }

    /// Feeds the gridder windows of `window` photons, dropping what it no longer needs, and returns
    /// the extents; they must equal the all-at-once result.
    fn streamed(
        segs: &RunSegments<'_>,
        along: &[f32],
        grid: &ExtentGrid,
        window: usize,
    ) -> Vec<ExtentSpan> {
        let mut gridder = Gridder::new(segs, along.len(), grid, 0).unwrap();
        let mut out = Vec::new();
        let mut loaded_end = 0;
        while !gridder.is_done() {
            let from = gridder.needed_from();
            loaded_end = (loaded_end.max(from) + window).min(along.len());
            gridder
                .advance(&along[from..loaded_end], from, &mut out)
                .unwrap();
        }
        out
    }

    #[test]
    fn streaming_in_windows_lays_the_same_extents() {
        let counts: Vec<i32> = (0..60).map(|k| [0, 3, 7, 1, 0, 0, 5][k % 7]).collect();
        let (sdx, mut ids, along) = regular(&counts);
        // A discontinuity between segments 29 and 30.
        for id in &mut ids[30..] {
            *id += 100;
        }
        let segs = RunSegments {
            segment_dist_x: &sdx,
            segment_id: &ids,
            ph_cnt: &counts,
        };
        for grid in [
            ExtentGrid::default(),
            ExtentGrid {
                len: 20.0,
                res: 30.0,
                dist_in_seg: false,
            },
            ExtentGrid {
                len: 3.0,
                res: 2.0,
                dist_in_seg: true,
            },
        ] {
            let whole = lay_extents(&segs, &along, &grid, &mut 0).unwrap();
            for window in [1, 2, 5, 17, 1000] {
                assert_eq!(
                    streamed(&segs, &along, &grid, window),
                    whole,
                    "{grid:?}, window {window}"
                );
            }
        }
    }

    /// SPEC §6's distance grid over one piece, written as plainly as possible: for each extent,
    /// one pass over the photons from `p0` that stops once both the end (first x >= len) and the
    /// next start (first x >= res) are known.
    fn plain_distance_grid(
        sdx: &[f64],
        counts: &[i32],
        along: &[f32],
        grid: &ExtentGrid,
    ) -> Vec<ExtentSpan> {
        let mut first = vec![0usize];
        for c in counts {
            first.push(first.last().unwrap() + *c as usize);
        }
        let pb = along.len();
        let segment_of = |p: usize| first.partition_point(|&f| f <= p) - 1;
        let (mut start, mut start_segment) = (sdx[0], 0);
        let mut p0 = first[0];
        let mut out = Vec::new();
        if p0 == pb {
            return out;
        }
        loop {
            let (mut end, mut next) = (None, None);
            let mut p = p0;
            while p < pb && (end.is_none() || next.is_none()) {
                let x = sdx[segment_of(p)] - start + f64::from(along[p]);
                if end.is_none() && x >= grid.len {
                    end = Some(p);
                }
                if next.is_none() && x >= grid.res {
                    next = Some(p);
                }
                p += 1;
            }
            out.push(ExtentSpan {
                counter: out.len() as u64,
                photons: p0..end.unwrap_or(pb),
                first_photon: p0,
                first_segment: segment_of(p0),
                start,
                x_atc: start + grid.len / 2.0,
            });
            let Some(next) = next else {
                return out;
            };
            start += grid.res;
            while start_segment + 1 < sdx.len() && start >= sdx[start_segment + 1] {
                start += sdx[start_segment + 1] - sdx[start_segment] - SEGMENT_LENGTH;
                start_segment += 1;
            }
            p0 = next;
        }
    }

    /// Irregular tracks (uneven segment spacing, empty segments, photons out of along-track
    /// order, beyond their segment and exactly on the thresholds) give the plain grid's extents,
    /// whole and streamed.
    #[test]
    fn irregular_tracks_match_the_plain_grid() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::SmallRng::seed_from_u64(0x9e37_79b9_7f4a_7c15);
        let mut next = move || rng.random::<f64>();
        for case in 0..40 {
            let n_seg = 5 + (next() * 60.0) as usize;
            let counts: Vec<i32> = (0..n_seg)
                .map(|_| {
                    if next() < 0.2 {
                        0
                    } else {
                        (next() * 12.0) as i32
                    }
                })
                .collect();
            let mut sdx = vec![5000.0];
            for _ in 1..n_seg {
                // Half-metre steps and positions, so that x often lands exactly on len or res.
                let step = 20.0 + ((next() - 0.5) * 12.0).round() / 2.0;
                sdx.push(sdx.last().unwrap() + step);
            }
            let ids: Vec<i32> = (0..n_seg as i32).collect();
            let along: Vec<f32> = counts
                .iter()
                .flat_map(|&c| {
                    (0..c)
                        .map(|_| ((next() * 52.0).round() / 2.0 - 3.0) as f32)
                        .collect::<Vec<_>>()
                })
                .collect();
            let (len, res) = [
                (40.0, 20.0),
                (20.0, 40.0),
                (30.0, 7.5),
                (10.0, 10.0),
                (5.0, 20.0),
            ][case % 5];
            let grid = ExtentGrid {
                len,
                res,
                dist_in_seg: false,
            };
            let segs = RunSegments {
                segment_dist_x: &sdx,
                segment_id: &ids,
                ph_cnt: &counts,
            };
            let want = plain_distance_grid(&sdx, &counts, &along, &grid);
            let whole = lay_extents(&segs, &along, &grid, &mut 0).unwrap();
            assert_eq!(whole, want, "case {case}");
            for window in [1, 3, 50] {
                assert_eq!(
                    streamed(&segs, &along, &grid, window),
                    want,
                    "case {case}, window {window}"
                );
            }
        }
    }

    #[test]
    fn segment_counting_grid() {
        let grid = ExtentGrid {
            len: 2.0,
            res: 1.0,
            dist_in_seg: true,
        };
        let (extents, _) = regular_extents(&[2, 0, 2, 2, 2], &grid, 0);
        let ranges: Vec<_> = extents.iter().map(|e| e.photons.clone()).collect();
        // k0 = 0: segments 0-1 → photons 0..2; next: first photon in segment ≥ 1 → photon 2 (segment 2).
        assert_eq!(ranges, vec![0..2, 2..6, 4..8, 6..8]);
        assert_eq!(extents[1].start, 1020.0, "start = segment_dist_x[k0 + res]");
        assert_eq!(extents[0].x_atc, 1000.0 + 20.0);
    }
}
