//! The entry point: an open HDF5 file, path lookup, the tree walk and batch reads.

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use crate::array::{Array, ArrayMut};
use crate::dataset::{self, Dataset};
use crate::error::{Error, Result};
use crate::format::messages::link::{Link, LinkTarget};
use crate::format::object_header::{self, ObjectHeader};
use crate::format::{Reader, links, superblock};
use crate::group::{Entry, EntryKind, Group};
use crate::meta::MetaReader;
use crate::plan::ReadOptions;
use crate::source::{FileSource, SharedSource};

/// What every handle of one open file shares: the metadata reader and the superblock.
#[derive(Debug)]
pub(crate) struct FileInner {
    pub(crate) reader: Reader,
    pub(crate) superblock: superblock::Superblock,
}

impl FileInner {
    /// The byte source.
    pub(crate) fn source(&self) -> &SharedSource {
        self.reader.meta().source()
    }

    /// Reads the object header at `address`.
    pub(crate) fn header(&self, address: u64, path: &str) -> Result<ObjectHeader> {
        object_header::read(&self.reader, address, path)
    }

    /// The members of the group whose header is `header`.
    pub(crate) fn links(&self, header: &ObjectHeader, path: &str) -> Result<Vec<Link>> {
        links::links(&self.reader, header, path)
    }

    /// Follows `relative` (components separated by `/`) from the group at `start` (path
    /// `start_path`), returning the object's full path and header.
    pub(crate) fn resolve(
        &self,
        start_path: &str,
        start: ObjectHeader,
        relative: &str,
    ) -> Result<(String, ObjectHeader)> {
        let mut path = start_path.to_owned();
        let mut header = start;
        for name in relative.split('/').filter(|c| !c.is_empty() && *c != ".") {
            if !links::is_group(&header) {
                return Err(Error::WrongObjectKind {
                    path,
                    expected: "group",
                });
            }
            let members = self.links(&header, &path)?;
            let child_path = join(&path, name);
            let link = members
                .into_iter()
                .find(|l| l.name == name)
                .ok_or_else(|| Error::NotFound {
                    path: child_path.clone(),
                })?;
            let address = match link.target {
                LinkTarget::Hard(address) => address,
                other => {
                    return Err(Error::Unsupported {
                        feature: format!("reading through {}", describe_link(&other)),
                        path: child_path,
                        offset: self.reader.absolute(header.address, &path).unwrap_or(0),
                    });
                }
            };
            header = self.header(address, &child_path)?;
            path = child_path;
        }
        Ok((path, header))
    }
}

