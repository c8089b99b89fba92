//! Fits the benchmark's extents `reps` times, for instruction counts under callgrind, which are
//! exact and repeatable where timings on a shared machine are not:
//!
//! ```text
//! cargo build --release -p firn-atl06 --example instructions
//! valgrind --tool=callgrind --toggle-collect='*fit_all*' \
//!     $CARGO_TARGET_DIR/release/examples/instructions strong 10
//! ```
//!
//! "Collected" / (reps · 256) is the instruction count per segment (`weak` for the weak beam).

use std::hint::black_box;

use firn_atl06::{ExtentPhotons, FitParams, FitScratch, Fitter};

#[allow(dead_code)] // the example uses part of the test helpers
#[path = "../tests/support/mod.rs"]
mod support;

use support::sim::{Scene, rng, simulate};

/// The benchmark's scenes (`benches/fit.rs`): 256 extents, seed 7.
fn scene(name: &str) -> Option<Scene> {
    let strong = Scene {
        signal_per_shot: 8.0,
        slope: 0.0,
        noise_hz: 4e6,
        noise_half_window: 10.0,
        canopy: None,
    };
    match name {
        "strong" => Some(strong),
        "weak" => Some(Scene {
            signal_per_shot: 2.0,
            noise_hz: 1e6,
            ..strong
        }),
        _ => None,
    }
}

/// The measured loop: one fit per extent.
#[inline(never)]
fn fit_all(fitter: &Fitter, extents: &[ExtentPhotons<'_>], scratch: &mut FitScratch) {
    for e in extents {
        black_box(fitter.fit_extent(black_box(e), scratch).ok());
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: instructions strong|weak [reps]";
    let Some(scene) = args.first().and_then(|s| scene(s)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let Ok(reps) = args.get(1).map_or(Ok(10), |s| s.parse::<usize>()) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let mut r = rng(7);
    let owned: Vec<_> = (0..256).map(|_| simulate(&scene, &mut r).extent).collect();
    let extents: Vec<_> = owned.iter().map(|e| e.view()).collect();
    let fitter = Fitter::new(FitParams::default()).expect("default parameters are valid");
    let mut scratch = FitScratch::new();
    for _ in 0..reps {
        fit_all(&fitter, &extents, &mut scratch);
    }
}
