//! Sample tables (ISO/IEC 14496-12 § 8.5–8.7) and movie extends (§ 8.8).
//!
//! Tables that say where and when samples are stay, cut to their declared
//! entries; chunk offsets (`stco`/`co64`, § 8.7.5) and auxiliary-information
//! offsets (`saio`, § 8.7.9) are mapped to the output layout; sample groups
//! stay only for known grouping types. Sample entries (§ 8.5.2) lose the
//! writer's vendor, version, compressor name and QuickTime quality, the
//! vendor of 3GPP decoder configurations, and every child box that is not a
//! known codec, colour or display description; `avcC`/`hvcC` are kept to
//! their parameter sets; ICC profiles in `colr` are neutralised at the same
//! length (dropped when the policy does not keep them, or unreadable).

use super::fields::{pascal_or_c_string, SoundEntry, Stsd, VisualEntry};
use super::MoovRewriter;
use crate::container::isobmff::{fourcc_name, write_box, Child, Children, FourCc};
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::formats::mp4::samples::{parse_chunk_offsets, TrackDefaults};
use crate::io::cursor::Reader;
use crate::metadata::icc;

impl MoovRewriter<'_, '_> {
    pub(super) fn rewrite_stbl(
        &mut self,
        stbl: &Child<'_>,
        handler: &FourCc,
        track_id: u32,
    ) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(stbl.body.len());
        let children = self.children(stbl.body, stbl.header.body_start(), 5)?;
        // The sample count, which sizes the per-sample tables without a
        // count of their own (`sdtp`).
        let samples = children
            .iter()
            .find(|c| matches!(&c.kind(), b"stsz" | b"stz2"))
            .and_then(|c| c.body.get(8..12))
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_be_bytes);
        for child in children {
            let kind = child.kind();
            match &kind {
                b"stsd" => {
                    let stsd = self.rewrite_stsd(&child, handler, track_id)?;
                    write_box(&mut out, b"stsd", &stsd);
                }
                b"stco" | b"co64" => {
                    let table = self.map_chunk_offsets(&child, &kind == b"co64")?;
                    write_box(&mut out, &kind, &table);
                }
                b"saio" => {
                    let table = self.map_saio(&child)?;
                    write_box(&mut out, b"saio", &table);
                }
                b"stts" | b"ctts" | b"stss" | b"stps" | b"stsh" | b"stsc" | b"stsz" | b"stz2"
                | b"cslg" | b"sdtp" | b"subs" | b"saiz" => {
                    let len = declared_len(&kind, child.body, child.header.body_start(), samples)?;
                    let kept = self.without_slack(&child, len, "moov/trak/mdia/minf/stbl");
                    write_box(&mut out, &kind, kept);
                }
                b"sgpd" | b"sbgp" => {
                    match grouping_len(&kind, child.body, child.header.body_start())? {
                        Some(len) => {
                            let kept = self.without_slack(&child, len, "moov/trak/mdia/minf/stbl");
                            write_box(&mut out, &kind, kept);
                        }
                        None => self.drop_box(&child, "moov/trak/mdia/minf/stbl")?,
                    }
                }
                // Degradation priorities, padding bits, compact sample
                // groups, and anything unknown: not needed to play.
                _ => self.drop_box(&child, "moov/trak/mdia/minf/stbl")?,
            }
        }
        Ok(out)
    }

    /// Zero software-identifying fields of sample entries: the compressor
    /// name and vendor of visual entries, the vendor of sound entries.
    fn rewrite_stsd(
        &mut self,
        stsd: &Child<'_>,
        handler: &FourCc,
        track_id: u32,
    ) -> Result<Vec<u8>> {
        let Stsd {
            head,
            entries,
            entries_at,
        } = Stsd::parse(stsd.body, stsd.header.body_start())
            .map_err(|_| Error::truncated("MP4 stsd", stsd.header.start, "truncated"))?;
        let mut out = head.to_vec();
        let place = format!("moov/trak[{track_id}]/stsd");
        for entry in self.children(entries, entries_at, 6)? {
            let mut body = entry.body.to_vec();
            let name = fourcc_name(&entry.kind());
            let (encoder, compressor_name, children_at) = match handler {
                b"vide" => {
                    let visual = VisualEntry::parse(entry.body);
                    (
                        visual.encoder,
                        visual.compressor_name,
                        Some(visual.children_at),
                    )
                }
                b"soun" => {
                    let sound = SoundEntry::parse(entry.body);
                    (sound.encoder, None, Some(sound.children_at))
                }
                // 3GPP timed text kept on request (ISO/IEC 14496-30 /
                // 3GPP TS 26.245): display flags, justification, colour, box
                // and style record, then a font table.
                b"text" | b"sbtl" | b"subt" if entry.kind() == *b"tx3g" => (None, None, Some(38)),
                _ => (None, None, None),
            };
            let quality = match handler {
                b"vide" => VisualEntry::parse(entry.body).quality,
                _ => None,
            };
            if let Some(fields) = encoder.and_then(|span| body.get_mut(span)) {
                if fields.iter().any(|b| *b != 0) {
                    // The vendor code ends the encoder fields.
                    let vendor = fields.rchunks(4).next().unwrap_or_default();
                    self.scan.report(
                        Finding::removed(
                            Category::Software,
                            "Encoder vendor / version",
                            &place,
                            format!("{name}: {}", String::from_utf8_lossy(vendor)),
                        )
                        .with_fate(Fate::Zeroed),
                    );
                    fields.fill(0);
                }
            }
            if let Some(compressor) = compressor_name.and_then(|span| body.get_mut(span)) {
                if compressor.iter().any(|b| *b != 0) {
                    self.scan.report(
                        Finding::removed(
                            Category::Software,
                            "Compressor name",
                            &place,
                            format!("{name}: {}", pascal_or_c_string(compressor)),
                        )
                        .with_fate(Fate::Zeroed),
                    );
                    compressor.fill(0);
                }
            }
            if let Some(span) = quality.and_then(|span| body.get_mut(span)) {
                // QuickTime's temporal/spatial quality (reserved in ISO):
                // nothing a decoder reads.
                span.fill(0);
            }
            if let Some(at) = children_at {
                body = self.filter_entry_children(body, at, handler, &place)?;
                self.zero_decoder_vendor(&mut body, at, &place);
            }
            write_box(&mut out, &entry.kind(), &body);
        }
        Ok(out)
    }

    /// Keep only the known child boxes of a visual or audio sample entry
    /// whose children start at `children_at`: codec configurations, colour
    /// and display boxes (each kept to its declared fields), QuickTime
    /// `wave` (itself filtered). Unknown boxes (XMP, vendor `uuid`s,
    /// spherical metadata with its tool name, …) and bytes after the last
    /// box that parses are dropped. ICC profiles in `colr` are neutralised
    /// (or dropped, as the policy says).
    fn filter_entry_children(
        &mut self,
        body: Vec<u8>,
        children_at: usize,
        handler: &FourCc,
        place: &str,
    ) -> Result<Vec<u8>> {
        let Some(children) = body.get(children_at..) else {
            return Ok(body);
        };
        let mut rebuilt = body.get(..children_at).unwrap_or_default().to_vec();
        self.filter_children_into(children, &mut rebuilt, handler, place, 0)?;
        Ok(rebuilt)
    }

    fn filter_children_into(
        &mut self,
        children: &[u8],
        out: &mut Vec<u8>,
        handler: &FourCc,
        place: &str,
        depth: usize,
    ) -> Result<()> {
        let mut parsed = 0usize;
        for kid in Children::new(children, 0) {
            let Ok(kid) = kid else {
                break;
            };
            parsed += kid.whole.len();
            let kind = kid.kind();
            let here = format!("{place}/{}", fourcc_name(&kind));
            if kind == *b"wave" && handler == b"soun" && depth == 0 {
                let mut wave = Vec::new();
                self.filter_children_into(kid.body, &mut wave, handler, &here, depth + 1)?;
                write_box(out, b"wave", &wave);
                continue;
            }
            if kind == *b"colr" && handler == b"vide" {
                self.colour(&kid, out, &here)?;
                continue;
            }
            let known = match handler {
                b"vide" => is_visual_child(&kind),
                b"soun" if depth == 0 => is_audio_child(&kind),
                // Inside QuickTime `wave`: the original format, endianness,
                // the codec configuration and the zero terminator.
                b"soun" => {
                    matches!(
                        &kind,
                        b"frma" | b"enda" | b"esds" | b"alac" | b"mp4a" | b"chan"
                    ) || (kind == [0; 4] && kid.body.is_empty())
                }
                b"text" | b"sbtl" | b"subt" => kind == *b"ftab",
                _ => true,
            };
            if !known {
                crate::formats::mp4::describe::report_removed(
                    self.scan,
                    &kid.header,
                    Some(kid.body),
                    &here,
                )?;
                continue;
            }
            if matches!(&kind, b"avcC" | b"hvcC") {
                let config = match &kind {
                    b"avcC" => avc_config(kid.body),
                    _ => hevc_config(kid.body),
                }
                .ok_or_else(|| {
                    Error::malformed(
                        "MP4 decoder configuration",
                        0,
                        format!("'{}' does not follow its structure", fourcc_name(&kind)),
                    )
                })?;
                if config.dropped_nal_arrays > 0 {
                    self.scan.report(Finding::removed(
                        Category::Software,
                        "SEI or other NAL units in the decoder configuration",
                        &here,
                        format!("{} array(s)", config.dropped_nal_arrays),
                    ));
                }
                if kid
                    .body
                    .get(config.declared..)
                    .is_some_and(|r| r.iter().any(|b| *b != 0))
                {
                    self.report_slack(&here, kid.body.len() - config.declared);
                }
                write_box(out, &kind, &config.bytes);
                continue;
            }
            match fixed_child_len(&kind) {
                Some(len) if kid.body.len() < len => {
                    return Err(Error::truncated(
                        "MP4 sample entry",
                        0,
                        format!("'{}' is shorter than its fields", fourcc_name(&kind)),
                    ))
                }
                Some(len) => {
                    let kept = kid.body.get(..len).unwrap_or_default();
                    if kid
                        .body
                        .get(len..)
                        .is_some_and(|r| r.iter().any(|b| *b != 0))
                    {
                        self.report_slack(&here, kid.body.len() - len);
                    }
                    write_box(out, &kind, kept);
                }
                None => out.extend_from_slice(kid.whole),
            }
        }
        let rest = children.get(parsed..).unwrap_or_default();
        if rest.iter().any(|b| *b != 0) {
            self.report_slack(place, rest.len());
        }
        Ok(())
    }

    /// Report bytes dropped after the declared content of a kept box.
    pub(super) fn report_slack(&mut self, place: &str, len: usize) {
        self.scan.report(Finding::removed(
            Category::Other,
            "Bytes after a box's declared content",
            place,
            human_size(len as u64),
        ));
    }

    /// A `colr` box: `nclx`/`nclc` kept to their fields; an ICC profile
    /// (`prof`, `rICC`) neutralised at the same length when the policy
    /// keeps profiles, else dropped; an unreadable profile or an unknown
    /// colour type dropped.
    fn colour(&mut self, kid: &Child<'_>, out: &mut Vec<u8>, place: &str) -> Result<()> {
        let colour_type = kid.body.get(..4).unwrap_or_default();
        let fixed = match colour_type {
            b"nclx" => Some(11),
            b"nclc" => Some(10),
            _ => None,
        };
        if let Some(kept) = fixed.and_then(|len| kid.body.get(..len)) {
            if kid
                .body
                .get(kept.len()..)
                .is_some_and(|r| r.iter().any(|b| *b != 0))
            {
                self.report_slack(place, kid.body.len() - kept.len());
            }
            write_box(out, b"colr", kept);
            return Ok(());
        }
        let profile = kid.body.get(4..).unwrap_or_default();
        if !matches!(colour_type, b"prof" | b"rICC") {
            self.scan.report(
                Finding::removed(
                    Category::Other,
                    "Colour description of an unknown type",
                    place,
                    human_size(kid.header.size),
                )
                .unknown_block(),
            );
            return Ok(());
        }
        if !self.scan.policy.keep_icc {
            self.scan.report(Finding::removed(
                Category::Other,
                "ICC colour profile",
                place,
                human_size(kid.header.size),
            ));
            return Ok(());
        }
        match icc::neutralise(profile, place) {
            Ok(neutral) => {
                self.scan.report(
                    Finding::removed(
                        Category::Other,
                        "ICC colour profile",
                        place,
                        human_size(profile.len() as u64),
                    )
                    .with_fate(Fate::Kept),
                );
                if neutral.bytes != profile {
                    self.scan.report_all(neutral.findings);
                }
                let mut body = colour_type.to_vec();
                body.extend_from_slice(&neutral.bytes);
                write_box(out, b"colr", &body);
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

    /// 3GPP decoder configuration boxes (`damr`, `d263`, …; 3GPP TS 26.244)
    /// start with the encoder's vendor code and version: zero them.
    fn zero_decoder_vendor(&mut self, entry_body: &mut [u8], children_at: usize, place: &str) {
        let Some(children) = entry_body.get(children_at..) else {
            return;
        };
        let mut spans = Vec::new();
        for child in Children::new(children, 0).map_while(Result::ok) {
            if matches!(
                &child.kind(),
                b"damr" | b"d263" | b"dawp" | b"devc" | b"dqcp" | b"dsmv" | b"devs"
            ) {
                // vendor (4) and decoder_version (1).
                let at = children_at + (child.header.body_start() as usize);
                spans.push((child.kind(), at..at + 5));
            }
        }
        for (kind, span) in spans {
            if let Some(fields) = entry_body.get_mut(span) {
                if fields.iter().any(|b| *b != 0) {
                    let vendor =
                        String::from_utf8_lossy(fields.get(..4).unwrap_or_default()).into_owned();
                    self.scan.report(
                        Finding::removed(
                            Category::Software,
                            "Encoder vendor / version",
                            place,
                            format!("{}: {vendor}", fourcc_name(&kind)),
                        )
                        .with_fate(Fate::Zeroed),
                    );
                    fields.fill(0);
                }
            }
        }
    }

    /// `stco`/`co64` with every chunk offset mapped to the output.
    fn map_chunk_offsets(&mut self, child: &Child<'_>, wide: bool) -> Result<Vec<u8>> {
        let base = child.header.body_start();
        let offsets = parse_chunk_offsets(child.body, base, wide)?;
        // FullBox and entry_count stay; parsing them succeeded above.
        let mut out = child.body.get(..8).unwrap_or_default().to_vec();
        for offset in offsets {
            let mapped = self.map_offset(offset, base)?;
            if wide {
                out.extend_from_slice(&mapped.to_be_bytes());
            } else {
                let mapped = u32::try_from(mapped).map_err(|_| {
                    Error::malformed("MP4 stco", base, "offset no longer fits 32 bits")
                })?;
                out.extend_from_slice(&mapped.to_be_bytes());
            }
        }
        Ok(out)
    }

    /// `saio` in a `moov` holds absolute file offsets of auxiliary data.
    fn map_saio(&mut self, child: &Child<'_>) -> Result<Vec<u8>> {
        let base = child.header.body_start();
        let mut r = Reader::new(child.body, base, "MP4 saio");
        let (version, flags) = r.full_box()?;
        if flags & 1 != 0 {
            r.skip(4 + 4)?; // aux_info_type, aux_info_type_parameter
        }
        let count = r.u32()?;
        let width = if version == 0 { 4 } else { 8 };
        let (table_at, table_offset) = (r.pos(), r.offset());
        let table = r
            .table(u64::from(count), width)
            .map_err(|_| r.error("more offsets claimed than the box holds"))?;
        let mut offsets = Reader::new(table, table_offset, "MP4 saio");
        let mut out = child.body.get(..table_at).unwrap_or_default().to_vec();
        for _ in 0..count {
            let mapped = self.map_offset(offsets.be_uint(width)?, base)?;
            if width == 4 {
                let mapped = u32::try_from(mapped)
                    .map_err(|_| offsets.error("offset no longer fits 32 bits"))?;
                out.extend_from_slice(&mapped.to_be_bytes());
            } else {
                out.extend_from_slice(&mapped.to_be_bytes());
            }
        }
        // Bytes after the offsets are not copied.
        Ok(out)
    }

    /// Keep `trex` (§ 8.8.3) of kept tracks, learning every track's default
    /// sample size for its fragments.
    pub(super) fn rewrite_mvex(&mut self, mvex: &Child<'_>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for child in self.children(mvex.body, mvex.header.body_start(), 2)? {
            match &child.kind() {
                b"trex" => {
                    let mut r = Reader::new(child.body, child.header.body_start(), "MP4 trex");
                    r.full_box()?;
                    let track_id = r.u32()?;
                    // default_sample_description_index, default_sample_duration.
                    r.skip(4 + 4)?;
                    let sample_size = r.u32()?;
                    self.out
                        .trex
                        .insert(track_id, TrackDefaults { sample_size });
                    if !self.out.removed.contains_key(&track_id) {
                        // FullBox and five 32-bit fields.
                        let kept = self.without_slack(&child, 24, "moov/mvex");
                        write_box(&mut out, b"trex", kept);
                    }
                }
                b"mehd" => {
                    let version = child.body.first().copied().unwrap_or(0);
                    let len = if version == 1 { 12 } else { 8 };
                    if child.body.len() < len {
                        return Err(Error::truncated(
                            "MP4 mehd",
                            child.header.start,
                            "truncated",
                        ));
                    }
                    let kept = self.without_slack(&child, len, "moov/mvex");
                    write_box(&mut out, b"mehd", kept);
                }
                _ => self.drop_box(&child, "moov/mvex")?,
            }
        }
        Ok(out)
    }
}

/// Sample groupings (§ 10) whose descriptions are kept, with the size of
/// one description entry: roll recovery, random access points, sync
/// samples, temporal levels. Other groupings are dropped (players do not
/// need them to decode).
fn grouping_entry_len(kind: &FourCc) -> Option<usize> {
    Some(match kind {
        b"roll" | b"prol" => 2,
        b"rap " | b"sync" | b"sap " | b"tele" => 1,
        _ => return None,
    })
}

/// Whether a grouping type is one this cleaner keeps.
pub(crate) fn known_grouping_type(kind: &FourCc) -> bool {
    grouping_entry_len(kind).is_some()
}

/// The declared length of an `sgpd`/`sbgp` body of a known grouping type
/// (each description exactly its type's size), `None` for an unknown type
/// or a description of another size.
fn grouping_len(kind: &FourCc, body: &[u8], base: u64) -> Result<Option<usize>> {
    let mut r = Reader::new(body, base, "MP4 sample group");
    let (version, _) = r.full_box()?;
    let grouping: FourCc = r.array()?;
    let Some(entry_len) = grouping_entry_len(&grouping) else {
        return Ok(None);
    };
    if kind == b"sbgp" {
        if version == 1 {
            r.skip(4)?; // grouping_type_parameter
        }
        let count = r.u32()?;
        r.table(u64::from(count), 8)?;
        return Ok(Some(r.pos()));
    }
    let default_length = match version {
        1 => r.u32()?,
        _ => 0,
    };
    if version >= 2 {
        r.skip(4)?; // default_group_description_index
    }
    let count = r.u32()?;
    for _ in 0..count {
        let length = if version == 1 && default_length == 0 {
            r.u32()?
        } else {
            default_length
        };
        if version == 1 && length as usize != entry_len {
            return Ok(None);
        }
        r.skip(entry_len)?;
    }
    Ok(Some(r.pos()))
}

/// Where the declared content of a sample table ends: its FullBox, count
/// and entries. Bytes after are slack, which the rewrite drops.
fn declared_len(kind: &FourCc, body: &[u8], base: u64, samples: Option<u32>) -> Result<usize> {
    let mut r = Reader::new(body, base, "MP4 sample table");
    let (version, flags) = r.full_box()?;
    let fail = |what: &str| Error::malformed("MP4 sample table", base, what.to_string());
    match kind {
        b"stts" | b"ctts" | b"stsh" => {
            let count = r.u32()?;
            r.table(u64::from(count), 8)?;
        }
        b"stss" | b"stps" => {
            let count = r.u32()?;
            r.table(u64::from(count), 4)?;
        }
        b"stsc" => {
            let count = r.u32()?;
            r.table(u64::from(count), 12)?;
        }
        b"stsz" => {
            let size = r.u32()?;
            let count = r.u32()?;
            if size == 0 {
                r.table(u64::from(count), 4)?;
            }
        }
        b"stz2" => {
            r.skip(3)?;
            let bits = r.u8()?;
            let count = r.u32()?;
            r.table((u64::from(count) * u64::from(bits)).div_ceil(8), 1)?;
        }
        b"cslg" => r.skip(if version == 1 { 40 } else { 20 })?,
        b"sdtp" => {
            let Some(samples) = samples else {
                return Err(fail("'sdtp' without a sample count"));
            };
            r.table(u64::from(samples), 1)?;
        }
        b"subs" => {
            let count = r.u32()?;
            for _ in 0..count {
                r.skip(4)?; // sample_delta
                let subsamples = r.u16()?;
                let width = if version == 1 { 4 } else { 2 };
                r.table(u64::from(subsamples), width + 1 + 1 + 4)?;
            }
        }
        b"saiz" => {
            if flags & 1 != 0 {
                r.skip(8)?;
            }
            let default_size = r.u8()?;
            let count = r.u32()?;
            if default_size == 0 {
                r.table(u64::from(count), 1)?;
            }
        }
        _ => return Err(fail("not a sample table")),
    }
    Ok(r.pos())
}

/// Child boxes of a visual sample entry that are kept: codec
/// configurations (copied as the codec defines them), bit rate, pixel
/// aspect, clean aperture, field order, gamma, HDR and stereo descriptions,
/// the Motion JPEG tables of `mjpa`.
fn is_visual_child(kind: &FourCc) -> bool {
    matches!(
        kind,
        b"avcC"
            | b"hvcC"
            | b"vvcC"
            | b"av1C"
            | b"vpcC"
            | b"dvcC"
            | b"dvvC"
            | b"dvwC"
            | b"lhvC"
            | b"hvcE"
            | b"esds"
            | b"d263"
            | b"glbl"
            | b"SMI "
            | b"btrt"
            | b"pasp"
            | b"clap"
            | b"fiel"
            | b"gama"
            | b"mdcv"
            | b"clli"
            | b"cclv"
            | b"amve"
            | b"CoLL"
            | b"SmDm"
            | b"st3d"
            | b"mjqt"
            | b"mjht"
            | b"ccst"
    )
}

/// Child boxes of an audio sample entry that are kept: codec
/// configurations, channel layout, bit rate.
fn is_audio_child(kind: &FourCc) -> bool {
    matches!(
        kind,
        b"esds"
            | b"dac3"
            | b"dec3"
            | b"dac4"
            | b"dOps"
            | b"dfLa"
            | b"alac"
            | b"chan"
            | b"damr"
            | b"dmlp"
            | b"btrt"
            | b"dawp"
            | b"devc"
            | b"dqcp"
            | b"dsmv"
            | b"devs"
            | b"ddts"
            | b"udts"
            | b"dmhA"
            | b"mhaC"
            | b"chnl"
            | b"srat"
    )
}

/// Body length of the fixed-size child boxes of sample entries; bytes
/// after it are dropped.
fn fixed_child_len(kind: &FourCc) -> Option<usize> {
    Some(match kind {
        b"btrt" => 12,
        b"pasp" => 8,
        b"clap" => 32,
        b"fiel" => 2,
        b"gama" => 4,
        b"mdcv" => 24,
        b"clli" => 4,
        b"st3d" => 5,
        b"ccst" => 8,
        b"frma" | b"enda" => 4,
        b"damr" => 9,
        b"d263" => 7,
        _ => return None,
    })
}

/// A decoder configuration kept to its structure.
struct CodecConfig {
    /// The configuration to write.
    bytes: Vec<u8>,
    /// Where the structure ended in the input (bytes after are dropped).
    declared: usize,
    /// NAL-unit arrays dropped (SEI: encoder settings, user data).
    dropped_nal_arrays: usize,
}

/// Read `count` length-prefixed NAL units of type `nal_type` (as
/// `type_of` reads it from the first byte); `None` when one is short or of
/// another type.
fn nal_units(
    r: &mut Reader<'_>,
    count: usize,
    type_of: fn(u8) -> u8,
    allowed: &[u8],
) -> Option<()> {
    for _ in 0..count {
        let len = usize::from(r.u16().ok()?);
        let nal = r.bytes(len).ok()?;
        if !allowed.contains(&type_of(*nal.first()?)) {
            return None;
        }
    }
    Some(())
}

/// `avcC` (ISO/IEC 14496-15 § 5.3.3.1): header, SPS and PPS lists, and the
/// high-profile extension when present; nothing after.
fn avc_config(body: &[u8]) -> Option<CodecConfig> {
    let mut r = Reader::new(body, 0, "MP4 avcC");
    let [version, profile, _, _, _] = r.array::<5>().ok()?;
    if version != 1 {
        return None;
    }
    let sps = usize::from(r.u8().ok()? & 0x1F);
    let avc = |b: u8| b & 0x1F;
    nal_units(&mut r, sps, avc, &[7])?;
    let pps = usize::from(r.u8().ok()?);
    nal_units(&mut r, pps, avc, &[8])?;
    let mut declared = r.pos();
    if matches!(profile, 100 | 110 | 122 | 144) && r.remaining() >= 4 {
        let mut ext = r;
        let parsed = ext.skip(3).ok().and_then(|()| {
            let count = usize::from(ext.u8().ok()?);
            nal_units(&mut ext, count, avc, &[13])
        });
        if parsed.is_some() {
            declared = ext.pos();
        }
    }
    Some(CodecConfig {
        bytes: body.get(..declared)?.to_vec(),
        declared,
        dropped_nal_arrays: 0,
    })
}

/// `hvcC` (ISO/IEC 14496-15 § 8.3.3.1): the 22-byte header and the NAL
/// arrays; only VPS, SPS and PPS arrays are kept (declarative SEI carries
/// encoder settings and user data), nothing after.
fn hevc_config(body: &[u8]) -> Option<CodecConfig> {
    let mut r = Reader::new(body, 0, "MP4 hvcC");
    let header = r.bytes(22).ok()?;
    if header.first() != Some(&1) {
        return None;
    }
    let arrays = r.u8().ok()?;
    let mut kept = Vec::new();
    let mut kept_arrays = 0u8;
    let mut dropped = 0usize;
    for _ in 0..arrays {
        let start = r.pos();
        let nal_type = r.u8().ok()? & 0x3F;
        let count = usize::from(r.u16().ok()?);
        let hevc = |b: u8| (b >> 1) & 0x3F;
        nal_units(&mut r, count, hevc, &[nal_type])?;
        if matches!(nal_type, 32..=34) {
            kept.extend_from_slice(body.get(start..r.pos())?);
            kept_arrays += 1;
        } else {
            dropped += 1;
        }
    }
    let mut bytes = header.to_vec();
    bytes.push(kept_arrays);
    bytes.extend_from_slice(&kept);
    Some(CodecConfig {
        bytes,
        declared: r.pos(),
        dropped_nal_arrays: dropped,
    })
}
