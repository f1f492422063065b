//! JPEG images inside other containers — the frames of Motion JPEG video
//! (AVI, QuickTime, MP4, Matroska: dash cams, body cams, time-lapses, older
//! cameras) — carry their own metadata: every frame can hold an Exif block
//! with GPS, serial numbers and owner, and encoders write their name in a
//! comment.
//!
//! The containers index their frames by offset and size, so nothing may
//! move. Each metadata segment is blanked **in place**: its marker becomes
//! COM (`FF FE`), its length stays, its bytes become zeros. Decoders skip a
//! comment; the frame decodes exactly as before. What decoding needs stays:
//! tables, frame and scan headers, JFIF without its thumbnail, the `AVI1`
//! field marker, Adobe's transform flag. A frame holding two fields (two
//! JPEG images back to back, interlaced MJPEG) is walked image by image.
//!
//! Only the header segments of each image and the entropy-coded data (to
//! find where the image ends) are read; findings are reported once per
//! stream, with the first frame's Exif described in full.

use std::collections::BTreeMap;

use super::entropy::entropy_end;
use super::tables::check_table_layout;
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::io::{Source, SourceExt};
use crate::metadata::{exif, xmp};

const STRUCTURE: &str = "MJPEG frame";

/// Most JPEG images accepted in one frame (two fields, with room to spare).
const MAX_IMAGES_PER_FRAME: usize = 4;
/// Most marker segments accepted before one image's scan.
const MAX_SEGMENTS_PER_IMAGE: usize = 256;

/// What the frames of one stream held, gathered across frames.
#[derive(Debug, Default)]
pub(crate) struct FrameMetadata {
    /// Whether each frame's Exif orientation is kept (as a minimal Exif in
    /// the same segment): players rotate Motion JPEG frames by it.
    keep_orientation: bool,
    /// Whether an orientation was kept.
    kept_orientation: bool,
    /// Frames walked.
    frames: u64,
    /// Segments blanked, by kind (e.g. `APP1 Exif`), with frame counts.
    blanked: BTreeMap<String, u64>,
    /// Bytes blanked in all.
    bytes: u64,
    /// The first frame's Exif, XMP and comments, described once.
    described: Vec<Finding>,
    described_exif: bool,
    described_xmp: bool,
    comments: Vec<String>,
}

/// One in-place edit: at `offset`, write `head` then `zeros` zero bytes.
pub(crate) type Edit = (u64, Vec<u8>, u64);

impl FrameMetadata {
    /// Gather the frames of one stream; `keep_orientation` as in
    /// [`crate::Policy::keep_orientation`].
    pub(crate) fn new(keep_orientation: bool) -> Self {
        FrameMetadata {
            keep_orientation,
            ..FrameMetadata::default()
        }
    }

    /// Walk the frame at `start..end` of `src` and return the edits that
    /// blank its metadata. An empty frame (a dropped frame) is fine; a frame
    /// that is not a JPEG image is an error: its bytes cannot be vouched
    /// for.
    pub(crate) fn blank_frame(
        &mut self,
        src: &dyn Source,
        start: u64,
        end: u64,
    ) -> Result<Vec<Edit>> {
        self.frames += 1;
        let mut edits = Vec::new();
        let mut pos = start;
        let mut images = 0usize;
        while pos < end {
            let mut head = [0u8; 2];
            let head = src.read_prefix(pos, end, &mut head)?;
            if head != [0xFF, 0xD8] {
                if images > 0 && head.iter().all(|b| *b == 0 || *b == 0xFF) {
                    // Padding after the last image.
                    if !crate::io::zero::is_zero(src, pos, end)? {
                        // A run of 0xFF fill is also fine; anything else
                        // after the image is data nobody decodes.
                        self.trailing(src, pos, end, &mut edits)?;
                    }
                    break;
                }
                if images == 0 {
                    return Err(Error::malformed(
                        STRUCTURE,
                        pos,
                        "a Motion JPEG frame that does not start with a JPEG image",
                    ));
                }
                self.trailing(src, pos, end, &mut edits)?;
                break;
            }
            images += 1;
            if images > MAX_IMAGES_PER_FRAME {
                return Err(Error::Limit {
                    what: "JPEG images in one Motion JPEG frame",
                    offset: pos,
                    limit: MAX_IMAGES_PER_FRAME as u64,
                });
            }
            pos = self.image(src, pos, end, &mut edits)?;
        }
        Ok(edits)
    }

    /// Blank bytes after the last image of a frame.
    fn trailing(
        &mut self,
        src: &dyn Source,
        pos: u64,
        end: u64,
        edits: &mut Vec<Edit>,
    ) -> Result<()> {
        if crate::io::zero::is_zero(src, pos, end)? {
            return Ok(());
        }
        self.count("bytes after the image", end - pos);
        edits.push((pos, Vec::new(), end - pos));
        Ok(())
    }

