//! Request parameters (SPEC §4): SlideRule's names, parsed and validated before any work.
//!
//! One validator serves the command line, the HTTP service and Rust callers: a JSON object of
//! parameters becomes a [`Parameters`] value or a [`ParamError`] that names the parameter.

mod error;
mod values;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use firn_atl03::extents::ExtentGrid;
use firn_atl03::filters::{ConfidenceSet, PhotonFilter, QualitySet, SurfaceType};
use firn_atl03::name::GranuleName;
use firn_atl03::{Beam, ExtractParams, RegionFilter, RunMode};
use firn_atl06::{FitParams, ParamKey};
use firn_region::{LatLon, Projection, Region, RegionMask, RegionMaskSpec, to_region};
use serde_json::{Map, Value};

pub(crate) use error::ParamError;
use values::{as_bool, as_f64, as_i64, as_str};

/// Keys of the `yapc` block that upstream defines; only `score` changes what Firn does.
const YAPC_KEYS: [&str; 6] = ["score", "version", "knn", "min_knn", "win_h", "win_x"];

/// Validated request parameters.
#[derive(Debug, Clone)]
pub(crate) struct Parameters {
    /// What to read from each beam and how to grid it.
    pub(crate) extract: ExtractParams,
    /// How to fit each extent.
    pub(crate) fit: FitParams,
    /// Beams to process.
    pub(crate) beams: Vec<Beam>,
    /// Granule filters: time range and identity.
    pub(crate) granules: GranuleFilter,
    /// The region's outline for catalogue searches (CMR): the convex hull of `poly`, or of every
    /// `region_mask` polygon, counter-clockwise and closed; `None` without a region.
    pub(crate) search_polygon: Option<Vec<LatLon>>,
}

/// Which granules a request wants (t0/t1 and rgt/cycle/region filter granules, not photons).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct GranuleFilter {
    /// Start of the time range.
    pub(crate) t0: Option<DateTime<Utc>>,
    /// End of the time range.
    pub(crate) t1: Option<DateTime<Utc>>,
    /// Reference ground track.
    pub(crate) rgt: Option<u16>,
    /// Cycle.
    pub(crate) cycle: Option<u8>,
    /// Region.
    pub(crate) region: Option<u8>,
}

impl GranuleFilter {
    /// Whether a granule passes: its start time within t0..=t1, and its rgt, cycle and region
    /// equal to those asked for.
    pub(crate) fn accepts(&self, name: &GranuleName) -> bool {
        self.t0.is_none_or(|t0| name.start >= t0)
            && self.t1.is_none_or(|t1| name.start <= t1)
            && self.rgt.is_none_or(|rgt| name.rgt == rgt)
            && self.cycle.is_none_or(|cycle| name.cycle == cycle)
            && self.region.is_none_or(|region| name.region == region)
    }
}

