//! WebP (RIFF `WEBP`): keep the image, drop everything else. A splice:
//! WebP holds no absolute offsets, so removed chunks simply go and the
//! `RIFF` size (and an animation frame's `ANMF` size) is rewritten.
//!
//! **Simple files** (first chunk `VP8 ` or `VP8L`): the image chunk is
//! kept; any chunk after it (some writers append `EXIF`/`XMP ` there,
//! where no reader looks) is described and removed.
//!
//! **Extended files** (`VP8X` first). Kept: `VP8X` (exactly 10 bytes,
//! reserved bits zero, its ICC/EXIF/XMP flags rewritten to say what the
//! output holds), `ICCP` (policy, decided in [`super::icc`]), `ANIM`
//! (exactly 6 bytes), each `ANMF` frame (16-byte header with reserved bits
//! zero, then `ALPH`, `VP8 ` or `VP8L` sub-chunks; other sub-chunks go),
//! `ALPH`, `VP8 `, `VP8L`. Removed: `EXIF` (TIFF, with or without the
//! `Exif\0\0` prefix exiftool once wrote), `XMP `, every unknown chunk,
//! and every byte after the RIFF's declared end. When the orientation is
//! kept and not 1 a minimal `EXIF` chunk holding only Orientation takes
//! the original's place (WebP has no other orientation field) and the EXIF
//! flag stays set.
//!
//! **Examined.** The image chunk is the bitstream, copied by range; its
//! frame header is checked (VP8 key frame, start code, first partition
//! inside the chunk; VP8L signature and version) and its size must match
//! the canvas. An uncompressed `ALPH` must be exactly the frame's pixel
//! count. Chunks in a place the format does not allow them (a second image,
//! frames in a still image, `ALPH` before `VP8L`) are refused rather than
//! copied where no decoder would show them. Pad bytes are written as
//! zeroes, never copied. What cannot be checked without decoding: bytes
//! appended inside the last VP8 partition or after a VP8L bitstream within
//! its chunk (the chunk size is the only length those formats have).

use crate::container::riff::{self, Chunk};
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Finding};
use crate::formats::icc::{self, IccAction};
use crate::formats::{append, Planner};
use crate::io::SourceExt;
use crate::metadata::{exif, xmp};
use crate::plan::Plan;
use crate::scan::Scan;

const STRUCTURE: &str = "WebP chunk";

/// `VP8X` flag bits (first byte).
const FLAG_ICC: u8 = 0x20;
const FLAG_EXIF: u8 = 0x08;
const FLAG_XMP: u8 = 0x04;
const FLAG_ANIMATION: u8 = 0x02;
const FLAGS_RESERVED: u8 = 0xC1;

const EXIF_PREFIX: &[u8] = b"Exif\0\0";

/// The WebP planner.
pub(crate) struct Webp;

impl Planner for Webp {
    fn plan(scan: &mut Scan<'_>) -> Result<Plan> {
        let src = scan.src;
        let riff = riff::read_chunk(src, 0, src.len(), STRUCTURE)?;
        if &riff.id != b"RIFF" || riff::form_type(src, &riff, STRUCTURE)? != *b"WEBP" {
            return Err(Error::malformed(STRUCTURE, 0, "not a RIFF WEBP file"));
        }
        let mut walker = Walker {
            scan,
            body: Plan::new(),
            end: riff.data_end(),
            orientation: None,
            exif_seen: false,
        };
        let first = walker.chunk(12, riff.data_end())?;
        match &first.id {
            b"VP8 " | b"VP8L" => walker.simple(&first)?,
            b"VP8X" => walker.extended(&first)?,
            _ => {
                return Err(Error::malformed(
                    STRUCTURE,
                    first.start,
                    format!("WebP starts with '{}', not an image chunk", first.name()),
                ))
            }
        }
        walker.trailer(riff.data_end())?;
        let body = walker.body;
        let size = u32::try_from(body.output_len() + 4)
            .map_err(|_| Error::malformed(STRUCTURE, 0, "output too large for RIFF"))?;
        let mut plan = Plan::new();
        let mut head = b"RIFF".to_vec();
        head.extend_from_slice(&size.to_le_bytes());
        head.extend_from_slice(b"WEBP");
        plan.data(head);
        append(&mut plan, body);
        Ok(plan)
    }
}

/// Width and height of a frame, in pixels.
type Size = (u32, u32);

