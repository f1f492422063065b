//! Rewriting `moov` (ISO/IEC 14496-12 § 8.2): which tracks stay, which
//! fields are zeroed, which boxes go, and where every removed track's
//! samples lie so that they can be zeroed inside `mdat`.
//!
//! - [`fields`]: typed views of the fixed-layout boxes (`mvhd`, `tkhd`,
//!   `mdhd`, `hdlr`, sample entries) and the name and date formatters;
//! - [`classify`]: what a track is (telemetry, text, timecode, …) and
//!   whether it stays;
//! - [`trak`]: the track, media and data-reference boxes;
//! - [`stbl`]: sample tables and sample entries, chunk-offset mapping,
//!   `mvex`.
//!
//! The rewrite is done twice by the caller: once with an identity offset
//! map to learn the new size of `moov` (chunk-offset tables have a fixed
//! size, so the size does not depend on the offsets), then with the real
//! map once the output layout is known.

mod classify;
mod fields;
mod stbl;
mod trak;

use std::collections::{BTreeMap, BTreeSet};

use super::content::{check_removed_sample, is_checkable, is_mjpeg, FrameWalk};
use super::describe::report_removed;
use super::layout::OffsetMap;
use super::samples::{coalesce, Range, TrackDefaults};
use crate::container::isobmff::{fourcc_name, write_box, Child, Children, FourCc};
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::scan::Scan;
pub(crate) use classify::RemovedTrack;
use fields::{mac_time, TimesBox};
pub(crate) use stbl::known_grouping_type;

/// The result of rewriting `moov`; its findings went to the scan.
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
    /// Kept tracks, by track ID.
    pub kept: BTreeSet<u32>,
    /// Kept Motion JPEG tracks, by track ID (their fragments' frames are
    /// walked too).
    pub mjpeg: BTreeSet<u32>,
    /// The frames of kept Motion JPEG tracks walked so far.
    pub frames: FrameWalk,
}

/// Rewrites one `moov`, reporting into a [`Scan`] (whose limits, the
/// caller's, bound the walk) and mapping chunk offsets with an
/// [`OffsetMap`].
pub(crate) struct MoovRewriter<'s, 'a> {
    scan: &'s mut Scan<'a>,
    map: &'s OffsetMap<'s>,
    /// Bytes of text-track samples read so far (all tracks).
    text_read: u64,
    /// Whether samples are walked (Motion JPEG frames, removed samples
    /// checked): not in the first pass, which only learns the size.
    walk_samples: bool,
    out: MoovOutcome,
}

impl<'s, 'a> MoovRewriter<'s, 'a> {
    /// A rewriter reading samples from `scan.src`, under `scan.limits`,
    /// mapping chunk offsets with `map`.
    pub fn new(scan: &'s mut Scan<'a>, map: &'s OffsetMap<'s>) -> Self {
        MoovRewriter {
            scan,
            map,
            text_read: 0,
            walk_samples: true,
            out: MoovOutcome {
                kept_ranges_exact: true,
                ..MoovOutcome::default()
            },
        }
    }

