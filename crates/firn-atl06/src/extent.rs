//! Fit input: one extent's photons as struct-of-arrays slices, and a beam's extents as ranges over
//! one shared set of arrays.
//!
//! Everything is validated once, at construction, so the fit itself cannot fail on bad numbers.

use std::ops::Range;

use crate::error::{Channel, Error, Result};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point sample type for the narrow channels `h` and `y` (`f32` as stored in ATL03, or
/// `f64`); the fit promotes every value to `f64`.
pub trait Real: sealed::Sealed + Copy + Into<f64> + Send + Sync + 'static {}
impl Real for f32 {}
impl Real for f64 {}

/// Per-extent values that are not per photon (SPEC §6, from the extent's first photon p0 before
/// filtering and its segment).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExtentMeta {
    /// The extent centre in the frame of the photons' `x` (the fit uses `x - x_atc`); reported as
    /// [`Segment::x_atc`](crate::Segment::x_atc). Pass 0 when `x` is already relative to the centre.
    pub x_atc: f64,
    /// Ground speed |velocity_sc| (m/s, finite, > 0).
    pub speed: f64,
    /// Background photon rate (Hz, finite, ≥ 0).
    pub background_rate: f64,
    /// Longitude of p0 (degrees): decides the antimeridian unwrap.
    pub lon_p0: f64,
    /// `delta_time` of p0 (s since the ATLAS epoch): the reference of the time intercept.
    pub time_p0: f64,
    /// A caller value passed through to [`Segment::extent`](crate::Segment::extent) unchanged
    /// (the extent counter or the packed `extent_id`).
    pub extent: u64,
}

impl ExtentMeta {
    fn validate(&self) -> Result<()> {
        let bad = |field, value, expected| {
            Err(Error::InvalidExtentValue {
                field,
                value,
                expected,
            })
        };
        if !(self.speed.is_finite() && self.speed > 0.0) {
            return bad("speed", self.speed, "must be finite and positive");
        }
        if !(self.background_rate.is_finite() && self.background_rate >= 0.0) {
            return bad(
                "background_rate",
                self.background_rate,
                "must be finite and not negative",
            );
        }
        for (field, value) in [
            ("x_atc", self.x_atc),
            ("lon_p0", self.lon_p0),
            ("time_p0", self.time_p0),
        ] {
            if !value.is_finite() {
                return bad(field, value, "must be finite");
            }
        }
        Ok(())
    }
}

/// One extent's filtered photons, in file order, as borrowed struct-of-arrays slices.
///
/// Build with [`ExtentPhotons::new`], which checks lengths, finiteness and the [`ExtentMeta`].
#[derive(Debug, Clone, Copy)]
pub struct ExtentPhotons<'a, F: Real = f64> {
    pub(crate) x: &'a [f64],
    pub(crate) h: &'a [F],
    pub(crate) lat: &'a [f64],
    pub(crate) lon: &'a [f64],
    pub(crate) time: &'a [f64],
    pub(crate) y: &'a [F],
    pub(crate) meta: ExtentMeta,
}

/// Borrowed per-photon columns, the argument of [`ExtentPhotons::new`].
#[derive(Debug, Clone, Copy)]
pub struct PhotonSlices<'a, F: Real = f64> {
    /// Along-track position (m), in the frame of [`ExtentMeta::x_atc`].
    pub x: &'a [f64],
    /// Height (m).
    pub h: &'a [F],
    /// Latitude (degrees).
    pub lat: &'a [f64],
    /// Longitude (degrees, -180..180).
    pub lon: &'a [f64],
    /// `delta_time` (s).
    pub time: &'a [f64],
    /// Across-track position `dist_ph_across` (m).
    pub y: &'a [F],
}

impl<'a, F: Real> PhotonSlices<'a, F> {
    fn validate(&self) -> Result<()> {
        let n = self.x.len();
        if n > u32::MAX as usize {
            return Err(Error::TooManyPhotons {
                len: n,
                max: u32::MAX as usize,
            });
        }
        check_f64(Channel::X, self.x, n)?;
        check_real(Channel::H, self.h, n)?;
        check_f64(Channel::Latitude, self.lat, n)?;
        check_f64(Channel::Longitude, self.lon, n)?;
        check_f64(Channel::Time, self.time, n)?;
        check_real(Channel::Y, self.y, n)
    }

    fn slice(&self, r: Range<usize>) -> PhotonSlices<'a, F> {
        PhotonSlices {
            x: &self.x[r.clone()],
            h: &self.h[r.clone()],
            lat: &self.lat[r.clone()],
            lon: &self.lon[r.clone()],
            time: &self.time[r.clone()],
            y: &self.y[r],
        }
    }
}

fn check_f64(channel: Channel, v: &[f64], n: usize) -> Result<()> {
    check_real(channel, v, n)
}

