//! The fit's output record and the outcome of fitting one extent.

/// One ATL06-SR segment: the SPEC §8 fit fields plus what the caller passed through.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// The caller's value from [`ExtentMeta::extent`](crate::ExtentMeta::extent).
    pub extent: u64,
    /// Along-track position of the extent centre (m): [`ExtentMeta::x_atc`](crate::ExtentMeta::x_atc).
    pub x_atc: f64,
    /// Fitted height at the extent centre (m).
    pub h_mean: f64,
    /// Along-track slope.
    pub dh_fit_dx: f32,
    /// Across-track slope from the paired beam (NaN until [`fill_dh_fit_dy`](crate::fill_dh_fit_dy)
    /// finds a partner).
    pub dh_fit_dy: f32,
    /// Photons in the last least-squares fit.
    pub n_fit_photons: i32,
    /// The last surface window W (m).
    pub w_surface_window_final: f32,
    /// RMS of the last fit's residuals (m); NaN on a kept invalid segment.
    pub rms_misfit: f32,
    /// Standard error of `h_mean` (m); NaN on a kept invalid segment.
    pub h_sigma: f32,
    /// Latitude intercept at the centre (degrees).
    pub latitude: f64,
    /// Longitude intercept at the centre (degrees, antimeridian-safe).
    pub longitude: f64,
    /// Time intercept at the centre (Unix ns).
    pub time_ns: i64,
    /// Across-track position intercept at the centre (m).
    pub y_atc: f32,
    /// pflags bits (see [`crate::flags`]).
    pub pflags: u16,
}

impl Segment {
    /// True unless pflags holds 0x1, 0x2 or 0x8.
    pub fn is_valid(&self) -> bool {
        !crate::flags::is_invalid(self.pflags)
    }
}

/// What fitting one extent gives, before the drop rule ([`apply_drop_rule`](crate::apply_drop_rule)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FitOutcome {
    /// The extent was fitted. Invalid segments (pflags 0x1, 0x2, 0x8) still carry their raw
    /// `rms_misfit` and `h_sigma` here; the drop rule removes or blanks them.
    Fitted(Segment),
    /// No fit: a pre-check failed without `pass_invalid`, or the first fit was singular (fewer
    /// than two distinct x). Never a row.
    NotFitted {
        /// The pflags that explain why.
        pflags: u16,
    },
}

impl FitOutcome {
    /// The pflags of either kind of outcome.
    pub fn pflags(&self) -> u16 {
        match self {
            FitOutcome::Fitted(s) => s.pflags,
            FitOutcome::NotFitted { pflags } => *pflags,
        }
    }

    /// The segment, if the extent was fitted.
    pub fn segment(&self) -> Option<&Segment> {
        match self {
            FitOutcome::Fitted(s) => Some(s),
            FitOutcome::NotFitted { .. } => None,
        }
    }
}
