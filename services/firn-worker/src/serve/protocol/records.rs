//! The records the server sends, encoded to the layouts of [`definition`](super::definition).

use bytes::Bytes;
use firn_output::SegmentBatch;

use super::definition::{
    ARROW_DATA, ARROW_EOF, ARROW_META, ARROW_REMOTE, ATL06REC, ELEVATION, EXCEPTREC,
    FILE_NAME_BYTES,
};
use super::frame::frame;

/// Elevations per `atl06rec` record, at most.
pub(crate) const ELEVATIONS_PER_RECORD: usize = 256;

/// Bytes of text an `exceptrec` carries, at most (longer text is cut, marked `...`).
pub(crate) const MAX_TEXT_BYTES: usize = 16 * 1024;

/// The code of an `exceptrec`: 0 for information, negative for the kinds of failure the clients
/// know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    /// Information or progress.
    Info = 0,
    /// A failure.
    Error = -1,
    /// A granule, record type or endpoint does not exist.
    ResourceDoesNotExist = -3,
    /// Missing or wrong credentials.
    Unauthorized = -8,
    /// The request did not complete.
    DidNotComplete = -9,
}

/// The severity of an `exceptrec`, as the clients map it onto Python's logging levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// `logging.INFO`.
    Info = 1,
    /// `logging.WARNING`.
    Warning = 2,
    /// `logging.ERROR`.
    Error = 3,
    /// `logging.CRITICAL`.
    Critical = 4,
}

/// An `exceptrec`: `text` is made ASCII (the clients decode it as ASCII) and cut to
/// [`MAX_TEXT_BYTES`].
pub(crate) fn exception(code: Code, level: Level, text: &str) -> Bytes {
    let text = ascii_text(text);
    let mut payload = Vec::with_capacity(EXCEPTREC.size + text.len() + 1);
    payload.extend_from_slice(&(code as i32).to_le_bytes());
    payload.extend_from_slice(&(level as i32).to_le_bytes());
    payload.extend_from_slice(text.as_bytes());
    payload.push(0);
    frame(EXCEPTREC.name, &payload)
}

/// The `atl06rec` records holding every row of `batch`, [`ELEVATIONS_PER_RECORD`] at a time.
pub(crate) fn elevations(
    batch: &SegmentBatch,
) -> Result<impl Iterator<Item = Bytes> + '_, firn_output::Error> {
    let rows = batch.rows()?;
    Ok((0..rows).step_by(ELEVATIONS_PER_RECORD).map(move |start| {
        let end = (start + ELEVATIONS_PER_RECORD).min(rows);
        let mut payload = Vec::with_capacity((end - start) * ELEVATION.size);
        for row in start..end {
            encode_elevation(batch, row, &mut payload);
        }
        frame(ATL06REC.name, &payload)
    }))
}

/// Appends row `i` of `batch` in the layout of [`ELEVATION`] (fields by offset).
fn encode_elevation(b: &SegmentBatch, i: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(&b.time_ns[i].to_le_bytes()); // 0
    out.extend_from_slice(&b.extent_id[i].to_le_bytes()); // 8
    out.extend_from_slice(&b.x_atc[i].to_le_bytes()); // 16
    out.extend_from_slice(&b.h_mean[i].to_le_bytes()); // 24
    out.extend_from_slice(&b.latitude[i].to_le_bytes()); // 32
    out.extend_from_slice(&b.longitude[i].to_le_bytes()); // 40
    out.extend_from_slice(&b.segment_id[i].to_le_bytes()); // 48
    out.extend_from_slice(&b.y_atc[i].to_le_bytes()); // 52
    out.extend_from_slice(&b.dh_fit_dx[i].to_le_bytes()); // 56
    out.extend_from_slice(&b.dh_fit_dy[i].to_le_bytes()); // 60
    out.extend_from_slice(&b.n_fit_photons[i].to_le_bytes()); // 64
    out.extend_from_slice(&b.w_surface_window_final[i].to_le_bytes()); // 68
    out.extend_from_slice(&b.rms_misfit[i].to_le_bytes()); // 72
    out.extend_from_slice(&b.h_sigma[i].to_le_bytes()); // 76
    out.extend_from_slice(&b.rgt[i].to_le_bytes()); // 80
    out.extend_from_slice(&b.pflags[i].to_le_bytes()); // 82
    out.extend_from_slice(&[b.cycle[i], b.region[i], b.spot[i], b.gt[i]]); // 84..88
}

