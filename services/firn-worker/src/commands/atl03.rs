//! `firn atl03 info` and `firn atl03 subset`.

use std::sync::Arc;

use chrono::DateTime;
use firn_atl03::{BeamExtractor, Granule, RegionFilter};
use serde_json::{Value, json};

use super::{CommandError, write_stdout};
use crate::cli::Atl03Command;
use crate::pipeline::open_granule;
use crate::request::{ParamError, Parameters};

pub(crate) fn run(command: Atl03Command) -> Result<(), CommandError> {
    match command {
        Atl03Command::Info { path } => print_json(&info(&open_granule(&path)?)?),
        Atl03Command::Subset {
            path,
            region,
            parameters,
        } => {
            let mut params = match parameters {
                Some(text) => {
                    let value: Value = serde_json::from_str(&text)
                        .map_err(|e| ParamError::invalid("parms", format!("not JSON: {e}")))?;
                    let object = value
                        .as_object()
                        .ok_or_else(|| ParamError::invalid("parms", "expected a JSON object"))?;
                    Parameters::from_json(object)?
                }
                None => Parameters::from_json(&serde_json::Map::new())?,
            };
            if let Some(file) = region {
                let text = std::fs::read_to_string(&file).map_err(|source| CommandError::Io {
                    context: format!("reading {}", file.display()),
                    source,
                })?;
                let region = firn_region::Region::from_geojson_str(&text).map_err(|e| {
                    CommandError::Usage(format!("--region {}: {e}", file.display()))
                })?;
                params.extract.region = Some(RegionFilter::Polygon(Arc::new(region.prepare())));
            }
            print_json(&subset(&open_granule(&path)?, &params)?)
        }
    }
}

fn print_json(value: &Value) -> Result<(), CommandError> {
    write_stdout(|out| {
        serde_json::to_writer_pretty(&mut *out, value)?;
        writeln!(out)
    })
}

/// An ISO 8601 time from ATLAS `delta_time`.
fn iso_time(delta_time: f64) -> Value {
    let unix = delta_time + firn_atl06::constants::ATLAS_EPOCH_UNIX_S as f64;
    let secs = unix.floor();
    let nanos = ((unix - secs) * 1e9).round().min(999_999_999.0) as u32;
    DateTime::from_timestamp(secs as i64, nanos).map_or(Value::Null, |t| json!(t.to_rfc3339()))
}

fn info(granule: &Granule) -> Result<Value, CommandError> {
    let identity = granule.identity();
    let mut beams = Vec::new();
    let (mut t_min, mut t_max) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut lon_min, mut lon_max, mut lat_min, mut lat_max) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for &beam in granule.beams() {
        let segments = granule.segments(beam)?;
        let photons: i64 = segments.ph_cnt.iter().map(|&c| i64::from(c)).sum();
        for &t in &segments.delta_time {
            t_min = t_min.min(t);
            t_max = t_max.max(t);
        }
        for (&lon, &lat) in segments.ref_lon.iter().zip(&segments.ref_lat) {
            lon_min = lon_min.min(lon);
            lon_max = lon_max.max(lon);
            lat_min = lat_min.min(lat);
            lat_max = lat_max.max(lat);
        }
        beams.push(json!({
            "beam": beam.name(),
            "gt": beam.gt(),
            "spot": beam.spot(granule.orientation()),
            "strong": beam.is_strong(granule.orientation()),
            "segments": segments.len(),
            "empty_segments": segments.ph_cnt.iter().filter(|&&c| c == 0).count(),
            "photons": photons,
        }));
    }
    let name = granule.name().map(|n| {
        json!({
            "product": n.product, "start": n.start.to_rfc3339(), "rgt": n.rgt, "cycle": n.cycle,
            "region": n.region, "release": n.release, "version": n.version,
        })
    });
    let has_extent = t_min.is_finite();
    Ok(json!({
        "granule": granule.location(),
        "name": name,
        "rgt": identity.rgt,
        "cycle": identity.cycle,
        "region": identity.region,
        "identity_source": format!("{:?}", identity.source),
        "orientation": format!("{:?}", granule.orientation()),
        "beams": beams,
        "time_span": if has_extent { json!([iso_time(t_min), iso_time(t_max)]) } else { Value::Null },
        "bbox": if lon_min.is_finite() { json!([lon_min, lat_min, lon_max, lat_max]) } else { Value::Null },
        "warnings": granule.warnings(),
    }))
}

fn subset(granule: &Granule, params: &Parameters) -> Result<Value, CommandError> {
    let mut beams = Vec::new();
    for &beam in granule.beams().iter().filter(|b| params.beams.contains(b)) {
        let mut extractor = BeamExtractor::new(granule, beam, params.extract.clone())?;
        while extractor.next_batch()?.is_some() {}
        let stats = extractor.stats();
        beams.push(json!({
            "beam": beam.name(),
            "segments": stats.segments,
            "segments_in_region": stats.segments_selected,
            "runs": stats.runs,
            "photons": stats.photons_read,
            "photons_filtered": stats.photons_filtered,
            "extents": stats.extents,
            "extents_with_photons": stats.extents_with_photons,
        }));
    }
    let selected = granule.name().map(|name| params.granules.accepts(name));
    Ok(json!({
        "granule": granule.location(),
        "passes_granule_filters": selected,
        "beams": beams,
    }))
}
