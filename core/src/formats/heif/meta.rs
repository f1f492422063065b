//! The item boxes of `meta` (ISO/IEC 23008-12 § 9, ISO/IEC 14496-12
//! § 8.11): typed views read with the bounds-checked [`Reader`], and the
//! writers of their rebuilt forms. Syntax only: which items stay is
//! decided in `mod.rs`.

use crate::container::isobmff::{fourcc_name, write_box, Children, FourCc};
use crate::error::{Error, Malformation, Result};
use crate::io::cursor::Reader;
use crate::limits::HeifLimits;

/// One `infe` (item information entry, version 2 or 3).
#[derive(Debug, Clone)]
pub(super) struct Infe {
    pub id: u32,
    pub version: u8,
    /// Flag 1: the item is not meant to be displayed.
    pub hidden: bool,
    pub kind: FourCc,
    /// `item_name`, free text.
    pub name: Vec<u8>,
    /// `content_type` of a `mime` item, `item_uri_type` of a `uri ` one.
    pub content_type: Vec<u8>,
    /// Offset of the box, for errors.
    pub at: u64,
}

/// Split `bytes` at the first NUL: the string and what follows it.
fn split_c_string(bytes: &[u8]) -> (&[u8], &[u8]) {
    match bytes.iter().position(|b| *b == 0) {
        Some(end) => {
            let (text, rest) = bytes.split_at(end);
            (text, rest.get(1..).unwrap_or_default())
        }
        None => (bytes, &[]),
    }
}

impl Infe {
    pub fn parse(body: &[u8], at: u64) -> Result<Infe> {
        let mut r = Reader::new(body, at, "HEIF infe");
        let (version, flags) = r.full_box()?;
        if version < 2 {
            // Versions 0 and 1 describe only MIME-typed items (name,
            // content type, encoding): never an image.
            r.skip(4)?;
            let rest = r.rest();
            let (name, rest) = split_c_string(rest);
            let (content_type, _) = split_c_string(rest);
            return Ok(Infe {
                id: 0,
                version,
                hidden: false,
                kind: *b"mime",
                name: name.to_vec(),
                content_type: content_type.to_vec(),
                at,
            });
        }
        let id = if version == 2 {
            u32::from(r.u16()?)
        } else if version == 3 {
            r.u32()?
        } else {
            return Err(Error::Unsupported(format!(
                "HEIF item information entry version {version} at offset {at}"
            )));
        };
        let protection = r.u16()?;
        let kind: FourCc = r.array()?;
        if protection != 0 {
            return Err(Error::Unsupported(format!(
                "protected (encrypted) HEIF item {id} at offset {at}"
            )));
        }
        let rest = r.rest();
        let (name, rest) = split_c_string(rest);
        let content_type = match &kind {
            b"mime" | b"uri " => split_c_string(rest).0.to_vec(),
            _ => Vec::new(),
        };
        Ok(Infe {
            id,
            version,
            hidden: flags & 1 != 0,
            kind,
            name: name.to_vec(),
            content_type,
            at,
        })
    }

    /// The entry as written for a kept item: same version, hidden flag,
    /// ID and type; no name.
    pub fn write(&self, out: &mut Vec<u8>) {
        let mut body = vec![self.version, 0, 0, u8::from(self.hidden)];
        if self.version == 2 {
            body.extend_from_slice(&(self.id as u16).to_be_bytes());
        } else {
            body.extend_from_slice(&self.id.to_be_bytes());
        }
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(&self.kind);
        body.push(0);
        write_box(out, b"infe", &body);
    }
}

/// Parse `iinf`: the entry count, then exactly that many `infe` boxes.
pub(super) fn parse_iinf(body: &[u8], at: u64, limits: &HeifLimits) -> Result<Vec<Infe>> {
    let mut r = Reader::new(body, at, "HEIF iinf");
    let (version, _) = r.full_box()?;
    let count = if version == 0 {
        u64::from(r.u16()?)
    } else {
        u64::from(r.u32()?)
    };
    if count > limits.max_items {
        return Err(Error::Limit {
            what: "number of HEIF items",
            offset: at,
            limit: limits.max_items,
        });
    }
    let children_at = r.offset();
    let mut items = Vec::new();
    for child in Children::new(r.rest(), children_at) {
        let child = child?;
        if child.kind() != *b"infe" {
            return Err(Error::malformed(
                "HEIF iinf",
                child.header.start,
                format!(
                    "'{}' box among the item entries",
                    fourcc_name(&child.kind())
                ),
            ));
        }
        if items.len() as u64 >= count {
            return Err(Error::malformed(
                "HEIF iinf",
                child.header.start,
                format!("more item entries than the {count} declared"),
            ));
        }
        items.push(Infe::parse(child.body, child.header.body_start())?);
    }
    if items.len() as u64 != count {
        return Err(Error::truncated(
            "HEIF iinf",
            at,
            format!("declares {count} items, holds {}", items.len()),
        ));
    }
    Ok(items)
}

