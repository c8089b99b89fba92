//! Which granules a request covers: the names it gives (`resources`), or, without names, the
//! granules discovery finds for it: a footprint scan of a directory or `s3://` prefix
//! ([`SourceResolver`]), or a search of NASA's archive ([`CmrResolver`]).

use firn_atl03::name::GranuleName;

use super::discover::{CmrSearch, Discover, DiscoveryError, FootprintScan};
use super::run::in_output_order;
use super::source::{GranuleSource, SourceError};
use crate::request::Parameters;

/// Where a run's granules come from, as `--source` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SourceSpec {
    /// A directory or `s3://bucket/prefix`.
    Granules(GranuleSource),
    /// NASA's archive: CMR discovery, granules in NSIDC's bucket (`cmr`, or `cmr:VVV` for a
    /// release other than 006).
    Archive {
        /// The ATL03 release searched.
        version: String,
    },
}

impl SourceSpec {
    /// Parses `cmr`, `cmr:VVV`, `DIR` or `s3://bucket/prefix`.
    pub(crate) fn parse(text: &str) -> Result<Self, SourceError> {
        if text == "cmr" {
            return Ok(Self::Archive {
                version: firn_cmr::DEFAULT_VERSION.to_owned(),
            });
        }
        if let Some(version) = text.strip_prefix("cmr:") {
            if version.len() != 3 || !version.bytes().all(|b| b.is_ascii_digit()) {
                return Err(SourceError::Invalid(text.to_owned()));
            }
            return Ok(Self::Archive {
                version: version.to_owned(),
            });
        }
        GranuleSource::parse(text).map(Self::Granules)
    }

    /// The resolver for this source. The archive's CMR client takes its settings from the
    /// `FIRN_CMR_*` environment (`FIRN_CMR_URL`, `FIRN_CMR_MAX_RESOURCES`, …).
    pub(crate) fn resolver(&self) -> Result<Box<dyn GranuleResolver>, firn_cmr::Error> {
        Ok(match self {
            Self::Granules(source) => Box::new(SourceResolver::new(source.clone())),
            Self::Archive { version } => Box::new(CmrResolver::new(CmrSearch::new(
                firn_cmr::CmrClientBuilder::from_env().build()?,
                version.clone(),
            ))),
        })
    }
}

impl std::fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Granules(source) => source.fmt(f),
            Self::Archive { version } => write!(f, "cmr:{version}"),
        }
    }
}

/// Finds the granules of a request.
pub(crate) trait GranuleResolver: Send + Sync {
    /// Granule locations for a request with `params`, naming `resources` or none, in output order
    /// (by the start time in their names), without duplicates. Never empty.
    fn resolve(
        &self,
        params: &Parameters,
        resources: Option<&[String]>,
    ) -> Result<Vec<String>, ResolveError>;

    /// Where the granules come from, as plans record it and messages name it.
    fn describe(&self) -> String;
}

/// Why a request's granules could not be found.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ResolveError {
    /// A name in `resources` is not the bare file name of an ATL03 granule.
    #[error(
        "parameter resources: {0:?} is not the file name of an ATL03 granule \
         (ATL03_YYYYMMDDhhmmss_TTTTCCRR_VVV_NN.h5)"
    )]
    BadName(String),
    /// The request names no granules and discovery found none.
    #[error(
        "no granules: the request names none (resources) and {0} holds none that pass its \
         filters (t0, t1, rgt, cycle, region) and cross its region"
    )]
    NoneFound(String),
    /// Discovery failed (the source could not be listed, the catalogue search failed).
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
}

/// Resolves names in one [`GranuleSource`]: given names are located there; without names, the
/// source's footprint scan ([`FootprintScan`]).
#[derive(Debug, Clone)]
pub(crate) struct SourceResolver {
    source: GranuleSource,
}

impl SourceResolver {
    /// A resolver over `source`.
    pub(crate) fn new(source: GranuleSource) -> Self {
        Self { source }
    }
}

impl GranuleResolver for SourceResolver {
    fn resolve(
        &self,
        params: &Parameters,
        resources: Option<&[String]>,
    ) -> Result<Vec<String>, ResolveError> {
        let locations = match resources {
            Some(names) => checked_names(names)?
                .map(|name| self.source.locate(name))
                .collect(),
            None => FootprintScan::new(&self.source).discover(params)?,
        };
        ordered(locations, || self.describe())
    }

    fn describe(&self) -> String {
        self.source.to_string()
    }
}

/// Resolves granules in NASA's archive: given names are located in NSIDC's bucket by its layout
/// (`s3://nsidc-cumulus-prod-protected/ATLAS/ATL03/VVV/YYYY/MM/DD/NAME`, SPEC §9); without names,
/// a CMR search ([`CmrSearch`]).
#[derive(Debug, Clone)]
pub(crate) struct CmrResolver {
    search: CmrSearch,
}

impl CmrResolver {
    /// A resolver searching with `search`.
    pub(crate) fn new(search: CmrSearch) -> Self {
        Self { search }
    }
}

