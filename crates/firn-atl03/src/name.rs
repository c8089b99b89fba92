//! Granule identity from a file name: `ATL03_YYYYMMDDhhmmss_TTTTCCRR_VVV_NN.h5`.
//!
//! The pattern is found anywhere in the name, because subsetters and mirrors add prefixes such as
//! `processed_` (SPEC §6).

use chrono::{DateTime, NaiveDateTime, Utc};

/// What a granule's file name says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GranuleName {
    /// Product, e.g. "ATL03".
    pub product: String,
    /// Acquisition start time (UTC).
    pub start: DateTime<Utc>,
    /// Reference ground track, 1-1387.
    pub rgt: u16,
    /// Cycle number.
    pub cycle: u8,
    /// Granule region within the orbit, 1-14.
    pub region: u8,
    /// Release, e.g. "006".
    pub release: String,
    /// Version of the release, e.g. "01".
    pub version: String,
}

impl GranuleName {
    /// Finds the granule pattern in `name` (a bare file name, a path or a URL); `None` when absent.
    pub fn parse(name: &str) -> Option<Self> {
        let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
        file.match_indices("ATL")
            .find_map(|(at, _)| parse_at(&file[at..]))
    }

    /// The canonical file name, `ATL03_20181014002445_02350104_006_02.h5`.
    pub fn file_name(&self) -> String {
        format!(
            "{}_{}_{:04}{:02}{:02}_{}_{}.h5",
            self.product,
            self.start.format("%Y%m%d%H%M%S"),
            self.rgt,
            self.cycle,
            self.region,
            self.release,
            self.version
        )
    }
}

/// Parses `ATLnn_YYYYMMDDhhmmss_TTTTCCRR_VVV_NN` at the start of `s`.
fn parse_at(s: &str) -> Option<GranuleName> {
    let bytes = s.as_bytes();
    // ATLnn _ 14 digits _ 8 digits _ 3 digits _ 2 digits
    const LEN: usize = 5 + 1 + 14 + 1 + 8 + 1 + 3 + 1 + 2;
    if bytes.len() < LEN {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    let underscores = [5, 20, 29, 33].iter().all(|&i| bytes[i] == b'_');
    if !(underscores
        && digits(3..5)
        && digits(6..20)
        && digits(21..29)
        && digits(30..33)
        && digits(34..36))
    {
        return None;
    }
    if bytes.get(36).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let start = NaiveDateTime::parse_from_str(&s[6..20], "%Y%m%d%H%M%S")
        .ok()?
        .and_utc();
    Some(GranuleName {
        product: s[0..5].to_owned(),
        start,
        rgt: s[21..25].parse().ok()?,
        cycle: s[25..27].parse().ok()?,
        region: s[27..29].parse().ok()?,
        release: s[30..33].to_owned(),
        version: s[34..36].to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_real_name_and_round_trips() {
        let name = GranuleName::parse("ATL03_20181014002445_02350104_006_02.h5").unwrap();
        assert_eq!(name.rgt, 235);
        assert_eq!(name.cycle, 1);
        assert_eq!(name.region, 4);
        assert_eq!(name.release, "006");
        assert_eq!(name.version, "02");
        assert_eq!(name.start.to_rfc3339(), "2018-10-14T00:24:45+00:00");
        assert_eq!(name.file_name(), "ATL03_20181014002445_02350104_006_02.h5");
    }

    #[test]
    fn finds_the_pattern_behind_prefixes_and_paths() {
        let name =
            GranuleName::parse("s3://bucket/x/processed_ATL03_20200101120000_11220605_007_01.h5")
                .unwrap();
        assert_eq!((name.rgt, name.cycle, name.region), (1122, 6, 5));
        assert_eq!(name.release, "007");
    }

    #[test]
    fn rejects_names_without_the_pattern() {
        for bad in [
            "ATL03_gt1l_subset.h5",
            "ATL03_20181314002445_02350104_006_02.h5",
            "ATL03_2018101400244_02350104_006_02.h5",
            "",
        ] {
            assert_eq!(GranuleName::parse(bad), None, "{bad}");
        }
    }
}
