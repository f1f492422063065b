//! Kept values that are structures of their own must be exactly that
//! structure: DNG opcode lists (DNG 1.7.1 §6 "Opcode List Processing"),
//! JPEG tables (TIFF Technical Note 2) and the header segments of
//! JPEG-compressed strips and tiles (ITU-T T.81 §B.2), so that no text,
//! `APPn` block or trailing bytes ride along with what rendering needs.
//! Entropy-coded data and other codecs' streams are not decoded.

use std::ops::Range;

use super::Walker;
use crate::error::{Error, Malformation, Result};
use crate::formats::jpeg::tables::check_table_layout;
use crate::io::SourceExt;

const STRIP: &str = "TIFF JPEG strip or tile";
const TABLES: &str = "TIFF JPEGTables";
const OPCODES: &str = "DNG opcode list";

/// Highest opcode ID the DNG 1.7.1 specification defines.
const MAX_OPCODE: u32 = 14;

/// Whether a segment is a table or frame header kept inside JPEG data:
/// DQT, DHT, DRI, DAC and the SOF markers.
fn is_table_or_frame(marker: u8) -> bool {
    matches!(
        marker,
        0xDB | 0xC4 | 0xDD | 0xCC | 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF
    )
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let word: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(word))
}

/// A DNG opcode list: a big-endian count, then that many opcodes of ID,
/// version, flags, parameter size and parameters, ending exactly at the
/// end of the value.
pub(super) fn opcode_list(bytes: &[u8], at: u64) -> Result<()> {
    let truncated = || Error::truncated(OPCODES, at, "the opcode list is cut short");
    let count = be_u32(bytes, 0).ok_or_else(truncated)?;
    let mut pos = 4usize;
    for _ in 0..count {
        let id = be_u32(bytes, pos).ok_or_else(truncated)?;
        let size = be_u32(bytes, pos.saturating_add(12)).ok_or_else(truncated)?;
        if id == 0 || id > MAX_OPCODE {
            return Err(Error::malformed(
                OPCODES,
                at.saturating_add(pos as u64),
                format!("unknown opcode {id}"),
            ));
        }
        pos = pos
            .saturating_add(16)
            .saturating_add(usize::try_from(size).unwrap_or(usize::MAX));
        if pos > bytes.len() {
            return Err(truncated());
        }
    }
    if pos != bytes.len() {
        return Err(Error::malformed_as(
            Malformation::Unaccounted,
            OPCODES,
            at.saturating_add(pos as u64),
            format!("{} bytes after the last opcode", bytes.len() - pos),
        ));
    }
    Ok(())
}

/// JPEGTables: SOI, table segments, EOI, nothing else.
pub(super) fn jpeg_tables(bytes: &[u8], at: u64) -> Result<()> {
    let Some(mut rest) = bytes.strip_prefix(&[0xFF, 0xD8]) else {
        return Err(Error::malformed(TABLES, at, "does not start with SOI"));
    };
    loop {
        let offset = at.saturating_add((bytes.len() - rest.len()) as u64);
        match rest {
            [0xFF, 0xD9] => return Ok(()),
            [0xFF, marker, hi, lo, tail @ ..] if is_table_or_frame(*marker) => {
                let len = usize::from(u16::from_be_bytes([*hi, *lo]));
                let body_len = len
                    .checked_sub(2)
                    .ok_or_else(|| Error::malformed(TABLES, offset, "segment length below 2"))?;
                let (body, after) = tail
                    .split_at_checked(body_len)
                    .ok_or_else(|| Error::overrun(TABLES, offset, "segment runs past the value"))?;
                check_table_layout(*marker, body, offset)?;
                rest = after;
            }
            _ => {
                return Err(Error::malformed_as(
                    Malformation::Unaccounted,
                    TABLES,
                    offset,
                    "only DQT, DHT, DRI and DAC segments between SOI and EOI are kept",
                ))
            }
        }
    }
}

impl Walker<'_, '_> {
    /// The segments of a JPEG strip or tile before its entropy-coded data:
    /// tables and headers only, each exactly its structure.
    pub(super) fn check_jpeg_headers(&mut self, range: Range<u64>) -> Result<()> {
        let soi: [u8; 2] = self.src.read_array(range.start, STRIP)?;
        if soi != [0xFF, 0xD8] || range.end.saturating_sub(range.start) < 2 {
            return Err(Error::malformed(
                STRIP,
                range.start,
                "does not start with SOI",
            ));
        }
        let mut pos = range.start.saturating_add(2);
        loop {
            let head_end = pos.saturating_add(4);
            if head_end > range.end {
                return Err(Error::truncated(
                    STRIP,
                    pos,
                    "the strip ends before its scan header",
                ));
            }
            let [ff, marker, hi, lo]: [u8; 4] = self.src.read_array(pos, STRIP)?;
            if ff != 0xFF {
                return Err(Error::malformed(STRIP, pos, "no marker where one is due"));
            }
            let body_len = u64::from(u16::from_be_bytes([hi, lo]))
                .checked_sub(2)
                .ok_or_else(|| Error::malformed(STRIP, pos, "segment length below 2"))?;
            let body_end = head_end.saturating_add(body_len);
            if body_end > range.end {
                return Err(Error::overrun(STRIP, pos, "segment runs past the strip"));
            }
            if !(is_table_or_frame(marker) || marker == 0xDA) {
                return Err(Error::malformed_as(
                    Malformation::Unaccounted,
                    STRIP,
                    pos,
                    format!(
                        "segment FF{marker:02X} inside image data (only tables, frame and \
                         scan headers are kept)"
                    ),
                ));
            }
            let body = self.src.read_vec(head_end, body_len, 0xFFFF, STRIP)?;
            check_table_layout(marker, &body, pos)?;
            if marker == 0xDA {
                return Ok(());
            }
            pos = body_end;
        }
    }
}
