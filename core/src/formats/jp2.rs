//! JPEG 2000 JP2 files (ISO/IEC 15444-1 annex I): keep the header boxes
//! and the codestream, drop everything else. A splice: JP2 boxes hold no
//! absolute offsets.
//!
//! **Kept.** The `jP  ` signature (exactly its 4 bytes), `ftyp` (brand
//! `jp2 `, rewritten with minor version 0 and only printable compatibility
//! brands), `jp2h` (rebuilt from its checked children: `ihdr` with the IPR
//! flag cleared since `jp2i` goes, `bpcc`, the first `colr` (method 1,
//! exactly 7 bytes; method 2, its ICC profile decided in [`super::icc`],
//! replaced by an enumerated sRGB/greyscale `colr` when the profile goes),
//! `pclr`, `cmap`, `cdef`, `res ` with `resc`/`resd`; each exactly as long
//! as its fields), and the first `jp2c`.
//!
//! **The codestream** is walked, not decoded: SOC, the main header's marker
//! segments up to the first SOT (SIZ exactly its length; a segment this
//! module does not know is refused), then each tile-part by its `Psot`
//! length, its header markers up to SOD, and EOC. A **COM** (comment)
//! segment in the main header is removed and the main header rewritten
//! without it: tile-parts only carry lengths relative to themselves (and
//! TLM/PLM hold tile-part and packet lengths, not offsets), so nothing
//! after it needs changing. A COM inside a tile-part header would change
//! that tile-part's `Psot` (and a TLM entry): such files are refused.
//! Bytes after EOC inside `jp2c` are removed.
//!
//! **Removed.** `uuid` boxes (XMP, Exif `JpgTiffExif->JP2`, IPTC,
//! GeoJP2 location, others), `xml ` (XMP, or GML georeferencing), `jp2i`
//! (intellectual property), `uinf` (`ulst`/`url `), a second codestream,
//! unknown boxes (in `jp2h` too).

use crate::container::isobmff::{self, fourcc_name, BoxHeader, Children};
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Finding};
use crate::formats::icc::{self, IccAction};
use crate::formats::Planner;
use crate::io::SourceExt;
use crate::metadata::{exif, iptc, xmp};
use crate::plan::Plan;
use crate::scan::Scan;

const STRUCTURE: &str = "JPEG 2000 box";
const CODESTREAM: &str = "JPEG 2000 codestream";
const SIGNATURE: &[u8; 12] = b"\0\0\0\x0cjP  \r\n\x87\n";

const UUID_XMP: [u8; 16] = [
    0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC,
];
const UUID_GEOJP2: [u8; 16] = [
    0xB1, 0x4B, 0xF8, 0xBD, 0x08, 0x3D, 0x4B, 0x43, 0xA5, 0xAE, 0x8C, 0xD7, 0xD5, 0xA6, 0xCE, 0x03,
];
const UUID_IPTC: [u8; 16] = [
    0x33, 0xC7, 0xA4, 0xD2, 0xB8, 0x1D, 0x47, 0x23, 0xA0, 0xBA, 0xF1, 0xA3, 0xE0, 0x97, 0xAD, 0x38,
];
const UUID_EXIF: &[u8; 16] = b"JpgTiffExif->JP2";

/// Codestream markers.
const SOC: u16 = 0xFF4F;
const SIZ: u16 = 0xFF51;
const SOT: u16 = 0xFF90;
const SOD: u16 = 0xFF93;
const EOC: u16 = 0xFFD9;
const COM: u16 = 0xFF64;

/// The JP2 planner.
pub(crate) struct Jp2;

impl Planner for Jp2 {
    fn plan(scan: &mut Scan<'_>) -> Result<Plan> {
        let src = scan.src;
        let signature: [u8; 12] = src.read_array(0, STRUCTURE)?;
        if &signature != SIGNATURE {
            return Err(Error::malformed(STRUCTURE, 0, "no JP2 signature"));
        }
        let mut plan = Plan::new();
        plan.copy(0, 12);
        let mut walker = Walker {
            scan,
            header: false,
            codestream: false,
        };
        let mut pos = 12u64;
        while pos < src.len() {
            let header = walker.next_box(pos, src.len())?;
            if pos == 12 && &header.kind != b"ftyp" {
                return Err(Error::malformed(STRUCTURE, pos, "ftyp must follow jP  "));
            }
            walker.top(&header, &mut plan)?;
            pos = header.end();
        }
        if !walker.codestream {
            return Err(Error::malformed(
                STRUCTURE,
                src.len(),
                "no codestream (jp2c)",
            ));
        }
        Ok(plan)
    }
}