/// What the extended walk has seen so far.
#[derive(Default)]
struct Seen {
    icc: Option<IccAction>,
    anim: bool,
    frames: usize,
    /// Top-level `ALPH` waiting for its `VP8 ` chunk: (chunk, header byte).
    alpha: Option<Chunk>,
    image: Option<Size>,
}

struct Walker<'s, 'a> {
    scan: &'s mut Scan<'a>,
    /// Everything after `RIFF size WEBP`.
    body: Plan,
    /// Declared end of the RIFF data.
    end: u64,
    orientation: Option<u16>,
    /// Whether an EXIF chunk was seen (a minimal one goes in its place).
    exif_seen: bool,
}

impl Walker<'_, '_> {
    fn chunk(&mut self, pos: u64, parent_end: u64) -> Result<Chunk> {
        let max = self.scan.limits.webp.max_chunks;
        self.scan.enter(pos, max, "number of WebP chunks")?;
        riff::read_chunk(self.scan.src, pos, parent_end, STRUCTURE)
    }

    /// Copy a whole chunk to `out`, with a zero pad byte when its size is
    /// odd (the input's pad byte, whatever it holds, is not copied).
    fn keep(out: &mut Plan, chunk: &Chunk) {
        out.copy(chunk.start, 8 + chunk.size);
        if chunk.size & 1 == 1 {
            out.data([0u8]);
        }
    }

    fn simple(&mut self, image: &Chunk) -> Result<()> {
        self.image_header(image)?;
        Self::keep(&mut self.body, image);
        let mut pos = image.end;
        while pos < self.end {
            let chunk = self.chunk(pos, self.end)?;
            // Nothing after the image of a simple file is ever read by a
            // decoder: whatever it is, it goes.
            self.remove(&chunk, "RIFF (after the image)")?;
            pos = chunk.end;
        }
        // No reader applies an orientation in a simple file: nothing to keep.
        self.orientation = None;
        Ok(())
    }

    fn extended(&mut self, vp8x: &Chunk) -> Result<()> {
        if vp8x.size != 10 {
            return Err(Error::malformed(
                STRUCTURE,
                vp8x.start,
                format!("VP8X holds {} bytes, not 10", vp8x.size),
            ));
        }
        let header: [u8; 10] = self.scan.src.read_array(vp8x.data, STRUCTURE)?;
        let [flags, r1, r2, r3, w0, w1, w2, h0, h1, h2] = header;
        if flags & FLAGS_RESERVED != 0 || [r1, r2, r3] != [0, 0, 0] {
            return Err(Error::malformed(
                STRUCTURE,
                vp8x.data,
                "VP8X reserved bits are not zero",
            ));
        }
        let canvas = (
            u32::from_le_bytes([w0, w1, w2, 0]) + 1,
            u32::from_le_bytes([h0, h1, h2, 0]) + 1,
        );
        let animated = flags & FLAG_ANIMATION != 0;
        let mut seen = Seen::default();
        // VP8X is rewritten at the end, once the flags are known; what
        // follows it is planned in two parts, before and after the place of
        // the first EXIF chunk (where a minimal one may go).
        let mut before = Plan::new();
        let mut after = Plan::new();
        let mut pos = vp8x.end;
        while pos < self.end {
            let chunk = self.chunk(pos, self.end)?;
            let out = if self.exif_seen {
                &mut after
            } else {
                &mut before
            };
            self.extended_child(&chunk, animated, canvas, &mut seen, out)?;
            pos = chunk.end;
        }
        let misplaced = |what: &str| Err(Error::malformed(STRUCTURE, vp8x.start, what.to_string()));
        if let Some(alpha) = seen.alpha {
            return Err(Error::malformed(
                STRUCTURE,
                alpha.start,
                "ALPH without a VP8 image after it",
            ));
        }
        if animated && (!seen.anim || seen.frames == 0) {
            return misplaced("animated WebP without ANIM or frames");
        }
        if !animated && seen.image.is_none() {
            return misplaced("WebP without an image chunk");
        }
        let write_exif = self.scan.policy.keep_orientation
            && self.orientation.is_some_and(|o| o != 1)
            && self.exif_seen;
        let mut out_flags = flags & !(FLAG_ICC | FLAG_EXIF | FLAG_XMP);
        if seen.icc.as_ref().is_some_and(IccAction::is_kept) {
            out_flags |= FLAG_ICC;
        }
        if write_exif {
            out_flags |= FLAG_EXIF;
            exif::keep_orientation(self.scan.findings_mut());
        }
        let mut vp8x_out = b"VP8X\x0a\0\0\0".to_vec();
        vp8x_out.push(out_flags);
        vp8x_out.extend_from_slice(header.get(1..).unwrap_or_default());
        self.body.data(vp8x_out);
        append(&mut self.body, before);
        if let (true, Some(orientation)) = (write_exif, self.orientation) {
            self.body.data(orientation_chunk(orientation));
        }
        append(&mut self.body, after);
        Ok(())
    }

