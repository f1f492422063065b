//! GIF (87a and 89a, animated or not): keep only what showing every frame
//! at its time needs.
//!
//! A GIF is a header, a logical screen descriptor and an optional global
//! colour table, then blocks: image descriptors (optional local colour
//! table, LZW minimum code size, data sub-blocks) and extensions (a label,
//! then sub-blocks up to a zero byte), and the trailer `;`.
//!
//! Kept: header, screen descriptor and colour tables, every image (its
//! data copied by range, never decoded, but walked sub-block by sub-block
//! to find its end), graphic control extensions (frame timing,
//! transparency, disposal: exactly 4 bytes), the looping extension
//! `NETSCAPE2.0`/`ANIMEXTS1.0` reduced to its 3-byte loop sub-block, the ICC
//! profile extension `ICCRGBG1012` (policy). Removed: comments, plain text
//! extensions, other application extensions (XMP described), unknown
//! extensions and every byte after the trailer. A file that ends right
//! after a block, without the trailer, is given one (decoders accept it).

use crate::error::{Error, Malformation, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::formats::Planner;
use crate::io::{Source, SourceExt};
use crate::limits::GifLimits;
use crate::metadata::{icc, trailer, xmp};
use crate::plan::Plan;
use crate::policy::Policy;
use crate::scan::Scan;

const IMAGE: u8 = 0x2C;
const EXTENSION: u8 = 0x21;
const TRAILER: u8 = 0x3B;

const GRAPHIC_CONTROL: u8 = 0xF9;
const COMMENT: u8 = 0xFE;
const PLAIN_TEXT: u8 = 0x01;
const APPLICATION: u8 = 0xFF;

/// Bytes read at a time while walking sub-blocks.
const WALK_BLOCK: usize = 64 * 1024;

/// Most lines of a comment added as separate needles.
const MAX_LINE_NEEDLES: usize = 16;

/// The GIF planner.
pub(crate) struct Gif;

impl Planner for Gif {
    fn plan(scan: &mut Scan<'_>) -> Result<Plan> {
        let mut walker = Walker {
            src: scan.src,
            policy: scan.policy,
            limits: scan.limits.gif,
            scan,
            plan: Plan::new(),
        };
        walker.run()?;
        Ok(walker.plan)
    }
}

struct Walker<'s, 'a> {
    src: &'a dyn Source,
    policy: &'a Policy,
    limits: GifLimits,
    scan: &'s mut Scan<'a>,
    plan: Plan,
}

/// Size in bytes of the colour table a packed field announces.
fn colour_table_len(packed: u8) -> u64 {
    if packed & 0x80 == 0 {
        0
    } else {
        3 << ((packed & 0x07) + 1)
    }
}

impl Walker<'_, '_> {
    fn run(&mut self) -> Result<()> {
        let header: [u8; 13] = self.src.read_array(0, "GIF header")?;
        let [g, i, f, v1, v2, v3, _, _, _, _, packed, _, _] = header;
        if [g, i, f] != *b"GIF" || !matches!([v1, v2, v3], [b'8', b'7' | b'9', b'a']) {
            return Err(Error::malformed("GIF header", 0, "not a GIF signature"));
        }
        let start = 13 + colour_table_len(packed);
        if start > self.src.len() {
            return Err(Error::overrun(
                "GIF colour table",
                13,
                "the global colour table runs past the end of the file",
            ));
        }
        self.plan.copy(0, start);
        let mut pos = start;
        loop {
            self.scan
                .enter(pos, self.limits.max_blocks, "number of GIF blocks")?;
            if pos == self.src.len() {
                // No trailer: decoders stop here and show what they have.
                self.plan.data([TRAILER]);
                return Ok(());
            }
            let [introducer]: [u8; 1] = self.src.read_array(pos, "GIF block")?;
            pos = match introducer {
                IMAGE => self.image(pos)?,
                EXTENSION => self.extension(pos)?,
                TRAILER => {
                    self.plan.copy(pos, 1);
                    self.trailer(pos + 1)?;
                    return Ok(());
                }
                other => {
                    return Err(Error::malformed(
                        "GIF block",
                        pos,
                        format!("unknown block introducer 0x{other:02X}"),
                    ))
                }
            };
        }
    }

    /// An image descriptor, its local colour table and its data: kept
    /// whole. Returns the offset after it.
    fn image(&mut self, pos: u64) -> Result<u64> {
        let descriptor: [u8; 10] = self.src.read_array(pos, "GIF image descriptor")?;
        let [.., packed] = descriptor;
        let data = pos + 10 + colour_table_len(packed);
        let [min_code_size]: [u8; 1] = self.src.read_array(data, "GIF image data")?;
        if !(1..=11).contains(&min_code_size) {
            return Err(Error::malformed(
                "GIF image data",
                data,
                format!("LZW minimum code size {min_code_size}"),
            ));
        }
        let end = self.sub_blocks_end(data + 1, "GIF image data")?;
        self.plan.copy(pos, end - pos);
        Ok(end)
    }

    /// The offset after the chain of sub-blocks starting at `at`.
    fn sub_blocks_end(&self, at: u64, structure: &'static str) -> Result<u64> {
        let mut buf = vec![0u8; WALK_BLOCK];
        let mut pos = at;
        loop {
            let available = self.src.len().checked_sub(pos).filter(|n| *n > 0);
            let Some(available) = available else {
                return Err(Error::truncated(
                    structure,
                    at,
                    "the file ends inside the data sub-blocks",
                ));
            };
            let n = available.min(WALK_BLOCK as u64) as usize;
            let window = buf.get_mut(..n).unwrap_or_default();
            self.src.read_at(pos, window)?;
            let mut i = 0usize;
            while let Some(size) = window.get(i) {
                if *size == 0 {
                    return Ok(pos + i as u64 + 1);
                }
                i += 1 + usize::from(*size);
            }
            pos += i as u64;
        }
    }

    /// The data of the sub-blocks in `[at, end)` (the first
    /// `max_describe` bytes), for describing a removed extension.
    fn sub_block_data(&mut self, at: u64, end: u64) -> Result<Vec<u8>> {
        let raw = self.raw(at, end)?;
        let mut data = Vec::with_capacity(raw.len());
        let mut i = 0usize;
        while let Some(size) = raw.get(i) {
            let size = usize::from(*size);
            let block = raw.get(i + 1..).unwrap_or_default();
            data.extend_from_slice(block.get(..size).unwrap_or(block));
            i += 1 + size;
        }
        Ok(data)
    }

    /// The bytes in `[at, end)`, at most `max_describe` of them, charged to
    /// the read budget.
    fn raw(&mut self, at: u64, end: u64) -> Result<Vec<u8>> {
        let len = end.saturating_sub(at).min(self.limits.max_describe);
        self.scan.charge(len, at, "GIF metadata read into memory")?;
        self.src
            .read_vec(at, len, self.limits.max_describe, "GIF extension")
    }

    fn extension(&mut self, pos: u64) -> Result<u64> {
        let [_, label]: [u8; 2] = self.src.read_array(pos, "GIF extension")?;
        match label {
            GRAPHIC_CONTROL => self.graphic_control(pos),
            APPLICATION => self.application(pos),
            COMMENT | PLAIN_TEXT => {
                let end = self.sub_blocks_end(pos + 2, "GIF extension")?;
                let data = self.sub_block_data(pos + 2, end)?;
                if label == COMMENT {
                    self.report_text("Comment", "comment extension", &data);
                } else {
                    // 12 bytes of text grid geometry and colours, then text.
                    let text = data.get(12..).unwrap_or_default();
                    self.report_text("Plain text", "plain text extension", text);
                }
                Ok(end)
            }
            other => {
                let end = self.sub_blocks_end(pos + 2, "GIF extension")?;
                self.scan.report(Finding::removed(
                    Category::Other,
                    "Unknown extension",
                    format!("GIF extension 0x{other:02X}"),
                    human_size(end - pos),
                ));
                Ok(end)
            }
        }
    }

    /// A graphic control extension is exactly one 4-byte sub-block.
    fn graphic_control(&mut self, pos: u64) -> Result<u64> {
        let block: [u8; 8] = self.src.read_array(pos, "GIF graphic control extension")?;
        let [_, _, size, _, _, _, _, terminator] = block;
        if size != 4 || terminator != 0 {
            return Err(Error::malformed_as(
                Malformation::Unaccounted,
                "GIF graphic control extension",
                pos,
                "not exactly one 4-byte sub-block",
            ));
        }
        self.plan.copy(pos, 8);
        Ok(pos + 8)
    }

    fn report_text(&mut self, field: &str, place: &str, text: &[u8]) {
        let value = String::from_utf8_lossy(text);
        let lower = value.to_ascii_lowercase();
        let category = if [
            "created with",
            "gimp",
            "photoshop",
            "imagemagick",
            "software",
        ]
        .iter()
        .any(|w| lower.contains(w))
        {
            Category::Software
        } else {
            Category::Other
        };
        let mut finding = Finding::removed(category, field, place, &value).with_needle(text);
        for line in value.lines().take(MAX_LINE_NEEDLES) {
            finding = finding.with_needle(line.as_bytes());
        }
        self.scan.report(finding);
    }

    fn application(&mut self, pos: u64) -> Result<u64> {
        let [_, _, id_len]: [u8; 3] = self.src.read_array(pos, "GIF application extension")?;
        if id_len != 11 {
            let end = self.sub_blocks_end(pos + 2, "GIF application extension")?;
            self.scan.report(Finding::removed(
                Category::Other,
                "Application extension",
                "GIF application extension",
                format!("no identifier, {}", human_size(end - pos)),
            ));
            return Ok(end);
        }
        let id: [u8; 11] = self.src.read_array(pos + 3, "GIF application extension")?;
        let data = pos + 14;
        let end = self.sub_blocks_end(data, "GIF application extension")?;
        match &id {
            b"NETSCAPE2.0" | b"ANIMEXTS1.0" => self.looping(pos, &id, data, end)?,
            b"XMP DataXMP" => {
                // The packet is stored raw (its bytes read as sub-block
                // sizes), followed by a 258-byte "magic trailer".
                let packet = self.raw(data, end)?;
                self.scan
                    .report_all(xmp::describe(&packet, "GIF application extension/XMP"));
            }
            b"ICCRGBG1012" => self.icc(pos, data, end)?,
            _ => {
                let name: String = id
                    .iter()
                    .map(|b| {
                        if b.is_ascii_graphic() || *b == b' ' {
                            char::from(*b)
                        } else {
                            '.'
                        }
                    })
                    .collect();
                self.scan.report(Finding::removed(
                    Category::Other,
                    "Application extension",
                    "GIF application extension",
                    format!("'{name}', {}", human_size(end - pos)),
                ));
            }
        }
        Ok(end)
    }

    /// The looping extension, kept as exactly its loop sub-block.
    fn looping(&mut self, pos: u64, id: &[u8; 11], data: u64, end: u64) -> Result<()> {
        let raw = self.raw(data, end)?;
        let mut loop_block = None;
        let mut i = 0usize;
        while let Some(size) = raw.get(i) {
            let size = usize::from(*size);
            if let (3, Some([1, lo, hi])) = (size, raw.get(i + 1..i + 4)) {
                loop_block.get_or_insert([*lo, *hi]);
            }
            i += 1 + size;
        }
        let Some([lo, hi]) = loop_block else {
            self.scan.report(Finding::removed(
                Category::Other,
                "Application extension",
                "GIF application extension",
                format!(
                    "looping extension without a loop count, {}",
                    human_size(end - pos)
                ),
            ));
            return Ok(());
        };
        if raw == [3, 1, lo, hi, 0] {
            self.plan.copy(pos, end - pos);
        } else {
            let mut canonical = vec![EXTENSION, APPLICATION, 11];
            canonical.extend_from_slice(id);
            canonical.extend_from_slice(&[3, 1, lo, hi, 0]);
            self.plan.data(canonical);
            self.scan.report(Finding::removed(
                Category::Other,
                "Unknown block",
                "GIF looping extension (extra sub-blocks)",
                human_size((raw.len() as u64).saturating_sub(5)),
            ));
        }
        Ok(())
    }

    /// The ICC profile extension, kept under the policy with the profile
    /// neutralised (see `metadata::icc`) in the same sub-block sizes. The
    /// one place that decides what of an ICC profile in a GIF survives.
    fn icc(&mut self, pos: u64, data: u64, end: u64) -> Result<()> {
        let place = "GIF application extension/ICCRGBG1012";
        let finding = |fate| {
            Finding::removed(
                Category::Other,
                "ICC colour profile",
                place,
                human_size(end - pos),
            )
            .with_fate(fate)
        };
        if !self.policy.keep_icc {
            self.scan.report(finding(Fate::Removed));
            return Ok(());
        }
        let raw = self.raw(data, end)?;
        // Sub-blocks: a size byte, then that many bytes; a zero ends them.
        let mut sizes = Vec::new();
        let mut profile = Vec::new();
        let mut i = 0usize;
        while let Some(&size) = raw.get(i) {
            if size == 0 {
                break;
            }
            profile.extend_from_slice(
                raw.get(i + 1..i + 1 + usize::from(size))
                    .unwrap_or_default(),
            );
            sizes.push(usize::from(size));
            i += 1 + usize::from(size);
        }
        match icc::neutralise(&profile, place) {
            Ok(neutral) => {
                self.scan.report(finding(Fate::Kept));
                self.scan.report_all(neutral.findings);
                let mut out = vec![EXTENSION, APPLICATION, 11];
                out.extend_from_slice(b"ICCRGBG1012");
                let mut at = 0usize;
                for size in sizes {
                    out.push(size as u8);
                    out.extend_from_slice(neutral.bytes.get(at..at + size).unwrap_or_default());
                    at += size;
                }
                out.push(0);
                self.plan.data(out);
            }
            Err(err) => self.scan.report(Finding::removed(
                Category::Other,
                "ICC colour profile (unreadable, removed)",
                place,
                err.to_string(),
            )),
        }
        Ok(())
    }

    /// Everything after the trailer is dropped; describe what it was.
    fn trailer(&mut self, start: u64) -> Result<()> {
        if let Some(finding) = trailer::report(self.src, start, "GIF trailer")? {
            self.scan.report(finding);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
