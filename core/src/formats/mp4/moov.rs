//! Rewriting `moov`: which tracks stay, which fields are zeroed, which boxes
//! go, and where every removed track's samples lie so that they can be
//! zeroed inside `mdat`.
//!
//! The rewrite is done twice by the caller: once with an identity offset
//! map to learn the new size of `moov` (chunk-offset tables have a fixed
//! size, so the size does not depend on the offsets), then with the real
//! map once the output layout is known.

use std::collections::BTreeMap;

use super::describe::describe_other;
use super::samples::{
    chunk_ranges, coalesce, parse_chunk_offsets, parse_stsc, parse_stsz, parse_stz2, Range,
    SampleSizes, TrackDefaults,
};
use super::OffsetMap;
use crate::container::isobmff::{fourcc_name, write_box, Child, Children, FourCc};
use crate::error::{Error, Result};
use crate::finding::{ensure_findings_room, human_size, Category, Fate, Finding};
use crate::io::cursor::Reader;
use crate::io::Source;
use crate::limits::Mp4Limits as Limits;
use crate::metadata::subtitle::{self, printable_runs};
use crate::policy::Policy;

/// Formats of timed-metadata sample entries, whatever handler they sit
/// under, with a description of what they carry.
fn telemetry_format(format: &FourCc) -> Option<&'static str> {
    Some(match format {
        b"gpmd" => "GoPro GPMF telemetry",
        b"camm" => "Google CAMM camera-motion telemetry",
        b"mebx" => "Apple timed metadata",
        b"djmd" => "DJI flight telemetry",
        b"dbgi" => "DJI debug telemetry",
        b"fdsc" => "GoPro SOS diagnostics",
        b"mett" | b"metx" | b"urim" => "Timed metadata",
        _ => return None,
    })
}

/// Sample-entry formats of text and subtitle tracks.
fn is_text_format(format: &FourCc) -> bool {
    matches!(
        format,
        b"tx3g" | b"text" | b"wvtt" | b"stpp" | b"c608" | b"c708" | b"sbtt" | b"stxt"
    )
}

/// Handlers of text and subtitle tracks.
fn is_text_handler(handler: &FourCc) -> bool {
    matches!(handler, b"text" | b"sbtl" | b"subt" | b"clcp")
}

/// What a track is, read before deciding its fate.
#[derive(Debug, Clone, Default)]
struct TrackFacts {
    track_id: u32,
    handler: FourCc,
    format: Option<FourCc>,
    ranges: Vec<Range>,
    samples: u64,
    bytes: u64,
    /// Whether `ranges` covers exactly the bytes of every sample: complete
    /// tables with real byte sizes (QuickTime sound with a constant sample
    /// size of 1 counts frames, not bytes).
    exact: bool,
}

/// A removed track: what it held, for the report.
#[derive(Debug, Clone)]
pub(crate) struct RemovedTrack {
    /// Finding category.
    pub category: Category,
    /// Report field, e.g. `Telemetry track`.
    pub field: &'static str,
    /// What it held, e.g. `GoPro GPMF telemetry`.
    pub what: String,
    /// Samples found (in `moov` tables and fragments).
    pub samples: u64,
    /// Bytes of those samples.
    pub bytes: u64,
    /// Text seen in its first samples (searched for in the output).
    pub needles: Vec<String>,
}

impl RemovedTrack {
    /// The report entry.
    pub fn finding(&self, track_id: u32) -> Finding {
        let mut finding = Finding::removed(
            self.category,
            self.field,
            format!("moov/trak[{track_id}]"),
            format!(
                "{} track: {} samples, {} (samples zeroed)",
                self.what,
                self.samples,
                human_size(self.bytes)
            ),
        );
        for needle in &self.needles {
            finding = finding.with_needle(needle.as_bytes());
        }
        finding
    }
}

/// The result of rewriting `moov`.
#[derive(Debug, Default)]
pub(crate) struct MoovOutcome {
    /// The new `moov` box, header included.
    pub bytes: Vec<u8>,
    /// Removed tracks by track ID.
    pub removed: BTreeMap<u32, RemovedTrack>,
    /// Sample data of removed tracks (coalesced).
    pub zero_ranges: Vec<Range>,
    /// Sample data of kept tracks (coalesced), to detect shared data.
    pub kept_ranges: Vec<Range>,
    /// Whether `kept_ranges` is exactly the sample data of the kept tracks.
    pub kept_ranges_exact: bool,
    /// `trex` defaults of kept and removed tracks.
    pub trex: BTreeMap<u32, TrackDefaults>,
    /// Findings about `moov` contents.
    pub findings: Vec<Finding>,
}

