//! The rollback journal that makes an in-place patch crash-safe, and the
//! lock that keeps two runs from patching (or rolling back) one file at
//! the same time.
//!
//! Before [`crate::patch`] writes a single byte into a file, the original
//! bytes of every range it is about to overwrite go to a journal beside
//! the file (`dir/.NAME.mediascrub-journal`, mode 0600: it holds the very
//! metadata being removed), and the journal and its folder are flushed to
//! disk. Only then is the file patched and flushed; the journal is deleted
//! (and the folder flushed) once the patched file has been read back and
//! verified. Whatever stops the process in between (a crash, a kill, a
//! power cut), the next run that opens the file finds the journal and:
//!
//! - rolls the file back to the original when the journal is complete
//!   (its checksum holds): whether the patch had started, finished or
//!   was half-way, writing the original bytes back gives the original;
//! - deletes the journal when it is incomplete (torn by a power cut while
//!   it was written): the patch never starts before the journal is on
//!   disk, so the file is still the original.
//!
//! # Format (version 1, integers little-endian)
//!
//! | bytes | field |
//! | --- | --- |
//! | 8 | magic `MSCRJRNL` |
//! | 4 | version (1) |
//! | 4 | header length `H` (76 + name length) |
//! | 8 | length of the file |
//! | 8 | its inode number |
//! | 8 + 4 | its modification time (seconds, nanoseconds), restored by a rollback |
//! | 4 + 4 | number and CRC-32 of the context bytes (below) |
//! | 4 | reserved (0) |
//! | 8 | number of ranges `N` |
//! | 8 | payload length (the sum of the ranges' lengths) |
//! | 4 + n | the file's name (bytes) |
//! | 16 × `N` | ranges: offset, length (sorted, disjoint, inside the file) |
//! | payload | the original bytes of each range, in order |
//! | 4 | CRC-32 of everything above |
//! | 8 | end magic `MSCRJEND` |
//!
//! A journal applies to a file only when the name and length match and so
//! do the **context bytes**: up to 4 KiB of unpatched bytes before and
//! after the first four and the last four ranges, which no patch writes.
//! Unlike the inode number (recorded too, and used when there are no
//! context bytes), they survive a file system that numbers inodes afresh
//! at each mount (FAT and exFAT memory cards), and they tell a different
//! file of the same length apart.
//!
//! A journal is trusted only when it is a regular file (never followed
//! through a symbolic link), writable by no one but its owner, and owned
//! by root or by the owner of the file it patches: one planted by someone
//! who may write the folder but not the file is refused, not applied.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context, Result};

use crate::faults;
use crate::job::journal_path;

const MAGIC: [u8; 8] = *b"MSCRJRNL";
const END: [u8; 8] = *b"MSCRJEND";
const VERSION: u32 = 1;
/// Bytes of the header before the file's name.
const FIXED: u64 = 76;
/// Bytes after the payload: CRC-32 and end magic.
const TRAILER: u64 = 12;
/// Unpatched bytes hashed on each side of a range for the context.
const CONTEXT: u64 = 4096;
/// Ranges at each end of the list whose surroundings are the context.
const CONTEXT_RANGES: usize = 4;
/// Buffer for copying payload bytes.
const CHUNK: u64 = 1 << 20;

/// A byte range of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub offset: u64,
    pub len: u64,
}

impl Span {
    pub fn end(&self) -> u64 {
        self.offset.saturating_add(self.len)
    }
}

/// `O_NOFOLLOW`: journals and patched files are never opened through a
/// symbolic link swapped in for them.
pub fn no_follow() -> i32 {
    rustix::fs::OFlags::NOFOLLOW.bits() as i32
}

/// The folder `path` is in.
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Make a folder's entries (a journal created or deleted) durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// The name a message gives a journal.
fn display(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The lock a run holds on a file while it reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// Shared: other runs may read the file too, none may patch it.
    Shared,
    /// Exclusive: this run may patch the file or roll it back.
    Exclusive,
    /// The file system takes no locks: the file is read, never patched.
    Unsupported,
}

