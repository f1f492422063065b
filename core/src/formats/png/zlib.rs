//! Bounded zlib inflation for the compressed chunks of PNG (`zTXt`,
//! compressed `iTXt`, `iCCP`), with `miniz_oxide` (pure Rust, builds for
//! wasm32). The output is capped before it is allocated, and the caller
//! learns whether the stream ended exactly at the end of its input.

use miniz_oxide::inflate::stream::{inflate as step, InflateState};
use miniz_oxide::{DataFormat, MZFlush, MZStatus};

/// How an inflation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    /// The zlib stream ended (its Adler-32 checked).
    Complete,
    /// The input ran out before the end of the stream.
    Truncated,
    /// The stream is not valid zlib.
    Corrupt,
    /// The output would pass the limit; `bytes` holds its first part.
    Limit,
}

/// The result of [`inflate`].
#[derive(Debug)]
pub(super) struct Inflated {
    /// The inflated bytes (at most the limit).
    pub bytes: Vec<u8>,
    /// Input bytes consumed by the stream.
    pub consumed: usize,
    /// How it ended.
    pub end: End,
}

/// Inflate the zlib stream at the start of `data`, producing at most
/// `limit` bytes.
pub(super) fn inflate(data: &[u8], limit: usize) -> Inflated {
    let mut state = InflateState::new_boxed(DataFormat::Zlib);
    let mut buf = vec![0u8; 32 * 1024];
    let mut out = Vec::new();
    let mut consumed = 0usize;
    loop {
        let input = data.get(consumed..).unwrap_or_default();
        let result = step(&mut state, input, &mut buf, MZFlush::None);
        consumed = consumed.saturating_add(result.bytes_consumed);
        let room = limit.saturating_sub(out.len());
        let written = buf.get(..result.bytes_written).unwrap_or_default();
        if written.len() > room {
            out.extend_from_slice(written.get(..room).unwrap_or_default());
            return Inflated {
                bytes: out,
                consumed,
                end: End::Limit,
            };
        }
        out.extend_from_slice(written);
        let end = match result.status {
            Ok(MZStatus::StreamEnd) => End::Complete,
            Ok(_) if result.bytes_consumed > 0 || result.bytes_written > 0 => continue,
            Ok(_) => End::Truncated,
            Err(miniz_oxide::MZError::Buf) => End::Truncated,
            Err(_) => End::Corrupt,
        };
        return Inflated {
            bytes: out,
            consumed,
            end,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniz_oxide::deflate::compress_to_vec_zlib;

    #[test]
    fn inflates_whole_streams_and_reports_the_rest() {
        let z = compress_to_vec_zlib(&b"hello hello hello".repeat(100), 6);
        let whole = inflate(&z, 1 << 20);
        assert_eq!(whole.end, End::Complete);
        assert_eq!(whole.consumed, z.len());
        assert_eq!(whole.bytes.len(), 1700);

        let mut extra = z.clone();
        extra.extend_from_slice(b"hidden");
        let with_extra = inflate(&extra, 1 << 20);
        assert_eq!(with_extra.end, End::Complete);
        assert_eq!(with_extra.consumed, z.len());

        let cut = inflate(&z[..z.len() / 2], 1 << 20);
        assert_eq!(cut.end, End::Truncated);
        let limited = inflate(&z, 100);
        assert_eq!((limited.end, limited.bytes.len()), (End::Limit, 100));
        assert_eq!(inflate(b"not zlib at all", 100).end, End::Corrupt);
        assert_eq!(inflate(b"", 100).end, End::Truncated);
    }
}
