//! From a beam to batches of extents ready to fit, streamed along track.
//!
//! A [`BeamExtractor`] reads a beam's segments once, selects its runs, then reads the photons of
//! each run window by window (one coalesced batch read of every photon dataset per window), lays
//! the extent grid as the photons arrive and emits [`ExtentBatch`]es: the filtered photons of the
//! window as columns, and the extents as row ranges over them. Memory holds one window and the
//! overlap the next extent needs, however long the beam. Photons are decoded straight into the
//! window's columns (`read_batch_into`), whose storage is kept from window to window, so a beam's
//! photon memory is allocated and touched once.

use std::ops::Range;

use firn_h5::{ArrayMut, Dataset, Datatype, H5Type};
use firn_region::RunMode;

use crate::beam::Beam;
use crate::error::{Error, Result};
use crate::extents::{ExtentGrid, ExtentSpan, Gridder, RunSegments};
use crate::filters::PhotonFilter;
use crate::granule::{Granule, Identity};
use crate::segments::{Background, BeamSegments};
use crate::subset::{RegionFilter, select_runs};

/// Photons read per window by default: ten 10k-row chunks per dataset, about 4 MB of photon
/// columns, so a window is still in cache when its photons are filtered, gathered and fitted
/// (measured on the 1,300 km bench granule: 500,000-photon windows took 5 % more CPU time and
/// 50 % more peak memory; 50,000 gained nothing more).
pub const DEFAULT_WINDOW_PHOTONS: usize = 100_000;

/// What to extract from each beam.
#[derive(Debug, Clone)]
pub struct ExtractParams {
    /// Photon filters (srt, cnf, quality_ph, yapc).
    pub filter: PhotonFilter,
    /// The extent grid (len, res, dist_in_seg).
    pub grid: ExtentGrid,
    /// Which inside runs to keep (subset_runs).
    pub runs: RunMode,
    /// The region (poly or region_mask); `None` processes whole beams.
    pub region: Option<RegionFilter>,
    /// Photons read per window.
    pub window_photons: usize,
}

impl Default for ExtractParams {
    fn default() -> Self {
        Self {
            filter: PhotonFilter::default(),
            grid: ExtentGrid::default(),
            runs: RunMode::All,
            region: None,
            window_photons: DEFAULT_WINDOW_PHOTONS,
        }
    }
}

/// The filtered photons of a window, in file order, as columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilteredPhotons {
    /// Along-track position `segment_dist_x + dist_ph_along` (m): the frame of [`Extent::x_atc`].
    pub x: Vec<f64>,
    /// `h_ph` (m).
    pub h: Vec<f32>,
    /// `lat_ph` (degrees).
    pub lat: Vec<f64>,
    /// `lon_ph` (degrees).
    pub lon: Vec<f64>,
    /// `delta_time` (s).
    pub time: Vec<f64>,
    /// `dist_ph_across` (m).
    pub y: Vec<f32>,
}

impl FilteredPhotons {
    /// Number of photons.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether there is no photon.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Empties every column, keeping its storage, and makes room for `n` photons.
    fn clear_for(&mut self, n: usize) {
        for column in [&mut self.x, &mut self.lat, &mut self.lon, &mut self.time] {
            column.clear();
            column.reserve(n);
        }
        for column in [&mut self.h, &mut self.y] {
            column.clear();
            column.reserve(n);
        }
    }
}

/// One extent, ready to fit: its filtered photons and the per-extent values of SPEC §6.
#[derive(Debug, Clone, PartialEq)]
pub struct Extent {
    /// The beam's extent counter.
    pub counter: u64,
    /// The packed extent id (SPEC §6).
    pub extent_id: u64,
    /// Rows of the batch's [`FilteredPhotons`].
    pub photons: Range<usize>,
    /// Extent centre along track (m), in the frame of [`FilteredPhotons::x`].
    pub x_atc: f64,
    /// The extent's segment id.
    pub segment_id: u32,
    /// |velocity_sc| at the first photon's segment (m/s).
    pub speed: f64,
    /// Background rate at the first photon's segment time (Hz).
    pub background_rate: f64,
    /// Longitude of the extent's first photon before filtering.
    pub lon_p0: f64,
    /// `delta_time` of the extent's first photon before filtering.
    pub time_p0: f64,
}