/// Lock `file` against other mediascrub runs (an advisory `flock`, which
/// the kernel drops when the process dies, so a crashed run never leaves
/// a file locked). Never waits: a file another run is patching fails now
/// rather than stalling the batch.
pub fn lock(file: &File, exclusive: bool) -> Result<Lock> {
    use rustix::fs::FlockOperation;
    let (operation, held) = if exclusive {
        (FlockOperation::NonBlockingLockExclusive, Lock::Exclusive)
    } else {
        (FlockOperation::NonBlockingLockShared, Lock::Shared)
    };
    match rustix::fs::flock(file, operation) {
        Ok(()) => Ok(held),
        Err(rustix::io::Errno::WOULDBLOCK) => bail!(
            "another mediascrub run is using this file right now (cleaning it in place, or reading it while this run would patch it); not processed (run again when it is done)"
        ),
        Err(_) => Ok(Lock::Unsupported),
    }
}

/// Whether a journal (complete or not) lies beside `path`.
pub fn exists(path: &Path) -> bool {
    journal_path(path).is_some_and(|j| fs::symlink_metadata(j).is_ok())
}

/// What [`recover`] did.
#[derive(Debug)]
pub enum Recovery {
    /// No journal: the file is as the last run left it.
    Nothing,
    /// A complete journal: the file was rolled back to the original.
    RolledBack(PathBuf),
    /// An incomplete journal (the patch never started): deleted.
    Discarded(PathBuf),
}

impl Recovery {
    /// The one line a run says about it, if any.
    pub fn note(&self) -> Option<String> {
        match self {
            Recovery::Nothing => None,
            Recovery::RolledBack(journal) => Some(format!(
                "an earlier in-place clean of this file was interrupted: rolled back from its journal ({}); the file is as it was before that run",
                display(journal)
            )),
            Recovery::Discarded(journal) => Some(format!(
                "an earlier in-place clean of this file was interrupted before it changed anything: deleted its incomplete journal ({})",
                display(journal)
            )),
        }
    }
}

/// Undo an interrupted patch of `path`: roll the file back from a complete
/// journal, delete an incomplete one. The caller holds the exclusive
/// [`lock`] (or locks are unsupported), so no live run owns the journal.
/// A journal that is not trusted or does not match the file is kept, and
/// the file refused.
pub fn recover(path: &Path) -> Result<Recovery> {
    let Some(journal_path) = journal_path(path) else {
        return Ok(Recovery::Nothing);
    };
    let name = display(&journal_path);
    let journal = match OpenOptions::new()
        .read(true)
        .custom_flags(no_follow())
        .open(&journal_path)
    {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Recovery::Nothing),
        Err(err) => {
            return Err(err).with_context(|| {
                format!("cannot read {name}, the journal of an interrupted in-place clean of this file (not a regular file, or not readable); file not processed")
            })
        }
    };
    let meta = fs::metadata(path).context("cannot open")?;
    check_trusted(&journal, &meta)
        .with_context(|| format!("{name} is not a journal this file can be rolled back from; kept, and the file not processed (delete it if it is not yours)"))?;
    let parsed =
        match parse(&journal).with_context(|| format!("cannot read {name}; file not processed"))? {
            Parsed::Torn => {
                fs::remove_file(&journal_path)
                    .with_context(|| format!("cannot delete the incomplete journal {name}"))?;
                sync_dir(&parent_dir(path))
                    .with_context(|| format!("cannot flush the deletion of {name} to disk"))?;
                return Ok(Recovery::Discarded(journal_path));
            }
            Parsed::Complete(journal) => journal,
        };
    let target = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(no_follow())
        .open(path)
        .with_context(|| format!("cannot open the file to roll it back from {name}"))?;
    parsed
        .check_matches(path, &target, &meta)
        .with_context(|| format!("{name} does not belong to this file; kept, and the file not processed (delete it if the file is right)"))?;
    parsed.restore(&journal, &target).with_context(|| {
        format!("cannot roll the file back from {name}; the journal is kept for the next run")
    })?;
    fs::remove_file(&journal_path)
        .with_context(|| format!("rolled back, but cannot delete {name}"))?;
    sync_dir(&parent_dir(path))
        .with_context(|| format!("rolled back, but cannot flush the deletion of {name} to disk"))?;
    Ok(Recovery::RolledBack(journal_path))
}

