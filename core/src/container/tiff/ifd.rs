//! Reading image file directories: entries as value ranges, chains of IFDs
//! and the sub-IFDs they point to.
//!
//! Nothing read from the file is trusted: every count, offset and size is
//! checked against overflow, against the TIFF block and against
//! [`TiffLimits`] before anything is allocated or read, and every IFD is
//! visited at most once, so loops end in an error rather than a hang.

use std::collections::{BTreeSet, VecDeque};
use std::ops::Range;

use super::{array, tags, ByteOrder, Header, Type};
use crate::error::{Error, Malformation, Result};
use crate::io::{Source, SourceExt};

const IFD: &str = "TIFF IFD";
const ENTRY: &str = "TIFF IFD entry";

pub(crate) use crate::limits::TiffLimits;

/// One IFD entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The tag number.
    pub tag: u16,
    /// The field type code (see [`Type::from_code`]).
    pub kind: u16,
    /// Number of values.
    pub count: u64,
    /// Where the value bytes are in the source (absolute): inside the entry
    /// when they fit there, out of line otherwise. For a type this module
    /// does not know, the size is unknown and this is the entry's whole
    /// value field.
    pub value: Range<u64>,
}

impl Entry {
    /// The field type, when known.
    pub(crate) fn value_type(&self) -> Option<Type> {
        Type::from_code(self.kind)
    }

    /// Whether the value is the offset of one or more IFDs: an IFD or IFD8
    /// typed entry, or one of the known pointer tags holding integers.
    pub(crate) fn is_sub_ifd_pointer(&self) -> bool {
        match self.value_type() {
            Some(Type::Ifd | Type::Ifd8) => true,
            Some(Type::Long | Type::Long8) => tags::SUB_IFD_POINTERS.contains(&self.tag),
            _ => false,
        }
    }

    /// Size of the value in bytes.
    pub(crate) fn value_len(&self) -> u64 {
        self.value.end.saturating_sub(self.value.start)
    }
}

/// One image file directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ifd {
    /// Where the IFD (its entry count) starts in the source (absolute).
    pub offset: u64,
    /// The entries, in file order.
    pub entries: Vec<Entry>,
    /// The next IFD's offset as written (relative to the TIFF header), or
    /// `None` at the end of the chain (offset 0).
    pub next: Option<u64>,
}

impl Ifd {
    /// The first entry with `tag`.
    pub(crate) fn entry(&self, tag: u16) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.tag == tag)
    }
}

/// How an IFD of a [`Tiff::read_tree`] was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    /// The header's first IFD (IFD0).
    Root,
    /// The next IFD of the IFD at this index (IFD1 after IFD0).
    Next {
        /// Index of the previous IFD in the tree.
        previous: usize,
    },
    /// Pointed to by an entry of the IFD at `parent`.
    Sub {
        /// Index of the pointing IFD in the tree.
        parent: usize,
        /// The pointing entry's tag (Exif, GPS, SubIFDs, …).
        tag: u16,
    },
}

/// An IFD of a whole structure, with how it was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TreeIfd {
    /// The IFD itself.
    pub ifd: Ifd,
    /// 0 for the IFD0 chain, one more per sub-IFD pointer followed.
    pub depth: usize,
    /// How it was reached.
    pub link: Link,
}

/// The IFDs already read from one structure: visiting one twice is a loop
/// (or two pointers sharing an IFD, which a cleaner must not accept either:
/// removing one would leave the other dangling or the data duplicated).
#[derive(Debug, Default)]
pub(crate) struct Visited {
    offsets: BTreeSet<u64>,
}

impl Visited {
    fn visit(&mut self, offset: u64, limits: &TiffLimits) -> Result<()> {
        if self.offsets.contains(&offset) {
            return Err(Error::malformed_as(
                Malformation::Loop,
                IFD,
                offset,
                "IFD reached twice (a loop)",
            ));
        }
        if self.offsets.len() >= limits.max_ifds {
            return Err(Error::Limit {
                what: "TIFF IFD count",
                offset,
                limit: limits.max_ifds as u64,
            });
        }
        self.offsets.insert(offset);
        Ok(())
    }
}

/// A TIFF structure inside a source: the block `base..base + len`, whose
/// internal offsets count from `base`.
pub(crate) struct Tiff<'a> {
    src: &'a dyn Source,
    base: u64,
    len: u64,
    header: Header,
    limits: TiffLimits,
}

