//! Writing a new TIFF structure as plan pieces.
//!
//! The caller describes the IFDs to keep; [`IfdWriter`] lays out the header,
//! the IFD tables, the out-of-line values and the image data, and rewrites
//! every offset field for the new positions. Values taken from the input and
//! all strip, tile and thumbnail data become [`Plan::copy`] ranges: nothing
//! of the image is read or held in memory.
//!
//! The layout is the header, then each IFD (pre-order: an IFD, the sub-IFDs
//! it points to, then the next IFD of its chain) followed by its out-of-line
//! values, then all image data. Everything starts on an even offset (TIFF
//! 6.0 §2: "the value is word-aligned").

use std::ops::Range;

use super::ifd::Entry;
use super::{tags, ByteOrder, Header, Type};
use crate::error::{Error, Result};
use crate::plan::Plan;

/// Deepest sub-IFD nesting written; the reader's default depth limit is
/// lower, so anything read can be written.
const MAX_WRITE_DEPTH: usize = 16;

/// The value of an entry to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WriteValue {
    /// Unsigned integers written as `kind` (BYTE, SHORT, LONG, LONG8, IFD
    /// or IFD8) in the output byte order.
    Numbers {
        /// The field type.
        kind: Type,
        /// The values; each must fit `kind`.
        values: Vec<u64>,
    },
    /// Value bytes already in the output byte order.
    Bytes {
        /// The field type.
        kind: Type,
        /// Number of values: `bytes` holds `count × kind.size()` bytes.
        count: u64,
        /// The encoded values.
        bytes: Vec<u8>,
    },
    /// Value bytes copied unchanged from a range of the input, whose byte
    /// order is `order`. Written only when that matches the output or the
    /// type is byte-sized: the writer never reads the input to swap it.
    Copy {
        /// The field type.
        kind: Type,
        /// Number of values: `range` holds `count × kind.size()` bytes.
        count: u64,
        /// Where the value bytes are in the input.
        range: Range<u64>,
        /// The input's byte order.
        order: ByteOrder,
    },
    /// Image data (strips, tiles, an embedded JPEG), one input range each,
    /// copied after all IFDs. The entry's value becomes their new offsets
    /// (LONG, LONG8 in BigTIFF); the matching byte counts are an ordinary
    /// entry of the caller's, unchanged.
    ImageData(Vec<Range<u64>>),
    /// Child IFDs (Exif, GPS, Interoperability, SubIFDs): the entry's value
    /// becomes their offsets (LONG for the known pointer tags, IFD for
    /// others, IFD8 in BigTIFF). Each child is a single IFD with no next
    /// IFD.
    Ifds(Vec<WriteIfd>),
}

/// One entry to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WriteEntry {
    /// The tag number.
    pub tag: u16,
    /// Its value.
    pub value: WriteValue,
}

impl WriteEntry {
    /// An entry copying a read entry's value unchanged from the input
    /// (whose byte order is `order`); `None` for a type this module does not
    /// know, whose size is unknown.
    pub(crate) fn copied(entry: &Entry, order: ByteOrder) -> Option<WriteEntry> {
        Some(WriteEntry {
            tag: entry.tag,
            value: WriteValue::Copy {
                kind: entry.value_type()?,
                count: entry.count,
                range: entry.value.clone(),
                order,
            },
        })
    }
}

/// One IFD to write. Entries are written sorted by tag, as TIFF requires,
/// whatever order they are given in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WriteIfd {
    /// The entries.
    pub entries: Vec<WriteEntry>,
}

/// Writes TIFF structures in one byte order and flavour.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IfdWriter {
    header: Header,
}

/// An IFD flattened for layout: entries sorted, links resolved to indices.
struct Node<'a> {
    entries: Vec<&'a WriteEntry>,
    /// Node indices of each entry's child IFDs (empty unless `Ifds`).
    children: Vec<Vec<usize>>,
    next: Option<usize>,
}

/// Output positions (relative to the header) decided before writing.
struct Layout {
    /// Each node's table.
    tables: Vec<u64>,
    /// Each node's entries' out-of-line value positions.
    values: Vec<Vec<Option<u64>>>,
    /// Each node's entries' image data positions.
    image: Vec<Vec<Vec<u64>>>,
}

