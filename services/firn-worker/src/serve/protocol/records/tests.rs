use firn_output::SegmentRow;

use super::super::definition::{FieldType, RecordDef};
use super::*;

/// Splits a framed record into its type name and payload, checking the header.
fn unframe(record: &[u8]) -> (&str, &[u8]) {
    assert_eq!(u16::from_be_bytes([record[0], record[1]]), 2, "version");
    let name_len = u16::from_be_bytes([record[2], record[3]]) as usize;
    let payload_len = u32::from_be_bytes([record[4], record[5], record[6], record[7]]) as usize;
    assert_eq!(record.len(), 8 + name_len + payload_len, "lengths");
    let name = &record[8..8 + name_len];
    assert_eq!(name.last(), Some(&0), "NUL-terminated name");
    (
        std::str::from_utf8(&name[..name_len - 1]).unwrap(),
        &record[8 + name_len..],
    )
}

/// Reads field `name` of `def` from `payload` as a client does: by the definition's offset and
/// type, little-endian, as f64 (exact for every integer column of these tests).
fn read(def: &RecordDef, payload: &[u8], name: &str) -> f64 {
    let f = def.field(name).unwrap();
    let at = |n: usize| &payload[f.offset..f.offset + n];
    match f.ty {
        FieldType::Int32 => i32::from_le_bytes(at(4).try_into().unwrap()) as f64,
        FieldType::UInt8 => at(1)[0] as f64,
        FieldType::UInt16 => u16::from_le_bytes(at(2).try_into().unwrap()) as f64,
        FieldType::UInt32 => u32::from_le_bytes(at(4).try_into().unwrap()) as f64,
        FieldType::Int64 | FieldType::Time8 => i64::from_le_bytes(at(8).try_into().unwrap()) as f64,
        FieldType::UInt64 => u64::from_le_bytes(at(8).try_into().unwrap()) as f64,
        FieldType::Float => f32::from_le_bytes(at(4).try_into().unwrap()) as f64,
        FieldType::Double => f64::from_le_bytes(at(8).try_into().unwrap()),
        FieldType::String | FieldType::Record(_) => panic!("{name} is not a number"),
    }
}

/// The NUL-terminated text of field `name`.
fn read_text<'a>(def: &RecordDef, payload: &'a [u8], name: &str) -> &'a str {
    let f = def.field(name).unwrap();
    let end = if f.elements == 0 {
        payload.len()
    } else {
        f.offset + f.elements
    };
    let bytes = &payload[f.offset..end];
    let text = bytes.split(|&b| b == 0).next().unwrap();
    std::str::from_utf8(text).unwrap()
}

fn row(i: u32) -> SegmentRow {
    let k = f64::from(i);
    SegmentRow {
        time_ns: 1_573_606_923_000_000_000 + i64::from(i) * 2_857_143,
        extent_id: 0x0123_4567_89ab_0000 + u64::from(i),
        segment_id: 555_000 + i,
        rgt: 737,
        cycle: 5,
        region: 2,
        spot: (i % 6 + 1) as u8,
        gt: ((i % 6 + 1) * 10) as u8,
        x_atc: 2.0e7 + 20.0 * k,
        y_atc: -3_200.5 + k as f32,
        h_mean: 3_050.25 + 0.5 * k,
        dh_fit_dx: 0.05,
        dh_fit_dy: -0.01,
        n_fit_photons: 400 + i as i32,
        w_surface_window_final: 3.0,
        rms_misfit: 0.24,
        h_sigma: 0.012,
        pflags: (i % 3) as u16,
        latitude: 39.0 + 1e-4 * k,
        longitude: -108.0 - 1e-4 * k,
    }
}

#[test]
fn exceptrec_bytes_are_golden() {
    let record = exception(Code::Error, Level::Error, "parameter lenn: unknown");
    let mut expected = vec![0, 2, 0, 10, 0, 0, 0, 32];
    expected.extend_from_slice(b"exceptrec\0");
    expected.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 3, 0, 0, 0]);
    expected.extend_from_slice(b"parameter lenn: unknown\0");
    assert_eq!(record.as_ref(), expected.as_slice());
}

