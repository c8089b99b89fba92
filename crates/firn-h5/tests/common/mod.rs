//! Helpers shared by the integration tests: comparing firn-h5 reads with libhdf5's (hdf5-metno).

#![allow(dead_code)]

use std::time::{Duration, Instant};

use firn_h5::{Dataset, Datatype};

/// Walks an hdf5-metno group and returns the absolute paths of every dataset below it.
pub(crate) fn hdf5_dataset_paths(group: &hdf5::Group, prefix: &str, out: &mut Vec<String>) {
    for name in group.member_names().expect("member names") {
        let path = format!("{prefix}/{name}");
        if let Ok(child) = group.group(&name) {
            hdf5_dataset_paths(&child, &path, out);
        } else if group.dataset(&name).is_ok() {
            out.push(path);
        }
    }
}

/// Reads `ours` with firn-h5 and `theirs` with libhdf5 and asserts the bytes are identical
/// (floats compared bit for bit), together with the shape.
pub(crate) fn assert_same(ours: &Dataset, theirs: &hdf5::Dataset) {
    let shape: Vec<u64> = theirs.shape().iter().map(|&d| d as u64).collect();
    assert_eq!(ours.shape(), shape.as_slice(), "{}: shape", ours.path());
    match *ours.dtype() {
        Datatype::Integer {
            size: 1,
            signed: true,
        } => same::<i8>(ours, theirs),
        Datatype::Integer {
            size: 1,
            signed: false,
        } => same::<u8>(ours, theirs),
        Datatype::Integer {
            size: 2,
            signed: true,
        } => same::<i16>(ours, theirs),
        Datatype::Integer {
            size: 2,
            signed: false,
        } => same::<u16>(ours, theirs),
        Datatype::Integer {
            size: 4,
            signed: true,
        } => same::<i32>(ours, theirs),
        Datatype::Integer {
            size: 4,
            signed: false,
        } => same::<u32>(ours, theirs),
        Datatype::Integer {
            size: 8,
            signed: true,
        } => same::<i64>(ours, theirs),
        Datatype::Integer {
            size: 8,
            signed: false,
        } => same::<u64>(ours, theirs),
        Datatype::Float { size: 4 } => same::<f32>(ours, theirs),
        Datatype::Float { size: 8 } => same::<f64>(ours, theirs),
        Datatype::FixedString { .. } => {
            let want: Vec<String> = theirs
                .read_raw::<hdf5::types::FixedAscii<4096>>()
                .expect("libhdf5 reads the strings")
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect();
            assert_eq!(
                ours.read_strings().expect("firn-h5 reads the strings"),
                want,
                "{}",
                ours.path()
            );
        }
        ref other => panic!("{}: unexpected datatype {other}", ours.path()),
    }
}

fn same<T>(ours: &Dataset, theirs: &hdf5::Dataset)
where
    T: firn_h5::H5Type + hdf5::H5Type + bytemuck::Pod,
{
    let got = ours
        .read::<T>()
        .unwrap_or_else(|e| panic!("firn-h5 read: {e}"));
    let want = theirs.read_raw::<T>().expect("libhdf5 read");
    assert!(
        bytemuck::cast_slice::<T, u8>(&got) == bytemuck::cast_slice::<T, u8>(&want),
        "{}: values differ from libhdf5",
        ours.path()
    );
}

/// Runs `f` on a thread and fails if it panics or takes longer than `limit`.
pub(crate) fn within<T: Send + 'static>(
    limit: Duration,
    label: String,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    let start = Instant::now();
    let handle = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(value) => {
            let _ = handle.join();
            value
        }
        Err(_) => {
            if handle.is_finished() {
                panic!("{label}: panicked after {:?}", start.elapsed());
            }
            panic!("{label}: still running after {limit:?} (a hang?)");
        }
    }
}

/// Which libhdf5 format bounds a synthetic file is written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Libver {
    /// `libver earliest`: superblock v0, symbol-table groups, v1 object headers.
    Earliest,
    /// Bounds v18..v18, like ATL03: superblock v2, v2 object headers, link messages (dense in
    /// groups of more than 8 links), layout v3 with v1 B-tree chunk indexes.
    V18,
    /// `libver latest`: layout v4 chunk indexes (unsupported by firn-h5).
    Latest,
}

/// What a synthetic dataset was written with.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub(crate) path: String,
    pub(crate) shape: Vec<u64>,
    pub(crate) chunk: Option<Vec<u64>>,
    pub(crate) filters: Vec<firn_h5::FilterInfo>,
    pub(crate) dtype: Datatype,
}

/// Deterministic pseudo-random values whose bit patterns cover the whole type (NaN payloads,
/// infinities, subnormals and negative zero included for floats).
pub(crate) trait Gen: hdf5::H5Type + firn_h5::H5Type + Copy {
    fn from_bits(bits: u64) -> Self;
}

macro_rules! gen_int {
    ($($t:ty),*) => {$(impl Gen for $t { fn from_bits(bits: u64) -> Self { bits as $t } })*};
}
gen_int!(i8, u8, i16, u16, i32, u32, i64, u64);
impl Gen for f32 {
    fn from_bits(bits: u64) -> Self {
        f32::from_bits(bits as u32)
    }
}
impl Gen for f64 {
    fn from_bits(bits: u64) -> Self {
        f64::from_bits(bits)
    }
}