/// A journal may be applied only when its owner could have written the
/// file (root, or the file's owner) and nobody else could have written the
/// journal: one planted by someone who may only write the folder must not
/// make a later run (perhaps root's) write chosen bytes into the file.
fn check_trusted(journal: &File, target: &Metadata) -> Result<()> {
    let meta = journal.metadata()?;
    if !meta.is_file() {
        bail!("not a regular file");
    }
    if meta.mode() & 0o022 != 0 {
        bail!("writable by others than its owner");
    }
    if meta.uid() != 0 && meta.uid() != target.uid() {
        bail!(
            "owned by user {}, neither root nor the file's owner ({})",
            meta.uid(),
            target.uid()
        );
    }
    Ok(())
}

/// What a journal file holds.
enum Parsed {
    /// Cut short or damaged (its checksum fails): written only in part.
    Torn,
    Complete(Contents),
}

/// A complete, checksummed journal.
struct Contents {
    name: Vec<u8>,
    target_len: u64,
    inode: u64,
    mtime: (i64, u32),
    context: (u32, u32),
    spans: Vec<Span>,
    payload_at: u64,
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    if let Some(src) = bytes.get(at..at + 4) {
        b.copy_from_slice(src);
    }
    u32::from_le_bytes(b)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    if let Some(src) = bytes.get(at..at + 8) {
        b.copy_from_slice(src);
    }
    u64::from_le_bytes(b)
}

/// Read and check a journal. `Torn` for anything a write cut short could
/// leave (too short, wrong magic, wrong length, checksum mismatch); an
/// error for a complete journal that makes no sense (another version, a
/// range outside the file), which is kept for a human to look at.
fn parse(journal: &File) -> Result<Parsed> {
    let len = journal.metadata()?.len();
    if len < FIXED + TRAILER {
        return Ok(Parsed::Torn);
    }
    let mut fixed = [0u8; FIXED as usize];
    journal.read_exact_at(&mut fixed, 0)?;
    if fixed.get(..8) != Some(&MAGIC[..]) {
        return Ok(Parsed::Torn);
    }
    // The whole journal must check out before any field is believed.
    let mut crc = crc32fast::Hasher::new();
    let mut buf = vec![0u8; CHUNK.min(len) as usize];
    let body = len - TRAILER;
    let mut at = 0u64;
    while at < body {
        let n = (body - at).min(CHUNK) as usize;
        let chunk = buf
            .get_mut(..n)
            .ok_or_else(|| anyhow!("internal: buffer"))?;
        journal.read_exact_at(chunk, at)?;
        crc.update(chunk);
        at += n as u64;
    }
    let mut trailer = [0u8; TRAILER as usize];
    journal.read_exact_at(&mut trailer, body)?;
    if u32_at(&trailer, 0) != crc.finalize() || trailer.get(4..) != Some(&END[..]) {
        return Ok(Parsed::Torn);
    }
    let version = u32_at(&fixed, 8);
    if version != VERSION {
        bail!("journal format version {version}, which this mediascrub does not read");
    }
    let header_len = u64::from(u32_at(&fixed, 12));
    let count = u64_at(&fixed, 56);
    let payload_len = u64_at(&fixed, 64);
    let name_len = u64::from(u32_at(&fixed, 72));
    let expected = count
        .checked_mul(16)
        .and_then(|t| t.checked_add(header_len))
        .and_then(|t| t.checked_add(payload_len))
        .and_then(|t| t.checked_add(TRAILER));
    if header_len != FIXED + name_len || expected != Some(len) {
        bail!("inconsistent journal header");
    }
    let mut name = vec![0u8; name_len as usize];
    journal.read_exact_at(&mut name, FIXED)?;
    let mut table = vec![0u8; (count * 16) as usize];
    journal.read_exact_at(&mut table, header_len)?;
    let target_len = u64_at(&fixed, 16);
    let mut spans = Vec::with_capacity(count as usize);
    let (mut end, mut total) = (0u64, 0u64);
    for entry in table.chunks_exact(16) {
        let span = Span {
            offset: u64_at(entry, 0),
            len: u64_at(entry, 8),
        };
        if span.len == 0
            || span.offset < end
            || span
                .offset
                .checked_add(span.len)
                .is_none_or(|e| e > target_len)
        {
            bail!("journal ranges out of order or outside the file");
        }
        end = span.end();
        total += span.len;
        spans.push(span);
    }
    if total != payload_len {
        bail!("journal ranges do not add up to its payload");
    }
    Ok(Parsed::Complete(Contents {
        name,
        target_len,
        inode: u64_at(&fixed, 24),
        mtime: (u64_at(&fixed, 32) as i64, u32_at(&fixed, 40)),
        context: (u32_at(&fixed, 44), u32_at(&fixed, 48)),
        spans,
        payload_at: header_len + count * 16,
    }))
}

