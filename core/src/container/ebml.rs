//! EBML syntax (RFC 8794), as used by Matroska and WebM: variable-length
//! integers (VINTs), element headers with known or unknown sizes, unsigned
//! integer values, and the same-size `Void` placeholder.
//!
//! Syntax only: no policy, no findings.

use super::Filler;
use crate::error::{Error, Result};
use crate::io::Source;

/// The `Void` element ID (RFC 8794 § 11.3.2).
pub(crate) const VOID: u32 = 0xEC;

/// One element header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Element {
    /// The element ID, marker bits included (as written).
    pub id: u32,
    /// Offset of the first byte of the ID.
    pub start: u64,
    /// Offset of the first data byte.
    pub data: u64,
    /// Data size; `None` for the reserved "unknown size".
    pub size: Option<u64>,
}

impl Element {
    /// End of the data, for elements of known size (checked against the
    /// parent when the header was read, so it cannot overflow).
    pub fn end(&self) -> Option<u64> {
        self.size.map(|size| self.data + size)
    }
}

/// Decode the VINT at the start of `bytes` (RFC 8794 § 4): its value
/// without the length marker, and its length in bytes. `None` when
/// `bytes` is shorter than the VINT says or the first byte is zero (a VINT
/// longer than 8 bytes).
pub(crate) fn vint(bytes: &[u8]) -> Option<(u64, usize)> {
    let first = *bytes.first()?;
    if first == 0 {
        return None;
    }
    let len = first.leading_zeros() as usize + 1;
    let value = bytes
        .get(..len)?
        .iter()
        .enumerate()
        .fold(0u64, |acc, (i, b)| {
            // The length marker bit is not part of the value (8-byte VINTs
            // have it in the first byte alone).
            let b = if i == 0 {
                b & 0xFFu8.checked_shr(len as u32).unwrap_or(0)
            } else {
                *b
            };
            (acc << 8) | u64::from(b)
        });
    Some((value, len))
}

/// Read the element header at `pos`, which must lie (with its data, when
/// its size is known) inside `..parent_end`. `structure` names the
/// container in errors.
pub(crate) fn read_element(
    src: &dyn Source,
    pos: u64,
    parent_end: u64,
    structure: &'static str,
) -> Result<Element> {
    let parent_end = parent_end.min(src.len());
    let mut buf = [0u8; 12];
    let available = usize::try_from(parent_end.saturating_sub(pos).min(12)).unwrap_or(0);
    let head = buf
        .get_mut(..available)
        .ok_or_else(|| truncated(structure, pos))?;
    src.read_at(pos, head)?;
    let first = *head.first().ok_or_else(|| truncated(structure, pos))?;
    let id_len = first.leading_zeros() as usize + 1;
    if id_len > 4 {
        return Err(Error::malformed(
            structure,
            pos,
            format!("invalid element ID starting with 0x{first:02X}"),
        ));
    }
    let id_bytes = head
        .get(..id_len)
        .ok_or_else(|| truncated(structure, pos))?;
    let id = id_bytes
        .iter()
        .fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
    let size_field = head.get(id_len..).unwrap_or_default();
    if size_field.first() == Some(&0) {
        return Err(Error::malformed(
            structure,
            pos,
            format!("element 0x{id:X} has a size field longer than 8 bytes"),
        ));
    }
    let (size, size_len) = vint(size_field).ok_or_else(|| truncated(structure, pos))?;
    let data = pos + (id_len + size_len) as u64;
    // All value bits set: the reserved "unknown size".
    if size == (1u64 << (7 * size_len)) - 1 {
        return Ok(Element {
            id,
            start: pos,
            data,
            size: None,
        });
    }
    if data.checked_add(size).is_none_or(|end| end > parent_end) {
        return Err(Error::overrun(
            structure,
            pos,
            format!(
                "element 0x{id:X} claims {size} bytes but its parent or the file ends {} bytes later",
                parent_end.saturating_sub(data)
            ),
        ));
    }
    Ok(Element {
        id,
        start: pos,
        data,
        size: Some(size),
    })
}

/// A cursor over the children of one master element: the element headers
/// between `start` and `end`, one after the other (RFC 8794 § 6: a master's
/// data is a sequence of elements).
///
/// It holds positions only, so that a walker can use itself mutably in the
/// body of `while let Some(child) = walker.next(&mut children)?`: each call
/// of [`Children::next`] is handed what reads and accounts for one header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Children {
    pos: u64,
    end: u64,
}

impl Children {
    /// The children found between `start` and `end`.
    pub fn new(start: u64, end: u64) -> Self {
        Children { pos: start, end }
    }

    /// The children of `parent`, whose data ends at `end`.
    pub fn of(parent: &Element, end: u64) -> Self {
        Children::new(parent.data, end)
    }

