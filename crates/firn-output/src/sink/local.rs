//! Local files: written to a temporary file beside the target and renamed on commit, so a
//! reader never sees a partial file and a failed or dropped writer leaves nothing behind.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{Error, Result};

pub(crate) struct LocalSink {
    target: PathBuf,
    file: BufWriter<NamedTempFile>,
}

impl LocalSink {
    /// Creates the temporary file in the target's directory (creating the directory if needed).
    pub(crate) fn create(target: &Path) -> Result<Self> {
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(dir.display(), e))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".partial")
            .tempfile_in(&dir)
            .map_err(|e| Error::io(dir.display(), e))?;
        Ok(Self {
            target: target.to_path_buf(),
            file: BufWriter::with_capacity(1 << 20, temp),
        })
    }

    /// Flushes, syncs and renames the temporary file onto the target.
    pub(crate) fn commit(self) -> Result<()> {
        let target = self.target;
        let temp = self
            .file
            .into_inner()
            .map_err(|e| Error::io(target.display(), e.into_error()))?;
        temp.as_file()
            .sync_all()
            .map_err(|e| Error::io(target.display(), e))?;
        temp.persist(&target)
            .map_err(|e| Error::io(target.display(), e.error))?;
        Ok(())
    }
}

impl Write for LocalSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}
