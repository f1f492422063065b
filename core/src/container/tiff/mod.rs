//! TIFF structure: the image file header and chains of image file
//! directories (IFDs), read and written at the level of byte offsets.
//!
//! The same layout carries TIFF, DNG and TIFF-based raw files, and the Exif
//! blocks inside JPEG `APP1`, PNG `eXIf`, WebP `EXIF` and HEIF `Exif` items.
//! This module knows the syntax only; what to keep is decided by the formats.
//!
//! * TIFF 6.0 §2 "TIFF Structure": an 8-byte image file header (byte order
//!   `II` or `MM`, the number 42, the offset of the first IFD), then IFDs of
//!   a 2-byte entry count, 12-byte entries (tag, field type, count, value or
//!   offset) and the 4-byte offset of the next IFD. A value that fits in 4
//!   bytes is stored in the entry itself, left-justified.
//! * BigTIFF (Aware Systems' proposal, adopted by libtiff): version 43, a
//!   16-byte header (byte size of offsets 8, reserved 0, 8-byte first-IFD
//!   offset), 8-byte entry counts, 20-byte entries with 8-byte counts and
//!   values (inline up to 8 bytes), 8-byte next-IFD offsets, and the types
//!   LONG8, SLONG8 and IFD8.
//!
//! Every offset inside a TIFF structure counts from its first byte (the
//! byte-order mark), wherever that sits in the file: [`Header::read`] and
//! [`ifd::Tiff`] take that base offset. Strip and tile data are never read:
//! the reader reports value *ranges* and the writer ([`write::IfdWriter`])
//! emits them as [`crate::plan::Piece::Copy`] pieces at new offsets.

pub(crate) mod ifd;
pub(crate) mod tags;
pub(crate) mod write;

#[cfg(test)]
mod tests;

use crate::error::{Error, Result};
use crate::io::{Source, SourceExt};

/// The byte order of every multi-byte number in a TIFF structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ByteOrder {
    /// `II`: least significant byte first.
    Little,
    /// `MM`: most significant byte first.
    Big,
}

impl ByteOrder {
    /// The two bytes that open the header.
    pub(crate) fn mark(self) -> [u8; 2] {
        match self {
            ByteOrder::Little => *b"II",
            ByteOrder::Big => *b"MM",
        }
    }

    pub(crate) fn u16(self, bytes: [u8; 2]) -> u16 {
        match self {
            ByteOrder::Little => u16::from_le_bytes(bytes),
            ByteOrder::Big => u16::from_be_bytes(bytes),
        }
    }

    pub(crate) fn u32(self, bytes: [u8; 4]) -> u32 {
        match self {
            ByteOrder::Little => u32::from_le_bytes(bytes),
            ByteOrder::Big => u32::from_be_bytes(bytes),
        }
    }

    pub(crate) fn u64(self, bytes: [u8; 8]) -> u64 {
        match self {
            ByteOrder::Little => u64::from_le_bytes(bytes),
            ByteOrder::Big => u64::from_be_bytes(bytes),
        }
    }

    pub(crate) fn u16_bytes(self, value: u16) -> [u8; 2] {
        match self {
            ByteOrder::Little => value.to_le_bytes(),
            ByteOrder::Big => value.to_be_bytes(),
        }
    }

    pub(crate) fn u32_bytes(self, value: u32) -> [u8; 4] {
        match self {
            ByteOrder::Little => value.to_le_bytes(),
            ByteOrder::Big => value.to_be_bytes(),
        }
    }

    pub(crate) fn u64_bytes(self, value: u64) -> [u8; 8] {
        match self {
            ByteOrder::Little => value.to_le_bytes(),
            ByteOrder::Big => value.to_be_bytes(),
        }
    }

    /// An unsigned integer of 1, 2, 4 or 8 bytes taken from the start of
    /// `bytes`; `None` for other widths or too few bytes.
    pub(crate) fn uint(self, bytes: &[u8], width: u64) -> Option<u64> {
        match width {
            1 => bytes.first().map(|b| u64::from(*b)),
            2 => Some(u64::from(self.u16(array(bytes)?))),
            4 => Some(u64::from(self.u32(array(bytes)?))),
            8 => Some(self.u64(array(bytes)?)),
            _ => None,
        }
    }
}

/// The first `N` bytes of `bytes`, if there are that many.
pub(crate) fn array<const N: usize>(bytes: &[u8]) -> Option<[u8; N]> {
    bytes.get(..N)?.try_into().ok()
}

/// TIFF version number of classic TIFF.
const CLASSIC_VERSION: u16 = 42;
/// TIFF version number of BigTIFF.
const BIG_VERSION: u16 = 43;

/// The image file header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    /// Byte order of everything in the structure.
    pub order: ByteOrder,
    /// BigTIFF (8-byte offsets and counts) rather than classic TIFF.
    pub big: bool,
    /// Offset of IFD0 as written: relative to the header's first byte.
    pub first_ifd: u64,
}

impl Header {
    /// Size of a classic TIFF header.
    pub(crate) const CLASSIC_LEN: u64 = 8;
    /// Size of a BigTIFF header.
    pub(crate) const BIG_LEN: u64 = 16;

