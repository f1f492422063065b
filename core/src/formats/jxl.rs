//! JPEG XL (ISO/IEC 18181-2 container, or a bare codestream): keep the
//! codestream, drop the metadata boxes.
//!
//! **Bare codestream** (`FF 0A`): the codestream holds no Exif, XMP or
//! other metadata container (its header carries only what decoding needs:
//! size, colour encoding or ICC profile, orientation), so the output is an
//! identical copy and nothing is reported.
//!
//! **Container.** Kept: the `JXL ` signature box (exactly its 4 bytes),
//! `ftyp` (major brand `jxl `, written back as the canonical `jxl `/0/`jxl `),
//! `jxll` (level 5 or 10), the codestream as one `jxlc` or a sequence of
//! `jxlp` partial codestreams (indexes checked: 0, 1, 2 … with the last one
//! flagged), all copied by range, and `jxli` (frame index) when its fields
//! account for every byte of it. Removed: `Exif` (4-byte TIFF header
//! offset, then TIFF; the orientation lives in the codestream header, so
//! nothing is lost), `xml ` (XMP), `jumb` (JUMBF / C2PA provenance),
//! `brob` (Brotli-compressed boxes: the inner type is reported; a
//! compressed codestream box is refused), `jbrd` (JPEG reconstruction data:
//! the original JPEG's APPn/COM layout, only needed to rebuild that JPEG
//! byte for byte, not to show the image) and every unknown box.

use crate::container::isobmff::{self, fourcc_name, BoxHeader};
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Finding};
use crate::formats::Planner;
use crate::io::SourceExt;
use crate::metadata::{exif, xmp};
use crate::plan::Plan;
use crate::scan::Scan;

const STRUCTURE: &str = "JPEG XL box";
const SIGNATURE: &[u8; 12] = b"\0\0\0\x0cJXL \r\n\x87\n";

/// The JPEG XL planner.
pub(crate) struct Jxl;

impl Planner for Jxl {
    fn plan(scan: &mut Scan<'_>) -> Result<Plan> {
        let src = scan.src;
        let mut plan = Plan::new();
        let head: [u8; 2] = src.read_array(0, STRUCTURE)?;
        if head == [0xFF, 0x0A] {
            plan.copy(0, src.len());
            return Ok(plan);
        }
        let signature: [u8; 12] = src.read_array(0, STRUCTURE)?;
        if &signature != SIGNATURE {
            return Err(Error::malformed(STRUCTURE, 0, "no JPEG XL signature"));
        }
        plan.copy(0, 12);
        let mut walker = Walker {
            scan,
            codestream: Codestream::None,
        };
        let mut pos = 12u64;
        let mut first = true;
        while pos < src.len() {
            let max = walker.scan.limits.jxl.max_boxes;
            walker.scan.enter(pos, max, "number of JPEG XL boxes")?;
            let header = isobmff::read_header(src, pos, src.len())?;
            if first && &header.kind != b"ftyp" {
                return Err(Error::malformed(STRUCTURE, pos, "ftyp must follow JXL "));
            }
            first = false;
            walker.child(&header, &mut plan)?;
            pos = header.end();
        }
        match walker.codestream {
            Codestream::Whole | Codestream::Parts { last: true, .. } => Ok(plan),
            _ => Err(Error::malformed(
                STRUCTURE,
                src.len(),
                "no complete codestream (jxlc, or jxlp ending with its last part)",
            )),
        }
    }
}

/// How the codestream has appeared so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codestream {
    None,
    Whole,
    Parts { next: u32, last: bool },
}

struct Walker<'s, 'a> {
    scan: &'s mut Scan<'a>,
    codestream: Codestream,
}

