//! The inspection commands on the real fixture: `firn h5 ls|cat` and `firn atl03 info|subset`.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn fixture() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/atl03/ATL03_gt1l_subset.h5")
        .to_string_lossy()
        .into_owned()
}

fn firn(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_firn"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Values h5py reads for a dataset's rows, printed with Python's repr (shortest round-trip).
fn h5py_rows(dataset: &str, start: usize, count: usize) -> Vec<String> {
    let script = format!(
        "import h5py\nd = h5py.File({:?})[{dataset:?}][{start}:{}]\nfor row in d:\n    \
         print(','.join(repr(v.item()) for v in (row if row.ndim else [row])))",
        fixture(),
        start + count
    );
    let out = Command::new(firn_tests::python())
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn cat_prints_what_h5py_reads_and_floats_round_trip() {
    for (dataset, parse_as_f32) in [
        ("/gt1l/heights/h_ph", true),
        ("/gt1l/heights/lat_ph", false),
        ("/gt1l/heights/signal_conf_ph", false),
        ("/gt1l/geolocation/velocity_sc", true),
    ] {
        let (code, stdout, stderr) = firn(&[
            "h5",
            "cat",
            &fixture(),
            dataset,
            "--start",
            "17",
            "--count",
            "6",
        ]);
        assert_eq!(code, 0, "{stderr}");
        let ours: Vec<&str> = stdout.lines().collect();
        let theirs = h5py_rows(dataset, 17, 6);
        assert_eq!(ours.len(), 6, "{dataset}");
        for (a, b) in ours.iter().zip(&theirs) {
            for (x, y) in a.split(',').zip(b.split(',')) {
                if parse_as_f32 {
                    // Python prints the f32 widened to f64; both must name the same f32.
                    assert_eq!(
                        x.parse::<f32>().unwrap(),
                        y.parse::<f64>().unwrap() as f32,
                        "{dataset}"
                    );
                } else {
                    assert_eq!(
                        x.parse::<f64>().unwrap(),
                        y.parse::<f64>().unwrap(),
                        "{dataset}"
                    );
                }
            }
        }
    }
}

#[test]
fn ls_lists_every_object_with_its_storage() {
    let (code, stdout, stderr) = firn(&["h5", "ls", &fixture()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("signal_conf_ph  i8 [2909, 5] chunks [10000, 5] shuffle deflate(6)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("h_ph  f32 [2909] chunks [10000] deflate(6)"),
        "{stdout}"
    );
    assert!(stdout.lines().count() > 100, "every object is listed");
}

#[test]
fn cat_outside_the_dataset_is_a_clear_error() {
    let (code, _, stderr) = firn(&[
        "h5",
        "cat",
        &fixture(),
        "/gt1l/heights/h_ph",
        "--start",
        "2900",
        "--count",
        "20",
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("/gt1l/heights/h_ph") && stderr.contains("2909"),
        "{stderr}"
    );
    let (code, _, stderr) = firn(&["h5", "cat", &fixture(), "/gt1l/heights/nope"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("/gt1l/heights/nope"), "{stderr}");
}

#[test]
fn atl03_info_and_subset_report_the_granule() {
    let (code, stdout, stderr) = firn(&["atl03", "info", &fixture()]);
    assert_eq!(code, 0, "{stderr}");
    let info: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(info["beams"][0]["beam"], "gt1l");
    assert_eq!(info["beams"][0]["photons"], 2909);
    assert_eq!(info["beams"][0]["segments"], 40);
    assert_eq!(info["identity_source"], "Unknown");
    assert!(
        info["time_span"][0]
            .as_str()
            .unwrap()
            .starts_with("2018-10-14T00:2")
    );

    let (code, stdout, stderr) = firn(&["atl03", "subset", &fixture(), r#"{"cnf": 4}"#]);
    assert_eq!(code, 0, "{stderr}");
    let subset: Value = serde_json::from_str(&stdout).unwrap();
    let beam = &subset["beams"][0];
    assert_eq!(beam["photons"], 2909);
    assert!(beam["photons_filtered"].as_u64().unwrap() < 2909);
    assert!(beam["extents"].as_u64().unwrap() >= 38);

    let (code, _, stderr) = firn(&["atl03", "subset", &fixture(), r#"{"cnf": 9}"#]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cnf"), "{stderr}");
}
