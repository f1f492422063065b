//! The segments that carry metadata (APPn, COM) and the bytes after EOI:
//! each is described as findings and either dropped or, for the few that
//! decoding needs (JFIF without its thumbnail, Adobe, ICC), kept.

use super::{
    tables::ADOBE_LEN, Action, IccChunk, Parser, Segment, EXIF_SIG, ICC_SIG, PHOTOSHOP_SIG,
    XMP_EXT_SIG, XMP_SIG,
};
use crate::error::Result;
use crate::finding::{human_size, Category, Finding};
use crate::metadata::{exif, icc, iptc, trailer, xmp};

impl Parser<'_, '_> {
    pub(super) fn app0(&mut self, segment: &Segment) -> Result<()> {
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
                self.scan.report(Finding::removed(
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
            self.scan.report(Finding::removed(
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

    pub(super) fn app1(&mut self, segment: &Segment) -> Result<()> {
        let body = self.body(segment)?;
        if let Some(tiff) = body.strip_prefix(EXIF_SIG) {
            let summary = exif::describe(tiff, "APP1/Exif");
            if self.orientation.is_none() {
                self.orientation = summary.orientation;
            }
            self.scan.report_all(summary.findings);
        } else if let Some(packet) = body.strip_prefix(XMP_SIG) {
            self.scan.report_all(xmp::describe(packet, "APP1/XMP"));
        } else if let Some(ext) = body.strip_prefix(XMP_EXT_SIG) {
            // GUID (32) + full length (4) + chunk offset (4), then the chunk.
            let chunk = ext.get(40..).unwrap_or(&[]);
            if self.extended_xmp.len() + chunk.len() <= self.limits.max_extended_xmp {
                self.extended_xmp.extend_from_slice(chunk);
            }
        } else {
            self.unknown_with_body(segment, &body, "APP1");
        }
        Ok(())
    }

    pub(super) fn app2(&mut self, segment: &Segment) -> Result<()> {
        let body = self.body(segment)?;
        if let Some(chunk) = body.strip_prefix(ICC_SIG) {
            if self.policy.keep_icc {
                if let Some((&[sequence, count], data)) = chunk.split_first_chunk::<2>() {
                    self.actions.push(Action::Icc(self.icc_chunks.len()));
                    self.icc_chunks.push(IccChunk {
                        sequence,
                        count,
                        data: data.to_vec(),
                    });
                }
            }
            self.icc_bytes += segment.body_len;
            self.icc_segments += 1;
        } else if body.starts_with(b"MPF\0") {
            self.scan.report(Finding::removed(
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

    pub(super) fn app11(&mut self, segment: &Segment) {
        // JUMBF boxes (ISO 19566-5) carrying C2PA manifests, possibly split
        // over many segments: reported once, at the end.
        self.c2pa_bytes += segment.body_len;
        self.c2pa_segments += 1;
    }

    pub(super) fn app13(&mut self, segment: &Segment) -> Result<()> {
        let body = self.body(segment)?;
        if let Some(resources) = body.strip_prefix(PHOTOSHOP_SIG) {
            self.scan
                .report_all(iptc::describe_photoshop(resources, "APP13/Photoshop"));
        } else {
            self.unknown_with_body(segment, &body, "APP13");
        }
        Ok(())
    }

    pub(super) fn app14(&mut self, segment: &Segment) -> Result<()> {
        let body = self.body(segment)?;
        if let (true, Some(&transform)) = (body.starts_with(b"Adobe"), body.get(ADOBE_LEN - 1)) {
            // Only the transform flag (YCbCr vs RGB/CMYK) changes decoding.
            // The segment is rewritten canonically: version 100, no flags,
            // that transform; its other bytes are not copied.
            let mut canonical = vec![0xFF, 0xEE, 0x00, (ADOBE_LEN + 2) as u8];
            canonical.extend_from_slice(b"Adobe\x00\x64\0\0\0\0");
            canonical.push(transform);
            self.actions.push(Action::Replace(canonical));
            if body.len() > ADOBE_LEN {
                self.scan.report(Finding::removed(
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

    pub(super) fn comment(&mut self, segment: &Segment) -> Result<()> {
        let body = self.body(segment)?;
        let text = String::from_utf8_lossy(&body);
        let category = if looks_like_software(&text) {
            Category::Software
        } else {
            Category::Other
        };
        self.scan
            .report(Finding::removed(category, "Comment", "COM", &text).with_needle(&body));
        Ok(())
    }

    pub(super) fn unknown(&mut self, segment: &Segment) -> Result<()> {
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
        self.scan
            .report(Finding::removed(category, field, place, value));
    }

    /// Everything after the first EOI is dropped; describe what it was.
    pub(super) fn trailer(&mut self, start: u64) -> Result<()> {
        if let Some(finding) = trailer::report(self.src, start, "EOI")? {
            self.scan.report(finding);
        }
        Ok(())
    }
}

/// An APP1 Exif segment holding only the orientation.
pub(super) fn orientation_segment(orientation: u16) -> Vec<u8> {
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

impl Parser<'_, '_> {
    /// The kept ICC segments, rebuilt in file order with the profile
    /// neutralised (same lengths; see [`icc::neutralise`]). Empty when the
    /// chunks do not form one profile or the profile cannot be walked:
    /// then the profile is dropped (colours fall back to sRGB) rather than
    /// copied unexamined.
    pub(super) fn neutral_icc_segments(&mut self) -> Vec<Vec<u8>> {
        if self.icc_chunks.is_empty() {
            return Vec::new();
        }
        let place = "APP2/ICC_PROFILE";
        match self
            .assemble_icc()
            .and_then(|profile| icc::neutralise(&profile, place).map_err(|err| err.to_string()))
        {
            Ok(done) => {
                self.scan.report_all(done.findings);
                self.split_icc(&done.bytes)
            }
            Err(reason) => {
                self.scan.report(Finding::removed(
                    Category::Other,
                    "ICC colour profile (unreadable, removed)",
                    place,
                    reason,
                ));
                Vec::new()
            }
        }
    }

    /// The profile, its chunks in sequence order (1..=count, each once).
    fn assemble_icc(&self) -> std::result::Result<Vec<u8>, String> {
        let count = self.icc_chunks.first().map_or(0, |c| c.count);
        let mut order: Vec<&IccChunk> = self.icc_chunks.iter().collect();
        order.sort_by_key(|c| c.sequence);
        let complete = order.len() == usize::from(count)
            && order
                .iter()
                .enumerate()
                .all(|(i, c)| usize::from(c.sequence) == i + 1 && c.count == count);
        if !complete {
            return Err("its chunks do not form one profile".to_string());
        }
        Ok(order.iter().flat_map(|c| c.data.iter().copied()).collect())
    }

    /// Cut `profile` back into the segments it came from, in file order.
    fn split_icc(&self, profile: &[u8]) -> Vec<Vec<u8>> {
        let mut starts = Vec::new();
        let mut order: Vec<(u8, usize)> = self
            .icc_chunks
            .iter()
            .map(|c| (c.sequence, c.data.len()))
            .collect();
        order.sort_unstable();
        let mut at = 0usize;
        for (sequence, len) in order {
            starts.push((sequence, at, len));
            at += len;
        }
        self.icc_chunks
            .iter()
            .filter_map(|chunk| {
                let (_, start, len) = starts.iter().find(|(s, _, _)| *s == chunk.sequence)?;
                let data = profile.get(*start..start + len)?;
                let body_len = u16::try_from(2 + ICC_SIG.len() + 2 + data.len()).ok()?;
                let mut segment = vec![0xFF, 0xE2];
                segment.extend_from_slice(&body_len.to_be_bytes());
                segment.extend_from_slice(ICC_SIG);
                segment.extend_from_slice(&[chunk.sequence, chunk.count]);
                segment.extend_from_slice(data);
                Some(segment)
            })
            .collect()
    }
}
