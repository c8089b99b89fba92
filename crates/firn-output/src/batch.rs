//! The row model firn-output writes: one ATL06-SR segment per row, held column by column.

use crate::error::{Error, Result};

/// One segment (one output row), for building a [`SegmentBatch`] row by row.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SegmentRow {
    /// Segment time, nanoseconds since 1970-01-01T00:00:00 UTC.
    pub time_ns: i64,
    /// Extent identifier.
    pub extent_id: u64,
    /// ATL03 segment id of the extent centre.
    pub segment_id: u32,
    /// Reference ground track.
    pub rgt: u16,
    /// Orbit cycle.
    pub cycle: u8,
    /// Granule region (1-14).
    pub region: u8,
    /// Spot number (1-6).
    pub spot: u8,
    /// Ground track code (10, 20, … 60 for gt1l … gt3r).
    pub gt: u8,
    /// Extent centre along track (m).
    pub x_atc: f64,
    /// Across-track coordinate (m).
    pub y_atc: f32,
    /// Mean height (m).
    pub h_mean: f64,
    /// Along-track slope.
    pub dh_fit_dx: f32,
    /// Across-track slope.
    pub dh_fit_dy: f32,
    /// Photons in the final fit.
    pub n_fit_photons: i32,
    /// Final surface window (m).
    pub w_surface_window_final: f32,
    /// RMS of the fit residuals (m).
    pub rms_misfit: f32,
    /// Height uncertainty (m).
    pub h_sigma: f32,
    /// Processing flags.
    pub pflags: u16,
    /// Latitude (degrees north).
    pub latitude: f64,
    /// Longitude (degrees east).
    pub longitude: f64,
}

/// Segments column by column, in SPEC §8 order. Every column must have the same length;
/// [`SegmentBatch::rows`] checks that.
#[derive(Debug, Clone, PartialEq, Default)]
#[allow(missing_docs)] // each column is documented on `SegmentRow`'s field of the same name
pub struct SegmentBatch {
    pub time_ns: Vec<i64>,
    pub extent_id: Vec<u64>,
    pub segment_id: Vec<u32>,
    pub rgt: Vec<u16>,
    pub cycle: Vec<u8>,
    pub region: Vec<u8>,
    pub spot: Vec<u8>,
    pub gt: Vec<u8>,
    pub x_atc: Vec<f64>,
    pub y_atc: Vec<f32>,
    pub h_mean: Vec<f64>,
    pub dh_fit_dx: Vec<f32>,
    pub dh_fit_dy: Vec<f32>,
    pub n_fit_photons: Vec<i32>,
    pub w_surface_window_final: Vec<f32>,
    pub rms_misfit: Vec<f32>,
    pub h_sigma: Vec<f32>,
    pub pflags: Vec<u16>,
    pub latitude: Vec<f64>,
    pub longitude: Vec<f64>,
}

/// A bounding box in degrees: `[xmin, ymin, xmax, ymax]` = `[west, south, east, north]`.
pub type Bbox = [f64; 4];

impl SegmentBatch {
    /// An empty batch with room for `rows` rows in every column.
    pub fn with_capacity(rows: usize) -> Self {
        Self {
            time_ns: Vec::with_capacity(rows),
            extent_id: Vec::with_capacity(rows),
            segment_id: Vec::with_capacity(rows),
            rgt: Vec::with_capacity(rows),
            cycle: Vec::with_capacity(rows),
            region: Vec::with_capacity(rows),
            spot: Vec::with_capacity(rows),
            gt: Vec::with_capacity(rows),
            x_atc: Vec::with_capacity(rows),
            y_atc: Vec::with_capacity(rows),
            h_mean: Vec::with_capacity(rows),
            dh_fit_dx: Vec::with_capacity(rows),
            dh_fit_dy: Vec::with_capacity(rows),
            n_fit_photons: Vec::with_capacity(rows),
            w_surface_window_final: Vec::with_capacity(rows),
            rms_misfit: Vec::with_capacity(rows),
            h_sigma: Vec::with_capacity(rows),
            pflags: Vec::with_capacity(rows),
            latitude: Vec::with_capacity(rows),
            longitude: Vec::with_capacity(rows),
        }
    }

