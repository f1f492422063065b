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
//!
//! Where things live: this file walks the markers and assembles the plan;
//! [`markers`] judges the APPn/COM segments and the bytes after EOI;
//! [`entropy`] finds the end of each scan's entropy-coded data without
//! decoding it; [`tables`] checks that kept table and header segments are
//! exactly as long as their structure (ITU-T T.81 § B.2), so nothing can
//! hide behind them.

mod entropy;
pub(crate) mod frames;
mod markers;
pub(crate) mod tables;

use crate::error::{Error, Malformation, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::formats::Planner;
use crate::io::{Source, SourceExt};
use crate::limits::JpegLimits;
use crate::metadata::{exif, xmp};
use crate::plan::Plan;
use crate::policy::Policy;
use crate::scan::Scan;

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
    /// The `n`th kept ICC segment, written back with its profile bytes
    /// neutralised (see [`Parser::icc_chunks`]).
    Icc(usize),
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
        let mut parser = Parser {
            src: scan.src,
            policy: scan.policy,
            limits: scan.limits.jpeg,
            scan,
            actions: Vec::new(),
            orientation: None,
            leading_app0: None,
            extended_xmp: Vec::new(),
            c2pa_bytes: 0,
            c2pa_segments: 0,
            icc_bytes: 0,
            icc_segments: 0,
            icc_chunks: Vec::new(),
            tables: tables::TableUse::default(),
        };
        parser.run()?;
        Ok(parser.finish())
    }
}

struct Parser<'s, 'a> {
    src: &'a dyn Source,
    policy: &'a Policy,
    limits: JpegLimits,
    scan: &'s mut Scan<'a>,
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
    /// Kept ICC segments in file order: sequence number, chunk count and
    /// the profile bytes they carry.
    icc_chunks: Vec<IccChunk>,
    /// Which quantization and Huffman tables frames and scans refer to.
    tables: tables::TableUse,
}

/// One APP2 `ICC_PROFILE` segment's share of the profile.
struct IccChunk {
    sequence: u8,
    count: u8,
    data: Vec<u8>,
}

impl Parser<'_, '_> {
    fn run(&mut self) -> Result<()> {
        let src = self.src;
        let head: [u8; 2] = src.read_array(0, "JPEG start")?;
        if head != [0xFF, SOI] {
            return Err(Error::malformed("JPEG start", 0, "no SOI marker"));
        }
        self.actions.push(Action::Keep { offset: 0, len: 2 });
        let mut pos = 2u64;
        let mut seen_frame = false;
        let mut seen_scan = false;
        loop {
            let max = self.limits.max_segments as u64;
            self.scan.enter(pos, max, "number of JPEG segments")?;
            if seen_scan && pos == src.len() {
                // Cut right after a scan, before its EOI.
                self.incomplete(pos);
                return Ok(());
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
                    self.tables.scan_uses(&self.body(&segment)?);
                    let data_end = match self.scan_entropy_data(segment.end()) {
                        Ok(end) => end,
                        // A file cut inside the image data (a transfer that
                        // stopped, a full card): what is there still
                        // decodes, and everything before it was judged.
                        Err(err) if err.malformation() == Some(Malformation::Truncated) => {
                            self.keep(segment.start, src.len() - segment.start);
                            self.incomplete(src.len());
                            return Ok(());
                        }
                        Err(err) => return Err(err),
                    };
                    self.keep(segment.start, data_end - segment.start);
                    pos = data_end;
                }
                0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xF7 => {
                    seen_frame = true;
                    self.tables.frame_uses(&self.body(&segment)?);
                    self.keep(segment.start, segment.total_len());
                }
                // DQT, DHT: kept unless no frame or scan refers to them.
                0xDB | 0xC4 => {
                    let body = self.body(&segment)?;
                    let action = self.actions.len();
                    self.keep(segment.start, segment.total_len());
                    self.tables.define(action, &segment, body);
                }
                // DAC, DNL, DRI, DHP, EXP, JPEG-LS LSE.
                0xCC | 0xDC..=0xDF | 0xF8 => self.keep(segment.start, segment.total_len()),
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

    /// Report that the image data stops at `end` without an EOI marker.
    fn incomplete(&mut self, end: u64) {
        self.scan.report(
            Finding::removed(
                Category::Other,
                "Image data incomplete",
                format!("scan data ending at offset {end}"),
                "the file ends inside the image data, before its end marker: cleaned as it is",
            )
            .with_fate(Fate::Kept),
        );
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
            if junk > self.limits.max_junk {
                return Err(Error::malformed(
                    "JPEG marker",
                    pos,
                    format!("expected a marker, found byte 0x{byte:02X}"),
                ));
            }
            at += 1;
        }
        if junk > 0 {
            self.scan.report(Finding::removed(
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
                return Err(Error::truncated("JPEG marker", from, "truncated"));
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
            return Err(Error::overrun(
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

    fn body(&self, segment: &Segment) -> Result<Vec<u8>> {
        // A segment body is at most 65533 bytes: the limit is structural.
        self.src
            .read_vec(segment.body, segment.body_len, 0xFFFF, "JPEG segment")
    }

    fn finish(mut self) -> Plan {
        if !self.extended_xmp.is_empty() {
            let ext = std::mem::take(&mut self.extended_xmp);
            self.scan
                .report_all(xmp::describe(&ext, "APP1/XMP extension"));
        }
        if self.c2pa_segments > 0 {
            self.scan.report(Finding::removed(
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
            self.scan.report(
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
            exif::keep_orientation(self.scan.findings_mut());
        }
        let icc_segments = self.neutral_icc_segments();
        let unused = std::mem::take(&mut self.tables).finish();
        for (action, replacement, findings) in unused {
            self.scan.report_all(findings);
            if let Some(slot) = self.actions.get_mut(action) {
                *slot = Action::Replace(replacement);
            }
        }
        let mut plan = Plan::new();
        let exif_after = self.leading_app0.unwrap_or(0);
        for (index, action) in self.actions.into_iter().enumerate() {
            match action {
                Action::Keep { offset, len } => plan.copy(offset, len),
                Action::Replace(bytes) => plan.data(bytes),
                Action::Icc(n) => {
                    if let Some(segment) = icc_segments.get(n) {
                        plan.data(segment.clone());
                    }
                }
            }
            if index == exif_after && write_orientation {
                if let Some(orientation) = self.orientation {
                    plan.data(markers::orientation_segment(orientation));
                }
            }
        }
        plan
    }
}

#[cfg(test)]
mod tests;
