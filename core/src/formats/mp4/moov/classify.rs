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
use crate::formats::mp4::content::effective_format;
use crate::formats::mp4::samples::{
    chunk_ranges, for_each_sample, parse_chunk_offsets, parse_stsc, parse_stsz, parse_stz2, Range,
    SampleSizes,
};
use crate::metadata::subtitle::{self, printable_runs};
use crate::scan::Scan;

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

/// Sample-entry formats of video and audio that a media track may hold:
/// anything else under a `vide` or `soun` handler removes the track.
fn is_media_format(handler: &FourCc, format: &FourCc) -> bool {
    const VIDEO: &[&FourCc] = &[
        b"avc1", b"avc2", b"avc3", b"avc4", b"hvc1", b"hev1", b"hvc2", b"hev2", b"dvh1", b"dvhe",
        b"dva1", b"dvav", b"dav1", b"av01", b"vvc1", b"vvi1", b"vp08", b"vp09", b"mp4v", b"s263",
        b"h263", b"H263", b"jpeg", b"mjpa", b"mjpb", b"AVDJ", b"dmb1", b"MJPG", b"apch", b"apcn",
        b"apcs", b"apco", b"ap4h", b"ap4x", b"AVdn", b"AVdh", b"SVQ1", b"SVQ3", b"cvid", b"rle ",
        b"raw ", b"smc ", b"rpza", b"8BPS", b"png ", b"tiff", b"dvc ", b"dvcp", b"dvpp", b"dv5n",
        b"dv5p", b"dvh2", b"dvh3", b"dvh5", b"dvh6", b"dvhp", b"dvhq", b"xdv1", b"xdv2", b"xdv3",
        b"xdv4", b"xdv5", b"xdv6", b"xdv7", b"xdv8", b"xdv9", b"xdva", b"xdvb", b"xdvc", b"xdvd",
        b"xdve", b"xdvf", b"xd54", b"xd55", b"xd59", b"xd5a", b"xd5b", b"xd5c", b"xd5d", b"xd5e",
        b"xd5f", b"mx3p", b"mx4p", b"mx5p", b"mx3n", b"mx4n", b"mx5n", b"yuv2", b"2vuy", b"v210",
        b"v308", b"v408", b"v410", b"r210", b"b48r", b"j420", b"hap1", b"Hap1", b"Hap5", b"HapY",
        b"ai5p", b"ai5q", b"ai52", b"ai53", b"ai55", b"ai56", b"ai1p", b"ai1q", b"ai12", b"ai13",
        b"ai15", b"ai16", b"AV1x", b"mjp2", b"VP80", b"VP90",
    ];
    const AUDIO: &[&FourCc] = &[
        b"mp4a", b"ac-3", b"ec-3", b"ac-4", b"Opus", b"fLaC", b"alac", b"samr", b"sawb", b"sawp",
        b"sevc", b"sqcp", b"ssmv", b"mlpa", b"dtsc", b"dtsh", b"dtsl", b"dtse", b"mhm1", b"mha1",
        b"lpcm", b"ipcm", b"fpcm", b"sowt", b"twos", b"raw ", b"in24", b"in32", b"fl32", b"fl64",
        b"ulaw", b"alaw", b"ima4", b".mp3", b"mp3 ", b"MAC3", b"MAC6", b"NONE", b"QDM2", b"QDMC",
        b"Qclp", b"agsm",
    ];
    match handler {
        b"vide" => VIDEO.contains(&format),
        b"soun" => AUDIO.contains(&format),
        _ => false,
    }
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
pub(crate) struct TrackFacts {
    pub track_id: u32,
    pub handler: FourCc,
    pub format: Option<FourCc>,
    /// Every sample entry's format, in order.
    pub formats: Vec<FourCc>,
    pub ranges: Vec<Range>,
    pub samples: u64,
    pub bytes: u64,
    /// Whether `ranges` covers exactly the bytes of every sample: complete
    /// tables with real byte sizes (QuickTime sound with a constant sample
    /// size of 1 counts frames, not bytes).
    pub exact: bool,
}

/// The sample-entry formats and sample tables of a track.
pub(super) struct Tables<'b> {
    pub formats: Vec<FourCc>,
    pub walk: Option<SampleWalk<'b>>,
}

