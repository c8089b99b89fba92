//! ATL03-like classification of simulated photons: `signal_conf_ph` and a YAPC-like weight.

use rand::RngExt;

use crate::seeds::Rng;

/// Confidence of a surface return: mostly high (4), some medium (3) and low (2).
pub(crate) fn signal_confidence(rng: &mut Rng) -> i8 {
    let u: f64 = rng.random();
    if u < 0.85 {
        4
    } else if u < 0.95 {
        3
    } else {
        2
    }
}

/// Confidence of a background photon `dh` metres from the surface: within 2 m it is sometimes
/// mistaken for signal (2-4), otherwise 1 within 10 m and 0 beyond.
pub(crate) fn noise_confidence(dh: f64, rng: &mut Rng) -> i8 {
    let d = dh.abs();
    if d < 2.0 {
        if rng.random_bool(0.3) {
            rng.random_range(2..=4)
        } else {
            1
        }
    } else if d <= 10.0 {
        1
    } else {
        0
    }
}

/// One `signal_conf_ph` row: `conf` in every considered column, −1 elsewhere.
pub(crate) fn confidence_row(conf: i8, surface_types: &[bool; 5]) -> [i8; 5] {
    surface_types.map(|on| if on { conf } else { -1 })
}

/// YAPC-like score: high for signal, moderate for background near the surface, low elsewhere.
pub(crate) fn weight(signal: bool, dh: f64, rng: &mut Rng) -> u8 {
    let d = dh.abs();
    let w: f64 = if signal {
        let z: f64 = rng.sample(rand_distr::StandardNormal);
        200.0 + 25.0 * z
    } else if d < 2.0 {
        rng.random_range(40.0..180.0)
    } else if d <= 10.0 {
        rng.random_range(10.0..80.0)
    } else {
        rng.random_range(0.0..40.0)
    };
    // Clamped to the u8 range first, so the cast cannot wrap.
    w.round().clamp(0.0, 255.0) as u8
}

/// `quality_ph`: 1 (possible afterpulse) for a small fraction of photons, else 0.
pub(crate) fn quality(rng: &mut Rng) -> i8 {
    i8::from(rng.random_bool(crate::physics::QUALITY_FLAG_FRACTION))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeds::{Stream, rng};

    #[test]
    fn confidence_follows_distance_to_the_surface() {
        let mut r = rng(1, Stream::Block(0), 0);
        for _ in 0..1000 {
            assert_eq!(noise_confidence(25.0, &mut r), 0);
            assert_eq!(noise_confidence(-7.0, &mut r), 1);
            assert!((1..=4).contains(&noise_confidence(0.5, &mut r)));
            assert!((2..=4).contains(&signal_confidence(&mut r)));
        }
        assert_eq!(
            confidence_row(3, &[true, false, false, true, false]),
            [3, -1, -1, 3, -1]
        );
    }

    #[test]
    fn signal_scores_higher_than_far_noise() {
        let mut r = rng(2, Stream::Block(1), 0);
        let n = 2000;
        let sig: f64 = (0..n)
            .map(|_| f64::from(weight(true, 0.0, &mut r)))
            .sum::<f64>()
            / n as f64;
        let far: f64 = (0..n)
            .map(|_| f64::from(weight(false, 20.0, &mut r)))
            .sum::<f64>()
            / n as f64;
        assert!(sig > 150.0 && far < 50.0, "signal {sig}, noise {far}");
    }
}
