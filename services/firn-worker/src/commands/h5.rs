//! `firn h5 ls` and `firn h5 cat`.

use std::io::Write;

use firn_h5::{Array, Dataset, Datatype, EntryKind, File};

use super::{CommandError, write_stdout};
use crate::cli::H5Command;

/// Rows read per block by `cat`, so output streams and memory stays bounded.
const CAT_BLOCK_ROWS: u64 = 1 << 20;

pub(crate) fn run(command: H5Command) -> Result<(), CommandError> {
    match command {
        H5Command::Ls { path } => ls(&path),
        H5Command::Cat {
            path,
            dataset,
            start,
            count,
        } => cat(&path, &dataset, start, count),
    }
}

fn open(path: &str) -> Result<File, CommandError> {
    Ok(File::from_source(firn_h5::source::open_location(path)?)?)
}

fn ls(path: &str) -> Result<(), CommandError> {
    let file = open(path)?;
    let entries = file.walk();
    write_stdout(|out| {
        for entry in &entries {
            let depth = entry.path.matches('/').count().saturating_sub(1);
            let indent = "  ".repeat(depth);
            let name = entry.name();
            match (&entry.kind, &entry.dataset, &entry.error) {
                (_, _, Some(error)) => writeln!(out, "{indent}{name}  UNREADABLE: {error}")?,
                (EntryKind::Group, _, None) => writeln!(out, "{indent}{name}/")?,
                (EntryKind::Dataset, Some(dataset), None) => {
                    writeln!(out, "{indent}{name}  {}", describe(dataset))?
                }
                (EntryKind::SoftLink { target }, _, None) => {
                    writeln!(out, "{indent}{name} -> {target}  (soft link)")?
                }
                (kind, _, None) => writeln!(out, "{indent}{name}  ({kind:?})")?,
            }
        }
        Ok(())
    })
}

/// `f32 [2909] chunks [10000] deflate(6)`.
fn describe(dataset: &Dataset) -> String {
    let shape: Vec<String> = dataset.shape().iter().map(u64::to_string).collect();
    let mut text = format!("{} [{}]", dataset.dtype(), shape.join(", "));
    if let Some(chunks) = dataset.chunk_shape() {
        let chunks: Vec<String> = chunks.iter().map(u64::to_string).collect();
        text.push_str(&format!(" chunks [{}]", chunks.join(", ")));
    }
    let filters: Vec<String> = dataset.filters().iter().map(ToString::to_string).collect();
    if !filters.is_empty() {
        text.push(' ');
        text.push_str(&filters.join(" "));
    }
    text
}

fn cat(path: &str, name: &str, start: u64, count: Option<u64>) -> Result<(), CommandError> {
    let file = open(path)?;
    let dataset = file.dataset(name)?;
    if let Datatype::FixedString { .. } = dataset.dtype() {
        let strings = dataset.read_strings()?;
        let end = count.map_or(strings.len() as u64, |c| start.saturating_add(c));
        let rows = strings.get(start as usize..end.min(strings.len() as u64) as usize);
        let rows = rows.ok_or_else(|| {
            CommandError::Usage(format!(
                "{name}: rows {start}..{end} are outside its {} rows",
                strings.len()
            ))
        })?;
        return write_stdout(|out| rows.iter().try_for_each(|s| writeln!(out, "{s}")));
    }
    let rows = if dataset.shape().is_empty() {
        1
    } else {
        dataset.len()
    };
    let end = match count {
        Some(count) => start.saturating_add(count),
        None => rows.max(start),
    };
    if end > rows {
        return Err(firn_h5::Error::RowRange {
            path: name.to_owned(),
            requested: start..end,
            rows,
        }
        .into());
    }
    let width = dataset.row_elements().max(1) as usize;
    let mut first = start;
    while first < end {
        let last = (first + CAT_BLOCK_ROWS).min(end);
        let values = file
            .read_batch(&[(&dataset, first..last)])?
            .pop()
            .expect("one read");
        write_stdout(|out| print_rows(out, &values, width))?;
        first = last;
    }
    Ok(())
}

/// One row per line, values separated by commas; floats in their shortest round-trip form.
fn print_rows(out: &mut dyn Write, values: &Array, width: usize) -> std::io::Result<()> {
    fn rows<T: std::fmt::Display>(
        out: &mut dyn Write,
        v: &[T],
        width: usize,
    ) -> std::io::Result<()> {
        for row in v.chunks(width) {
            let mut sep = "";
            for value in row {
                write!(out, "{sep}{value}")?;
                sep = ",";
            }
            writeln!(out)?;
        }
        Ok(())
    }
    match values {
        Array::I8(v) => rows(out, v, width),
        Array::U8(v) => rows(out, v, width),
        Array::I16(v) => rows(out, v, width),
        Array::U16(v) => rows(out, v, width),
        Array::I32(v) => rows(out, v, width),
        Array::U32(v) => rows(out, v, width),
        Array::I64(v) => rows(out, v, width),
        Array::U64(v) => rows(out, v, width),
        Array::F32(v) => rows(out, v, width),
        Array::F64(v) => rows(out, v, width),
        other => Err(std::io::Error::other(format!(
            "cannot print values of type {}",
            other.type_name()
        ))),
    }
}