/// `n` values from seed `seed`.
pub(crate) fn values<T: Gen>(n: usize, seed: u64) -> Vec<T> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            T::from_bits(state)
        })
        .collect()
}

/// Creates a file with the given format bounds.
pub(crate) fn create(path: &std::path::Path, libver: Libver) -> hdf5::File {
    hdf5::File::with_options()
        .with_fapl(|p| match libver {
            Libver::Earliest => p.libver_earliest(),
            Libver::V18 => p.libver_bounds(
                hdf5::file::LibraryVersion::V18,
                hdf5::file::LibraryVersion::V18,
            ),
            Libver::Latest => p.libver_latest(),
        })
        .create(path)
        .expect("create the file")
}

fn deflate(level: u32) -> firn_h5::FilterInfo {
    firn_h5::FilterInfo::Deflate { level }
}

/// One chunked 1-D dataset of `T` (a partial edge chunk), and a contiguous one.
fn write_type<T: Gen>(
    group: &hdf5::Group,
    name: &str,
    dtype: Datatype,
    seed: u64,
    specs: &mut Vec<Spec>,
) {
    let integer = matches!(dtype, Datatype::Integer { .. });
    let data = values::<T>(1000, seed);
    let mut builder = group.new_dataset::<T>().shape(1000).chunk(64).deflate(6);
    let mut filters = vec![deflate(6)];
    if integer {
        builder = group
            .new_dataset::<T>()
            .shape(1000)
            .chunk(64)
            .shuffle()
            .deflate(6);
        filters = vec![firn_h5::FilterInfo::Shuffle, deflate(6)];
    }
    builder
        .create(format!("{name}_chunked").as_str())
        .unwrap()
        .write_raw(&data)
        .unwrap();
    specs.push(Spec {
        path: format!("{}/{name}_chunked", group.name()),
        shape: vec![1000],
        chunk: Some(vec![64]),
        filters,
        dtype: dtype.clone(),
    });
    let data = values::<T>(37, seed + 1);
    group
        .new_dataset::<T>()
        .shape(37)
        .create(format!("{name}_contiguous").as_str())
        .unwrap()
        .write_raw(&data)
        .unwrap();
    specs.push(Spec {
        path: format!("{}/{name}_contiguous", group.name()),
        shape: vec![37],
        chunk: None,
        filters: vec![],
        dtype,
    });
}