    /// Read the header that starts at `base` in `src`.
    pub(crate) fn read(src: &dyn Source, base: u64) -> Result<Header> {
        const STRUCTURE: &str = "TIFF header";
        let start: [u8; 8] = src.read_array(base, STRUCTURE)?;
        let order = match start.get(..2) {
            Some(b"II") => ByteOrder::Little,
            Some(b"MM") => ByteOrder::Big,
            _ => return Err(Error::malformed(STRUCTURE, base, "no II or MM byte order")),
        };
        let word = |at: usize| start.get(at..).and_then(array::<2>).map(|b| order.u16(b));
        match word(2) {
            Some(CLASSIC_VERSION) => {
                let first = start.get(4..).and_then(array::<4>).map(|b| order.u32(b));
                let first_ifd = first
                    .map(u64::from)
                    .ok_or_else(|| Error::truncated(STRUCTURE, base, "truncated"))?;
                Ok(Header {
                    order,
                    big: false,
                    first_ifd,
                })
            }
            Some(BIG_VERSION) => {
                // Byte size of offsets (always 8) and a reserved zero.
                if word(4) != Some(8) || word(6) != Some(0) {
                    return Err(Error::malformed(
                        STRUCTURE,
                        base,
                        "BigTIFF offsets must be 8 bytes",
                    ));
                }
                let at = base
                    .checked_add(8)
                    .ok_or_else(|| Error::truncated(STRUCTURE, base, "truncated"))?;
                let first: [u8; 8] = src.read_array(at, STRUCTURE)?;
                Ok(Header {
                    order,
                    big: true,
                    first_ifd: order.u64(first),
                })
            }
            Some(other) => Err(Error::malformed(
                STRUCTURE,
                base,
                format!("version {other} is neither 42 (TIFF) nor 43 (BigTIFF)"),
            )),
            None => Err(Error::truncated(STRUCTURE, base, "truncated")),
        }
    }

    /// Size of this kind of header.
    pub(crate) fn len(self) -> u64 {
        if self.big {
            Header::BIG_LEN
        } else {
            Header::CLASSIC_LEN
        }
    }

    /// The header as bytes.
    pub(crate) fn to_bytes(self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(16);
        bytes.extend_from_slice(&self.order.mark());
        if self.big {
            bytes.extend_from_slice(&self.order.u16_bytes(BIG_VERSION));
            bytes.extend_from_slice(&self.order.u16_bytes(8));
            bytes.extend_from_slice(&self.order.u16_bytes(0));
            bytes.extend_from_slice(&self.order.u64_bytes(self.first_ifd));
        } else {
            bytes.extend_from_slice(&self.order.u16_bytes(CLASSIC_VERSION));
            // A classic header cannot hold more; the writer checks offsets
            // fit before building one.
            let first = u32::try_from(self.first_ifd).unwrap_or(u32::MAX);
            bytes.extend_from_slice(&self.order.u32_bytes(first));
        }
        bytes
    }

    /// Size of one IFD entry.
    pub(crate) fn entry_len(self) -> u64 {
        if self.big {
            20
        } else {
            12
        }
    }

    /// Size of an IFD's entry count.
    pub(crate) fn count_len(self) -> u64 {
        if self.big {
            8
        } else {
            2
        }
    }

    /// Size of an offset (next IFD, out-of-line value), of an entry's count
    /// and of its value field: a value of at most this many bytes is stored
    /// inline.
    pub(crate) fn offset_len(self) -> u64 {
        if self.big {
            8
        } else {
            4
        }
    }
}

/// TIFF field types (TIFF 6.0 §2 "Types", plus IFD from the TIFF Technical
/// Note 1 and the BigTIFF types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Type {
    Byte,
    Ascii,
    Short,
    Long,
    Rational,
    SByte,
    Undefined,
    SShort,
    SLong,
    SRational,
    Float,
    Double,
    Ifd,
    Long8,
    SLong8,
    Ifd8,
}

impl Type {
    /// The type with this code; `None` for codes this module does not know
    /// (TIFF readers must skip such entries, so their size is unknown).
    pub(crate) fn from_code(code: u16) -> Option<Type> {
        Some(match code {
            1 => Type::Byte,
            2 => Type::Ascii,
            3 => Type::Short,
            4 => Type::Long,
            5 => Type::Rational,
            6 => Type::SByte,
            7 => Type::Undefined,
            8 => Type::SShort,
            9 => Type::SLong,
            10 => Type::SRational,
            11 => Type::Float,
            12 => Type::Double,
            13 => Type::Ifd,
            16 => Type::Long8,
            17 => Type::SLong8,
            18 => Type::Ifd8,
            _ => return None,
        })
    }

    /// The code written in an entry.
    pub(crate) fn code(self) -> u16 {
        match self {
            Type::Byte => 1,
            Type::Ascii => 2,
            Type::Short => 3,
            Type::Long => 4,
            Type::Rational => 5,
            Type::SByte => 6,
            Type::Undefined => 7,
            Type::SShort => 8,
            Type::SLong => 9,
            Type::SRational => 10,
            Type::Float => 11,
            Type::Double => 12,
            Type::Ifd => 13,
            Type::Long8 => 16,
            Type::SLong8 => 17,
            Type::Ifd8 => 18,
        }
    }

    /// Bytes per value.
    pub(crate) fn size(self) -> u64 {
        match self {
            Type::Byte | Type::Ascii | Type::SByte | Type::Undefined => 1,
            Type::Short | Type::SShort => 2,
            Type::Long | Type::SLong | Type::Float | Type::Ifd => 4,
            Type::Rational
            | Type::SRational
            | Type::Double
            | Type::Long8
            | Type::SLong8
            | Type::Ifd8 => 8,
        }
    }

    /// Bytes per byte-order-dependent unit: a RATIONAL is two LONGs, so it
    /// is swapped as two 4-byte halves.
    pub(crate) fn swap_unit(self) -> u64 {
        match self {
            Type::Rational | Type::SRational => 4,
            other => other.size(),
        }
    }

    /// Whether the values are unsigned integers that [`ifd::Tiff::values_u64`]
    /// can read (offsets, counts, dimensions).
    pub(crate) fn is_unsigned_integer(self) -> bool {
        matches!(
            self,
            Type::Byte | Type::Short | Type::Long | Type::Long8 | Type::Ifd | Type::Ifd8
        )
    }
}
