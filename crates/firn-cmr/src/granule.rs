//! CMR's `granules.json` entries and the granules made of them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use firn_region::LatLon;

use crate::footprint::{BoundingBox, Footprint};

/// The bucket NSIDC keeps ICESat-2 granules in (us-west-2).
pub const NSIDC_BUCKET: &str = "nsidc-cumulus-prod-protected";

/// One granule found on CMR.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct CmrGranule {
    /// The file name, e.g. `ATL03_20181014001049_02350102_006_02.h5` (CMR's
    /// `producer_granule_id`, else its `title`).
    pub name: String,
    /// The `s3://` URL of the HDF5 file: CMR's S3 link, else
    /// `s3://nsidc-cumulus-prod-protected/ATLAS/<short_name>/<VVV>/<YYYY>/<MM>/<DD>/<name>`.
    pub s3_url: String,
    /// The `https://` download URL of the HDF5 file, when CMR lists one.
    pub https_url: Option<String>,
    /// Start of acquisition.
    pub time_start: DateTime<Utc>,
    /// End of acquisition.
    pub time_end: DateTime<Utc>,
    /// Where the photons lie.
    pub footprint: Footprint,
}

/// `{"feed": {"entry": [...]}}`.
#[derive(Deserialize)]
pub(crate) struct Feed {
    feed: FeedBody,
}

#[derive(Deserialize)]
struct FeedBody {
    #[serde(default)]
    entry: Vec<Entry>,
}

/// The fields of a granule entry Firn uses (CMR sends many more).
#[derive(Deserialize)]
struct Entry {
    producer_granule_id: Option<String>,
    title: Option<String>,
    time_start: Option<String>,
    time_end: Option<String>,
    #[serde(default)]
    links: Vec<Link>,
    #[serde(default)]
    polygons: Vec<Vec<String>>,
    #[serde(default)]
    boxes: Vec<String>,
}

#[derive(Deserialize)]
struct Link {
    href: String,
    #[serde(default)]
    rel: String,
    #[serde(default)]
    inherited: bool,
}

impl Feed {
    /// Parses a page; the message says what is wrong (serde's line and column, or the granule
    /// and field).
    pub(crate) fn parse(body: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(body).map_err(|e| format!("not a CMR granules.json feed: {e}"))
    }

    /// The entries as granules; `short_name` and `version` serve to derive S3 URLs.
    pub(crate) fn granules(
        self,
        short_name: &str,
        version: &str,
    ) -> Result<Vec<CmrGranule>, String> {
        self.feed
            .entry
            .into_iter()
            .enumerate()
            .map(|(i, entry)| {
                entry
                    .granule(short_name, version)
                    .map_err(|m| format!("entry {i}: {m}"))
            })
            .collect()
    }

    /// Entries on this page.
    pub(crate) fn len(&self) -> usize {
        self.feed.entry.len()
    }
}

impl Entry {
    fn granule(self, short_name: &str, version: &str) -> Result<CmrGranule, String> {
        let name = self
            .producer_granule_id
            .filter(|s| !s.is_empty())
            .or(self.title.filter(|s| !s.is_empty()))
            .ok_or("neither producer_granule_id nor title")?;
        let in_granule = |m: String| format!("granule {name}: {m}");
        let time = |field: &str, value: Option<String>| -> Result<DateTime<Utc>, String> {
            let text = value.ok_or_else(|| in_granule(format!("no {field}")))?;
            DateTime::parse_from_rfc3339(&text)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| in_granule(format!("{field} {text:?}: {e}")))
        };
        let time_start = time("time_start", self.time_start)?;
        let time_end = time("time_end", self.time_end)?;
        if time_end < time_start {
            return Err(in_granule("time_end is before time_start".into()));
        }
        let data: Vec<&Link> = self
            .links
            .iter()
            .filter(|l| !l.inherited && l.href.ends_with(".h5"))
            .collect();
        let s3_url = data
            .iter()
            .find(|l| l.rel.ends_with("/s3#") && l.href.starts_with("s3://"))
            .or_else(|| data.iter().find(|l| l.href.starts_with("s3://")))
            .map(|l| l.href.clone())
            .unwrap_or_else(|| derived_s3_url(&name, short_name, version, time_start));
        let https_url = data
            .iter()
            .find(|l| l.rel.ends_with("/data#") && l.href.starts_with("https://"))
            .map(|l| l.href.clone());
        let polygons = self
            .polygons
            .iter()
            .map(|rings| {
                rings
                    .iter()
                    .map(|r| parse_ring(r))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| in_granule(format!("polygons: {m}")))?;
        let boxes = self
            .boxes
            .iter()
            .map(|b| parse_box(b))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| in_granule(format!("boxes: {m}")))?;
        Ok(CmrGranule {
            name,
            s3_url,
            https_url,
            time_start,
            time_end,
            footprint: Footprint::new(polygons, boxes),
        })
    }
}

