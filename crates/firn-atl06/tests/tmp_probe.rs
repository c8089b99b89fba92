#[allow(dead_code)]
mod support;
use firn_atl06::{FitParams, FitOutcome};
use support::sim::{Scene, rng, simulate};
#[test]
fn probe() {
    let scene = Scene { signal_per_shot: 8.0, slope: 0.0, noise_hz: 4e6, noise_half_window: 10.0, canopy: None };
    let mut r = rng(7);
    let mut hist = [0usize; 7];
    let mut np = 0;
    for _ in 0..256 {
        let e = simulate(&scene, &mut r).extent;
        np += e.x.len();
        let mut k = 1;
        while k < 6 {
            let p = FitParams { maxi: k, ..FitParams::default() };
            match e.fit(p) { FitOutcome::Fitted(s) if s.pflags & 4 != 0 => k += 1, _ => break }
        }
        hist[k as usize] += 1;
    }
    eprintln!("fits needed histogram {hist:?}, mean photons {}", np / 256);
}