/// Rewrites one `moov`.
pub(crate) struct MoovRewriter<'a> {
    src: &'a dyn Source,
    policy: &'a Policy,
    map: &'a OffsetMap<'a>,
    limits: Limits,
    boxes: usize,
    /// Bytes of text-track samples read so far (all tracks).
    text_read: u64,
    out: MoovOutcome,
}

impl<'a> MoovRewriter<'a> {
    /// A rewriter reading samples from `src` and mapping chunk offsets with
    /// `map`.
    /// `map`, under `limits` (the caller's: lowered limits must reach the
    /// `moov` walk too).
    pub fn new(
        src: &'a dyn Source,
        policy: &'a Policy,
        map: &'a OffsetMap<'a>,
        limits: &Limits,
    ) -> Self {
        MoovRewriter {
            src,
            policy,
            map,
            limits: *limits,
            boxes: 0,
            text_read: 0,
            out: MoovOutcome {
                kept_ranges_exact: true,
                ..MoovOutcome::default()
            },
        }
    }

    /// Rewrite the body of a `moov` that starts at file offset `body_base`.
    pub fn rewrite(mut self, body: &[u8], body_base: u64) -> Result<MoovOutcome> {
        let children = self.children(body, body_base, 1)?;
        // First learn every track, so that references to removed tracks can
        // be dropped from the kept ones.
        let mut decisions: Vec<Option<bool>> = Vec::with_capacity(children.len());
        for child in &children {
            if child.kind() == *b"trak" {
                let facts = self.track_facts(child)?;
                let keep = self.decide(&facts)?;
                if keep {
                    self.out.kept_ranges.extend_from_slice(&facts.ranges);
                    self.out.kept_ranges_exact &= facts.exact;
                }
                decisions.push(Some(keep));
            } else {
                decisions.push(None);
            }
        }
        let mut new_body = Vec::with_capacity(body.len());
        for (child, decision) in children.iter().zip(decisions) {
            let kind = child.kind();
            match (&kind, decision) {
                (b"trak", Some(false)) => {}
                (b"trak", _) => {
                    let trak = self.rewrite_trak(child)?;
                    write_box(&mut new_body, b"trak", &trak);
                }
                (b"mvhd", _) => {
                    let mvhd = self.zero_times(child, "moov/mvhd", "Movie")?;
                    write_box(&mut new_body, b"mvhd", &mvhd);
                }
                (b"mvex", _) => {
                    let mvex = self.rewrite_mvex(child)?;
                    write_box(&mut new_body, b"mvex", &mvex);
                }
                (b"iods" | b"pssh", _) => new_body.extend_from_slice(child.whole),
                // Dropping these would leave a movie without its tracks.
                (b"cmov", _) => {
                    return Err(Error::Unsupported(
                        "compressed QuickTime movie header ('cmov')".to_string(),
                    ))
                }
                (b"rmra", _) => {
                    return Err(Error::Unsupported(
                        "QuickTime reference movie ('rmra'): the media is in other files"
                            .to_string(),
                    ))
                }
                _ => self.drop_box(child, "moov"),
            }
        }
        ensure_findings_room(self.out.findings.len(), body_base)?;
        coalesce(&mut self.out.zero_ranges);
        coalesce(&mut self.out.kept_ranges);
        let mut bytes = Vec::with_capacity(new_body.len() + 8);
        write_box(&mut bytes, b"moov", &new_body);
        self.out.bytes = bytes;
        Ok(self.out)
    }

