//! The six beams: names, tracks, pairs, ground-track codes and spots.

use std::fmt;
use std::str::FromStr;

/// One of the six ATLAS ground tracks, `gt1l` … `gt3r`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Beam {
    /// Track 1, left.
    Gt1l,
    /// Track 1, right.
    Gt1r,
    /// Track 2, left.
    Gt2l,
    /// Track 2, right.
    Gt2r,
    /// Track 3, left.
    Gt3l,
    /// Track 3, right.
    Gt3r,
}

/// Spacecraft orientation (`/orbit_info/sc_orient`), which decides which beams are strong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// 0: backward.
    Backward,
    /// 1: forward.
    Forward,
    /// 2 (or unknown): in transition; spots are 0.
    Transition,
}

impl Orientation {
    /// From the stored `sc_orient` value; anything but 0 or 1 is a transition.
    pub fn from_sc_orient(value: i64) -> Self {
        match value {
            0 => Self::Backward,
            1 => Self::Forward,
            _ => Self::Transition,
        }
    }
}

impl Beam {
    /// All six, in file order.
    pub const ALL: [Beam; 6] = [
        Beam::Gt1l,
        Beam::Gt1r,
        Beam::Gt2l,
        Beam::Gt2r,
        Beam::Gt3l,
        Beam::Gt3r,
    ];

    /// The group name, e.g. "gt1l".
    pub fn name(self) -> &'static str {
        ["gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"][self.index()]
    }

    /// Position 0-5 in [`Beam::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Track 1, 2 or 3.
    pub fn track(self) -> u8 {
        (self.index() / 2) as u8 + 1
    }

    /// Pair side: 0 for left, 1 for right.
    pub fn pair(self) -> u8 {
        (self.index() % 2) as u8
    }

    /// The ground-track code 10, 20, … 60.
    pub fn gt(self) -> u8 {
        (self.index() as u8 + 1) * 10
    }

    /// The beam with code 10…60.
    pub fn from_gt(gt: i64) -> Option<Self> {
        (gt % 10 == 0 && (10..=60).contains(&gt)).then(|| Self::ALL[(gt / 10 - 1) as usize])
    }

    /// The other beam of the same track.
    pub fn partner(self) -> Beam {
        Self::ALL[self.index() ^ 1]
    }

    /// The ATLAS spot 1-6 (0 in transition): backward gives 1…6 for gt1l…gt3r, forward 6…1.
    pub fn spot(self, orientation: Orientation) -> u8 {
        match orientation {
            Orientation::Backward => self.index() as u8 + 1,
            Orientation::Forward => 6 - self.index() as u8,
            Orientation::Transition => 0,
        }
    }

    /// Whether the beam is strong (spots 1, 3, 5); `None` in transition.
    pub fn is_strong(self, orientation: Orientation) -> Option<bool> {
        match self.spot(orientation) {
            0 => None,
            spot => Some(spot % 2 == 1),
        }
    }
}

impl fmt::Display for Beam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A string that is not a beam name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown beam {0:?}: expected gt1l, gt1r, gt2l, gt2r, gt3l or gt3r")]
pub struct UnknownBeam(pub String);

impl FromStr for Beam {
    type Err = UnknownBeam;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownBeam(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spots_follow_the_orientation() {
        let backward: Vec<u8> = Beam::ALL
            .iter()
            .map(|b| b.spot(Orientation::Backward))
            .collect();
        let forward: Vec<u8> = Beam::ALL
            .iter()
            .map(|b| b.spot(Orientation::Forward))
            .collect();
        assert_eq!(backward, [1, 2, 3, 4, 5, 6]);
        assert_eq!(forward, [6, 5, 4, 3, 2, 1]);
        assert_eq!(Beam::Gt1l.is_strong(Orientation::Backward), Some(true));
        assert_eq!(Beam::Gt1l.is_strong(Orientation::Forward), Some(false));
        assert_eq!(Beam::Gt1r.is_strong(Orientation::Forward), Some(true));
        assert_eq!(Beam::Gt2l.spot(Orientation::Transition), 0);
    }

    #[test]
    fn codes_tracks_and_pairs() {
        assert_eq!(Beam::Gt2r.gt(), 40);
        assert_eq!(Beam::Gt2r.track(), 2);
        assert_eq!(Beam::Gt2r.pair(), 1);
        assert_eq!(Beam::Gt2r.partner(), Beam::Gt2l);
        assert_eq!(Beam::from_gt(50), Some(Beam::Gt3l));
        assert_eq!(Beam::from_gt(55), None);
        assert_eq!("GT3R".parse::<Beam>(), Ok(Beam::Gt3r));
        assert!("gt4l".parse::<Beam>().is_err());
    }
}