/// A window's extents over its filtered photons.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtentBatch {
    /// The beam.
    pub beam: Beam,
    /// Filtered photons of the window.
    pub photons: FilteredPhotons,
    /// Extents that hold at least one filtered photon, in order. (Extents without any cannot
    /// give a row; they still count in the extent counter.)
    pub extents: Vec<Extent>,
}

/// Counts of what a beam's extraction did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BeamStats {
    /// Segments in the beam.
    pub segments: u64,
    /// Segments inside the selected runs.
    pub segments_selected: u64,
    /// Runs selected.
    pub runs: u64,
    /// Photon rows read (each once).
    pub photons_read: u64,
    /// Photons that pass the filters (each once).
    pub photons_filtered: u64,
    /// Extents laid (the extent counter: empty ones included).
    pub extents: u64,
    /// Extents with at least one filtered photon.
    pub extents_with_photons: u64,
}

/// Photons of a run held in memory: `len` photons from run-local index `offset` on.
///
/// Each column's storage may be longer than `len`: the rest is room kept for the next read, so
/// that reading window after window reuses the same memory.
#[derive(Debug, Default)]
struct PhotonWindow {
    offset: usize,
    len: usize,
    along: Vec<f32>,
    h: Vec<f32>,
    lat: Vec<f64>,
    lon: Vec<f64>,
    time: Vec<f64>,
    across: Vec<f32>,
    keep: Vec<bool>,
}

impl PhotonWindow {
    fn end(&self) -> usize {
        self.offset + self.len
    }

    /// Along-track distances within the segment of the photons held.
    fn along(&self) -> &[f32] {
        &self.along[..self.len]
    }

    /// Drops photons before run-local index `from`.
    fn drop_before(&mut self, from: usize) {
        let n = from.saturating_sub(self.offset).min(self.len);
        if n == 0 {
            return;
        }
        let held = n..self.len;
        self.along.copy_within(held.clone(), 0);
        self.h.copy_within(held.clone(), 0);
        self.lat.copy_within(held.clone(), 0);
        self.lon.copy_within(held.clone(), 0);
        self.time.copy_within(held.clone(), 0);
        self.across.copy_within(held.clone(), 0);
        self.keep.copy_within(held, 0);
        self.len -= n;
        self.offset += n;
    }

    /// Makes room for `n` photons after those held (counted once they are read).
    fn reserve(&mut self, n: usize) {
        let end = self.len + n;
        room(&mut self.along, end);
        room(&mut self.h, end);
        room(&mut self.lat, end);
        room(&mut self.lon, end);
        room(&mut self.time, end);
        room(&mut self.across, end);
        room(&mut self.keep, end);
    }
}

/// Grows `buffer` to at least `len` values (never shrinks it) and returns its first `len`.
fn room<T: Clone + Default>(buffer: &mut Vec<T>, len: usize) -> &mut [T] {
    if buffer.len() < len {
        buffer.resize(len, T::default());
    }
    &mut buffer[..len]
}

/// The beam's photon datasets, opened and type-checked once.
#[derive(Debug)]
struct PhotonDatasets {
    along: Dataset,
    h: Dataset,
    lat: Dataset,
    lon: Dataset,
    time: Dataset,
    across: Dataset,
    confidence: Dataset,
    quality: Dataset,
    /// `weight_ph` (u8 or u16), read only for the yapc filter.
    weight: Option<Dataset>,
}

