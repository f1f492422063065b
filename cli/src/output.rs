//! Writing an output safely: a temporary file in the target's directory,
//! fsync, then an atomic rename, then an fsync of the directory. Dropping
//! an [`AtomicOutput`] before [`AtomicOutput::persist`] removes the
//! temporary file, so on any failure there is never a partial or empty
//! file at the target path.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use tempfile::NamedTempFile;

use crate::faults;
use crate::job::TEMP_PREFIX;

/// An output being written: a temporary file next to its target.
pub struct AtomicOutput {
    temp: NamedTempFile,
    dir: PathBuf,
    target: PathBuf,
    overwrite: bool,
}

impl AtomicOutput {
    /// Start writing `target` (creating its directory). Unless `overwrite`,
    /// an existing `target` is refused now, and again at the rename.
    pub fn create(target: &Path, overwrite: bool) -> Result<Self> {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        if !overwrite && target.exists() {
            bail!(
                "{} already exists; not overwriting it (use --out DIR or --in-place)",
                target.display()
            );
        }
        // In the target's directory, so that the final rename stays on one
        // file system and is atomic.
        let temp = NamedTempFile::with_prefix_in(TEMP_PREFIX, &dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        Ok(AtomicOutput {
            temp,
            dir,
            target: target.to_path_buf(),
            overwrite,
        })
    }

    /// Fill the temporary file with what `write` writes; returns the
    /// temporary file's length afterwards.
    pub fn write_with(&mut self, write: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<u64> {
        {
            let file = faults::wrap_writer(self.temp.as_file());
            let mut writer = BufWriter::with_capacity(1 << 20, file);
            write(&mut writer)?;
            writer.flush().context("cannot write the output")?;
        }
        Ok(self
            .temp
            .as_file()
            .metadata()
            .context("cannot write the output")?
            .len())
    }

    /// Give the output `original`'s permissions (the temporary file starts
    /// as 0600) and flush it to disk.
    pub fn sync(&self, original: &Path) -> Result<()> {
        if let Ok(meta) = fs::metadata(original) {
            let _ = fs::set_permissions(self.temp.path(), meta.permissions());
        }
        self.temp
            .as_file()
            .sync_all()
            .context("cannot flush the output to disk")
    }

    /// Rename the output into place and make the rename durable.
    pub fn persist(self) -> Result<()> {
        let target = &self.target;
        if self.overwrite {
            self.temp
                .persist(target)
                .map_err(|e| anyhow!(e.error))
                .with_context(|| format!("cannot write {}", target.display()))?;
        } else {
            self.temp
                .persist_noclobber(target)
                .map_err(|e| anyhow!(e.error))
                .with_context(|| format!("cannot write {} (not overwriting)", target.display()))?;
        }
        sync_dir(&self.dir);
        Ok(())
    }
}

/// Make the rename durable (best effort: not every platform can fsync a
/// directory).
fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}