    /// Walk one image from its SOI; returns the offset after its EOI.
    fn image(
        &mut self,
        src: &dyn Source,
        soi: u64,
        end: u64,
        edits: &mut Vec<Edit>,
    ) -> Result<u64> {
        let mut pos = soi + 2;
        for _ in 0..MAX_SEGMENTS_PER_IMAGE {
            let header: [u8; 4] = read_header(src, pos, end)?;
            let [ff, marker, len_hi, len_lo] = header;
            if ff != 0xFF {
                return Err(Error::malformed(
                    STRUCTURE,
                    pos,
                    format!("expected a marker, found byte 0x{ff:02X}"),
                ));
            }
            if marker == 0xD9 {
                return Ok(pos + 2);
            }
            if matches!(marker, 0xD0..=0xD7 | 0x01 | 0xFF) {
                pos += if marker == 0xFF { 1 } else { 2 };
                continue;
            }
            let len = u64::from(u16::from_be_bytes([len_hi, len_lo]));
            let body = pos + 4;
            let seg_end = pos + 2 + len;
            if len < 2 || seg_end > end {
                return Err(Error::overrun(
                    STRUCTURE,
                    pos,
                    format!("marker 0x{marker:02X} claims {len} bytes past the frame"),
                ));
            }
            match marker {
                0xDA => {
                    let data_end = entropy_end(src, seg_end, end)?;
                    let [_, after]: [u8; 2] = src.read_array(data_end, STRUCTURE)?;
                    if after != 0xD9 {
                        return Err(Error::malformed(
                            STRUCTURE,
                            data_end,
                            "a second scan inside a Motion JPEG frame",
                        ));
                    }
                    return Ok(data_end + 2);
                }
                0xE0..=0xEF | 0xFE => {
                    let data = src.read_vec(body, len - 2, 0xFFFF, STRUCTURE)?;
                    self.segment(marker, pos, &data, edits);
                }
                _ => {
                    let data = src.read_vec(body, len - 2, 0xFFFF, STRUCTURE)?;
                    check_table_layout(marker, &data, pos)?;
                }
            }
            pos = seg_end;
        }
        Err(Error::Limit {
            what: "marker segments before a Motion JPEG frame's scan",
            offset: soi,
            limit: MAX_SEGMENTS_PER_IMAGE as u64,
        })
    }

    /// Judge one APPn or COM segment at `at` whose body is `data`.
    fn segment(&mut self, marker: u8, at: u64, data: &[u8], edits: &mut Vec<Edit>) {
        let body = at + 4;
        let len = data.len() as u64;
        match marker {
            // JFIF: keep its 14 header bytes, blank a thumbnail.
            0xE0 if data.starts_with(b"JFIF\0") && data.len() >= 14 => {
                if len > 14 || data.get(12..14).is_some_and(|d| d != [0, 0]) {
                    self.count("APP0 JFIF thumbnail", len - 12);
                    edits.push((body + 12, Vec::new(), len - 12));
                }
            }
            // AVI1: the field order of interlaced MJPEG (polarity, then
            // reserved bytes): keep the polarity byte.
            0xE0 if data.starts_with(b"AVI1") && data.len() >= 5 => {
                if data
                    .get(5..)
                    .is_some_and(|rest| rest.iter().any(|b| *b != 0))
                {
                    self.count("APP0 AVI1 reserved bytes", len - 5);
                    edits.push((body + 5, Vec::new(), len - 5));
                }
            }
            // Adobe: only the transform flag matters; version and flags are
            // written canonically, anything after the 12 bytes blanked.
            0xEE if data.starts_with(b"Adobe") && data.len() >= 12 => {
                let canonical = b"Adobe\x00\x64\0\0\0\0";
                if data.get(..11) != Some(canonical.as_slice()) || len > 12 {
                    self.count("APP14 Adobe flags", len - 1);
                    edits.push((body, canonical.to_vec(), 0));
                    if len > 12 {
                        edits.push((body + 12, Vec::new(), len - 12));
                    }
                }
            }
            // Exif: with the orientation kept, the segment's body becomes a
            // minimal Exif holding only it (the rest zeros).
            0xE1 if self.keep_orientation && data.starts_with(b"Exif\0\0") => {
                let orientation = exif::describe(data.get(6..).unwrap_or_default(), "frame")
                    .orientation
                    .filter(|o| *o != 1);
                let minimal = orientation
                    .map(|o| [&b"Exif\0\0"[..], &exif::minimal_orientation_tiff(o)].concat());
                match minimal {
                    Some(minimal) if minimal.len() <= data.len() => {
                        if data.starts_with(&minimal)
                            && data
                                .get(minimal.len()..)
                                .is_some_and(|r| r.iter().all(|b| *b == 0))
                        {
                            return; // already minimal
                        }
                        let kind = self.describe(marker, data);
                        self.kept_orientation = true;
                        self.count(&kind, len);
                        let rest = len - minimal.len() as u64;
                        edits.push((body, minimal, rest));
                    }
                    _ => self.blank_segment(marker, at, data, edits),
                }
            }
            _ => self.blank_segment(marker, at, data, edits),
        }
    }

