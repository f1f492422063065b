//! Writing an output safely: a temporary file in the target's directory,
//! filled and checked, then an atomic rename. Dropping an [`AtomicOutput`]
//! or a [`Staged`] output before it is renamed removes the temporary file,
//! so on any failure there is never a partial or empty file at the target
//! path.
//!
//! Durability is batched ([`flush`]): no output is fsynced on its own.
//! New files (`--out`, `-o`, siblings) are renamed into place as soon as
//! they are written and the batch ends with one flush of their file
//! systems. `--in-place` renames only once every temporary of the batch
//! is on disk, then flushes the renames (see `docs/SECURITY.md`).

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use tempfile::{NamedTempFile, TempPath};

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
    /// an existing `target` is refused now, and again at the rename. An
    /// existing target that is not a regular file (FIFO, device, socket,
    /// link, folder) is always refused: the rename would replace it. With
    /// `confine` (the `--out` folder), no folder between it and the target
    /// may be a symbolic link, so that nothing is written through one.
    pub fn create(target: &Path, overwrite: bool, confine: Option<&Path>) -> Result<Self> {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if let Some(root) = confine {
            check_no_links_below(root, &dir)?;
        }
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        if let Some(root) = confine {
            // Again: a link may have appeared while the folders were made.
            check_no_links_below(root, &dir)?;
        }
        match fs::symlink_metadata(target) {
            Ok(meta) if !meta.file_type().is_file() => bail!(
                "{} exists and is {}; not replacing it with a regular file",
                target.display(),
                file_kind(&meta.file_type())
            ),
            Ok(_) if !overwrite => bail!(
                "{} already exists; not overwriting it (use --out DIR or --in-place)",
                target.display()
            ),
            // Windows refuses to replace a read-only file: said now, before
            // any work, rather than at the rename.
            #[cfg(windows)]
            Ok(meta) if meta.permissions().readonly() => bail!("{}", read_only(target)),
            _ => {}
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
    /// as 0600) and close it, ready to be renamed. With `replacing`
    /// (`--in-place`) the output must take over the original's owner,
    /// group, mode and POSIX access ACL, or it is refused: a replaced file
    /// must not change hands or become readable by others. Nothing is
    /// flushed to disk here: see [`flush`].
    pub fn finish(self, original: &Path, replacing: bool) -> Result<Staged> {
        if replacing {
            keep_attributes(self.temp.as_file(), original)?;
        } else {
            // On Windows the only permission std sets is the read-only
            // attribute: a read-only copy would be refused when the next
            // run replaces it, and its temporary could not be removed.
            #[cfg(unix)]
            if let Ok(meta) = fs::metadata(original) {
                let _ = fs::set_permissions(self.temp.path(), meta.permissions());
            }
        }
        Ok(Staged {
            // Closed: a batch may hold many staged outputs at once.
            temp: self.temp.into_temp_path(),
            dir: self.dir,
            target: self.target,
            overwrite: self.overwrite,
        })
    }
}

/// A complete, checked output still under its temporary name (removed if
/// dropped).
pub struct Staged {
    temp: TempPath,
    dir: PathBuf,
    target: PathBuf,
    overwrite: bool,
}

impl Staged {
    /// The folder the output goes to (that its temporary file is in).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The temporary file, until the rename.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Rename the output into place. Not durable until the folder is
    /// flushed ([`flush`]).
    ///
    /// On Unix the rename replaces an existing target atomically whatever
    /// its permissions and whoever has it open. On Windows it is a
    /// `MoveFileEx` with `MOVEFILE_REPLACE_EXISTING`, which fails when the
    /// target is read-only or open in a program that does not share
    /// deletion (a viewer, an editor, briefly a virus scanner or the search
    /// indexer): it is retried for about two seconds, then refused with a
    /// message that says which; the target is left as it was.
    pub fn rename(self) -> Result<()> {
        let Staged {
            mut temp,
            target,
            overwrite,
            ..
        } = self;
        let mut waits = RENAME_WAITS_MS.iter();
        loop {
            let result = if overwrite {
                temp.persist(&target)
            } else {
                temp.persist_noclobber(&target)
            };
            let err = match result {
                Ok(()) => return Ok(()),
                Err(err) => err,
            };
            match waits.next() {
                Some(ms) if overwrite && replace_may_succeed_later(&err.error, &target) => {
                    temp = err.path;
                    std::thread::sleep(std::time::Duration::from_millis(*ms));
                }
                _ => return Err(rename_error(err.error, &target, overwrite)),
            }
        }
    }
}

/// Waits between attempts at a rename that Windows refused for a reason
/// that may pass (about two seconds in all); none on Unix.
#[cfg(windows)]
const RENAME_WAITS_MS: &[u64] = &[10, 20, 40, 80, 160, 320, 640, 800];
#[cfg(not(windows))]
const RENAME_WAITS_MS: &[u64] = &[];

/// `ERROR_ACCESS_DENIED`, `ERROR_SHARING_VIOLATION`, `ERROR_LOCK_VIOLATION`.
#[cfg(windows)]
const WINDOWS_IN_USE: [i32; 3] = [5, 32, 33];

/// Whether a refused replacement is worth retrying: the target is in use
/// (by a scanner, most of the time), not read-only.
#[cfg(windows)]
fn replace_may_succeed_later(err: &std::io::Error, target: &Path) -> bool {
    err.raw_os_error()
        .is_some_and(|code| WINDOWS_IN_USE.contains(&code))
        && !is_read_only(target)
}

#[cfg(not(windows))]
fn replace_may_succeed_later(_err: &std::io::Error, _target: &Path) -> bool {
    false
}

/// The rename's failure, in words the user can act on.
fn rename_error(err: std::io::Error, target: &Path, overwrite: bool) -> anyhow::Error {
    #[cfg(windows)]
    if overwrite && is_read_only(target) {
        return anyhow!("{}", read_only(target));
    }
    #[cfg(windows)]
    match err.raw_os_error() {
        Some(32 | 33) => {
            return anyhow!(
                "cannot replace {}: it is open in another program that does not let it be replaced ({err}); close it and run again ({} was not changed)",
                target.display(),
                target.display()
            )
        }
        Some(5) if overwrite => {
            return anyhow!(
                "cannot replace {}: access denied ({err}); it may be open in another program, or you may not be allowed to change it ({} was not changed)",
                target.display(),
                target.display()
            )
        }
        _ => {}
    }
    let context = if overwrite {
        format!("cannot write {}", target.display())
    } else {
        format!("cannot write {} (not overwriting)", target.display())
    };
    anyhow!(err).context(context)
}

/// Whether `path` is a read-only file (the Windows attribute).
#[cfg(windows)]
fn is_read_only(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|meta| meta.permissions().readonly())
}