/// What it takes to visit every sample of a track.
pub(super) struct SampleWalk<'b> {
    pub sizes: SampleSizes<'b>,
    pub stsc: Vec<(u32, u32)>,
    pub offsets: Vec<u64>,
    /// Offset of the `stbl`, for errors.
    pub base: u64,
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
    /// The sample-entry format its samples are checked against.
    pub format: FourCc,
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
    /// Track ID, handler, sample-entry formats and sample ranges of a
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
        let Some(tables) = self.sample_tables(trak)? else {
            return Ok(facts);
        };
        facts.formats = tables.formats.clone();
        facts.format = facts.formats.first().copied();
        if let Some(walk) = tables.walk {
            let (ranges, samples) = chunk_ranges(
                &walk.sizes,
                &walk.stsc,
                &walk.offsets,
                self.scan.src.len(),
                walk.base,
            )?;
            facts.bytes = ranges.iter().map(|r| r.len).sum();
            facts.exact = samples == u64::from(walk.sizes.count())
                && !matches!(walk.sizes, SampleSizes::Constant { size: 0 | 1, .. });
            facts.samples = samples;
            facts.ranges = ranges;
        }
        Ok(facts)
    }

    /// The sample-entry formats and sample tables of a `trak`.
    pub(super) fn sample_tables<'b>(&mut self, trak: &Child<'b>) -> Result<Option<Tables<'b>>> {
        let Some(mdia) = self.find(trak, b"mdia", 2)? else {
            return Ok(None);
        };
        let Some(minf) = self.find(&mdia, b"minf", 3)? else {
            return Ok(None);
        };
        let Some(stbl) = self.find(&minf, b"stbl", 4)? else {
            return Ok(None);
        };
        let tables = self.children(stbl.body, stbl.header.body_start(), 5)?;
        let by_kind = |kind: &FourCc| tables.iter().find(|c| c.kind() == *kind);
        // Tolerant here: a short `stsd` of a kept track is refused by the
        // rewrite.
        let stsd =
            by_kind(b"stsd").and_then(|stsd| Stsd::parse(stsd.body, stsd.header.body_start()).ok());
        let formats = stsd
            .map(|stsd| {
                Children::new(stsd.entries, stsd.entries_at)
                    .map_while(Result::ok)
                    .map(|entry| effective_format(entry.kind(), entry.body))
                    .collect()
            })
            .unwrap_or_default();
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
        let walk = match (sizes, offsets, stsc) {
            (Some(sizes), Some(offsets), Some(stsc)) => Some(SampleWalk {
                sizes,
                stsc,
                offsets,
                base: stbl.header.start,
            }),
            _ => None,
        };
        Ok(Some(Tables { formats, walk }))
    }

    /// Call `visit(scan, offset, len)` for every sample of `trak`.
    pub(super) fn for_each_sample(
        &mut self,
        trak: &Child<'_>,
        mut visit: impl FnMut(&mut Scan<'_>, u64, u64) -> Result<()>,
    ) -> Result<()> {
        let Some(Tables {
            walk: Some(walk), ..
        }) = self.sample_tables(trak)?
        else {
            return Ok(());
        };
        let scan = &mut *self.scan;
        let file_len = scan.src.len();
        for_each_sample(
            &walk.sizes,
            &walk.stsc,
            &walk.offsets,
            file_len,
            walk.base,
            scan.limits.mp4.max_samples_walked,
            |offset, len| visit(scan, offset, len),
        )
    }

    /// Keep the track? Records removed tracks and their sample ranges.
    pub(super) fn decide(&mut self, facts: &TrackFacts) -> Result<bool> {
        // A track is judged by every one of its sample entries, not by its
        // handler alone: telemetry or text relabelled as sound or video is
        // still telemetry or text, and an unknown entry under a media
        // handler is not trusted to be media.
        let format = facts
            .formats
            .iter()
            .find(|f| !is_media_format(&facts.handler, f))
            .or(facts.format.as_ref())
            .copied()
            .unwrap_or(*b"    ");
        let telemetry = telemetry_format(&format);
        let is_av = matches!(&facts.handler, b"vide" | b"soun");
        let all_media = facts
            .formats
            .iter()
            .all(|f| is_media_format(&facts.handler, f));
        // A media track without any sample entry has no samples a player
        // could use; with none at all it holds nothing either.
        let empty = facts.formats.is_empty() && facts.bytes == 0;
        if is_av && (empty || (all_media && !facts.formats.is_empty())) {
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
        let what = if is_av && telemetry.is_none() && !is_text {
            format!(
                "Unrecognised sample entry '{}' under a '{}' handler",
                fourcc_name(&format),
                fourcc_name(&facts.handler)
            )
        } else {
            what
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
                format,
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
