//! Photon filters (SPEC §6): signal confidence for a surface type, quality, YAPC score.
//!
//! Filters never remove photons from a beam: extents are laid over all photons, and the filters only
//! decide which photons of an extent enter the checks and the fit. So a filter produces a mask.

use std::fmt;

/// Which column of `signal_conf_ph` is used (`srt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurfaceType {
    /// -1: the maximum over the five columns.
    Dynamic,
    /// 0: land.
    Land,
    /// 1: ocean.
    Ocean,
    /// 2: sea ice.
    SeaIce,
    /// 3: land ice.
    LandIce,
    /// 4: inland water.
    InlandWater,
}

impl SurfaceType {
    /// From the numeric code -1…4.
    pub fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            -1 => Self::Dynamic,
            0 => Self::Land,
            1 => Self::Ocean,
            2 => Self::SeaIce,
            3 => Self::LandIce,
            4 => Self::InlandWater,
            _ => return None,
        })
    }

    /// From upstream's names: "dynamic", "land", "ocean", "sea_ice", "land_ice", "inland_water".
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "dynamic" => Self::Dynamic,
            "land" => Self::Land,
            "ocean" => Self::Ocean,
            "sea_ice" => Self::SeaIce,
            "land_ice" => Self::LandIce,
            "inland_water" => Self::InlandWater,
            _ => return None,
        })
    }

    /// The column of `signal_conf_ph`, or `None` for dynamic.
    pub fn column(self) -> Option<usize> {
        match self {
            Self::Dynamic => None,
            Self::Land => Some(0),
            Self::Ocean => Some(1),
            Self::SeaIce => Some(2),
            Self::LandIce => Some(3),
            Self::InlandWater => Some(4),
        }
    }
}

/// Names of the confidence levels -2…4, as upstream spells them.
pub const CONFIDENCE_NAMES: [&str; 7] = [
    "atl03_tep",
    "atl03_not_considered",
    "atl03_background",
    "atl03_within_10m",
    "atl03_low",
    "atl03_medium",
    "atl03_high",
];

/// A set of accepted confidence levels (-2…4).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ConfidenceSet(u8);

impl ConfidenceSet {
    /// Accepts `level` and every level above it (a single `cnf` value).
    pub fn at_least(level: i8) -> Option<Self> {
        (-2..=4)
            .contains(&level)
            .then(|| Self((0x7Fu8 << (level + 2)) & 0x7F))
    }

    /// Accepts exactly these levels (a `cnf` list); `None` if one is outside -2…4.
    pub fn exactly(levels: &[i8]) -> Option<Self> {
        levels.iter().try_fold(Self(0), |set, &level| {
            (-2..=4)
                .contains(&level)
                .then(|| Self(set.0 | 1 << (level + 2)))
        })
    }

    /// The level of an upstream name such as "atl03_high".
    pub fn level_of(name: &str) -> Option<i8> {
        CONFIDENCE_NAMES
            .iter()
            .position(|&n| n == name)
            .map(|i| i as i8 - 2)
    }

    /// Whether `level` is accepted.
    pub fn contains(self, level: i8) -> bool {
        (-2..=4).contains(&level) && self.0 & (1 << (level + 2)) != 0
    }
}

impl fmt::Debug for ConfidenceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries((-2i8..=4).filter(|&l| self.contains(l)))
            .finish()
    }
}

/// A set of accepted `quality_ph` values.
#[derive(Clone, PartialEq, Eq)]
pub struct QualitySet([bool; 256]);

impl QualitySet {
    /// Accepts 0…`max` (a single `quality_ph` value).
    pub fn up_to(max: i8) -> Self {
        let mut set = [false; 256];
        for q in 0..=max.max(-1) {
            set[q as u8 as usize] = true;
        }
        Self(set)
    }

    /// Accepts exactly these values (a `quality_ph` list).
    pub fn exactly(values: &[i8]) -> Self {
        let mut set = [false; 256];
        for &q in values {
            set[q as u8 as usize] = true;
        }
        Self(set)
    }

