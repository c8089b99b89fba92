//! The six ATLAS beams, their across-track placement and strong/weak role.

use crate::physics::{BEAM_SPACING_M, PAIR_SPACING_M};

/// One of the six ground-track beams (`gt1l` … `gt3r`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Beam {
    /// Pair 1, left.
    Gt1l,
    /// Pair 1, right.
    Gt1r,
    /// Pair 2, left.
    Gt2l,
    /// Pair 2, right.
    Gt2r,
    /// Pair 3, left.
    Gt3l,
    /// Pair 3, right.
    Gt3r,
}

/// Spacecraft orientation, as `/orbit_info/sc_orient` stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ScOrient {
    /// 0: backward; the left beam of each pair is strong.
    #[default]
    Backward,
    /// 1: forward; the right beam of each pair is strong.
    Forward,
    /// 2: transition (yaw flip). Spots are 0; the backward strong/weak pattern is simulated.
    Transition,
}

impl ScOrient {
    /// The value stored in `/orbit_info/sc_orient`.
    pub fn code(self) -> i8 {
        match self {
            Self::Backward => 0,
            Self::Forward => 1,
            Self::Transition => 2,
        }
    }
}

impl Beam {
    /// All six beams in file order.
    pub const ALL: [Beam; 6] = [
        Beam::Gt1l,
        Beam::Gt1r,
        Beam::Gt2l,
        Beam::Gt2r,
        Beam::Gt3l,
        Beam::Gt3r,
    ];

    /// The group name, e.g. `"gt2r"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Gt1l => "gt1l",
            Self::Gt1r => "gt1r",
            Self::Gt2l => "gt2l",
            Self::Gt2r => "gt2r",
            Self::Gt3l => "gt3l",
            Self::Gt3r => "gt3r",
        }
    }

    /// Position in [`Beam::ALL`] (0 … 5).
    pub fn index(self) -> usize {
        match self {
            Self::Gt1l => 0,
            Self::Gt1r => 1,
            Self::Gt2l => 2,
            Self::Gt2r => 3,
            Self::Gt3l => 4,
            Self::Gt3r => 5,
        }
    }

    /// The `gt` code used in output rows: 10, 20, … 60 for gt1l … gt3r.
    pub fn gt(self) -> u8 {
        // index() is at most 5, so this cannot overflow.
        10 * (self.index() as u8 + 1)
    }

    /// Track (pair) number 1, 2 or 3.
    pub fn track(self) -> u8 {
        (self.index() / 2) as u8 + 1
    }

    /// True for the right beam of a pair.
    pub fn is_right(self) -> bool {
        self.index() % 2 == 1
    }

    /// Laser spot 1 … 6 for this beam and orientation (0 in transition), per SPEC §2.
    pub fn spot(self, orient: ScOrient) -> u8 {
        let i = self.index() as u8;
        match orient {
            ScOrient::Backward => i + 1,
            ScOrient::Forward => 6 - i,
            ScOrient::Transition => 0,
        }
    }

    /// Strong beams are spots 1, 3, 5; in transition the backward pattern is used.
    pub fn is_strong(self, orient: ScOrient) -> bool {
        match orient {
            ScOrient::Forward => self.is_right(),
            ScOrient::Backward | ScOrient::Transition => !self.is_right(),
        }
    }

    /// Across-track offset of this beam's ground track from the reference ground track (m),
    /// positive to the right of the direction of travel: pairs at −3.3 km, 0, +3.3 km, the two
    /// beams of a pair 90 m apart.
    pub fn across_track_m(self) -> f64 {
        let pair_centre = (f64::from(self.track()) - 2.0) * PAIR_SPACING_M;
        let half = BEAM_SPACING_M / 2.0;
        if self.is_right() {
            pair_centre + half
        } else {
            pair_centre - half
        }
    }
}

impl std::fmt::Display for Beam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
