//! Kept table and header segments must be exactly as long as their
//! structure (ITU-T T.81 § B.2.4, B.2.2, B.2.3): bytes beyond it are ignored
//! by decoders and would be carried into the output unseen.

use super::{Parser, Segment, SOS};
use crate::error::{Error, Malformation, Result};
use crate::finding::{human_size, Category, Finding};

impl Parser<'_, '_> {
    /// Segments that are copied whole (tables, frame and scan headers) must
    /// be exactly as long as their structure says: bytes beyond it would be
    /// ignored by decoders and carried into the output unseen, a place to
    /// slip data past the cleaner. Such files are refused.
    pub(super) fn check_kept_structure(&self, segment: &Segment) -> Result<()> {
        let expected_name = match segment.marker {
            0xDB => "JPEG DQT",
            0xC4 => "JPEG DHT",
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xDE | 0xF7 => "JPEG SOF",
            SOS => "JPEG SOS",
            0xDD | 0xDC => "JPEG DRI/DNL",
            0xDF => "JPEG EXP",
            0xCC => "JPEG DAC",
            0xF8 => "JPEG-LS LSE",
            _ => return Ok(()),
        };
        let body = self.body(segment)?;
        check_table_layout(segment.marker, &body, segment.start).map_err(|err| match err {
            Error::Malformed {
                kind,
                offset,
                reason,
                ..
            } => Error::malformed_as(kind, expected_name, offset, reason),
            other => other,
        })
    }
}

/// Check that a table or header segment's body (`marker`, at `at`) is
/// exactly as long as its structure.
pub(crate) fn check_table_layout(marker: u8, body: &[u8], at: u64) -> Result<()> {
    let used = match marker {
        0xDB => quantization_tables_len(body),
        0xC4 => huffman_tables_len(body),
        0xCC => arithmetic_conditioning_len(body),
        0xF8 => jpeg_ls_parameters_len(body),
        0xDD | 0xDC => Some(2),
        0xDF => Some(1),
        SOS => body.first().map(|ns| 1 + 2 * usize::from(*ns) + 3),
        0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xDE | 0xF7 => {
            body.get(5).map(|nf| 6 + 3 * usize::from(*nf))
        }
        _ => return Ok(()),
    };
    let structure = "JPEG table or header";
    match used {
        Some(used) if used == body.len() => Ok(()),
        Some(used) => Err(Error::malformed_as(
            Malformation::Unaccounted,
            structure,
            at,
            format!(
                "segment holds {} bytes but its structure {used} bytes",
                body.len()
            ),
        )),
        None => Err(Error::overrun(
            structure,
            at,
            "tables run past the end of the segment",
        )),
    }
}

/// Length of the body of an APP14 Adobe segment.
pub(super) const ADOBE_LEN: usize = 12;

/// Bytes used by the quantization tables at the start of a DQT body, or
/// `None` when a table runs past its end.
fn quantization_tables_len(body: &[u8]) -> Option<usize> {
    let mut pos = 0usize;
    while let Some(pq_tq) = body.get(pos) {
        let size = match pq_tq >> 4 {
            0 => 64,
            1 => 128,
            _ => return None,
        };
        pos += 1 + size;
    }
    (pos == body.len()).then_some(pos)
}

/// Bytes used by the Huffman tables of a DHT body, or `None` when a table
/// runs past its end.
fn huffman_tables_len(body: &[u8]) -> Option<usize> {
    let mut pos = 0usize;
    while pos < body.len() {
        let counts = body.get(pos + 1..pos + 17)?;
        let values: usize = counts.iter().map(|c| usize::from(*c)).sum();
        pos += 17 + values;
    }
    (pos == body.len()).then_some(pos)
}

/// Bytes used by a DAC body (ITU-T T.81 § B.2.4.3): pairs of table class
/// and destination, and a conditioning value in its valid range. Anything
/// else (text, say) is not arithmetic conditioning.
fn arithmetic_conditioning_len(body: &[u8]) -> Option<usize> {
    if body.len() % 2 != 0 || body.len() > 16 {
        return None;
    }
    let valid = body.chunks_exact(2).all(|pair| match *pair {
        [class_dest, value] => {
            let (class, dest) = (class_dest >> 4, class_dest & 0x0F);
            dest <= 3
                && match class {
                    0 => (value & 0x0F) <= (value >> 4),
                    1 => (1..=63).contains(&value),
                    _ => false,
                }
        }
        _ => false,
    });
    valid.then_some(body.len())
}

/// Bytes used by a JPEG-LS LSE body (ITU-T T.87 § C.2.4.1): preset
/// parameters, mapping tables or their continuation, or oversize
/// dimensions.
fn jpeg_ls_parameters_len(body: &[u8]) -> Option<usize> {
    match body.first()? {
        1 => Some(11),
        2 | 3 => {
            let width = usize::from(*body.get(2)?);
            let entries = body.len().checked_sub(3)?;
            (width > 0 && entries % width == 0).then_some(body.len())
        }
        4 => {
            let width = usize::from(*body.get(1)?);
            Some(2 + 2 * width)
        }
        _ => None,
    }
}

