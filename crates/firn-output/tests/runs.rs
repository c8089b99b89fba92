//! Part-mode runs: the plan created once, part and failure records, gather's run manifest and
//! `_SUCCESS`, and the merge of the parts into one GeoParquet file read back with geopandas; on
//! local disk and on moto S3 (127.0.0.1).

mod support;

use std::path::Path;

use firn_output::{
    Destination, Error, Format, OutputSpec, PartWriter, Plan, PlanOutcome, RunPrefix, SegmentBatch,
    WriterOptions,
};
use firn_tests::{ACCESS_KEY, MotoServer, SECRET_KEY};
use object_store::ObjectStoreExt;
use object_store::path::Path as ObjectPath;
use serde_json::{Value, json};
use support::{assert_absent, metadata_with_secret, readback, segments, truth};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzRUNSECRET";

const GRANULES: [&str; 4] = [
    "ATL03_20200101000000_00100610_006_01.h5",
    "ATL03_20200102000000_00110610_006_01.h5",
    "ATL03_20200103000000_00120610_006_01.h5",
    "ATL03_20200104000000_00130610_006_01.h5",
];

fn local_spec(dir: &Path, format: &str) -> OutputSpec {
    OutputSpec::from_json(
        &json!({"path": dir.to_str().expect("utf-8"), "format": format, "parts": true}),
    )
    .expect("spec")
}

fn plan(granules: &[&str], format: Format) -> Plan {
    Plan {
        granules: granules.iter().map(|g| format!("/data/{g}")).collect(),
        source: "/data".into(),
        request: metadata_with_secret("prefix", SECRET).request,
        format: format.name().into(),
        version: "firn-test".into(),
    }
}

/// Writes `batch` as `granule`'s part and records it.
fn write_part(parts: &mut PartWriter, granule: &str, batch: &SegmentBatch) {
    let mut writer = parts.create_part(granule).expect("part");
    writer.write(batch).expect("write");
    let summary = writer.finish().expect("finish");
    parts.record(granule, &summary).expect("record");
}

#[test]
fn of_shards_creating_the_plan_together_exactly_one_writes_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = local_spec(dir.path(), "parquet");
    let outcomes: Vec<PlanOutcome> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|shard| {
                let spec = &spec;
                scope.spawn(move || {
                    // Each shard would plan the same list; make them differ to see whose won.
                    let mut mine = plan(&GRANULES, Format::GeoParquet);
                    mine.version = format!("shard {shard}");
                    let prefix = RunPrefix::open(spec, &WriterOptions::default()).expect("open");
                    prefix.create_plan(&mine).expect("create or read")
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let created: Vec<&Plan> = outcomes
        .iter()
        .filter_map(|o| match o {
            PlanOutcome::Created(p) => Some(p),
            PlanOutcome::Existing(_) => None,
        })
        .collect();
    assert_eq!(created.len(), 1, "exactly one shard creates the plan");
    for outcome in &outcomes {
        assert_eq!(
            outcome.plan(),
            created[0],
            "every shard uses the created plan"
        );
    }
    let stored = std::fs::read(dir.path().join(firn_output::PLAN)).expect("plan file");
    assert_absent(&stored, SECRET, "the plan");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    assert_eq!(names, vec![firn_output::PLAN], "no temporary file left");
}

#[test]
fn a_part_counts_as_done_only_with_its_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = local_spec(dir.path(), "parquet");
    let metadata = metadata_with_secret("parts", SECRET);
    let mut parts = PartWriter::open(&spec, &metadata, &WriterOptions::default()).expect("open");
    write_part(&mut parts, GRANULES[0], &segments(0, 400, 1));
    assert!(parts.exists(GRANULES[0]).expect("exists"));
    assert!(!parts.exists(GRANULES[1]).expect("exists"));

    // A part whose writer was killed before its record is not done (it will be written again).
    let mut writer = parts.create_part(GRANULES[1]).expect("part");
    writer.write(&segments(400, 10, 2)).expect("write");
    writer.finish().expect("finish");
    let resumed = PartWriter::open(&spec, &metadata, &WriterOptions::default()).expect("open");
    assert!(resumed.exists(GRANULES[0]).expect("exists"));
    assert!(!resumed.exists(GRANULES[1]).expect("exists"));
    assert_eq!(resumed.manifest().granules.len(), 1);
    assert_eq!(resumed.manifest().granules[0].rows, 400);

    // A record whose part is gone is not done either.
    std::fs::remove_file(dir.path().join(GRANULES[0].replace(".h5", ".parquet"))).expect("rm");
    assert!(!resumed.exists(GRANULES[0]).expect("exists"));
    let record = std::fs::read(
        dir.path()
            .join("_parts")
            .join(GRANULES[0].replace(".h5", ".json")),
    )
    .expect("record");
    let record: Value = serde_json::from_slice(&record).expect("JSON");
    assert_eq!(record["rows"], 400);
    assert_eq!(record["part"], GRANULES[0].replace(".h5", ".parquet"));
}

#[test]
fn gather_states_every_granule_and_succeeds_only_when_all_are_done() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = local_spec(dir.path(), "parquet");
    let options = WriterOptions::default();
    let prefix = RunPrefix::open(&spec, &options).expect("open");
    prefix
        .create_plan(&plan(&GRANULES, Format::GeoParquet))
        .expect("plan");
    let metadata = metadata_with_secret("parts", SECRET);
    let mut parts = PartWriter::open(&spec, &metadata, &options).expect("open");
    let batches: Vec<SegmentBatch> = (0..4).map(|i| segments(i * 300, 300 + i, 5)).collect();

    // Granule 1 failed once, then succeeded on a retry; granule 2 failed; granule 3 never ran.
    prefix
        .record_failure(GRANULES[1], "first attempt: timed out")
        .expect("failure");
    write_part(&mut parts, GRANULES[0], &batches[0]);
    write_part(&mut parts, GRANULES[1], &batches[1]);
    prefix
        .record_failure(
            &format!("s3://src/{}", GRANULES[2]),
            &format!("s3://src/{}: not found (secret {SECRET})", GRANULES[2]),
        )
        .expect("failure");

    let manifest = prefix.gather().expect("gather");
    let done: Vec<&str> = manifest.granules.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(done, [GRANULES[0], GRANULES[1]]);
    assert_eq!(manifest.failed.len(), 1);
    assert_eq!(manifest.failed[0].name, GRANULES[2]);
    assert!(manifest.failed[0].reason.contains("not found"));
    assert_eq!(manifest.missing, [GRANULES[3]]);
    assert_eq!(
        manifest.not_done().collect::<Vec<_>>(),
        [GRANULES[2], GRANULES[3]]
    );
    assert!(!manifest.complete);
    assert_eq!(manifest.rows, 601);
    assert!(!dir.path().join(firn_output::SUCCESS).exists());
    let on_disk = std::fs::read(dir.path().join(firn_output::MANIFEST)).expect("manifest");
    assert_eq!(
        serde_json::from_slice::<firn_output::Manifest>(&on_disk).expect("JSON"),
        manifest
    );
    // A secret that crept into a failure reason is scrubbed only on S3 (where it is known);
    // request credentials never reach the manifest.
    let manifest_json: Value = serde_json::from_slice(&on_disk).expect("JSON");
    assert!(
        manifest_json["request"]["output"]
            .get("credentials")
            .is_none()
    );

    write_part(&mut parts, GRANULES[2], &batches[2]);
    write_part(&mut parts, GRANULES[3], &batches[3]);
    let manifest = prefix.gather().expect("gather");
    assert!(manifest.complete);
    assert!(manifest.failed.is_empty() && manifest.missing.is_empty());
    assert_eq!(manifest.rows, 1206);
    let union = batches
        .iter()
        .filter_map(SegmentBatch::bbox)
        .reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        });
    assert_eq!(manifest.bbox, union);
    let success: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join(firn_output::SUCCESS)).expect("_SUCCESS"),
    )
    .expect("JSON");
    assert_eq!(success, json!({"granules": 4, "rows": 1206}));
}

