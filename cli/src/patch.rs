//! `--in-place` by patching: when the cleaned output is exactly as long as
//! the input and every byte it keeps stays at its offset
//! ([`mediascrub::Plan::is_in_place`]: MP4 metadata rewritten in its old
//! slot and padded with `free`, Matroska elements voided, AVI chunks
//! turned into `JUNK`), only the bytes that change are written into the
//! file itself, instead of writing the whole file anew.
//!
//! The steps, each named by the test hook that can stop the process
//! there (`MEDIASCRUB_TEST_CRASH_AT`, see [`crate::faults`]):
//!
//! 1. find the byte ranges the plan changes (compared 4 KiB at a time, so
//!    a file cleaned before writes nothing); when they are more than half
//!    the file, rewrite it instead; search the whole planned output for
//!    leaks, as `-o` does while writing (a file `-o` refuses is refused
//!    here too, untouched);
//! 2. write their original bytes to the rollback journal
//!    (`journal-half-written`, `journal-written`), flush it and its
//!    folder (`journal-synced`) — see [`crate::journal`];
//! 3. write the new bytes (`patch-half-written`, `patch-written`), flush
//!    the file (`patch-synced`);
//! 4. verify: read every changed range back and compare it with the plan,
//!    and inspect the patched file again (every finding must be one kept
//!    on purpose); on failure, roll back from the journal;
//! 5. delete the journal (`before-journal-removed`, `journal-removed`)
//!    and flush the folder;
//! 6. remove extended attributes other than ACLs and security labels, as
//!    the rewrite path does (they hold download URLs and tags).

use std::fs::{File, Metadata};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use mediascrub::{Cleaning, FileSource, Piece, Policy, Source};

use crate::faults;
use crate::job::Written;
use crate::journal::{split_at_half, Journal, Span};

/// Granularity of the comparison of old and new bytes: a page, the unit
/// the kernel writes back anyway.
const BLOCK: u64 = 4096;
/// Bytes read or written per call.
const CHUNK: u64 = 1 << 20;

/// How an attempt to patch ended.
pub enum Patch {
    /// The file is its cleaned version, with `warnings`.
    Done(Written, Vec<String>),
    /// Patching does not fit this file (too much would change, no journal
    /// could be set up); nothing was written: rewrite it instead.
    Unavailable,
}

/// Everything a patch needs.
pub struct Patching<'a> {
    pub path: &'a Path,
    /// The file opened for writing, locked exclusively.
    pub target: &'a File,
    /// The file as it was inspected.
    pub meta: &'a Metadata,
    /// The file opened for reading (the plan's input).
    pub src: &'a FileSource,
    /// The verified cleaning of `src`, its plan in place.
    pub cleaning: &'a Cleaning,
    pub policy: &'a Policy,
    /// Whether the file is still as it was inspected.
    pub unchanged: &'a dyn Fn() -> bool,
}

/// Clean the file by writing only what changes (see the module doc).
/// `Err` means the file is not cleaned: it was left, or rolled back to, the
/// original (or, if even the rollback failed, the journal is kept for the
/// next run and the error says so).
pub fn patch(p: &Patching<'_>) -> Result<Patch> {
    let spans = changed_spans(p.cleaning, p.src).context("cannot read")?;
    // The journal and the patch each write the changed bytes once: past
    // half the file, writing the file anew costs less.
    let changed: u64 = spans.iter().map(|s| s.len).sum();
    if changed.saturating_mul(2) > p.src.len() {
        return Ok(Patch::Unavailable);
    }
    // The leak scan over the whole output, as `-o` does while writing it:
    // a value that survives anywhere refuses the file before it is touched.
    p.cleaning.scan_output(p.src)?;
    if spans.is_empty() {
        let warnings = strip_xattrs(p.target);
        return Ok(Patch::Done(Written::Unchanged, warnings));
    }
    if !(p.unchanged)() {
        bail!("the file changed while it was being cleaned; left as is");
    }
    let Ok(journal) = Journal::begin(p.path, p.target, p.meta, &spans) else {
        return Ok(Patch::Unavailable);
    };
    if let Err(err) = write_and_verify(p, &spans) {
        return Err(match journal.roll_back() {
            Ok(()) => err.context("not cleaned; the file was rolled back to the original"),
            Err(again) => anyhow!(
                "{err:#}; rolling the file back failed too ({again:#}); its journal is kept, and the next mediascrub run on this file rolls it back"
            ),
        });
    }
    faults::crash_point("before-journal-removed");
    let mut warnings = Vec::new();
    if let Err(err) = journal.finish() {
        // The file is clean and verified; only the journal's deletion is
        // not durable (after a power cut the next run would roll back).
        warnings.push(format!("{err:#}"));
    }
    warnings.extend(strip_xattrs(p.target));
    Ok(Patch::Done(Written::Patched, warnings))
}