impl Contents {
    /// The journal was written for this file: same name, same length, same
    /// bytes around the patched ranges (or, without any, same inode).
    fn check_matches(&self, path: &Path, target: &File, meta: &Metadata) -> Result<()> {
        let name = path.file_name().map(|n| n.as_bytes()).unwrap_or_default();
        if self.name != name {
            bail!("it names another file");
        }
        if meta.len() != self.target_len {
            bail!(
                "the file is {} bytes long, the journal's {}",
                meta.len(),
                self.target_len
            );
        }
        let context = context(target, &self.spans, self.target_len)?;
        if context != self.context {
            bail!("the bytes around the patched ranges differ");
        }
        if context.0 == 0 && meta.ino() != self.inode {
            bail!("another inode, and no unpatched bytes to compare");
        }
        Ok(())
    }

    /// Write the original bytes back, flush them, and give the file back
    /// its modification time.
    fn restore(&self, journal: &File, target: &File) -> Result<()> {
        let total: u64 = self.spans.iter().map(|s| s.len).sum();
        let largest = self.spans.iter().map(|s| s.len).max().unwrap_or(0);
        let mut buf = vec![0u8; largest.min(CHUNK) as usize];
        let mut from = self.payload_at;
        let mut done = 0u64;
        for span in &self.spans {
            let mut off = 0u64;
            while off < span.len {
                let n = split_at_half((span.len - off).min(CHUNK), done, total);
                let chunk = buf
                    .get_mut(..n as usize)
                    .ok_or_else(|| anyhow!("internal: buffer"))?;
                journal.read_exact_at(chunk, from)?;
                target.write_all_at(chunk, span.offset + off)?;
                off += n;
                from += n;
                done += n;
                if done == total / 2 {
                    faults::crash_point("rollback-half-written");
                }
            }
        }
        let (secs, nanos) = self.mtime;
        let mtime = if secs >= 0 {
            UNIX_EPOCH + Duration::new(secs as u64, nanos)
        } else {
            UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
                + Duration::from_nanos(u64::from(nanos))
        };
        // The original's time too, so that the rolled-back file is the
        // original for backup tools as well. Best effort: content first.
        let _ = target.set_modified(mtime);
        target.sync_all()?;
        Ok(())
    }
}

/// How much of a chunk of `n` bytes to write when `done` of `total` are
/// written: all of it, or up to exactly half-way, so that the test hooks
/// at the half-way point find a patch or rollback really half done.
pub fn split_at_half(n: u64, done: u64, total: u64) -> u64 {
    let half = total / 2;
    if done < half && done + n > half {
        half - done
    } else {
        n
    }
}

