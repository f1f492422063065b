//! JPEG (JFIF, Exif, MPO): keep only what decoding and display need.
//!
//! Kept: SOI, the tables and frame/scan headers (DQT, DHT, DAC, DRI, SOFn,
//! SOS, DNL, EXP, JPEG-LS), the entropy-coded data of every scan (copied by
//! range, never decoded), EOI, APP0 JFIF without its thumbnail, APP14 Adobe
//! (its colour transform flag changes decoding), APP2 ICC_PROFILE (policy).
//! A minimal APP1 Exif with only Orientation is written when the original
//! orientation is not 1. Everything else goes: APP1 Exif and XMP, APP13
//! Photoshop/IPTC, APP2 MPF, APP11 JUMBF/C2PA, JFXX thumbnails, COM, unknown
//! segments and every byte after the first EOI (motion-photo videos, MPF
//! secondary images, vendor trailers).

use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::formats::Planner;
use crate::io::{Source, SourceExt};
use crate::metadata::{exif, iptc, xmp};
use crate::plan::Plan;
use crate::policy::Policy;
use crate::scan::Scan;

/// At most this many marker segments are accepted.
const MAX_SEGMENTS: usize = 1 << 18;
/// Extended XMP is reassembled (for reporting) up to this size.
const MAX_EXTENDED_XMP: usize = 8 << 20;
/// Junk bytes tolerated between two segments before the file is refused.
const MAX_JUNK: u64 = 4096;
/// Largest chunk read at once while scanning entropy-coded data.
const SCAN_CHUNK: usize = 64 * 1024;
/// First chunk read for a scan. Chunks double up to [`SCAN_CHUNK`], so that
/// a file of many tiny scans is not read 64 KiB per scan (quadratic).
const FIRST_SCAN_CHUNK: usize = 512;

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;

const EXIF_SIG: &[u8] = b"Exif\0\0";
const XMP_SIG: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const XMP_EXT_SIG: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
const ICC_SIG: &[u8] = b"ICC_PROFILE\0";
const PHOTOSHOP_SIG: &[u8] = b"Photoshop 3.0\0";

/// What happens to one piece of the input.
enum Action {
    /// Copy `len` bytes at `offset`.
    Keep { offset: u64, len: u64 },
    /// Write these bytes instead.
    Replace(Vec<u8>),
}

/// A marker segment's location.
struct Segment {
    marker: u8,
    /// Offset of the 0xFF of the marker.
    start: u64,
    /// Offset of the payload (after the length field).
    body: u64,
    /// Payload length (segment length minus the 2 length bytes).
    body_len: u64,
}

impl Segment {
    fn end(&self) -> u64 {
        self.body + self.body_len
    }

    fn total_len(&self) -> u64 {
        self.end() - self.start
    }
}

/// The JPEG planner.
pub(crate) struct Jpeg;

impl Planner for Jpeg {
    fn plan(scan: &mut Scan<'_>) -> Result<Plan> {
        let (findings, plan) = plan_jpeg(scan.src, scan.policy)?;
        scan.report_all(findings);
        Ok(plan)
    }
}

fn plan_jpeg(src: &dyn Source, policy: &Policy) -> Result<(Vec<Finding>, Plan)> {
    let mut parser = Parser {
        src,
        policy,
        findings: Vec::new(),
        actions: Vec::new(),
        orientation: None,
        leading_app0: None,
        extended_xmp: Vec::new(),
        c2pa_bytes: 0,
        c2pa_segments: 0,
        icc_bytes: 0,
        icc_segments: 0,
    };
    parser.run()?;
    Ok(parser.finish())
}

struct Parser<'a> {
    src: &'a dyn Source,
    policy: &'a Policy,
    findings: Vec<Finding>,
    actions: Vec<Action>,
    orientation: Option<u16>,
    /// Index in `actions` of a JFIF APP0 that directly follows SOI: the
    /// minimal Exif goes after it.
    leading_app0: Option<usize>,
    extended_xmp: Vec<u8>,
    c2pa_bytes: u64,
    c2pa_segments: usize,
    icc_bytes: u64,
    icc_segments: usize,
}

