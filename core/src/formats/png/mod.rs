//! PNG and APNG: keep only what decoding and display need.
//!
//! A PNG is an 8-byte signature and a list of chunks (`length`, `type`,
//! `data`, `CRC`). Kept, each checked to be exactly its structure and to
//! have a good CRC: `IHDR`, `PLTE`, `IDAT` (copied by range, never
//! inflated), `IEND`, the colour and rendering chunks `tRNS`, `gAMA`,
//! `cHRM`, `sRGB`, `sBIT`, `cICP`, `mDCV`, `cLLI`, `pHYs`, `bKGD`, `hIST`,
//! the animation chunks `acTL`/`fcTL`/`fdAT`, and `iCCP` (policy) with its
//! profile name replaced by a neutral one. A minimal `eXIf` with only the
//! orientation is written after `IHDR` when the original orientation is
//! not 1. Everything else goes: text chunks (`tEXt`, `zTXt`, `iTXt`: XMP
//! and ImageMagick raw profiles are decoded and described), `eXIf`, `tIME`,
//! `caBX` (C2PA), `dSIG`, `sPLT`, unknown ancillary chunks and every byte
//! after `IEND`. An unknown critical chunk, a kept chunk of the wrong size
//! or with a bad CRC, and chunk orders decoders reject are refused.
//!
//! Where things live: this file walks the chunks and assembles the plan;
//! [`kept`] checks the layout of every kept chunk and rebuilds `iCCP`;
//! [`text`] judges the removed chunks; [`zlib`] inflates, bounded.

mod kept;
mod text;
mod zlib;

use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Finding};
use crate::formats::Planner;
use crate::io::{Source, SourceExt};
use crate::limits::PngLimits;
use crate::metadata::{exif, trailer};
use crate::plan::Plan;
use crate::policy::Policy;
use crate::scan::Scan;

/// The PNG signature.
pub(crate) const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// Largest chunk length the specification allows (2^31 - 1).
const MAX_CHUNK_LEN: u64 = 0x7FFF_FFFF;

/// What happens to one piece of the input.
enum Action {
    /// Copy `len` bytes at `offset`.
    Keep { offset: u64, len: u64 },
    /// Write these bytes instead.
    Replace(Vec<u8>),
}

/// One chunk's location.
#[derive(Debug, Clone, Copy)]
struct Chunk {
    /// Offset of the length field.
    start: u64,
    /// Length of the data.
    len: u64,
    /// The four type letters.
    kind: [u8; 4],
}

impl Chunk {
    fn data(&self) -> u64 {
        self.start + 8
    }

    fn end(&self) -> u64 {
        self.start + 12 + self.len
    }

    fn total_len(&self) -> u64 {
        12 + self.len
    }

    /// Critical chunks have an uppercase first letter.
    fn is_critical(&self) -> bool {
        self.kind.first().is_some_and(u8::is_ascii_uppercase)
    }

    fn name(&self) -> String {
        self.kind.iter().map(|b| char::from(*b)).collect()
    }
}

/// Where the walk is relative to the image data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Before the first `IDAT`.
    Before,
    /// Inside the run of `IDAT` chunks.
    Inside,
    /// After it.
    After,
}

/// What `IHDR` says, for the layout checks of the chunks that follow.
#[derive(Debug, Clone, Copy)]
struct Header {
    bit_depth: u8,
    colour_type: u8,
}

/// The PNG planner.
pub(crate) struct Png;

impl Planner for Png {
    fn plan(scan: &mut Scan<'_>) -> Result<Plan> {
        let mut walker = Walker {
            src: scan.src,
            policy: scan.policy,
            limits: scan.limits.png,
            scan,
            actions: Vec::new(),
            header: None,
            palette: None,
            stage: Stage::Before,
            animated: false,
            orientation: None,
            inflated: 0,
        };
        walker.run()?;
        Ok(walker.finish())
    }
}

struct Walker<'s, 'a> {
    src: &'a dyn Source,
    policy: &'a Policy,
    limits: PngLimits,
    scan: &'s mut Scan<'a>,
    actions: Vec<Action>,
    header: Option<Header>,
    /// Number of palette entries, once `PLTE` is seen.
    palette: Option<u64>,
    stage: Stage,
    /// Whether `acTL` was seen (an APNG).
    animated: bool,
    orientation: Option<u16>,
    /// Bytes inflated from compressed text so far.
    inflated: u64,
}