/// What the JP2 header said about the image.
#[derive(Debug, Clone, Copy)]
struct ImageHeader {
    components: u16,
    depth: u8,
}

struct Walker<'s, 'a> {
    scan: &'s mut Scan<'a>,
    header: bool,
    codestream: bool,
}

impl Walker<'_, '_> {
    fn next_box(&mut self, pos: u64, end: u64) -> Result<BoxHeader> {
        let max = self.scan.limits.jp2.max_boxes;
        self.scan.enter(pos, max, "number of JPEG 2000 boxes")?;
        isobmff::read_header(self.scan.src, pos, end)
    }

    fn top(&mut self, header: &BoxHeader, plan: &mut Plan) -> Result<()> {
        let refuse = |why: &str| Err(Error::malformed(STRUCTURE, header.start, why.to_string()));
        match &header.kind {
            b"ftyp" => {
                if header.start != 12 {
                    return refuse("ftyp appears twice");
                }
                let body = self.read(header, 4096)?;
                plan.data(ftyp(&body).ok_or_else(|| {
                    Error::malformed(STRUCTURE, header.start, "ftyp is not a jp2 file type")
                })?);
                Ok(())
            }
            b"jp2h" => {
                if self.header || self.codestream {
                    return refuse("jp2h twice or after the codestream");
                }
                self.header = true;
                let body = self.read(header, self.scan.limits.jp2.max_header)?;
                let rebuilt = self.jp2h(&body, header.body_start())?;
                let mut out = Vec::new();
                isobmff::write_box(&mut out, b"jp2h", &rebuilt);
                plan.data(out);
                Ok(())
            }
            b"jp2c" if !self.codestream => {
                if !self.header {
                    return refuse("jp2c before jp2h");
                }
                self.codestream = true;
                self.jp2c(header, plan)
            }
            b"jP  " => refuse("second signature box"),
            _ => self.remove(header),
        }
    }

    /// Read a box body (charged to the read budget), refusing more than
    /// `limit` bytes.
    fn read(&mut self, header: &BoxHeader, limit: u64) -> Result<Vec<u8>> {
        if header.body_len() > limit {
            return Err(Error::Limit {
                what: "JPEG 2000 header box size",
                offset: header.start,
                limit,
            });
        }
        self.scan.charge(
            header.body_len(),
            header.start,
            "JPEG 2000 metadata read into memory",
        )?;
        isobmff::read_body(self.scan.src, header, limit, STRUCTURE)
    }