impl Parser<'_> {
    fn run(&mut self) -> Result<()> {
        let src = self.src;
        let head: [u8; 2] = src.read_array(0, "JPEG start")?;
        if head != [0xFF, SOI] {
            return Err(Error::malformed("JPEG start", 0, "no SOI marker"));
        }
        self.actions.push(Action::Keep { offset: 0, len: 2 });
        let mut pos = 2u64;
        let mut segments = 0usize;
        let mut seen_frame = false;
        let mut seen_scan = false;
        loop {
            segments += 1;
            if segments > MAX_SEGMENTS {
                return Err(Error::Limit {
                    what: "number of JPEG segments",
                    offset: pos,
                    limit: MAX_SEGMENTS as u64,
                });
            }
            let (marker_at, marker) = self.read_marker(pos)?;
            match marker {
                EOI => {
                    if !seen_frame || !seen_scan {
                        return Err(Error::malformed(
                            "JPEG",
                            marker_at,
                            "image ends before any frame or scan",
                        ));
                    }
                    self.keep(marker_at, 2);
                    self.trailer(marker_at + 2)?;
                    return Ok(());
                }
                SOI => {
                    return Err(Error::malformed("JPEG marker", marker_at, "unexpected SOI"));
                }
                0xD0..=0xD7 | 0x01 => {
                    // Stand-alone markers (RSTn outside a scan, TEM): harmless.
                    self.keep(marker_at, 2);
                    pos = marker_at + 2;
                    continue;
                }
                _ => {}
            }
            let segment = self.read_segment(marker_at, marker)?;
            pos = segment.end();
            self.check_kept_structure(&segment)?;
            match marker {
                SOS => {
                    if !seen_frame {
                        return Err(Error::malformed(
                            "JPEG SOS",
                            marker_at,
                            "scan before frame header",
                        ));
                    }
                    seen_scan = true;
                    let data_end = self.scan_entropy_data(segment.end())?;
                    self.keep(segment.start, data_end - segment.start);
                    pos = data_end;
                }
                0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xF7 => {
                    seen_frame = true;
                    self.keep(segment.start, segment.total_len());
                }
                // DHT, DAC, DQT, DNL, DRI, DHP, EXP, JPEG-LS LSE.
                0xC4 | 0xCC | 0xDB..=0xDF | 0xF8 => self.keep(segment.start, segment.total_len()),
                0xE0 => self.app0(&segment)?,
                0xE1 => self.app1(&segment)?,
                0xE2 => self.app2(&segment)?,
                0xEB => self.app11(&segment),
                0xED => self.app13(&segment)?,
                0xEE => self.app14(&segment)?,
                0xFE => self.comment(&segment)?,
                _ => self.unknown(&segment)?,
            }
        }
    }

    fn keep(&mut self, offset: u64, len: u64) {
        self.actions.push(Action::Keep { offset, len });
    }

    /// Read the marker at `pos`, skipping fill bytes (0xFF padding).
    fn read_marker(&mut self, pos: u64) -> Result<(u64, u8)> {
        let mut at = pos;
        // Some writers leave junk (often zero padding) between segments;
        // libjpeg skips it with a warning. Skip a bounded amount too: it is
        // not copied, so it cannot carry anything into the output.
        let mut junk = 0u64;
        loop {
            let [byte]: [u8; 1] = self.src.read_array(at, "JPEG marker")?;
            if byte == 0xFF {
                break;
            }
            junk += 1;
            if junk > MAX_JUNK {
                return Err(Error::malformed(
                    "JPEG marker",
                    pos,
                    format!("expected a marker, found byte 0x{byte:02X}"),
                ));
            }
            at += 1;
        }
        if junk > 0 {
            self.findings.push(Finding::removed(
                Category::Other,
                "Bytes between segments",
                format!("offset {pos}"),
                human_size(junk),
            ));
        }
        // Fill bytes are read a block at a time: a file of nothing but 0xFF
        // must not cost one read call per byte.
        let mut block = [0u8; 256];
        loop {
            let from = at + 1;
            let available = self.src.len().saturating_sub(from);
            if available == 0 {
                return Err(Error::malformed("JPEG marker", from, "truncated"));
            }
            let n = available.min(block.len() as u64) as usize;
            let chunk = block.get_mut(..n).unwrap_or_default();
            self.src.read_at(from, chunk)?;
            match chunk.iter().position(|b| *b != 0xFF) {
                None => at += n as u64,
                Some(i) => {
                    at += i as u64;
                    return match chunk.get(i).copied() {
                        Some(0x00) | None => Err(Error::malformed(
                            "JPEG marker",
                            at,
                            "stuffed byte outside a scan",
                        )),
                        Some(marker) => Ok((at, marker)),
                    };
                }
            }
        }
    }

    fn read_segment(&self, start: u64, marker: u8) -> Result<Segment> {
        let len_bytes: [u8; 2] = self.src.read_array(start + 2, "JPEG segment length")?;
        let len = u64::from(u16::from_be_bytes(len_bytes));
        if len < 2 {
            return Err(Error::malformed(
                "JPEG segment",
                start,
                format!("marker 0x{marker:02X} has length {len}"),
            ));
        }
        let segment = Segment {
            marker,
            start,
            body: start + 4,
            body_len: len - 2,
        };
        if segment.end() > self.src.len() {
            return Err(Error::malformed(
                "JPEG segment",
                start,
                format!(
                    "marker 0x{marker:02X} claims {len} bytes but the file ends {} bytes later",
                    self.src.len().saturating_sub(start + 2)
                ),
            ));
        }
        Ok(segment)
    }

    /// Segments that are copied whole (tables, frame and scan headers) must
    /// be exactly as long as their structure says: bytes beyond it would be
    /// ignored by decoders and carried into the output unseen, a place to
    /// slip data past the cleaner. Such files are refused.
    fn check_kept_structure(&self, segment: &Segment) -> Result<()> {
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
            Some(used) => Err(Error::malformed(
                expected_name,
                segment.start,
                format!(
                    "segment holds {} bytes but its structure {} bytes",
                    body.len(),
                    used
                ),
            )),
            None => Err(Error::malformed(
                expected_name,
                segment.start,
                "tables run past the end of the segment",
            )),
        }
    }

    fn body(&self, segment: &Segment) -> Result<Vec<u8>> {
        // A segment body is at most 65533 bytes: the limit is structural.
        self.src
            .read_vec(segment.body, segment.body_len, 0xFFFF, "JPEG segment")
    }

    /// Find the end of the entropy-coded data that starts at `pos`: the
    /// first marker that is neither a stuffed 0xFF00 nor a restart marker.
    /// Returns the offset of that marker's first 0xFF.
    fn scan_entropy_data(&self, pos: u64) -> Result<u64> {
        let len = self.src.len();
        let mut buf = Vec::new();
        let mut at = pos;
        let mut chunk_len = FIRST_SCAN_CHUNK;
        // Offset of a 0xFF (and any fill bytes after it) not yet resolved.
        let mut pending_ff: Option<u64> = None;
        while at < len {
            let n = (len - at).min(chunk_len as u64) as usize;
            chunk_len = (chunk_len * 2).min(SCAN_CHUNK);
            buf.resize(n, 0);
            let chunk = buf.as_mut_slice();
            self.src.read_at(at, chunk)?;
            let mut i = 0usize;
            while let Some(byte) = chunk.get(i).copied() {
                if pending_ff.is_none() {
                    // Most entropy-coded bytes are not 0xFF: jump to the next.
                    match chunk.get(i..).and_then(|rest| memchr::memchr(0xFF, rest)) {
                        Some(skip) => {
                            pending_ff = Some(at + (i + skip) as u64);
                            i += skip + 1;
                        }
                        None => break,
                    }
                    continue;
                }
                match byte {
                    0xFF => {} // fill byte: the marker starts at the first FF
                    0x00 | 0xD0..=0xD7 => pending_ff = None,
                    _ => return Ok(pending_ff.unwrap_or(at + i as u64)),
                }
                i += 1;
            }
            at += n as u64;
        }
        Err(Error::malformed(
            "JPEG scan",
            pos,
            "entropy-coded data runs to the end of the file without an EOI marker (truncated file)",
        ))
    }

    fn app0(&mut self, segment: &Segment) -> Result<()> {
        let body = self.body(segment)?;
        let place = "APP0";
        if let (true, Some([head @ .., thumb_w, thumb_h])) =
            (body.starts_with(b"JFIF\0"), body.get(..14))
        {
            let (thumb_w, thumb_h) = (u64::from(*thumb_w), u64::from(*thumb_h));
            if self.actions.len() == 1 {
                self.leading_app0 = Some(self.actions.len());
            }
            if thumb_w * thumb_h == 0 && body.len() == 14 {
                self.keep(segment.start, segment.total_len());
            } else {
                let mut rewritten = vec![0xFF, 0xE0, 0x00, 0x10];
                rewritten.extend_from_slice(head);
                rewritten.extend_from_slice(&[0, 0]);
                self.actions.push(Action::Replace(rewritten));
                self.findings.push(Finding::removed(
                    Category::Embedded,
                    "Thumbnail image",
                    "APP0/JFIF",
                    format!(
                        "{thumb_w}x{thumb_h} RGB, {}",
                        human_size(body.len() as u64 - 14)
                    ),
                ));
            }
        } else if body.starts_with(b"JFXX\0") {
            self.findings.push(Finding::removed(
                Category::Embedded,
                "Thumbnail image",
                "APP0/JFXX",
                human_size(segment.body_len),
            ));
        } else {
            self.unknown_with_body(segment, &body, place);
        }
        Ok(())
    }

    fn app1(&mut self, segment: &Segment) -> Result<()> {
        let body = self.body(segment)?;
        if let Some(tiff) = body.strip_prefix(EXIF_SIG) {
            let summary = exif::describe(tiff, "APP1/Exif");
            if self.orientation.is_none() {
                self.orientation = summary.orientation;
            }
            self.findings.extend(summary.findings);
        } else if let Some(packet) = body.strip_prefix(XMP_SIG) {
            self.findings.extend(xmp::describe(packet, "APP1/XMP"));
        } else if let Some(ext) = body.strip_prefix(XMP_EXT_SIG) {
            // GUID (32) + full length (4) + chunk offset (4), then the chunk.
            let chunk = ext.get(40..).unwrap_or(&[]);
            if self.extended_xmp.len() + chunk.len() <= MAX_EXTENDED_XMP {
                self.extended_xmp.extend_from_slice(chunk);
            }
        } else {
            self.unknown_with_body(segment, &body, "APP1");
        }
        Ok(())
    }

    fn app2(&mut self, segment: &Segment) -> Result<()> {
        let body = self.body(segment)?;
        if body.starts_with(ICC_SIG) {
            if self.policy.keep_icc {
                self.keep(segment.start, segment.total_len());
            }
            self.icc_bytes += segment.body_len;
            self.icc_segments += 1;
        } else if body.starts_with(b"MPF\0") {
            self.findings.push(Finding::removed(
                Category::Embedded,
                "Multi-picture index (MPF)",
                "APP2/MPF",
                "secondary images (previews, depth or gain maps) follow the main image",
            ));
        } else {
            self.unknown_with_body(segment, &body, "APP2");
        }
        Ok(())
    }

    fn app11(&mut self, segment: &Segment) {
        // JUMBF boxes (ISO 19566-5) carrying C2PA manifests, possibly split
        // over many segments: reported once, at the end.
        self.c2pa_bytes += segment.body_len;
        self.c2pa_segments += 1;
    }

    fn app13(&mut self, segment: &Segment) -> Result<()> {
        let body = self.body(segment)?;
        if let Some(resources) = body.strip_prefix(PHOTOSHOP_SIG) {
            self.findings
                .extend(iptc::describe_photoshop(resources, "APP13/Photoshop"));
        } else {
            self.unknown_with_body(segment, &body, "APP13");
        }
        Ok(())
    }

    fn app14(&mut self, segment: &Segment) -> Result<()> {
        let body = self.body(segment)?;
        if body.starts_with(b"Adobe") {
            // The transform flag decides YCbCr vs RGB/CMYK decoding. The
            // segment is 12 bytes; anything after them is not Adobe's and
            // is dropped.
            if body.len() <= ADOBE_LEN {
                self.keep(segment.start, segment.total_len());
            } else {
                self.keep(segment.start, 2);
                self.actions.push(Action::Replace(
                    ((ADOBE_LEN + 2) as u16).to_be_bytes().to_vec(),
                ));
                self.keep(segment.body, ADOBE_LEN as u64);
                self.findings.push(Finding::removed(
                    Category::Other,
                    "Unknown block",
                    "APP14/Adobe (extra bytes)",
                    human_size(body.len() as u64 - ADOBE_LEN as u64),
                ));
            }
        } else {
            self.unknown_with_body(segment, &body, "APP14");
        }
        Ok(())
    }

    fn comment(&mut self, segment: &Segment) -> Result<()> {
        let body = self.body(segment)?;
        let text = String::from_utf8_lossy(&body);
        let category = if looks_like_software(&text) {
            Category::Software
        } else {
            Category::Other
        };
        self.findings
            .push(Finding::removed(category, "Comment", "COM", &text).with_needle(&body));
        Ok(())
    }

    fn unknown(&mut self, segment: &Segment) -> Result<()> {
        let body = self.body(segment)?;
        let place = match segment.marker {
            0xE0..=0xEF => format!("APP{}", segment.marker - 0xE0),
            m => format!("marker 0x{m:02X}"),
        };
        self.unknown_with_body(segment, &body, &place);
        Ok(())
    }

    /// Report a segment we do not keep, named by its signature.
    fn unknown_with_body(&mut self, segment: &Segment, body: &[u8], place: &str) {
        let signature: String = body
            .iter()
            .take_while(|b| b.is_ascii_graphic() || **b == b' ')
            .take(24)
            .map(|b| char::from(*b))
            .collect();
        let (category, field) = match signature.as_str() {
            s if s.starts_with("GoPro") => (Category::Telemetry, "GoPro metadata"),
            s if s.starts_with("FLIR") => (Category::Device, "FLIR camera data"),
            "HPQ-Capture" | "Ducky" => (Category::Software, "Vendor block"),
            _ => (Category::Other, "Unknown block"),
        };
        let value = if signature.is_empty() {
            human_size(segment.body_len)
        } else {
            format!("'{signature}', {}", human_size(segment.body_len))
        };
        self.findings
            .push(Finding::removed(category, field, place, value));
    }

    /// Everything after the first EOI is dropped; describe what it was.
    fn trailer(&mut self, start: u64) -> Result<()> {
        let len = self.src.len().saturating_sub(start);
        if len == 0 {
            return Ok(());
        }
        let mut head = [0u8; 16];
        let n = (len as usize).min(head.len());
        let head = head.get_mut(..n).unwrap_or_default();
        self.src.read_at(start, head)?;
        let mut tail = [0u8; 8];
        let tail_len = (len as usize).min(tail.len());
        let tail = tail.get_mut(..tail_len).unwrap_or_default();
        self.src.read_at(self.src.len() - tail_len as u64, tail)?;
        let what = if head.get(4..8) == Some(b"ftyp") {
            "embedded MP4 video"
        } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            "embedded JPEG image"
        } else if tail.windows(4).any(|w| w == b"SEFT") {
            "Samsung trailer"
        } else if head.iter().all(|b| *b == 0) {
            "padding"
        } else {
            "data after the end of the image"
        };
        self.findings.push(Finding::removed(
            Category::Embedded,
            "Trailer",
            format!("after EOI at offset {start}"),
            format!("{what}, {}", human_size(len)),
        ));
        Ok(())
    }

    fn finish(mut self) -> (Vec<Finding>, Plan) {
        if !self.extended_xmp.is_empty() {
            let ext = std::mem::take(&mut self.extended_xmp);
            self.findings
                .extend(xmp::describe(&ext, "APP1/XMP extension"));
        }
        if self.c2pa_segments > 0 {
            self.findings.push(Finding::removed(
                Category::Provenance,
                "C2PA manifest",
                "APP11/JUMBF",
                format!(
                    "{} in {} segment(s)",
                    human_size(self.c2pa_bytes),
                    self.c2pa_segments
                ),
            ));
        }
        if self.icc_segments > 0 {
            let fate = if self.policy.keep_icc {
                Fate::Kept
            } else {
                Fate::Removed
            };
            self.findings.push(
                Finding::removed(
                    Category::Other,
                    "ICC colour profile",
                    "APP2/ICC_PROFILE",
                    human_size(self.icc_bytes),
                )
                .with_fate(fate),
            );
        }
        let write_orientation =
            self.policy.keep_orientation && self.orientation.is_some_and(|o| o != 1);
        if write_orientation {
            exif::keep_orientation(&mut self.findings);
        }
        let mut plan = Plan::new();
        let exif_after = self.leading_app0.unwrap_or(0);
        for (index, action) in self.actions.into_iter().enumerate() {
            match action {
                Action::Keep { offset, len } => plan.copy(offset, len),
                Action::Replace(bytes) => plan.data(bytes),
            }
            if index == exif_after && write_orientation {
                if let Some(orientation) = self.orientation {
                    plan.data(orientation_segment(orientation));
                }
            }
        }
        (self.findings, plan)
    }
}

