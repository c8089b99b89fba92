//! Written granules read back with libhdf5 (hdf5-metno): structure, types, chunking, filters,
//! superblock versions, index consistency and agreement with the in-memory generator.

use std::path::Path;

use firn_synth::{
    Beam, Gaps, GranuleOutput, GranuleSpec, Layout, WriteOptions, generate_beam, write_granule_with,
};
use hdf5::filters::Filter;
use hdf5::{Dataset, File, H5Type};

fn small_spec(layout: Layout) -> GranuleSpec {
    GranuleSpec {
        seed: 42,
        length_km: 3.0,
        layout,
        chunk_rows: 1_000,
        // Plenty of empty segments, so ph_index_beg = 0 is exercised.
        empty: Gaps {
            fraction: 0.15,
            min_len_m: 20.0,
            max_len_m: 120.0,
        },
        ..GranuleSpec::default()
    }
}

fn write(spec: &GranuleSpec, dir: &Path) -> GranuleOutput {
    write_granule_with(spec, dir, &WriteOptions::default()).expect("granule written")
}

enum Kind {
    Int,
    Float,
}

fn check<T: H5Type>(
    file: &File,
    path: &str,
    rows: usize,
    width: usize,
    chunk_rows: usize,
    kind: Kind,
) {
    let ds: Dataset = file
        .dataset(path)
        .unwrap_or_else(|e| panic!("{path} missing: {e}"));
    assert!(
        ds.dtype().expect("dtype").is::<T>(),
        "{path}: wrong datatype"
    );
    let shape = if width > 1 {
        vec![rows, width]
    } else {
        vec![rows]
    };
    assert_eq!(ds.shape(), shape, "{path}: shape");
    let chunk = if width > 1 {
        vec![chunk_rows, width]
    } else {
        vec![chunk_rows]
    };
    assert_eq!(ds.chunk(), Some(chunk), "{path}: chunk shape");
    let filters = match kind {
        Kind::Int => vec![Filter::Shuffle, Filter::Deflate(6)],
        Kind::Float => vec![Filter::Deflate(6)],
    };
    assert_eq!(ds.filters(), filters, "{path}: filter pipeline");
}

