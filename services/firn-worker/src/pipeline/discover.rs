//! Granule discovery: the granules a request wants when it names none.
//!
//! [`Discover`] is the seam: validated parameters in, granule locations out. [`FootprintScan`]
//! is the implementation for a configured source (a directory or an `s3://` prefix): it lists the
//! ATL03 granules there, applies the name filters (t0/t1/rgt/cycle/region), and, when the request
//! has a region, keeps only the granules whose track crosses it. [`CmrSearch`] searches NASA's
//! archive (CMR) instead.

use firn_atl03::name::GranuleName;
use firn_atl03::{Beam, Granule, RegionFilter};
use rayon::prelude::*;

use super::open::{OpenError, open_granule};
use super::source::{GranuleSource, SourceError};
use crate::request::Parameters;

/// Granules opened at once by the footprint scan: opening is latency-bound on S3 (a few small
/// range reads per granule), so more than the cores.
const SCAN_THREADS: usize = 8;

/// Finds the granules a request wants.
pub(crate) trait Discover {
    /// Locations (paths or `s3://` URLs) of the granules `params` asks for, in any order.
    fn discover(&self, params: &Parameters) -> Result<Vec<String>, DiscoveryError>;
}

/// Why discovery failed as a whole (a granule that cannot be checked is kept, not an error).
#[derive(Debug, thiserror::Error)]
pub(crate) enum DiscoveryError {
    /// The source could not be listed.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The scan's threads could not be started.
    #[error("footprint scan: {0}")]
    Threads(String),
    /// The catalogue search failed.
    #[error("CMR search: {0}")]
    Catalogue(#[from] firn_cmr::Error),
}

/// Discovery by listing a source and testing each granule's footprint against the region.
#[derive(Debug)]
pub(crate) struct FootprintScan<'a> {
    source: &'a GranuleSource,
}

impl<'a> FootprintScan<'a> {
    /// A scan of `source`.
    pub(crate) fn new(source: &'a GranuleSource) -> Self {
        Self { source }
    }
}

/// What a granule's footprint says about the region.
#[derive(Debug)]
enum Footprint {
    Crosses,
    Misses,
    /// The granule could not be checked: it is kept, and processing reports what is wrong.
    Unknown(String),
}

impl Discover for FootprintScan<'_> {
    fn discover(&self, params: &Parameters) -> Result<Vec<String>, DiscoveryError> {
        let listed = self.source.list()?;
        let total = listed.len();
        let locations: Vec<String> = listed
            .into_iter()
            .filter(|name| GranuleName::parse(name).is_some_and(|g| params.granules.accepts(&g)))
            .map(|name| self.source.locate(&name))
            .collect();
        tracing::info!(
            source = %self.source,
            listed = total,
            matching = locations.len(),
            "granules matching the name filters"
        );
        let Some(region) = params.extract.region.as_ref() else {
            return Ok(locations);
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(SCAN_THREADS)
            .thread_name(|i| format!("firn-scan-{i}"))
            .build()
            .map_err(|e| DiscoveryError::Threads(e.to_string()))?;
        let footprints: Vec<Footprint> = pool.install(|| {
            locations
                .par_iter()
                .map(|location| footprint(location, region, &params.beams))
                .collect()
        });
        let kept: Vec<String> = locations
            .into_iter()
            .zip(footprints)
            .filter_map(|(location, footprint)| match footprint {
                Footprint::Crosses => Some(location),
                Footprint::Misses => {
                    tracing::info!(granule = %location, "skipped: no selected beam crosses the region");
                    None
                }
                Footprint::Unknown(reason) => {
                    tracing::warn!(granule = %location, %reason, "footprint not checked: kept");
                    Some(location)
                }
            })
            .collect();
        tracing::info!(kept = kept.len(), "footprint scan done");
        Ok(kept)
    }
}

/// Discovery in NASA's archive: a CMR granule search (NSIDC_CPRD, ATL03, a release; the hull of
/// the request's region, t0/t1, rgt/cycle/region), then the request's own name filters (a start
/// time inside t0..t1, as the footprint scan applies them) and each granule's CMR footprint
/// against the hull. Locations are the granules' `s3://` URLs.
#[derive(Debug, Clone)]
pub(crate) struct CmrSearch {
    client: firn_cmr::CmrClient,
    version: String,
}

impl CmrSearch {
    /// A search with `client` for ATL03 granules of release `version` (`"006"`, `"007"`).
    pub(crate) fn new(client: firn_cmr::CmrClient, version: impl Into<String>) -> Self {
        Self {
            client,
            version: version.into(),
        }
    }