/// A file name the client writes a returned file under: ASCII, no NUL, at most
/// [`FILE_NAME_BYTES`] − 1 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileName(String);

impl FileName {
    /// Checks `name`; the error says why it cannot be sent.
    pub(crate) fn new(name: &str) -> Result<Self, String> {
        if name.is_empty() {
            return Err("empty path".to_owned());
        }
        if !name.is_ascii() || name.contains('\0') {
            return Err(format!(
                "{name:?}: a file returned to the client needs an ASCII path"
            ));
        }
        if name.len() >= FILE_NAME_BYTES {
            return Err(format!(
                "a file returned to the client needs a path of at most {} bytes, this one has {}",
                FILE_NAME_BYTES - 1,
                name.len()
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// Appends the name as its fixed field: the bytes, then NULs to [`FILE_NAME_BYTES`].
    fn put(&self, payload: &mut Vec<u8>) {
        payload.extend_from_slice(self.0.as_bytes());
        payload.resize(payload.len() + FILE_NAME_BYTES - self.0.len(), 0);
    }
}

/// `arrowrec.meta`: a file of `size` bytes follows, to be written under `name`.
pub(crate) fn arrow_meta(name: &FileName, size: u64) -> Bytes {
    let mut payload = Vec::with_capacity(ARROW_META.size);
    name.put(&mut payload);
    payload.extend_from_slice(&as_i64(size).to_le_bytes());
    frame(ARROW_META.name, &payload)
}

/// `arrowrec.data`: the next `chunk` of the file `name`.
pub(crate) fn arrow_data(name: &FileName, chunk: &[u8]) -> Bytes {
    let mut payload = Vec::with_capacity(ARROW_DATA.size + chunk.len());
    name.put(&mut payload);
    payload.extend_from_slice(chunk);
    frame(ARROW_DATA.name, &payload)
}

/// `arrowrec.eof`: the file `name` is complete; `checksum` is the sum of its bytes, mod 2⁶⁴.
pub(crate) fn arrow_eof(name: &FileName, checksum: u64) -> Bytes {
    let mut payload = Vec::with_capacity(ARROW_EOF.size);
    name.put(&mut payload);
    payload.extend_from_slice(&checksum.to_le_bytes());
    frame(ARROW_EOF.name, &payload)
}

/// `arrowrec.remote`: the output is at `url` (an `s3://` URL), `size` bytes.
pub(crate) fn arrow_remote(url: &str, size: u64) -> Bytes {
    let url = ascii_text(url);
    let mut payload = Vec::with_capacity(ARROW_REMOTE.size + url.len() + 1);
    payload.extend_from_slice(&as_i64(size).to_le_bytes());
    payload.extend_from_slice(url.as_bytes());
    payload.push(0);
    frame(ARROW_REMOTE.name, &payload)
}

fn as_i64(size: u64) -> i64 {
    i64::try_from(size).unwrap_or(i64::MAX)
}

/// `text` in ASCII: common typographic characters spelled out, other non-ASCII characters as `?`,
/// NUL as a space; cut at [`MAX_TEXT_BYTES`].
pub(crate) fn ascii_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_TEXT_BYTES));
    for c in text.chars() {
        let spelled = match c {
            '\0' => " ",
            '…' => "...",
            '≥' => ">=",
            '≤' => "<=",
            '≠' => "!=",
            '→' => "->",
            '←' => "<-",
            '×' => "x",
            '±' => "+/-",
            '°' => " deg",
            '−' | '–' | '—' => "-",
            '‘' | '’' => "'",
            '“' | '”' => "\"",
            '²' => "^2",
            '³' => "^3",
            '⁶' => "^6",
            '⁴' => "^4",
            'µ' => "u",
            '\u{a0}' => " ",
            c if c.is_ascii() => {
                out.push(c);
                ""
            }
            _ => "?",
        };
        out.push_str(spelled);
        if out.len() > MAX_TEXT_BYTES {
            out.truncate(MAX_TEXT_BYTES - 3);
            out.push_str("...");
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests;
