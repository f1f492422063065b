//! What a track is, read before its fate is decided: timed metadata
//! (telemetry) by sample-entry format, text and subtitles by handler or
//! format, and for text, whether its first samples look like positions.
//!
//! Video and audio stay; everything else is removed with its samples
//! zeroed, except subtitles the policy keeps and whose text could be read
//! and carries no positions.

use super::fields::{Hdlr, Stsd, Tkhd};
use super::MoovRewriter;
use crate::container::isobmff::{fourcc_name, Child, Children, FourCc};
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::formats::mp4::samples::{
    chunk_ranges, parse_chunk_offsets, parse_stsc, parse_stsz, parse_stz2, Range, SampleSizes,
};
use crate::metadata::subtitle::{self, printable_runs};

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
pub(super) struct TrackFacts {
    pub track_id: u32,
    pub handler: FourCc,
    pub format: Option<FourCc>,
    pub ranges: Vec<Range>,
    pub samples: u64,
    pub bytes: u64,
    /// Whether `ranges` covers exactly the bytes of every sample: complete
    /// tables with real byte sizes (QuickTime sound with a constant sample
    /// size of 1 counts frames, not bytes).
    pub exact: bool,
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

/// Why a removed track goes, for the report: category, field, description.
fn removal_reason(
    facts: &TrackFacts,
    format: &FourCc,
    is_text: bool,
    looks_like_telemetry: bool,
) -> (Category, &'static str, String) {
    let format_name = fourcc_name(format);
    if let Some(what) = telemetry_format(format) {
        (Category::Telemetry, "Telemetry track", what.to_string())
    } else if is_text && looks_like_telemetry {
        (
            Category::Telemetry,
            "Subtitle telemetry track",
            format!("Subtitle text with positions ('{format_name}')"),
        )
    } else if is_text {
        (
            Category::Other,
            "Subtitle track",
            format!("Subtitle text ('{format_name}')"),
        )
    } else if &facts.handler == b"tmcd" || format == b"tmcd" {
        (
            Category::Time,
            "Timecode track",
            "Timecode (time of day)".to_string(),
        )
    } else if &facts.handler == b"hint" {
        (
            Category::Other,
            "Hint track",
            format!("Streaming hint ('{format_name}')"),
        )
    } else if &facts.handler == b"meta" {
        (
            Category::Telemetry,
            "Metadata track",
            format!("Timed metadata ('{format_name}')"),
        )
    } else {
        (
            Category::Other,
            "Track",
            format!("'{}' track ('{format_name}')", fourcc_name(&facts.handler)),
        )
    }
}

impl MoovRewriter<'_, '_> {
    /// Track ID, handler, first sample-entry format and sample ranges of a
    /// `trak`.
    pub(super) fn track_facts(&mut self, trak: &Child<'_>) -> Result<TrackFacts> {
        let mut facts = TrackFacts::default();
        if let Some(tkhd) = self.find(trak, b"tkhd", 2)? {
            facts.track_id = Tkhd::parse(tkhd.body, tkhd.header.body_start())?.track_id;
        }
        let Some(mdia) = self.find(trak, b"mdia", 2)? else {
            return Ok(facts);
        };
        if let Some(hdlr) = self.find(&mdia, b"hdlr", 3)? {
            facts.handler = Hdlr::handler_type(hdlr.body, hdlr.header.body_start())?;
        }
        let Some(minf) = self.find(&mdia, b"minf", 3)? else {
            return Ok(facts);
        };
        let Some(stbl) = self.find(&minf, b"stbl", 4)? else {
            return Ok(facts);
        };
        let tables = self.children(stbl.body, stbl.header.body_start(), 5)?;
        let by_kind = |kind: &FourCc| tables.iter().find(|c| c.kind() == *kind);
        // The first sample entry's type is the track's format. Tolerant
        // here: a short `stsd` of a kept track is refused by the rewrite.
        let stsd =
            by_kind(b"stsd").and_then(|stsd| Stsd::parse(stsd.body, stsd.header.body_start()).ok());
        if let Some(Ok(first)) =
            stsd.and_then(|stsd| Children::new(stsd.entries, stsd.entries_at).next())
        {
            facts.format = Some(first.kind());
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
            let (ranges, samples) = chunk_ranges(
                &sizes,
                &stsc,
                &offsets,
                self.scan.src.len(),
                stbl.header.start,
            )?;
            facts.bytes = ranges.iter().map(|r| r.len).sum();
            facts.exact = samples == u64::from(sizes.count())
                && !matches!(sizes, SampleSizes::Constant { size: 0 | 1, .. });
            facts.samples = samples;
            facts.ranges = ranges;
        }
        Ok(facts)
    }

    /// Keep the track? Records removed tracks and their sample ranges.
    pub(super) fn decide(&mut self, facts: &TrackFacts) -> Result<bool> {
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
            if self.scan.policy.keep_subtitles && inspected && !looks_like_telemetry {
                self.scan.report(
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
        let (category, field, what) = removal_reason(facts, &format, is_text, looks_like_telemetry);
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
        let limits = self.scan.limits.mp4;
        let mut texts = Vec::new();
        for range in ranges.iter().take(limits.text_samples_checked) {
            let len = range.len.min(limits.text_sample_bytes);
            self.text_read += len;
            if self.text_read > limits.max_text_read {
                return Err(Error::Limit {
                    what: "text-track samples read",
                    offset: range.offset,
                    limit: limits.max_text_read,
                });
            }
            let mut buf = vec![0u8; len as usize];
            if self.scan.src.read_at(range.offset, &mut buf).is_err() {
                continue;
            }
            texts.extend(printable_runs(&buf));
        }
        Ok(texts)
    }
}
