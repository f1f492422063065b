//! Sample tables (ISO/IEC 14496-12 § 8.5–8.7) and movie extends (§ 8.8).
//!
//! Tables that say where and when samples are stay; chunk offsets
//! (`stco`/`co64`, § 8.7.5) and auxiliary-information offsets (`saio`,
//! § 8.7.9) are mapped to the output layout. Sample entries (§ 8.5.2) lose
//! the writer's vendor, version and compressor name, the vendor of 3GPP
//! decoder configurations, and (unless the policy keeps them) embedded ICC
//! profiles.

use super::fields::{pascal_or_c_string, SoundEntry, Stsd, VisualEntry};
use super::MoovRewriter;
use crate::container::isobmff::{fourcc_name, write_box, Child, Children, FourCc};
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::formats::mp4::samples::{parse_chunk_offsets, TrackDefaults};
use crate::io::cursor::Reader;

impl MoovRewriter<'_, '_> {
    pub(super) fn rewrite_stbl(
        &mut self,
        stbl: &Child<'_>,
        handler: &FourCc,
        track_id: u32,
    ) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(stbl.body.len());
        for child in self.children(stbl.body, stbl.header.body_start(), 5)? {
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
                b"stts" | b"ctts" | b"cslg" | b"stss" | b"stps" | b"stsh" | b"sdtp" | b"stsc"
                | b"stsz" | b"stz2" | b"sgpd" | b"sbgp" | b"subs" | b"saiz" | b"padb" | b"stdp"
                | b"csgp" => out.extend_from_slice(child.whole),
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
                _ => (None, None, None),
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
            if let Some(at) = children_at {
                self.zero_decoder_vendor(&mut body, at, &place);
                if !self.scan.policy.keep_icc {
                    body = self.without_icc_profiles(body, at, &place);
                }
            }
            write_box(&mut out, &entry.kind(), &body);
        }
        Ok(out)
    }

    /// Drop `colr` boxes that embed an ICC profile (`prof`, `rICC`) from a
    /// sample entry whose child boxes start at `children_at`. `nclx`/`nclc`
    /// colour descriptions stay: they are not profiles.
    fn without_icc_profiles(&mut self, body: Vec<u8>, children_at: usize, place: &str) -> Vec<u8> {
        let Some(children) = body.get(children_at..) else {
            return body;
        };
        let kids: Vec<Child<'_>> = Children::new(children, 0).map_while(Result::ok).collect();
        let is_profile = |c: &Child<'_>| {
            c.kind() == *b"colr" && matches!(c.body.get(..4), Some(b"prof" | b"rICC"))
        };
        let parsed: usize = kids.iter().map(|c| c.whole.len()).sum();
        if !kids.iter().any(is_profile) || parsed != children.len() {
            return body;
        }
        let mut rebuilt = body.get(..children_at).unwrap_or_default().to_vec();
        for kid in &kids {
            if is_profile(kid) {
                self.scan.report(Finding::removed(
                    Category::Other,
                    "ICC colour profile",
                    place,
                    human_size(kid.header.size),
                ));
            } else {
                rebuilt.extend_from_slice(kid.whole);
            }
        }
        rebuilt
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
        out.extend_from_slice(r.rest());
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
                        out.extend_from_slice(child.whole);
                    }
                }
                b"mehd" | b"leva" => out.extend_from_slice(child.whole),
                _ => self.drop_box(&child, "moov/mvex")?,
            }
        }
        Ok(out)
    }
}