/// One extent of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Extent {
    pub offset: u64,
    pub len: u64,
}

/// One `iloc` entry.
#[derive(Debug, Clone)]
pub(super) struct Location {
    pub id: u32,
    /// 0: file offsets, 1: offsets into `idat`.
    pub method: u8,
    pub data_reference: u16,
    pub base: u64,
    pub extents: Vec<Extent>,
}

/// The item location box.
#[derive(Debug, Clone)]
pub(super) struct Iloc {
    pub version: u8,
    pub offset_size: usize,
    pub length_size: usize,
    pub base_size: usize,
    pub index_size: usize,
    pub entries: Vec<Location>,
}

fn field_size(value: u8, at: u64, what: &str) -> Result<usize> {
    match value {
        0 | 4 | 8 => Ok(usize::from(value)),
        other => Err(Error::malformed(
            "HEIF iloc",
            at,
            format!("{what} size {other} (only 0, 4 and 8 are allowed)"),
        )),
    }
}

impl Iloc {
    pub fn parse(body: &[u8], at: u64, limits: &HeifLimits) -> Result<Iloc> {
        let mut r = Reader::new(body, at, "HEIF iloc");
        let (version, _) = r.full_box()?;
        if version > 2 {
            return Err(Error::Unsupported(format!(
                "HEIF iloc version {version} at offset {at}"
            )));
        }
        let sizes = r.u16()?;
        let [a, b] = sizes.to_be_bytes();
        let offset_size = field_size(a >> 4, at, "offset")?;
        let length_size = field_size(a & 15, at, "length")?;
        let base_size = field_size(b >> 4, at, "base offset")?;
        let index_size = if version >= 1 {
            field_size(b & 15, at, "extent index")?
        } else {
            0
        };
        let count = if version < 2 {
            u64::from(r.u16()?)
        } else {
            u64::from(r.u32()?)
        };
        if count > limits.max_items {
            return Err(Error::Limit {
                what: "number of HEIF iloc entries",
                offset: at,
                limit: limits.max_items,
            });
        }
        // Smallest entry: a 2-byte ID, data reference and extent count.
        if count.saturating_mul(6) > r.remaining() as u64 {
            return Err(Error::overrun(
                "HEIF iloc",
                at,
                format!("claims {count} entries, {} bytes remain", r.remaining()),
            ));
        }
        let mut entries = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let entry_at = r.offset();
            let id = if version < 2 {
                u32::from(r.u16()?)
            } else {
                r.u32()?
            };
            let method = if version >= 1 {
                (r.u16()? & 15) as u8
            } else {
                0
            };
            let data_reference = r.u16()?;
            let base = r.be_uint(base_size)?;
            let extent_count = u64::from(r.u16()?);
            if extent_count > limits.max_extents {
                return Err(Error::Limit {
                    what: "number of extents of one HEIF item",
                    offset: entry_at,
                    limit: limits.max_extents,
                });
            }
            let width = index_size + offset_size + length_size;
            let table = r.table(extent_count, width)?;
            let mut t = Reader::new(table, entry_at, "HEIF iloc");
            let mut extents = Vec::with_capacity(extent_count as usize);
            for _ in 0..extent_count {
                let _index = t.be_uint(index_size)?;
                let offset = t.be_uint(offset_size)?;
                let len = t.be_uint(length_size)?;
                extents.push(Extent { offset, len });
            }
            entries.push(Location {
                id,
                method,
                data_reference,
                base,
                extents,
            });
        }
        if r.remaining() != 0 {
            return Err(Error::malformed_as(
                Malformation::Unaccounted,
                "HEIF iloc",
                r.offset(),
                format!("{} bytes after the last entry", r.remaining()),
            ));
        }
        Ok(Iloc {
            version,
            offset_size,
            length_size,
            base_size,
            index_size,
            entries,
        })
    }

    /// Write the box with `entries` (same version and field widths);
    /// every value must fit its field.
    pub fn write(&self, entries: &[Location], at: u64) -> Result<Vec<u8>> {
        let mut body = vec![self.version, 0, 0, 0];
        let a = ((self.offset_size as u8) << 4) | self.length_size as u8;
        let b = ((self.base_size as u8) << 4) | self.index_size as u8;
        body.extend_from_slice(&[a, b]);
        let count = entries.len() as u64;
        if self.version < 2 {
            put(&mut body, count, 2, at)?;
        } else {
            put(&mut body, count, 4, at)?;
        }
        for entry in entries {
            put(
                &mut body,
                u64::from(entry.id),
                if self.version < 2 { 2 } else { 4 },
                at,
            )?;
            if self.version >= 1 {
                put(&mut body, u64::from(entry.method), 2, at)?;
            }
            put(&mut body, u64::from(entry.data_reference), 2, at)?;
            put(&mut body, entry.base, self.base_size, at)?;
            put(&mut body, entry.extents.len() as u64, 2, at)?;
            for extent in &entry.extents {
                put(&mut body, 0, self.index_size, at)?;
                put(&mut body, extent.offset, self.offset_size, at)?;
                put(&mut body, extent.len, self.length_size, at)?;
            }
        }
        let mut out = Vec::with_capacity(body.len() + 8);
        write_box(&mut out, b"iloc", &body);
        Ok(out)
    }

    /// Length of the box written by [`Iloc::write`] for `entries`.
    pub fn written_len(&self, entries: &[Location]) -> u64 {
        let id = if self.version < 2 { 2 } else { 4 };
        let method = if self.version >= 1 { 2 } else { 0 };
        let extent = (self.index_size + self.offset_size + self.length_size) as u64;
        let fixed = 8 + 4 + 2 + id;
        entries.iter().fold(fixed, |sum, e| {
            sum + id + method + 2 + self.base_size as u64 + 2 + extent * e.extents.len() as u64
        })
    }
}