impl PhotonDatasets {
    fn open(granule: &Granule, beam: Beam, yapc: bool) -> Result<Self> {
        let path = |name: &str| format!("/{}/heights/{name}", beam.name());
        let mut names = vec![
            "dist_ph_along",
            "h_ph",
            "lat_ph",
            "lon_ph",
            "delta_time",
            "dist_ph_across",
            "signal_conf_ph",
            "quality_ph",
        ];
        if yapc {
            names.push("weight_ph");
        }
        let paths: Vec<String> = names.iter().map(|n| path(n)).collect();
        let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
        let mut datasets = granule.datasets(&refs)?.into_iter();
        let mut next = || datasets.next().expect("one dataset per path");
        let set = Self {
            along: expect::<f32>(granule, next())?,
            h: expect::<f32>(granule, next())?,
            lat: expect::<f64>(granule, next())?,
            lon: expect::<f64>(granule, next())?,
            time: expect::<f64>(granule, next())?,
            across: expect::<f32>(granule, next())?,
            confidence: expect::<i8>(granule, next())?,
            quality: expect::<i8>(granule, next())?,
            weight: if yapc { Some(next()) } else { None },
        };
        if set.confidence.row_elements() != 5 {
            return Err(granule.inconsistent(
                set.confidence.path(),
                format!(
                    "expected rows of 5 columns, found shape {:?}",
                    set.confidence.shape()
                ),
            ));
        }
        if let Some(weight) = &set.weight
            && !matches!(
                weight.dtype(),
                Datatype::Integer {
                    size: 1 | 2,
                    signed: false
                }
            )
        {
            return Err(granule.inconsistent(
                weight.path(),
                format!("expected u8 or u16, found {}", weight.dtype()),
            ));
        }
        Ok(set)
    }
}

/// `dataset` if it holds `T`, else an error naming it (SPEC §2 gives every photon type).
fn expect<T: H5Type>(granule: &Granule, dataset: Dataset) -> Result<Dataset> {
    if dataset.dtype().matches::<T>() {
        return Ok(dataset);
    }
    Err(granule.inconsistent(
        dataset.path(),
        format!(
            "unexpected datatype {}, expected {} (see SPEC §2)",
            dataset.dtype(),
            T::NAME
        ),
    ))
}

/// Per-window buffers of the photon columns that only feed the filter mask, kept between windows.
#[derive(Debug, Default)]
struct FilterColumns {
    confidence: Vec<i8>,
    quality: Vec<i8>,
    weight_u8: Vec<u8>,
    weight: Vec<u16>,
}

/// The run being extracted.
#[derive(Debug)]
struct RunState {
    segments: Range<usize>,
    rows: Range<u64>,
    gridder: Gridder,
    window: PhotonWindow,
}

/// Streams one beam's extents, window by window.
#[derive(Debug)]
pub struct BeamExtractor<'g> {
    granule: &'g Granule,
    beam: Beam,
    identity: Identity,
    params: ExtractParams,
    segments: BeamSegments,
    background: Background,
    runs: std::vec::IntoIter<Range<usize>>,
    run: Option<RunState>,
    /// Opened at the first photon read.
    photons: Option<PhotonDatasets>,
    filter_columns: FilterColumns,
    /// The last run's window, whose storage the next run reuses.
    spare_window: PhotonWindow,
    /// Columns handed back by [`BeamExtractor::recycle`], refilled by the next batch.
    spare_photons: FilteredPhotons,
    /// Window positions of the kept photons of a batch (scratch).
    kept_rows: Vec<usize>,
    counter: u64,
    stats: BeamStats,
}

impl<'g> BeamExtractor<'g> {
    /// Reads the beam's segments and background, and selects its runs.
    pub fn new(granule: &'g Granule, beam: Beam, params: ExtractParams) -> Result<Self> {
        let segments = granule.segments(beam)?;
        let background = granule.background(beam)?;
        let runs = select_runs(
            granule,
            beam,
            &segments,
            params.region.as_ref(),
            params.runs,
        )?;
        let stats = BeamStats {
            segments: segments.len() as u64,
            segments_selected: runs.iter().map(|r| r.len() as u64).sum(),
            runs: runs.len() as u64,
            ..BeamStats::default()
        };
        Ok(Self {
            granule,
            beam,
            identity: granule.identity(),
            params,
            segments,
            background,
            runs: runs.into_iter(),
            run: None,
            photons: None,
            filter_columns: FilterColumns::default(),
            spare_window: PhotonWindow::default(),
            spare_photons: FilteredPhotons::default(),
            kept_rows: Vec::new(),
            counter: 0,
            stats,
        })
    }