fn assert_structure(layout: Layout) {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = small_spec(layout);
    let out = write(&spec, dir.path());
    assert_eq!(
        out.h5_path.file_name().and_then(|n| n.to_str()),
        Some(spec.file_name().as_str())
    );
    let file = File::open(&out.h5_path).expect("libhdf5 opens the granule");
    let c = spec.chunk_rows;
    for summary in &out.beams {
        let b = summary.beam.name();
        let n = usize::try_from(summary.photons).expect("fits");
        let s = usize::try_from(summary.segments).expect("fits");
        check::<f32>(&file, &format!("{b}/heights/h_ph"), n, 1, c, Kind::Float);
        check::<f64>(&file, &format!("{b}/heights/lat_ph"), n, 1, c, Kind::Float);
        check::<f64>(&file, &format!("{b}/heights/lon_ph"), n, 1, c, Kind::Float);
        check::<f64>(
            &file,
            &format!("{b}/heights/delta_time"),
            n,
            1,
            c,
            Kind::Float,
        );
        check::<f32>(
            &file,
            &format!("{b}/heights/dist_ph_along"),
            n,
            1,
            c,
            Kind::Float,
        );
        check::<f32>(
            &file,
            &format!("{b}/heights/dist_ph_across"),
            n,
            1,
            c,
            Kind::Float,
        );
        check::<i8>(
            &file,
            &format!("{b}/heights/signal_conf_ph"),
            n,
            5,
            c,
            Kind::Int,
        );
        check::<i8>(
            &file,
            &format!("{b}/heights/quality_ph"),
            n,
            1,
            c,
            Kind::Int,
        );
        check::<u8>(&file, &format!("{b}/heights/weight_ph"), n, 1, c, Kind::Int);
        check::<i32>(
            &file,
            &format!("{b}/geolocation/segment_id"),
            s,
            1,
            c,
            Kind::Int,
        );
        check::<f64>(
            &file,
            &format!("{b}/geolocation/segment_dist_x"),
            s,
            1,
            c,
            Kind::Float,
        );
        check::<f64>(
            &file,
            &format!("{b}/geolocation/segment_length"),
            s,
            1,
            c,
            Kind::Float,
        );
        check::<i32>(
            &file,
            &format!("{b}/geolocation/segment_ph_cnt"),
            s,
            1,
            c,
            Kind::Int,
        );
        check::<i64>(
            &file,
            &format!("{b}/geolocation/ph_index_beg"),
            s,
            1,
            c,
            Kind::Int,
        );
        check::<f64>(
            &file,
            &format!("{b}/geolocation/reference_photon_lat"),
            s,
            1,
            c,
            Kind::Float,
        );
        check::<f64>(
            &file,
            &format!("{b}/geolocation/reference_photon_lon"),
            s,
            1,
            c,
            Kind::Float,
        );
        check::<f32>(
            &file,
            &format!("{b}/geolocation/velocity_sc"),
            s,
            3,
            c,
            Kind::Float,
        );
        check::<f64>(
            &file,
            &format!("{b}/geolocation/delta_time"),
            s,
            1,
            c,
            Kind::Float,
        );
        check::<f32>(
            &file,
            &format!("{b}/geolocation/solar_elevation"),
            s,
            1,
            c,
            Kind::Float,
        );
        let bg = file
            .dataset(&format!("{b}/bckgrd_atlas/delta_time"))
            .expect("bckgrd delta_time");
        assert!(bg.dtype().expect("dtype").is::<f64>());
        let rate = file
            .dataset(&format!("{b}/bckgrd_atlas/bckgrd_rate"))
            .expect("bckgrd_rate");
        assert!(rate.dtype().expect("dtype").is::<f32>());
        assert_eq!(bg.shape(), rate.shape());
    }
    let sc = file.dataset("orbit_info/sc_orient").expect("sc_orient");
    assert!(sc.dtype().expect("dtype").is::<i8>());
    assert_eq!(
        sc.read_raw::<i8>().expect("read"),
        vec![spec.sc_orient.code()]
    );
    let rgt = file.dataset("orbit_info/rgt").expect("rgt");
    assert!(rgt.dtype().expect("dtype").is::<i16>());
    assert_eq!(
        rgt.read_raw::<i16>().expect("read"),
        vec![i16::try_from(spec.rgt).expect("fits")]
    );
    let cycle = file
        .dataset("orbit_info/cycle_number")
        .expect("cycle_number");
    assert!(cycle.dtype().expect("dtype").is::<i8>());
    assert_eq!(
        cycle.read_raw::<i8>().expect("read"),
        vec![i8::try_from(spec.cycle).expect("fits")]
    );
    let epoch = file
        .dataset("ancillary_data/atlas_sdp_gps_epoch")
        .expect("epoch");
    assert_eq!(
        epoch.read_raw::<f64>().expect("read"),
        vec![1_198_800_018.0]
    );
}

#[test]
fn old_layout_has_every_dataset_with_exact_types_chunks_and_filters() {
    assert_structure(Layout::Old);
}

#[test]
fn new_layout_has_every_dataset_with_exact_types_chunks_and_filters() {
    assert_structure(Layout::New);
}

fn superblock_version(path: &Path) -> u8 {
    let bytes = std::fs::read(path).expect("read granule");
    assert_eq!(
        &bytes[..8],
        b"\x89HDF\r\n\x1a\n",
        "HDF5 signature at offset 0"
    );
    bytes[8]
}

#[test]
fn layouts_have_the_promised_superblock_versions() {
    for (layout, version) in [(Layout::Old, 0), (Layout::New, 2), (Layout::Latest, 3)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let spec = GranuleSpec {
            length_km: 0.5,
            beams: vec![Beam::Gt2l],
            ..small_spec(layout)
        };
        let out = write(&spec, dir.path());
        assert_eq!(superblock_version(&out.h5_path), version, "{layout:?}");
        // libhdf5 reads every layout back.
        let file = File::open(&out.h5_path).expect("open");
        let h = file
            .dataset("gt2l/heights/h_ph")
            .expect("h_ph")
            .read_raw::<f32>()
            .expect("read");
        assert_eq!(h.len() as u64, out.beams[0].photons);
    }
}

