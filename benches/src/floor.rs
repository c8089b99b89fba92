//! The raw-inflate floor: the stored chunks of the workload, preloaded into memory, inflated with
//! libdeflate (and un-shuffled where the dataset is shuffled) into preallocated buffers.
//!
//! No HDF5 is parsed while timing: the chunk list comes from libhdf5 beforehand ([`ChunkTable`]).
//! Whatever a reader does beyond this (finding the chunks, fetching them, assembling rows) is its
//! overhead over the floor.

use std::cell::RefCell;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use libdeflater::Decompressor;
use rayon::prelude::*;

use crate::chunks::{ChunkTable, StoredChunk};
use crate::error::{Error, Result};

thread_local! {
    static INFLATER: RefCell<Decompressor> = RefCell::new(Decompressor::new());
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// One dataset's chunk table and stored chunks.
#[derive(Debug)]
struct Loaded {
    table: ChunkTable,
    /// Every stored chunk, back to back, in the order of `table.chunks`.
    stored: Vec<u8>,
}

impl Loaded {
    /// Bytes of the output buffer: whole chunks, one slot per chunk-row index.
    fn output_len(&self) -> usize {
        (self.table.rows().div_ceil(self.table.chunk_rows) * self.table.chunk_bytes()) as usize
    }
}

/// The workload's compressed chunks in memory, ready to inflate.
#[derive(Debug)]
pub struct Floor {
    datasets: Vec<Loaded>,
    /// One preallocated buffer per dataset; the dataset is its first `decoded_len` bytes.
    outputs: Vec<Vec<u8>>,
}

/// One chunk to inflate into its slot.
struct Job<'a> {
    path: &'a str,
    chunk: &'a StoredChunk,
    shuffle: bool,
    element_size: usize,
    stored: &'a [u8],
    slot: &'a mut [u8],
}

impl Floor {
    /// Reads the stored chunks of every table from the file at `path` and allocates (and touches)
    /// the output buffers, so that timing sees neither I/O nor page faults.
    pub fn load(path: &Path, tables: Vec<ChunkTable>) -> Result<Self> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let mut datasets = Vec::with_capacity(tables.len());
        for table in tables {
            let mut stored = vec![0u8; table.stored_len() as usize];
            let mut at = 0usize;
            for chunk in &table.chunks {
                let size = chunk.size as usize;
                file.read_exact_at(&mut stored[at..at + size], chunk.address)
                    .map_err(io)?;
                at += size;
            }
            datasets.push(Loaded { table, stored });
        }
        let outputs = datasets.iter().map(|d| vec![1u8; d.output_len()]).collect();
        Ok(Self { datasets, outputs })
    }

    /// Stored bytes held.
    pub fn stored_bytes(&self) -> u64 {
        self.datasets.iter().map(|d| d.stored.len() as u64).sum()
    }

    /// Decoded bytes of the datasets (without the padding of edge chunks).
    pub fn decoded_bytes(&self) -> u64 {
        self.datasets.iter().map(|d| d.table.decoded_len()).sum()
    }

    /// Inflates every chunk on the calling thread into the preallocated buffers.
    pub fn inflate(&mut self) -> Result<()> {
        jobs(&self.datasets, &mut self.outputs)?
            .into_iter()
            .try_for_each(run)
    }

    /// Inflates every chunk in parallel on the current rayon pool into the preallocated buffers.
    pub fn inflate_parallel(&mut self) -> Result<()> {
        jobs(&self.datasets, &mut self.outputs)?
            .into_par_iter()
            .try_for_each(run)
    }

    /// Inflates every chunk on the calling thread into freshly allocated (untouched) buffers, as
    /// a reader that returns new arrays must, and drops them. The difference to
    /// [`Floor::inflate`] is the cost of faulting in new output memory.
    pub fn inflate_fresh(&self) -> Result<()> {
        let mut outputs: Vec<Vec<u8>> = self
            .datasets
            .iter()
            .map(|d| vec![0u8; d.output_len()])
            .collect();
        jobs(&self.datasets, &mut outputs)?
            .into_iter()
            .try_for_each(run)
    }

    /// The datasets' paths and decoded bytes after an inflate, in load order.
    pub fn outputs(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.datasets.iter().zip(&self.outputs).map(|(d, output)| {
            (
                d.table.path.as_str(),
                &output[..d.table.decoded_len() as usize],
            )
        })
    }
}

