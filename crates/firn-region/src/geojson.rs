//! GeoJSON → raw polygon rings (lon/lat positions, not yet validated).

use geojson::{GeoJson, Geometry, GeometryValue, PolygonType};

use crate::error::{RegionError, RingKind, RingLocation};

/// A polygon as given: ring 0 is the exterior, the others are holes; each ring a list of [lon, lat].
pub(crate) type RawPolygon = Vec<Vec<[f64; 2]>>;

/// Parses a GeoJSON Polygon, MultiPolygon, GeometryCollection, Feature or FeatureCollection into
/// its polygons, in document order. Other geometry types are rejected with their path.
pub(crate) fn parse_polygons(text: &str) -> Result<Vec<RawPolygon>, RegionError> {
    let doc: GeoJson = text.parse()?;
    let mut out = Vec::new();
    match &doc {
        GeoJson::Geometry(g) => collect_geometry(g, "geometry", &mut out)?,
        GeoJson::Feature(f) => {
            if let Some(g) = &f.geometry {
                collect_geometry(g, "geometry", &mut out)?;
            }
        }
        GeoJson::FeatureCollection(fc) => {
            for (i, f) in fc.features.iter().enumerate() {
                if let Some(g) = &f.geometry {
                    collect_geometry(g, &format!("features[{i}].geometry"), &mut out)?;
                }
            }
        }
    }
    if out.is_empty() {
        return Err(RegionError::NoPolygon);
    }
    Ok(out)
}

fn collect_geometry(
    g: &Geometry,
    path: &str,
    out: &mut Vec<RawPolygon>,
) -> Result<(), RegionError> {
    match &g.value {
        GeometryValue::Polygon { coordinates } => {
            let polygon = out.len();
            out.push(convert_polygon(coordinates, polygon)?);
        }
        GeometryValue::MultiPolygon { coordinates } => {
            for p in coordinates {
                let polygon = out.len();
                out.push(convert_polygon(p, polygon)?);
            }
        }
        GeometryValue::GeometryCollection { geometries } => {
            for (i, member) in geometries.iter().enumerate() {
                collect_geometry(member, &format!("{path}.geometries[{i}]"), out)?;
            }
        }
        other => {
            return Err(RegionError::UnsupportedGeometry {
                kind: other.type_name(),
                path: path.to_owned(),
            });
        }
    }
    Ok(())
}

fn convert_polygon(rings: &PolygonType, polygon: usize) -> Result<RawPolygon, RegionError> {
    rings
        .iter()
        .enumerate()
        .map(|(r, ring)| {
            let at = RingLocation {
                polygon,
                ring: if r == 0 {
                    RingKind::Exterior
                } else {
                    RingKind::Hole(r - 1)
                },
            };
            ring.iter()
                .enumerate()
                .map(|(vertex, pos)| match pos.as_slice() {
                    [lon, lat, ..] => Ok([*lon, *lat]),
                    short => Err(RegionError::ShortPosition {
                        at,
                        vertex,
                        len: short.len(),
                    }),
                })
                .collect()
        })
        .collect()
}
