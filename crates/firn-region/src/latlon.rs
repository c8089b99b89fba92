//! The upstream `poly` vertex type.

use serde::{Deserialize, Serialize};

/// One vertex of an upstream `poly` list: `{"lat": .., "lon": ..}` in degrees.
///
/// ```
/// use firn_region::LatLon;
/// let poly: Vec<LatLon> = serde_json::from_str(r#"[{"lat": 39.0, "lon": -108.0}]"#).unwrap();
/// assert_eq!(poly[0], LatLon { lat: 39.0, lon: -108.0 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
}