    fn extended_child(
        &mut self,
        chunk: &Chunk,
        animated: bool,
        canvas: Size,
        seen: &mut Seen,
        out: &mut Plan,
    ) -> Result<()> {
        let refuse = |why: &str| {
            Err(Error::malformed(
                STRUCTURE,
                chunk.start,
                format!("'{}' {why}", chunk.name()),
            ))
        };
        let image_started = seen.anim || seen.alpha.is_some() || seen.image.is_some();
        match &chunk.id {
            b"VP8X" => refuse("appears twice"),
            b"ICCP" => {
                if seen.icc.is_some() || image_started {
                    return refuse("after the image or twice");
                }
                if chunk.size > self.scan.limits.webp.max_icc {
                    return Err(Error::Limit {
                        what: "WebP ICC profile size",
                        offset: chunk.start,
                        limit: self.scan.limits.webp.max_icc,
                    });
                }
                self.scan
                    .charge(chunk.size, chunk.data, "WebP metadata read into memory")?;
                let profile = self.scan.src.read_vec(
                    chunk.data,
                    chunk.size,
                    self.scan.limits.webp.max_icc,
                    "WebP ICCP",
                )?;
                let action = icc::judge(self.scan, &profile, "RIFF/ICCP");
                if let IccAction::Keep(neutral) = &action {
                    let mut bytes = b"ICCP".to_vec();
                    bytes.extend_from_slice(&(neutral.len() as u32).to_le_bytes());
                    bytes.extend_from_slice(neutral);
                    if neutral.len() % 2 == 1 {
                        bytes.push(0);
                    }
                    out.data(bytes);
                }
                seen.icc = Some(action);
                Ok(())
            }
            b"ANIM" => {
                if !animated || seen.anim {
                    return refuse("in a still image or twice");
                }
                if chunk.size != 6 {
                    return refuse("is not 6 bytes");
                }
                seen.anim = true;
                Self::keep(out, chunk);
                Ok(())
            }
            b"ANMF" => {
                if !animated || !seen.anim {
                    return refuse("in a still image or before ANIM");
                }
                seen.frames += 1;
                self.frame(chunk, canvas, out)
            }
            b"ALPH" => {
                if animated || seen.alpha.is_some() || seen.image.is_some() {
                    return refuse("in an animation or twice");
                }
                check_alpha_header(self.scan, chunk)?;
                seen.alpha = Some(*chunk);
                Self::keep(out, chunk);
                Ok(())
            }
            b"VP8 " | b"VP8L" => {
                if animated || seen.image.is_some() {
                    return refuse("in an animation or twice");
                }
                let size = self.image_header(chunk)?;
                if size != canvas {
                    return refuse("does not match the VP8X canvas size");
                }
                if let Some(alpha) = seen.alpha.take() {
                    if &chunk.id == b"VP8L" {
                        return refuse("follows an ALPH chunk no decoder reads");
                    }
                    check_alpha_size(self.scan, &alpha, size)?;
                }
                seen.image = Some(size);
                Self::keep(out, chunk);
                Ok(())
            }
            b"EXIF" => {
                self.exif_seen = true;
                self.remove(chunk, "RIFF")
            }
            _ => self.remove(chunk, "RIFF"),
        }
    }