/// Append `value` as a big-endian field of `width` bytes (0 to 8).
pub(super) fn put(out: &mut Vec<u8>, value: u64, width: usize, at: u64) -> Result<()> {
    let fits = match width {
        0 => value == 0,
        8 => true,
        w => value >> (8 * w) == 0,
    };
    if !fits || width > 8 {
        return Err(Error::Unsupported(format!(
            "a rewritten HEIF value ({value}) does not fit its {width}-byte field (box at \
             offset {at})"
        )));
    }
    let bytes = value.to_be_bytes();
    out.extend_from_slice(bytes.get(8 - width..).unwrap_or_default());
    Ok(())
}

/// One item reference: `from` refers to each of `to` with `kind`.
#[derive(Debug, Clone)]
pub(super) struct Reference {
    pub kind: FourCc,
    pub from: u32,
    pub to: Vec<u32>,
}

/// Parse `iref` (version 0: 16-bit IDs, 1: 32-bit IDs).
pub(super) fn parse_iref(
    body: &[u8],
    at: u64,
    limits: &HeifLimits,
    total: &mut u64,
) -> Result<(u8, Vec<Reference>)> {
    let mut r = Reader::new(body, at, "HEIF iref");
    let (version, _) = r.full_box()?;
    let width = match version {
        0 => 2,
        1 => 4,
        v => {
            return Err(Error::Unsupported(format!(
                "HEIF iref version {v} at offset {at}"
            )))
        }
    };
    let children_at = r.offset();
    let mut refs = Vec::new();
    for child in Children::new(r.rest(), children_at) {
        let child = child?;
        let mut c = Reader::new(child.body, child.header.body_start(), "HEIF iref");
        let from = c.be_uint(width)? as u32;
        let count = u64::from(c.u16()?);
        *total = total.saturating_add(count).saturating_add(1);
        if *total > limits.max_references {
            return Err(Error::Limit {
                what: "number of HEIF item references",
                offset: child.header.start,
                limit: limits.max_references,
            });
        }
        let table = c.table(count, width)?;
        if c.remaining() != 0 {
            return Err(Error::malformed_as(
                Malformation::Unaccounted,
                "HEIF iref",
                c.offset(),
                format!("{} bytes after the reference list", c.remaining()),
            ));
        }
        let to = table
            .chunks_exact(width)
            .map(|id| crate::io::cursor::be_uint(id) as u32)
            .collect();
        refs.push(Reference {
            kind: child.kind(),
            from,
            to,
        });
    }
    Ok((version, refs))
}

