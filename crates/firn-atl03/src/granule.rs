//! An open granule: identity, orientation, beams present, and typed access to its datasets.

use std::ops::Range;

use firn_h5::{Array, ArrayMut, Dataset, Datatype, File, SharedSource};

use crate::beam::{Beam, Orientation};
use crate::error::{Error, Result};
use crate::name::GranuleName;

/// The ATLAS SDP GPS epoch (s) used when `/ancillary_data/atlas_sdp_gps_epoch` is absent.
pub const DEFAULT_GPS_EPOCH: f64 = 1_198_800_018.0;

/// Where a granule's rgt, cycle and region came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentitySource {
    /// The file name (authoritative).
    FileName,
    /// `/orbit_info` (region unknown, 0).
    OrbitInfo,
    /// Stated by the caller.
    Given,
    /// Nowhere: all zero.
    Unknown,
}

/// A granule's reference ground track, cycle and region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// Reference ground track.
    pub rgt: u16,
    /// Cycle.
    pub cycle: u8,
    /// Region (granule within the orbit).
    pub region: u8,
    /// Where the values came from.
    pub source: IdentitySource,
}

/// An open ATL03 granule.
#[derive(Debug, Clone)]
pub struct Granule {
    file: File,
    location: String,
    name: Option<GranuleName>,
    identity: Identity,
    orientation: Orientation,
    orbit_info: bool,
    gps_epoch: f64,
    beams: Vec<Beam>,
    warnings: Vec<String>,
}

impl Granule {
    /// Opens the granule at a local path, `file://` or `s3://` URL.
    pub fn open(location: &str) -> Result<Self> {
        let source = firn_h5::source::open_location(location).map_err(|source| Error::Open {
            granule: location.to_owned(),
            source,
        })?;
        Self::from_source(source, location)
    }

    /// Opens a granule from a byte source; `location` names it in messages and gives its file name.
    pub fn from_source(source: SharedSource, location: &str) -> Result<Self> {
        let file = File::from_source(source).map_err(|source| Error::Open {
            granule: location.to_owned(),
            source,
        })?;
        let mut warnings = Vec::new();
        let beams: Vec<Beam> = Beam::ALL
            .into_iter()
            .filter(|b| file.group(&format!("/{}/heights", b.name())).is_ok())
            .collect();
        if beams.is_empty() {
            return Err(Error::NotAtl03 {
                granule: location.to_owned(),
                detail: "no beam group gt1l…gt3r with a heights group".to_owned(),
            });
        }
        let mut granule = Self {
            file,
            location: location.to_owned(),
            name: GranuleName::parse(location),
            identity: Identity {
                rgt: 0,
                cycle: 0,
                region: 0,
                source: IdentitySource::Unknown,
            },
            orientation: Orientation::Transition,
            orbit_info: false,
            gps_epoch: DEFAULT_GPS_EPOCH,
            beams,
            warnings: Vec::new(),
        };

        let sc_orient = granule.optional_int("/orbit_info/sc_orient")?;
        let orbit_rgt = granule.optional_int("/orbit_info/rgt")?;
        let orbit_cycle = granule.optional_int("/orbit_info/cycle_number")?;
        granule.orbit_info = sc_orient.is_some();
        match sc_orient {
            Some(value) => granule.orientation = Orientation::from_sc_orient(value),
            None => warnings.push(
                "no /orbit_info/sc_orient: spacecraft orientation unknown, spots are 0".to_owned(),
            ),
        }
        granule.identity = match (&granule.name, orbit_rgt, orbit_cycle) {
            (Some(name), _, _) => Identity {
                rgt: name.rgt,
                cycle: name.cycle,
                region: name.region,
                source: IdentitySource::FileName,
            },
            (None, Some(rgt), Some(cycle)) => Identity {
                rgt: u16::try_from(rgt).unwrap_or(0),
                cycle: u8::try_from(cycle).unwrap_or(0),
                region: 0,
                source: IdentitySource::OrbitInfo,
            },
            _ => {
                warnings.push(
                    "neither the file name nor /orbit_info gives rgt and cycle: they are 0"
                        .to_owned(),
                );
                granule.identity
            }
        };
        match granule.optional_float("/ancillary_data/atlas_sdp_gps_epoch")? {
            Some(epoch) => granule.gps_epoch = epoch,
            None => warnings.push(format!(
                "no /ancillary_data/atlas_sdp_gps_epoch: using {DEFAULT_GPS_EPOCH}"
            )),
        }
        granule.warnings = warnings;
        Ok(granule)
    }

    /// States the granule's identity (when neither its name nor its orbit_info gives it).
    pub fn with_identity(mut self, rgt: u16, cycle: u8, region: u8) -> Self {
        self.identity = Identity {
            rgt,
            cycle,
            region,
            source: IdentitySource::Given,
        };
        self
    }

    /// The location it was opened from.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// What the file name says, if it holds a granule name.
    pub fn name(&self) -> Option<&GranuleName> {
        self.name.as_ref()
    }

    /// rgt, cycle and region, and where they came from.
    pub fn identity(&self) -> Identity {
        self.identity
    }

