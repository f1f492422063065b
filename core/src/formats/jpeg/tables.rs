//! Kept table and header segments must be exactly as long as their
//! structure (ITU-T T.81 § B.2.4, B.2.2, B.2.3): bytes beyond it are ignored
//! by decoders and would be carried into the output unseen.

use super::{Parser, Segment, SOS};
use crate::error::{Error, Malformation, Result};

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
            _ => return Ok(()),
        };
        let body = self.body(segment)?;
        let used = match segment.marker {
            0xDB => quantization_tables_len(&body),
            0xC4 => huffman_tables_len(&body),
            0xCC => Some(body.len() - body.len() % 2),
            0xDD | 0xDC => Some(2),
            0xDF => Some(1),
            SOS => body.first().map(|ns| 1 + 2 * usize::from(*ns) + 3),
            _ => body.get(5).map(|nf| 6 + 3 * usize::from(*nf)),
        };
        match used {
            Some(used) if used == body.len() => Ok(()),
            Some(used) => Err(Error::malformed_as(
                Malformation::Unaccounted,
                expected_name,
                segment.start,
                format!(
                    "segment holds {} bytes but its structure {} bytes",
                    body.len(),
                    used
                ),
            )),
            None => Err(Error::overrun(
                expected_name,
                segment.start,
                "tables run past the end of the segment",
            )),
        }
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