#[test]
fn file_contents_equal_the_in_memory_generator() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 3 km with 1,000-row chunks: many chunks and a partial edge chunk per dataset.
    let spec = small_spec(Layout::New);
    let out = write(&spec, dir.path());
    let file = File::open(&out.h5_path).expect("open");
    for beam in [Beam::Gt1l, Beam::Gt3r] {
        let mem = generate_beam(&spec, beam).expect("generate");
        let b = beam.name();
        let read = |name: &str| file.dataset(&format!("{b}/{name}")).expect(name);
        assert_eq!(
            read("heights/h_ph").read_raw::<f32>().expect("h_ph"),
            mem.photons.h_ph
        );
        assert_eq!(
            read("heights/lat_ph").read_raw::<f64>().expect("lat"),
            mem.photons.lat_ph
        );
        assert_eq!(
            read("heights/lon_ph").read_raw::<f64>().expect("lon"),
            mem.photons.lon_ph
        );
        assert_eq!(
            read("heights/delta_time").read_raw::<f64>().expect("t"),
            mem.photons.delta_time
        );
        assert_eq!(
            read("heights/dist_ph_along")
                .read_raw::<f32>()
                .expect("along"),
            mem.photons.dist_ph_along
        );
        assert_eq!(
            read("heights/dist_ph_across")
                .read_raw::<f32>()
                .expect("across"),
            mem.photons.dist_ph_across
        );
        let conf: Vec<i8> = mem
            .photons
            .signal_conf_ph
            .iter()
            .flatten()
            .copied()
            .collect();
        assert_eq!(
            read("heights/signal_conf_ph")
                .read_raw::<i8>()
                .expect("conf"),
            conf
        );
        assert_eq!(
            read("heights/quality_ph").read_raw::<i8>().expect("q"),
            mem.photons.quality_ph
        );
        assert_eq!(
            read("heights/weight_ph").read_raw::<u8>().expect("w"),
            mem.photons.weight_ph
        );
        let s = &mem.segments;
        assert_eq!(
            read("geolocation/segment_id")
                .read_raw::<i32>()
                .expect("id"),
            s.segment_id
        );
        assert_eq!(
            read("geolocation/segment_dist_x")
                .read_raw::<f64>()
                .expect("x"),
            s.segment_dist_x
        );
        assert_eq!(
            read("geolocation/segment_ph_cnt")
                .read_raw::<i32>()
                .expect("cnt"),
            s.segment_ph_cnt
        );
        assert_eq!(
            read("geolocation/ph_index_beg")
                .read_raw::<i64>()
                .expect("beg"),
            s.ph_index_beg
        );
        let v: Vec<f32> = s.velocity_sc.iter().flatten().copied().collect();
        assert_eq!(
            read("geolocation/velocity_sc")
                .read_raw::<f32>()
                .expect("v"),
            v
        );
        assert_eq!(
            read("bckgrd_atlas/bckgrd_rate")
                .read_raw::<f32>()
                .expect("rate"),
            mem.background.bckgrd_rate
        );
    }
}