/// The context of a patch: the unpatched bytes near the first and the last
/// ranges (`(count, CRC-32)`), read from `file`.
fn context(file: &File, spans: &[Span], len: u64) -> io::Result<(u32, u32)> {
    let mut picked: Vec<&Span> = spans.iter().take(CONTEXT_RANGES).collect();
    picked.extend(
        spans
            .iter()
            .skip(CONTEXT_RANGES.max(spans.len().saturating_sub(CONTEXT_RANGES))),
    );
    let mut windows = Vec::new();
    for span in picked {
        windows.push((span.offset.saturating_sub(CONTEXT), span.offset));
        windows.push((span.end(), span.end().saturating_add(CONTEXT).min(len)));
    }
    windows.sort_unstable();
    let mut crc = crc32fast::Hasher::new();
    let mut count = 0u64;
    let mut pos = 0u64;
    let mut buf = Vec::new();
    for (start, end) in windows {
        // Overlapping windows are hashed once, in file order.
        let start = start.max(pos);
        if start >= end {
            continue;
        }
        pos = end;
        // Minus every patched range inside the window.
        let mut at = start;
        let mut index = spans.partition_point(|s| s.end() <= start);
        while at < end {
            let next = spans.get(index).filter(|s| s.offset < end);
            let stop = next.map_or(end, |s| s.offset.max(at));
            if stop > at {
                buf.resize((stop - at) as usize, 0);
                file.read_exact_at(&mut buf, at)?;
                crc.update(&buf);
                count += stop - at;
            }
            match next {
                Some(s) => {
                    at = s.end().max(at);
                    index += 1;
                }
                None => at = end,
            }
        }
    }
    Ok((count as u32, crc.finalize()))
}

/// A journal on disk whose patch may proceed: deleted by [`Journal::finish`]
/// once the patch is verified, or used by [`Journal::roll_back`].
pub struct Journal {
    path: PathBuf,
    target: PathBuf,
}

impl Journal {
    /// Write the journal of patching `spans` of `path` (open as `target`,
    /// described by `meta`) and make it durable: the journal, then its
    /// folder. On `Err` nothing was written to the file and no journal is
    /// left: the caller takes the rewrite path instead.
    pub fn begin(path: &Path, target: &File, meta: &Metadata, spans: &[Span]) -> Result<Journal> {
        let journal_path =
            journal_path(path).ok_or_else(|| anyhow!("file name too long for a journal"))?;
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(no_follow())
            .open(&journal_path)
            .context("cannot create the journal")?;
        let journal = Journal {
            path: journal_path,
            target: path.to_path_buf(),
        };
        let written = (|| {
            // Only a journal [`recover`] will trust is worth writing: the
            // file may be someone else's (writable by this user), or on a
            // file system that shows every file as writable by all.
            check_trusted(&file, meta)?;
            write_contents(&file, path, target, meta, spans)?;
            faults::crash_point("journal-written");
            file.sync_all()?;
            sync_dir(&parent_dir(path))?;
            Ok(())
        })();
        match written {
            Ok(()) => {
                faults::crash_point("journal-synced");
                Ok(journal)
            }
            Err(err) => {
                journal.discard();
                Err(err)
            }
        }
    }

    /// Delete the journal of a patch that was verified, and make that
    /// durable: a journal reappearing after a power cut would roll a clean
    /// file back to the original.
    pub fn finish(self) -> Result<()> {
        let name = display(&self.path);
        fs::remove_file(&self.path).with_context(|| {
            format!("cleaned, but cannot delete its journal {name}, so the next run on this file will roll it back to the original (delete the journal to keep the clean file)")
        })?;
        faults::crash_point("journal-removed");
        sync_dir(&parent_dir(&self.target)).with_context(|| {
            format!("cleaned, but the deletion of its journal {name} may not be on disk: after a power cut the next run would roll the file back")
        })
    }

    /// Roll the file back after a failed patch (from the journal on disk,
    /// the same way a later run would) and delete the journal.
    pub fn roll_back(self) -> Result<()> {
        match recover(&self.target)? {
            Recovery::RolledBack(_) => Ok(()),
            _ => bail!("the journal was not there any more"),
        }
    }

    /// Remove a journal whose patch never started (best effort: a torn
    /// journal left behind is deleted by the next run).
    fn discard(self) {
        if fs::remove_file(&self.path).is_ok() {
            let _ = sync_dir(&parent_dir(&self.target));
        }
    }
}

/// A writer that checksums what goes through it.
struct Checksummed<W> {
    inner: W,
    crc: crc32fast::Hasher,
}

