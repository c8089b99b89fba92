//! Deterministic seeding: every random stream is derived from the granule seed and its position
//! along track, never from thread scheduling.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The random generator of every stream.
pub(crate) type Rng = ChaCha8Rng;

/// Identifies an independent random stream.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    /// Cloud intervals of the granule.
    Clouds,
    /// Telemetry-gap intervals of the granule.
    Empty,
    /// Photons of one block of one beam (beam index 0…5).
    Block(usize),
}

impl Stream {
    fn tag(self) -> u64 {
        match self {
            Self::Clouds => 1,
            Self::Empty => 2,
            // Beam indices are 0…5, so tags never collide with the two above.
            Self::Block(beam) => 16 + beam as u64,
        }
    }
}

/// SplitMix64 finaliser: a bijective 64-bit mixer.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of `stream`, item `index` (block number; 0 for per-granule streams).
pub(crate) fn rng(seed: u64, stream: Stream, index: u64) -> Rng {
    Rng::seed_from_u64(mix(mix(seed ^ mix(stream.tag())) ^ index))
}

/// A uniform number in [0, 1) that depends only on `seed` and `key`.
pub(crate) fn unit(seed: u64, key: u64) -> f64 {
    // 53 high bits give every representable double in [0, 1) with equal spacing.
    (mix(mix(seed) ^ key) >> 11) as f64 / (1u64 << 53) as f64
}