    /// The beam's segments.
    pub fn segments(&self) -> &BeamSegments {
        &self.segments
    }

    /// Counts so far (complete once the extractor is exhausted).
    pub fn stats(&self) -> BeamStats {
        self.stats
    }

    /// The next batch, or `None` when the beam is done.
    pub fn next_batch(&mut self) -> Result<Option<ExtentBatch>> {
        loop {
            if self.run.is_none() {
                let Some(segments) = self.runs.next() else {
                    return Ok(None);
                };
                self.start_run(segments)?;
                continue;
            }
            let run = self.run.as_mut().expect("checked above");
            if run.gridder.is_done() {
                // The next run continues the beam's extent counter, so extent ids stay unique.
                self.counter = run.gridder.counter();
                if let Some(run) = self.run.take() {
                    self.spare_window = run.window;
                }
                continue;
            }
            let from = run.gridder.needed_from();
            run.window.drop_before(from);
            let run_photons = run.gridder.photons();
            let load_end =
                (run.window.end().max(from) + self.params.window_photons).min(run_photons);
            self.load(load_end)?;
            let run = self.run.as_mut().expect("a run is open");
            let mut spans = Vec::new();
            run.gridder
                .advance(run.window.along(), run.window.offset, &mut spans)
                .map_err(|source| Error::Grid {
                    granule: self.granule.location().to_owned(),
                    beam: self.beam.name().to_owned(),
                    source,
                })?;
            self.stats.extents = run.gridder.counter();
            if spans.is_empty() {
                continue;
            }
            let batch = self.batch(&spans);
            return Ok(Some(batch));
        }
    }

    /// Hands back the photon columns of a batch that is no longer needed: the next batch is built
    /// in their storage instead of fresh memory (no page faults, no reallocation as it grows).
    pub fn recycle(&mut self, photons: FilteredPhotons) {
        self.spare_photons = photons;
    }

    /// Opens a run: its photon rows and a gridder continuing the beam's extent counter.
    fn start_run(&mut self, segments: Range<usize>) -> Result<()> {
        let s = &self.segments;
        let rows = s.photon_rows(segments.clone());
        let run_segments = RunSegments {
            segment_dist_x: &s.segment_dist_x[segments.clone()],
            segment_id: &s.segment_id[segments.clone()],
            ph_cnt: &s.ph_cnt[segments.clone()],
        };
        let gridder = Gridder::new(
            &run_segments,
            (rows.end - rows.start) as usize,
            &self.params.grid,
            self.counter,
        )
        .map_err(|source| Error::Grid {
            granule: self.granule.location().to_owned(),
            beam: self.beam.name().to_owned(),
            source,
        })?;
        let mut window = std::mem::take(&mut self.spare_window);
        window.offset = 0;
        window.len = 0;
        self.run = Some(RunState {
            segments,
            rows,
            gridder,
            window,
        });
        Ok(())
    }

