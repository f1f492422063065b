//! RIFF chunk syntax (the Microsoft/IBM RIFF specification, as used by AVI,
//! WebP and WAV): 8-byte chunk headers with little-endian sizes, the pad
//! byte after odd-sized chunks, `RIFF`/`LIST` forms, and the same-size
//! `JUNK` placeholder.
//!
//! Syntax only: no policy, no findings.

use super::Filler;
use crate::error::{Error, Result};
use crate::io::{Source, SourceExt};

/// One chunk header, checked against its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chunk {
    /// The chunk's FourCC.
    pub id: [u8; 4],
    /// Offset of the FourCC.
    pub start: u64,
    /// Offset of the data (after the 8-byte header).
    pub data: u64,
    /// Data size as declared (pad byte excluded).
    pub size: u64,
    /// End including the pad byte to an even size, when the parent holds
    /// it (writers may omit it when the chunk ends its parent).
    pub end: u64,
}

impl Chunk {
    /// Whether the chunk is a `RIFF` or `LIST` form holding children.
    pub fn is_list(&self) -> bool {
        &self.id == b"LIST" || &self.id == b"RIFF"
    }

    /// End of the declared data (pad byte excluded).
    pub fn data_end(&self) -> u64 {
        self.data + self.size
    }

    /// A printable name for the chunk's FourCC.
    pub fn name(&self) -> String {
        fourcc_name(&self.id)
    }
}

/// Read the chunk header at `pos`, whose parent (or the file) ends at
/// `parent_end`. `structure` names the container in errors.
pub(crate) fn read_chunk(
    src: &dyn Source,
    pos: u64,
    parent_end: u64,
    structure: &'static str,
) -> Result<Chunk> {
    let parent_end = parent_end.min(src.len());
    if parent_end.saturating_sub(pos) < 8 {
        return Err(Error::truncated(
            structure,
            pos,
            "header truncated by the end of its parent or the file",
        ));
    }
    let header: [u8; 8] = src.read_array(pos, structure)?;
    let [a, b, c, d, s0, s1, s2, s3] = header;
    let id = [a, b, c, d];
    let size = u64::from(u32::from_le_bytes([s0, s1, s2, s3]));
    let data = pos + 8;
    let data_end = data + size;
    if data_end > parent_end {
        return Err(Error::overrun(
            structure,
            pos,
            format!(
                "'{}' claims {size} bytes but its parent or the file ends {} bytes later",
                fourcc_name(&id),
                parent_end - data
            ),
        ));
    }
    let end = (data_end + (size & 1)).min(parent_end);
    Ok(Chunk {
        id,
        start: pos,
        data,
        size,
        end,
    })
}

/// The form type of a `RIFF` or `LIST` chunk (its first four data bytes).
pub(crate) fn form_type(
    src: &dyn Source,
    list: &Chunk,
    structure: &'static str,
) -> Result<[u8; 4]> {
    if list.size < 4 {
        return Err(Error::malformed(
            structure,
            list.start,
            format!("'{}' is too short to hold a form type", list.name()),
        ));
    }
    src.read_array(list.data, structure)
}

/// A printable FourCC (non-printable bytes become `?`).
pub(crate) fn fourcc_name(id: &[u8; 4]) -> String {
    id.iter()
        .map(|b| {
            if b.is_ascii_graphic() || *b == b' ' {
                char::from(*b)
            } else {
                '?'
            }
        })
        .collect()
}

/// The `JUNK` placeholder: a chunk readers skip.
#[derive(Debug)]
pub(crate) struct Junk;

impl Filler for Junk {
    const NAME: &'static str = "a JUNK chunk";

    fn header(total: u64) -> Option<Vec<u8>> {
        // `total` covers the header, the data and any pad byte; an even
        // data size needs no pad byte, so the chunk declares all of it.
        let size = u32::try_from(total.checked_sub(8)?).ok()?;
        let mut out = Vec::with_capacity(8);
        out.extend_from_slice(b"JUNK");
        out.extend_from_slice(&size.to_le_bytes());
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_sizes_are_checked_against_the_parent() {
        let mut data = b"abcd\x03\x00\x00\x00xyz\x00".to_vec();
        let chunk = read_chunk(&data, 0, 12, "t").unwrap();
        assert_eq!((chunk.size, chunk.end, chunk.data_end()), (3, 12, 11));
        // The pad byte may be missing at the end of the parent.
        let chunk = read_chunk(&data, 0, 11, "t").unwrap();
        assert_eq!(chunk.end, 11);
        assert!(read_chunk(&data, 0, 10, "t").is_err());
        data.truncate(6);
        assert!(read_chunk(&data, 0, 100, "t").is_err());
    }

    #[test]
    fn junk_covers_exactly_the_bytes_it_replaces() {
        assert_eq!(Junk::header(12).unwrap(), b"JUNK\x04\x00\x00\x00");
        assert_eq!(Junk::header(8).unwrap(), b"JUNK\x00\x00\x00\x00");
        assert!(Junk::header(7).is_none());
        assert_eq!(fourcc_name(b"a\x01c "), "a?c ");
    }
}
