//! The chunks that are kept: each must be exactly its structure (PNG
//! specification, third edition, § 11; APNG § 4), carry a good CRC and
//! stand where decoders accept it, or the file is refused. `iCCP` is
//! rebuilt with a neutral profile name.

use super::zlib::{self, End};
use super::{build_chunk, Action, Chunk, Header, Stage, Walker};
use crate::error::{Error, Malformation, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::io::SourceExt;
use crate::metadata::icc;

/// The profile name written into every kept `iCCP` (the name is free
/// text, often the profile's or the user's description).
pub(super) const NEUTRAL_ICC_NAME: &[u8] = b"ICC Profile";

/// Largest kept chunk read whole for its layout check (`PLTE`: 768 bytes,
/// `hIST`: 512).
const MAX_SMALL_CHUNK: u64 = 1024;

/// Bytes read at a time when checking the CRC of a large chunk.
const CRC_BLOCK: usize = 64 * 1024;

impl Walker<'_, '_> {
    /// Check a kept chunk's CRC (streamed: `IDAT` is never held in memory).
    pub(super) fn check_crc(&self, chunk: &Chunk) -> Result<()> {
        let mut crc = crc32fast::Hasher::new();
        crc.update(&chunk.kind);
        let mut buf = vec![0u8; CRC_BLOCK.min(usize::try_from(chunk.len).unwrap_or(CRC_BLOCK))];
        let mut done = 0u64;
        while done < chunk.len {
            let n = (chunk.len - done).min(buf.len() as u64) as usize;
            let part = buf.get_mut(..n).unwrap_or_default();
            self.src.read_at(chunk.data() + done, part)?;
            crc.update(part);
            done += n as u64;
        }
        let stored: [u8; 4] = self.src.read_array(chunk.data() + chunk.len, "PNG CRC")?;
        let stored = u32::from_be_bytes(stored);
        let computed = crc.finalize();
        if stored != computed {
            return Err(Error::malformed(
                "PNG chunk",
                chunk.start,
                format!(
                    "bad CRC in the kept chunk '{}' (stored {stored:08X}, computed {computed:08X})",
                    chunk.name()
                ),
            ));
        }
        Ok(())
    }

    /// Read a small kept chunk's data.
    fn small_data(&self, chunk: &Chunk) -> Result<Vec<u8>> {
        self.src
            .read_vec(chunk.data(), chunk.len, MAX_SMALL_CHUNK, "PNG chunk")
    }

    fn header(&self, chunk: &Chunk) -> Result<Header> {
        self.header.ok_or_else(|| {
            Error::malformed("PNG chunk", chunk.start, "chunk before IHDR".to_string())
        })
    }

    pub(super) fn ihdr(&mut self, chunk: &Chunk) -> Result<()> {
        if self.header.is_some() {
            return Err(Error::malformed("PNG IHDR", chunk.start, "a second IHDR"));
        }
        exact(chunk, 13)?;
        let data = self.small_data(chunk)?;
        let Ok::<[u8; 13], _>(
            [w0, w1, w2, w3, h0, h1, h2, h3, depth, colour, compression, filter, interlace],
        ) = data.as_slice().try_into()
        else {
            return Err(wrong_size(chunk, "13"));
        };
        let width = u32::from_be_bytes([w0, w1, w2, w3]);
        let height = u32::from_be_bytes([h0, h1, h2, h3]);
        let valid_depth = match colour {
            0 => matches!(depth, 1 | 2 | 4 | 8 | 16),
            3 => matches!(depth, 1 | 2 | 4 | 8),
            2 | 4 | 6 => matches!(depth, 8 | 16),
            _ => false,
        };
        let problem = if width == 0 || height == 0 || width > 0x7FFF_FFFF || height > 0x7FFF_FFFF {
            Some(format!("image size {width}x{height}"))
        } else if !valid_depth {
            Some(format!("bit depth {depth} with colour type {colour}"))
        } else if compression != 0 || filter != 0 || interlace > 1 {
            Some(format!(
                "compression {compression}, filter {filter}, interlace {interlace}"
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(Error::malformed(
                "PNG IHDR",
                chunk.start,
                format!("invalid {problem}"),
            ));
        }
        self.keep_checked(chunk)?;
        self.header = Some(Header {
            bit_depth: depth,
            colour_type: colour,
        });
        Ok(())
    }

    pub(super) fn plte(&mut self, chunk: &Chunk) -> Result<()> {
        let header = self.header(chunk)?;
        if self.palette.is_some() {
            return Err(Error::malformed("PNG PLTE", chunk.start, "a second PLTE"));
        }
        if self.stage != Stage::Before {
            return Err(Error::malformed("PNG PLTE", chunk.start, "PLTE after IDAT"));
        }
        if matches!(header.colour_type, 0 | 4) {
            return Err(Error::malformed(
                "PNG PLTE",
                chunk.start,
                format!("PLTE in a colour type {} image", header.colour_type),
            ));
        }
        if chunk.len % 3 != 0 || chunk.len == 0 || chunk.len > 3 * 256 {
            return Err(wrong_size(chunk, "a multiple of 3, 3 to 768"));
        }
        self.keep_checked(chunk)?;
        self.palette = Some(chunk.len / 3);
        Ok(())
    }

    pub(super) fn idat(&mut self, chunk: &Chunk) -> Result<()> {
        let header = self.header(chunk)?;
        match self.stage {
            Stage::After => {
                return Err(Error::malformed(
                    "PNG IDAT",
                    chunk.start,
                    "IDAT chunks are not consecutive",
                ))
            }
            Stage::Before if header.colour_type == 3 && self.palette.is_none() => {
                return Err(Error::malformed(
                    "PNG IDAT",
                    chunk.start,
                    "a palette image without PLTE",
                ))
            }
            _ => {}
        }
        self.stage = Stage::Inside;
        self.keep_checked(chunk)
    }

    pub(super) fn actl(&mut self, chunk: &Chunk) -> Result<()> {
        if self.animated {
            return Err(Error::malformed("PNG acTL", chunk.start, "a second acTL"));
        }
        if self.stage != Stage::Before {
            self.unknown(chunk, "after IDAT, ignored by decoders, ");
            return Ok(());
        }
        exact(chunk, 8)?;
        let data = self.small_data(chunk)?;
        if data.get(..4) == Some(&[0, 0, 0, 0]) {
            return Err(Error::malformed("PNG acTL", chunk.start, "zero frames"));
        }
        self.keep_checked(chunk)?;
        self.animated = true;
        Ok(())
    }

    /// `fcTL` and `fdAT` of an APNG.
    pub(super) fn frame_chunk(&mut self, chunk: &Chunk) -> Result<()> {
        if &chunk.kind == b"fcTL" {
            exact(chunk, 26)?;
            let data = self.small_data(chunk)?;
            if let (Some(dispose), Some(blend)) = (data.get(24), data.get(25)) {
                if *dispose > 2 || *blend > 1 {
                    return Err(Error::malformed(
                        "PNG fcTL",
                        chunk.start,
                        format!("dispose op {dispose}, blend op {blend}"),
                    ));
                }
            }
        } else {
            if chunk.len < 4 {
                return Err(wrong_size(chunk, "at least 4"));
            }
            if self.stage == Stage::Before {
                return Err(Error::malformed(
                    "PNG fdAT",
                    chunk.start,
                    "frame data before the image data",
                ));
            }
        }
        self.keep_checked(chunk)
    }

    /// The colour and rendering chunks that stand before the image data.
    pub(super) fn rendering(&mut self, chunk: &Chunk) -> Result<()> {
        let header = self.header(chunk)?;
        if self.stage != Stage::Before {
            // Decoders ignore them there: dropping them changes nothing.
            self.unknown(chunk, "after IDAT, ignored by decoders, ");
            return Ok(());
        }
        let palette = self.palette;
        let needs_palette = || {
            palette.ok_or_else(|| {
                Error::malformed(
                    "PNG chunk",
                    chunk.start,
                    format!("'{}' before PLTE in a palette image", chunk.name()),
                )
            })
        };
        let colour = header.colour_type;
        match &chunk.kind {
            b"gAMA" | b"cICP" => exact(chunk, 4)?,
            b"cHRM" => exact(chunk, 32)?,
            b"sRGB" => exact(chunk, 1)?,
            b"mDCV" => exact(chunk, 24)?,
            b"cLLI" => exact(chunk, 8)?,
            b"pHYs" => exact(chunk, 9)?,
            b"sBIT" => exact(
                chunk,
                match colour {
                    0 => 1,
                    4 => 2,
                    6 => 4,
                    _ => 3,
                },
            )?,
            b"tRNS" => match colour {
                0 => exact(chunk, 2)?,
                2 => exact(chunk, 6)?,
                3 => {
                    let entries = needs_palette()?;
                    if chunk.len == 0 || chunk.len > entries {
                        return Err(wrong_size(chunk, &format!("1 to {entries}")));
                    }
                }
                _ => {
                    return Err(Error::malformed(
                        "PNG tRNS",
                        chunk.start,
                        format!("tRNS in a colour type {colour} image (it has alpha)"),
                    ))
                }
            },
            b"bKGD" => match colour {
                0 | 4 => exact(chunk, 2)?,
                2 | 6 => exact(chunk, 6)?,
                _ => {
                    needs_palette()?;
                    exact(chunk, 1)?;
                }
            },
            b"hIST" => {
                let entries = needs_palette()?;
                exact(chunk, 2 * entries)?;
            }
            _ => {}
        }
        // Enumerated values decoders reject.
        let data = self.small_data(chunk)?;
        let invalid = match (&chunk.kind, data.as_slice()) {
            (b"sRGB", [intent]) => *intent > 3,
            (b"pHYs", [.., unit]) => *unit > 1,
            (b"bKGD", [index]) => palette.is_some_and(|n| u64::from(*index) >= n),
            (b"sBIT", bits) => bits.iter().any(|b| *b == 0 || *b > header.bit_depth.max(8)),
            _ => false,
        };
        if invalid {
            return Err(Error::malformed(
                "PNG chunk",
                chunk.start,
                format!("'{}' holds an invalid value", chunk.name()),
            ));
        }
        self.keep_checked(chunk)
    }

    pub(super) fn iccp(&mut self, chunk: &Chunk) -> Result<()> {
        if self.stage != Stage::Before {
            self.unknown(chunk, "after IDAT, ignored by decoders, ");
            return Ok(());
        }
        if !self.policy.keep_icc {
            self.scan.report(Finding::removed(
                Category::Other,
                "ICC colour profile",
                "iCCP",
                human_size(chunk.len),
            ));
            return Ok(());
        }
        self.keep_iccp(chunk)
    }

    /// Keep an `iCCP` chunk: its profile name is replaced by
    /// [`NEUTRAL_ICC_NAME`], its compressed profile checked to be one whole
    /// zlib stream holding a profile of the size its header claims, and
    /// kept as it is. The one place that decides what of an ICC profile in
    /// a PNG survives.
    fn keep_iccp(&mut self, chunk: &Chunk) -> Result<()> {
        if chunk.len > self.limits.max_icc {
            return Err(Error::Limit {
                what: "PNG iCCP chunk size",
                offset: chunk.start,
                limit: self.limits.max_icc,
            });
        }
        self.check_crc(chunk)?;
        self.scan
            .charge(chunk.len, chunk.data(), "PNG metadata read into memory")?;
        let data = self
            .src
            .read_vec(chunk.data(), chunk.len, self.limits.max_icc, "PNG iCCP")?;
        let name_len = data.iter().position(|b| *b == 0).unwrap_or(data.len());
        let (name, rest) = data.split_at(name_len);
        let [0, 0, compressed @ ..] = rest else {
            return Err(Error::malformed(
                "PNG iCCP",
                chunk.start,
                "no profile name terminator or an unknown compression method",
            ));
        };
        if name.is_empty() || name.len() > 79 {
            return Err(Error::malformed(
                "PNG iCCP",
                chunk.start,
                format!("profile name of {} bytes (1 to 79 allowed)", name.len()),
            ));
        }
        let limit = usize::try_from(self.limits.max_icc_inflated).unwrap_or(usize::MAX);
        let profile = zlib::inflate(compressed, limit);
        let at = chunk.data() + name.len() as u64 + 2;
        match profile.end {
            End::Complete => {}
            End::Limit => {
                return Err(Error::Limit {
                    what: "inflated PNG ICC profile",
                    offset: at,
                    limit: self.limits.max_icc_inflated,
                })
            }
            End::Truncated | End::Corrupt => {
                return Err(Error::malformed(
                    "PNG iCCP",
                    at,
                    "the compressed profile is not a whole zlib stream",
                ))
            }
        }
        if profile.consumed != compressed.len() {
            return Err(Error::malformed_as(
                Malformation::Unaccounted,
                "PNG iCCP",
                at + profile.consumed as u64,
                format!(
                    "{} bytes after the compressed profile",
                    compressed.len() - profile.consumed
                ),
            ));
        }
        let declared = profile
            .bytes
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_be_bytes);
        if declared != u32::try_from(profile.bytes.len()).ok() {
            return Err(Error::malformed_as(
                Malformation::Unaccounted,
                "PNG iCCP",
                at,
                format!(
                    "the profile inflates to {} bytes but its header says {declared:?}",
                    profile.bytes.len()
                ),
            ));
        }
        // The profile itself: colour data kept, identifying fields
        // neutralised (see `metadata::icc`). A profile that cannot be
        // walked is dropped (colours fall back to sRGB), never copied
        // unexamined.
        let neutral = match icc::neutralise(&profile.bytes, "iCCP") {
            Ok(neutral) => neutral,
            Err(err) => {
                self.scan.report(Finding::removed(
                    Category::Other,
                    "ICC colour profile (unreadable, removed)",
                    "iCCP",
                    err.to_string(),
                ));
                return Ok(());
            }
        };
        let recompressed;
        let compressed = if neutral.bytes == profile.bytes {
            compressed
        } else {
            self.scan.report_all(neutral.findings);
            recompressed = miniz_oxide::deflate::compress_to_vec_zlib(&neutral.bytes, 9);
            recompressed.as_slice()
        };
        let mut rebuilt = NEUTRAL_ICC_NAME.to_vec();
        rebuilt.extend_from_slice(&[0, 0]);
        rebuilt.extend_from_slice(compressed);
        self.actions
            .push(Action::Replace(build_chunk(b"iCCP", &rebuilt)));
        self.scan.report(
            Finding::removed(
                Category::Other,
                "ICC colour profile",
                "iCCP",
                human_size(profile.bytes.len() as u64),
            )
            .with_fate(Fate::Kept),
        );
        if name != NEUTRAL_ICC_NAME {
            let name = super::text::latin1(name);
            self.scan.report(
                Finding::removed(Category::Other, "ICC profile name", "iCCP", &name)
                    .with_fate(Fate::Replaced)
                    .with_needle(name.as_bytes()),
            );
        }
        Ok(())
    }
}

/// Fail unless `chunk` holds exactly `len` bytes.
pub(super) fn exact(chunk: &Chunk, len: u64) -> Result<()> {
    if chunk.len != len {
        return Err(wrong_size(chunk, &len.to_string()));
    }
    Ok(())
}

fn wrong_size(chunk: &Chunk, expected: &str) -> Error {
    Error::malformed_as(
        Malformation::Unaccounted,
        "PNG chunk",
        chunk.start,
        format!(
            "the kept chunk '{}' holds {} bytes, its structure {expected}",
            chunk.name(),
            chunk.len
        ),
    )
}
