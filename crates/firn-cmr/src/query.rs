//! What to search for: collection, region, time range and granule identity, and the CMR query
//! parameters they become.

use chrono::{DateTime, SecondsFormat, Utc};
use firn_region::LatLon;

use crate::error::{Error, Result};

/// NSIDC's cloud provider on CMR, which holds the ICESat-2 products in S3.
pub const DEFAULT_PROVIDER: &str = "NSIDC_CPRD";
/// The ATL03 geolocated photon product.
pub const DEFAULT_SHORT_NAME: &str = "ATL03";
/// Release 006 (SPEC §2).
pub const DEFAULT_VERSION: &str = "006";

/// Highest reference ground track number.
const MAX_RGT: u16 = 1387;
/// Highest granule region within an orbit.
const MAX_REGION: u8 = 14;

/// A granule search: which collection, where, when and which tracks.
///
/// Setters validate nothing; [`CmrClient::search`](crate::CmrClient::search) checks the whole
/// query and names the first bad parameter.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use firn_cmr::{GranuleQuery, LatLon};
/// let poly = [(-108.3, 38.9), (-107.8, 38.9), (-107.8, 39.15), (-108.3, 39.15), (-108.3, 38.9)]
///     .map(|(lon, lat)| LatLon { lat, lon });
/// let query = GranuleQuery::new()
///     .with_version("007")
///     .with_polygon(&poly)
///     .with_t0(Utc.with_ymd_and_hms(2019, 1, 1, 0, 0, 0).unwrap())
///     .with_t1(Utc.with_ymd_and_hms(2019, 12, 31, 0, 0, 0).unwrap())
///     .with_rgt(737);
/// assert_eq!(query.name_pattern().as_deref(), Some("ATL03_??????????????_0737????_*"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GranuleQuery {
    provider: String,
    short_name: String,
    version: String,
    polygon: Option<Vec<LatLon>>,
    t0: Option<DateTime<Utc>>,
    t1: Option<DateTime<Utc>>,
    rgt: Option<u16>,
    cycle: Option<u8>,
    region: Option<u8>,
}

impl Default for GranuleQuery {
    fn default() -> Self {
        Self {
            provider: DEFAULT_PROVIDER.to_owned(),
            short_name: DEFAULT_SHORT_NAME.to_owned(),
            version: DEFAULT_VERSION.to_owned(),
            polygon: None,
            t0: None,
            t1: None,
            rgt: None,
            cycle: None,
            region: None,
        }
    }
}

impl GranuleQuery {
    /// Every ATL03 006 granule at NSIDC_CPRD; narrow it with the setters.
    pub fn new() -> Self {
        Self::default()
    }

