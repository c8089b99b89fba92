//! One granule, fitted: every selected beam streamed through the extent builder and the fitting
//! core, the across-track slope filled per track, rows ordered by time then gt.

use firn_atl03::{Beam, BeamExtractor, BeamStats, ExtentBatch, FilteredPhotons, Granule};
use firn_atl06::{
    BeamExtents, ExtentMeta, ExtentSpec, Fitter, PhotonColumns, Segment, fill_dh_fit_dy,
};
use rayon::prelude::*;

use super::control::{Cancel, CancelReason};
use crate::request::Parameters;

/// Why a granule could not be fitted.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FitError {
    /// Reading or subsetting failed.
    #[error(transparent)]
    Atl03(#[from] firn_atl03::Error),
    /// The photons of a beam could not be fitted (non-finite values in the file).
    #[error("{granule}: {beam}: {source}")]
    Fit {
        /// The granule.
        granule: String,
        /// The beam.
        beam: Beam,
        /// The fitting core's error.
        #[source]
        source: firn_atl06::Error,
    },
    /// The cancellation flag was set; the granule was left unfinished.
    #[error("cancelled: {0}")]
    Cancelled(CancelReason),
}

/// One output row before it is written: the fit and the identifiers around it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FittedSegment {
    /// The fit (SPEC §7 fields).
    pub(crate) fit: Segment,
    /// The packed extent id.
    pub(crate) extent_id: u64,
    /// The extent's segment id.
    pub(crate) segment_id: u32,
    /// The beam.
    pub(crate) beam: Beam,
    /// The spot (0 when the orientation is unknown).
    pub(crate) spot: u8,
}

/// A fitted granule.
#[derive(Debug)]
pub(crate) struct FittedGranule {
    /// Rows ordered by time, ties broken by gt.
    pub(crate) rows: Vec<FittedSegment>,
    /// Per-beam counts.
    pub(crate) beams: Vec<(Beam, BeamStats)>,
}

/// A beam's kept segments with their identifiers, in extent order.
struct BeamSegments {
    beam: Beam,
    fits: Vec<Segment>,
    ids: ExtentIds,
    stats: BeamStats,
}

/// Fits every selected beam of `granule` (beams in parallel, extents in parallel within a beam).
/// `cancel` is checked before each beam and each window of photons.
pub(crate) fn fit_granule(
    granule: &Granule,
    params: &Parameters,
    fitter: &Fitter,
    cancel: &Cancel,
) -> Result<FittedGranule, FitError> {
    let beams: Vec<Beam> = granule
        .beams()
        .iter()
        .copied()
        .filter(|b| params.beams.contains(b))
        .collect();
    let mut per_beam: Vec<BeamSegments> = beams
        .par_iter()
        .map(|&beam| fit_beam(granule, beam, params, fitter, cancel))
        .collect::<Result<_, _>>()?;

    for track in 1..=3u8 {
        let mut pair = per_beam.iter_mut().filter(|b| b.beam.track() == track);
        if let (Some(left), Some(right)) = (pair.next(), pair.next()) {
            fill_dh_fit_dy(&mut left.fits, &mut right.fits, params.fit.res_m);
        }
    }

    let orientation = granule.orientation();
    let mut rows = Vec::with_capacity(per_beam.iter().map(|b| b.fits.len()).sum());
    let mut stats = Vec::with_capacity(per_beam.len());
    for beam in per_beam {
        let spot = beam.beam.spot(orientation);
        stats.push((beam.beam, beam.stats));
        rows.extend(
            beam.fits
                .into_iter()
                .zip(beam.ids)
                .map(|(fit, (extent_id, segment_id))| FittedSegment {
                    fit,
                    extent_id,
                    segment_id,
                    beam: beam.beam,
                    spot,
                }),
        );
    }
    rows.sort_by_key(|r| (r.fit.time_ns, r.beam.gt()));
    Ok(FittedGranule { rows, beams: stats })
}

/// Streams one beam: extract a window, fit its extents, keep the rows; stops when `cancel` is set.
fn fit_beam(
    granule: &Granule,
    beam: Beam,
    params: &Parameters,
    fitter: &Fitter,
    cancel: &Cancel,
) -> Result<BeamSegments, FitError> {
    let check = || {
        cancel
            .reason()
            .map_or(Ok(()), |r| Err(FitError::Cancelled(r)))
    };
    check()?;
    let mut extractor = BeamExtractor::new(granule, beam, params.extract.clone())?;
    let mut out = BeamSegments {
        beam,
        fits: Vec::new(),
        ids: Vec::new(),
        stats: BeamStats::default(),
    };
    let fit_error = |source| FitError::Fit {
        granule: granule.location().to_owned(),
        beam,
        source,
    };
    let next_input = |extractor: &mut BeamExtractor<'_>| -> Result<_, FitError> {
        check()?;
        match extractor.next_batch()? {
            Some(batch) => Ok(Some(to_fit_input(batch).map_err(fit_error)?)),
            None => Ok(None),
        }
    };
    // Window i is fitted while window i + 1 is read and gridded: each beam keeps two tasks for
    // the pool, so a core that has finished its beams helps with the last ones.
    let mut current = next_input(&mut extractor)?;
    while let Some((extents, ids)) = current {
        let (fitted, next) =
            rayon::join(|| fitter.fit_beam(&extents), || next_input(&mut extractor));
        for fit in fitted.map_err(fit_error)? {
            out.ids.push(ids[fit.extent as usize]);
            out.fits.push(fit);
        }
        // The window after next goes into this one's storage.
        let (columns, _) = extents.into_parts();
        extractor.recycle(FilteredPhotons {
            x: columns.x,
            h: columns.h,
            lat: columns.lat,
            lon: columns.lon,
            time: columns.time,
            y: columns.y,
        });
        current = next?;
    }
    out.stats = extractor.stats();
    Ok(out)
}

/// Each extent's (extent_id, segment_id), indexed by the `extent` value a fit carries back.
type ExtentIds = Vec<(u64, u32)>;

/// Hands a batch to the fitting core without copying photons, with the extents' identifiers.
fn to_fit_input(batch: ExtentBatch) -> Result<(BeamExtents<f32>, ExtentIds), firn_atl06::Error> {
    let ids = batch
        .extents
        .iter()
        .map(|e| (e.extent_id, e.segment_id))
        .collect();
    let specs = batch
        .extents
        .into_iter()
        .enumerate()
        .map(|(index, e)| ExtentSpec {
            photons: e.photons,
            meta: ExtentMeta {
                x_atc: e.x_atc,
                speed: e.speed,
                background_rate: e.background_rate,
                lon_p0: e.lon_p0,
                time_p0: e.time_p0,
                extent: index as u64,
            },
        })
        .collect();
    let p = batch.photons;
    let columns = PhotonColumns {
        x: p.x,
        h: p.h,
        lat: p.lat,
        lon: p.lon,
        time: p.time,
        y: p.y,
    };
    Ok((BeamExtents::new(columns, specs)?, ids))
}