    /// Reads photons up to run-local index `end` into the window (one batch read, straight into
    /// the window's columns).
    fn load(&mut self, end: usize) -> Result<()> {
        let run = self.run.as_mut().expect("a run is open");
        let begin = run.window.end().max(run.gridder.needed_from());
        if run.window.len == 0 {
            run.window.offset = begin;
        }
        if end <= begin {
            return Ok(());
        }
        if self.photons.is_none() {
            let yapc = self.params.filter.yapc_score.is_some();
            self.photons = Some(PhotonDatasets::open(self.granule, self.beam, yapc)?);
        }
        let d = self.photons.as_ref().expect("opened above");
        let rows = run.rows.start + begin as u64..run.rows.start + end as u64;
        let n = end - begin;
        let w = &mut run.window;
        w.reserve(n);
        let at = w.len..w.len + n;
        let f = &mut self.filter_columns;
        let mut reads: Vec<(&Dataset, Range<u64>)> = [
            &d.along,
            &d.h,
            &d.lat,
            &d.lon,
            &d.time,
            &d.across,
            &d.confidence,
            &d.quality,
        ]
        .into_iter()
        .map(|dataset| (dataset, rows.clone()))
        .collect();
        let mut outputs: Vec<ArrayMut<'_>> = vec![
            (&mut w.along[at.clone()]).into(),
            (&mut w.h[at.clone()]).into(),
            (&mut w.lat[at.clone()]).into(),
            (&mut w.lon[at.clone()]).into(),
            (&mut w.time[at.clone()]).into(),
            (&mut w.across[at.clone()]).into(),
            room(&mut f.confidence, 5 * n).into(),
            room(&mut f.quality, n).into(),
        ];
        let weight_is_u8 = d.weight.as_ref().map(|weight| weight.dtype().size() == 1);
        if let Some(weight) = &d.weight {
            reads.push((weight, rows.clone()));
            outputs.push(match weight_is_u8 {
                Some(true) => room(&mut f.weight_u8, n).into(),
                _ => room(&mut f.weight, n).into(),
            });
        }
        self.granule.read_into(&reads, &mut outputs)?;
        drop(outputs);
        let weight: &[u16] = match weight_is_u8 {
            None => &[],
            Some(true) => {
                let wide = room(&mut f.weight, n);
                for (w16, &w8) in wide.iter_mut().zip(&f.weight_u8[..n]) {
                    *w16 = u16::from(w8);
                }
                wide
            }
            Some(false) => &f.weight[..n],
        };
        let keep = &mut w.keep[at.clone()];
        self.params
            .filter
            .mask_into(&f.confidence[..5 * n], &f.quality[..n], weight, keep);
        self.stats.photons_read += n as u64;
        self.stats.photons_filtered += keep.iter().map(|&k| u64::from(k)).sum::<u64>();
        w.len = at.end;
        Ok(())
    }

    /// Builds the batch for `spans`, whose photons all lie in the window.
    fn batch(&mut self, spans: &[ExtentSpan]) -> ExtentBatch {
        let run = self.run.as_ref().expect("a run is open");
        let w = &run.window;
        let first_segment = run.segments.start;
        let starts = run.gridder.segment_starts();
        let s = &self.segments;
        let from = spans[0].photons.start.min(spans[0].first_photon);
        let to = spans
            .iter()
            .map(|e| e.photons.end)
            .max()
            .unwrap_or(from)
            .max(from);

        // Filtered photons of [from, to). Segment by segment, the kept photons' window positions
        // and along-track positions; then each column is gathered on its own.
        let mut photons = std::mem::take(&mut self.spare_photons);
        photons.clear_for(to - from);
        // `kept` is filled without a branch per photon: every position is written, and the count
        // moves on only for kept photons.
        let kept = &mut self.kept_rows;
        kept.clear();
        kept.resize(to - from, 0);
        let mut n_kept = 0;
        let mut k = starts.partition_point(|&f| f <= from) - 1;
        let mut p = from;
        while p < to {
            let segment_end = starts[k + 1].min(to).max(p);
            let base = s.segment_dist_x[first_segment + k];
            let before = n_kept;
            for i in p - w.offset..segment_end - w.offset {
                kept[n_kept] = i;
                n_kept += usize::from(w.keep[i]);
            }
            photons.x.extend(
                kept[before..n_kept]
                    .iter()
                    .map(|&i| base + f64::from(w.along[i])),
            );
            p = segment_end;
            k += 1;
        }
        kept.truncate(n_kept);
        // A photon's row among the kept ones: how many kept photons precede it. Spans come in
        // track order, so a cursor for span starts and one for span ends, each walking `kept`
        // forward, answer them all (a binary search per span waited on cache misses).
        let (mut start_rows, mut end_rows) = (KeptCursor::new(kept), KeptCursor::new(kept));
        photons.h.extend(kept.iter().map(|&i| w.h[i]));
        photons.lat.extend(kept.iter().map(|&i| w.lat[i]));
        photons.lon.extend(kept.iter().map(|&i| w.lon[i]));
        photons.time.extend(kept.iter().map(|&i| w.time[i]));
        photons.y.extend(kept.iter().map(|&i| w.across[i]));

        let grid = &self.params.grid;
        let half_len_segments = if grid.dist_in_seg {
            (grid.len / 2.0).trunc()
        } else {
            (grid.len / 20.0 / 2.0).trunc()
        };
        let mut extents = Vec::with_capacity(spans.len());
        for span in spans {
            let rows = start_rows.rows_before(span.photons.start - w.offset)
                ..end_rows.rows_before(span.photons.end - w.offset);
            if rows.is_empty() {
                continue;
            }
            let k0 = first_segment + span.first_segment;
            let p0 = span.first_photon - w.offset;
            let along_segments = if grid.dist_in_seg {
                0.0
            } else {
                f64::from(w.along[p0]) / 20.0
            };
            let segment_id =
                (f64::from(s.segment_id[k0]) + along_segments + half_len_segments + 0.5).trunc();
            extents.push(Extent {
                counter: span.counter,
                extent_id: extent_id(self.identity, self.beam, span.counter),
                photons: rows,
                x_atc: span.x_atc,
                segment_id: segment_id.clamp(0.0, f64::from(u32::MAX)) as u32,
                speed: s.speed[k0],
                background_rate: self.background.rate_at(s.delta_time[k0]),
                lon_p0: w.lon[p0],
                time_p0: w.time[p0],
            });
        }
        self.stats.extents_with_photons += extents.len() as u64;
        ExtentBatch {
            beam: self.beam,
            photons,
            extents,
        }
    }
}