impl IfdWriter {
    /// A writer of classic TIFF (`big == false`) or BigTIFF in `order`.
    pub(crate) fn new(order: ByteOrder, big: bool) -> IfdWriter {
        IfdWriter {
            header: Header {
                order,
                big,
                first_ifd: 0,
            },
        }
    }

    /// Append a complete TIFF structure holding `chain` (IFD0, IFD1, …) to
    /// `plan`. Offsets in it count from its first byte, wherever the plan
    /// puts it. Returns the number of bytes appended.
    pub(crate) fn write(&self, chain: &[WriteIfd], plan: &mut Plan) -> Result<u64> {
        let mut nodes = Vec::new();
        let roots = flatten(chain, &mut nodes, true, 0)?;
        let layout = self.layout(&nodes)?;
        let first_ifd = match roots.first() {
            Some(root) => position(&layout.tables, *root)?,
            None => 0,
        };
        let mut out = Out { plan, pos: 0 };
        out.data(
            Header {
                first_ifd,
                ..self.header
            }
            .to_bytes(),
        );
        for (index, node) in nodes.iter().enumerate() {
            self.write_node(index, node, &layout, &mut out)?;
        }
        for (node, image) in nodes.iter().zip(&layout.image) {
            for (entry, positions) in node.entries.iter().zip(image) {
                if let WriteValue::ImageData(ranges) = &entry.value {
                    for (range, at) in ranges.iter().zip(positions) {
                        out.pad_to(*at)?;
                        out.copy(range.clone());
                    }
                }
            }
        }
        Ok(out.pos)
    }