    /// Appends one row.
    pub fn push(&mut self, row: &SegmentRow) {
        self.time_ns.push(row.time_ns);
        self.extent_id.push(row.extent_id);
        self.segment_id.push(row.segment_id);
        self.rgt.push(row.rgt);
        self.cycle.push(row.cycle);
        self.region.push(row.region);
        self.spot.push(row.spot);
        self.gt.push(row.gt);
        self.x_atc.push(row.x_atc);
        self.y_atc.push(row.y_atc);
        self.h_mean.push(row.h_mean);
        self.dh_fit_dx.push(row.dh_fit_dx);
        self.dh_fit_dy.push(row.dh_fit_dy);
        self.n_fit_photons.push(row.n_fit_photons);
        self.w_surface_window_final.push(row.w_surface_window_final);
        self.rms_misfit.push(row.rms_misfit);
        self.h_sigma.push(row.h_sigma);
        self.pflags.push(row.pflags);
        self.latitude.push(row.latitude);
        self.longitude.push(row.longitude);
    }

    /// The number of rows, or an error naming the first column whose length differs from `time`.
    pub fn rows(&self) -> Result<usize> {
        let rows = self.time_ns.len();
        let lengths: [(&'static str, usize); 19] = [
            ("extent_id", self.extent_id.len()),
            ("segment_id", self.segment_id.len()),
            ("rgt", self.rgt.len()),
            ("cycle", self.cycle.len()),
            ("region", self.region.len()),
            ("spot", self.spot.len()),
            ("gt", self.gt.len()),
            ("x_atc", self.x_atc.len()),
            ("y_atc", self.y_atc.len()),
            ("h_mean", self.h_mean.len()),
            ("dh_fit_dx", self.dh_fit_dx.len()),
            ("dh_fit_dy", self.dh_fit_dy.len()),
            ("n_fit_photons", self.n_fit_photons.len()),
            ("w_surface_window_final", self.w_surface_window_final.len()),
            ("rms_misfit", self.rms_misfit.len()),
            ("h_sigma", self.h_sigma.len()),
            ("pflags", self.pflags.len()),
            ("latitude", self.latitude.len()),
            ("longitude", self.longitude.len()),
        ];
        match lengths.iter().find(|(_, len)| *len != rows) {
            Some(&(column, len)) => Err(Error::Batch {
                column,
                message: format!("{len} values, but time has {rows}"),
            }),
            None => Ok(rows),
        }
    }

    /// Whether the batch has no rows.
    pub fn is_empty(&self) -> bool {
        self.time_ns.is_empty()
    }

    /// The bounding box of the finite latitude/longitude pairs, or `None` when there are none.
    pub fn bbox(&self) -> Option<Bbox> {
        self.longitude
            .iter()
            .zip(&self.latitude)
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .fold(None, |acc, (&x, &y)| Some(extend(acc, [x, y, x, y])))
    }
}

/// The union of two boxes (the first may be absent).
pub(crate) fn extend(acc: Option<Bbox>, b: Bbox) -> Bbox {
    match acc {
        None => b,
        Some(a) => [
            a[0].min(b[0]),
            a[1].min(b[1]),
            a[2].max(b[2]),
            a[3].max(b[3]),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn len_names_the_short_column() {
        let mut batch = SegmentBatch::with_capacity(2);
        batch.push(&SegmentRow::default());
        batch.push(&SegmentRow::default());
        assert_eq!(batch.rows().expect("consistent"), 2);
        batch.h_sigma.pop();
        let message = batch.rows().expect_err("inconsistent").to_string();
        assert_eq!(
            message,
            "segment batch: column h_sigma: 1 values, but time has 2"
        );
    }

    #[test]
    fn bbox_skips_non_finite() {
        let mut batch = SegmentBatch::default();
        for (lat, lon) in [(10.0, -5.0), (f64::NAN, 100.0), (-2.0, 7.5)] {
            batch.push(&SegmentRow {
                latitude: lat,
                longitude: lon,
                ..SegmentRow::default()
            });
        }
        assert_eq!(batch.bbox(), Some([-5.0, -2.0, 7.5, 10.0]));
        assert_eq!(SegmentBatch::default().bbox(), None);
    }
}