    /// The children of a container body, counted against the limits.
    fn children<'b>(&mut self, body: &'b [u8], base: u64, depth: usize) -> Result<Vec<Child<'b>>> {
        if depth > self.limits.max_depth {
            return Err(Error::Limit {
                what: "MP4 box nesting depth",
                offset: base,
                limit: self.limits.max_depth as u64,
            });
        }
        let mut out = Vec::new();
        for child in Children::new(body, base) {
            let child = child?;
            ensure_findings_room(self.out.findings.len(), child.header.start)?;
            self.boxes += 1;
            if self.boxes > self.limits.max_boxes {
                return Err(Error::Limit {
                    what: "number of MP4 boxes",
                    offset: child.header.start,
                    limit: self.limits.max_boxes as u64,
                });
            }
            out.push(child);
        }
        Ok(out)
    }

    fn find<'b>(
        &mut self,
        parent: &Child<'b>,
        kind: &FourCc,
        depth: usize,
    ) -> Result<Option<Child<'b>>> {
        let kids = self.children(parent.body, parent.header.body_start(), depth)?;
        Ok(kids.into_iter().find(|c| c.kind() == *kind))
    }

    /// Report and drop a box that is not needed for playback.
    fn drop_box(&mut self, child: &Child<'_>, parent: &str) {
        let kind = child.kind();
        let place = format!("{parent}/{}", fourcc_name(&kind));
        if matches!(&kind, b"free" | b"skip" | b"wide") {
            if child.body.iter().any(|b| *b != 0) {
                self.out.findings.push(Finding::removed(
                    Category::Other,
                    "Padding with leftover data",
                    place,
                    human_size(child.header.size),
                ));
            }
            return;
        }
        describe_other(
            &kind,
            Some(child.body),
            child.header.size,
            &place,
            &mut self.out.findings,
        );
    }

    fn track_facts(&mut self, trak: &Child<'_>) -> Result<TrackFacts> {
        let mut facts = TrackFacts::default();
        if let Some(tkhd) = self.find(trak, b"tkhd", 2)? {
            let mut r = Reader::new(tkhd.body, tkhd.header.body_start(), "MP4 tkhd");
            let version = r.u8()?;
            r.skip(3)?;
            r.skip(if version == 1 { 16 } else { 8 })?;
            facts.track_id = r.u32()?;
        }
        let Some(mdia) = self.find(trak, b"mdia", 2)? else {
            return Ok(facts);
        };
        if let Some(hdlr) = self.find(&mdia, b"hdlr", 3)? {
            let mut r = Reader::new(hdlr.body, hdlr.header.body_start(), "MP4 hdlr");
            r.skip(8)?;
            facts.handler = r.array()?;
        }
        let Some(minf) = self.find(&mdia, b"minf", 3)? else {
            return Ok(facts);
        };
        let Some(stbl) = self.find(&minf, b"stbl", 4)? else {
            return Ok(facts);
        };
        let tables = self.children(stbl.body, stbl.header.body_start(), 5)?;
        let by_kind = |kind: &FourCc| tables.iter().find(|c| c.kind() == *kind);
        if let Some(stsd) = by_kind(b"stsd") {
            let entries = stsd.body.get(8..).unwrap_or_default();
            if let Some(Ok(first)) = Children::new(entries, stsd.header.body_start() + 8).next() {
                facts.format = Some(first.kind());
            }
        }
        let sizes = match (by_kind(b"stsz"), by_kind(b"stz2")) {
            (Some(stsz), _) => Some(parse_stsz(stsz.body, stsz.header.body_start())?),
            (None, Some(stz2)) => Some(parse_stz2(stz2.body, stz2.header.body_start())?),
            _ => None,
        };
        let offsets = match (by_kind(b"stco"), by_kind(b"co64")) {
            (Some(stco), _) => Some(parse_chunk_offsets(
                stco.body,
                stco.header.body_start(),
                false,
            )?),
            (None, Some(co64)) => Some(parse_chunk_offsets(
                co64.body,
                co64.header.body_start(),
                true,
            )?),
            _ => None,
        };
        let stsc = match by_kind(b"stsc") {
            Some(stsc) => Some(parse_stsc(stsc.body, stsc.header.body_start())?),
            None => None,
        };
        if let (Some(sizes), Some(offsets), Some(stsc)) = (sizes, offsets, stsc) {
            let (ranges, samples) =
                chunk_ranges(&sizes, &stsc, &offsets, self.src.len(), stbl.header.start)?;
            facts.bytes = ranges.iter().map(|r| r.len).sum();
            facts.exact = samples == u64::from(sizes.count())
                && !matches!(sizes, SampleSizes::Constant { size: 0 | 1, .. });
            facts.samples = samples;
            facts.ranges = ranges;
        }
        Ok(facts)
    }

    /// Keep the track? Records removed tracks and their sample ranges.
    fn decide(&mut self, facts: &TrackFacts) -> Result<bool> {
        let format = facts.format.unwrap_or(*b"    ");
        let telemetry = telemetry_format(&format);
        let is_av = matches!(&facts.handler, b"vide" | b"soun");
        if is_av && telemetry.is_none() {
            return Ok(true);
        }
        let is_text = is_text_handler(&facts.handler) || is_text_format(&format);
        let mut needles = Vec::new();
        let mut looks_like_telemetry = false;
        if is_text && telemetry.is_none() {
            let text = self.sample_text(&facts.ranges)?;
            looks_like_telemetry = text.iter().any(|t| subtitle::looks_like_telemetry(t));
            // Text that could not be inspected (fragmented files keep their
            // samples outside `moov`) is not trusted to be mere dialogue.
            let inspected = !text.is_empty();
            needles = text;
            if self.policy.keep_subtitles && inspected && !looks_like_telemetry {
                self.out.findings.push(
                    Finding::removed(
                        Category::Other,
                        "Subtitle track",
                        format!("moov/trak[{}]", facts.track_id),
                        format!("'{}' text, {} samples", fourcc_name(&format), facts.samples),
                    )
                    .with_fate(Fate::Kept),
                );
                return Ok(true);
            }
        }
        let (category, field, what) = if let Some(what) = telemetry {
            (Category::Telemetry, "Telemetry track", what.to_string())
        } else if is_text && looks_like_telemetry {
            (
                Category::Telemetry,
                "Subtitle telemetry track",
                format!("Subtitle text with positions ('{}')", fourcc_name(&format)),
            )
        } else if is_text {
            (
                Category::Other,
                "Subtitle track",
                format!("Subtitle text ('{}')", fourcc_name(&format)),
            )
        } else if &facts.handler == b"tmcd" || &format == b"tmcd" {
            (
                Category::Time,
                "Timecode track",
                "Timecode (time of day)".to_string(),
            )
        } else if &facts.handler == b"hint" {
            (
                Category::Other,
                "Hint track",
                format!("Streaming hint ('{}')", fourcc_name(&format)),
            )
        } else if &facts.handler == b"meta" {
            (
                Category::Telemetry,
                "Metadata track",
                format!("Timed metadata ('{}')", fourcc_name(&format)),
            )
        } else {
            (
                Category::Other,
                "Track",
                format!(
                    "'{}' track ('{}')",
                    fourcc_name(&facts.handler),
                    fourcc_name(&format)
                ),
            )
        };
        self.out.zero_ranges.extend_from_slice(&facts.ranges);
        self.out.removed.insert(
            facts.track_id,
            RemovedTrack {
                category,
                field,
                what,
                samples: facts.samples,
                bytes: facts.bytes,
                needles,
            },
        );
        Ok(false)
    }

    /// Printable text of the first samples of a text track (bounded reads).
    ///
    /// Every track may point at the same bytes, so the reads of all tracks
    /// together are limited: thousands of text tracks sharing 64 KiB of
    /// text would otherwise make millions of needles.
    fn sample_text(&mut self, ranges: &[Range]) -> Result<Vec<String>> {
        let mut texts = Vec::new();
        for range in ranges.iter().take(self.limits.text_samples_checked) {
            let len = range.len.min(self.limits.text_sample_bytes);
            self.text_read += len;
            if self.text_read > self.limits.max_text_read {
                return Err(Error::Limit {
                    what: "text-track samples read",
                    offset: range.offset,
                    limit: self.limits.max_text_read,
                });
            }
            let mut buf = vec![0u8; len as usize];
            if self.src.read_at(range.offset, &mut buf).is_err() {
                continue;
            }
            texts.extend(printable_runs(&buf));
        }
        Ok(texts)
    }

    /// Zero the creation and modification times of `mvhd`/`tkhd`/`mdhd`.
    fn zero_times(&mut self, child: &Child<'_>, place: &str, what: &str) -> Result<Vec<u8>> {
        let mut body = child.body.to_vec();
        let mut r = Reader::new(child.body, child.header.body_start(), "MP4 header box");
        let version = r.u8()?;
        r.skip(3)?;
        let width = if version == 1 { 8 } else { 4 };
        let created = read_uint(r.bytes(width)?);
        let modified = read_uint(r.bytes(width)?);
        for (value, field) in [(created, "creation time"), (modified, "modification time")] {
            if value != 0 {
                self.out.findings.push(
                    Finding::removed(
                        Category::Time,
                        format!("{what} {field}"),
                        place,
                        mac_time(value),
                    )
                    .with_fate(Fate::Zeroed),
                );
            }
        }
        if let Some(times) = body.get_mut(4..4 + 2 * width) {
            times.fill(0);
        }
        Ok(body)
    }

    fn rewrite_trak(&mut self, trak: &Child<'_>) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(trak.body.len());
        let children = self.children(trak.body, trak.header.body_start(), 2)?;
        let track_id = children
            .iter()
            .find(|c| c.kind() == *b"tkhd")
            .map_or(0, |tkhd| {
                let id_at = if tkhd.body.first() == Some(&1) {
                    20
                } else {
                    12
                };
                tkhd.body
                    .get(id_at..id_at + 4)
                    .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            });
        for child in children {
            match &child.kind() {
                b"tkhd" => {
                    let place = format!("moov/trak[{track_id}]/tkhd");
                    let body = self.zero_times(&child, &place, "Track")?;
                    let version = body.first().copied().unwrap_or(0);
                    self.report_rotation(&body, version, track_id);
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
                b"edts" | b"tapt" | b"clip" | b"matt" | b"load" | b"imap" | b"txas" => {
                    out.extend_from_slice(child.whole)
                }
                _ => self.drop_box(&child, "moov/trak"),
            }
        }
        Ok(out)
    }

    /// Report a non-identity display matrix (kept: it is the orientation).
    fn report_rotation(&mut self, tkhd: &[u8], version: u8, track_id: u32) {
        let at = if version == 1 { 52 } else { 40 };
        let Some(matrix) = tkhd.get(at..at + 36) else {
            return;
        };
        let cell = |i: usize| {
            matrix
                .get(i * 4..i * 4 + 4)
                .map_or(0, |b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        };
        let (a, b, c, d) = (cell(0), cell(1), cell(3), cell(4));
        let one = 0x10000;
        let angle = match (a, b, c, d) {
            (x, 0, 0, y) if x == one && y == one => return,
            (0, x, y, 0) if x == one && y == -one => "rotated 90°".to_string(),
            (x, 0, 0, y) if x == -one && y == -one => "rotated 180°".to_string(),
            (0, x, y, 0) if x == -one && y == one => "rotated 270°".to_string(),
            _ => format!("matrix {a} {b} {c} {d}"),
        };
        self.out.findings.push(
            Finding::removed(
                Category::Other,
                "Display orientation",
                format!("moov/trak[{track_id}]/tkhd"),
                angle,
            )
            .with_fate(Fate::Kept),
        );
    }

    fn rewrite_tref(&mut self, tref: &Child<'_>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for child in self.children(tref.body, tref.header.body_start(), 3)? {
            let ids: Vec<u8> = child
                .body
                .chunks_exact(4)
                .filter(|id| {
                    let id = u32::from_be_bytes([id[0], id[1], id[2], id[3]]);
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

    fn rewrite_mdia(&mut self, mdia: &Child<'_>, track_id: u32) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(mdia.body.len());
        let mut handler = [0u8; 4];
        for child in self.children(mdia.body, mdia.header.body_start(), 3)? {
            match &child.kind() {
                b"mdhd" => {
                    let place = format!("moov/trak[{track_id}]/mdia/mdhd");
                    let body = self.zero_times(&child, &place, "Media")?;
                    write_box(&mut out, b"mdhd", &body);
                }
                b"hdlr" => {
                    if let Some(h) = child.body.get(8..12) {
                        handler.copy_from_slice(h);
                    }
                    let place = format!("moov/trak[{track_id}]/mdia/hdlr");
                    let body = self.zero_handler_name(&child, &place);
                    write_box(&mut out, b"hdlr", &body);
                }
                b"minf" => {
                    let minf = self.rewrite_minf(&child, &handler, track_id)?;
                    write_box(&mut out, b"minf", &minf);
                }
                b"elng" => out.extend_from_slice(child.whole),
                _ => self.drop_box(&child, "moov/trak/mdia"),
            }
        }
        Ok(out)
    }

    fn zero_handler_name(&mut self, hdlr: &Child<'_>, place: &str) -> Vec<u8> {
        let mut body = hdlr.body.to_vec();
        // QuickTime stores the component manufacturer (`appl`, `pent`, …) and
        // flags in what ISO calls reserved bytes: zero them too.
        if let Some(reserved) = body.get_mut(12..24) {
            reserved.fill(0);
        }
        if let Some(name) = body.get_mut(24..) {
            if name.iter().any(|b| *b != 0) {
                let shown = pascal_or_c_string(name);
                self.out.findings.push(
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
                b"vmhd" | b"smhd" | b"hmhd" | b"nmhd" | b"gmhd" | b"sthd" => {
                    out.extend_from_slice(child.whole)
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
                _ => self.drop_box(&child, "moov/trak/mdia/minf"),
            }
        }
        Ok(out)
    }

    /// Keep data references only as "in this file" entries: QuickTime alias
    /// records and URLs can hold volume names and paths.
    fn rewrite_dinf(&mut self, dinf: &Child<'_>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for child in self.children(dinf.body, dinf.header.body_start(), 5)? {
            if child.kind() != *b"dref" {
                self.drop_box(&child, "moov/trak/mdia/minf/dinf");
                continue;
            }
            let mut r = Reader::new(child.body, child.header.body_start(), "MP4 dref");
            let head = r.array::<8>()?;
            let entries_data = child.body.get(8..).unwrap_or_default();
            let mut dref = head.to_vec();
            for entry in self.children(entries_data, child.header.body_start() + 8, 6)? {
                let flags = entry.body.get(..4).unwrap_or_default();
                let self_contained = flags.get(3).is_some_and(|f| f & 1 != 0);
                if !self_contained {
                    return Err(Error::Unsupported(format!(
                        "media data in another file (data reference '{}' at offset {})",
                        fourcc_name(&entry.kind()),
                        entry.header.start
                    )));
                }
                if entry.body.len() > 4 {
                    self.out.findings.push(Finding::removed(
                        Category::Identity,
                        "Data reference (file path or volume)",
                        "moov/trak/mdia/minf/dinf/dref",
                        human_size(entry.body.len() as u64 - 4),
                    ));
                }
                write_box(&mut dref, &entry.kind(), flags);
            }
            write_box(&mut out, b"dref", &dref);
        }
        Ok(out)
    }

    fn rewrite_stbl(
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
                _ => self.drop_box(&child, "moov/trak/mdia/minf/stbl"),
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
        let head = stsd
            .body
            .get(..8)
            .ok_or_else(|| Error::malformed("MP4 stsd", stsd.header.start, "truncated"))?;
        let mut out = head.to_vec();
        let entries = stsd.body.get(8..).unwrap_or_default();
        let place = format!("moov/trak[{track_id}]/stsd");
        for entry in self.children(entries, stsd.header.body_start() + 8, 6)? {
            let mut body = entry.body.to_vec();
            let name = fourcc_name(&entry.kind());
            // SampleEntry: 6 reserved + 2 data reference index, then:
            // visual: version/revision (4), vendor (4), ..., compressorname at 42..74;
            // sound: version (2), revision (2), vendor (4), ...
            let (vendor_fields, is_visual) = match handler {
                b"vide" => (8..16, true),
                b"soun" => (10..16, false),
                _ => (0..0, false),
            };
            if let Some(fields) = body.get_mut(vendor_fields) {
                if fields.iter().any(|b| *b != 0) {
                    let vendor = fields.get(fields.len() - 4..).unwrap_or_default();
                    self.out.findings.push(
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
            if is_visual {
                if let Some(compressor) = body.get_mut(42..74) {
                    if compressor.iter().any(|b| *b != 0) {
                        self.out.findings.push(
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
            }
            let children_at = match handler {
                b"vide" => Some(78),
                b"soun" => match entry.body.get(8..10) {
                    Some([0, 1]) => Some(44),
                    Some([0, 2]) => Some(64),
                    _ => Some(28),
                },
                _ => None,
            };
            if let Some(at) = children_at {
                self.zero_decoder_vendor(&mut body, at, &place);
                if !self.policy.keep_icc {
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
                self.out.findings.push(Finding::removed(
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

    /// 3GPP decoder configuration boxes (`damr`, `d263`, …) start with the
    /// encoder's vendor code and version: zero them.
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
                let at = children_at + (child.header.body_start() as usize);
                spans.push((child.kind(), at..at + 5));
            }
        }
        for (kind, span) in spans {
            if let Some(fields) = entry_body.get_mut(span) {
                if fields.iter().any(|b| *b != 0) {
                    let vendor =
                        String::from_utf8_lossy(fields.get(..4).unwrap_or_default()).into_owned();
                    self.out.findings.push(
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

    fn map_offset(&self, offset: u64, at: u64) -> Result<u64> {
        (self.map)(offset).ok_or_else(|| {
            Error::malformed(
                "MP4 chunk offset",
                at,
                format!("offset {offset} does not point into kept media data"),
            )
        })
    }

    fn map_chunk_offsets(&mut self, child: &Child<'_>, wide: bool) -> Result<Vec<u8>> {
        let base = child.header.body_start();
        let offsets = parse_chunk_offsets(child.body, base, wide)?;
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
        let head = r.u32()?;
        let version = head >> 24;
        if head & 1 != 0 {
            r.skip(8)?;
        }
        let count = r.u32()?;
        let width = if version == 0 { 4 } else { 8 };
        if u64::from(count) * width as u64 > r.remaining() as u64 {
            return Err(r.error("more offsets claimed than the box holds"));
        }
        let mut out = child.body.get(..r.pos()).unwrap_or_default().to_vec();
        for _ in 0..count {
            let offset = read_uint(r.bytes(width)?);
            let mapped = self.map_offset(offset, base)?;
            if width == 4 {
                let mapped =
                    u32::try_from(mapped).map_err(|_| r.error("offset no longer fits 32 bits"))?;
                out.extend_from_slice(&mapped.to_be_bytes());
            } else {
                out.extend_from_slice(&mapped.to_be_bytes());
            }
        }
        out.extend_from_slice(child.body.get(r.pos()..).unwrap_or_default());
        Ok(out)
    }

    fn rewrite_mvex(&mut self, mvex: &Child<'_>) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for child in self.children(mvex.body, mvex.header.body_start(), 2)? {
            match &child.kind() {
                b"trex" => {
                    let mut r = Reader::new(child.body, child.header.body_start(), "MP4 trex");
                    r.skip(4)?;
                    let track_id = r.u32()?;
                    r.skip(8)?;
                    let sample_size = r.u32()?;
                    self.out
                        .trex
                        .insert(track_id, TrackDefaults { sample_size });
                    if !self.out.removed.contains_key(&track_id) {
                        out.extend_from_slice(child.whole);
                    }
                }
                b"mehd" | b"leva" => out.extend_from_slice(child.whole),
                _ => self.drop_box(&child, "moov/mvex"),
            }
        }
        Ok(out)
    }
}

fn read_uint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b))
}

/// A handler or compressor name: Pascal string (QuickTime) or C string.
fn pascal_or_c_string(bytes: &[u8]) -> String {
    let text = match bytes.split_first() {
        Some((len, rest)) if usize::from(*len) <= rest.len() && !(0x20..0x7F).contains(len) => {
            rest.get(..usize::from(*len)).unwrap_or_default()
        }
        _ => {
            let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
            bytes.get(..end).unwrap_or_default()
        }
    };
    String::from_utf8_lossy(text).into_owned()
}

/// Seconds since 1904-01-01 (the QuickTime epoch) as a UTC date.
pub(crate) fn mac_time(seconds: u64) -> String {
    const EPOCH_DIFF: i64 = 2_082_844_800;
    let Ok(secs) = i64::try_from(seconds) else {
        return format!("{seconds} s since 1904");
    };
    crate::metadata::time::unix_utc(secs - EPOCH_DIFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_mac_times() {
        assert_eq!(mac_time(0), "1904-01-01 00:00:00 UTC");
        assert_eq!(mac_time(2_082_844_800), "1970-01-01 00:00:00 UTC");
        assert_eq!(mac_time(3_786_912_000), "2024-01-01 00:00:00 UTC");
    }

    #[test]
    fn names() {
        assert_eq!(pascal_or_c_string(b"\x09GoPro AVC\0\0"), "GoPro AVC");
        assert_eq!(pascal_or_c_string(b"VideoHandler\0"), "VideoHandler");
    }
}