    /// Decide where every table, value and image range goes.
    fn layout(&self, nodes: &[Node<'_>]) -> Result<Layout> {
        let header = self.header;
        let mut pos = header.len();
        let mut layout = Layout {
            tables: Vec::with_capacity(nodes.len()),
            values: Vec::with_capacity(nodes.len()),
            image: Vec::with_capacity(nodes.len()),
        };
        for node in nodes {
            pos = align(pos)?;
            layout.tables.push(pos);
            pos = add(pos, table_len(header, node.entries.len())?)?;
            let mut values = Vec::with_capacity(node.entries.len());
            for entry in &node.entries {
                let (_, _, size) = self.kind_count_size(entry)?;
                if size > header.offset_len() {
                    pos = align(pos)?;
                    values.push(Some(pos));
                    pos = add(pos, size)?;
                } else {
                    values.push(None);
                }
            }
            layout.values.push(values);
        }
        for node in nodes {
            let mut image = Vec::with_capacity(node.entries.len());
            for entry in &node.entries {
                let mut positions = Vec::new();
                if let WriteValue::ImageData(ranges) = &entry.value {
                    for range in ranges {
                        pos = align(pos)?;
                        positions.push(pos);
                        pos = add(pos, range_len(range)?)?;
                    }
                }
                image.push(positions);
            }
            layout.image.push(image);
        }
        if !header.big && pos > u64::from(u32::MAX) {
            return Err(Error::Limit {
                what: "classic TIFF output (offsets are 32-bit; BigTIFF is needed)",
                offset: 0,
                limit: u64::from(u32::MAX),
            });
        }
        Ok(layout)
    }

    /// The type, count and value size an entry is written with.
    fn kind_count_size(&self, entry: &WriteEntry) -> Result<(Type, u64, u64)> {
        let offset_type = if self.header.big {
            Type::Long8
        } else {
            Type::Long
        };
        let (kind, count) = match &entry.value {
            WriteValue::Numbers { kind, values } => (*kind, values.len() as u64),
            WriteValue::Bytes { kind, count, .. } | WriteValue::Copy { kind, count, .. } => {
                (*kind, *count)
            }
            WriteValue::ImageData(ranges) => (offset_type, ranges.len() as u64),
            // Exif readers expect the Exif, GPS and Interoperability
            // pointers (and libtiff SubIFDs) as LONG; other tags are typed
            // IFD so that readers know to follow them. BigTIFF: IFD8.
            WriteValue::Ifds(children) => {
                let kind = if self.header.big {
                    Type::Ifd8
                } else if tags::SUB_IFD_POINTERS.contains(&entry.tag) {
                    Type::Long
                } else {
                    Type::Ifd
                };
                (kind, children.len() as u64)
            }
        };
        let size = count
            .checked_mul(kind.size())
            .ok_or_else(|| writer_error(entry.tag, "value size overflows"))?;
        let given = match &entry.value {
            WriteValue::Bytes { bytes, .. } => Some(bytes.len() as u64),
            WriteValue::Copy { range, .. } => Some(range_len(range)?),
            _ => None,
        };
        if given.is_some_and(|given| given != size) {
            return Err(writer_error(
                entry.tag,
                format!("{count} values of type {} need {size} bytes", kind.code()),
            ));
        }
        if !self.header.big && count > u64::from(u32::MAX) {
            return Err(writer_error(entry.tag, "count does not fit classic TIFF"));
        }
        Ok((kind, count, size))
    }

    fn write_node(
        &self,
        index: usize,
        node: &Node<'_>,
        layout: &Layout,
        out: &mut Out<'_>,
    ) -> Result<()> {
        let header = self.header;
        let order = header.order;
        out.pad_to(position(&layout.tables, index)?)?;
        out.data(count_bytes(header, node.entries.len() as u64));
        let values = layout
            .values
            .get(index)
            .ok_or_else(|| layout_error("values"))?;
        let image = layout
            .image
            .get(index)
            .ok_or_else(|| layout_error("image"))?;
        let mut out_of_line = Vec::new();
        for (slot, entry) in node.entries.iter().enumerate() {
            let (kind, count, _) = self.kind_count_size(entry)?;
            let children = node.children.get(slot).map(Vec::as_slice).unwrap_or(&[]);
            let encoded = self.encode(entry, kind, children, image.get(slot), layout)?;
            let mut head = Vec::with_capacity(12);
            head.extend_from_slice(&order.u16_bytes(entry.tag));
            head.extend_from_slice(&order.u16_bytes(kind.code()));
            head.extend_from_slice(&offset_bytes(header, count));
            out.data(head);
            match values.get(slot).copied().flatten() {
                Some(at) => {
                    out.data(offset_bytes(header, at));
                    out_of_line.push((at, encoded));
                }
                None => {
                    let len = encoded.len()?;
                    out.encoded(encoded);
                    out.zeros(header.offset_len().saturating_sub(len));
                }
            }
        }
        let next = match node.next {
            Some(next) => position(&layout.tables, next)?,
            None => 0,
        };
        out.data(offset_bytes(header, next));
        for (at, encoded) in out_of_line {
            out.pad_to(at)?;
            out.encoded(encoded);
        }
        Ok(())
    }

    /// An entry's value bytes, with offsets resolved.
    fn encode(
        &self,
        entry: &WriteEntry,
        kind: Type,
        children: &[usize],
        image: Option<&Vec<u64>>,
        layout: &Layout,
    ) -> Result<Encoded> {
        let order = self.header.order;
        Ok(match &entry.value {
            WriteValue::Numbers { values, .. } => {
                Encoded::Bytes(encode_numbers(order, kind, values, entry.tag)?)
            }
            WriteValue::Bytes { bytes, .. } => Encoded::Bytes(bytes.clone()),
            WriteValue::Copy {
                range, order: from, ..
            } => {
                if *from != order && kind.swap_unit() > 1 {
                    return Err(Error::Unsupported(format!(
                        "TIFF tag {:#06x}: copying a multi-byte value into the other byte order",
                        entry.tag
                    )));
                }
                Encoded::Copy(range.clone())
            }
            WriteValue::ImageData(_) => {
                let positions = image.ok_or_else(|| layout_error("image data"))?;
                Encoded::Bytes(encode_numbers(order, kind, positions, entry.tag)?)
            }
            WriteValue::Ifds(_) => {
                let offsets = children
                    .iter()
                    .map(|child| position(&layout.tables, *child))
                    .collect::<Result<Vec<u64>>>()?;
                Encoded::Bytes(encode_numbers(order, kind, &offsets, entry.tag)?)
            }
        })
    }
}

/// A value ready to emit.
enum Encoded {
    Bytes(Vec<u8>),
    Copy(Range<u64>),
}

impl Encoded {
    fn len(&self) -> Result<u64> {
        match self {
            Encoded::Bytes(bytes) => Ok(bytes.len() as u64),
            Encoded::Copy(range) => range_len(range),
        }
    }
}

/// The plan being appended to, with the position relative to the header.
struct Out<'p> {
    plan: &'p mut Plan,
    pos: u64,
}