fn check_real<F: Real>(channel: Channel, v: &[F], n: usize) -> Result<()> {
    if v.len() != n {
        return Err(Error::LengthMismatch {
            channel,
            len: v.len(),
            expected: n,
        });
    }
    // A branch-free fold first (vectorises); locate the culprit only when there is one.
    if v.iter().fold(true, |ok, &s| ok & s.into().is_finite()) {
        return Ok(());
    }
    match v.iter().position(|&s| !s.into().is_finite()) {
        Some(index) => Err(Error::NonFinite {
            channel,
            index,
            value: v[index].into(),
        }),
        None => Ok(()),
    }
}

impl<'a, F: Real> ExtentPhotons<'a, F> {
    /// Checks the photon columns (equal lengths, every value finite, at most `u32::MAX` photons)
    /// and the extent values (speed finite and positive, background rate finite and not negative,
    /// centre and p0 values finite).
    pub fn new(photons: PhotonSlices<'a, F>, meta: ExtentMeta) -> Result<Self> {
        photons.validate()?;
        meta.validate()?;
        Ok(Self::from_checked(photons, meta))
    }

    fn from_checked(p: PhotonSlices<'a, F>, meta: ExtentMeta) -> Self {
        ExtentPhotons {
            x: p.x,
            h: p.h,
            lat: p.lat,
            lon: p.lon,
            time: p.time,
            y: p.y,
            meta,
        }
    }

    /// Number of photons.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// True when the extent holds no photon.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// The per-extent values.
    pub fn meta(&self) -> &ExtentMeta {
        &self.meta
    }
}

/// Owned per-photon columns of one beam (filtered photons, file order), shared by its extents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhotonColumns<F: Real = f64> {
    /// Along-track position (m) in one frame for the whole beam, e.g. `segment_dist_x +
    /// dist_ph_along`; each extent subtracts its own centre.
    pub x: Vec<f64>,
    /// Height (m).
    pub h: Vec<F>,
    /// Latitude (degrees).
    pub lat: Vec<f64>,
    /// Longitude (degrees).
    pub lon: Vec<f64>,
    /// `delta_time` (s).
    pub time: Vec<f64>,
    /// Across-track position (m).
    pub y: Vec<F>,
}

impl<F: Real> PhotonColumns<F> {
    fn slices(&self) -> PhotonSlices<'_, F> {
        PhotonSlices {
            x: &self.x,
            h: &self.h,
            lat: &self.lat,
            lon: &self.lon,
            time: &self.time,
            y: &self.y,
        }
    }
}

/// One extent of a beam: a range of the beam's photon rows plus its per-extent values.
///
/// Extents may overlap (with `len` 40 m and `res` 20 m every photon is in two).
#[derive(Debug, Clone, PartialEq)]
pub struct ExtentSpec {
    /// The extent's filtered photons: rows of [`PhotonColumns`].
    pub photons: Range<usize>,
    /// Centre, speed, background and p0 values.
    pub meta: ExtentMeta,
}

/// A beam's extents over one shared set of photon columns: the batch input of
/// [`Fitter::fit_beam`](crate::Fitter::fit_beam).
#[derive(Debug, Clone)]
pub struct BeamExtents<F: Real = f64> {
    columns: PhotonColumns<F>,
    extents: Vec<ExtentSpec>,
}

impl<F: Real> BeamExtents<F> {
    /// Validates the columns (each photon once) and every extent (range within the columns, values
    /// in their domains); errors about an extent name its position.
    pub fn new(columns: PhotonColumns<F>, extents: Vec<ExtentSpec>) -> Result<Self> {
        columns.slices().validate()?;
        let len = columns.x.len();
        for (index, spec) in extents.iter().enumerate() {
            let r = &spec.photons;
            if r.start > r.end || r.end > len {
                return Err(Error::RangeOutOfBounds {
                    start: r.start,
                    end: r.end,
                    len,
                }
                .in_extent(index));
            }
            spec.meta.validate().map_err(|e| e.in_extent(index))?;
        }
        Ok(BeamExtents { columns, extents })
    }

    /// The columns and extents back, so that their buffers can be refilled for the next batch.
    pub fn into_parts(self) -> (PhotonColumns<F>, Vec<ExtentSpec>) {
        (self.columns, self.extents)
    }

    /// Number of extents.
    pub fn len(&self) -> usize {
        self.extents.len()
    }

    /// True when the beam has no extent.
    pub fn is_empty(&self) -> bool {
        self.extents.is_empty()
    }

    /// The extents' specifications.
    pub fn specs(&self) -> &[ExtentSpec] {
        &self.extents
    }

    /// The shared photon columns.
    pub fn columns(&self) -> &PhotonColumns<F> {
        &self.columns
    }

    /// A view of extent `index`, or `None` past the end.
    pub fn extent(&self, index: usize) -> Option<ExtentPhotons<'_, F>> {
        let spec = self.extents.get(index)?;
        Some(self.view(spec))
    }

    pub(crate) fn view(&self, spec: &ExtentSpec) -> ExtentPhotons<'_, F> {
        // `new` checked every range against the columns and every value.
        let photons = self.columns.slices().slice(spec.photons.clone());
        ExtentPhotons::from_checked(photons, spec.meta)
    }
}