impl Parameters {
    /// Parses a JSON object of parameters. `output` is not interpreted here (the output stage
    /// validates it); every other key must be one of SPEC §4's.
    pub(crate) fn from_json(params: &Map<String, Value>) -> Result<Self, ParamError> {
        let mut filter = PhotonFilter::default();
        let mut grid = ExtentGrid::default();
        let mut runs = RunMode::All;
        let mut fit = FitParams::default();
        let mut beams: Vec<Beam> = Beam::ALL.to_vec();
        let mut track: Option<u8> = None;
        let mut granules = GranuleFilter::default();
        let mut projection = Projection::Auto;
        let mut poly: Option<Vec<LatLon>> = None;
        let mut mask: Option<RegionMaskSpec> = None;

        for (key, value) in params {
            let name = key.as_str();
            match name {
                "poly" => poly = Some(parse_poly(value)?),
                "region_mask" => {
                    mask = Some(serde_json::from_value(value.clone()).map_err(|e| {
                        ParamError::invalid(name, format!("expected {{geojson, cellsize}}: {e}"))
                    })?)
                }
                "proj" => {
                    projection = serde_json::from_value(value.clone()).map_err(|_| {
                        ParamError::invalid(
                            name,
                            "expected auto, plate_carree, north_polar or south_polar",
                        )
                    })?
                }
                "t0" => granules.t0 = Some(parse_time(name, value)?),
                "t1" => granules.t1 = Some(parse_time(name, value)?),
                "rgt" => granules.rgt = Some(in_range(name, as_i64(name, value)?, 1, 1387)? as u16),
                "cycle" => {
                    granules.cycle = Some(in_range(name, as_i64(name, value)?, 1, 99)? as u8)
                }
                "region" => {
                    granules.region = Some(in_range(name, as_i64(name, value)?, 1, 14)? as u8)
                }
                "beams" => beams = parse_beams(value)?,
                "track" => track = Some(in_range(name, as_i64(name, value)?, 0, 3)? as u8),
                "srt" => filter.surface = parse_srt(value)?,
                "cnf" => filter.confidence = parse_cnf(value)?,
                "quality_ph" => filter.quality = parse_quality(value)?,
                "yapc" => filter.yapc_score = Some(parse_yapc(value)?),
                "len" => grid.len = positive(name, as_f64(name, value)?)?,
                "res" => grid.res = positive(name, as_f64(name, value)?)?,
                "dist_in_seg" => grid.dist_in_seg = as_bool(name, value)?,
                "subset_runs" => {
                    runs = match as_str(name, value)? {
                        "all" => RunMode::All,
                        "first" => RunMode::First,
                        _ => {
                            return Err(ParamError::invalid(name, "expected \"all\" or \"first\""));
                        }
                    }
                }
                "output" => {}
                _ => {
                    let key: ParamKey = name.parse().map_err(|_| ParamError::unknown(name))?;
                    let result = match value {
                        Value::Bool(b) => fit.set_flag(key, *b),
                        _ => fit.set_number(key, as_f64(name, value)?),
                    };
                    result.map_err(|e| ParamError::invalid(name, e.to_string()))?;
                }
            }
        }

        if grid.dist_in_seg {
            for (name, value) in [("len", grid.len), ("res", grid.res)] {
                if value.fract() != 0.0 {
                    return Err(ParamError::invalid(
                        name,
                        format!("{value} is not a whole number of segments (dist_in_seg is true)"),
                    ));
                }
            }
        }
        fit.len_m = grid.len_m();
        fit.res_m = grid.res_m();
        fit.validate()
            .map_err(|e| ParamError::invalid("parms", e.to_string()))?;
        if let Some(track) = track.filter(|&t| t > 0) {
            beams.retain(|b| b.track() == track);
        }
        if let (Some(t0), Some(t1)) = (granules.t0, granules.t1)
            && t1 < t0
        {
            return Err(ParamError::invalid("t1", format!("{t1} is before t0 {t0}")));
        }

        let (region, search_polygon) = match (&mask, &poly) {
            (Some(spec), _) => {
                let mask = RegionMask::from_spec(spec)
                    .map_err(|e| ParamError::invalid("region_mask", e.to_string()))?;
                let vertices: Vec<LatLon> = mask
                    .polygons()
                    .iter()
                    .flat_map(|polygon| polygon.exterior().coords())
                    .map(|c| LatLon { lat: c.y, lon: c.x })
                    .collect();
                let hull = search_hull(&vertices)
                    .map_err(|e| ParamError::invalid("region_mask", e.to_string()))?;
                (Some(RegionFilter::Mask(Arc::new(mask))), Some(hull))
            }
            (None, Some(points)) => {
                let region = Region::from_poly_in(points, projection)
                    .map_err(|e| ParamError::invalid("poly", e.to_string()))?;
                let hull =
                    search_hull(points).map_err(|e| ParamError::invalid("poly", e.to_string()))?;
                (
                    Some(RegionFilter::Polygon(Arc::new(region.prepare()))),
                    Some(hull),
                )
            }
            (None, None) => (None, None),
        };
        Ok(Self {
            extract: ExtractParams {
                filter,
                grid,
                runs,
                region,
                ..ExtractParams::default()
            },
            fit,
            beams,
            granules,
            search_polygon,
        })
    }
}

/// The convex hull of `points` for a catalogue search, counter-clockwise and closed, taken
/// across the antimeridian when the points straddle it: longitudes are unwrapped (each within
/// 180° of the previous one), the hull is taken about their centre, and its vertices are brought
/// back into -180..180 (CMR joins them by great circles, so the ring stays the small one).
fn search_hull(points: &[LatLon]) -> Result<Vec<LatLon>, firn_region::RegionError> {
    let mut previous = points.first().map_or(0.0, |p| p.lon);
    let unwrapped: Vec<f64> = points
        .iter()
        .map(|p| {
            let lon = p.lon - 360.0 * ((p.lon - previous) / 360.0).round();
            previous = lon;
            lon
        })
        .collect();
    let (low, high) = unwrapped
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
            (l.min(x), h.max(x))
        });
    if low >= -180.0 && high <= 180.0 {
        return to_region(points, None);
    }
    let centre = (low + high) / 2.0;
    let shifted: Vec<LatLon> = points
        .iter()
        .zip(&unwrapped)
        .map(|(p, &lon)| LatLon {
            lat: p.lat,
            lon: lon - centre,
        })
        .collect();
    Ok(to_region(&shifted, None)?
        .into_iter()
        .map(|p| LatLon {
            lat: p.lat,
            lon: (p.lon + centre + 180.0).rem_euclid(360.0) - 180.0,
        })
        .collect())
}