/// A quantization or Huffman table definition: which segment, which table
/// slot, where its bytes are in the segment body, and whether a frame or
/// scan referred to it before it was redefined.
#[derive(Debug)]
struct Table {
    /// `(0, Tq)` for DQT; `(1 + Tc, Th)` for DHT (DC = 1, AC = 2).
    slot: (u8, u8),
    bytes: std::ops::Range<usize>,
    used: bool,
}

/// One DQT or DHT segment, its action index and its tables.
#[derive(Debug)]
struct TableSegment {
    action: usize,
    marker: u8,
    start: u64,
    body: Vec<u8>,
    tables: Vec<Table>,
}

/// Which table definitions the image uses. A table no frame or scan refers
/// to is never read by a decoder, so its 64 to 200-odd bytes are a place
/// to hide data: such tables are dropped (their segment rebuilt).
/// References are marked generously (a scan marks both its DC and its AC
/// table), so a table a decoder needs is never dropped.
#[derive(Debug, Default)]
pub(super) struct TableUse {
    segments: Vec<TableSegment>,
    /// The latest definition of each slot: (segment, table).
    latest: std::collections::HashMap<(u8, u8), (usize, usize)>,
    /// The quantization tables of the current frame's components: decoders
    /// latch them when a scan starts, so tables defined after the frame
    /// header (and before the scan) are the ones used.
    frame_tables: Vec<u8>,
}

impl TableUse {
    /// Record the tables of a DQT or DHT segment (already checked to be
    /// exactly its structure), copied by action `action`.
    pub(super) fn define(&mut self, action: usize, segment: &Segment, body: Vec<u8>) {
        let mut tables = Vec::new();
        let mut pos = 0usize;
        while let Some(&head) = body.get(pos) {
            let (slot, len) = if segment.marker == 0xDB {
                let len = if head >> 4 == 0 { 64 } else { 128 };
                ((0, head & 0x0F), 1 + len)
            } else {
                let values: usize = body
                    .get(pos + 1..pos + 17)
                    .map_or(0, |counts| counts.iter().map(|c| usize::from(*c)).sum());
                ((1 + (head >> 4), head & 0x0F), 17 + values)
            };
            tables.push(Table {
                slot,
                bytes: pos..pos + len,
                used: false,
            });
            pos += len;
        }
        let index = self.segments.len();
        for (table, t) in tables.iter().enumerate() {
            self.latest.insert(t.slot, (index, table));
        }
        self.segments.push(TableSegment {
            action,
            marker: segment.marker,
            start: segment.start,
            body,
            tables,
        });
    }

    fn mark(&mut self, slot: (u8, u8)) {
        if let Some((segment, table)) = self.latest.get(&slot).copied() {
            if let Some(t) = self
                .segments
                .get_mut(segment)
                .and_then(|s| s.tables.get_mut(table))
            {
                t.used = true;
            }
        }
    }

    /// A frame header: each component names its quantization table.
    pub(super) fn frame_uses(&mut self, body: &[u8]) {
        let components = body.get(6..).unwrap_or_default();
        for component in components.chunks_exact(3) {
            if let [_, _, tq] = *component {
                self.frame_tables.push(tq & 0x0F);
                self.mark((0, tq & 0x0F));
            }
        }
    }

    /// A scan header: each component names its DC and AC Huffman tables.
    pub(super) fn scan_uses(&mut self, body: &[u8]) {
        for tq in self.frame_tables.clone() {
            self.mark((0, tq));
        }
        let count = usize::from(body.first().copied().unwrap_or(0));
        let components = body.get(1..1 + 2 * count).unwrap_or_default();
        for component in components.chunks_exact(2) {
            if let [_, td_ta] = *component {
                self.mark((1, td_ta >> 4));
                self.mark((2, td_ta & 0x0F));
            }
        }
    }

    /// For each segment holding unused tables: its action index, the bytes
    /// that replace it (the segment without them, or nothing) and what was
    /// dropped.
    pub(super) fn finish(self) -> Vec<(usize, Vec<u8>, Vec<Finding>)> {
        let mut out = Vec::new();
        for segment in self.segments {
            if segment.tables.iter().all(|t| t.used) {
                continue;
            }
            let mut findings = Vec::new();
            let mut kept = Vec::new();
            for table in &segment.tables {
                let bytes = segment.body.get(table.bytes.clone()).unwrap_or_default();
                if table.used {
                    kept.extend_from_slice(bytes);
                    continue;
                }
                let (what, place) = if segment.marker == 0xDB {
                    ("Unused quantization table", "DQT")
                } else {
                    ("Unused Huffman table", "DHT")
                };
                let text: String = bytes
                    .iter()
                    .filter(|b| b.is_ascii_graphic() || **b == b' ')
                    .map(|b| char::from(*b))
                    .collect();
                findings.push(
                    Finding::removed(
                        Category::Other,
                        what,
                        format!("{place} at offset {}", segment.start),
                        format!("table {}, {}", table.slot.1, human_size(bytes.len() as u64)),
                    )
                    .with_needle(text.trim().as_bytes()),
                );
            }
            let replacement = match u16::try_from(kept.len() + 2) {
                Ok(len) if !kept.is_empty() => {
                    let mut bytes = vec![0xFF, segment.marker];
                    bytes.extend_from_slice(&len.to_be_bytes());
                    bytes.extend_from_slice(&kept);
                    bytes
                }
                _ => Vec::new(),
            };
            out.push((segment.action, replacement, findings));
        }
        out
    }
}
