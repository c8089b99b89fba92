//! Inside runs along a track (SPEC §5).

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::error::RegionError;

/// Which inside runs to keep: the request parameter `subset_runs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunMode {
    /// Every run (Firn's default).
    #[default]
    All,
    /// Only the first run (upstream's rule).
    First,
}

/// Splits a track's segments into runs of inside segments.
///
/// `inside[k]` says whether segment `k`'s reference photon is in the region, `has_photons[k]`
/// whether the segment holds any photon (`segment_ph_cnt > 0`).
///
/// A run starts at an inside segment with photons and ends just before the next outside segment
/// with photons (or at the end of the track); segments without photons never start or end a run.
/// So a run always begins with a segment that has photons, contains every segment up to its
/// terminator — including empty segments, inside or outside, in its middle and at its tail — and
/// never contains an outside segment with photons. Empty segments before a run's first segment
/// belong to no run. This is upstream's segment range (first segment, segment count); trailing
/// empty segments add no photon rows and, lying after the run's last photon, no extents.
///
/// ```
/// use firn_region::{RunMode, inside_runs};
/// let inside = [false, true, true, false, false, true, false];
/// let photons = [true, true, true, false, true, true, true];
/// assert_eq!(inside_runs(&inside, &photons, RunMode::All).unwrap(), vec![1..4, 5..6]);
/// assert_eq!(inside_runs(&inside, &photons, RunMode::First).unwrap(), vec![1..4]);
/// ```
pub fn inside_runs(
    inside: &[bool],
    has_photons: &[bool],
    mode: RunMode,
) -> Result<Vec<Range<usize>>, RegionError> {
    if inside.len() != has_photons.len() {
        return Err(RegionError::LengthMismatch {
            what: "inside_runs inside and has_photons",
            left: inside.len(),
            right: has_photons.len(),
        });
    }
    let mut runs = Vec::new();
    let mut start: Option<usize> = None;
    for (k, (&is_in, &full)) in inside.iter().zip(has_photons).enumerate() {
        if !full {
            continue;
        }
        match (start, is_in) {
            (None, true) => start = Some(k),
            (Some(s), false) => {
                runs.push(s..k);
                start = None;
                if mode == RunMode::First {
                    return Ok(runs);
                }
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push(s..inside.len());
    }
    Ok(runs)
}
