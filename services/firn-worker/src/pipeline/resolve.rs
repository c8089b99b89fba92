//! Which granules a request covers: the names it gives (`resources`), or, without names, the
//! granules a source holds that pass the request's filters.
//!
//! [`GranuleResolver`] is the seam where catalogue discovery (NASA CMR, SPEC §9) plugs in: a
//! resolver sees the validated parameters (time range, identity filters, region) and returns
//! granule locations in output order.

use firn_atl03::name::GranuleName;

use super::run::in_output_order;
use super::source::{GranuleSource, SourceError};
use crate::request::Parameters;

/// Finds the granules of a request.
pub(crate) trait GranuleResolver: Send + Sync {
    /// Granule locations for a request with `params`, naming `resources` or none, in output order
    /// (by the start time in their names). Never empty.
    fn resolve(
        &self,
        params: &Parameters,
        resources: Option<&[String]>,
    ) -> Result<Vec<String>, ResolveError>;
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
    /// The request names no granules and the source holds none that pass its filters.
    #[error(
        "no granules: the request names none (resources) and {0} holds none that pass its \
         filters (t0, t1, rgt, cycle, region)"
    )]
    NoneFound(String),
    /// The source could not be listed.
    #[error(transparent)]
    Source(#[from] SourceError),
}

/// Resolves names in one [`GranuleSource`]: given names are located there; without names, every
/// ATL03 granule it holds that passes the request's granule filters.
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
        let names = match resources {
            Some(names) => {
                if let Some(bad) = names.iter().find(|n| !is_granule_file_name(n)) {
                    return Err(ResolveError::BadName(bad.clone()));
                }
                names.to_vec()
            }
            None => self
                .source
                .list()?
                .into_iter()
                .filter(|name| {
                    GranuleName::parse(name).is_some_and(|g| params.granules.accepts(&g))
                })
                .collect(),
        };
        if names.is_empty() {
            let source = match &self.source {
                GranuleSource::Directory(dir) => dir.display().to_string(),
                GranuleSource::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
            };
            return Err(ResolveError::NoneFound(source));
        }
        Ok(in_output_order(
            names.iter().map(|n| self.source.locate(n)).collect(),
        ))
    }
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
}