    /// Whether `value` is accepted.
    pub fn contains(&self, value: i8) -> bool {
        self.0[value as u8 as usize]
    }
}

impl fmt::Debug for QualitySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries((i8::MIN..=i8::MAX).filter(|&q| self.contains(q)))
            .finish()
    }
}

/// The photon filters of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotonFilter {
    /// The confidence column (`srt`).
    pub surface: SurfaceType,
    /// Accepted confidence levels (`cnf`).
    pub confidence: ConfidenceSet,
    /// Accepted quality values (`quality_ph`).
    pub quality: QualitySet,
    /// Minimum YAPC score (`yapc.score`); `None` when YAPC filtering is off.
    pub yapc_score: Option<u16>,
}

impl Default for PhotonFilter {
    /// SPEC §4 defaults: dynamic surface, cnf [2, 3, 4], quality_ph [0], no YAPC.
    fn default() -> Self {
        Self {
            surface: SurfaceType::Dynamic,
            confidence: ConfidenceSet::exactly(&[2, 3, 4]).expect("levels are in range"),
            quality: QualitySet::exactly(&[0]),
            yapc_score: None,
        }
    }
}

impl PhotonFilter {
    /// Whether the photon with these values passes every filter. `confidence` is the photon's row of
    /// `signal_conf_ph` (five columns).
    pub fn accepts(&self, confidence: &[i8; 5], quality: i8, weight: u16) -> bool {
        let level = match self.surface.column() {
            Some(column) => confidence[column],
            None => confidence.iter().copied().max().unwrap_or(-2),
        };
        self.confidence.contains(level)
            && self.quality.contains(quality)
            && self.yapc_score.is_none_or(|score| weight >= score)
    }

    /// The mask over a beam's photons: `confidence` is `signal_conf_ph` row-major (five per photon),
    /// `weight` is `weight_ph` widened to u16 (ignored when YAPC is off).
    pub fn mask(&self, confidence: &[i8], quality: &[i8], weight: &[u16]) -> Vec<bool> {
        let mut out = vec![false; quality.len().min(confidence.len() / 5)];
        self.mask_into(confidence, quality, weight, &mut out);
        out
    }