    /// The CMR query for `params`.
    fn query(&self, params: &Parameters) -> firn_cmr::GranuleQuery {
        let filter = &params.granules;
        let mut query = firn_cmr::GranuleQuery::new().with_version(self.version.clone());
        if let Some(polygon) = &params.search_polygon {
            query = query.with_polygon(polygon);
        }
        if let Some(t0) = filter.t0 {
            query = query.with_t0(t0);
        }
        if let Some(t1) = filter.t1 {
            query = query.with_t1(t1);
        }
        if let Some(rgt) = filter.rgt {
            query = query.with_rgt(rgt);
        }
        if let Some(cycle) = filter.cycle {
            query = query.with_cycle(cycle);
        }
        if let Some(region) = filter.region {
            query = query.with_region(region);
        }
        query
    }
}

impl std::fmt::Display for CmrSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "NASA CMR ({}, ATL03 {})",
            self.client.search_url(),
            self.version
        )
    }
}

impl Discover for CmrSearch {
    fn discover(&self, params: &Parameters) -> Result<Vec<String>, DiscoveryError> {
        let query = self.query(params);
        // `search_blocking` refuses to run inside an async runtime, and `firn serve` resolves on
        // a blocking thread of one: the search gets a thread of its own.
        let found = std::thread::scope(|scope| {
            scope
                .spawn(|| self.client.search_blocking(&query))
                .join()
                .map_err(|_| DiscoveryError::Threads("the CMR search thread panicked".to_owned()))
        })??;
        let total = found.len();
        let kept: Vec<String> = found
            .into_iter()
            .filter(|granule| {
                GranuleName::parse(&granule.name).is_some_and(|n| params.granules.accepts(&n))
            })
            .filter(|granule| {
                let crosses = params
                    .search_polygon
                    .as_deref()
                    .is_none_or(|hull| granule.footprint.may_intersect(hull));
                if !crosses {
                    tracing::info!(granule = %granule.name, "skipped: its CMR footprint misses the region");
                }
                crosses
            })
            .map(|granule| granule.s3_url)
            .collect();
        tracing::info!(search = %self, found = total, kept = kept.len(), "CMR search done");
        Ok(kept)
    }
}

/// Why a granule's footprint could not be tested.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FootprintError {
    /// The granule could not be opened.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// A position dataset could not be read.
    #[error("{granule}: {dataset}: {source}")]
    Read {
        /// The granule.
        granule: String,
        /// The dataset.
        dataset: String,
        /// The reader's error.
        #[source]
        source: firn_h5::Error,
    },
    /// A position dataset does not hold f64 values.
    #[error("{granule}: {dataset}: expected f64 values, found {found}")]
    Type {
        /// The granule.
        granule: String,
        /// The dataset.
        dataset: String,
        /// The type found.
        found: &'static str,
    },
    /// Latitudes and longitudes differ in length.
    #[error("{granule}: {dataset} has {rows} rows but the latitudes have {expected}")]
    Rows {
        /// The granule.
        granule: String,
        /// The longitude dataset.
        dataset: String,
        /// Its rows.
        rows: usize,
        /// The latitudes' rows.
        expected: usize,
    },
    /// The region test failed.
    #[error("{granule}: {beam}: {source}")]
    Region {
        /// The granule.
        granule: String,
        /// The beam.
        beam: Beam,
        /// The region's error.
        #[source]
        source: firn_region::RegionError,
    },
}

/// Opens the granule and tests its footprint.
fn footprint(location: &str, region: &RegionFilter, beams: &[Beam]) -> Footprint {
    match open_granule(location)
        .map_err(FootprintError::from)
        .and_then(|granule| crosses(&granule, region, beams))
    {
        Ok(true) => Footprint::Crosses,
        Ok(false) => Footprint::Misses,
        Err(e) => Footprint::Unknown(e.to_string()),
    }
}