impl Walker<'_, '_> {
    fn run(&mut self) -> Result<()> {
        let signature: [u8; 8] = self.src.read_array(0, "PNG signature")?;
        if signature != SIGNATURE {
            return Err(Error::malformed("PNG signature", 0, "not a PNG signature"));
        }
        self.keep(0, 8);
        let mut pos = 8u64;
        loop {
            self.scan
                .enter(pos, self.limits.max_chunks, "number of PNG chunks")?;
            let chunk = self.read_chunk(pos)?;
            pos = chunk.end();
            if self.header.is_none() && &chunk.kind != b"IHDR" {
                return Err(Error::malformed(
                    "PNG chunk",
                    chunk.start,
                    format!("the first chunk is '{}', not IHDR", chunk.name()),
                ));
            }
            if &chunk.kind != b"IDAT" && self.stage == Stage::Inside {
                self.stage = Stage::After;
            }
            if &chunk.kind == b"IEND" {
                if self.stage == Stage::Before {
                    return Err(Error::malformed(
                        "PNG IEND",
                        chunk.start,
                        "the image ends before any IDAT",
                    ));
                }
                kept::exact(&chunk, 0)?;
                self.keep_checked(&chunk)?;
                self.trailer(chunk.end())?;
                return Ok(());
            }
            self.chunk(&chunk)?;
        }
    }

    /// Judge one chunk (every one but `IEND`).
    fn chunk(&mut self, chunk: &Chunk) -> Result<()> {
        match &chunk.kind {
            b"IHDR" => self.ihdr(chunk),
            b"PLTE" => self.plte(chunk),
            b"IDAT" => self.idat(chunk),
            b"iCCP" => self.iccp(chunk),
            b"acTL" => self.actl(chunk),
            b"fcTL" | b"fdAT" if self.animated => self.frame_chunk(chunk),
            b"tRNS" | b"gAMA" | b"cHRM" | b"sRGB" | b"sBIT" | b"cICP" | b"mDCV" | b"cLLI"
            | b"pHYs" | b"bKGD" | b"hIST" => self.rendering(chunk),
            b"tEXt" | b"zTXt" | b"iTXt" => self.text(chunk),
            b"eXIf" => self.exif(chunk),
            b"tIME" => self.time(chunk),
            b"caBX" => {
                self.scan.report(Finding::removed(
                    Category::Provenance,
                    "C2PA manifest",
                    "caBX",
                    human_size(chunk.len),
                ));
                Ok(())
            }
            b"dSIG" => {
                self.scan.report(Finding::removed(
                    Category::Provenance,
                    "Digital signature",
                    "dSIG",
                    human_size(chunk.len),
                ));
                Ok(())
            }
            b"sPLT" => self.suggested_palette(chunk),
            _ if chunk.is_critical() => Err(Error::Unsupported(format!(
                "PNG with the unknown critical chunk '{}' at offset {} (the image cannot be \
                 shown without understanding it)",
                chunk.name(),
                chunk.start
            ))),
            _ => {
                self.unknown(chunk, "");
                Ok(())
            }
        }
    }

    fn keep(&mut self, offset: u64, len: u64) {
        self.actions.push(Action::Keep { offset, len });
    }

    /// Keep a whole chunk after checking its CRC.
    fn keep_checked(&mut self, chunk: &Chunk) -> Result<()> {
        self.check_crc(chunk)?;
        self.keep(chunk.start, chunk.total_len());
        Ok(())
    }