impl std::fmt::Debug for Tiff<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tiff")
            .field("base", &self.base)
            .field("len", &self.len)
            .field("header", &self.header)
            .finish()
    }
}

impl<'a> Tiff<'a> {
    /// Read the header of the TIFF block of `len` bytes at `base`.
    pub(crate) fn open(
        src: &'a dyn Source,
        base: u64,
        len: u64,
        limits: TiffLimits,
    ) -> Result<Tiff<'a>> {
        if base.checked_add(len).is_none_or(|end| end > src.len()) {
            return Err(Error::overrun(
                "TIFF header",
                base,
                format!("a {len}-byte block runs past the input"),
            ));
        }
        let header = Header::read(src, base)?;
        if header.len() > len {
            return Err(Error::truncated(
                "TIFF header",
                base,
                "block too short for its header",
            ));
        }
        Ok(Tiff {
            src,
            base,
            len,
            header,
            limits,
        })
    }

    /// The header.
    pub(crate) fn header(&self) -> Header {
        self.header
    }

    /// Where the structure starts in the source.
    pub(crate) fn base(&self) -> u64 {
        self.base
    }

    fn order(&self) -> ByteOrder {
        self.header.order
    }

    /// The absolute source range of `len` bytes at `relative` (an offset as
    /// written in the structure), checked to lie inside the block.
    /// `at` is where the offset was found, for the error.
    pub(crate) fn block_range(
        &self,
        relative: u64,
        len: u64,
        structure: &'static str,
        at: u64,
    ) -> Result<Range<u64>> {
        let inside = relative.checked_add(len).is_some_and(|end| end <= self.len);
        if !inside {
            return Err(Error::overrun(
                structure,
                at,
                format!(
                    "{len} bytes at offset {relative} run past the {}-byte TIFF block",
                    self.len
                ),
            ));
        }
        // `base + self.len` is inside the source (checked in `open`), so
        // neither sum overflows.
        let start = self.base.saturating_add(relative);
        Ok(start..start.saturating_add(len))
    }

    /// Read the IFD at `relative` (an offset as written in the structure).
    pub(crate) fn read_ifd(&self, relative: u64) -> Result<Ifd> {
        let header = self.header;
        let order = self.order();
        let at = self.base.saturating_add(relative);
        let count_field = self.block_range(relative, header.count_len(), IFD, at)?;
        let entry_count = if header.big {
            order.u64(self.src.read_array(count_field.start, IFD)?)
        } else {
            u64::from(order.u16(self.src.read_array(count_field.start, IFD)?))
        };
        if entry_count > self.limits.max_entries_per_ifd {
            return Err(Error::Limit {
                what: "TIFF IFD entries",
                offset: at,
                limit: self.limits.max_entries_per_ifd,
            });
        }
        // Bounded by the entry limit, so neither product overflows in
        // practice; checked anyway.
        let table_len = entry_count
            .checked_mul(header.entry_len())
            .and_then(|entries| entries.checked_add(header.offset_len()))
            .ok_or_else(|| Error::malformed(IFD, at, "entry count overflows"))?;
        let table_relative = relative
            .checked_add(header.count_len())
            .ok_or_else(|| Error::malformed(IFD, at, "offset overflows"))?;
        let table = self.block_range(table_relative, table_len, IFD, at)?;
        let limit = self
            .limits
            .max_entries_per_ifd
            .saturating_mul(header.entry_len())
            .saturating_add(header.offset_len());
        let bytes = self.src.read_vec(table.start, table_len, limit, IFD)?;

        let entry_len = usize::try_from(header.entry_len()).unwrap_or(usize::MAX);
        let (entry_bytes, next_bytes) = bytes
            .split_at_checked(bytes.len().saturating_sub(offset_width(header)))
            .ok_or_else(|| Error::truncated(IFD, at, "truncated"))?;
        let mut entries = Vec::with_capacity(entry_bytes.len() / entry_len.max(1));
        for (index, raw) in entry_bytes.chunks_exact(entry_len).enumerate() {
            let entry_at = table
                .start
                .saturating_add((index as u64).saturating_mul(header.entry_len()));
            entries.push(self.parse_entry(raw, entry_at)?);
        }
        let next = order
            .uint(next_bytes, header.offset_len())
            .ok_or_else(|| Error::truncated(IFD, at, "truncated"))?;
        Ok(Ifd {
            offset: count_field.start,
            entries,
            next: (next != 0).then_some(next),
        })
    }

    /// One raw entry found at `entry_at` (absolute).
    fn parse_entry(&self, raw: &[u8], entry_at: u64) -> Result<Entry> {
        let header = self.header;
        let order = self.order();
        let truncated = || Error::truncated(ENTRY, entry_at, "truncated");
        let tag = order.u16(array(raw).ok_or_else(truncated)?);
        let kind = order.u16(raw.get(2..).and_then(array).ok_or_else(truncated)?);
        let width = header.offset_len();
        let count = order
            .uint(raw.get(4..).ok_or_else(truncated)?, width)
            .ok_or_else(truncated)?;
        // The value field follows tag, type and count.
        let field_at = entry_at.saturating_add(4).saturating_add(width);
        let field_bytes = raw
            .get(offset_width(header).saturating_add(4)..)
            .ok_or_else(truncated)?;
        let Some(value_type) = Type::from_code(kind) else {
            return Ok(Entry {
                tag,
                kind,
                count,
                value: field_at..field_at.saturating_add(width),
            });
        };
        let size = count.checked_mul(value_type.size()).ok_or_else(|| {
            Error::malformed(
                ENTRY,
                entry_at,
                format!(
                    "tag {tag:#06x}: {count} values of {} bytes overflow",
                    value_type.size()
                ),
            )
        })?;
        if size <= width {
            return Ok(Entry {
                tag,
                kind,
                count,
                value: field_at..field_at.saturating_add(size),
            });
        }
        let offset = order.uint(field_bytes, width).ok_or_else(truncated)?;
        let value = self.block_range(offset, size, ENTRY, entry_at)?;
        Ok(Entry {
            tag,
            kind,
            count,
            value,
        })
    }

    /// Read the chain of IFDs starting at `first` (relative), following
    /// next-IFD offsets. IFDs already in `visited` are a loop.
    pub(crate) fn read_chain(&self, first: u64, visited: &mut Visited) -> Result<Vec<Ifd>> {
        let mut chain = Vec::new();
        let mut next = (first != 0).then_some(first);
        while let Some(relative) = next {
            visited.visit(self.base.saturating_add(relative), &self.limits)?;
            let ifd = self.read_ifd(relative)?;
            next = ifd.next;
            chain.push(ifd);
        }
        Ok(chain)
    }

    /// Read every IFD of the structure: the IFD0 chain and, recursively,
    /// every IFD a sub-IFD pointer ([`Entry::is_sub_ifd_pointer`]) leads to,
    /// breadth first. MakerNotes are not followed: their layout is the
    /// maker's. Next-IFD offsets are followed in the IFD0 chain and in
    /// SubIFDs chains (TIFF Technical Note 1) but not from the Exif, GPS and
    /// Interoperability IFDs, which Exif defines as single IFDs and some
    /// writers leave garbage in; [`Ifd::next`] still reports them.
    pub(crate) fn read_tree(&self) -> Result<Vec<TreeIfd>> {
        let mut visited = Visited::default();
        let mut tree: Vec<TreeIfd> = Vec::new();
        let mut queue = VecDeque::new();
        if self.header.first_ifd != 0 {
            queue.push_back((self.header.first_ifd, 0usize, Link::Root, true));
        }
        while let Some((relative, depth, link, follow_next)) = queue.pop_front() {
            let at = self.base.saturating_add(relative);
            if depth > self.limits.max_depth {
                return Err(Error::Limit {
                    what: "TIFF sub-IFD depth",
                    offset: at,
                    limit: self.limits.max_depth as u64,
                });
            }
            visited.visit(at, &self.limits)?;
            let ifd = self.read_ifd(relative)?;
            let index = tree.len();
            if let Some(next) = ifd.next.filter(|_| follow_next) {
                let link = Link::Next { previous: index };
                queue.push_back((next, depth, link, true));
            }
            for entry in ifd.entries.iter().filter(|e| e.is_sub_ifd_pointer()) {
                for offset in self.sub_ifd_offsets(entry)? {
                    // Bound the queue too: one entry may list a million
                    // offsets, all to be refused as over the IFD limit.
                    if tree.len().saturating_add(queue.len()) >= self.limits.max_ifds {
                        return Err(Error::Limit {
                            what: "TIFF IFD count",
                            offset: entry.value.start,
                            limit: self.limits.max_ifds as u64,
                        });
                    }
                    let link = Link::Sub {
                        parent: index,
                        tag: entry.tag,
                    };
                    let chained = !tags::SINGLE_IFD_POINTERS.contains(&entry.tag);
                    queue.push_back((offset, depth.saturating_add(1), link, chained));
                }
            }
            tree.push(TreeIfd { ifd, depth, link });
        }
        Ok(tree)
    }

    /// The values of an integer entry (BYTE, SHORT, LONG, LONG8, IFD, IFD8)
    /// as numbers, refusing more than [`TiffLimits::max_values`].
    pub(crate) fn values_u64(&self, entry: &Entry) -> Result<Vec<u64>> {
        let value_type = entry
            .value_type()
            .filter(|t| t.is_unsigned_integer())
            .ok_or_else(|| {
                Error::malformed(
                    ENTRY,
                    entry.value.start,
                    format!(
                        "tag {:#06x}: type {} is not an unsigned integer",
                        entry.tag, entry.kind
                    ),
                )
            })?;
        if entry.count > self.limits.max_values {
            return Err(Error::Limit {
                what: "TIFF values per entry",
                offset: entry.value.start,
                limit: self.limits.max_values,
            });
        }
        let width = value_type.size();
        let size = entry.count.saturating_mul(width);
        if size != entry.value_len() {
            return Err(Error::malformed(
                ENTRY,
                entry.value.start,
                "value range does not match its count",
            ));
        }
        let limit = self.limits.max_values.saturating_mul(width);
        let bytes = self.src.read_vec(entry.value.start, size, limit, ENTRY)?;
        let step = usize::try_from(width).unwrap_or(usize::MAX);
        bytes
            .chunks_exact(step)
            .map(|chunk| {
                self.order()
                    .uint(chunk, width)
                    .ok_or_else(|| Error::truncated(ENTRY, entry.value.start, "truncated"))
            })
            .collect()
    }

    /// The IFD offsets (relative, as written) held by a sub-IFD pointer
    /// entry. Zero offsets, which some writers leave for absent IFDs, are
    /// skipped.
    pub(crate) fn sub_ifd_offsets(&self, entry: &Entry) -> Result<Vec<u64>> {
        if !matches!(
            entry.value_type(),
            Some(Type::Long | Type::Long8 | Type::Ifd | Type::Ifd8)
        ) {
            return Err(Error::malformed(
                ENTRY,
                entry.value.start,
                format!(
                    "tag {:#06x}: type {} cannot hold IFD offsets",
                    entry.tag, entry.kind
                ),
            ));
        }
        let mut offsets = self.values_u64(entry)?;
        offsets.retain(|offset| *offset != 0);
        Ok(offsets)
    }

    /// The input ranges of image data described by an offsets entry and
    /// its byte counts (StripOffsets and StripByteCounts, TileOffsets and
    /// TileByteCounts, JPEGInterchangeFormat and its length), each checked
    /// to lie inside the TIFF block.
    pub(crate) fn data_ranges(
        &self,
        offsets: &Entry,
        byte_counts: &Entry,
    ) -> Result<Vec<Range<u64>>> {
        let starts = self.values_u64(offsets)?;
        let lens = self.values_u64(byte_counts)?;
        if starts.len() != lens.len() {
            return Err(Error::malformed(
                ENTRY,
                offsets.value.start,
                format!(
                    "tag {:#06x}: {} offsets but {} byte counts",
                    offsets.tag,
                    starts.len(),
                    lens.len()
                ),
            ));
        }
        starts
            .into_iter()
            .zip(lens)
            .map(|(start, len)| self.block_range(start, len, ENTRY, offsets.value.start))
            .collect()
    }

    /// The raw value bytes of an entry (in the structure's byte order),
    /// refusing more than `limit` bytes.
    pub(crate) fn value_bytes(&self, entry: &Entry, limit: u64) -> Result<Vec<u8>> {
        self.src
            .read_vec(entry.value.start, entry.value_len(), limit, ENTRY)
    }
}

/// Width of offsets and value fields as a `usize`.
fn offset_width(header: Header) -> usize {
    if header.big {
        8
    } else {
        4
    }
}