    /// One animation frame: a 16-byte header, then its sub-chunks.
    fn frame(&mut self, anmf: &Chunk, canvas: Size, out: &mut Plan) -> Result<()> {
        if anmf.size < 16 {
            return Err(Error::malformed(
                STRUCTURE,
                anmf.start,
                "ANMF shorter than its header",
            ));
        }
        let header: [u8; 16] = self.scan.src.read_array(anmf.data, STRUCTURE)?;
        let u24 = |at: usize| -> u32 {
            let b = |i: usize| header.get(at + i).copied().unwrap_or(0);
            u32::from_le_bytes([b(0), b(1), b(2), 0])
        };
        let (x, y) = (u24(0) * 2, u24(3) * 2);
        let size = (u24(6) + 1, u24(9) + 1);
        let bits = header.get(15).copied().unwrap_or(0);
        if bits & 0xFC != 0 {
            return Err(Error::malformed(
                STRUCTURE,
                anmf.data + 15,
                "ANMF reserved bits are not zero",
            ));
        }
        if u64::from(x) + u64::from(size.0) > u64::from(canvas.0)
            || u64::from(y) + u64::from(size.1) > u64::from(canvas.1)
        {
            return Err(Error::malformed(
                STRUCTURE,
                anmf.start,
                "ANMF frame lies outside the canvas",
            ));
        }
        let end = anmf.data_end();
        let mut frame = Plan::new();
        frame.copy(anmf.data, 16);
        let mut alpha: Option<Chunk> = None;
        let mut image = false;
        let mut pos = anmf.data + 16;
        while pos < end {
            let chunk = self.chunk(pos, end)?;
            match &chunk.id {
                b"ALPH" if alpha.is_none() && !image => {
                    check_alpha_header(self.scan, &chunk)?;
                    alpha = Some(chunk);
                    Self::keep(&mut frame, &chunk);
                }
                b"VP8 " | b"VP8L" if !image => {
                    let bitstream = self.image_header(&chunk)?;
                    if bitstream != size {
                        return Err(Error::malformed(
                            STRUCTURE,
                            chunk.start,
                            "frame bitstream size does not match its ANMF header",
                        ));
                    }
                    if let Some(alpha) = alpha {
                        if &chunk.id == b"VP8L" {
                            return Err(Error::malformed(
                                STRUCTURE,
                                alpha.start,
                                "ALPH before VP8L: no decoder reads it",
                            ));
                        }
                        check_alpha_size(self.scan, &alpha, size)?;
                    }
                    image = true;
                    Self::keep(&mut frame, &chunk);
                }
                b"ALPH" | b"VP8 " | b"VP8L" => {
                    return Err(Error::malformed(
                        STRUCTURE,
                        chunk.start,
                        format!("'{}' out of place in an ANMF frame", chunk.name()),
                    ))
                }
                _ => self.remove(&chunk, "RIFF/ANMF")?,
            }
            pos = chunk.end;
        }
        if !image {
            return Err(Error::malformed(
                STRUCTURE,
                anmf.start,
                "ANMF frame without an image",
            ));
        }
        let size = u32::try_from(frame.output_len())
            .map_err(|_| Error::malformed(STRUCTURE, anmf.start, "frame too large"))?;
        let mut head = b"ANMF".to_vec();
        head.extend_from_slice(&size.to_le_bytes());
        out.data(head);
        append(out, frame);
        Ok(())
    }

