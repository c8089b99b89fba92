//! The filter pipeline, undone: inflate (libdeflate) and un-shuffle.

mod deflate;
mod shuffle;

pub(crate) use deflate::inflate_zlib;
pub(crate) use shuffle::unshuffle;