impl GranuleResolver for CmrResolver {
    fn resolve(
        &self,
        params: &Parameters,
        resources: Option<&[String]>,
    ) -> Result<Vec<String>, ResolveError> {
        let locations = match resources {
            Some(names) => checked_names(names)?
                .map(|name| {
                    firn_cmr::nsidc_s3_url(name).ok_or_else(|| ResolveError::BadName(name.clone()))
                })
                .collect::<Result<_, _>>()?,
            None => self.search.discover(params)?,
        };
        ordered(locations, || self.describe())
    }

    fn describe(&self) -> String {
        self.search.to_string()
    }
}

/// `names`, each checked to be a bare ATL03 granule file name.
fn checked_names(names: &[String]) -> Result<impl Iterator<Item = &String>, ResolveError> {
    if let Some(bad) = names.iter().find(|n| !is_granule_file_name(n)) {
        return Err(ResolveError::BadName(bad.clone()));
    }
    Ok(names.iter())
}

/// Locations in output order without duplicates; none is an error naming the source.
fn ordered(
    locations: Vec<String>,
    describe: impl FnOnce() -> String,
) -> Result<Vec<String>, ResolveError> {
    let mut granules = in_output_order(locations);
    granules.dedup();
    if granules.is_empty() {
        return Err(ResolveError::NoneFound(describe()));
    }
    Ok(granules)
}

/// A bare file name (no directory part, nothing hidden) that names an ATL03 granule.
fn is_granule_file_name(name: &str) -> bool {
    !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && GranuleName::parse(name).is_some_and(|g| g.product == "ATL03")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const A: &str = "ATL03_20190101000000_07370502_006_01.h5";
    const B: &str = "ATL03_20200101000000_07380502_006_01.h5";

    fn params(value: serde_json::Value) -> Parameters {
        Parameters::from_json(value.as_object().expect("an object")).expect("valid")
    }

    fn resolver() -> (tempfile::TempDir, SourceResolver) {
        let dir = tempfile::tempdir().unwrap();
        for name in [B, A, "notes.txt"] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let source = GranuleSource::Directory(dir.path().to_path_buf());
        (dir, SourceResolver::new(source))
    }

    #[test]
    fn without_names_the_source_is_listed_and_filtered() {
        let (dir, resolver) = resolver();
        let all = resolver.resolve(&params(json!({})), None).unwrap();
        assert_eq!(
            all,
            vec![
                dir.path().join(A).display().to_string(),
                dir.path().join(B).display().to_string()
            ]
        );
        let one = resolver
            .resolve(&params(json!({"rgt": 738})), None)
            .unwrap();
        assert_eq!(one, vec![dir.path().join(B).display().to_string()]);
        let err = resolver
            .resolve(&params(json!({"cycle": 9})), None)
            .unwrap_err();
        assert!(matches!(err, ResolveError::NoneFound(_)), "{err}");
        assert!(err.to_string().contains("no granules"), "{err}");
    }

    #[test]
    fn names_are_located_in_time_order_and_must_be_bare_granule_names() {
        let (dir, resolver) = resolver();
        let names = [B.to_owned(), A.to_owned()];
        let located = resolver.resolve(&params(json!({})), Some(&names)).unwrap();
        assert_eq!(located[0], dir.path().join(A).display().to_string());
        for bad in [
            "../ATL03_20190101000000_07370502_006_01.h5",
            "notes.txt",
            ".x",
        ] {
            let err = resolver
                .resolve(&params(json!({})), Some(&[bad.to_owned()]))
                .unwrap_err();
            assert!(matches!(err, ResolveError::BadName(_)), "{bad}: {err}");
            assert!(err.to_string().contains("resources"), "{err}");
        }
        let err = resolver.resolve(&params(json!({})), Some(&[])).unwrap_err();
        assert!(matches!(err, ResolveError::NoneFound(_)));
    }

    #[test]
    fn sources_name_a_directory_a_prefix_or_the_archive() {
        assert_eq!(
            SourceSpec::parse("cmr").unwrap(),
            SourceSpec::Archive {
                version: "006".to_owned()
            }
        );
        assert_eq!(SourceSpec::parse("cmr:007").unwrap().to_string(), "cmr:007");
        assert_eq!(
            SourceSpec::parse("s3://b/p").unwrap().to_string(),
            "s3://b/p"
        );
        for bad in ["cmr:7", "cmr:", "cmr:00a", "http://x/y"] {
            let err = SourceSpec::parse(bad).unwrap_err();
            assert!(err.to_string().contains(bad), "{bad}: {err}");
        }
    }

    #[test]
    fn in_the_archive_names_are_located_by_nsidc_layout() {
        let search = CmrSearch::new(firn_cmr::CmrClient::builder().build().unwrap(), "006");
        let resolver = CmrResolver::new(search);
        let names = [B.to_owned(), A.to_owned()];
        let located = resolver.resolve(&params(json!({})), Some(&names)).unwrap();
        assert_eq!(
            located,
            vec![
                format!("s3://nsidc-cumulus-prod-protected/ATLAS/ATL03/006/2019/01/01/{A}"),
                format!("s3://nsidc-cumulus-prod-protected/ATLAS/ATL03/006/2020/01/01/{B}"),
            ]
        );
        let err = resolver
            .resolve(&params(json!({})), Some(&["x/ATL03.h5".to_owned()]))
            .unwrap_err();
        assert!(matches!(err, ResolveError::BadName(_)), "{err}");
        assert!(resolver.describe().contains("ATL03 006"));
    }
}