#[test]
fn arrowrec_remote_and_meta_bytes_are_golden() {
    let record = arrow_remote("s3://b/k.parquet", 300);
    let mut expected = vec![0, 2, 0, 16, 0, 0, 0, 25];
    expected.extend_from_slice(b"arrowrec.remote\0");
    expected.extend_from_slice(&[44, 1, 0, 0, 0, 0, 0, 0]);
    expected.extend_from_slice(b"s3://b/k.parquet\0");
    assert_eq!(record.as_ref(), expected.as_slice());

    let name = FileName::new("/tmp/out.parquet").unwrap();
    let record = arrow_meta(&name, 0x0102);
    let (rectype, payload) = unframe(&record);
    assert_eq!(rectype, "arrowrec.meta");
    assert_eq!(payload.len(), 1032);
    assert_eq!(&payload[..17], b"/tmp/out.parquet\0");
    assert!(payload[17..1024].iter().all(|&b| b == 0));
    assert_eq!(&payload[1024..], &[2, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        read_text(&ARROW_META, payload, "filename"),
        "/tmp/out.parquet"
    );
    assert_eq!(read(&ARROW_META, payload, "size"), 258.0);
}

#[test]
fn arrowrec_data_and_eof_follow_their_definitions() {
    let name = FileName::new("out.parquet").unwrap();
    let data = arrow_data(&name, b"PAR1\x00\x01");
    let (rectype, payload) = unframe(&data);
    assert_eq!(rectype, "arrowrec.data");
    assert_eq!(read_text(&ARROW_DATA, payload, "filename"), "out.parquet");
    assert_eq!(&payload[1024..], b"PAR1\x00\x01");

    let eof = arrow_eof(&name, 0xdead_beef);
    let (rectype, payload) = unframe(&eof);
    assert_eq!(rectype, "arrowrec.eof");
    assert_eq!(
        read(&ARROW_EOF, payload, "checksum"),
        f64::from(0xdead_beef_u32)
    );
}

#[test]
fn an_elevation_reads_back_by_its_definition() {
    let mut batch = SegmentBatch::default();
    let expected = row(7);
    batch.push(&expected);
    let records: Vec<Bytes> = elevations(&batch).unwrap().collect();
    assert_eq!(records.len(), 1);
    let (rectype, payload) = unframe(&records[0]);
    assert_eq!(rectype, "atl06rec");
    assert_eq!(payload.len(), ELEVATION.size);
    let e = &ELEVATION;
    assert_eq!(read(e, payload, "time"), expected.time_ns as f64);
    assert_eq!(read(e, payload, "extent_id"), expected.extent_id as f64);
    assert_eq!(
        read(e, payload, "segment_id"),
        f64::from(expected.segment_id)
    );
    assert_eq!(read(e, payload, "rgt"), 737.0);
    assert_eq!(read(e, payload, "cycle"), 5.0);
    assert_eq!(read(e, payload, "region"), 2.0);
    assert_eq!(read(e, payload, "spot"), f64::from(expected.spot));
    assert_eq!(read(e, payload, "gt"), f64::from(expected.gt));
    assert_eq!(read(e, payload, "x_atc"), expected.x_atc);
    assert_eq!(read(e, payload, "y_atc"), f64::from(expected.y_atc));
    assert_eq!(read(e, payload, "h_mean"), expected.h_mean);
    assert_eq!(read(e, payload, "dh_fit_dx"), f64::from(expected.dh_fit_dx));
    assert_eq!(read(e, payload, "dh_fit_dy"), f64::from(expected.dh_fit_dy));
    assert_eq!(
        read(e, payload, "n_fit_photons"),
        f64::from(expected.n_fit_photons)
    );
    assert_eq!(
        read(e, payload, "w_surface_window_final"),
        f64::from(expected.w_surface_window_final)
    );
    assert_eq!(
        read(e, payload, "rms_misfit"),
        f64::from(expected.rms_misfit)
    );
    assert_eq!(read(e, payload, "h_sigma"), f64::from(expected.h_sigma));
    assert_eq!(read(e, payload, "pflags"), f64::from(expected.pflags));
    assert_eq!(read(e, payload, "latitude"), expected.latitude);
    assert_eq!(read(e, payload, "longitude"), expected.longitude);
    // The exact bytes of the first fields: time and extent id, little-endian.
    assert_eq!(&payload[..8], &expected.time_ns.to_le_bytes());
    assert_eq!(&payload[8..16], &[7, 0, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01]);
}

#[test]
fn elevations_come_256_to_a_record_in_order() {
    let mut batch = SegmentBatch::default();
    for i in 0..600 {
        batch.push(&row(i));
    }
    let records: Vec<Bytes> = elevations(&batch).unwrap().collect();
    let counts: Vec<usize> = records
        .iter()
        .map(|r| unframe(r).1.len() / ELEVATION.size)
        .collect();
    assert_eq!(counts, [256, 256, 88]);
    let (_, last) = unframe(&records[2]);
    let final_row = &last[87 * ELEVATION.size..];
    assert_eq!(read(&ELEVATION, final_row, "segment_id"), 555_599.0);
    assert_eq!(elevations(&SegmentBatch::default()).unwrap().count(), 0);

    batch.h_sigma.pop();
    assert!(
        elevations(&batch).is_err(),
        "an inconsistent batch is refused"
    );
}

#[test]
fn text_is_made_ascii_and_bounded() {
    assert_eq!(
        ascii_text("cnf: 5 is not -1…4; x ≥ 2 → ok\0!"),
        "cnf: 5 is not -1...4; x >= 2 -> ok !"
    );
    assert_eq!(ascii_text("Grönland"), "Gr?nland");
    let long = "é".repeat(MAX_TEXT_BYTES + 10);
    let cut = ascii_text(&long);
    assert_eq!(cut.len(), MAX_TEXT_BYTES);
    assert!(cut.ends_with("..."));
    let record = exception(Code::Info, Level::Info, &long);
    let (_, payload) = unframe(&record);
    assert_eq!(payload.len(), 8 + MAX_TEXT_BYTES + 1);
}

#[test]
fn file_names_must_fit_the_field() {
    assert!(FileName::new("/tmp/tmpabc123").is_ok());
    assert!(FileName::new("").is_err());
    assert!(
        FileName::new("/tmp/résumé.parquet")
            .unwrap_err()
            .contains("ASCII")
    );
    let long = format!("/{}", "a".repeat(FILE_NAME_BYTES));
    assert!(FileName::new(&long).unwrap_err().contains("1023"));
    assert!(FileName::new(&"a".repeat(FILE_NAME_BYTES - 1)).is_ok());
}