fn parse_poly(value: &Value) -> Result<Vec<LatLon>, ParamError> {
    serde_json::from_value(value.clone())
        .map_err(|e| ParamError::invalid("poly", format!("expected a list of {{lat, lon}}: {e}")))
}

fn parse_time(name: &str, value: &Value) -> Result<DateTime<Utc>, ParamError> {
    let text = as_str(name, value)?;
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").map(|t| t.and_utc())
        })
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc())
        })
        .map_err(|_| ParamError::invalid(name, format!("{text:?} is not an ISO 8601 time")))
}

fn in_range(name: &str, value: i64, lo: i64, hi: i64) -> Result<i64, ParamError> {
    if (lo..=hi).contains(&value) {
        Ok(value)
    } else {
        Err(ParamError::invalid(
            name,
            format!("{value} is outside {lo}..={hi}"),
        ))
    }
}

fn positive(name: &str, value: f64) -> Result<f64, ParamError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(ParamError::invalid(
            name,
            format!("{value} must be a positive number"),
        ))
    }
}

fn parse_beams(value: &Value) -> Result<Vec<Beam>, ParamError> {
    let one = |v: &Value| -> Result<Beam, ParamError> {
        match v {
            Value::String(s) => s.parse().map_err(|e: firn_atl03::beam::UnknownBeam| {
                ParamError::invalid("beams", e.to_string())
            }),
            Value::Number(_) => Beam::from_gt(as_i64("beams", v)?).ok_or_else(|| {
                ParamError::invalid("beams", format!("{v} is not a beam code 10, 20, … 60"))
            }),
            _ => Err(ParamError::invalid("beams", "expected beam names or codes")),
        }
    };
    let mut beams = match value {
        Value::Array(items) => items.iter().map(one).collect::<Result<Vec<_>, _>>()?,
        _ => vec![one(value)?],
    };
    beams.sort();
    beams.dedup();
    Ok(beams)
}

fn parse_srt(value: &Value) -> Result<SurfaceType, ParamError> {
    let surface = match value {
        Value::String(s) => SurfaceType::from_name(s),
        _ => SurfaceType::from_code(as_i64("srt", value)?),
    };
    surface.ok_or_else(|| {
        ParamError::invalid(
            "srt",
            format!("{value} is not -1…4 or dynamic, land, ocean, sea_ice, land_ice, inland_water"),
        )
    })
}

fn confidence_level(value: &Value) -> Result<i8, ParamError> {
    let level = match value {
        Value::String(s) => ConfidenceSet::level_of(s).map(i64::from),
        _ => Some(as_i64("cnf", value)?),
    };
    level
        .filter(|l| (-2..=4).contains(l))
        .map(|l| l as i8)
        .ok_or_else(|| {
            ParamError::invalid("cnf", format!("{value} is not a confidence level -2…4"))
        })
}

fn parse_cnf(value: &Value) -> Result<ConfidenceSet, ParamError> {
    let set = match value {
        Value::Array(items) => {
            let levels = items
                .iter()
                .map(confidence_level)
                .collect::<Result<Vec<_>, _>>()?;
            ConfidenceSet::exactly(&levels)
        }
        _ => ConfidenceSet::at_least(confidence_level(value)?),
    };
    set.ok_or_else(|| ParamError::invalid("cnf", format!("{value} is not a confidence level -2…4")))
}

fn parse_quality(value: &Value) -> Result<QualitySet, ParamError> {
    let level = |v: &Value| -> Result<i8, ParamError> {
        let q = as_i64("quality_ph", v)?;
        i8::try_from(q).map_err(|_| ParamError::invalid("quality_ph", format!("{q} is not an i8")))
    };
    Ok(match value {
        Value::Array(items) => {
            QualitySet::exactly(&items.iter().map(level).collect::<Result<Vec<_>, _>>()?)
        }
        _ => QualitySet::up_to(level(value)?),
    })
}

fn parse_yapc(value: &Value) -> Result<u16, ParamError> {
    let Value::Object(block) = value else {
        return Err(ParamError::invalid(
            "yapc",
            "expected an object with a score",
        ));
    };
    if let Some(key) = block.keys().find(|k| !YAPC_KEYS.contains(&k.as_str())) {
        return Err(ParamError::invalid("yapc", format!("unknown key {key:?}")));
    }
    let score = block
        .get("score")
        .ok_or_else(|| ParamError::invalid("yapc", "a yapc block needs a score"))?;
    let score = as_i64("yapc.score", score)?;
    u16::try_from(score)
        .map_err(|_| ParamError::invalid("yapc", format!("score {score} is outside 0…65535")))
}

#[cfg(test)]
mod tests;