impl Out<'_> {
    fn data(&mut self, bytes: impl Into<Vec<u8>>) {
        let bytes = bytes.into();
        self.pos = self.pos.saturating_add(bytes.len() as u64);
        self.plan.data(bytes);
    }

    fn copy(&mut self, range: Range<u64>) {
        let len = range.end.saturating_sub(range.start);
        self.pos = self.pos.saturating_add(len);
        self.plan.copy(range.start, len);
    }

    /// Zero bytes written as data: padding of a few bytes stays in the
    /// surrounding data piece instead of splitting it.
    fn zeros(&mut self, len: u64) {
        self.data(vec![0u8; usize::try_from(len).unwrap_or(0)]);
    }

    fn encoded(&mut self, encoded: Encoded) {
        match encoded {
            Encoded::Bytes(bytes) => self.data(bytes),
            Encoded::Copy(range) => self.copy(range),
        }
    }

    /// Pad with zeros up to `target`, which the layout put at or after the
    /// current position.
    fn pad_to(&mut self, target: u64) -> Result<()> {
        let gap = target
            .checked_sub(self.pos)
            .filter(|gap| *gap <= 1)
            .ok_or_else(|| layout_error("position"))?;
        self.zeros(gap);
        Ok(())
    }
}

/// Flatten `chain` into `nodes` in pre-order; returns the chain's indices.
fn flatten<'a>(
    chain: &'a [WriteIfd],
    nodes: &mut Vec<Node<'a>>,
    linked: bool,
    depth: usize,
) -> Result<Vec<usize>> {
    if depth > MAX_WRITE_DEPTH {
        return Err(Error::Limit {
            what: "TIFF sub-IFD depth written",
            offset: 0,
            limit: MAX_WRITE_DEPTH as u64,
        });
    }
    let mut indices = Vec::with_capacity(chain.len());
    for ifd in chain {
        let mut entries: Vec<&WriteEntry> = ifd.entries.iter().collect();
        entries.sort_by_key(|entry| entry.tag);
        if let Some(pair) = entries.windows(2).find(|pair| match pair {
            [a, b] => a.tag == b.tag,
            _ => false,
        }) {
            let tag = pair.first().map_or(0, |entry| entry.tag);
            return Err(writer_error(tag, "tag given twice in one IFD"));
        }
        let index = nodes.len();
        nodes.push(Node {
            entries: Vec::new(),
            children: Vec::new(),
            next: None,
        });
        let mut children = Vec::with_capacity(entries.len());
        for entry in &entries {
            children.push(match &entry.value {
                WriteValue::Ifds(sub) => flatten(sub, nodes, false, depth.saturating_add(1))?,
                _ => Vec::new(),
            });
        }
        let node = nodes.get_mut(index).ok_or_else(|| layout_error("node"))?;
        node.entries = entries;
        node.children = children;
        indices.push(index);
    }
    if linked {
        for pair in indices.windows(2) {
            if let [from, to] = pair {
                if let Some(node) = nodes.get_mut(*from) {
                    node.next = Some(*to);
                }
            }
        }
    }
    Ok(indices)
}

