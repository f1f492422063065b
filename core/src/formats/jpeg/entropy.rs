//! Finding the end of a scan's entropy-coded data (ITU-T T.81 § B.1.1.5):
//! the data is copied by range, never decoded; only `0xFF` followed by a
//! non-zero, non-RST byte ends it.

use super::Parser;
use crate::error::{Error, Result};
use crate::io::Source;

/// Largest chunk read at once while scanning entropy-coded data.
pub(super) const SCAN_CHUNK: usize = 64 * 1024;
/// First chunk read for a scan. Chunks double up to [`SCAN_CHUNK`], so that
/// a file of many tiny scans is not read 64 KiB per scan (quadratic).
const FIRST_SCAN_CHUNK: usize = 512;

impl Parser<'_, '_> {
    /// Find the end of the entropy-coded data that starts at `pos`: the
    /// first marker that is neither a stuffed 0xFF00 nor a restart marker.
    /// Returns the offset of that marker's first 0xFF.
    pub(super) fn scan_entropy_data(&self, pos: u64) -> Result<u64> {
        entropy_end(self.src, pos, self.src.len())
    }
}

/// The end of the entropy-coded data that starts at `pos` and must end
/// before `len`: the offset of the first marker that is neither a stuffed
/// 0xFF00 nor a restart marker.
pub(super) fn entropy_end(src: &dyn Source, pos: u64, len: u64) -> Result<u64> {
    let mut buf = Vec::new();
    let mut at = pos;
    let mut chunk_len = FIRST_SCAN_CHUNK;
    // Offset of a 0xFF (and any fill bytes after it) not yet resolved.
    let mut pending_ff: Option<u64> = None;
    while at < len {
        let n = (len - at).min(chunk_len as u64) as usize;
        chunk_len = (chunk_len * 2).min(SCAN_CHUNK);
        buf.resize(n, 0);
        let chunk = buf.as_mut_slice();
        src.read_at(at, chunk)?;
        let mut i = 0usize;
        while let Some(byte) = chunk.get(i).copied() {
            if pending_ff.is_none() {
                // Most entropy-coded bytes are not 0xFF: jump to the next.
                match chunk.get(i..).and_then(|rest| memchr::memchr(0xFF, rest)) {
                    Some(skip) => {
                        pending_ff = Some(at + (i + skip) as u64);
                        i += skip + 1;
                    }
                    None => break,
                }
                continue;
            }
            match byte {
                0xFF => {} // fill byte: the marker starts at the first FF
                0x00 | 0xD0..=0xD7 => pending_ff = None,
                _ => return Ok(pending_ff.unwrap_or(at + i as u64)),
            }
            i += 1;
        }
        at += n as u64;
    }
    Err(Error::truncated(
        "JPEG scan",
        pos,
        "entropy-coded data runs to the end of the file without an EOI marker (truncated file)",
    ))
}
