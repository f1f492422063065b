//! ISO-BMFF / QuickTime box syntax (ISO/IEC 14496-12 § 4.2): box headers,
//! child iteration, box writing and the same-size `free` placeholder.
//!
//! Syntax only: no policy, no findings. Used by MP4/MOV/3GP today and by
//! every other ISO-BMFF format (HEIF/AVIF, JPEG XL and JPEG 2000 containers,
//! CR3) as they arrive.
//!
//! Every size read from a file is checked against the bytes that exist in
//! the enclosing box (or the file) before it is used; 64-bit sizes
//! (`size == 1`) and "to the end of the parent" sizes (`size == 0`) are
//! supported.

use super::Filler;
use crate::error::{Error, Result};
use crate::io::{Source, SourceExt};

/// A four-character box type.
pub(crate) type FourCc = [u8; 4];

/// Structure name used in every error of this module.
pub(crate) const STRUCTURE: &str = "MP4 box";

/// Where one box lies, in the file or in an in-memory parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BoxHeader {
    /// Box type.
    pub kind: FourCc,
    /// Offset of the first byte of the box.
    pub start: u64,
    /// Length of the size/type header (8 or 16 bytes).
    pub header_len: u64,
    /// Total size of the box, header included.
    pub size: u64,
}

impl BoxHeader {
    /// Offset of the first byte after the header.
    pub fn body_start(&self) -> u64 {
        self.start + self.header_len
    }

    /// Offset of the first byte after the box.
    pub fn end(&self) -> u64 {
        self.start + self.size
    }

    /// Length of the body.
    pub fn body_len(&self) -> u64 {
        self.size - self.header_len
    }
}

/// Parse a header from `head` (the first bytes of the box, up to 16), for a
/// box at `start` whose parent has `available` bytes left from `start`.
fn parse_header(head: &[u8], start: u64, available: u64) -> Result<BoxHeader> {
    let word = |at: usize| -> Option<u32> {
        head.get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_be_bytes)
    };
    let (Some(size32), Some(kind)) = (
        word(0),
        head.get(4..8).and_then(|b| <FourCc>::try_from(b).ok()),
    ) else {
        return Err(Error::truncated(STRUCTURE, start, "truncated box header"));
    };
    let (header_len, size) = match size32 {
        0 => (8, available),
        1 => {
            let large = head
                .get(8..16)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_be_bytes)
                .ok_or_else(|| Error::truncated(STRUCTURE, start, "truncated 64-bit box size"))?;
            (16, large)
        }
        n => (8, u64::from(n)),
    };
    if size < header_len {
        return Err(Error::malformed(
            STRUCTURE,
            start,
            format!(
                "box '{}' claims {size} bytes, less than its header",
                fourcc_name(&kind)
            ),
        ));
    }
    if size > available {
        return Err(Error::overrun(
            STRUCTURE,
            start,
            format!(
                "box '{}' claims {size} bytes but only {available} remain",
                fourcc_name(&kind)
            ),
        ));
    }
    Ok(BoxHeader {
        kind,
        start,
        header_len,
        size,
    })
}

/// Read the header of the box at `start` directly from the file, for a
/// parent that ends at `parent_end`.
pub(crate) fn read_header(src: &dyn Source, start: u64, parent_end: u64) -> Result<BoxHeader> {
    let available = parent_end.saturating_sub(start);
    if available < 8 {
        return Err(Error::truncated(STRUCTURE, start, "truncated box header"));
    }
    let mut head = [0u8; 16];
    let n = available.min(16) as usize;
    let head = head.get_mut(..n).unwrap_or_default();
    src.read_at(start, head)?;
    parse_header(head, start, available)
}

/// Read a whole box body into memory, refusing more than `limit` bytes.
pub(crate) fn read_body(
    src: &dyn Source,
    header: &BoxHeader,
    limit: u64,
    what: &'static str,
) -> Result<Vec<u8>> {
    src.read_vec(header.body_start(), header.body_len(), limit, what)
}

/// One child box of an in-memory parent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Child<'a> {
    /// Header; `start` is the offset in the file (for error messages).
    pub header: BoxHeader,
    /// The whole box, header included.
    pub whole: &'a [u8],
    /// The body (after the header).
    pub body: &'a [u8],
}

impl Child<'_> {
    /// The box type.
    pub fn kind(&self) -> FourCc {
        self.header.kind
    }
}

/// Iterator over the child boxes of an in-memory parent body.
///
/// A trailing run of fewer than 8 zero bytes is accepted as the end (some
/// QuickTime writers terminate `udta` with a 32-bit zero).
#[derive(Debug, Clone)]
pub(crate) struct Children<'a> {
    data: &'a [u8],
    pos: usize,
    /// File offset of `data[0]`, for error messages.
    base: u64,
    failed: bool,
}