    /// The next child: its header is read at the cursor by `read(pos, end)`
    /// (which must keep it inside `..end`, as [`read_element`] does); `None`
    /// once `end` is reached. The cursor then moves past a child of known
    /// size, and only past the header of a child of unknown size: what
    /// follows is its own children, and the caller that finds where they end
    /// resumes there with [`Children::skip_to`].
    pub fn next(
        &mut self,
        read: impl FnOnce(u64, u64) -> Result<Element>,
    ) -> Result<Option<Element>> {
        if self.pos >= self.end {
            return Ok(None);
        }
        let element = read(self.pos, self.end)?;
        // An element's data starts after its header, so the cursor always
        // moves forward, whatever `read` returned.
        self.pos = element.end().unwrap_or(element.data).max(self.pos + 1);
        Ok(Some(element))
    }

    /// Resume after a child of unknown size that ends at `pos`. The cursor
    /// never moves backwards, so a walk always ends.
    pub fn skip_to(&mut self, pos: u64) {
        self.pos = self.pos.max(pos);
    }
}

fn truncated(structure: &'static str, pos: u64) -> Error {
    Error::truncated(
        structure,
        pos,
        "header truncated by the end of its parent or the file",
    )
}

/// An unsigned integer element's value (RFC 8794 § 7.2: 0 to 8 bytes,
/// big-endian).
pub(crate) fn uint(bytes: &[u8]) -> u64 {
    crate::io::cursor::be_uint(bytes)
}

/// The `Void` placeholder: an element every reader skips.
#[derive(Debug)]
pub(crate) struct Void;

impl Filler for Void {
    const NAME: &'static str = "a Void element";

    fn header(total: u64) -> Option<Vec<u8>> {
        for size_len in 1..=8u32 {
            let data = total.checked_sub(1 + u64::from(size_len))?;
            // The all-ones value is reserved for "unknown size".
            let max = (1u64 << (7 * size_len)) - 2;
            if data <= max {
                let marked = data | (1u64 << (7 * size_len));
                let size_bytes = marked.to_be_bytes();
                let mut out = Vec::with_capacity(9);
                out.push(0xEC);
                out.extend_from_slice(size_bytes.get(8 - size_len as usize..)?);
                return Some(out);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vints() {
        assert_eq!(vint(&[0x81]), Some((1, 1)));
        assert_eq!(vint(&[0x40, 0x02]), Some((2, 2)));
        assert_eq!(vint(&[0x01, 0, 0, 0, 0, 0, 0, 5]), Some((5, 8)));
        assert_eq!(vint(&[0x40]), None);
        assert_eq!(vint(&[0x00, 1]), None);
        assert_eq!(vint(&[]), None);
    }

    #[test]
    fn headers_known_unknown_and_overrunning() {
        let data = [0x1A, 0x45, 0xDF, 0xA3, 0x82, 0xAA, 0xBB];
        let e = read_element(&data.as_slice(), 0, 7, "t").unwrap();
        assert_eq!((e.id, e.data, e.end()), (0x1A45_DFA3, 5, Some(7)));
        assert!(read_element(&data.as_slice(), 0, 6, "t").is_err());
        let unknown = [0x18, 0x53, 0x80, 0x67, 0xFF];
        let e = read_element(&unknown.as_slice(), 0, 5, "t").unwrap();
        assert_eq!(e.size, None);
        assert!(read_element(&[0x08u8, 0x81].as_slice(), 0, 2, "t").is_err());
        assert!(read_element(&[0xECu8, 0x00, 1].as_slice(), 0, 3, "t").is_err());
        assert!(read_element(&[0xECu8].as_slice(), 0, 1, "t").is_err());
    }

    #[test]
    fn children_walk_known_sizes_and_resume_after_unknown_ones() {
        // Void(1 byte) | Cluster of unknown size | SimpleBlock(1 byte)
        let data = [
            0xEC, 0x81, 0x00, 0x1F, 0x43, 0xB6, 0x75, 0xFF, 0xA3, 0x81, 0x00,
        ];
        let read = |pos, end| read_element(&data.as_slice(), pos, end, "t");
        let mut children = Children::new(0, data.len() as u64);
        let void = children.next(read).unwrap().unwrap();
        assert_eq!((void.id, void.end()), (VOID, Some(3)));
        let cluster = children.next(read).unwrap().unwrap();
        assert_eq!((cluster.start, cluster.size), (3, None));
        // An unknown size: the cursor stands on the cluster's first child.
        let block = children.next(read).unwrap().unwrap();
        assert_eq!((block.start, block.end()), (8, Some(11)));
        assert_eq!(children.next(read).unwrap(), None);
        // Resuming never goes backwards.
        let mut children = Children::of(&cluster, data.len() as u64);
        children.skip_to(11);
        children.skip_to(0);
        assert_eq!(children.next(read).unwrap(), None);
        // Errors of the reader are passed on.
        let mut children = Children::new(0, 2);
        assert!(children.next(read).is_err());
    }

    #[test]
    fn voids_of_every_size() {
        assert!(Void::header(1).is_none());
        for total in 2..300u64 {
            let head = Void::header(total).unwrap();
            let mut whole = head.clone();
            whole.resize(total as usize, 0);
            let e = read_element(&whole.as_slice(), 0, total, "t").unwrap();
            assert_eq!((e.id, e.end()), (VOID, Some(total)));
        }
    }
}
