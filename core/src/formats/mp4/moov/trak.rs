//! The track boxes (ISO/IEC 14496-12 § 8.3–8.7): `trak`, `tref`, `mdia`,
//! `hdlr`, `minf` and `dinf`. Times and handler names are zeroed, the
//! display matrix is kept and reported, references to removed tracks are
//! dropped, and only self-contained data references are accepted.

use super::fields::{pascal_or_c_string, Hdlr, Tkhd};
use super::MoovRewriter;
use crate::container::isobmff::{fourcc_name, write_box, Child, FourCc};
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::io::cursor::Reader;

impl MoovRewriter<'_, '_> {
    /// Rewrite a kept track.
    pub(super) fn rewrite_trak(&mut self, trak: &Child<'_>) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(trak.body.len());
        let children = self.children(trak.body, trak.header.body_start(), 2)?;
        // Read strictly (and so known to parse) by `track_facts` already.
        let track_id = children
            .iter()
            .find(|c| c.kind() == *b"tkhd")
            .and_then(|tkhd| Tkhd::parse(tkhd.body, tkhd.header.body_start()).ok())
            .map_or(0, |tkhd| tkhd.track_id);
        for child in children {
            match &child.kind() {
                b"tkhd" => {
                    let place = format!("moov/trak[{track_id}]/tkhd");
                    let body = self.header_box(&child, &place, "Track")?;
                    let tkhd = Tkhd::parse(child.body, child.header.body_start()).ok();
                    if let Some(matrix) = tkhd.and_then(|tkhd| tkhd.matrix) {
                        self.report_rotation(&matrix, track_id);
                    }
                    write_box(&mut out, b"tkhd", &body);
                }
                b"tref" => {
                    let tref = self.rewrite_tref(&child)?;
                    if !tref.is_empty() {
                        write_box(&mut out, b"tref", &tref);
                    }
                }
                b"mdia" => {
                    let mdia = self.rewrite_mdia(&child, track_id)?;
                    write_box(&mut out, b"mdia", &mdia);
                }
                b"edts" => {
                    let edts = self.rewrite_edts(&child)?;
                    if !edts.is_empty() {
                        write_box(&mut out, b"edts", &edts);
                    }
                }
                b"tapt" => {
                    let tapt = self.rewrite_tapt(&child)?;
                    if !tapt.is_empty() {
                        write_box(&mut out, b"tapt", &tapt);
                    }
                }
                // QuickTime clipping, mattes, preload settings, input maps
                // and text-track settings: not needed to play; they go with
                // every unknown box.
                _ => self.drop_box(&child, "moov/trak")?,
            }
        }
        Ok(out)
    }

    /// Report a non-identity display matrix (kept: it is the orientation).
    fn report_rotation(&mut self, matrix: &[i32; 9], track_id: u32) {
        let [a, b, _, c, d, ..] = *matrix;
        let one = 0x10000;
        let angle = match (a, b, c, d) {
            (x, 0, 0, y) if x == one && y == one => return,
            (0, x, y, 0) if x == one && y == -one => "rotated 90°".to_string(),
            (x, 0, 0, y) if x == -one && y == -one => "rotated 180°".to_string(),
            (0, x, y, 0) if x == -one && y == one => "rotated 270°".to_string(),
            _ => format!("matrix {a} {b} {c} {d}"),
        };
        self.scan.report(
            Finding::removed(
                Category::Other,
                "Display orientation",
                format!("moov/trak[{track_id}]/tkhd"),
                angle,
            )
            .with_fate(Fate::Kept),
        );
    }