impl Walker<'_, '_> {
    fn child(&mut self, header: &BoxHeader, plan: &mut Plan) -> Result<()> {
        let src = self.scan.src;
        let refuse = |why: String| Err(Error::malformed(STRUCTURE, header.start, why));
        let name = fourcc_name(&header.kind);
        match &header.kind {
            b"ftyp" => {
                if header.start != 12 {
                    return refuse("ftyp appears twice".into());
                }
                let major: [u8; 4] = if header.body_len() >= 8 {
                    src.read_array(header.body_start(), STRUCTURE)?
                } else {
                    [0; 4]
                };
                if &major != b"jxl " {
                    return refuse(format!("ftyp major brand '{}'", fourcc_name(&major)));
                }
                let mut ftyp = Vec::new();
                isobmff::write_box(&mut ftyp, b"ftyp", b"jxl \0\0\0\0jxl ");
                plan.data(ftyp);
                Ok(())
            }
            b"jxll" => {
                let level: [u8; 1] = if header.body_len() == 1 {
                    src.read_array(header.body_start(), STRUCTURE)?
                } else {
                    [0]
                };
                if !matches!(level, [5] | [10]) || self.codestream != Codestream::None {
                    return refuse(
                        "jxll is not one byte of level 5 or 10 before the codestream".into(),
                    );
                }
                plan.copy(header.start, header.size);
                Ok(())
            }
            b"jxlc" => {
                if self.codestream != Codestream::None {
                    return refuse("second codestream".into());
                }
                self.codestream = Codestream::Whole;
                plan.copy(header.start, header.size);
                Ok(())
            }
            b"jxlp" => {
                let next = match self.codestream {
                    Codestream::None => 0,
                    Codestream::Parts { next, last: false } => next,
                    _ => return refuse("jxlp after the complete codestream".into()),
                };
                if header.body_len() < 4 {
                    return refuse("jxlp without its index".into());
                }
                let index = u32::from_be_bytes(src.read_array(header.body_start(), STRUCTURE)?);
                if index & 0x7FFF_FFFF != next {
                    return refuse(format!(
                        "jxlp index {} where {next} was due",
                        index & 0x7FFF_FFFF
                    ));
                }
                self.codestream = Codestream::Parts {
                    next: next.saturating_add(1),
                    last: index & 0x8000_0000 != 0,
                };
                plan.copy(header.start, header.size);
                Ok(())
            }
            b"jxli" => {
                if self.frame_index_is_exact(header)? {
                    plan.copy(header.start, header.size);
                } else {
                    self.scan.report(Finding::removed(
                        Category::Other,
                        "Frame index (unreadable)",
                        "jxli",
                        human_size(header.body_len()),
                    ));
                }
                Ok(())
            }
            b"Exif" => {
                let value = self.value(header)?;
                let offset = value
                    .get(..4)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .map_or(u32::MAX, u32::from_be_bytes);
                let tiff = usize::try_from(offset)
                    .ok()
                    .and_then(|o| value.get(4usize.saturating_add(o)..))
                    .unwrap_or_default();
                let mark = self.scan.mark();
                self.scan.report_all(exif::describe(tiff, "Exif").findings);
                self.report_box(mark, header, Category::Other, "EXIF");
                Ok(())
            }
            b"xml " => {
                let packet = self.value(header)?;
                let mark = self.scan.mark();
                self.scan.report_all(xmp::describe(&packet, "xml "));
                self.report_box(mark, header, Category::Other, "XMP");
                Ok(())
            }
            b"jumb" => {
                let mark = self.scan.mark();
                self.report_box(mark, header, Category::Provenance, "JUMBF / C2PA manifest");
                Ok(())
            }
            b"jbrd" => {
                let mark = self.scan.mark();
                self.report_box(mark, header, Category::Other, "JPEG reconstruction data");
                Ok(())
            }
            b"brob" => {
                let inner: [u8; 4] = if header.body_len() >= 4 {
                    src.read_array(header.body_start(), STRUCTURE)?
                } else {
                    return refuse("brob without its inner type".into());
                };
                let (category, field) = match &inner {
                    b"Exif" => (Category::Other, "EXIF (Brotli-compressed)"),
                    b"xml " => (Category::Other, "XMP (Brotli-compressed)"),
                    b"jumb" => (
                        Category::Provenance,
                        "JUMBF / C2PA manifest (Brotli-compressed)",
                    ),
                    b"JXL " | b"ftyp" | b"jxll" | b"jxlc" | b"jxlp" | b"jxli" | b"brob" => {
                        return refuse(format!(
                            "brob wraps a '{}' box, which must not be compressed",
                            fourcc_name(&inner)
                        ))
                    }
                    _ => (Category::Other, "Unknown box (Brotli-compressed)"),
                };
                self.scan.report(Finding::removed(
                    category,
                    field,
                    format!("brob ({})", fourcc_name(&inner)),
                    human_size(header.body_len()),
                ));
                Ok(())
            }
            b"JXL " => refuse("second signature box".into()),
            _ => {
                self.scan.report(Finding::removed(
                    Category::Other,
                    "Unknown box",
                    name.clone(),
                    format!("'{name}', {}", human_size(header.body_len())),
                ));
                Ok(())
            }
        }
    }

    /// Name a removed box when nothing inside it was reported.
    fn report_box(&mut self, mark: usize, header: &BoxHeader, category: Category, field: &str) {
        let place = fourcc_name(&header.kind);
        self.scan.report_if_none_since(mark, || {
            Finding::removed(category, field, place, human_size(header.body_len()))
        });
    }

    fn value(&mut self, header: &BoxHeader) -> Result<Vec<u8>> {
        self.scan.read_value(
            header.body_start(),
            header.body_len(),
            "JPEG XL metadata read into memory",
            STRUCTURE,
        )
    }

    /// Whether a `jxli` body is exactly its fields: NF (varint), TNUM and
    /// TDEN (u32), then NF × (OFF, T, F) varints.
    fn frame_index_is_exact(&mut self, header: &BoxHeader) -> Result<bool> {
        let limit = self.scan.limits.jxl.max_index;
        if header.body_len() > limit {
            return Err(Error::Limit {
                what: "JPEG XL frame index size",
                offset: header.start,
                limit,
            });
        }
        self.scan.charge(
            header.body_len(),
            header.start,
            "JPEG XL metadata read into memory",
        )?;
        let body = isobmff::read_body(self.scan.src, header, limit, STRUCTURE)?;
        let mut pos = 0usize;
        let Some(frames) = varint(&body, &mut pos) else {
            return Ok(false);
        };
        pos += 8;
        for _ in 0..frames {
            for _ in 0..3 {
                if pos > body.len() || varint(&body, &mut pos).is_none() {
                    return Ok(false);
                }
            }
        }
        Ok(pos == body.len())
    }
}

/// A little-endian base-128 varint of at most 9 bytes at `*pos`.
fn varint(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in 0..9u32 {
        let byte = *bytes.get(*pos)?;
        *pos += 1;
        value |= u64::from(byte & 0x7F) << (7 * shift);
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests;