    /// Check a `VP8 ` or `VP8L` frame header against its chunk; return the
    /// frame's size.
    fn image_header(&mut self, chunk: &Chunk) -> Result<Size> {
        let bad = |why: &str| {
            Err(Error::malformed(
                STRUCTURE,
                chunk.data,
                format!("'{}' {why}", chunk.name()),
            ))
        };
        if &chunk.id == b"VP8 " {
            if chunk.size < 10 {
                return bad("is shorter than a key frame header");
            }
            let head: [u8; 10] = self.scan.src.read_array(chunk.data, STRUCTURE)?;
            let [t0, t1, t2, s0, s1, s2, w0, w1, h0, h1] = head;
            let tag = u32::from_le_bytes([t0, t1, t2, 0]);
            let key_frame = tag & 1 == 0;
            let version = (tag >> 1) & 7;
            let shown = (tag >> 4) & 1 == 1;
            let first_partition = u64::from(tag >> 5);
            if !key_frame || version > 3 || !shown {
                return bad("is not a shown key frame");
            }
            if [s0, s1, s2] != [0x9D, 0x01, 0x2A] {
                return bad("has no VP8 start code");
            }
            if first_partition + 10 > chunk.size {
                return bad("first partition runs past the chunk");
            }
            let width = u32::from(u16::from_le_bytes([w0, w1]) & 0x3FFF);
            let height = u32::from(u16::from_le_bytes([h0, h1]) & 0x3FFF);
            if width == 0 || height == 0 {
                return bad("has a zero dimension");
            }
            Ok((width, height))
        } else {
            if chunk.size < 5 {
                return bad("is shorter than its header");
            }
            let head: [u8; 5] = self.scan.src.read_array(chunk.data, STRUCTURE)?;
            let [signature, b0, b1, b2, b3] = head;
            if signature != 0x2F {
                return bad("has no VP8L signature");
            }
            let bits = u32::from_le_bytes([b0, b1, b2, b3]);
            if bits >> 29 != 0 {
                return bad("has an unknown VP8L version");
            }
            Ok(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
    }

    /// Describe a chunk that goes.
    fn remove(&mut self, chunk: &Chunk, place: &str) -> Result<()> {
        let mark = self.scan.mark();
        match &chunk.id {
            b"EXIF" => {
                let value = self.value(chunk)?;
                let tiff = value.strip_prefix(EXIF_PREFIX).unwrap_or(&value);
                let summary = exif::describe(tiff, &format!("{place}/EXIF"));
                if self.orientation.is_none() {
                    self.orientation = summary.orientation;
                }
                self.scan.report_all(summary.findings);
            }
            b"XMP " => {
                let packet = self.value(chunk)?;
                self.scan
                    .report_all(xmp::describe(&packet, &format!("{place}/XMP")));
            }
            _ => {}
        }
        let name = chunk.name();
        let (category, field) = match &chunk.id {
            b"EXIF" => (Category::Other, "EXIF"),
            b"XMP " => (Category::Other, "XMP"),
            b"ICCP" => (Category::Other, "ICC colour profile (out of place)"),
            b"VP8 " | b"VP8L" | b"ALPH" | b"ANMF" => (Category::Embedded, "Hidden image data"),
            _ => (Category::Other, "Unknown chunk"),
        };
        self.scan.report_if_none_since(mark, || {
            Finding::removed(
                category,
                field,
                place,
                format!("'{name}', {}", human_size(chunk.size)),
            )
        });
        Ok(())
    }

    fn value(&mut self, chunk: &Chunk) -> Result<Vec<u8>> {
        self.scan.read_value(
            chunk.data,
            chunk.size,
            "WebP metadata read into memory",
            STRUCTURE,
        )
    }

    /// Bytes after the RIFF's declared end go.
    fn trailer(&mut self, riff_end: u64) -> Result<()> {
        let len = self.scan.src.len().saturating_sub(riff_end);
        if len == 0 {
            return Ok(());
        }
        // The pad byte of an odd-sized RIFF is not a trailer.
        if len == 1 && riff_end & 1 == 1 {
            let [pad]: [u8; 1] = self.scan.src.read_array(riff_end, STRUCTURE)?;
            if pad == 0 {
                return Ok(());
            }
        }
        self.scan.report(Finding::removed(
            Category::Embedded,
            "Trailer",
            format!("after the RIFF at offset {riff_end}"),
            human_size(len),
        ));
        Ok(())
    }
}

/// The `ALPH` header byte: reserved bits zero, a known compression and
/// pre-processing.
fn check_alpha_header(scan: &mut Scan<'_>, chunk: &Chunk) -> Result<()> {
    if chunk.size < 1 {
        return Err(Error::malformed(STRUCTURE, chunk.start, "empty ALPH chunk"));
    }
    let [header]: [u8; 1] = scan.src.read_array(chunk.data, STRUCTURE)?;
    let compression = header & 3;
    let preprocessing = (header >> 4) & 3;
    if header & 0xC0 != 0 || compression > 1 || preprocessing > 1 {
        return Err(Error::malformed(
            STRUCTURE,
            chunk.data,
            format!("ALPH header 0x{header:02X} has reserved or unknown bits"),
        ));
    }
    Ok(())
}

/// Uncompressed alpha is exactly one byte per pixel: nothing may follow.
fn check_alpha_size(scan: &mut Scan<'_>, chunk: &Chunk, size: Size) -> Result<()> {
    let [header]: [u8; 1] = scan.src.read_array(chunk.data, STRUCTURE)?;
    let pixels = u64::from(size.0) * u64::from(size.1);
    if header & 3 == 0 && chunk.size != 1 + pixels {
        return Err(Error::malformed(
            STRUCTURE,
            chunk.start,
            format!(
                "uncompressed ALPH holds {} bytes for {pixels} pixels",
                chunk.size - 1
            ),
        ));
    }
    Ok(())
}

/// An `EXIF` chunk holding only the orientation.
fn orientation_chunk(orientation: u16) -> Vec<u8> {
    let tiff = exif::minimal_orientation_tiff(orientation);
    let mut out = b"EXIF".to_vec();
    out.extend_from_slice(&(tiff.len() as u32).to_le_bytes());
    out.extend_from_slice(&tiff);
    if tiff.len() % 2 == 1 {
        out.push(0);
    }
    out
}

#[cfg(test)]
mod tests;