impl<W: Write> Write for Checksummed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(buf.get(..n).unwrap_or_default());
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The journal's bytes: header, ranges, the original bytes (read from
/// `target`), checksum.
fn write_contents(
    file: &File,
    path: &Path,
    target: &File,
    meta: &Metadata,
    spans: &[Span],
) -> Result<()> {
    let name = path.file_name().map(|n| n.as_bytes()).unwrap_or_default();
    let payload: u64 = spans.iter().map(|s| s.len).sum();
    let (context_len, context_crc) = context(target, spans, meta.len())?;
    let mut header = Vec::with_capacity(FIXED as usize + name.len());
    header.extend_from_slice(&MAGIC);
    header.extend_from_slice(&VERSION.to_le_bytes());
    header.extend_from_slice(&(FIXED as u32 + name.len() as u32).to_le_bytes());
    header.extend_from_slice(&meta.len().to_le_bytes());
    header.extend_from_slice(&meta.ino().to_le_bytes());
    header.extend_from_slice(&meta.mtime().to_le_bytes());
    header.extend_from_slice(&(meta.mtime_nsec() as u32).to_le_bytes());
    header.extend_from_slice(&context_len.to_le_bytes());
    header.extend_from_slice(&context_crc.to_le_bytes());
    header.extend_from_slice(&0u32.to_le_bytes());
    header.extend_from_slice(&(spans.len() as u64).to_le_bytes());
    header.extend_from_slice(&payload.to_le_bytes());
    header.extend_from_slice(&(name.len() as u32).to_le_bytes());
    header.extend_from_slice(name);
    let mut out = BufWriter::with_capacity(
        CHUNK as usize,
        Checksummed {
            inner: faults::wrap_writer(file),
            crc: crc32fast::Hasher::new(),
        },
    );
    out.write_all(&header)?;
    for span in spans {
        out.write_all(&span.offset.to_le_bytes())?;
        out.write_all(&span.len.to_le_bytes())?;
    }
    let largest = spans.iter().map(|s| s.len).max().unwrap_or(0);
    let mut buf = vec![0u8; largest.min(CHUNK) as usize];
    let mut done = 0u64;
    for span in spans {
        let mut off = 0u64;
        while off < span.len {
            let n = split_at_half((span.len - off).min(CHUNK), done, payload);
            let chunk = buf
                .get_mut(..n as usize)
                .ok_or_else(|| anyhow!("internal: buffer"))?;
            target.read_exact_at(chunk, span.offset + off)?;
            out.write_all(chunk)?;
            off += n;
            done += n;
            if done == payload / 2 {
                // What a power cut while the journal is written leaves: a
                // journal cut short, which the next run must discard.
                out.flush()?;
                faults::crash_point("journal-half-written");
            }
        }
    }
    let mut sum = out.into_inner().map_err(|e| e.into_error())?;
    let crc = sum.crc.clone().finalize();
    sum.inner.write_all(&crc.to_le_bytes())?;
    sum.inner.write_all(&END)?;
    sum.inner.flush()?;
    Ok(())
}