/// Length of the body of an APP14 Adobe segment.
const ADOBE_LEN: usize = 12;

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

/// An APP1 Exif segment holding only the orientation.
fn orientation_segment(orientation: u16) -> Vec<u8> {
    let tiff = exif::minimal_orientation_tiff(orientation);
    let len = (2 + EXIF_SIG.len() + tiff.len()) as u16;
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&len.to_be_bytes());
    segment.extend_from_slice(EXIF_SIG);
    segment.extend_from_slice(&tiff);
    segment
}

fn looks_like_software(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "lavc",
        "created by",
        "gimp",
        "photoshop",
        "libjpeg",
        "quality",
        "encoder",
        "software",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(src: &dyn Source, policy: &Policy) -> Result<crate::Inspection> {
        crate::formats::inspect_for_test(crate::Format::Jpeg, src, policy)
    }

    /// A tiny structurally valid JPEG with the given extra segments after SOI.
    fn jpeg_with(extra: &[u8], trailer: &[u8]) -> Vec<u8> {
        let mut f = vec![0xFF, 0xD8];
        f.extend_from_slice(extra);
        // SOF0: 8-bit, 1x1, one component.
        f.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
        // SOS + 3 bytes of entropy data with a stuffed FF00 and an RST.
        f.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0]);
        f.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        f.extend_from_slice(&[0xFF, 0xD9]);
        f.extend_from_slice(trailer);
        f
    }

    fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(body);
        s
    }

    #[test]
    fn drops_comment_and_trailer_keeps_scan() {
        let input = jpeg_with(&segment(0xFE, b"secret comment"), b"TRAILER-DATA");
        let inspection = plan(&input, &Policy::default()).unwrap();
        let out = inspection.plan.to_vec(&input).unwrap();
        assert_eq!(out, jpeg_with(&[], b""));
        assert!(inspection.findings.iter().any(|f| f.field == "Comment"));
        assert!(inspection.findings.iter().any(|f| f.field == "Trailer"));
    }

    #[test]
    fn writes_minimal_orientation_after_jfif() {
        let mut tiff = exif::minimal_orientation_tiff(6);
        tiff.splice(0..0, EXIF_SIG.iter().copied());
        let jfif = segment(0xE0, b"JFIF\0\x01\x01\0\0\x48\0\x48\0\0");
        let mut extra = jfif.clone();
        extra.extend_from_slice(&segment(0xE1, &tiff));
        let input = jpeg_with(&extra, b"");
        let inspection = plan(&input, &Policy::default()).unwrap();
        let out = inspection.plan.to_vec(&input).unwrap();
        assert_eq!(&out[2..2 + jfif.len()], jfif.as_slice());
        assert_eq!(&out[2 + jfif.len()..4 + jfif.len()], &[0xFF, 0xE1]);
        let again = plan(&out, &Policy::default()).unwrap();
        assert!(again.findings.iter().all(|f| f.fate == Fate::Kept));
    }

    #[test]
    fn orientation_one_is_not_written() {
        let mut tiff = exif::minimal_orientation_tiff(1);
        tiff.splice(0..0, EXIF_SIG.iter().copied());
        let input = jpeg_with(&segment(0xE1, &tiff), b"");
        let out = plan(&input, &Policy::default())
            .unwrap()
            .plan
            .to_vec(&input)
            .unwrap();
        assert_eq!(out, jpeg_with(&[], b""));
    }

    #[test]
    fn entropy_scan_handles_markers_split_across_chunks() {
        // Place 0xFF at the last byte of the first scan chunk, followed by a
        // stuffed 0x00 (data) or by a fill byte and EOI in the next chunk.
        let header = jpeg_with(&[], b"");
        let prefix_len = 2 + 13 + 10; // SOI + SOF0 + SOS header
        let cases: [(&[u8], &[u8]); 2] = [
            (
                &[0xFF, 0x00, 0x11, 0xFF, 0xD9],
                &[0xFF, 0x00, 0x11, 0xFF, 0xD9],
            ),
            // Fill bytes before a marker carry nothing and are dropped.
            (&[0xFF, 0xFF, 0xD9], &[0xFF, 0xD9]),
        ];
        for (tail, expected_tail) in cases {
            let mut input = header[..prefix_len].to_vec();
            input.extend(std::iter::repeat_n(0x55u8, SCAN_CHUNK - 1));
            let mut expected = input.clone();
            input.extend_from_slice(tail);
            expected.extend_from_slice(expected_tail);
            let out = plan(&input, &Policy::default())
                .unwrap()
                .plan
                .to_vec(&input)
                .unwrap();
            assert!(
                out == expected,
                "output differs ({} vs {} bytes)",
                out.len(),
                expected.len()
            );
        }
    }

    #[test]
    fn truncations_are_errors_not_panics() {
        let input = jpeg_with(&segment(0xFE, b"comment"), b"");
        for cut in 0..input.len() - 1 {
            assert!(
                plan(&&input[..cut], &Policy::default()).is_err(),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn padding_between_segments_is_dropped() {
        let mut input = jpeg_with(&segment(0xFE, b"comment"), b"");
        input.splice(2..2, [0u8; 5]);
        let inspection = plan(&input, &Policy::default()).unwrap();
        assert_eq!(inspection.plan.to_vec(&input).unwrap(), jpeg_with(&[], b""));
        let mut junk = jpeg_with(&[], b"");
        junk.splice(2..2, vec![0x42u8; MAX_JUNK as usize + 1]);
        assert!(plan(&junk, &Policy::default()).is_err());
    }

    #[test]
    fn many_tiny_scans_are_linear() {
        // 100k scans of one byte each: each scan used to read (and zero) a
        // 64 KiB buffer, so this took minutes; it must take well under a
        // second per 100k scans even in a debug build.
        let mut input = jpeg_with(&[], b"");
        input.truncate(input.len() - 2);
        for _ in 0..100_000 {
            input.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x42]);
        }
        input.extend_from_slice(&[0xFF, 0xD9]);
        let start = std::time::Instant::now();
        let inspection = plan(&input, &Policy::default()).unwrap();
        assert_eq!(inspection.plan.output_len(), input.len() as u64);
        assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
    }

    #[test]
    fn long_fill_runs_are_read_in_blocks() {
        // 4 MiB of 0xFF fill before SOF, then again before a missing marker.
        let mut input = vec![0xFF, 0xD8];
        input.extend(std::iter::repeat_n(0xFF, 4 << 20));
        input.extend_from_slice(&jpeg_with(&[], b"")[2..]);
        let out = plan(&input, &Policy::default()).unwrap();
        assert!(out.plan.output_len() < 100);
        let only_fill: Vec<u8> = [&[0xFF, 0xD8][..], &vec![0xFF; 4 << 20]].concat();
        let err = plan(&only_fill, &Policy::default()).unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
        let stuffed = [&[0xFF, 0xD8][..], &[0xFF; 300], &[0x00]].concat();
        let err = plan(&stuffed, &Policy::default()).unwrap_err();
        assert!(err.to_string().contains("stuffed"), "{err}");
    }

    #[test]
    fn data_hidden_after_kept_tables_is_refused() {
        let mut dqt = vec![0x00];
        dqt.extend_from_slice(&[1; 64]);
        let ok = jpeg_with(&segment(0xDB, &dqt), b"");
        assert!(plan(&ok, &Policy::default()).is_ok());
        let mut dht = vec![0x00];
        let mut counts = [0u8; 16];
        counts[0] = 2;
        dht.extend_from_slice(&counts);
        dht.extend_from_slice(&[0, 1]);
        assert!(plan(&jpeg_with(&segment(0xC4, &dht), b""), &Policy::default()).is_ok());
        for (marker, table) in [(0xDB, dqt), (0xC4, dht), (0xDD, vec![0, 4])] {
            let mut hidden = table.clone();
            hidden.extend_from_slice(b"Jane Planted");
            let input = jpeg_with(&segment(marker, &hidden), b"");
            let err = plan(&input, &Policy::default()).unwrap_err().to_string();
            assert!(
                err.contains("structure") || err.contains("past the end"),
                "{marker:02X}: {err}"
            );
            // Cut short is refused as well.
            let input = jpeg_with(&segment(marker, &table[..table.len() - 1]), b"");
            assert!(plan(&input, &Policy::default()).is_err(), "{marker:02X}");
        }
        // A frame header claiming more components than it holds.
        let mut input = jpeg_with(&[], b"");
        input[2 + 9] = 2; // Nf
        assert!(plan(&input, &Policy::default()).is_err());
    }

    #[test]
    fn adobe_segment_is_trimmed_to_its_structure() {
        let mut adobe = b"Adobe\0d\0\0\0\0\x01".to_vec();
        let exact = jpeg_with(&segment(0xEE, &adobe), b"");
        let out = plan(&exact, &Policy::default())
            .unwrap()
            .plan
            .to_vec(&exact)
            .unwrap();
        assert_eq!(out, exact);
        adobe.extend_from_slice(b"Jane Planted");
        let input = jpeg_with(&segment(0xEE, &adobe), b"");
        let inspection = plan(&input, &Policy::default()).unwrap();
        let out = inspection.plan.to_vec(&input).unwrap();
        assert_eq!(out, exact);
        assert!(inspection
            .findings
            .iter()
            .any(|f| f.location.contains("APP14")));
    }

    #[test]
    fn segment_length_past_end_is_an_error() {
        let mut input = jpeg_with(&[], b"");
        input.splice(2..2, [0xFF, 0xE1, 0xFF, 0xFF, 1, 2, 3]);
        let err = plan(&input, &Policy::default()).unwrap_err().to_string();
        assert!(err.contains("claims"), "{err}");
    }
}