    /// Check and rebuild the body of `jp2h`.
    fn jp2h(&mut self, body: &[u8], base: u64) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut image: Option<ImageHeader> = None;
        let mut colour = false;
        let mut palette_columns: Option<u8> = None;
        for child in Children::new(body, base) {
            let child = child?;
            let max = self.scan.limits.jp2.max_boxes;
            self.scan
                .enter(child.header.start, max, "number of JPEG 2000 boxes")?;
            let at = child.header.start;
            let bad = |why: &str| {
                Err(Error::malformed(
                    STRUCTURE,
                    at,
                    format!("'{}' {why}", fourcc_name(&child.kind())),
                ))
            };
            let kind = child.kind();
            if image.is_none() && &kind != b"ihdr" {
                return bad("comes before ihdr");
            }
            match &kind {
                b"ihdr" => {
                    let Some(parsed) = ihdr(child.body).filter(|_| image.is_none()) else {
                        return bad("is not a single 14-byte image header");
                    };
                    image = Some(parsed);
                    let mut fixed = child.body.to_vec();
                    // IPR: the jp2i box it announces is removed.
                    if let Some(ipr) = fixed.get_mut(13) {
                        *ipr = 0;
                    }
                    isobmff::write_box(&mut out, b"ihdr", &fixed);
                }
                b"bpcc" => {
                    let ok = image.is_some_and(|i| {
                        i.depth == 255 && child.body.len() == usize::from(i.components)
                    });
                    if !ok {
                        return bad("does not match ihdr");
                    }
                    out.extend_from_slice(child.whole);
                }
                b"colr" => {
                    if colour {
                        self.remove_child(&kind, child.body, "jp2h/colr (extra)");
                        continue;
                    }
                    match child.body.first() {
                        Some(1) if child.body.len() == 7 => out.extend_from_slice(child.whole),
                        Some(2) if child.body.len() > 3 => {
                            let (fields, profile) = child.body.split_at(3);
                            match icc::judge(self.scan, profile, "jp2h/colr") {
                                IccAction::Keep(neutral) => {
                                    let header_len = child.whole.len() - child.body.len();
                                    out.extend_from_slice(
                                        child.whole.get(..header_len).unwrap_or_default(),
                                    );
                                    out.extend_from_slice(fields);
                                    out.extend_from_slice(&neutral);
                                }
                                IccAction::Remove => continue,
                            }
                        }
                        _ => return bad("is not an enumerated or ICC colour specification"),
                    }
                    colour = true;
                }
                b"pclr" => {
                    let Some(columns) = pclr(child.body) else {
                        return bad("is not exactly its palette");
                    };
                    palette_columns = Some(columns);
                    out.extend_from_slice(child.whole);
                }
                b"cmap" => {
                    let ok = !child.body.is_empty()
                        && child.body.len() % 4 == 0
                        && child
                            .body
                            .chunks(4)
                            .all(|e| matches!(e.get(2), Some(0) | Some(1)));
                    if !ok {
                        return bad("is not a component mapping");
                    }
                    out.extend_from_slice(child.whole);
                }
                b"cdef" => {
                    let n = child
                        .body
                        .get(..2)
                        .and_then(|b| <[u8; 2]>::try_from(b).ok())
                        .map_or(0, |b| usize::from(u16::from_be_bytes(b)));
                    if n == 0 || child.body.len() != 2 + 6 * n {
                        return bad("is not a channel definition");
                    }
                    out.extend_from_slice(child.whole);
                }
                b"res " => {
                    let kept = self.resolution(child.body, child.header.body_start())?;
                    if !kept.is_empty() {
                        isobmff::write_box(&mut out, b"res ", &kept);
                    }
                }
                _ => self.remove_child(&kind, child.body, "jp2h"),
            }
        }
        let Some(image) = image else {
            return Err(Error::malformed(STRUCTURE, base, "jp2h without ihdr"));
        };
        if !colour {
            // The ICC profile went (or there was none): say sRGB or
            // greyscale, as a reader without a profile would assume.
            let channels = palette_columns.map_or(image.components, u16::from);
            let space: u32 = match channels {
                1 | 2 => 17,
                3 | 4 => 16,
                _ => {
                    return Err(Error::malformed(
                        STRUCTURE,
                        base,
                        "no colour specification can replace the removed profile",
                    ))
                }
            };
            let mut colr = vec![1, 0, 0];
            colr.extend_from_slice(&space.to_be_bytes());
            isobmff::write_box(&mut out, b"colr", &colr);
        }
        Ok(out)
    }

    /// The children of `res `: `resc` and `resd` (10 bytes each) stay.
    fn resolution(&mut self, body: &[u8], base: u64) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for child in Children::new(body, base) {
            let child = child?;
            let max = self.scan.limits.jp2.max_boxes;
            self.scan
                .enter(child.header.start, max, "number of JPEG 2000 boxes")?;
            match &child.kind() {
                b"resc" | b"resd" if child.body.len() == 10 => out.extend_from_slice(child.whole),
                kind => self.remove_child(kind, child.body, "jp2h/res "),
            }
        }
        Ok(out)
    }

    fn remove_child(&mut self, kind: &[u8; 4], body: &[u8], place: &str) {
        let name = fourcc_name(kind);
        self.scan.report(Finding::removed(
            Category::Other,
            "Unknown box",
            place,
            format!("'{name}', {}", human_size(body.len() as u64)),
        ));
    }

    /// Describe and drop a top-level box.
    fn remove(&mut self, header: &BoxHeader) -> Result<()> {
        let name = fourcc_name(&header.kind);
        let mark = self.scan.mark();
        let (category, field) = match &header.kind {
            b"uuid" => {
                let body = self.value(header)?;
                let (id, rest) = body.split_at_checked(16).unwrap_or((&[], &[]));
                if id == UUID_XMP {
                    self.scan.report_all(xmp::describe(rest, "uuid/XMP"));
                    (Category::Other, "XMP")
                } else if id == UUID_EXIF {
                    let tiff = rest.strip_prefix(b"Exif\0\0").unwrap_or(rest);
                    self.scan
                        .report_all(exif::describe(tiff, "uuid/Exif").findings);
                    (Category::Other, "EXIF")
                } else if id == UUID_IPTC {
                    self.scan.report_all(iptc::describe_iptc(rest, "uuid/IPTC"));
                    (Category::Other, "IPTC")
                } else if id == UUID_GEOJP2 {
                    (Category::Location, "GeoJP2 georeferencing")
                } else {
                    (Category::Other, "Unknown uuid box")
                }
            }
            b"xml " => {
                let body = self.value(header)?;
                let text = String::from_utf8_lossy(&body);
                if text.contains("xmpmeta") || text.contains("xpacket") {
                    self.scan.report_all(xmp::describe(&body, "xml "));
                    (Category::Other, "XMP")
                } else if text.contains("gml") || text.contains("GML") {
                    (Category::Location, "GML georeferencing")
                } else {
                    self.scan.report(
                        Finding::removed(Category::Other, "XML box", "xml ", text.trim())
                            .with_needle(text.trim()),
                    );
                    (Category::Other, "XML box")
                }
            }
            b"jp2i" => {
                let body = self.value(header)?;
                let text = String::from_utf8_lossy(&body);
                self.scan.report(
                    Finding::removed(
                        Category::Identity,
                        "Intellectual property rights",
                        "jp2i",
                        text.trim(),
                    )
                    .with_needle(text.trim()),
                );
                (Category::Identity, "Intellectual property rights")
            }
            b"uinf" => {
                let body = self.value(header)?;
                for child in Children::new(&body, header.body_start()).flatten() {
                    if &child.kind() == b"url " {
                        let url = child.body.get(4..).unwrap_or_default();
                        let text = String::from_utf8_lossy(url);
                        let text = text.trim_matches('\0');
                        self.scan.report(
                            Finding::removed(Category::Other, "URL", "uinf/url ", text)
                                .with_needle(text),
                        );
                    }
                }
                (Category::Other, "UUID information")
            }
            b"jp2c" => (Category::Embedded, "Second codestream"),
            _ => (Category::Other, "Unknown box"),
        };
        self.scan.report_if_none_since(mark, || {
            Finding::removed(
                category,
                field,
                name.clone(),
                format!("'{name}', {}", human_size(header.body_len())),
            )
        });
        Ok(())
    }

    fn value(&mut self, header: &BoxHeader) -> Result<Vec<u8>> {
        self.scan.read_value(
            header.body_start(),
            header.body_len(),
            "JPEG 2000 metadata read into memory",
            STRUCTURE,
        )
    }

    /// Walk the codestream and plan it without its main-header comments
    /// and anything after EOC.
    fn jp2c(&mut self, header: &BoxHeader, plan: &mut Plan) -> Result<()> {
        let start = header.body_start();
        let end = header.end();
        let mut body = Plan::new();
        if self.marker(start, end)? != SOC {
            return Err(Error::malformed(CODESTREAM, start, "no SOC marker"));
        }
        body.copy(start, 2);
        let mut pos = start + 2;
        let mut first = true;
        let main_limit = self.scan.limits.jp2.max_main_header;
        // Main header.
        loop {
            if pos - start > main_limit {
                return Err(Error::Limit {
                    what: "JPEG 2000 main header size",
                    offset: pos,
                    limit: main_limit,
                });
            }
            let marker = self.marker(pos, end)?;
            if marker == SOT {
                break;
            }
            let seg_end = self.segment_end(pos, end)?;
            if first != (marker == SIZ) {
                return Err(Error::malformed(CODESTREAM, pos, "SIZ must follow SOC"));
            }
            first = false;
            match marker {
                SIZ => {
                    let csiz: [u8; 2] = self.scan.src.read_array(pos + 38, CODESTREAM)?;
                    let expected = 40 + 3 * u64::from(u16::from_be_bytes(csiz));
                    if seg_end - pos != expected {
                        return Err(Error::malformed(
                            CODESTREAM,
                            pos,
                            "SIZ is not exactly its components",
                        ));
                    }
                    body.copy(pos, seg_end - pos);
                }
                COM => self.comment(pos, seg_end)?,
                // CAP, COD, COC, TLM, PLM, CPF, QCD, QCC, RGN, POC, PPM, CRG.
                0xFF50 | 0xFF52 | 0xFF53 | 0xFF55 | 0xFF57 | 0xFF59 | 0xFF5C | 0xFF5D | 0xFF5E
                | 0xFF5F | 0xFF60 | 0xFF63 => body.copy(pos, seg_end - pos),
                other => {
                    return Err(Error::malformed(
                        CODESTREAM,
                        pos,
                        format!("unknown main header marker 0x{other:04X}"),
                    ))
                }
            }
            pos = seg_end;
        }
        // Tile-parts, each copied whole.
        loop {
            let marker = self.marker(pos, end)?;
            if marker == EOC {
                body.copy(pos, 2);
                pos += 2;
                break;
            }
            if marker != SOT {
                return Err(Error::malformed(
                    CODESTREAM,
                    pos,
                    format!("expected SOT or EOC, found 0x{marker:04X}"),
                ));
            }
            let tile_end = self.tile_part(pos, end)?;
            body.copy(pos, tile_end - pos);
            pos = tile_end;
        }
        if pos < end {
            self.scan.report(Finding::removed(
                Category::Embedded,
                "Data after the codestream",
                "jp2c",
                human_size(end - pos),
            ));
        }
        let mut head = Vec::new();
        let len = body.output_len();
        if let Ok(size) = u32::try_from(len + 8) {
            head.extend_from_slice(&size.to_be_bytes());
            head.extend_from_slice(b"jp2c");
        } else {
            head.extend_from_slice(&1u32.to_be_bytes());
            head.extend_from_slice(b"jp2c");
            head.extend_from_slice(&(len + 16).to_be_bytes());
        }
        plan.data(head);
        super::append(plan, body);
        Ok(())
    }

    /// The marker at `pos`, which must lie before `end`.
    fn marker(&mut self, pos: u64, end: u64) -> Result<u16> {
        let max = self.scan.limits.jp2.max_markers;
        self.scan.enter(pos, max, "number of JPEG 2000 markers")?;
        if end.saturating_sub(pos) < 2 {
            return Err(Error::truncated(CODESTREAM, pos, "codestream ends early"));
        }
        Ok(u16::from_be_bytes(
            self.scan.src.read_array(pos, CODESTREAM)?,
        ))
    }

    /// The end of the marker segment at `pos` (its length field checked
    /// against `end`).
    fn segment_end(&mut self, pos: u64, end: u64) -> Result<u64> {
        if end.saturating_sub(pos) < 4 {
            return Err(Error::truncated(
                CODESTREAM,
                pos,
                "marker segment truncated",
            ));
        }
        let len: [u8; 2] = self.scan.src.read_array(pos + 2, CODESTREAM)?;
        let len = u64::from(u16::from_be_bytes(len));
        let seg_end = pos + 2 + len;
        if len < 2 {
            return Err(Error::malformed(
                CODESTREAM,
                pos,
                "marker segment length below 2",
            ));
        }
        if seg_end > end {
            return Err(Error::overrun(
                CODESTREAM,
                pos,
                format!("marker segment of {len} bytes runs past the codestream"),
            ));
        }
        Ok(seg_end)
    }

    /// Check a tile-part header (SOT up to SOD) and return the tile-part's
    /// end.
    fn tile_part(&mut self, sot: u64, end: u64) -> Result<u64> {
        let seg_end = self.segment_end(sot, end)?;
        if seg_end - sot != 12 {
            return Err(Error::malformed(
                CODESTREAM,
                sot,
                "SOT is not 10 bytes long",
            ));
        }
        let psot: [u8; 4] = self.scan.src.read_array(sot + 6, CODESTREAM)?;
        let psot = u64::from(u32::from_be_bytes(psot));
        let tile_end = if psot == 0 {
            // The last tile-part runs to the EOC that ends the codestream.
            let eoc = end.saturating_sub(2);
            if eoc < seg_end || self.marker(eoc, end)? != EOC {
                return Err(Error::malformed(
                    CODESTREAM,
                    sot,
                    "open-ended tile-part without EOC at the end",
                ));
            }
            eoc
        } else {
            sot + psot
        };
        if tile_end > end || tile_end < seg_end + 2 {
            return Err(Error::overrun(
                CODESTREAM,
                sot,
                format!("tile-part of {psot} bytes does not fit the codestream"),
            ));
        }
        let mut pos = seg_end;
        loop {
            let marker = self.marker(pos, tile_end)?;
            if marker == SOD {
                return Ok(tile_end);
            }
            let next = self.segment_end(pos, tile_end)?;
            match marker {
                // COD, COC, PLT, QCD, QCC, RGN, POC, PPT.
                0xFF52 | 0xFF53 | 0xFF58 | 0xFF5C | 0xFF5D | 0xFF5E | 0xFF5F | 0xFF61 => {}
                COM => {
                    return Err(Error::malformed(
                        CODESTREAM,
                        pos,
                        "comment in a tile-part header: removing it would change the \
                         tile-part length, which is refused",
                    ))
                }
                other => {
                    return Err(Error::malformed(
                        CODESTREAM,
                        pos,
                        format!("unknown tile-part header marker 0x{other:04X}"),
                    ))
                }
            }
            pos = next;
        }
    }

    /// A main-header comment: reported, not copied.
    fn comment(&mut self, pos: u64, seg_end: u64) -> Result<()> {
        // Lcom (2), Rcom (2), then the text.
        let text_at = (pos + 6).min(seg_end);
        let bytes = self.scan.read_value(
            text_at,
            seg_end - text_at,
            "JPEG 2000 metadata read into memory",
            CODESTREAM,
        )?;
        let text = String::from_utf8_lossy(&bytes);
        let lower = text.to_ascii_lowercase();
        let category = if [
            "kakadu",
            "openjpeg",
            "created by",
            "jasper",
            "encoder",
            "version",
        ]
        .iter()
        .any(|w| lower.contains(w))
        {
            Category::Software
        } else {
            Category::Other
        };
        self.scan.report(
            Finding::removed(category, "Comment", "jp2c/COM", text.trim()).with_needle(&bytes),
        );
        Ok(())
    }
}