/// The ranges of the input that the plan changes, merged: the `Data` and
/// `Zeros` pieces minus the 4 KiB blocks that already hold those bytes.
fn changed_spans(cleaning: &Cleaning, src: &FileSource) -> Result<Vec<Span>> {
    let mut spans: Vec<Span> = Vec::new();
    let mut old = Vec::new();
    let mut pos = 0u64;
    for piece in cleaning.plan.pieces() {
        let len = piece.len();
        if !matches!(piece, Piece::Copy { .. }) {
            let mut at = pos;
            let end = pos + len;
            while at < end {
                // Whole blocks of the file, read a chunk at a time.
                let n = (end - at).min(CHUNK - at % BLOCK);
                old.resize(n as usize, 0);
                src.read_at(at, &mut old)?;
                let mut block_at = at;
                while block_at < at + n {
                    let block_end = ((block_at / BLOCK + 1) * BLOCK).min(at + n);
                    let from = (block_at - at) as usize;
                    let to = (block_end - at) as usize;
                    let current = old.get(from..to).unwrap_or_default();
                    let same = match piece {
                        Piece::Data(bytes) => {
                            let start = (block_at - pos) as usize;
                            bytes.get(start..start + (to - from)) == Some(current)
                        }
                        _ => current.iter().all(|b| *b == 0),
                    };
                    if !same {
                        match spans.last_mut() {
                            Some(last) if last.end() == block_at => {
                                last.len += block_end - block_at;
                            }
                            _ => spans.push(Span {
                                offset: block_at,
                                len: block_end - block_at,
                            }),
                        }
                    }
                    block_at = block_end;
                }
                at += n;
            }
        }
        pos += len;
    }
    Ok(spans)
}

/// Write the new bytes of `spans`, flush them, and check the file.
fn write_and_verify(p: &Patching<'_>, spans: &[Span]) -> Result<()> {
    let planned = p.cleaning.plan.output(p.src);
    let total: u64 = spans.iter().map(|s| s.len).sum();
    let largest = spans.iter().map(|s| s.len).max().unwrap_or(0);
    let mut buf = vec![0u8; largest.min(CHUNK) as usize];
    let mut done = 0u64;
    for span in spans {
        let mut off = 0u64;
        while off < span.len {
            let n = split_at_half((span.len - off).min(CHUNK), done, total);
            let chunk = buf
                .get_mut(..n as usize)
                .ok_or_else(|| anyhow!("internal: buffer"))?;
            // Changed ranges lie inside `Data` and `Zeros` pieces only, so
            // this never reads the file being patched.
            planned.read_at(span.offset + off, chunk)?;
            p.target
                .write_all_at(chunk, span.offset + off)
                .context("cannot write the patch")?;
            off += n;
            done += n;
            if done == total / 2 {
                faults::crash_point("patch-half-written");
                faults::fail_point("patch-write").context("cannot write the patch")?;
            }
        }
    }
    faults::crash_point("patch-written");
    p.target
        .sync_all()
        .context("cannot flush the patched file to disk")?;
    faults::crash_point("patch-synced");
    verify(p, spans, &mut buf).context("the patched file does not verify")
}

/// Read the patched file back: every changed range must hold the planned
/// bytes, and inspecting the file again must find only what is kept on
/// purpose, as the verification of every output does.
fn verify(p: &Patching<'_>, spans: &[Span], buf: &mut [u8]) -> Result<()> {
    let planned = p.cleaning.plan.output(p.src);
    let mut expected = vec![0u8; buf.len()];
    for span in spans {
        let mut off = 0u64;
        while off < span.len {
            let n = (span.len - off).min(CHUNK) as usize;
            let (Some(read), Some(want)) = (buf.get_mut(..n), expected.get_mut(..n)) else {
                bail!("internal: buffer");
            };
            p.target.read_exact_at(read, span.offset + off)?;
            planned.read_at(span.offset + off, want)?;
            if read != want {
                bail!(
                    "bytes at offset {} read back differ from those written",
                    span.offset + off
                );
            }
            off += n as u64;
        }
    }
    faults::fail_point("patch-verify")?;
    let patched = FileSource::new(p.target.try_clone()?)?;
    if patched.len() != p.src.len() {
        bail!("its length changed");
    }
    let again = mediascrub::inspect(&patched, p.policy)?;
    if again.format != p.cleaning.format {
        bail!("it is no longer recognised as {}", p.cleaning.format.name());
    }
    if let Some(leak) = again.findings.iter().find(|f| f.is_leak()) {
        bail!(
            "it still holds {} ({}) at {}",
            leak.field,
            leak.category,
            leak.location
        );
    }
    Ok(())
}

/// Remove the extended attributes a rewritten file would not have had:
/// all but `system.*` (POSIX ACLs, which a rewrite copies) and
/// `security.*` (labels set by the system's policy). `user.*` ones hold
/// download URLs (`user.xdg.origin.url`) and tags. Failures are warnings:
/// the file's content is clean by then.
fn strip_xattrs(file: &File) -> Vec<String> {
    let mut names = vec![0u8; 64 * 1024];
    let len = match rustix::fs::flistxattr(file, &mut names[..]) {
        Ok(len) => len,
        Err(rustix::io::Errno::NOTSUP) => return Vec::new(),
        Err(err) => return vec![format!("cannot list the file's extended attributes: {err}")],
    };
    let mut warnings = Vec::new();
    for name in names.get(..len).unwrap_or_default().split(|b| *b == 0) {
        if name.is_empty() || name.starts_with(b"system.") || name.starts_with(b"security.") {
            continue;
        }
        let name = std::ffi::OsStr::from_bytes(name);
        if let Err(err) = rustix::fs::fremovexattr(file, name) {
            warnings.push(format!(
                "cannot remove the extended attribute {}: {err}",
                name.to_string_lossy()
            ));
        }
    }
    warnings
}