/// Whether any of `beams` (those present) has a segment whose reference photon lies inside the
/// region: the test SPEC §5 subsets by, made on the segment-rate positions alone (two datasets
/// per beam, about 1/40 of a beam's photon-rate bytes); no photon is read. Beams are tested one
/// at a time and the first hit ends the scan, so a crossing granule usually costs one beam.
pub(crate) fn crosses(
    granule: &Granule,
    region: &RegionFilter,
    beams: &[Beam],
) -> Result<bool, FootprintError> {
    let file = granule.file();
    let name = || granule.location().to_owned();
    for &beam in granule.beams().iter().filter(|b| beams.contains(b)) {
        let paths = ["reference_photon_lat", "reference_photon_lon"]
            .map(|dataset| format!("/{}/geolocation/{dataset}", beam.name()));
        let read_error = |dataset: &str| {
            let dataset = dataset.to_owned();
            move |source| FootprintError::Read {
                granule: name(),
                dataset,
                source,
            }
        };
        let lat_set = file.dataset(&paths[0]).map_err(read_error(&paths[0]))?;
        let lon_set = file.dataset(&paths[1]).map_err(read_error(&paths[1]))?;
        let arrays = file
            .read_batch(&[(&lat_set, 0..lat_set.len()), (&lon_set, 0..lon_set.len())])
            .map_err(read_error(&paths.join(", ")))?;
        let mut values = arrays.into_iter().zip(&paths).map(|(array, dataset)| {
            array.into_f64().map_err(|other| FootprintError::Type {
                granule: name(),
                dataset: dataset.clone(),
                found: other.type_name(),
            })
        });
        let mut next = || {
            values
                .next()
                .expect("read_batch returns one array per read")
        };
        let (lat, lon) = (next()?, next()?);
        if lon.len() != lat.len() {
            return Err(FootprintError::Rows {
                granule: name(),
                dataset: paths[1].clone(),
                rows: lon.len(),
                expected: lat.len(),
            });
        }
        let inside = match region {
            RegionFilter::Polygon(polygon) => polygon.contains_many(&lon, &lat),
            RegionFilter::Mask(mask) => mask.contains_many(&lon, &lat),
        }
        .map_err(|source| FootprintError::Region {
            granule: name(),
            beam,
            source,
        })?;
        if inside.contains(&true) {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use firn_h5::source::{CountingSource, FileSource};
    use firn_synth::{GranuleSpec, WriteOptions, write_granule_with};
    use serde_json::json;

    use super::*;

    /// A 6 km granule centred on (lat, lon), started `day` days after the default start.
    fn granule(dir: &Path, day: i64, rgt: u16, centre: (f64, f64)) -> PathBuf {
        let spec = GranuleSpec {
            rgt,
            length_km: 6.0,
            centre_lat: centre.0,
            centre_lon: centre.1,
            start_time: GranuleSpec::default().start_time + chrono::Duration::days(day),
            ..GranuleSpec::default()
        };
        let options = WriteOptions {
            photon_truth: false,
            progress: None,
        };
        write_granule_with(&spec, dir, &options).unwrap().h5_path
    }

    fn params(extra: serde_json::Value) -> Parameters {
        let mut parms = json!({"poly": [
            {"lat": 38.90, "lon": -108.30}, {"lat": 38.90, "lon": -107.80},
            {"lat": 39.15, "lon": -107.80}, {"lat": 39.15, "lon": -108.30},
            {"lat": 38.90, "lon": -108.30}]});
        parms
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        Parameters::from_json(parms.as_object().unwrap()).unwrap()
    }

    #[test]
    fn the_footprint_test_reads_segment_positions_and_no_photon() {
        let dir = tempfile::tempdir().unwrap();
        let grand_mesa = (firn_synth::GRAND_MESA_LAT, firn_synth::GRAND_MESA_LON);
        let over = granule(dir.path(), 0, 737, grand_mesa);
        let away = granule(dir.path(), 1, 738, (45.0, -100.0));
        let params = params(json!({}));
        let region = params.extract.region.as_ref().unwrap();
        for (path, expected) in [(&over, true), (&away, false)] {
            let file = Arc::new(FileSource::open(path).unwrap());
            let counting = Arc::new(CountingSource::new(file));
            let granule = Granule::from_source(counting.clone(), path.to_str().unwrap()).unwrap();
            counting.reset();
            assert_eq!(crosses(&granule, region, &Beam::ALL).unwrap(), expected);
            // Photon-rate datasets are nearly all of a granule: reading any of them would show.
            // The scan reads headers and the two position datasets of each beam tested (here
            // about 3% of this 6 km granule with six beams; far less of a full-size one, whose
            // headers weigh the same).
            let read = counting.stats().bytes;
            let size = std::fs::metadata(path).unwrap().len();
            assert!(
                read * 20 < size,
                "{}: read {read} of {size} bytes",
                path.display()
            );
            // Only the beams asked for count: none asked, no crossing.
            assert!(!crosses(&granule, region, &[]).unwrap());
        }
    }

    #[test]
    fn the_scan_applies_name_filters_then_the_footprint() {
        let dir = tempfile::tempdir().unwrap();
        let grand_mesa = (firn_synth::GRAND_MESA_LAT, firn_synth::GRAND_MESA_LON);
        let names: Vec<String> = [
            granule(dir.path(), 0, 737, grand_mesa),
            granule(dir.path(), 10, 738, grand_mesa),
            granule(dir.path(), 20, 739, (45.0, -100.0)),
        ]
        .iter()
        .map(|p| p.display().to_string())
        .collect();
        // A file that is not HDF5 cannot be checked: it is kept, to fail visibly when processed.
        let broken = dir.path().join("ATL03_20191201000000_07400502_006_01.h5");
        std::fs::write(&broken, b"not hdf5").unwrap();
        let source = GranuleSource::Directory(dir.path().to_path_buf());
        let scan = FootprintScan::new(&source);
        let mut found = scan.discover(&params(json!({}))).unwrap();
        found.sort();
        assert_eq!(
            found,
            [
                names[0].clone(),
                names[1].clone(),
                broken.display().to_string()
            ]
        );
        let found = scan.discover(&params(json!({"rgt": 738}))).unwrap();
        assert_eq!(found, [names[1].clone()]);
        let everything = Parameters::from_json(&serde_json::Map::new()).unwrap();
        assert_eq!(
            scan.discover(&everything).unwrap().len(),
            4,
            "no region: all kept"
        );
    }
}
