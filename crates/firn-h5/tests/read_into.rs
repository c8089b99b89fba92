//! Reads into caller-owned buffers: window by window into one reused buffer, checked against
//! libhdf5 for every number type and layout of the synthetic suite; buffers of the wrong type,
//! size or count are typed errors.

mod common;

use common::{Libver, write_suite};
use firn_h5::{ArrayMut, Dataset, Datatype, Error, File};

/// Rows per window: odd, so windows start and end inside chunks of every chunk shape in the suite.
const WINDOW: u64 = 7;

/// Reads `ours` window by window into one reused buffer, with `read_rows_into` and with
/// `read_batch_into`, and compares every window with the same rows of libhdf5's reading.
fn windows_match<T>(file: &File, ours: &Dataset, theirs: &hdf5::Dataset)
where
    T: firn_h5::H5Type + hdf5::H5Type + bytemuck::Pod,
    for<'a> ArrayMut<'a>: From<&'a mut [T]>,
{
    let want = theirs.read_raw::<T>().expect("libhdf5 read");
    let want: &[u8] = bytemuck::cast_slice(&want);
    let row_elements = ours.row_elements() as usize;
    let row_bytes = row_elements * size_of::<T>();
    let mut buffer = vec![T::default(); WINDOW as usize * row_elements];
    for start in (0..ours.len()).step_by(WINDOW as usize) {
        let rows = start..(start + WINDOW).min(ours.len());
        let n = (rows.end - rows.start) as usize * row_elements;
        let expected = &want[start as usize * row_bytes..][..n * size_of::<T>()];
        // A sentinel before each read: a read that leaves any byte unwritten is caught.
        bytemuck::cast_slice_mut::<T, u8>(&mut buffer).fill(0xA5);
        ours.read_rows_into(rows.clone(), &mut buffer[..n])
            .unwrap_or_else(|e| panic!("{}: {e}", ours.path()));
        assert!(
            bytemuck::cast_slice::<T, u8>(&buffer[..n]) == expected,
            "{}: rows {rows:?} differ from libhdf5 (read_rows_into)",
            ours.path()
        );
        bytemuck::cast_slice_mut::<T, u8>(&mut buffer).fill(0x5A);
        file.read_batch_into(&[(ours, rows.clone())], &mut [(&mut buffer[..n]).into()])
            .unwrap_or_else(|e| panic!("{}: {e}", ours.path()));
        assert!(
            bytemuck::cast_slice::<T, u8>(&buffer[..n]) == expected,
            "{}: rows {rows:?} differ from libhdf5 (read_batch_into)",
            ours.path()
        );
    }
}

fn check_file(libver: Libver) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("suite.h5");
    let specs = write_suite(&path, libver);
    let ours = File::open(&path).unwrap();
    let theirs = hdf5::File::open(&path).unwrap();
    let mut checked = 0;
    for spec in &specs {
        let dataset = ours.dataset(&spec.path).unwrap();
        let reference = theirs.dataset(&spec.path).unwrap();
        let int = |size, signed| Datatype::Integer { size, signed };
        match &spec.dtype {
            d if *d == int(1, true) => windows_match::<i8>(&ours, &dataset, &reference),
            d if *d == int(1, false) => windows_match::<u8>(&ours, &dataset, &reference),
            d if *d == int(2, true) => windows_match::<i16>(&ours, &dataset, &reference),
            d if *d == int(2, false) => windows_match::<u16>(&ours, &dataset, &reference),
            d if *d == int(4, true) => windows_match::<i32>(&ours, &dataset, &reference),
            d if *d == int(4, false) => windows_match::<u32>(&ours, &dataset, &reference),
            d if *d == int(8, true) => windows_match::<i64>(&ours, &dataset, &reference),
            d if *d == int(8, false) => windows_match::<u64>(&ours, &dataset, &reference),
            Datatype::Float { size: 4 } => windows_match::<f32>(&ours, &dataset, &reference),
            Datatype::Float { size: 8 } => windows_match::<f64>(&ours, &dataset, &reference),
            _ => continue,
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} number datasets in the suite");
}

#[test]
fn windows_into_one_buffer_match_libhdf5_in_old_style_files() {
    check_file(Libver::Earliest);
}

#[test]
fn windows_into_one_buffer_match_libhdf5_in_new_style_files() {
    check_file(Libver::V18);
}

#[test]
fn a_batch_fills_buffers_of_several_types_and_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("suite.h5");
    write_suite(&path, Libver::V18);
    let file = File::open(&path).unwrap();
    let names = ["/types/f64_chunked", "/types/i16_chunked", "/shapes/f32_n5"];
    let datasets: Vec<_> = names.iter().map(|n| file.dataset(n).unwrap()).collect();
    let reads: Vec<_> = datasets.iter().map(|d| (d, 61..130)).collect();
    let expected = file.read_batch(&reads).unwrap();
    let (mut f64s, mut i16s, mut f32s) = (vec![0f64; 69], vec![0i16; 69], vec![0f32; 69 * 5]);
    file.read_batch_into(
        &reads,
        &mut [(&mut f64s).into(), (&mut i16s).into(), (&mut f32s).into()],
    )
    .unwrap();
    assert_eq!(
        expected[0].as_bytes(),
        bytemuck::cast_slice::<f64, u8>(&f64s)
    );
    assert_eq!(
        expected[1].as_bytes(),
        bytemuck::cast_slice::<i16, u8>(&i16s)
    );
    assert_eq!(
        expected[2].as_bytes(),
        bytemuck::cast_slice::<f32, u8>(&f32s)
    );
    // An Array lends its storage too.
    let mut again = file.read_batch(&reads[..1]).unwrap();
    let before = again[0].clone();
    file.read_batch_into(&reads[..1], &mut [again[0].as_array_mut()])
        .unwrap();
    assert_eq!(again[0], before);
}

#[test]
fn buffers_of_the_wrong_type_size_or_count_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("suite.h5");
    write_suite(&path, Libver::V18);
    let file = File::open(&path).unwrap();
    let dataset = file.dataset("/types/f64_chunked").unwrap();
    let mut f32s = vec![0f32; 10];
    let err = file
        .read_batch_into(&[(&dataset, 0..10)], &mut [(&mut f32s).into()])
        .unwrap_err();
    assert!(
        matches!(&err, Error::TypeMismatch { path, requested: "f32", .. } if path == "/types/f64_chunked"),
        "{err}"
    );
    let mut f64s = vec![0f64; 10];
    let err = dataset.read_rows_into(0..11, &mut f64s).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BufferSize {
                expected: 11,
                found: 10,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("/types/f64_chunked"), "{err}");
    let err = file
        .read_batch_into(
            &[(&dataset, 0..10), (&dataset, 10..20)],
            &mut [(&mut f64s).into()],
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::BufferCount {
                reads: 2,
                buffers: 1
            }
        ),
        "{err}"
    );
    let err = dataset.read_rows_into(995..1005, &mut f64s).unwrap_err();
    assert!(matches!(err, Error::RowRange { rows: 1000, .. }), "{err}");
    let strings = file.dataset("/shapes/str_1d").unwrap();
    let mut bytes = vec![0u8; strings.len() as usize];
    let err = file
        .read_batch_into(&[(&strings, 0..strings.len())], &mut [(&mut bytes).into()])
        .unwrap_err();
    assert!(matches!(err, Error::TypeMismatch { .. }), "{err}");
}