/// Writes the synthetic suite: every type, 1-D and 2-D, chunked (partial edge chunks), deflate,
/// shuffle + deflate, contiguous, compact, scalar, strings, empty, a fill-only dataset, a group of
/// 20 members (dense links in new-style files) and nested groups.
pub(crate) fn write_suite(path: &std::path::Path, libver: Libver) -> Vec<Spec> {
    use hdf5::types::FixedAscii;
    let file = create(path, libver);
    let mut specs = Vec::new();
    let g = file.create_group("types").unwrap();
    let int = |size, signed| Datatype::Integer { size, signed };
    write_type::<i8>(&g, "i8", int(1, true), 1, &mut specs);
    write_type::<u8>(&g, "u8", int(1, false), 2, &mut specs);
    write_type::<i16>(&g, "i16", int(2, true), 3, &mut specs);
    write_type::<u16>(&g, "u16", int(2, false), 4, &mut specs);
    write_type::<i32>(&g, "i32", int(4, true), 5, &mut specs);
    write_type::<u32>(&g, "u32", int(4, false), 6, &mut specs);
    write_type::<i64>(&g, "i64", int(8, true), 7, &mut specs);
    write_type::<u64>(&g, "u64", int(8, false), 8, &mut specs);
    write_type::<f32>(&g, "f32", Datatype::Float { size: 4 }, 9, &mut specs);
    write_type::<f64>(&g, "f64", Datatype::Float { size: 8 }, 10, &mut specs);

    let g = file.create_group("shapes").unwrap();
    let mut add = |path: &str,
                   shape: &[u64],
                   chunk: Option<&[u64]>,
                   filters: Vec<firn_h5::FilterInfo>,
                   dtype| {
        specs.push(Spec {
            path: format!("/shapes/{path}"),
            shape: shape.to_vec(),
            chunk: chunk.map(<[u64]>::to_vec),
            filters,
            dtype,
        })
    };
    g.new_dataset::<f32>()
        .shape((301, 5))
        .chunk((64, 5))
        .shuffle()
        .deflate(6)
        .create("f32_n5")
        .unwrap()
        .write_raw(&values::<f32>(301 * 5, 11))
        .unwrap();
    add(
        "f32_n5",
        &[301, 5],
        Some(&[64, 5]),
        vec![firn_h5::FilterInfo::Shuffle, deflate(6)],
        Datatype::Float { size: 4 },
    );
    g.new_dataset::<f64>()
        .shape((301, 3))
        .chunk((50, 3))
        .deflate(4)
        .create("f64_n3")
        .unwrap()
        .write_raw(&values::<f64>(301 * 3, 12))
        .unwrap();
    add(
        "f64_n3",
        &[301, 3],
        Some(&[50, 3]),
        vec![deflate(4)],
        Datatype::Float { size: 8 },
    );
    g.new_dataset::<i8>()
        .shape((301, 5))
        .chunk((100, 5))
        .shuffle()
        .deflate(6)
        .create("i8_n5")
        .unwrap()
        .write_raw(&values::<i8>(301 * 5, 13))
        .unwrap();
    add(
        "i8_n5",
        &[301, 5],
        Some(&[100, 5]),
        vec![firn_h5::FilterInfo::Shuffle, deflate(6)],
        int(1, true),
    );
    g.new_dataset::<i32>()
        .shape((100, 5))
        .chunk((16, 2))
        .deflate(1)
        .create("i32_split")
        .unwrap()
        .write_raw(&values::<i32>(500, 14))
        .unwrap();
    add(
        "i32_split",
        &[100, 5],
        Some(&[16, 2]),
        vec![deflate(1)],
        int(4, true),
    );
    g.new_dataset::<u16>()
        .shape(100)
        .chunk(30)
        .create("u16_unfiltered")
        .unwrap()
        .write_raw(&values::<u16>(100, 15))
        .unwrap();
    add("u16_unfiltered", &[100], Some(&[30]), vec![], int(2, false));
    g.new_dataset::<f64>()
        .shape(10)
        .layout(hdf5::dataset::Layout::Compact)
        .create("f64_compact")
        .unwrap()
        .write_raw(&values::<f64>(10, 16))
        .unwrap();
    add(
        "f64_compact",
        &[10],
        None,
        vec![],
        Datatype::Float { size: 8 },
    );
    g.new_dataset::<f64>()
        .shape(())
        .create("f64_scalar")
        .unwrap()
        .write_scalar(&-273.15f64)
        .unwrap();
    add("f64_scalar", &[], None, vec![], Datatype::Float { size: 8 });
    g.new_dataset::<i8>()
        .shape(1)
        .create("i8_one")
        .unwrap()
        .write_raw(&[1i8])
        .unwrap();
    add("i8_one", &[1], None, vec![], int(1, true));
    // hdf5-metno stores an empty dataset chunked, one element a chunk.
    g.new_dataset::<f64>()
        .shape(0)
        .create("empty_default")
        .unwrap();
    add(
        "empty_default",
        &[0],
        Some(&[1]),
        vec![],
        Datatype::Float { size: 8 },
    );
    g.new_dataset::<f32>()
        .shape([0..])
        .chunk(10)
        .deflate(6)
        .create("empty_chunked")
        .unwrap();
    add(
        "empty_chunked",
        &[0],
        Some(&[10]),
        vec![deflate(6)],
        Datatype::Float { size: 4 },
    );
    g.new_dataset::<f64>()
        .shape(100)
        .chunk(10)
        .fill_value(7.5f64)
        .create("fill_only")
        .unwrap();
    add(
        "fill_only",
        &[100],
        Some(&[10]),
        vec![],
        Datatype::Float { size: 8 },
    );
    g.new_dataset::<FixedAscii<16>>()
        .shape(())
        .create("str_scalar")
        .unwrap()
        .write_scalar(&FixedAscii::<16>::from_ascii("hello ICESat-2").unwrap())
        .unwrap();
    add(
        "str_scalar",
        &[],
        None,
        vec![],
        Datatype::FixedString {
            size: 16,
            padding: firn_h5::StringPadding::NullPadded,
        },
    );
    let words: Vec<FixedAscii<8>> = ["a", "bcd", "efghijkl"]
        .iter()
        .map(|s| FixedAscii::from_ascii(s).unwrap())
        .collect();
    g.new_dataset::<FixedAscii<8>>()
        .shape(3)
        .create("str_1d")
        .unwrap()
        .write_raw(&words)
        .unwrap();
    add(
        "str_1d",
        &[3],
        None,
        vec![],
        Datatype::FixedString {
            size: 8,
            padding: firn_h5::StringPadding::NullPadded,
        },
    );

    let many = file.create_group("many").unwrap();
    for i in 0..20 {
        let name = format!("member_{i:02}");
        many.new_dataset::<i32>()
            .shape(3)
            .create(name.as_str())
            .unwrap()
            .write_raw(&values::<i32>(3, 100 + i))
            .unwrap();
        specs.push(Spec {
            path: format!("/many/{name}"),
            shape: vec![3],
            chunk: None,
            filters: vec![],
            dtype: int(4, true),
        });
    }
    let leaf = file
        .create_group("a")
        .unwrap()
        .create_group("b")
        .unwrap()
        .create_group("c")
        .unwrap();
    leaf.new_dataset::<u64>()
        .shape(4)
        .create("leaf")
        .unwrap()
        .write_raw(&[1u64, 2, 3, 4])
        .unwrap();
    specs.push(Spec {
        path: "/a/b/c/leaf".to_owned(),
        shape: vec![4],
        chunk: None,
        filters: vec![],
        dtype: int(8, false),
    });
    specs
}