/// Write `iref` with `refs` (nothing when there are none).
pub(super) fn write_iref(out: &mut Vec<u8>, refs: &[Reference]) -> Result<()> {
    if refs.is_empty() {
        return Ok(());
    }
    let wide = refs
        .iter()
        .any(|r| r.from > 0xFFFF || r.to.iter().any(|t| *t > 0xFFFF));
    let width = if wide { 4 } else { 2 };
    let mut body = vec![u8::from(wide), 0, 0, 0];
    for reference in refs {
        let mut entry = Vec::new();
        put(&mut entry, u64::from(reference.from), width, 0)?;
        put(&mut entry, reference.to.len() as u64, 2, 0)?;
        for to in &reference.to {
            put(&mut entry, u64::from(*to), width, 0)?;
        }
        write_box(&mut body, &reference.kind, &entry);
    }
    write_box(out, b"iref", &body);
    Ok(())
}

/// One property association: a 1-based index into `ipco` (0: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Association {
    pub index: u16,
    pub essential: bool,
}

/// Parse one `ipma` into (item, associations) pairs.
pub(super) fn parse_ipma(
    body: &[u8],
    at: u64,
    limits: &HeifLimits,
) -> Result<Vec<(u32, Vec<Association>)>> {
    let mut r = Reader::new(body, at, "HEIF ipma");
    let (version, flags) = r.full_box()?;
    let count = u64::from(r.u32()?);
    if count > limits.max_items {
        return Err(Error::Limit {
            what: "number of HEIF ipma entries",
            offset: at,
            limit: limits.max_items,
        });
    }
    let id_width = if version < 1 { 2 } else { 4 };
    // Smallest entry: an ID and an association count.
    if count.saturating_mul(id_width + 1) > r.remaining() as u64 {
        return Err(Error::overrun(
            "HEIF ipma",
            at,
            format!("claims {count} entries, {} bytes remain", r.remaining()),
        ));
    }
    let mut entries = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let id = r.be_uint(id_width as usize)? as u32;
        let n = r.u8()?;
        let mut list = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            let association = if flags & 1 != 0 {
                let v = r.u16()?;
                Association {
                    index: v & 0x7FFF,
                    essential: v & 0x8000 != 0,
                }
            } else {
                let v = r.u8()?;
                Association {
                    index: u16::from(v & 0x7F),
                    essential: v & 0x80 != 0,
                }
            };
            list.push(association);
        }
        entries.push((id, list));
    }
    if r.remaining() != 0 {
        return Err(Error::malformed_as(
            Malformation::Unaccounted,
            "HEIF ipma",
            r.offset(),
            format!("{} bytes after the last entry", r.remaining()),
        ));
    }
    Ok(entries)
}

/// Write one `ipma` for `entries` (narrowest version and flags that fit).
pub(super) fn write_ipma(out: &mut Vec<u8>, entries: &[(u32, Vec<Association>)]) -> Result<()> {
    let wide_ids = entries.iter().any(|(id, _)| *id > 0xFFFF);
    let wide_index = entries
        .iter()
        .any(|(_, list)| list.iter().any(|a| a.index > 0x7F));
    let mut body = vec![u8::from(wide_ids), 0, 0, u8::from(wide_index)];
    put(&mut body, entries.len() as u64, 4, 0)?;
    for (id, list) in entries {
        put(&mut body, u64::from(*id), if wide_ids { 4 } else { 2 }, 0)?;
        put(&mut body, list.len() as u64, 1, 0)?;
        for a in list {
            if wide_index {
                put(
                    &mut body,
                    u64::from(a.index | if a.essential { 0x8000 } else { 0 }),
                    2,
                    0,
                )?;
            } else {
                put(
                    &mut body,
                    u64::from(a.index | if a.essential { 0x80 } else { 0 }),
                    1,
                    0,
                )?;
            }
        }
    }
    write_box(out, b"ipma", &body);
    Ok(())
}