    /// The CMR provider (default `NSIDC_CPRD`).
    pub fn with_provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = provider.into();
        self
    }

    /// The collection's short name (default `ATL03`).
    pub fn with_short_name(mut self, short_name: impl Into<String>) -> Self {
        self.short_name = short_name.into();
        self
    }

    /// The release, three digits: `006` (default) or `007`.
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// The region, as upstream's `poly` list (lon/lat degrees, open or closed, either
    /// orientation). It is sent closed and counter-clockwise, simplified when it has more than
    /// `max_polygon_vertices` vertices or when CMR rejects it.
    pub fn with_polygon(mut self, polygon: &[LatLon]) -> Self {
        self.polygon = Some(polygon.to_vec());
        self
    }

    /// Granules that end at or after `t0`.
    pub fn with_t0(mut self, t0: DateTime<Utc>) -> Self {
        self.t0 = Some(t0);
        self
    }

    /// Granules that start at or before `t1`.
    pub fn with_t1(mut self, t1: DateTime<Utc>) -> Self {
        self.t1 = Some(t1);
        self
    }

    /// Only this reference ground track, 1-1387.
    pub fn with_rgt(mut self, rgt: u16) -> Self {
        self.rgt = Some(rgt);
        self
    }

    /// Only this cycle, 1-99.
    pub fn with_cycle(mut self, cycle: u8) -> Self {
        self.cycle = Some(cycle);
        self
    }

    /// Only this granule region within the orbit, 1-14.
    pub fn with_region(mut self, region: u8) -> Self {
        self.region = Some(region);
        self
    }

    /// The collection's short name.
    pub fn short_name(&self) -> &str {
        &self.short_name
    }

    /// The release.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The region polygon as given.
    pub fn polygon(&self) -> Option<&[LatLon]> {
        self.polygon.as_deref()
    }

    /// The `producer_granule_id` pattern for the rgt/cycle/region filters, in CMR's wildcard
    /// syntax (`?` one character, `*` any run): `ATL03_??????????????_TTTTCCRR_*` with `?`s
    /// for each filter not set. `None` when no filter is set.
    pub fn name_pattern(&self) -> Option<String> {
        if self.rgt.is_none() && self.cycle.is_none() && self.region.is_none() {
            return None;
        }
        let rgt = self.rgt.map_or("????".to_owned(), |v| format!("{v:04}"));
        let cycle = self.cycle.map_or("??".to_owned(), |v| format!("{v:02}"));
        let region = self.region.map_or("??".to_owned(), |v| format!("{v:02}"));
        Some(format!(
            "{}_??????????????_{rgt}{cycle}{region}_*",
            self.short_name
        ))
    }

    /// Checks every parameter; the error names the first bad one.
    pub(crate) fn validate(&self) -> Result<()> {
        let identifier = |name: &str, value: &str| {
            if value.is_empty()
                || !value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                Err(Error::invalid(
                    name,
                    format!("{value:?} is not a CMR identifier (letters, digits, '_', '-')"),
                ))
            } else {
                Ok(())
            }
        };
        identifier("provider", &self.provider)?;
        identifier("short_name", &self.short_name)?;
        if self.version.len() != 3 || !self.version.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid(
                "version",
                format!(
                    "{:?} is not a three-digit release such as 006",
                    self.version
                ),
            ));
        }
        if let Some(rgt) = self.rgt
            && !(1..=MAX_RGT).contains(&rgt)
        {
            return Err(Error::invalid(
                "rgt",
                format!("{rgt} is outside 1..={MAX_RGT}"),
            ));
        }
        if let Some(cycle) = self.cycle
            && !(1..=99).contains(&cycle)
        {
            return Err(Error::invalid(
                "cycle",
                format!("{cycle} is outside 1..=99"),
            ));
        }
        if let Some(region) = self.region
            && !(1..=MAX_REGION).contains(&region)
        {
            return Err(Error::invalid(
                "region",
                format!("{region} is outside 1..={MAX_REGION}"),
            ));
        }
        if let (Some(t0), Some(t1)) = (self.t0, self.t1)
            && t1 < t0
        {
            return Err(Error::invalid(
                "t1",
                format!("{} is before t0 {}", iso(t1), iso(t0)),
            ));
        }
        Ok(())
    }

    /// The query parameters other than `polygon`, in the order they are sent.
    pub(crate) fn parameters(&self, page_size: u64) -> Vec<(&'static str, String)> {
        let mut params = vec![
            ("provider", self.provider.clone()),
            ("short_name", self.short_name.clone()),
            ("version", self.version.clone()),
            ("page_size", page_size.to_string()),
            ("sort_key[]", "start_date".to_owned()),
            ("sort_key[]", "producer_granule_id".to_owned()),
        ];
        if self.t0.is_some() || self.t1.is_some() {
            let bound = |t: Option<DateTime<Utc>>| t.map(iso).unwrap_or_default();
            params.push((
                "temporal[]",
                format!("{},{}", bound(self.t0), bound(self.t1)),
            ));
        }
        if let Some(pattern) = self.name_pattern() {
            params.push(("options[producer_granule_id][pattern]", "true".to_owned()));
            params.push(("producer_granule_id[]", pattern));
        }
        params
    }
}

/// ISO 8601 in UTC with a `Z`, fractional seconds only when present.
fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn patterns_fill_unset_fields_with_wildcards() {
        let q = GranuleQuery::new();
        assert_eq!(q.name_pattern(), None);
        assert_eq!(
            q.clone().with_cycle(3).name_pattern().as_deref(),
            Some("ATL03_??????????????_????03??_*")
        );
        assert_eq!(
            q.with_rgt(12)
                .with_cycle(5)
                .with_region(1)
                .name_pattern()
                .as_deref(),
            Some("ATL03_??????????????_00120501_*")
        );
    }

    #[test]
    fn open_ended_temporal_ranges() {
        let t = Utc.with_ymd_and_hms(2020, 2, 3, 4, 5, 6).unwrap();
        let params = GranuleQuery::new().with_t0(t).parameters(10);
        assert!(params.contains(&("temporal[]", "2020-02-03T04:05:06Z,".to_owned())));
        let params = GranuleQuery::new().with_t1(t).parameters(10);
        assert!(params.contains(&("temporal[]", ",2020-02-03T04:05:06Z".to_owned())));
    }

    #[test]
    fn validation_names_the_parameter() {
        let t0 = Utc.with_ymd_and_hms(2020, 1, 2, 0, 0, 0).unwrap();
        let t1 = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
        let cases = [
            (
                GranuleQuery::new().with_rgt(0),
                "rgt: 0 is outside 1..=1387",
            ),
            (
                GranuleQuery::new().with_rgt(1388),
                "rgt: 1388 is outside 1..=1387",
            ),
            (
                GranuleQuery::new().with_cycle(100),
                "cycle: 100 is outside 1..=99",
            ),
            (
                GranuleQuery::new().with_region(15),
                "region: 15 is outside 1..=14",
            ),
            (
                GranuleQuery::new().with_version("6"),
                "version: \"6\" is not a three-digit release such as 006",
            ),
            (
                GranuleQuery::new().with_provider("a&b"),
                "provider: \"a&b\" is not a CMR identifier (letters, digits, '_', '-')",
            ),
            (
                GranuleQuery::new().with_t0(t0).with_t1(t1),
                "t1: 2020-01-01T00:00:00Z is before t0 2020-01-02T00:00:00Z",
            ),
        ];
        for (query, expected) in cases {
            assert_eq!(query.validate().unwrap_err().to_string(), expected);
        }
        GranuleQuery::new()
            .with_rgt(1387)
            .with_cycle(99)
            .with_region(14)
            .with_version("007")
            .validate()
            .unwrap();
    }
}
