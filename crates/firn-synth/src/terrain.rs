//! Surface models: the true height under a photon's ground point.
//!
//! Coordinates are local to the granule: `x` is the along-track distance (m) from the granule's
//! centre, `y` the across-track distance (m) from the reference ground track.

/// The simulated surface.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Terrain {
    /// A level surface at height `h` (m above the ellipsoid).
    Flat {
        /// Surface height (m).
        h: f64,
    },
    /// A constant along-track slope: `h0 + slope·x`.
    Slope {
        /// Height at the granule centre (m).
        h0: f64,
        /// Along-track slope (m/m), e.g. 0.05 … 0.5.
        slope: f64,
    },
    /// A level mean surface at `h` with sub-footprint roughness: each signal photon gets an extra
    /// N(0, `sigma`) height. The truth surface is `h`.
    Rough {
        /// Mean surface height (m).
        h: f64,
        /// Roughness standard deviation (m), e.g. 0.1 … 1.
        sigma: f64,
    },
    /// Ground under vegetation: a fraction of the signal photons reflects from the canopy top
    /// `canopy_height` above the ground. The truth surface is the ground.
    Canopy {
        /// Ground height (m).
        ground: f64,
        /// Canopy top above the ground (m), e.g. 5 … 20.
        canopy_height: f64,
        /// Fraction (0 … 1) of signal photons returned by the canopy.
        canopy_fraction: f64,
    },
    /// A square wave: `h` and `h + step_height` alternating every `every_m` metres along track,
    /// so steps fall inside segments unless `every_m` is a multiple of the segment length.
    Step {
        /// Base height (m).
        h: f64,
        /// Height of each step (m), e.g. 2 … 10.
        step_height: f64,
        /// Along-track distance between steps (m).
        every_m: f64,
    },
    /// A curved surface `h + amplitude·sin(2π·x / wavelength_m)`: slope and curvature change
    /// continuously while the height stays bounded over thousands of kilometres.
    Curvature {
        /// Mean height (m).
        h: f64,
        /// Amplitude (m).
        amplitude: f64,
        /// Wavelength along track (m).
        wavelength_m: f64,
    },
}

impl Default for Terrain {
    fn default() -> Self {
        Self::Flat { h: 3_000.0 }
    }
}

impl Terrain {
    /// True surface height (m) at local position (`x` along, `y` across).
    pub fn height(&self, x: f64, _y: f64) -> f64 {
        match *self {
            Self::Flat { h } | Self::Rough { h, .. } => h,
            Self::Slope { h0, slope } => h0 + slope * x,
            Self::Canopy { ground, .. } => ground,
            Self::Step {
                h,
                step_height,
                every_m,
            } => {
                if (x / every_m).floor().rem_euclid(2.0) >= 1.0 {
                    h + step_height
                } else {
                    h
                }
            }
            Self::Curvature {
                h,
                amplitude,
                wavelength_m,
            } => h + amplitude * (std::f64::consts::TAU * x / wavelength_m).sin(),
        }
    }

    /// True along-track slope dh/dx at local position (`x`, `y`); 0 on the flat parts of a step.
    pub fn slope(&self, x: f64, _y: f64) -> f64 {
        match *self {
            Self::Flat { .. } | Self::Rough { .. } | Self::Canopy { .. } | Self::Step { .. } => 0.0,
            Self::Slope { slope, .. } => slope,
            Self::Curvature {
                amplitude,
                wavelength_m,
                ..
            } => {
                let k = std::f64::consts::TAU / wavelength_m;
                amplitude * k * (k * x).cos()
            }
        }
    }

    /// Extra per-photon height spread (m) of a rough surface; 0 otherwise.
    pub fn roughness(&self) -> f64 {
        match *self {
            Self::Rough { sigma, .. } => sigma,
            _ => 0.0,
        }
    }

    /// `(canopy height above ground, fraction of signal photons from the canopy)`, if any.
    pub fn canopy(&self) -> Option<(f64, f64)> {
        match *self {
            Self::Canopy {
                canopy_height,
                canopy_fraction,
                ..
            } => Some((canopy_height, canopy_fraction)),
            _ => None,
        }
    }

    /// Checks that every parameter is finite and in range.
    pub(crate) fn validate(&self) -> crate::Result<()> {
        let finite = |values: &[f64]| values.iter().all(|v| v.is_finite());
        let (ok, rule) = match *self {
            Self::Flat { h } => (finite(&[h]), "h must be finite"),
            Self::Slope { h0, slope } => (finite(&[h0, slope]), "h0 and slope must be finite"),
            Self::Rough { h, sigma } => (
                finite(&[h, sigma]) && sigma >= 0.0,
                "h must be finite and sigma finite and >= 0",
            ),
            Self::Canopy {
                ground,
                canopy_height,
                canopy_fraction,
            } => (
                finite(&[ground, canopy_height]) && (0.0..=1.0).contains(&canopy_fraction),
                "heights must be finite and canopy_fraction within 0..=1",
            ),
            Self::Step {
                h,
                step_height,
                every_m,
            } => (
                finite(&[h, step_height, every_m]) && every_m > 0.0,
                "values must be finite and every_m > 0",
            ),
            Self::Curvature {
                h,
                amplitude,
                wavelength_m,
            } => (
                finite(&[h, amplitude, wavelength_m]) && wavelength_m > 0.0,
                "values must be finite and wavelength_m > 0",
            ),
        };
        if ok {
            Ok(())
        } else {
            Err(crate::Error::param("terrain", format!("{self:?}: {rule}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Terrain;

    #[test]
    fn slope_is_the_derivative_of_height() {
        let terrains = [
            Terrain::Slope {
                h0: 10.0,
                slope: 0.2,
            },
            Terrain::Curvature {
                h: 5.0,
                amplitude: 30.0,
                wavelength_m: 2_000.0,
            },
        ];
        for t in terrains {
            for x in [-700.0, -3.0, 0.0, 12.5, 999.0] {
                let d = 1e-3;
                let numeric = (t.height(x + d, 0.0) - t.height(x - d, 0.0)) / (2.0 * d);
                assert!((numeric - t.slope(x, 0.0)).abs() < 1e-6, "{t:?} at {x}");
            }
        }
    }

    #[test]
    fn step_alternates_every_interval() {
        let t = Terrain::Step {
            h: 100.0,
            step_height: 4.0,
            every_m: 30.0,
        };
        assert_eq!(t.height(10.0, 0.0), 100.0);
        assert_eq!(t.height(40.0, 0.0), 104.0);
        assert_eq!(t.height(70.0, 0.0), 100.0);
        assert_eq!(t.height(-10.0, 0.0), 104.0);
    }

    #[test]
    fn bad_parameters_are_rejected() {
        assert!(
            Terrain::Step {
                h: 0.0,
                step_height: 1.0,
                every_m: 0.0
            }
            .validate()
            .is_err()
        );
        assert!(Terrain::Flat { h: f64::NAN }.validate().is_err());
        assert!(
            Terrain::Canopy {
                ground: 0.0,
                canopy_height: 10.0,
                canopy_fraction: 1.5
            }
            .validate()
            .is_err()
        );
    }
}
