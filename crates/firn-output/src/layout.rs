//! What lives under a part-mode prefix, by name.
//!
//! ```text
//! PREFIX/_plan.json                  the granules to process, written once (create-if-absent)
//! PREFIX/<granule stem>.parquet      one part per granule (csv / feather for those formats)
//! PREFIX/_parts/<granule stem>.json  the record of a finished part: name, part, rows, bbox
//! PREFIX/_failed/<granule stem>.json the record of a failed granule: name, reason
//! PREFIX/_manifest.json              the run manifest, written by gather
//! PREFIX/_SUCCESS                    written by gather once every planned granule is done
//! ```
//!
//! Every name but the parts starts with `_`, and temporary files start with `.`: dataset readers
//! (pyarrow, geopandas, DuckDB's hive listing, Spark) skip both, so the prefix reads as one dataset
//! of the parts alone.

use crate::error::{Error, Result};

/// The plan: the granules of the run, in output order.
pub const PLAN: &str = "_plan.json";
/// The run manifest written by gather.
pub const MANIFEST: &str = "_manifest.json";
/// The marker gather writes once every planned granule is done.
pub const SUCCESS: &str = "_SUCCESS";

/// The folder of finished-part records.
const RECORDS: &str = "_parts";
/// The folder of failed-granule records.
const FAILURES: &str = "_failed";

/// The stem of a granule's file name (`…/ATL03_…_01.h5` → `ATL03_…_01`), which names its part and
/// its records.
pub(crate) fn granule_stem(granule: &str) -> Result<&str> {
    let file = granule.rsplit('/').next().unwrap_or(granule);
    let stem = file.strip_suffix(".h5").unwrap_or(file);
    if stem.is_empty() || stem.starts_with(['.', '_']) {
        return Err(Error::spec(
            "granule",
            format!("'{granule}' has no usable file name (empty, or starting with '.' or '_')"),
        ));
    }
    Ok(stem)
}

/// The granule's file name (the last path segment).
pub(crate) fn granule_file(granule: &str) -> &str {
    granule.rsplit('/').next().unwrap_or(granule)
}

/// The name of the record of a finished part.
pub(crate) fn record_name(stem: &str) -> String {
    format!("{RECORDS}/{stem}.json")
}

/// The name of the record of a failed granule.
pub(crate) fn failure_name(stem: &str) -> String {
    format!("{FAILURES}/{stem}.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_name_parts_and_records() {
        let stem = granule_stem("s3://b/p/ATL03_20200101000000_00100610_006_01.h5").unwrap();
        assert_eq!(stem, "ATL03_20200101000000_00100610_006_01");
        assert_eq!(
            record_name(stem),
            "_parts/ATL03_20200101000000_00100610_006_01.json"
        );
        assert_eq!(
            failure_name(stem),
            "_failed/ATL03_20200101000000_00100610_006_01.json"
        );
        for bad in ["", "dir/", "x/.h5", "_plan.json", ".hidden.h5"] {
            assert!(granule_stem(bad).is_err(), "{bad:?}");
        }
    }
}