/// The `s3://` URL of a granule in NSIDC's bucket from its file name alone, by NSIDC's layout
/// (`ATL03_20191113010203_07370502_006_01.h5` →
/// `s3://nsidc-cumulus-prod-protected/ATLAS/ATL03/006/2019/11/13/ATL03_20191113010203_07370502_006_01.h5`);
/// `None` when the name is not `<product>_YYYYMMDDhhmmss_<track>_VVV_NN.h5`.
///
/// ```
/// assert_eq!(
///     firn_cmr::nsidc_s3_url("ATL03_20191113010203_07370502_006_01.h5").as_deref(),
///     Some("s3://nsidc-cumulus-prod-protected/ATLAS/ATL03/006/2019/11/13/ATL03_20191113010203_07370502_006_01.h5")
/// );
/// assert_eq!(firn_cmr::nsidc_s3_url("notes.txt"), None);
/// ```
pub fn nsidc_s3_url(file_name: &str) -> Option<String> {
    let stem = file_name.strip_suffix(".h5")?;
    let fields: Vec<&str> = stem.split('_').collect();
    let [product, stamp, track, release, revision] = fields[..] else {
        return None;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if product.is_empty() || !digits(stamp, 14) || !digits(track, 8) || !digits(release, 3) {
        return None;
    }
    if !digits(revision, 2) {
        return None;
    }
    let day = NaiveDate::parse_from_str(&stamp[..8], "%Y%m%d").ok()?;
    let start = day.and_hms_opt(0, 0, 0)?.and_utc();
    Some(derived_s3_url(file_name, product, release, start))
}

/// NSIDC's layout: `s3://<bucket>/ATLAS/<short_name>/<VVV>/<YYYY>/<MM>/<DD>/<name>`, the date
/// and release taken from the name (`ATL03_YYYYMMDDhhmmss_TTTTCCRR_VVV_NN.h5`) when it has them,
/// else from `time_start` and the query.
fn derived_s3_url(name: &str, short_name: &str, version: &str, start: DateTime<Utc>) -> String {
    let file = if name.ends_with(".h5") {
        name.to_owned()
    } else {
        format!("{name}.h5")
    };
    let fields: Vec<&str> = file.trim_end_matches(".h5").split('_').collect();
    let date = fields
        .get(1)
        .and_then(|stamp| stamp.get(..8))
        .and_then(|ymd| NaiveDate::parse_from_str(ymd, "%Y%m%d").ok())
        .unwrap_or_else(|| start.date_naive());
    let release = fields
        .get(3)
        .filter(|v| v.len() == 3 && v.bytes().all(|b| b.is_ascii_digit()))
        .copied()
        .unwrap_or(version);
    format!(
        "s3://{NSIDC_BUCKET}/ATLAS/{short_name}/{release}/{}/{file}",
        date.format("%Y/%m/%d")
    )
}

/// `"lat lon lat lon ..."` → vertices.
fn parse_ring(text: &str) -> Result<Vec<LatLon>, String> {
    let numbers = parse_numbers(text)?;
    if numbers.len() % 2 != 0 || numbers.len() < 6 {
        return Err(format!(
            "{} numbers; a ring needs an even count of at least 6 (lat lon pairs)",
            numbers.len()
        ));
    }
    Ok(numbers
        .chunks_exact(2)
        .map(|p| LatLon {
            lat: p[0],
            lon: p[1],
        })
        .collect())
}

/// `"S W N E"` → a box.
fn parse_box(text: &str) -> Result<BoundingBox, String> {
    match parse_numbers(text)?[..] {
        [south, west, north, east] => Ok(BoundingBox {
            south,
            west,
            north,
            east,
        }),
        ref other => Err(format!("{} numbers; a box has 4 (S W N E)", other.len())),
    }
}

fn parse_numbers(text: &str) -> Result<Vec<f64>, String> {
    text.split_whitespace()
        .map(|t| {
            t.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("{t:?} is not a number"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const ENTRY: &str = r#"{"feed": {"entry": [{
        "producer_granule_id": "ATL03_20181014001049_02350102_006_02.h5",
        "title": "SC:ATL03.006:253215464",
        "time_start": "2018-10-14T00:10:49.722Z",
        "time_end": "2018-10-14T00:19:19.918Z",
        "links": [
            {"rel": "http://esipfed.org/ns/fedsearch/1.1/data#", "type": "application/x-hdf5",
             "href": "https://data.nsidc.earthdatacloud.nasa.gov/nsidc-cumulus-prod-protected/ATLAS/ATL03/006/2018/10/14/ATL03_20181014001049_02350102_006_02.h5"},
            {"rel": "http://esipfed.org/ns/fedsearch/1.1/s3#",
             "href": "s3://nsidc-cumulus-prod-protected/ATLAS/ATL03/006/2018/10/14/ATL03_20181014001049_02350102_006_02.h5"},
            {"rel": "http://esipfed.org/ns/fedsearch/1.1/metadata#",
             "href": "s3://nsidc-cumulus-prod-protected/ATLAS/ATL03/006/2018/10/14/ATL03_20181014001049_02350102_006_02.iso.xml"},
            {"rel": "http://esipfed.org/ns/fedsearch/1.1/data#", "inherited": true,
             "href": "https://nsidc.org/data/ATL03/versions/6/x.h5"}
        ],
        "polygons": [["59.5 -39.1 27.0 -47.6 27.0 -47.5 59.5 -39.0 59.5 -39.1"]],
        "boxes": ["27.0 -47.6 59.5 -39.0"]
    }]}}"#;

    #[test]
    fn entries_become_granules() {
        let granules = Feed::parse(ENTRY.as_bytes())
            .unwrap()
            .granules("ATL03", "006")
            .unwrap();
        assert_eq!(granules.len(), 1);
        let g = &granules[0];
        assert_eq!(g.name, "ATL03_20181014001049_02350102_006_02.h5");
        assert_eq!(
            g.s3_url,
            "s3://nsidc-cumulus-prod-protected/ATLAS/ATL03/006/2018/10/14/ATL03_20181014001049_02350102_006_02.h5"
        );
        assert!(
            g.https_url
                .as_deref()
                .unwrap()
                .starts_with("https://data.nsidc.earthdatacloud.nasa.gov/")
        );
        assert_eq!(
            g.time_start,
            Utc.with_ymd_and_hms(2018, 10, 14, 0, 10, 49).unwrap()
                + chrono::Duration::milliseconds(722)
        );
        assert_eq!(
            g.footprint.polygons[0][0][1],
            LatLon {
                lat: 27.0,
                lon: -47.6
            }
        );
        assert_eq!(g.footprint.polygons[0][0].len(), 5);
        assert_eq!(
            g.footprint.boxes[0],
            BoundingBox {
                south: 27.0,
                west: -47.6,
                north: 59.5,
                east: -39.0
            }
        );
    }

    #[test]
    fn s3_url_is_derived_when_cmr_has_none() {
        let start = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(
            derived_s3_url(
                "ATL03_20191231235959_01020605_007_01.h5",
                "ATL03",
                "006",
                start
            ),
            "s3://nsidc-cumulus-prod-protected/ATLAS/ATL03/007/2019/12/31/ATL03_20191231235959_01020605_007_01.h5",
            "date and release come from the name"
        );
        assert_eq!(
            derived_s3_url("odd_name", "ATL03", "006", start),
            "s3://nsidc-cumulus-prod-protected/ATLAS/ATL03/006/2020/01/01/odd_name.h5"
        );
    }

    #[test]
    fn malformed_entries_are_named() {
        let cases = [
            (
                r#"{"feed": {"entry": [{"title": "A", "time_end": "2020-01-01T00:00:00Z"}]}}"#,
                "entry 0: granule A: no time_start",
            ),
            (
                r#"{"feed": {"entry": [{"title": "A", "time_start": "yesterday", "time_end": "2020-01-01T00:00:00Z"}]}}"#,
                "entry 0: granule A: time_start \"yesterday\": premature end of input",
            ),
            (
                r#"{"feed": {"entry": [{"title": "A", "time_start": "2020-01-01T00:00:00Z", "time_end": "2020-01-01T00:00:00Z", "boxes": ["1 2 3"]}]}}"#,
                "entry 0: granule A: boxes: 3 numbers; a box has 4 (S W N E)",
            ),
            (
                r#"{"feed": {"entry": [{"title": "A", "time_start": "2020-01-01T00:00:00Z", "time_end": "2020-01-01T00:00:00Z", "polygons": [["1 2 3 x 5 6"]]}]}}"#,
                "entry 0: granule A: polygons: \"x\" is not a number",
            ),
            (
                r#"{"feed": {"entry": [{"time_start": "2020-01-01T00:00:00Z"}]}}"#,
                "entry 0: neither producer_granule_id nor title",
            ),
        ];
        for (body, expected) in cases {
            let err = Feed::parse(body.as_bytes())
                .unwrap()
                .granules("ATL03", "006")
                .unwrap_err();
            assert_eq!(err, expected);
        }
        let err = Feed::parse(b"{\"feed\": {\"entry\": [").err().unwrap();
        assert_eq!(
            err,
            "not a CMR granules.json feed: EOF while parsing a list at line 1 column 20"
        );
    }
}