/// Why a read-only file is not replaced.
#[cfg(windows)]
fn read_only(target: &Path) -> String {
    format!(
        "{} is read-only; not replacing it (clear the attribute to let it be replaced: attrib -r \"{}\")",
        target.display(),
        target.display()
    )
}

/// Up to this many files, [`flush`] fsyncs each rather than the whole file
/// system: `syncfs` also writes out every other program's pending data on
/// that file system, which costs more than a few fsyncs.
#[cfg(any(target_os = "linux", target_os = "android"))]
const FSYNC_PASS_MAX: usize = 16;

/// Make everything written under `dirs` durable: the files in them and
/// the folders' entries. On Linux, for more than [`FSYNC_PASS_MAX`] files,
/// one `syncfs` per file system the folders are on (a whole batch costs
/// one journal commit, not one per file); otherwise an `fsync` of each
/// file in `files`, then of each folder. Folders that cannot be opened are
/// passed over: their files have failed already.
pub fn flush<'a>(
    files: impl IntoIterator<Item = &'a Path>,
    dirs: impl IntoIterator<Item = &'a Path>,
) -> Result<()> {
    let files: Vec<&Path> = files.into_iter().collect();
    let mut dirs: Vec<&Path> = dirs.into_iter().collect();
    dirs.sort();
    dirs.dedup();
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if files.len() > FSYNC_PASS_MAX {
        use std::os::unix::fs::MetadataExt;
        let mut devices = Vec::new();
        for dir in dirs {
            let Ok(handle) = File::open(dir) else {
                continue;
            };
            let Ok(meta) = handle.metadata() else {
                continue;
            };
            if devices.contains(&meta.dev()) {
                continue;
            }
            devices.push(meta.dev());
            rustix::fs::syncfs(&handle)
                .map_err(std::io::Error::from)
                .with_context(|| format!("cannot flush {} to disk", dir.display()))?;
        }
        return Ok(());
    }
    for file in files {
        if let Ok(handle) = open_to_flush(file) {
            handle
                .sync_all()
                .with_context(|| format!("cannot flush {} to disk", file.display()))?;
        }
    }
    sync_dirs(dirs);
    Ok(())
}

/// A file opened so that `sync_all` may flush it: Windows'
/// `FlushFileBuffers` needs a handle with write access.
fn open_to_flush(file: &Path) -> std::io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(windows)]
    options.write(true);
    options.open(file)
}

