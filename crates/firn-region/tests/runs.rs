//! Inside runs along a straight track through a concave (U-shaped) region.

use std::ops::Range;

use firn_region::{LatLon, Region, RegionError, RunMode, inside_runs};

/// A U open to the north: arms lon 0…1 and 2…3, joined by a base lat 0…1; lat up to 4.
fn u_shape() -> Region {
    let pts = [
        (0.0, 0.0),
        (3.0, 0.0),
        (3.0, 4.0),
        (2.0, 4.0),
        (2.0, 1.0),
        (1.0, 1.0),
        (1.0, 4.0),
        (0.0, 4.0),
        (0.0, 0.0),
    ];
    Region::from_poly(&pts.map(|(lon, lat)| LatLon { lat, lon })).unwrap()
}

/// Segment reference points along a west→east track at lat 2.5, lon -0.95, -0.85, …, 3.95
/// (segment k at lon -0.95 + 0.1·k; no point falls on an edge).
fn track() -> Vec<(f64, f64)> {
    (0..50).map(|k| (-0.95 + 0.1 * k as f64, 2.5)).collect()
}

fn inside_flags(region: &Region) -> Vec<bool> {
    let prepared = region.prepare();
    track()
        .iter()
        .map(|&(lon, lat)| prepared.contains(lon, lat))
        .collect()
}

#[test]
fn track_through_u_leaves_and_reenters() {
    let inside = inside_flags(&u_shape());
    // Expected from the geometry: west arm lon 0…1 is segments 10..20, east arm 2…3 is 30..40.
    let expected: Vec<bool> = (0..50)
        .map(|k| (10..20).contains(&k) || (30..40).contains(&k))
        .collect();
    assert_eq!(inside, expected);
    let photons = vec![true; inside.len()];
    assert_eq!(
        inside_runs(&inside, &photons, RunMode::All).unwrap(),
        vec![10..20, 30..40]
    );
    assert_eq!(
        inside_runs(&inside, &photons, RunMode::First).unwrap(),
        vec![10..20]
    );
}

#[test]
fn empty_segments_at_run_edges() {
    let inside = inside_flags(&u_shape());
    let mut photons = vec![true; inside.len()];
    // Leading empty inside segments never start a run: the first run starts at 12.
    photons[10] = false;
    photons[11] = false;
    // Empty outside segments after the arm do not end it: it ends at 23, the first outside
    // segment with photons, and keeps the empty 20..23 (no photons, so no extra rows).
    for p in &mut photons[20..23] {
        *p = false;
    }
    // An empty inside segment in the middle of a run neither splits nor ends it.
    photons[35] = false;
    // Trailing empty segments at the end of the east arm and beyond: the run reaches 41,
    // the first outside segment with photons.
    photons[39] = false;
    photons[40] = false;
    let runs = inside_runs(&inside, &photons, RunMode::All).unwrap();
    assert_eq!(runs, vec![12..23, 30..41]);
    // No run holds an outside segment with photons, and each starts with an inside one with photons.
    for r in &runs {
        assert!(inside[r.start] && photons[r.start]);
        assert!(r.clone().all(|k| inside[k] || !photons[k]));
    }
    assert_eq!(
        inside_runs(&inside, &photons, RunMode::First).unwrap(),
        vec![12..23]
    );
}

#[test]
fn run_reaching_the_end_of_the_track() {
    let inside = [false, true, true, false, false];
    let photons = [true, true, true, false, false];
    // The outside tail is empty, so nothing ends the run: it runs to the end of the track.
    assert_eq!(
        inside_runs(&inside, &photons, RunMode::All).unwrap(),
        vec![1..5]
    );
}

#[test]
fn no_inside_segment_with_photons_gives_no_run() {
    let inside = [false, true, true, false];
    let photons = [true, false, false, true];
    let none: Vec<Range<usize>> = Vec::new();
    assert_eq!(inside_runs(&inside, &photons, RunMode::All).unwrap(), none);
    assert_eq!(inside_runs(&[], &[], RunMode::First).unwrap(), none);
}

#[test]
fn mismatched_lengths() {
    let err = inside_runs(&[true], &[true, false], RunMode::All).unwrap_err();
    assert!(
        matches!(
            err,
            RegionError::LengthMismatch {
                left: 1,
                right: 2,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn run_mode_spellings() {
    assert_eq!(
        serde_json::from_str::<RunMode>(r#""all""#).unwrap(),
        RunMode::All
    );
    assert_eq!(
        serde_json::from_str::<RunMode>(r#""first""#).unwrap(),
        RunMode::First
    );
    assert_eq!(RunMode::default(), RunMode::All);
}