    /// Drop the references to removed tracks (§ 8.3.3).
    fn rewrite_tref(&mut self, tref: &Child<'_>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for child in self.children(tref.body, tref.header.body_start(), 3)? {
            if !is_track_reference(&child.kind()) {
                self.drop_box(&child, "moov/trak/tref")?;
                continue;
            }
            let ids: Vec<u8> = child
                .body
                .chunks_exact(4)
                .filter(|id| {
                    let id = <[u8; 4]>::try_from(*id).map_or(0, u32::from_be_bytes);
                    !self.out.removed.contains_key(&id)
                })
                .flatten()
                .copied()
                .collect();
            if !ids.is_empty() {
                write_box(&mut out, &child.kind(), &ids);
            }
        }
        Ok(out)
    }

    /// Keep only the edit list of an edit box (§ 8.6.5), to its declared
    /// entries.
    fn rewrite_edts(&mut self, edts: &Child<'_>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for child in self.children(edts.body, edts.header.body_start(), 3)? {
            if child.kind() != *b"elst" {
                self.drop_box(&child, "moov/trak/edts")?;
                continue;
            }
            let mut r = Reader::new(child.body, child.header.body_start(), "MP4 elst");
            let (version, _) = r.full_box()?;
            let count = r.u32()?;
            let width = match version {
                0 => 12,
                1 => 20,
                _ => return Err(r.error(format!("unknown version {version}"))),
            };
            r.table(u64::from(count), width)
                .map_err(|_| r.error("more entries claimed than the box holds"))?;
            let kept = self.without_slack(&child, r.pos(), "moov/trak/edts");
            write_box(&mut out, b"elst", kept);
        }
        Ok(out)
    }

    /// QuickTime track aperture modes: clean, production and encoded
    /// apertures, each a FullBox and two 16.16 dimensions.
    fn rewrite_tapt(&mut self, tapt: &Child<'_>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for child in self.children(tapt.body, tapt.header.body_start(), 3)? {
            if matches!(&child.kind(), b"clef" | b"prof" | b"enof") && child.body.len() >= 12 {
                let kept = self.without_slack(&child, 12, "moov/trak/tapt");
                write_box(&mut out, &child.kind(), kept);
            } else {
                self.drop_box(&child, "moov/trak/tapt")?;
            }
        }
        Ok(out)
    }

    /// QuickTime base media information header: only `gmin` (FullBox,
    /// graphics mode, colour, balance; its reserved field zeroed).
    fn rewrite_gmhd(&mut self, gmhd: &Child<'_>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for child in self.children(gmhd.body, gmhd.header.body_start(), 5)? {
            if child.kind() == *b"gmin" && child.body.len() >= 16 {
                let mut body = self
                    .without_slack(&child, 16, "moov/trak/mdia/minf/gmhd")
                    .to_vec();
                if let Some(reserved) = body.get_mut(14..16) {
                    reserved.fill(0);
                }
                write_box(&mut out, b"gmin", &body);
            } else {
                self.drop_box(&child, "moov/trak/mdia/minf/gmhd")?;
            }
        }
        Ok(out)
    }

    fn rewrite_mdia(&mut self, mdia: &Child<'_>, track_id: u32) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(mdia.body.len());
        let mut handler = [0u8; 4];
        for child in self.children(mdia.body, mdia.header.body_start(), 3)? {
            match &child.kind() {
                b"mdhd" => {
                    let place = format!("moov/trak[{track_id}]/mdia/mdhd");
                    let body = self.header_box(&child, &place, "Media")?;
                    write_box(&mut out, b"mdhd", &body);
                }
                b"hdlr" => {
                    if let Some(handler_type) = Hdlr::parse(child.body).handler_type {
                        handler = handler_type;
                    }
                    let place = format!("moov/trak[{track_id}]/mdia/hdlr");
                    let body = self.zero_handler_name(&child, &place);
                    write_box(&mut out, b"hdlr", &body);
                }
                b"minf" => {
                    let minf = self.rewrite_minf(&child, &handler, track_id)?;
                    write_box(&mut out, b"minf", &minf);
                }
                // Extended language tag (§ 8.4.6): a BCP 47 tag and its
                // terminator, nothing else.
                b"elng" if is_language_tag(child.body) => out.extend_from_slice(child.whole),
                _ => self.drop_box(&child, "moov/trak/mdia")?,
            }
        }
        Ok(out)
    }

    /// Zero the handler name, and the QuickTime component manufacturer and
    /// flags stored in what ISO calls reserved bytes.
    fn zero_handler_name(&mut self, hdlr: &Child<'_>, place: &str) -> Vec<u8> {
        let fields = Hdlr::parse(hdlr.body);
        let mut body = hdlr.body.to_vec();
        if let Some(reserved) = fields.reserved.and_then(|span| body.get_mut(span)) {
            reserved.fill(0);
        }
        if let Some(name) = fields.name.and_then(|span| body.get_mut(span)) {
            if name.iter().any(|b| *b != 0) {
                let shown = pascal_or_c_string(name);
                self.scan.report(
                    Finding::removed(Category::Software, "Handler name", place, shown)
                        .with_fate(Fate::Zeroed),
                );
                name.fill(0);
            }
        }
        body
    }

    fn rewrite_minf(
        &mut self,
        minf: &Child<'_>,
        handler: &FourCc,
        track_id: u32,
    ) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(minf.body.len());
        for child in self.children(minf.body, minf.header.body_start(), 4)? {
            match &child.kind() {
                b"vmhd" | b"smhd" | b"hmhd" | b"nmhd" | b"sthd" => {
                    let kind = child.kind();
                    // FullBox, then graphics mode and colour (vmhd),
                    // balance and reserved (smhd), PDU sizes and bit rates
                    // (hmhd), nothing (nmhd, sthd).
                    let len = match &kind {
                        b"vmhd" => 12,
                        b"smhd" => 8,
                        b"hmhd" => 20,
                        _ => 4,
                    };
                    if child.body.len() < len {
                        return Err(Error::truncated(
                            "MP4 media header",
                            child.header.start,
                            "shorter than its fields",
                        ));
                    }
                    let mut body = self
                        .without_slack(&child, len, "moov/trak/mdia/minf")
                        .to_vec();
                    let reserved = match &kind {
                        b"smhd" => 6..8,
                        b"hmhd" => 16..20,
                        _ => 0..0,
                    };
                    if let Some(bytes) = body.get_mut(reserved) {
                        bytes.fill(0);
                    }
                    write_box(&mut out, &kind, &body);
                }
                b"gmhd" => {
                    let gmhd = self.rewrite_gmhd(&child)?;
                    write_box(&mut out, b"gmhd", &gmhd);
                }
                b"hdlr" => {
                    let place = format!("moov/trak[{track_id}]/mdia/minf/hdlr");
                    let body = self.zero_handler_name(&child, &place);
                    write_box(&mut out, b"hdlr", &body);
                }
                b"dinf" => {
                    let dinf = self.rewrite_dinf(&child)?;
                    write_box(&mut out, b"dinf", &dinf);
                }
                b"stbl" => {
                    let stbl = self.rewrite_stbl(&child, handler, track_id)?;
                    write_box(&mut out, b"stbl", &stbl);
                }
                _ => self.drop_box(&child, "moov/trak/mdia/minf")?,
            }
        }
        Ok(out)
    }

    /// Keep data references (§ 8.7.2) only as "in this file" entries:
    /// QuickTime alias records and URLs can hold volume names and paths.
    fn rewrite_dinf(&mut self, dinf: &Child<'_>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for child in self.children(dinf.body, dinf.header.body_start(), 5)? {
            if child.kind() != *b"dref" {
                self.drop_box(&child, "moov/trak/mdia/minf/dinf")?;
                continue;
            }
            // FullBox and entry_count, then the entries.
            let mut r = Reader::new(child.body, child.header.body_start(), "MP4 dref");
            let head = r.bytes(8)?;
            let entries_at = r.offset();
            let entries = r.rest();
            let mut dref = head.to_vec();
            for entry in self.children(entries, entries_at, 6)? {
                // Only the FullBox prefix is kept; flag 1 means "in this file".
                let full_box = entry.body.get(..4).unwrap_or_default();
                let in_this_file = Reader::new(full_box, entry.header.body_start(), "MP4 dref")
                    .full_box()
                    .is_ok_and(|(_, flags)| flags & 1 != 0);
                if !in_this_file {
                    return Err(Error::Unsupported(format!(
                        "media data in another file (data reference '{}' at offset {})",
                        fourcc_name(&entry.kind()),
                        entry.header.start
                    )));
                }
                if entry.body.len() > 4 {
                    self.scan.report(Finding::removed(
                        Category::Identity,
                        "Data reference (file path or volume)",
                        "moov/trak/mdia/minf/dinf/dref",
                        human_size(entry.body.len() as u64 - 4),
                    ));
                }
                write_box(&mut dref, &entry.kind(), full_box);
            }
            write_box(&mut out, b"dref", &dref);
        }
        Ok(out)
    }
}