impl<'a> Children<'a> {
    /// Iterate the boxes in `data`, which starts at file offset `base`.
    pub fn new(data: &'a [u8], base: u64) -> Self {
        Children {
            data,
            pos: 0,
            base,
            failed: false,
        }
    }
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Child<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let rest = self.data.get(self.pos..)?;
        if rest.is_empty() || (rest.len() < 8 && rest.iter().all(|b| *b == 0)) {
            return None;
        }
        let start = self.base + self.pos as u64;
        let head = rest.get(..rest.len().min(16)).unwrap_or(rest);
        let header = match parse_header(head, start, rest.len() as u64) {
            Ok(header) => header,
            Err(err) => {
                self.failed = true;
                return Some(Err(err));
            }
        };
        // `size <= rest.len()` was checked by `parse_header`.
        let size = header.size as usize;
        let whole = rest.get(..size).unwrap_or_default();
        let body = whole.get(header.header_len as usize..).unwrap_or_default();
        self.pos += size;
        Some(Ok(Child {
            header: BoxHeader { start, ..header },
            whole,
            body,
        }))
    }
}

/// A printable name for a box type (`©xyz`, `moov`, or hex).
pub(crate) fn fourcc_name(kind: &FourCc) -> String {
    kind.iter()
        .map(|b| match b {
            0xA9 => '©',
            0x20..=0x7E => char::from(*b),
            _ => '.',
        })
        .collect()
}

/// Append a box with an 8-byte header (or a 16-byte one when needed).
pub(crate) fn write_box(out: &mut Vec<u8>, kind: &FourCc, body: &[u8]) {
    let size = body.len() as u64 + 8;
    if let Ok(size32) = u32::try_from(size) {
        out.extend_from_slice(&size32.to_be_bytes());
        out.extend_from_slice(kind);
    } else {
        out.extend_from_slice(&1u32.to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(&(size + 8).to_be_bytes());
    }
    out.extend_from_slice(body);
}

/// Append a header of the same form as `header` (8 or 16 bytes), so that a
/// box rewritten at the same size keeps its exact length.
pub(crate) fn write_header_like(out: &mut Vec<u8>, header: &BoxHeader) {
    if header.header_len == 16 {
        out.extend_from_slice(&1u32.to_be_bytes());
        out.extend_from_slice(&header.kind);
        out.extend_from_slice(&header.size.to_be_bytes());
    } else {
        out.extend_from_slice(&u32::try_from(header.size).unwrap_or(0).to_be_bytes());
        out.extend_from_slice(&header.kind);
    }
}

/// A `free` box of exactly `size` bytes (at least 8) filled with zeroes,
/// used to blank a box without moving anything after it.
pub(crate) fn zeroed_free_box(size: usize) -> Option<Vec<u8>> {
    let mut out = Free::header(size as u64)?;
    out.resize(size, 0);
    Some(out)
}

/// The `free` placeholder: a box every reader skips.
#[derive(Debug)]
pub(crate) struct Free;

impl Filler for Free {
    const NAME: &'static str = "a free box";

    fn header(total: u64) -> Option<Vec<u8>> {
        let size32 = u32::try_from(total).ok().filter(|s| *s >= 8)?;
        let mut out = Vec::with_capacity(8);
        out.extend_from_slice(&size32.to_be_bytes());
        out.extend_from_slice(b"free");
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes() {
        let h = parse_header(b"\0\0\0\x10moov", 0, 100).unwrap();
        assert_eq!((h.kind, h.size, h.header_len), (*b"moov", 16, 8));
        let h = parse_header(b"\0\0\0\0mdat", 10, 90).unwrap();
        assert_eq!(h.size, 90);
        let mut large = b"\0\0\0\x01mdat".to_vec();
        large.extend_from_slice(&20u64.to_be_bytes());
        let h = parse_header(&large, 0, 20).unwrap();
        assert_eq!((h.size, h.header_len), (20, 16));
        assert!(parse_header(&large, 0, 19).is_err());
        assert!(parse_header(b"\0\0\0\x04moov", 0, 100).is_err());
        assert!(parse_header(b"\0\0\0\x01mdat\0\0", 0, 100).is_err());
        assert!(parse_header(b"\xff\xff\xff\xffmoov", 0, 100).is_err());
    }

    #[test]
    fn children_stop_at_zero_terminator_and_fail_on_overrun() {
        let mut data = Vec::new();
        write_box(&mut data, b"abcd", b"xy");
        data.extend_from_slice(&[0, 0, 0, 0]);
        let kids: Vec<_> = Children::new(&data, 0).collect::<Result<_>>().unwrap();
        assert_eq!(kids.len(), 1);
        assert_eq!(kids[0].body, b"xy");
        let bad = b"\0\0\0\x20abcdxx";
        let kids: Vec<_> = Children::new(bad, 0).collect();
        assert_eq!(kids.len(), 1);
        assert!(kids[0].is_err());
    }
}