#[test]
fn merge_streams_the_parts_in_plan_order_into_one_geoparquet_with_the_union_bbox() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prefix_dir = dir.path().join("run");
    let spec = local_spec(&prefix_dir, "parquet");
    // Small row groups, so parts span several and the merge regroups them.
    let options = WriterOptions {
        row_group_rows: 1000,
        ..WriterOptions::default()
    };
    let prefix = RunPrefix::open(&spec, &options).expect("open");
    // The plan's order is not the order the parts are written in.
    let order = [GRANULES[2], GRANULES[0], GRANULES[3], GRANULES[1]];
    prefix
        .create_plan(&plan(&order, Format::GeoParquet))
        .expect("plan");
    let batches: Vec<SegmentBatch> = [2500, 10, 1700, 999]
        .iter()
        .enumerate()
        .map(|(i, &rows)| segments(i * 3000, rows, 7 + i as u64))
        .collect();
    let mut parts =
        PartWriter::open(&spec, &metadata_with_secret("run", SECRET), &options).expect("open");
    for (granule, batch) in order.iter().zip(&batches).rev() {
        write_part(&mut parts, granule, batch);
    }
    let manifest = prefix.gather().expect("gather");
    assert!(manifest.complete);

    let merged = dir.path().join("merged.parquet");
    let summary = prefix
        .merge(&manifest, &Destination::Local(merged.clone()))
        .expect("merge");
    assert_eq!(summary.rows, 5209);
    assert_eq!(summary.bbox, manifest.bbox);
    let report = readback("geoparquet", &merged, &truth(&batches));
    assert_eq!(
        report["row_groups"],
        json!([1000, 1000, 1000, 1000, 1000, 209])
    );
    assert_eq!(
        report["firn"]["granules"],
        json!(order),
        "the merged file names every granule, in plan order"
    );
    assert_absent(
        &std::fs::read(&merged).expect("merged"),
        SECRET,
        "the merged file",
    );
}