/// One job per stored chunk, each with the output slot it fills.
fn jobs<'a>(datasets: &'a [Loaded], outputs: &'a mut [Vec<u8>]) -> Result<Vec<Job<'a>>> {
    let mut jobs = Vec::new();
    for (loaded, output) in datasets.iter().zip(outputs.iter_mut()) {
        let table = &loaded.table;
        let chunk_bytes = table.chunk_bytes() as usize;
        let mut slots: Vec<Option<&mut [u8]>> =
            output.chunks_mut(chunk_bytes.max(1)).map(Some).collect();
        let mut at = 0usize;
        for chunk in &table.chunks {
            let index = (chunk.row / table.chunk_rows) as usize;
            let slot =
                slots
                    .get_mut(index)
                    .and_then(Option::take)
                    .ok_or_else(|| Error::Inflate {
                        dataset: table.path.clone(),
                        offset: chunk.address,
                        detail: format!(
                            "chunk at row {} is outside the dataset or listed twice",
                            chunk.row
                        ),
                    })?;
            let size = chunk.size as usize;
            jobs.push(Job {
                path: &table.path,
                chunk,
                shuffle: table.shuffle,
                element_size: table.element_size,
                stored: &loaded.stored[at..at + size],
                slot,
            });
            at += size;
        }
    }
    Ok(jobs)
}

/// Inflates one chunk into its slot, through a scratch buffer when it must be un-shuffled.
fn run(job: Job<'_>) -> Result<()> {
    let Job {
        path,
        chunk,
        shuffle,
        element_size,
        stored,
        slot,
    } = job;
    let inflate = |out: &mut [u8]| -> Result<()> {
        let expected = out.len();
        let result = INFLATER.with(|d| d.borrow_mut().zlib_decompress(stored, out));
        match result {
            Ok(n) if n == expected => Ok(()),
            Ok(n) => Err(format!("inflated to {n} bytes, expected {expected}")),
            Err(e) => Err(format!("{e:?}")),
        }
        .map_err(|detail| Error::Inflate {
            dataset: path.to_owned(),
            offset: chunk.address,
            detail,
        })
    };
    if !shuffle || element_size <= 1 {
        return inflate(slot);
    }
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        scratch.resize(slot.len(), 0);
        inflate(&mut scratch)?;
        unshuffle(&scratch, slot, element_size);
        Ok(())
    })
}

/// Un-shuffles `input` (byte 0 of every element, then byte 1, …) into `output`; trailing bytes
/// that fill no element are copied as they are.
pub fn unshuffle(input: &[u8], output: &mut [u8], element_size: usize) {
    let count = input.len() / element_size.max(1);
    let body = count * element_size;
    match element_size {
        0 | 1 => {
            output.copy_from_slice(input);
            return;
        }
        2 => unshuffle_n::<2>(&input[..body], &mut output[..body]),
        4 => unshuffle_n::<4>(&input[..body], &mut output[..body]),
        8 => unshuffle_n::<8>(&input[..body], &mut output[..body]),
        _ => {
            for (plane, bytes) in input[..body].chunks_exact(count.max(1)).enumerate() {
                for (i, &b) in bytes.iter().enumerate() {
                    output[i * element_size + plane] = b;
                }
            }
        }
    }
    output[body..].copy_from_slice(&input[body..]);
}

fn unshuffle_n<const N: usize>(input: &[u8], output: &mut [u8]) {
    let count = input.len() / N;
    let planes: [&[u8]; N] = std::array::from_fn(|p| &input[p * count..(p + 1) * count]);
    for (i, element) in output.chunks_exact_mut(N).enumerate() {
        for (byte, plane) in element.iter_mut().zip(&planes) {
            *byte = plane[i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unshuffle;

    #[test]
    fn unshuffle_inverts_a_byte_shuffle() {
        for element_size in [1usize, 2, 3, 4, 8] {
            for count in [0usize, 1, 5, 1000] {
                // Trailing bytes that fill no element stay where they are.
                let extra = element_size - 1;
                let data: Vec<u8> = (0..count * element_size + extra)
                    .map(|i| (i * 37 % 251) as u8)
                    .collect();
                let body = count * element_size;
                let mut shuffled = data.clone();
                for i in 0..count {
                    for b in 0..element_size {
                        shuffled[b * count + i] = data[i * element_size + b];
                    }
                }
                let mut back = vec![0u8; data.len()];
                unshuffle(&shuffled, &mut back, element_size);
                assert_eq!(
                    back[..body],
                    data[..body],
                    "size {element_size}, count {count}"
                );
                assert_eq!(back[body..], data[body..]);
            }
        }
    }
}