    /// Read the chunk header at `pos` and check that the chunk fits.
    fn read_chunk(&self, pos: u64) -> Result<Chunk> {
        if pos >= self.src.len() {
            return Err(Error::truncated(
                "PNG chunk",
                pos,
                "the file ends before IEND",
            ));
        }
        let head: [u8; 8] = self.src.read_array(pos, "PNG chunk header")?;
        let [l0, l1, l2, l3, k0, k1, k2, k3] = head;
        let len = u64::from(u32::from_be_bytes([l0, l1, l2, l3]));
        let kind = [k0, k1, k2, k3];
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(Error::malformed(
                "PNG chunk",
                pos,
                format!("chunk type {kind:02X?} is not four letters"),
            ));
        }
        let chunk = Chunk {
            start: pos,
            len,
            kind,
        };
        if len > MAX_CHUNK_LEN {
            return Err(Error::malformed(
                "PNG chunk",
                pos,
                format!("'{}' claims {len} bytes (over 2^31 - 1)", chunk.name()),
            ));
        }
        if chunk.end() > self.src.len() {
            return Err(Error::overrun(
                "PNG chunk",
                pos,
                format!(
                    "'{}' claims {len} bytes but the file ends {} bytes later",
                    chunk.name(),
                    self.src.len().saturating_sub(chunk.data())
                ),
            ));
        }
        Ok(chunk)
    }

    /// Read a removed chunk's data for describing it: its first
    /// `max_text_chunk` bytes, charged to the read budget.
    fn read_for_report(&mut self, chunk: &Chunk) -> Result<Vec<u8>> {
        let len = chunk.len.min(self.limits.max_text_chunk);
        self.scan
            .charge(len, chunk.data(), "PNG metadata read into memory")?;
        self.src
            .read_vec(chunk.data(), len, self.limits.max_text_chunk, "PNG chunk")
    }

    fn exif(&mut self, chunk: &Chunk) -> Result<()> {
        let data = self.read_for_report(chunk)?;
        // Some writers keep the JPEG APP1 signature.
        let tiff = data.strip_prefix(b"Exif\0\0").unwrap_or(&data);
        let summary = exif::describe(tiff, "eXIf");
        if self.orientation.is_none() {
            self.orientation = summary.orientation;
        }
        self.scan.report_all(summary.findings);
        Ok(())
    }

    fn time(&mut self, chunk: &Chunk) -> Result<()> {
        let value = match self.src.read_vec(chunk.data(), chunk.len, 7, "PNG tIME") {
            Ok(data) => match data.as_slice() {
                [y1, y2, month, day, hour, minute, second] => format!(
                    "{:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02} UTC",
                    u16::from_be_bytes([*y1, *y2])
                ),
                _ => human_size(chunk.len),
            },
            Err(_) => human_size(chunk.len),
        };
        self.scan.report(Finding::removed(
            Category::Time,
            "Modification time",
            "tIME",
            value,
        ));
        Ok(())
    }

    fn suggested_palette(&mut self, chunk: &Chunk) -> Result<()> {
        let data = self.read_for_report(chunk)?;
        let name = data.split(|b| *b == 0).next().unwrap_or_default();
        let name = text::latin1(name);
        self.scan.report(
            Finding::removed(Category::Other, "Suggested palette", "sPLT", &name)
                .with_needle(name.as_bytes()),
        );
        Ok(())
    }

    /// Report a removed chunk nothing else describes.
    fn unknown(&mut self, chunk: &Chunk, why: &str) {
        let field = if chunk.kind == *b"prVW" || chunk.kind == *b"mkBT" {
            (Category::Embedded, "Preview image")
        } else {
            (Category::Other, "Unknown chunk")
        };
        self.scan.report(Finding::removed(
            field.0,
            field.1,
            chunk.name(),
            format!("{why}{}", human_size(chunk.len)),
        ));
    }

    /// Everything after `IEND` is dropped; describe what it was.
    fn trailer(&mut self, start: u64) -> Result<()> {
        if let Some(finding) = trailer::report(self.src, start, "IEND")? {
            self.scan.report(finding);
        }
        Ok(())
    }

    fn finish(self) -> Plan {
        let write_orientation =
            self.policy.keep_orientation && self.orientation.is_some_and(|o| o != 1);
        if write_orientation {
            exif::keep_orientation(self.scan.findings_mut());
        }
        let mut plan = Plan::new();
        for (index, action) in self.actions.into_iter().enumerate() {
            match action {
                Action::Keep { offset, len } => plan.copy(offset, len),
                Action::Replace(bytes) => plan.data(bytes),
            }
            // Actions 0 and 1 are the signature and IHDR.
            if index == 1 && write_orientation {
                if let Some(orientation) = self.orientation {
                    plan.data(orientation_chunk(orientation));
                }
            }
        }
        plan
    }
}

/// A chunk of `kind` around `data`, with its CRC.
pub(super) fn build_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 12);
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
    out
}

/// An `eXIf` chunk holding only the orientation.
fn orientation_chunk(orientation: u16) -> Vec<u8> {
    build_chunk(b"eXIf", &exif::minimal_orientation_tiff(orientation))
}

#[cfg(test)]
mod tests;
