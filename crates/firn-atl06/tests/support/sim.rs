//! A small seeded simulator of one extent's photons, for statistical tests and benchmarks.
//!
//! 40 m extent, shots 0.7 m apart (7 km/s, 10 kHz). Per shot: Poisson signal photons, each from a
//! ground point N(0, 4.25 m) along and across the shot centre, its height the surface there plus
//! N(0, (c/2)·0.68 ns); the reported x is the shot centre, which turns slope into height spread.
//! Background: per shot, Poisson(rate · 2·(2H)/c) photons uniform over ±H around the surface at
//! the shot centre, the count that the fit's density model (N_pulses · rate / (c/2) per metre)
//! expects.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Poisson};

use super::{Owned, T0};

const C: f64 = 299_792_458.0;
/// Extent length (m).
pub(crate) const LEN: f64 = 40.0;
/// Shot spacing (m).
pub(crate) const SHOT: f64 = 0.7;
/// Ground speed (m/s).
pub(crate) const SPEED: f64 = 7000.0;

/// What the simulated ground looks like.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scene {
    /// Mean signal photons per shot from the ground.
    pub(crate) signal_per_shot: f64,
    /// Along-track slope of the ground.
    pub(crate) slope: f64,
    /// Background rate (Hz).
    pub(crate) noise_hz: f64,
    /// Half-height of the telemetry window (m).
    pub(crate) noise_half_window: f64,
    /// A second surface: (height above the ground in m, mean photons per shot).
    pub(crate) canopy: Option<(f64, f64)>,
}

impl Scene {
    /// Strong beam, 8 photons per shot, flat, no background.
    pub(crate) fn strong_flat() -> Scene {
        Scene {
            signal_per_shot: 8.0,
            slope: 0.0,
            noise_hz: 0.0,
            noise_half_window: 15.0,
            canopy: None,
        }
    }
}

/// One simulated extent and its truth.
#[derive(Debug, Clone)]
pub(crate) struct SimExtent {
    /// The photons (x relative to the centre).
    pub(crate) extent: Owned,
    /// Ground height at the centre.
    pub(crate) truth_h: f64,
}

/// A seeded generator.
pub(crate) fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> u64 {
    match Poisson::new(mean) {
        Ok(d) => d.sample(rng) as u64,
        Err(_) => 0, // mean 0: no photons
    }
}

/// Simulates one extent of `scene`.
pub(crate) fn simulate(scene: &Scene, rng: &mut ChaCha8Rng) -> SimExtent {
    let unit = Normal::new(0.0, 1.0).expect("unit normal");
    let pulse = C / 2.0 * 0.68e-9;
    let truth_h: f64 = rng.random_range(-500.0..3000.0);
    let ground = |x: f64| truth_h + scene.slope * x;
    let noise_mean = scene.noise_hz * 2.0 * (2.0 * scene.noise_half_window) / C;
    let (mut x, mut h, mut y) = (Vec::new(), Vec::new(), Vec::new());
    let mut shot = -LEN / 2.0 + rng.random::<f64>() * SHOT;
    while shot < LEN / 2.0 {
        let layers = [(0.0, scene.signal_per_shot)]
            .into_iter()
            .chain(scene.canopy);
        for (above, mean) in layers {
            for _ in 0..poisson(rng, mean) {
                let along: f64 = 4.25 * unit.sample(rng);
                let across: f64 = 4.25 * unit.sample(rng);
                x.push(shot);
                h.push(ground(shot + along) + above + pulse * unit.sample(rng));
                y.push(45.0 + across);
            }
        }
        for _ in 0..poisson(rng, noise_mean) {
            let hn = scene.noise_half_window;
            x.push(shot);
            h.push(ground(shot) + rng.random_range(-hn..hn));
            y.push(45.0);
        }
        shot += SHOT;
    }
    let mut extent = Owned::new(&x, &h, scene.noise_hz);
    extent.y = y;
    extent.time = x.iter().map(|x| T0 + x / SPEED).collect();
    extent.meta.speed = SPEED;
    SimExtent { extent, truth_h }
}

/// Mean and (sample) standard deviation.
pub(crate) fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|a| (a - mean) * (a - mean)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}