/// Values encoded as `kind`, each checked to fit.
fn encode_numbers(order: ByteOrder, kind: Type, values: &[u64], tag: u16) -> Result<Vec<u8>> {
    let too_big =
        |value: u64| writer_error(tag, format!("{value} does not fit type {}", kind.code()));
    let mut bytes = Vec::with_capacity(values.len().saturating_mul(8));
    for value in values {
        match kind {
            Type::Byte => bytes.push(u8::try_from(*value).map_err(|_| too_big(*value))?),
            Type::Short => bytes.extend_from_slice(
                &order.u16_bytes(u16::try_from(*value).map_err(|_| too_big(*value))?),
            ),
            Type::Long | Type::Ifd => bytes.extend_from_slice(
                &order.u32_bytes(u32::try_from(*value).map_err(|_| too_big(*value))?),
            ),
            Type::Long8 | Type::Ifd8 => bytes.extend_from_slice(&order.u64_bytes(*value)),
            other => {
                return Err(writer_error(
                    tag,
                    format!("type {} is not an unsigned integer", other.code()),
                ))
            }
        }
    }
    Ok(bytes)
}

/// An IFD's entry count field.
fn count_bytes(header: Header, count: u64) -> Vec<u8> {
    if header.big {
        header.order.u64_bytes(count).to_vec()
    } else {
        // The layout refused more entries than a SHORT holds.
        let count = u16::try_from(count).unwrap_or(u16::MAX);
        header.order.u16_bytes(count).to_vec()
    }
}

/// An offset or entry count field (4 bytes classic, 8 BigTIFF). The layout
/// checked that classic values fit.
fn offset_bytes(header: Header, value: u64) -> Vec<u8> {
    if header.big {
        header.order.u64_bytes(value).to_vec()
    } else {
        let value = u32::try_from(value).unwrap_or(u32::MAX);
        header.order.u32_bytes(value).to_vec()
    }
}

/// Size of an IFD table with `entries` entries.
fn table_len(header: Header, entries: usize) -> Result<u64> {
    if !header.big && entries > usize::from(u16::MAX) {
        return Err(Error::Limit {
            what: "TIFF IFD entries written",
            offset: 0,
            limit: u64::from(u16::MAX),
        });
    }
    (entries as u64)
        .checked_mul(header.entry_len())
        .and_then(|len| len.checked_add(header.count_len()))
        .and_then(|len| len.checked_add(header.offset_len()))
        .ok_or_else(|| layout_error("table size"))
}

fn align(pos: u64) -> Result<u64> {
    add(pos, pos % 2)
}

fn add(pos: u64, len: u64) -> Result<u64> {
    pos.checked_add(len)
        .ok_or_else(|| layout_error("output size overflows"))
}

fn range_len(range: &Range<u64>) -> Result<u64> {
    range
        .end
        .checked_sub(range.start)
        .ok_or_else(|| Error::malformed("TIFF writer", range.start, "range ends before it starts"))
}

fn position(positions: &[u64], index: usize) -> Result<u64> {
    positions
        .get(index)
        .copied()
        .ok_or_else(|| layout_error("table"))
}

fn writer_error(tag: u16, reason: impl std::fmt::Display) -> Error {
    Error::Unsupported(format!("TIFF writer, tag {tag:#06x}: {reason}"))
}

/// The layout and the writing disagree: a bug here, reported rather than
/// written as a broken file.
fn layout_error(what: &str) -> Error {
    Error::Unsupported(format!("TIFF writer: internal layout error ({what})"))
}

/// A complete big- or little-endian classic TIFF holding one IFD0 with only
/// the Orientation tag: the Exif block written when orientation is the one
/// thing kept. 26 bytes: header, one entry, no next IFD.
pub(crate) fn minimal_orientation(order: ByteOrder, orientation: u16) -> Vec<u8> {
    let header = Header {
        order,
        big: false,
        first_ifd: Header::CLASSIC_LEN,
    };
    let mut tiff = header.to_bytes();
    tiff.extend_from_slice(&count_bytes(header, 1));
    tiff.extend_from_slice(&order.u16_bytes(tags::ORIENTATION));
    tiff.extend_from_slice(&order.u16_bytes(Type::Short.code()));
    tiff.extend_from_slice(&offset_bytes(header, 1));
    // The SHORT sits left-justified in the 4-byte value field.
    tiff.extend_from_slice(&order.u16_bytes(orientation));
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&offset_bytes(header, 0));
    tiff
}