/// The image header: HEIGHT, WIDTH (u32), NC (u16), BPC, C (7), UnkC,
/// IPR.
fn ihdr(body: &[u8]) -> Option<ImageHeader> {
    let [_, _, _, _, _, _, _, _, n0, n1, depth, compression, unknown, ipr] =
        <[u8; 14]>::try_from(body).ok()?;
    let components = u16::from_be_bytes([n0, n1]);
    (compression == 7 && unknown <= 1 && ipr <= 1 && components > 0)
        .then_some(ImageHeader { components, depth })
}

/// A palette: NE (u16), NPC (u8), NPC bit depths, then NE × NPC entries of
/// whole bytes. Returns NPC when the body is exactly that.
fn pclr(body: &[u8]) -> Option<u8> {
    let entries = u64::from(u16::from_be_bytes([*body.first()?, *body.get(1)?]));
    let columns = *body.get(2)?;
    let depths = body.get(3..3 + usize::from(columns))?;
    let row: u64 = depths.iter().map(|b| u64::from((b & 0x7F) / 8 + 1)).sum();
    let expected = 3 + u64::from(columns) + entries * row;
    (columns > 0 && entries > 0 && body.len() as u64 == expected).then_some(columns)
}

/// The file type rewritten: brand `jp2 `, minor version 0, the printable
/// compatibility brands. `None` unless the brand and a compatible brand
/// are `jp2 `.
fn ftyp(body: &[u8]) -> Option<Vec<u8>> {
    if body.len() < 8 || body.len() % 4 != 0 || body.get(..4)? != b"jp2 " {
        return None;
    }
    let brands: Vec<&[u8]> = body
        .get(8..)?
        .chunks(4)
        .filter(|b| b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b' '))
        .collect();
    if !brands.contains(&&b"jp2 "[..]) {
        return None;
    }
    let mut new_body = b"jp2 \0\0\0\0".to_vec();
    for brand in brands {
        new_body.extend_from_slice(brand);
    }
    let mut out = Vec::new();
    isobmff::write_box(&mut out, b"ftyp", &new_body);
    Some(out)
}

#[cfg(test)]
mod tests;
