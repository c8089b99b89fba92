//! A beam's segment-rate arrays (20 m geolocation segments) and its 50 Hz background rates.

use std::ops::Range;

use firn_h5::Array;

use crate::beam::Beam;
use crate::error::Result;
use crate::granule::Granule;

/// One beam's geolocation segments, validated against each other.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BeamSegments {
    /// `segment_id`.
    pub segment_id: Vec<i32>,
    /// `segment_dist_x` (m).
    pub segment_dist_x: Vec<f64>,
    /// `segment_ph_cnt`.
    pub ph_cnt: Vec<i32>,
    /// `ph_index_beg`, made 0-based: the row of each segment's first photon (meaningless when
    /// `ph_cnt` is 0).
    pub first_photon: Vec<u64>,
    /// `reference_photon_lat` (degrees).
    pub ref_lat: Vec<f64>,
    /// `reference_photon_lon` (degrees).
    pub ref_lon: Vec<f64>,
    /// |`velocity_sc`| (m/s).
    pub speed: Vec<f64>,
    /// Segment `delta_time` (s).
    pub delta_time: Vec<f64>,
}

impl BeamSegments {
    /// Number of segments.
    pub fn len(&self) -> usize {
        self.segment_id.len()
    }

    /// Whether the beam has no segment.
    pub fn is_empty(&self) -> bool {
        self.segment_id.is_empty()
    }

    /// The photon rows of segments `range` (empty segments contribute none).
    pub fn photon_rows(&self, range: Range<usize>) -> Range<u64> {
        let mut rows = range.clone().filter(|&k| self.ph_cnt[k] > 0).map(|k| {
            let first = self.first_photon[k];
            first..first + self.ph_cnt[k] as u64
        });
        match rows.next() {
            None => 0..0,
            Some(first) => {
                let end = rows.next_back().map_or(first.end, |r| r.end);
                first.start..end
            }
        }
    }
}

/// The 50 Hz background rate of a beam.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Background {
    /// `bckgrd_atlas/delta_time` (s), increasing.
    pub delta_time: Vec<f64>,
    /// `bckgrd_atlas/bckgrd_rate` (Hz).
    pub rate: Vec<f32>,
}

impl Background {
    /// The rate at `time`, linearly interpolated and clamped at both ends; 0 without samples.
    pub fn rate_at(&self, time: f64) -> f64 {
        let (t, r) = (&self.delta_time, &self.rate);
        let Some(&last) = t.last() else {
            return 0.0;
        };
        if time <= t[0] {
            return f64::from(r[0]);
        }
        if time >= last {
            return f64::from(r[r.len() - 1]);
        }
        let i = t.partition_point(|&x| x <= time);
        let (t0, t1) = (t[i - 1], t[i]);
        let (r0, r1) = (f64::from(r[i - 1]), f64::from(r[i]));
        if t1 <= t0 {
            return r0;
        }
        r0 + (r1 - r0) * (time - t0) / (t1 - t0)
    }
}

