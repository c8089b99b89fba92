//! Groups: member listing and path lookup.

use std::sync::Arc;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::file::{FileInner, join};
use crate::format::links;
use crate::format::messages;
use crate::format::messages::link::LinkTarget;
use crate::format::object_header::ObjectHeader;
use crate::plan::ReadOptions;

/// A group: a named collection of datasets and other groups.
#[derive(Debug, Clone)]
pub struct Group {
    file: Arc<FileInner>,
    options: ReadOptions,
    path: String,
    header: Arc<ObjectHeader>,
}

/// What a group member is.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A group.
    Group,
    /// A dataset.
    Dataset,
    /// A named (committed) datatype.
    NamedDatatype,
    /// An object of no kind the reader knows.
    Unknown,
    /// A soft link to another path in this file (listed; reading through it is unsupported).
    SoftLink {
        /// The path the link points to.
        target: String,
    },
    /// An external link to an object in another file (listed; reading through it is unsupported).
    ExternalLink {
        /// The other file's name.
        file: String,
        /// The object path in that file.
        target: String,
    },
    /// A user-defined link (listed; reading through it is unsupported).
    UserDefinedLink {
        /// The link type number.
        link_type: u8,
    },
}

/// One object of a listing: its path, its kind, and why it cannot be read, if it cannot.
#[non_exhaustive]
#[derive(Debug)]
pub struct Entry {
    /// Absolute path of the object.
    pub path: String,
    /// What the object is.
    pub kind: EntryKind,
    /// The error met opening it (an unsupported datatype, a corrupt header, …), if any.
    pub error: Option<Error>,
    /// The opened dataset, for datasets that could be opened.
    pub dataset: Option<Dataset>,
}

impl Entry {
    /// The last component of the path.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or_default()
    }

    pub(crate) fn group(path: String) -> Self {
        Self {
            path,
            kind: EntryKind::Group,
            error: None,
            dataset: None,
        }
    }

    pub(crate) fn failed(path: String, kind: EntryKind, error: Error) -> Self {
        Self {
            path,
            kind,
            error: Some(error),
            dataset: None,
        }
    }
}

impl Group {
    pub(crate) fn new(
        file: Arc<FileInner>,
        options: ReadOptions,
        path: String,
        header: ObjectHeader,
    ) -> Self {
        Self {
            file,
            options,
            path,
            header: Arc::new(header),
        }
    }

    /// The group's absolute path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// File address of the group's object header (identifies the group across hard links).
    pub(crate) fn header_address(&self) -> u64 {
        self.header.address
    }

    /// The group at `path`, relative to this group (a leading `/` is ignored; use [`crate::File::group`]
    /// for absolute paths).
    pub fn group(&self, path: &str) -> Result<Group> {
        let (path, header) = self
            .file
            .resolve(&self.path, (*self.header).clone(), path)?;
        if !links::is_group(&header) {
            return Err(Error::WrongObjectKind {
                path,
                expected: "group",
            });
        }
        Ok(Group::new(self.file.clone(), self.options, path, header))
    }

    /// The dataset at `path`, relative to this group (a leading `/` is ignored).
    pub fn dataset(&self, path: &str) -> Result<Dataset> {
        let (path, header) = self
            .file
            .resolve(&self.path, (*self.header).clone(), path)?;
        if header.first(messages::LAYOUT).is_none() {
            return Err(Error::WrongObjectKind {
                path,
                expected: "dataset",
            });
        }
        Dataset::from_header(self.file.clone(), self.options, path, &header)
    }

    /// The group's members, in storage order, each with its kind (and the error met opening it,
    /// for members that cannot be read).
    pub fn members(&self) -> Result<Vec<Entry>> {
        Ok(self
            .entries()?
            .into_iter()
            .map(|(entry, _)| entry)
            .collect())
    }

    /// The members, with the opened group for members that are groups.
    pub(crate) fn entries(&self) -> Result<Vec<(Entry, Option<Group>)>> {
        let members = self.file.links(&self.header, &self.path)?;
        Ok(members
            .into_iter()
            .map(|link| {
                let path = join(&self.path, &link.name);
                match link.target {
                    LinkTarget::Hard(address) => self.open_member(path, address),
                    LinkTarget::Soft(target) => {
                        (link_entry(path, EntryKind::SoftLink { target }), None)
                    }
                    LinkTarget::External { file, path: target } => (
                        link_entry(path, EntryKind::ExternalLink { file, target }),
                        None,
                    ),
                    LinkTarget::UserDefined(link_type) => (
                        link_entry(path, EntryKind::UserDefinedLink { link_type }),
                        None,
                    ),
                }
            })
            .collect())
    }

    /// Opens the member whose header is at `address` to learn its kind.
    fn open_member(&self, path: String, address: u64) -> (Entry, Option<Group>) {
        let header = match self.file.header(address, &path) {
            Ok(header) => header,
            Err(error) => return (Entry::failed(path, EntryKind::Unknown, error), None),
        };
        if links::is_group(&header) {
            let group = Group::new(self.file.clone(), self.options, path.clone(), header);
            return (Entry::group(path), Some(group));
        }
        if header.first(messages::LAYOUT).is_some() {
            return match Dataset::from_header(
                self.file.clone(),
                self.options,
                path.clone(),
                &header,
            ) {
                Ok(dataset) => (
                    Entry {
                        path,
                        kind: EntryKind::Dataset,
                        error: None,
                        dataset: Some(dataset),
                    },
                    None,
                ),
                Err(error) => (Entry::failed(path, EntryKind::Dataset, error), None),
            };
        }
        let kind = if header.first(messages::DATATYPE).is_some() {
            EntryKind::NamedDatatype
        } else {
            EntryKind::Unknown
        };
        (link_entry(path, kind), None)
    }
}

fn link_entry(path: String, kind: EntryKind) -> Entry {
    Entry {
        path,
        kind,
        error: None,
        dataset: None,
    }
}