#[test]
fn merge_refuses_incomplete_runs_csv_parts_and_targets_inside_the_prefix() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (format, name) in [("parquet", Format::GeoParquet), ("csv", Format::Csv)] {
        let prefix_dir = dir.path().join(format);
        let spec = local_spec(&prefix_dir, format);
        let prefix = RunPrefix::open(&spec, &WriterOptions::default()).expect("open");
        prefix
            .create_plan(&plan(&GRANULES[..2], name))
            .expect("plan");
        let mut parts = PartWriter::open(
            &spec,
            &metadata_with_secret("p", SECRET),
            &WriterOptions::default(),
        )
        .expect("open");
        write_part(&mut parts, GRANULES[0], &segments(0, 50, 1));
        let target = Destination::Local(dir.path().join(format!("{format}.merged")));

        let incomplete = prefix.gather().expect("gather");
        let message = prefix
            .merge(&incomplete, &target)
            .expect_err("incomplete")
            .to_string();
        assert!(
            message.contains("incomplete (1 of 2 granules not done, e.g. ATL03_20200102"),
            "{message}"
        );

        write_part(&mut parts, GRANULES[1], &segments(50, 50, 2));
        let complete = prefix.gather().expect("gather");
        if name == Format::Csv {
            let message = prefix
                .merge(&complete, &target)
                .expect_err("csv")
                .to_string();
            assert!(message.contains("the parts are csv"), "{message}");
        } else {
            let inside = Destination::Local(prefix_dir.join("all.parquet"));
            let error = prefix.merge(&complete, &inside).expect_err("inside");
            assert!(matches!(error, Error::Spec { .. }), "{error}");
            assert!(
                error.to_string().contains("under the run's prefix"),
                "{error}"
            );
        }
        assert!(!target.display().is_empty() && !Path::new(&target.display()).exists());
    }
}

#[test]
fn a_run_on_s3_plans_once_records_gathers_and_merges() {
    let server = MotoServer::start();
    server.create_bucket("firn-runs");
    let output = |path: &str| {
        OutputSpec::from_json(&json!({
            "path": path, "parts": true, "region": "us-east-1", "endpoint": server.endpoint(),
            "credentials": {"aws_access_key_id": ACCESS_KEY, "aws_secret_access_key": SECRET_KEY}
        }))
        .expect("spec")
    };
    let spec = output("s3://firn-runs/grandmesa/run-1/");
    let options = WriterOptions::default();
    let prefix = RunPrefix::open(&spec, &options).expect("open");
    assert_eq!(prefix.read_plan().expect("read"), None);
    let first = prefix
        .create_plan(&plan(&GRANULES[..3], Format::GeoParquet))
        .expect("plan");
    assert!(matches!(first, PlanOutcome::Created(_)));
    // A second shard's plan loses to the first (S3 conditional put), whatever it lists.
    let second = RunPrefix::open(&spec, &options)
        .expect("open")
        .create_plan(&plan(&GRANULES[..1], Format::GeoParquet))
        .expect("plan");
    assert_eq!(second, PlanOutcome::Existing(first.plan().clone()));

    let batches: Vec<SegmentBatch> = (0..3).map(|i| segments(i * 500, 400 + i, 11)).collect();
    let mut parts =
        PartWriter::open(&spec, &metadata_with_secret("s3", SECRET), &options).expect("open");
    write_part(&mut parts, GRANULES[0], &batches[0]);
    write_part(&mut parts, GRANULES[1], &batches[1]);
    assert!(parts.exists(GRANULES[0]).expect("exists"));
    assert!(!parts.exists(GRANULES[2]).expect("exists"));
    prefix
        .record_failure(
            GRANULES[2],
            &format!("denied with {SECRET_KEY} (a credential in a message)"),
        )
        .expect("failure");
    let manifest = prefix.gather().expect("gather");
    assert_eq!(manifest.failed.len(), 1);
    assert!(
        !manifest.failed[0].reason.contains(SECRET_KEY),
        "{}",
        manifest.failed[0].reason
    );
    let target =
        Destination::parse("s3://firn-runs/grandmesa/run-1.parquet", "merge").expect("url");
    assert!(prefix.merge(&manifest, &target).is_err(), "incomplete");

    write_part(&mut parts, GRANULES[2], &batches[2]);
    let manifest = prefix.gather().expect("gather");
    assert!(manifest.complete, "{manifest:?}");
    let summary = prefix.merge(&manifest, &target).expect("merge");
    assert_eq!(summary.rows, 1203);

    let store = server.store("firn-runs");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let fetch = |key: &str| {
        runtime.block_on(async {
            store
                .get(&ObjectPath::from(key))
                .await
                .expect(key)
                .bytes()
                .await
                .expect("body")
                .to_vec()
        })
    };
    let success: Value = serde_json::from_slice(&fetch("grandmesa/run-1/_SUCCESS")).expect("JSON");
    assert_eq!(success["rows"], 1203);
    let local = tempfile::tempdir().expect("tempdir");
    let merged = local.path().join("run-1.parquet");
    std::fs::write(&merged, fetch("grandmesa/run-1.parquet")).expect("save");
    readback("geoparquet", &merged, &truth(&batches));
}