    /// A rewriter that only learns the size of the new `moov`: samples are
    /// not walked.
    pub fn sizing_only(mut self) -> Self {
        self.walk_samples = false;
        self
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
                    self.out.kept.insert(facts.track_id);
                    self.out.kept_ranges.extend_from_slice(&facts.ranges);
                    self.out.kept_ranges_exact &= facts.exact;
                    self.walk_frames(child, &facts)?;
                } else {
                    self.check_removed(child, &facts)?;
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
                    let mvhd = self.header_box(child, "moov/mvhd", "Movie")?;
                    write_box(&mut new_body, b"mvhd", &mvhd);
                }
                (b"mvex", _) => {
                    let mvex = self.rewrite_mvex(child)?;
                    write_box(&mut new_body, b"mvex", &mvex);
                }
                // The MPEG-4 initial object descriptor and DRM system data
                // (licence URLs, key IDs) are not needed to play: `iods`
                // and `pssh` go with every unknown box.
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
                _ => self.drop_box(child, "moov")?,
            }
        }
        self.scan.ensure_findings_room(body_base)?;
        coalesce(&mut self.out.zero_ranges);
        coalesce(&mut self.out.kept_ranges);
        let mut bytes = Vec::with_capacity(new_body.len() + 8);
        write_box(&mut bytes, b"moov", &new_body);
        self.out.bytes = bytes;
        Ok(self.out)
    }

    /// Walk every frame of a kept Motion JPEG track: their metadata is
    /// blanked in place. A track mixing Motion JPEG with other entries is
    /// refused: which samples are frames could not be told reliably.
    fn walk_frames(&mut self, trak: &Child<'_>, facts: &classify::TrackFacts) -> Result<()> {
        let mjpeg = facts.formats.iter().filter(|f| is_mjpeg(f)).count();
        if mjpeg == 0 {
            return Ok(());
        }
        if mjpeg != facts.formats.len() {
            return Err(Error::Unsupported(format!(
                "track {} mixes Motion JPEG with other sample entries",
                facts.track_id
            )));
        }
        self.out.mjpeg.insert(facts.track_id);
        if !self.walk_samples {
            return Ok(());
        }
        let mut frames = std::mem::take(&mut self.out.frames);
        let track_id = facts.track_id;
        let result = self.for_each_sample(trak, |scan, offset, len| {
            frames.frame(scan, track_id, offset, len)
        });
        self.out.frames = frames;
        result
    }

    /// Check every sample of a removed track whose format has a checkable
    /// shape (see [`super::content`]).
    fn check_removed(&mut self, trak: &Child<'_>, facts: &classify::TrackFacts) -> Result<()> {
        let Some(format) = facts.format else {
            return Ok(());
        };
        if !self.walk_samples
            || !is_checkable(&format)
            || facts.formats.iter().any(|f| *f != format)
        {
            return Ok(());
        }
        let mut frames = std::mem::take(&mut self.out.frames);
        let result = self.for_each_sample(trak, |scan, offset, len| {
            frames.count(scan, offset)?;
            check_removed_sample(scan, &format, offset, len)
        });
        self.out.frames = frames;
        result
    }

    /// The children of a container body at nesting `depth`, each counted
    /// against the box and findings limits.
    fn children<'b>(&mut self, body: &'b [u8], base: u64, depth: usize) -> Result<Vec<Child<'b>>> {
        let limits = self.scan.limits.mp4;
        self.scan
            .depth(depth, limits.max_depth, base, "MP4 box nesting depth")?;
        let mut out = Vec::new();
        for child in Children::new(body, base) {
            let child = child?;
            self.scan.enter(
                child.header.start,
                limits.max_boxes as u64,
                "number of MP4 boxes",
            )?;
            out.push(child);
        }
        Ok(out)
    }

    /// The first child of `parent` of type `kind`.
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
    fn drop_box(&mut self, child: &Child<'_>, parent: &str) -> Result<()> {
        let kind = child.kind();
        let place = format!("{parent}/{}", fourcc_name(&kind));
        if matches!(&kind, b"free" | b"skip" | b"wide") {
            if child.body.iter().any(|b| *b != 0) {
                self.scan.report(Finding::removed(
                    Category::Other,
                    "Padding with leftover data",
                    place,
                    human_size(child.header.size),
                ));
            }
            return Ok(());
        }
        report_removed(self.scan, &child.header, Some(child.body), &place)
    }

    /// The bytes of `child`'s body up to `len`, its declared content; bytes
    /// after it that are not zero are reported (they are dropped).
    fn without_slack<'b>(&mut self, child: &Child<'b>, len: usize, parent: &str) -> &'b [u8] {
        let (kept, slack) = child.body.split_at(len.min(child.body.len()));
        if slack.iter().any(|b| *b != 0) {
            let place = format!("{parent}/{}", fourcc_name(&child.kind()));
            self.report_slack(&place, slack.len());
        }
        kept
    }

    /// `mvhd`, `tkhd` or `mdhd` kept to its declared fields: times zeroed
    /// (reported), reserved fields and QuickTime's preview/poster/selection
    /// times zeroed, bytes after the fields dropped. A version other than
    /// 0 or 1, or a body shorter than its fields, is refused.
    fn header_box(&mut self, child: &Child<'_>, place: &str, what: &str) -> Result<Vec<u8>> {
        let mut body = self.zero_times(child, place, what)?;
        let version = body.first().copied().unwrap_or(0);
        if version > 1 {
            return Err(Error::malformed(
                "MP4 header box",
                child.header.start,
                format!(
                    "version {version} of '{}' is unknown",
                    fourcc_name(&child.kind())
                ),
            ));
        }
        let (len, reserved) = fields::header_layout(&child.kind(), version);
        if body.len() < len {
            return Err(Error::truncated(
                "MP4 header box",
                child.header.start,
                format!(
                    "'{}' is shorter than its fields",
                    fourcc_name(&child.kind())
                ),
            ));
        }
        let mut changed = false;
        for span in reserved {
            if let Some(bytes) = body.get_mut(span) {
                changed |= bytes.iter().any(|b| *b != 0);
                bytes.fill(0);
            }
        }
        if changed {
            self.scan.report(
                Finding::removed(Category::Other, "Reserved fields holding data", place, what)
                    .with_fate(Fate::Zeroed),
            );
        }
        if body.get(len..).is_some_and(|r| r.iter().any(|b| *b != 0)) {
            self.report_slack(place, body.len() - len);
        }
        body.truncate(len);
        Ok(body)
    }

    /// Zero the creation and modification times of `mvhd`/`tkhd`/`mdhd`,
    /// reporting the ones that were set.
    fn zero_times(&mut self, child: &Child<'_>, place: &str, what: &str) -> Result<Vec<u8>> {
        let times = TimesBox::parse(child.body, child.header.body_start(), "MP4 header box")?;
        for (value, field) in [
            (times.created, "creation time"),
            (times.modified, "modification time"),
        ] {
            if value != 0 {
                self.scan.report(
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
        let mut body = child.body.to_vec();
        if let Some(span) = body.get_mut(times.span) {
            span.fill(0);
        }
        Ok(body)
    }

    /// Where `offset` lands in the output; an error when its byte is not
    /// copied there (a chunk in a dropped box).
    fn map_offset(&self, offset: u64, at: u64) -> Result<u64> {
        (self.map)(offset).ok_or_else(|| {
            Error::malformed(
                "MP4 chunk offset",
                at,
                format!("offset {offset} does not point into kept media data"),
            )
        })
    }
}