/// The modification time recorded for a file (for tests of the format).
#[cfg(test)]
fn mtime_of(meta: &Metadata) -> std::time::SystemTime {
    meta.modified().unwrap_or(UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(list: &[(u64, u64)]) -> Vec<Span> {
        list.iter()
            .map(|&(offset, len)| Span { offset, len })
            .collect()
    }

    /// A file, patched by hand through a journal, rolled back by `recover`.
    #[test]
    fn journal_round_trip_and_torn_journals() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clip.bin");
        let original: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        fs::write(&path, &original).unwrap();
        let target = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        let meta = target.metadata().unwrap();
        let patch = spans(&[(10, 20), (5000, 3), (90_000, 9_000)]);
        let journal = Journal::begin(&path, &target, &meta, &patch).unwrap();
        for span in &patch {
            target
                .write_all_at(&vec![0xEE; span.len as usize], span.offset)
                .unwrap();
        }
        assert_ne!(fs::read(&path).unwrap(), original);
        drop(journal); // as a crash would leave it
        let recovered = recover(&path).unwrap();
        assert!(
            matches!(recovered, Recovery::RolledBack(_)),
            "{recovered:?}"
        );
        assert_eq!(fs::read(&path).unwrap(), original);
        assert_eq!(mtime_of(&fs::metadata(&path).unwrap()), mtime_of(&meta));
        assert!(!exists(&path));

        // Cut anywhere, the journal is torn and deleted; the file untouched.
        let journal = Journal::begin(&path, &target, &meta, &patch).unwrap();
        let journal_path = journal.path.clone();
        let whole = fs::read(&journal_path).unwrap();
        for cut in [0, 5, 75, 200, whole.len() / 2, whole.len() - 1] {
            fs::write(&journal_path, &whole[..cut]).unwrap();
            let recovered = recover(&path).unwrap();
            assert!(
                matches!(recovered, Recovery::Discarded(_)),
                "{cut}: {recovered:?}"
            );
            assert!(!journal_path.exists());
        }
        // A flipped byte anywhere: torn too.
        let mut flipped = whole.clone();
        flipped[whole.len() / 3] ^= 1;
        fs::write(&journal_path, &flipped).unwrap();
        assert!(matches!(recover(&path).unwrap(), Recovery::Discarded(_)));
        assert_eq!(fs::read(&path).unwrap(), original);
    }

    #[test]
    fn a_journal_of_another_file_is_kept_and_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clip.bin");
        let original = vec![3u8; 50_000];
        fs::write(&path, &original).unwrap();
        let target = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        let meta = target.metadata().unwrap();
        let journal = Journal::begin(&path, &target, &meta, &spans(&[(20_000, 10)])).unwrap();
        let journal_path = journal.path.clone();
        drop(journal);
        // Same length, other bytes around the range.
        let mut other = original.clone();
        other[19_000] = 9;
        fs::write(&path, &other).unwrap();
        let err = recover(&path).unwrap_err();
        assert!(format!("{err:#}").contains("does not belong"), "{err:#}");
        assert!(journal_path.exists());
        assert_eq!(fs::read(&path).unwrap(), other);
        // Another length.
        fs::write(&path, &original[..40_000]).unwrap();
        assert!(recover(&path).is_err());
        assert!(journal_path.exists());
    }

    #[test]
    fn an_untrusted_journal_is_not_applied() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clip.bin");
        fs::write(&path, vec![1u8; 10_000]).unwrap();
        let target = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        let meta = target.metadata().unwrap();
        let journal = Journal::begin(&path, &target, &meta, &spans(&[(100, 10)])).unwrap();
        let journal_path = journal.path.clone();
        drop(journal);
        fs::set_permissions(&journal_path, fs::Permissions::from_mode(0o666)).unwrap();
        let err = recover(&path).unwrap_err();
        assert!(format!("{err:#}").contains("writable by others"), "{err:#}");
        assert!(journal_path.exists());
        // Owned by someone who is neither root nor the file's owner (a
        // user who may write the folder, not the file): refused.
        fs::set_permissions(&journal_path, fs::Permissions::from_mode(0o600)).unwrap();
        if std::os::unix::fs::chown(&journal_path, Some(4321), None).is_ok() {
            let err = recover(&path).unwrap_err();
            assert!(format!("{err:#}").contains("owned by user 4321"), "{err:#}");
            assert!(journal_path.exists());
        }
        // A symbolic link named like a journal is never followed.
        fs::remove_file(&journal_path).unwrap();
        std::os::unix::fs::symlink(&path, &journal_path).unwrap();
        assert!(recover(&path).is_err());
        assert_eq!(fs::read(&path).unwrap(), vec![1u8; 10_000]);
    }

    #[test]
    fn context_skips_patched_bytes_and_overlaps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, vec![5u8; 20_000]).unwrap();
        let file = File::open(&path).unwrap();
        // Two ranges 100 bytes apart: the windows overlap and the second
        // range lies inside the first's window.
        let (count, _) = context(&file, &spans(&[(5000, 50), (5150, 50)]), 20_000).unwrap();
        assert_eq!(count, 4096 + 100 + 4096);
        let (count, _) = context(&file, &spans(&[(0, 20_000)]), 20_000).unwrap();
        assert_eq!(count, 0);
    }

    #[test]
    fn halves() {
        assert_eq!(split_at_half(100, 0, 100), 50);
        assert_eq!(split_at_half(50, 50, 100), 50);
        assert_eq!(split_at_half(30, 0, 100), 30);
        assert_eq!(split_at_half(30, 30, 100), 20);
    }
}