#[test]
fn segment_indexes_are_cumulative_one_based_and_zero_when_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = small_spec(Layout::Old);
    let out = write(&spec, dir.path());
    let file = File::open(&out.h5_path).expect("open");
    for summary in &out.beams {
        let b = summary.beam.name();
        let cnt = file
            .dataset(&format!("{b}/geolocation/segment_ph_cnt"))
            .expect("cnt")
            .read_raw::<i32>()
            .expect("read");
        let beg = file
            .dataset(&format!("{b}/geolocation/ph_index_beg"))
            .expect("beg")
            .read_raw::<i64>()
            .expect("read");
        let ids = file
            .dataset(&format!("{b}/geolocation/segment_id"))
            .expect("id")
            .read_raw::<i32>()
            .expect("read");
        let x = file
            .dataset(&format!("{b}/geolocation/segment_dist_x"))
            .expect("x")
            .read_raw::<f64>()
            .expect("read");
        let mut next = 1i64;
        let mut empty = 0;
        for (k, (&c, &i)) in cnt.iter().zip(&beg).enumerate() {
            if c == 0 {
                assert_eq!(
                    i, 0,
                    "{b} segment {k}: empty segment must have ph_index_beg 0"
                );
                empty += 1;
            } else {
                assert_eq!(i, next, "{b} segment {k}");
                next += i64::from(c);
            }
        }
        assert_eq!(
            next - 1,
            i64::try_from(summary.photons).expect("fits"),
            "{b}: counts sum to the photon total"
        );
        assert!(empty > 0, "{b}: the spec asks for telemetry gaps");
        assert!(
            ids.windows(2).all(|w| w[1] == w[0] + 1),
            "{b}: segment_id continuous"
        );
        for w in x.windows(2) {
            let d = w[1] - w[0];
            assert!((d - 20.0057).abs() <= 0.0021, "{b}: spacing {d}");
        }
        assert!(
            x.windows(2).any(|w| ((w[1] - w[0]) - 20.0057).abs() > 1e-4),
            "{b}: spacing has jitter"
        );
        // segment_id follows the along-track distance (ATL03: id ≈ dist_x / 20).
        assert!(((x[0] / 20.0057).round() as i64 + 1 - i64::from(ids[0])).abs() <= 1);
    }
}

#[test]
fn same_seed_gives_byte_identical_files_and_another_seed_does_not() {
    let spec = GranuleSpec {
        length_km: 1.0,
        ..small_spec(Layout::New)
    };
    let (a, b, c) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
        tempfile::tempdir().expect("c"),
    );
    let fa = write(&spec, a.path()).h5_path;
    let fb = write(&spec, b.path()).h5_path;
    let fc = write(
        &GranuleSpec {
            seed: 43,
            ..spec.clone()
        },
        c.path(),
    )
    .h5_path;
    let bytes = |p: &Path| std::fs::read(p).expect("read");
    assert!(bytes(&fa) == bytes(&fb), "same seed, same bytes");
    assert!(bytes(&fa) != bytes(&fc), "another seed changes the photons");
}

#[test]
fn generation_does_not_depend_on_the_thread_count() {
    let spec = GranuleSpec {
        length_km: 12.0,
        ..small_spec(Layout::New)
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .expect("pool");
    let a = one
        .install(|| generate_beam(&spec, Beam::Gt2r))
        .expect("generate");
    let b = three
        .install(|| generate_beam(&spec, Beam::Gt2r))
        .expect("generate");
    assert!(a.segments.len() > 256, "more than one block");
    assert_eq!(a, b);
}

#[test]
fn truth_sidecars_match_the_granule() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = small_spec(Layout::New);
    let out = write(&spec, dir.path());
    let rows = |p: &Path| {
        let f = std::fs::File::open(p).expect("open parquet");
        SerializedFileReader::new(f)
            .expect("parquet")
            .metadata()
            .file_metadata()
            .num_rows()
    };
    let segs: u64 = out.beams.iter().map(|b| b.segments).sum();
    assert_eq!(rows(&out.truth_segments_path) as u64, segs);
    let photons = out
        .truth_photons_path
        .as_deref()
        .expect("photon truth requested");
    assert_eq!(rows(photons) as u64, out.total_photons());
    let stem = spec.granule_stem();
    assert!(
        out.truth_segments_path
            .ends_with(format!("{stem}_truth_segments.parquet"))
    );
    // No partial files are left behind.
    let leftovers = std::fs::read_dir(dir.path()).expect("ls").filter(|e| {
        e.as_ref()
            .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".partial"))
    });
    assert_eq!(leftovers.count(), 0);
}

#[test]
fn bad_spec_is_rejected_before_any_file_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = GranuleSpec {
        signal_per_shot: -1.0,
        ..GranuleSpec::default()
    };
    let err =
        write_granule_with(&spec, dir.path(), &WriteOptions::default()).expect_err("rejected");
    assert!(err.to_string().contains("signal_per_shot"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 0);
}