/// `parent/name` without doubled slashes.
pub(crate) fn join(parent: &str, name: &str) -> String {
    if parent.ends_with('/') {
        format!("{parent}{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// A readable description of a non-hard link.
fn describe_link(target: &LinkTarget) -> String {
    match target {
        LinkTarget::Hard(address) => format!("hard link to address {address}"),
        LinkTarget::Soft(to) => format!("soft link to {to:?}"),
        LinkTarget::External { file, path } => format!("external link to {path:?} in {file:?}"),
        LinkTarget::UserDefined(kind) => format!("user-defined link of type {kind}"),
    }
}

/// An open HDF5 file.
///
/// Opening reads the superblock and nothing else; groups and datasets are parsed when asked for.
/// Handles are cheap to clone and can be shared across threads.
#[derive(Debug, Clone)]
pub struct File {
    inner: Arc<FileInner>,
    options: ReadOptions,
}

impl File {
    /// Opens a local file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_source(Arc::new(FileSource::open(path)?))
    }

    /// Opens a file from any byte source (a local file, an S3 object, bytes in memory).
    pub fn from_source(source: SharedSource) -> Result<Self> {
        let meta = MetaReader::new(source)?;
        let superblock = superblock::read(&meta)?;
        let reader = Reader::new(meta, superblock.base, superblock.sizes);
        Ok(Self {
            inner: Arc::new(FileInner { reader, superblock }),
            options: ReadOptions::default(),
        })
    }

    /// Sets how dataset reads are grouped into requests; applies to handles made afterwards.
    pub fn with_read_options(mut self, options: ReadOptions) -> Self {
        self.options = options;
        self
    }

    /// How dataset reads are grouped into requests.
    pub fn read_options(&self) -> ReadOptions {
        self.options
    }

    /// The byte source the file is read from.
    pub fn source(&self) -> &SharedSource {
        self.inner.source()
    }

    /// The superblock version (0 to 3).
    pub fn superblock_version(&self) -> u8 {
        self.inner.superblock.version
    }

    /// The root group.
    pub fn root(&self) -> Result<Group> {
        let header = self.inner.header(self.inner.superblock.root, "/")?;
        if !links::is_group(&header) {
            return Err(Error::WrongObjectKind {
                path: "/".to_owned(),
                expected: "group",
            });
        }
        Ok(Group::new(
            self.inner.clone(),
            self.options,
            "/".to_owned(),
            header,
        ))
    }

    /// The group at `path` (absolute, e.g. `"/gt1l/heights"`).
    pub fn group(&self, path: &str) -> Result<Group> {
        self.root()?.group(path)
    }

    /// The dataset at `path` (absolute, e.g. `"/gt1l/heights/h_ph"`).
    pub fn dataset(&self, path: &str) -> Result<Dataset> {
        self.root()?.dataset(path)
    }

    /// Lists every object in the file, depth first in storage order, starting with the root group.
    ///
    /// Objects that cannot be read (an unsupported datatype or filter, a corrupt header, a soft
    /// link) are listed with their error instead of stopping the walk; a group reached twice
    /// through hard links is listed but not entered again.
    pub fn walk(&self) -> Vec<Entry> {
        let mut out = Vec::new();
        let root = match self.root() {
            Ok(root) => root,
            Err(error) => {
                out.push(Entry::failed("/".to_owned(), EntryKind::Group, error));
                return out;
            }
        };
        let mut seen = HashSet::new();
        seen.insert(root.header_address());
        out.push(Entry::group("/".to_owned()));
        let mut stack = Vec::new();
        match root.entries() {
            Ok(entries) => stack.push(entries.into_iter()),
            Err(error) => out[0].error = Some(error),
        }
        while let Some(top) = stack.last_mut() {
            let Some((entry, child)) = top.next() else {
                stack.pop();
                continue;
            };
            out.push(entry);
            let Some(child) = child else { continue };
            if !seen.insert(child.header_address()) {
                continue;
            }
            match child.entries() {
                Ok(entries) => stack.push(entries.into_iter()),
                Err(error) => {
                    if let Some(last) = out.last_mut() {
                        last.error = Some(error);
                    }
                }
            }
        }
        out
    }

    /// Reads several datasets' row ranges in one pass: every chunk of every read is planned
    /// together, so neighbouring chunks share requests, and all are decoded in one parallel pass.
    ///
    /// Each dataset must hold numbers; the result has one [`Array`] per read, in order.
    pub fn read_batch(&self, reads: &[(&Dataset, Range<u64>)]) -> Result<Vec<Array>> {
        dataset::read_batch(reads)
    }

    /// Reads several datasets' row ranges in one pass, like [`File::read_batch`], into
    /// caller-owned buffers: `outputs[i]` must be of the stored type of read `i` and have room for
    /// exactly its elements.
    ///
    /// Nothing is allocated for the values, so a caller that streams a dataset window by window
    /// into the same buffers touches (and page-faults) their memory once. A read that fails leaves
    /// the buffers' contents unspecified.
    pub fn read_batch_into(
        &self,
        reads: &[(&Dataset, Range<u64>)],
        outputs: &mut [ArrayMut<'_>],
    ) -> Result<()> {
        dataset::read_batch_into(reads, outputs)
    }
}