    /// The spacecraft orientation (transition when orbit_info is absent).
    pub fn orientation(&self) -> Orientation {
        self.orientation
    }

    /// Whether `/orbit_info` was present.
    pub fn has_orbit_info(&self) -> bool {
        self.orbit_info
    }

    /// The GPS epoch of `delta_time` (s).
    pub fn gps_epoch(&self) -> f64 {
        self.gps_epoch
    }

    /// The beams present, in file order.
    pub fn beams(&self) -> &[Beam] {
        &self.beams
    }

    /// Things that were missing but tolerated (absent optional groups).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The underlying HDF5 file.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// An error about `dataset` of this granule.
    pub(crate) fn inconsistent(&self, dataset: impl Into<String>, detail: String) -> Error {
        Error::Inconsistent {
            granule: self.location.clone(),
            dataset: dataset.into(),
            detail,
        }
    }

    fn dataset_error(&self, dataset: &str, source: firn_h5::Error) -> Error {
        Error::Dataset {
            granule: self.location.clone(),
            dataset: dataset.to_owned(),
            source,
        }
    }

    /// Opens the datasets at `paths`; an error names the dataset.
    pub(crate) fn datasets(&self, paths: &[&str]) -> Result<Vec<Dataset>> {
        paths
            .iter()
            .map(|path| {
                self.file
                    .dataset(path)
                    .map_err(|e| self.dataset_error(path, e))
            })
            .collect()
    }

    /// Reads row ranges of several datasets in one planned, coalesced batch.
    pub(crate) fn read_rows(&self, reads: &[(&str, Range<u64>)]) -> Result<Vec<Array>> {
        let paths: Vec<&str> = reads.iter().map(|(p, _)| *p).collect();
        let datasets = self.datasets(&paths)?;
        let batch: Vec<_> = datasets
            .iter()
            .zip(reads)
            .map(|(dataset, (_, rows))| (dataset, rows.clone()))
            .collect();
        self.file
            .read_batch(&batch)
            .map_err(|e| self.batch_error(&batch, e))
    }

    /// Reads row ranges of several open datasets into caller-owned buffers (each of the stored
    /// type, with room for exactly its rows) in one planned, coalesced batch.
    pub(crate) fn read_into(
        &self,
        reads: &[(&Dataset, Range<u64>)],
        outputs: &mut [ArrayMut<'_>],
    ) -> Result<()> {
        self.file
            .read_batch_into(reads, outputs)
            .map_err(|e| self.batch_error(reads, e))
    }

    /// An error of a batch read, naming its datasets.
    fn batch_error(&self, reads: &[(&Dataset, Range<u64>)], source: firn_h5::Error) -> Error {
        let names: Vec<&str> = reads.iter().map(|(d, _)| d.path()).collect();
        self.dataset_error(&names.join(", "), source)
    }

    /// The number of rows of a dataset.
    pub(crate) fn rows(&self, path: &str) -> Result<u64> {
        self.file
            .dataset(path)
            .map(|d| d.len())
            .map_err(|e| self.dataset_error(path, e))
    }

    /// Reads a small integer dataset's first value, whatever its integer type; `None` when absent.
    fn optional_int(&self, path: &str) -> Result<Option<i64>> {
        let Ok(dataset) = self.file.dataset(path) else {
            return Ok(None);
        };
        if dataset.is_empty() {
            return Ok(None);
        }
        let values = self
            .file
            .read_batch(&[(&dataset, 0..1)])
            .map_err(|e| self.dataset_error(path, e))?;
        let value = match values.into_iter().next() {
            Some(array) => first_as_i64(array),
            None => None,
        };
        value.map(Some).ok_or_else(|| {
            self.inconsistent(
                path,
                format!("expected an integer, found {}", dataset.dtype()),
            )
        })
    }

    /// Reads a small float dataset's first value; `None` when absent.
    fn optional_float(&self, path: &str) -> Result<Option<f64>> {
        let Ok(dataset) = self.file.dataset(path) else {
            return Ok(None);
        };
        if dataset.is_empty() {
            return Ok(None);
        }
        match dataset.dtype() {
            Datatype::Float { size: 8 } => dataset
                .read_rows::<f64>(0..1)
                .map(|v| v.first().copied())
                .map_err(|e| self.dataset_error(path, e)),
            other => Err(self.inconsistent(path, format!("expected an f64 value, found {other}"))),
        }
    }
}

/// The first element of an integer array, widened.
fn first_as_i64(array: Array) -> Option<i64> {
    Some(match array {
        Array::I8(v) => i64::from(*v.first()?),
        Array::U8(v) => i64::from(*v.first()?),
        Array::I16(v) => i64::from(*v.first()?),
        Array::U16(v) => i64::from(*v.first()?),
        Array::I32(v) => i64::from(*v.first()?),
        Array::U32(v) => i64::from(*v.first()?),
        Array::I64(v) => *v.first()?,
        Array::U64(v) => i64::try_from(*v.first()?).ok()?,
        _ => return None,
    })
}