    /// Turn a metadata segment into a zeroed comment of the same length.
    fn blank_segment(&mut self, marker: u8, at: u64, data: &[u8], edits: &mut Vec<Edit>) {
        let len = data.len() as u64;
        if marker == 0xFE && data.iter().all(|b| *b == 0) {
            return; // already blank (e.g. cleaned before)
        }
        let kind = self.describe(marker, data);
        self.count(&kind, len);
        // The marker becomes COM; the length stays; the body goes.
        edits.push((at + 1, vec![0xFE], 0));
        edits.push((at + 4, Vec::new(), len));
    }

    /// Name a metadata segment, describing the first of each kind in full.
    fn describe(&mut self, marker: u8, data: &[u8]) -> String {
        let place = "Motion JPEG frame";
        if marker == 0xFE {
            let text = String::from_utf8_lossy(data).trim_matches('\0').to_string();
            if self.comments.len() < 8 && !self.comments.contains(&text) {
                self.comments.push(text);
            }
            return "COM comment".to_string();
        }
        if marker == 0xE1 {
            if let Some(tiff) = data.strip_prefix(b"Exif\0\0") {
                if !self.described_exif {
                    self.described_exif = true;
                    let place = format!("{place}/APP1/Exif");
                    let summary = exif::describe(tiff, &place);
                    self.described.extend(summary.findings);
                }
                return "APP1 Exif".to_string();
            }
            if let Some(packet) = data.strip_prefix(b"http://ns.adobe.com/xap/1.0/\0") {
                if !self.described_xmp {
                    self.described_xmp = true;
                    self.described
                        .extend(xmp::describe(packet, &format!("{place}/APP1/XMP")));
                }
                return "APP1 XMP".to_string();
            }
        }
        let signature: String = data
            .iter()
            .take_while(|b| **b != 0)
            .take(24)
            .filter(|b| b.is_ascii_graphic() || **b == b' ')
            .map(|b| char::from(*b))
            .collect();
        format!("APP{} {signature}", marker.wrapping_sub(0xE0))
            .trim()
            .to_string()
    }

    fn count(&mut self, kind: &str, bytes: u64) {
        *self.blanked.entry(kind.to_string()).or_insert(0) += 1;
        self.bytes = self.bytes.saturating_add(bytes);
    }

    /// The findings for the stream at `place`: what the first frame's
    /// blocks held (zeroed, with needles for the leak scan) and one summary
    /// of what was blanked in how many frames.
    pub(crate) fn findings(self, place: &str) -> Vec<Finding> {
        if self.blanked.is_empty() {
            return Vec::new();
        }
        let mut out: Vec<Finding> = self
            .described
            .into_iter()
            .map(|f| f.with_fate(Fate::Zeroed))
            .collect();
        if self.kept_orientation {
            exif::keep_orientation(&mut out);
        }
        for comment in &self.comments {
            let category = if comment.to_ascii_lowercase().contains("lavc")
                || comment.to_ascii_lowercase().contains("encoder")
            {
                Category::Software
            } else {
                Category::Other
            };
            out.push(
                Finding::removed(category, "Frame comment", place, comment)
                    .with_fate(Fate::Zeroed)
                    .with_needle(comment.as_bytes()),
            );
        }
        let kinds: Vec<String> = self
            .blanked
            .iter()
            .map(|(kind, count)| format!("{kind} ×{count}"))
            .collect();
        out.push(
            Finding::removed(
                Category::Embedded,
                "Metadata inside Motion JPEG frames",
                place,
                format!(
                    "{} in {} frame(s): {}",
                    human_size(self.bytes),
                    self.frames,
                    kinds.join(", ")
                ),
            )
            .with_fate(Fate::Zeroed),
        );
        out
    }
}

/// The first four bytes at `pos` (marker and length), within `end`.
fn read_header(src: &dyn Source, pos: u64, end: u64) -> Result<[u8; 4]> {
    let mut head = [0u8; 4];
    let got = src.read_prefix(pos, end, &mut head)?.len();
    match got {
        4 => Ok(head),
        // A two-byte marker (EOI, RSTn) at the very end is whole.
        2 | 3 if head.first() == Some(&0xFF) && head.get(1) == Some(&0xD9) => Ok(head),
        _ => Err(Error::truncated(
            STRUCTURE,
            pos,
            "frame ends inside a marker",
        )),
    }
}