/// Make the folders' entries (renames) durable: one `fsync` per folder.
/// Unix only: Windows has no folder fsync (`File::open` cannot open a
/// folder there); NTFS commits a rename through its own journal.
pub fn sync_dirs<'a>(dirs: impl IntoIterator<Item = &'a Path>) {
    #[cfg(unix)]
    {
        let mut dirs: Vec<&Path> = dirs.into_iter().collect();
        dirs.sort();
        dirs.dedup();
        for dir in dirs {
            // Best effort where a folder cannot be opened or fsynced:
            // the rename itself has happened.
            if let Ok(handle) = File::open(dir) {
                let _ = handle.sync_all();
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dirs;
}

/// What a non-regular file is, for messages.
fn file_kind(kind: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Refuse when a folder from below `root` down to `dir` is a symbolic link
/// (or not a folder). `root` itself may be a link: the user named it.
/// Folders that do not exist yet are fine: they are created as folders.
fn check_no_links_below(root: &Path, dir: &Path) -> Result<()> {
    let Ok(relative) = dir.strip_prefix(root) else {
        bail!(
            "{} is not inside the output folder {}",
            dir.display(),
            root.display()
        );
    };
    let mut current = root.to_path_buf();
    for part in relative.components() {
        current.push(part);
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => bail!(
                "{} is a symbolic link inside the output folder; not writing through it",
                current.display()
            ),
            Ok(meta) if !meta.is_dir() => bail!(
                "{} is in the way of the output: {}",
                current.display(),
                file_kind(&meta.file_type())
            ),
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(err) => {
                return Err(err).with_context(|| format!("cannot check {}", current.display()))
            }
        }
    }
    Ok(())
}

/// The POSIX access ACL, stored as this extended attribute on Linux.
#[cfg(unix)]
const ACL_ACCESS: &str = "system.posix_acl_access";

/// Give `temp` the owner, group, mode (set-id and sticky bits included)
/// and POSIX access ACL of `original`, or fail. Other extended attributes
/// are not copied (they can hold download URLs and tags), and times are
/// not kept (the file's content changed).
#[cfg(unix)]
fn keep_attributes(temp: &File, original: &Path) -> Result<()> {
    use std::os::unix::fs::{fchown, MetadataExt, PermissionsExt};
    let meta = fs::metadata(original).context("cannot read the original's attributes")?;
    let (uid, gid) = (meta.uid(), meta.gid());
    fchown(temp, Some(uid), Some(gid)).with_context(|| {
        format!("cannot give the cleaned file the original's owner and group ({uid}:{gid}); original left as is")
    })?;
    // After the chown, which clears set-id bits.
    temp.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))
        .context("cannot give the cleaned file the original's mode; original left as is")?;
    let mut acl = vec![0u8; 64 * 1024];
    match rustix::fs::getxattr(original, ACL_ACCESS, &mut acl[..]) {
        Ok(len) => {
            let value = acl.get(..len).unwrap_or_default();
            rustix::fs::fsetxattr(temp, ACL_ACCESS, value, rustix::fs::XattrFlags::empty())
                .map_err(std::io::Error::from)
                .context(
                    "cannot give the cleaned file the original's access ACL; original left as is",
                )?;
        }
        Err(rustix::io::Errno::NODATA) | Err(rustix::io::Errno::NOTSUP) => {
            // No ACL on the original: none on the output either (the
            // folder's default ACL may have given the new file one).
            match rustix::fs::fremovexattr(temp, ACL_ACCESS) {
                Ok(()) | Err(rustix::io::Errno::NODATA) | Err(rustix::io::Errno::NOTSUP) => {}
                Err(err) => {
                    return Err(std::io::Error::from(err))
                        .context("cannot drop an inherited ACL from the cleaned file")
                }
            }
        }
        Err(err) => {
            return Err(std::io::Error::from(err))
                .context("cannot read the original's access ACL; original left as is")
        }
    }
    Ok(())
}

/// Elsewhere (Windows) nothing is copied: the new file has the folder's
/// inherited permissions, as any file created there (an explicit ACL on
/// the original is not carried over), and none of the original's
/// alternate data streams (`Zone.Identifier`, which names the page a
/// download came from, included). A read-only original is refused before
/// this ([`AtomicOutput::create`]).
#[cfg(not(unix))]
fn keep_attributes(_temp: &File, original: &Path) -> Result<()> {
    fs::metadata(original).context("cannot read the original's attributes; original left as is")?;
    Ok(())
}