impl Granule {
    /// Reads and validates a beam's segment-rate arrays.
    pub fn segments(&self, beam: Beam) -> Result<BeamSegments> {
        let group = format!("/{}/geolocation", beam.name());
        let path = |name: &str| format!("{group}/{name}");
        let names = [
            "segment_id",
            "segment_dist_x",
            "segment_ph_cnt",
            "ph_index_beg",
            "reference_photon_lat",
            "reference_photon_lon",
            "velocity_sc",
            "delta_time",
        ];
        let paths: Vec<String> = names.iter().map(|n| path(n)).collect();
        let n = self.rows(&paths[0])?;
        let reads: Vec<(&str, Range<u64>)> = paths.iter().map(|p| (p.as_str(), 0..n)).collect();
        for (p, _) in &reads[1..] {
            let rows = self.rows(p)?;
            if rows != n {
                return Err(
                    self.inconsistent(*p, format!("has {rows} rows but {} has {n}", paths[0]))
                );
            }
        }
        let mut arrays = self.read_rows(&reads)?.into_iter();
        let mut next = |name: &str| (path(name), arrays.next().expect("one array per read"));
        let segment_id = typed(self, next("segment_id"), Array::into_i32)?;
        let segment_dist_x = typed(self, next("segment_dist_x"), Array::into_f64)?;
        let ph_cnt = typed(self, next("segment_ph_cnt"), Array::into_i32)?;
        let ph_index_beg = typed(self, next("ph_index_beg"), Array::into_i64)?;
        let ref_lat = typed(self, next("reference_photon_lat"), Array::into_f64)?;
        let ref_lon = typed(self, next("reference_photon_lon"), Array::into_f64)?;
        let velocity = typed(self, next("velocity_sc"), Array::into_f32)?;
        let delta_time = typed(self, next("delta_time"), Array::into_f64)?;
        if velocity.len() as u64 != 3 * n {
            return Err(self.inconsistent(
                path("velocity_sc"),
                format!(
                    "expected {n} rows of 3 components, found {} values",
                    velocity.len()
                ),
            ));
        }
        let speed = velocity
            .chunks_exact(3)
            .map(|v| {
                v.iter()
                    .map(|&c| f64::from(c) * f64::from(c))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect();
        let first_photon = self.check_photon_index(beam, &ph_cnt, &ph_index_beg)?;
        Ok(BeamSegments {
            segment_id,
            segment_dist_x,
            ph_cnt,
            first_photon,
            ref_lat,
            ref_lon,
            speed,
            delta_time,
        })
    }

    /// Checks `ph_index_beg` against `segment_ph_cnt` and the photon count, returning 0-based
    /// first rows: non-empty segments must follow each other without gaps or overlaps, 1-based, and
    /// stay inside the photon datasets; empty segments have index 0.
    fn check_photon_index(
        &self,
        beam: Beam,
        counts: &[i32],
        index_beg: &[i64],
    ) -> Result<Vec<u64>> {
        let photons = self.rows(&format!("/{}/heights/h_ph", beam.name()))?;
        let dataset = format!("/{}/geolocation/ph_index_beg", beam.name());
        let mut expected: Option<u64> = None;
        let mut first = Vec::with_capacity(counts.len());
        for (k, (&count, &beg)) in counts.iter().zip(index_beg).enumerate() {
            if count < 0 {
                return Err(self.inconsistent(
                    format!("/{}/geolocation/segment_ph_cnt", beam.name()),
                    format!("negative count {count} at segment {k}"),
                ));
            }
            if count == 0 {
                first.push(expected.unwrap_or(0));
                continue;
            }
            if beg < 1 {
                return Err(self.inconsistent(
                    &dataset,
                    format!("segment {k} has {count} photons but ph_index_beg {beg} (must be ≥ 1)"),
                ));
            }
            let row = (beg - 1) as u64;
            if let Some(expected) = expected
                && row != expected
            {
                return Err(self.inconsistent(
                    &dataset,
                    format!(
                        "segment {k} starts at photon {beg} but the previous segments end at {expected} (ph_index_beg and segment_ph_cnt disagree)"
                    ),
                ));
            }
            let end = row + count as u64;
            if end > photons {
                return Err(self.inconsistent(
                    &dataset,
                    format!(
                        "segment {k} holds photons {beg}..{end} but the beam has {photons} photons"
                    ),
                ));
            }
            expected = Some(end);
            first.push(row);
        }
        Ok(first)
    }

    /// Reads a beam's 50 Hz background rates.
    pub fn background(&self, beam: Beam) -> Result<Background> {
        let time_path = format!("/{}/bckgrd_atlas/delta_time", beam.name());
        let rate_path = format!("/{}/bckgrd_atlas/bckgrd_rate", beam.name());
        let n = self.rows(&time_path)?;
        let rate_rows = self.rows(&rate_path)?;
        if rate_rows != n {
            return Err(self.inconsistent(
                &rate_path,
                format!("has {rate_rows} rows but {time_path} has {n}"),
            ));
        }
        let mut arrays = self
            .read_rows(&[(time_path.as_str(), 0..n), (rate_path.as_str(), 0..n)])?
            .into_iter();
        let delta_time = typed(
            self,
            (time_path, arrays.next().expect("two arrays")),
            Array::into_f64,
        )?;
        let rate = typed(
            self,
            (rate_path, arrays.next().expect("two arrays")),
            Array::into_f32,
        )?;
        Ok(Background { delta_time, rate })
    }
}

/// Unwraps an array of the expected type, or names the dataset and the type found.
pub(crate) fn typed<T>(
    granule: &Granule,
    (path, array): (String, Array),
    into: fn(Array) -> std::result::Result<Vec<T>, Array>,
) -> Result<Vec<T>> {
    into(array).map_err(|other| {
        granule.inconsistent(
            path,
            format!("unexpected datatype {} (see SPEC §2)", other.type_name()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn background_interpolates_and_clamps() {
        let bg = Background {
            delta_time: vec![10.0, 10.02, 10.04],
            rate: vec![1e6, 2e6, 4e6],
        };
        assert_eq!(bg.rate_at(9.0), 1e6);
        assert_eq!(bg.rate_at(11.0), 4e6);
        assert!((bg.rate_at(10.01) - 1.5e6).abs() < 1e-3);
        assert!((bg.rate_at(10.03) - 3e6).abs() < 1e-3);
        assert_eq!(Background::default().rate_at(5.0), 0.0);
    }

    #[test]
    fn photon_rows_skip_empty_segments() {
        let segs = BeamSegments {
            ph_cnt: vec![0, 3, 0, 2, 0],
            first_photon: vec![0, 0, 3, 3, 5],
            ..BeamSegments::default()
        };
        assert_eq!(segs.photon_rows(0..5), 0..5);
        assert_eq!(segs.photon_rows(2..4), 3..5);
        assert_eq!(segs.photon_rows(4..5), 0..0);
    }
}