/// Counts the entries of a sorted list below a bound, for bounds that mostly grow: the answer
/// of the previous query is the starting point, and the cursor walks from there (either way).
struct KeptCursor<'a> {
    sorted: &'a [usize],
    at: usize,
}

impl<'a> KeptCursor<'a> {
    fn new(sorted: &'a [usize]) -> Self {
        KeptCursor { sorted, at: 0 }
    }

    /// How many entries are below `bound` (`sorted.partition_point(|&i| i < bound)`).
    fn rows_before(&mut self, bound: usize) -> usize {
        while self.at < self.sorted.len() && self.sorted[self.at] < bound {
            self.at += 1;
        }
        while self.at > 0 && self.sorted[self.at - 1] >= bound {
            self.at -= 1;
        }
        self.at
    }
}

/// The packed extent id of SPEC §6.
pub fn extent_id(identity: Identity, beam: Beam, counter: u64) -> u64 {
    (u64::from(identity.rgt) << 52)
        | (u64::from(identity.cycle) << 36)
        | (u64::from(identity.region) << 32)
        | (u64::from(beam.track()) << 30)
        | ((counter & 0x0FFF_FFFF) << 2)
        | (1 << 1)
        | u64::from(beam.pair())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::granule::IdentitySource;

    #[test]
    fn kept_cursor_equals_partition_point() {
        let sorted = [2, 3, 3, 7, 10, 11, 40];
        let mut cursor = KeptCursor::new(&sorted);
        // Growing bounds, a step back, repeats, and bounds past either end.
        for bound in [0, 2, 3, 4, 8, 8, 5, 11, 12, 41, 100, 1, 40] {
            assert_eq!(
                cursor.rows_before(bound),
                sorted.partition_point(|&i| i < bound),
                "bound {bound}"
            );
        }
    }

    #[test]
    fn extent_ids_pack_as_specified() {
        let identity = Identity {
            rgt: 235,
            cycle: 1,
            region: 4,
            source: IdentitySource::FileName,
        };
        let id = extent_id(identity, Beam::Gt2r, 5);
        assert_eq!(id >> 52, 235);
        assert_eq!((id >> 36) & 0xFFFF, 1);
        assert_eq!((id >> 32) & 0xF, 4);
        assert_eq!((id >> 30) & 0x3, 2);
        assert_eq!((id >> 2) & 0x0FFF_FFFF, 5);
        assert_eq!(id & 0x3, 0b11);
    }
}