    /// [`PhotonFilter::mask`] into `out` (one entry per photon; photons beyond `out` are not
    /// looked at): `out[i]` equals `accepts` of photon `i`. The surface column is chosen once
    /// and the tests are table lookups combined without branches, so the loop vectorizes.
    pub fn mask_into(&self, confidence: &[i8], quality: &[i8], weight: &[u16], out: &mut [bool]) {
        let mut level_ok = [false; 256];
        for level in -2i8..=4 {
            level_ok[level as u8 as usize] = self.confidence.contains(level);
        }
        let quality_ok = &self.quality.0;
        let rows = confidence.chunks_exact(5).zip(quality);
        match self.surface.column() {
            Some(column) => {
                for (o, (row, &q)) in out.iter_mut().zip(rows) {
                    *o = level_ok[row[column] as u8 as usize] & quality_ok[q as u8 as usize];
                }
            }
            None => {
                for (o, (row, &q)) in out.iter_mut().zip(rows) {
                    let level = row[0].max(row[1]).max(row[2]).max(row[3]).max(row[4]);
                    *o = level_ok[level as u8 as usize] & quality_ok[q as u8 as usize];
                }
            }
        }
        if let Some(score) = self.yapc_score {
            for (i, o) in out.iter_mut().enumerate() {
                *o &= weight.get(i).copied().unwrap_or(0) >= score;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_confidence_means_that_level_or_higher() {
        let set = ConfidenceSet::at_least(2).unwrap();
        assert!(!set.contains(1) && set.contains(2) && set.contains(4));
        let all = ConfidenceSet::at_least(-2).unwrap();
        assert!((-2..=4).all(|l| all.contains(l)));
        assert!(ConfidenceSet::at_least(5).is_none());
        assert_eq!(ConfidenceSet::level_of("atl03_high"), Some(4));
        assert_eq!(ConfidenceSet::level_of("atl03_tep"), Some(-2));
    }

    #[test]
    fn a_confidence_list_is_an_exact_set() {
        let set = ConfidenceSet::exactly(&[1, 4]).unwrap();
        assert!(set.contains(1) && set.contains(4));
        assert!(!set.contains(2) && !set.contains(3));
        assert!(ConfidenceSet::exactly(&[7]).is_none());
    }

    #[test]
    fn dynamic_takes_the_best_column_and_quality_and_yapc_apply() {
        let filter = PhotonFilter {
            surface: SurfaceType::Dynamic,
            confidence: ConfidenceSet::at_least(4).unwrap(),
            quality: QualitySet::up_to(1),
            yapc_score: Some(100),
        };
        assert!(filter.accepts(&[0, -1, -1, 4, -1], 1, 100));
        assert!(!filter.accepts(&[0, -1, -1, 4, -1], 2, 100));
        assert!(!filter.accepts(&[0, -1, -1, 4, -1], 0, 99));
        assert!(!filter.accepts(&[3, -1, -1, 3, -1], 0, 255));
        let land = PhotonFilter {
            surface: SurfaceType::Land,
            ..filter
        };
        assert!(!land.accepts(&[0, -1, -1, 4, -1], 0, 200));
    }

    #[test]
    fn mask_covers_every_photon() {
        let filter = PhotonFilter::default();
        let conf = [4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 3, 3, 3, 3, 3];
        let mask = filter.mask(&conf, &[0, 0, 1], &[]);
        assert_eq!(mask, [true, false, false]);
    }

    /// The bulk mask equals `accepts` photon by photon for every surface, level sets, quality
    /// sets, YAPC on and off, and values outside the documented ranges.
    #[test]
    fn mask_equals_accepts_photon_by_photon() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::SmallRng::seed_from_u64(0x2545_f491_4f6c_dd1d);
        let mut byte = move || rng.random::<u8>();
        let n = 4_000;
        // Mostly -2…4, sometimes anything.
        let mut value = || {
            let b = byte();
            if b < 230 { (b % 7) as i8 - 2 } else { b as i8 }
        };
        let confidence: Vec<i8> = (0..5 * n).map(|_| value()).collect();
        let quality: Vec<i8> = (0..n).map(|_| value()).collect();
        let weight: Vec<u16> = (0..n - 7).map(|i| (i * 37 % 256) as u16).collect();
        let surfaces = [
            SurfaceType::Dynamic,
            SurfaceType::Land,
            SurfaceType::Ocean,
            SurfaceType::SeaIce,
            SurfaceType::LandIce,
            SurfaceType::InlandWater,
        ];
        let levels = [
            ConfidenceSet::at_least(-2).unwrap(),
            ConfidenceSet::at_least(3).unwrap(),
            ConfidenceSet::exactly(&[-1, 1, 4]).unwrap(),
        ];
        let qualities = [QualitySet::up_to(0), QualitySet::exactly(&[1, 3, -5])];
        for surface in surfaces {
            for confidence_set in levels {
                for quality_set in &qualities {
                    for yapc_score in [None, Some(0), Some(100)] {
                        let filter = PhotonFilter {
                            surface,
                            confidence: confidence_set,
                            quality: quality_set.clone(),
                            yapc_score,
                        };
                        let mask = filter.mask(&confidence, &quality, &weight);
                        for i in 0..n {
                            let row: &[i8; 5] = confidence[5 * i..5 * i + 5].try_into().unwrap();
                            let w = weight.get(i).copied().unwrap_or(0);
                            assert_eq!(
                                mask[i],
                                filter.accepts(row, quality[i], w),
                                "{filter:?}, photon {i}"
                            );
                        }
                        assert!(mask.iter().any(|k| *k) || yapc_score == Some(100));
                    }
                }
            }
        }
    }
}
