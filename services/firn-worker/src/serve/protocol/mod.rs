//! The SlideRule wire protocol, as `firn serve` speaks it to the unchanged SlideRule Python client
//! (5.x, and 4.x for the legacy calls).
//!
//! # Requests
//!
//! - `GET /source/version` (JSON body `{}`, no Content-Type): JSON with `server.version` as
//!   `vX.Y.Z`; the client compares its own major version with it.
//! - `GET /source/definition` with `{"rectype": NAME}`: the layout of a record type
//!   ([`definition`]), asked for the first time the client meets the type, while the stream that
//!   carries it is still open.
//! - `POST /source/<api>` with a JSON body and no Content-Type: a stream of records, with
//!   Content-Type exactly `application/octet-stream`. JSON replies carry exactly
//!   `application/json`.
//!
//! # Records
//!
//! Each record is an 8-byte big-endian header — `u16` version (2), `u16` length of the type name
//! including its NUL, `u32` payload length — then the NUL-terminated type name, then the payload,
//! whose fields are little-endian at the offsets of the type's definition ([`frame`](frame::frame)).
//!
//! | type | what | fields |
//! |---|---|---|
//! | `exceptrec` | log line, progress, error | `code` i32 (0, or a negative failure code), `level` i32 (1 info … 4 critical), `text` |
//! | `atl06rec` | up to 256 segments | `elevation`: `atl06rec.elevation` records back to back |
//! | `atl06rec.elevation` | one segment | the SPEC §8 columns, in their order, 88 bytes |
//! | `arrowrec.meta` | a file follows | `filename` (1024 bytes), `size` i64 |
//! | `arrowrec.data` | the next bytes of a file | `filename`, `data` (to the end) |
//! | `arrowrec.eof` | the file is complete | `filename`, `checksum` u64 (sum of the bytes) |
//! | `arrowrec.remote` | the output is in object storage | `size` i64, `url` (to the end) |
//!
//! The client writes `arrowrec.data` under the name the server sends (the path the request gave),
//! and returns the URL of `arrowrec.remote` as a string. Text fields are ASCII: the clients decode
//! them as such.

mod definition;
mod frame;
mod records;

pub(crate) use definition::definition;
pub(crate) use records::{
    Code, FileName, Level, arrow_data, arrow_eof, arrow_meta, arrow_remote, elevations, exception,
};
