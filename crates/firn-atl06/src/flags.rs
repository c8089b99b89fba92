//! pflags bits and the drop rule (SPEC §7).

use crate::record::{FitOutcome, Segment};

/// pflags 0x1: along-track spread too short (or a singular fit).
pub const SPREAD_TOO_SHORT: u16 = 0x1;
/// pflags 0x2: too few photons.
pub const TOO_FEW_PHOTONS: u16 = 0x2;
/// pflags 0x4: the maximum number of fits (`maxi`) was reached; the segment stays valid.
pub const MAX_ITERATIONS: u16 = 0x4;
/// pflags 0x8: the robust-spread indices fell out of bounds.
pub const OUT_OF_BOUNDS: u16 = 0x8;
/// The bits that make a segment invalid: 0x1, 0x2 and 0x8.
pub const INVALID_MASK: u16 = SPREAD_TOO_SHORT | TOO_FEW_PHOTONS | OUT_OF_BOUNDS;

/// True when `pflags` holds a bit that makes a segment invalid (0x1, 0x2 or 0x8).
pub fn is_invalid(pflags: u16) -> bool {
    pflags & INVALID_MASK != 0
}

/// The drop rule: which outcomes give an output row, and what the row holds.
///
/// - A fitted, valid segment (pflags 0 or 0x4) is kept with its values.
/// - A fitted, invalid segment (0x1, 0x2 or 0x8) is dropped, unless `pass_invalid`; then it is kept
///   with `rms_misfit` and `h_sigma` set to NaN (they do not measure a surface).
/// - An extent that was not fitted gives no row.
pub fn apply_drop_rule(outcome: FitOutcome, pass_invalid: bool) -> Option<Segment> {
    match outcome {
        FitOutcome::Fitted(seg) if !is_invalid(seg.pflags) => Some(seg),
        FitOutcome::Fitted(seg) if pass_invalid => Some(Segment {
            rms_misfit: f32::NAN,
            h_sigma: f32::NAN,
            ..seg
        }),
        FitOutcome::Fitted(_) | FitOutcome::NotFitted { .. } => None,
    }
}