/// Track reference types (§ 8.3.3 and the codec specifications) kept
/// (pointing at kept tracks); others go.
fn is_track_reference(kind: &FourCc) -> bool {
    matches!(
        kind,
        b"hint"
            | b"cdsc"
            | b"font"
            | b"hind"
            | b"vdep"
            | b"vplx"
            | b"subt"
            | b"chap"
            | b"tmcd"
            | b"sync"
            | b"scpt"
            | b"ssrc"
            | b"thmb"
            | b"auxl"
            | b"cdep"
            | b"forc"
            | b"mpod"
            | b"ipir"
            | b"sbas"
            | b"tbas"
            | b"scal"
            | b"oref"
            | b"adda"
            | b"avcp"
            | b"swre"
            | b"swfr"
            | b"dpnd"
            | b"folw"
            | b"clcp"
            | b"lyra"
    )
}

/// An `elng` body: FullBox, then a BCP 47 tag (letters, digits, hyphens;
/// at most 63) and its NUL terminator, nothing after.
fn is_language_tag(body: &[u8]) -> bool {
    let Some(tag) = body.get(4..).and_then(|rest| rest.strip_suffix(&[0])) else {
        return false;
    };
    body.get(..4) == Some(&[0, 0, 0, 0][..])
        && !tag.is_empty()
        && tag.len() < 64
        && tag.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}
