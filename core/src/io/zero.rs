//! The one chunked zero check: whether a range of the input holds only
//! zero bytes, read in bounded chunks so that a gigabyte-long range costs
//! a fixed buffer.
//!
//! Written once because the fail-closed answer matters: a zero check that
//! silently read nothing would answer "all zero" and let data through.
//! Here every byte of the range is read or the check fails.

use crate::error::Result;
use crate::io::Source;

/// Largest read of one step.
const CHUNK: u64 = 64 * 1024;

/// Offset of the first non-zero byte in `start..end`, or `None` when the
/// whole range is zero (an empty range is zero).
pub(crate) fn first_nonzero(src: &dyn Source, start: u64, end: u64) -> Result<Option<u64>> {
    // Sized to the range: millions of one-byte gaps must not each cost a
    // 64 KiB allocation (16 million took 77 s).
    let span = end.saturating_sub(start).min(CHUNK);
    let mut buf = vec![0u8; usize::try_from(span).unwrap_or(0)];
    let mut at = start;
    while at < end {
        // Only the last step is shorter than the buffer.
        let step = usize::try_from((end - at).min(CHUNK)).unwrap_or(0);
        buf.truncate(step);
        if buf.is_empty() {
            // Unreachable while `span` covers a step; never answer "zero"
            // for bytes that were not read.
            return Err(crate::error::Error::malformed(
                "zero check",
                at,
                "internal: empty read buffer",
            ));
        }
        src.read_at(at, &mut buf)?;
        if let Some(index) = buf.iter().position(|b| *b != 0) {
            return Ok(Some(at + index as u64));
        }
        at += buf.len() as u64;
    }
    Ok(None)
}

/// Whether `start..end` holds only zero bytes.
pub(crate) fn is_zero(src: &dyn Source, start: u64, end: u64) -> Result<bool> {
    Ok(first_nonzero(src, start, end)?.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_nonzero_byte_across_chunks() {
        let mut data = vec![0u8; 200_000];
        assert!(is_zero(&data, 0, 200_000).unwrap());
        assert!(is_zero(&data, 5, 5).unwrap());
        data[150_001] = 7;
        assert_eq!(first_nonzero(&data, 0, 200_000).unwrap(), Some(150_001));
        assert_eq!(first_nonzero(&data, 150_002, 200_000).unwrap(), None);
        assert!(!is_zero(&data, 150_001, 150_002).unwrap());
    }

    #[test]
    fn a_range_past_the_end_is_an_error_not_zero() {
        let data = vec![0u8; 10];
        assert!(is_zero(&data, 0, 11).is_err());
        assert!(is_zero(&data, 20, 30).is_err());
    }
}
