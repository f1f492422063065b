//! ISO base media files: MP4, MOV, M4V, M4A, 3GP/3G2, fragmented MP4.
//!
//! Only the box structure is parsed. `mdat` is never read: it is copied by
//! range, with the samples of removed tracks replaced by zeroes. `moov` (at
//! most [`Limits::max_moov`]) and fragment headers (`moof`) are read into
//! memory and rewritten.
//!
//! **Removed**: `udta` and `meta` anywhere (QuickTime `©xyz`, 3GPP `loci`,
//! Apple `mdta` keys, iTunes item lists, XMP, GoPro `GPMF`/`FIRM`/`CAME`/…),
//! top-level `uuid` boxes (XMP, C2PA, vendor), `prft`, `free`/`skip`/`wide`
//! padding, `mfra`, unknown boxes, and every track that is not video or
//! audio: timed metadata (GoPro `gpmd`, Apple `mebx`, Google `camm`, DJI),
//! timecode, text/subtitles (unless [`Policy::keep_subtitles`] and the text
//! does not look like positions), hint tracks. The sample bytes of removed
//! tracks are zeroed inside `mdat`, so their content (every GPS fix of a
//! telemetry track) is gone, not just unreferenced.
//!
//! **Zeroed**: creation/modification times of `mvhd`, `tkhd`, `mdhd`;
//! handler names and QuickTime component manufacturers; the vendor, version
//! and compressor name of sample entries and the vendor of 3GPP decoder
//! configurations (`damr`, `d263`, …); in unfragmented files, bytes of
//! `mdat` that no track refers to (leftovers of edits, vendor blobs), when
//! the kept tracks' tables give exact byte ranges.
//!
//! **Kept**: `ftyp`, display matrices (rotation), edit lists, codec
//! configuration and colour boxes inside sample entries, sample tables.
//!
//! **Subtitles** ([`Policy::keep_subtitles`]): a text track is kept only
//! when its first chunks (up to 16, 4 KiB each, read by range) could be read
//! and none looks like positions: no `GPS`/`latitude`/`longitude`/`lat:`/
//! `altitude`/`home(` words and fewer than two numbers with four or more
//! decimals (drone and dashcam subtitle telemetry such as
//! `GPS (24.7536, 59.4370, 19)`). Text that could not be inspected (samples
//! only in movie fragments) is removed. Removed text tracks contribute their
//! first lines as needles for the raw-byte leak scan.
//!
//! **Offsets**: when `moov` comes first (faststart) it shrinks, and the
//! boxes that go are dropped: every `stco`/`co64` entry (and `saio`, and
//! absolute `tfhd` base offsets) is mapped to its new position. When `moov`
//! comes after the media data, nothing moves: removed boxes become `free`
//! boxes of zeroes of the same size and the new `moov` is padded back to its
//! old size, so the plan can be applied in place.
//! In fragmented files, boxes between fragments are blanked in place (a
//! `free` box of zeroes of the same size) rather than dropped, so that
//! offsets relative to a `moof` keep pointing at the same bytes.

// TODO(structure): the MP4 split replaces these guarded index sites with
// the cursor; until then they are allowed here only.
#![allow(clippy::indexing_slicing)]

mod describe;
mod moov;
mod samples;

use std::collections::BTreeMap;

use crate::container::isobmff::{
    fourcc_name, read_body, read_header, zeroed_free_box, BoxHeader, Children,
};
use describe::describe_other;
use moov::{MoovOutcome, MoovRewriter, RemovedTrack};
use samples::{coalesce, overlaps, parse_tfhd, parse_trun, Range, TrackDefaults};

use crate::error::{Error, Result};
use crate::finding::{ensure_findings_room, human_size, Category, Finding};
use crate::formats::Planner;
use crate::io::{Source, SourceExt};
use crate::limits::Mp4Limits as Limits;
use crate::plan::Plan;
use crate::policy::Policy;
use crate::scan::Scan;

/// Maps an input file offset to the output offset of the same byte, or
/// `None` when that byte is not copied unchanged.
pub(crate) type OffsetMap<'a> = dyn Fn(u64) -> Option<u64> + 'a;

/// What the output does with one top-level box.
#[derive(Debug)]
enum Action {
    /// Copied unchanged (removed-track samples inside are zeroed).
    Copy,
    /// Replaced by the rewritten `moov`.
    Moov,
    /// A `moof`, rewritten in place (same size) when needed.
    Moof(Option<Vec<u8>>),
    /// Replaced by a `free` box of zeroes of the same size.
    Blank,
    /// Not written.
    Drop,
}

#[derive(Debug)]
struct TopBox {
    header: BoxHeader,
    action: Action,
    /// Output offset, once the layout is known.
    out_start: u64,
}

impl TopBox {
    /// Whether every byte keeps its position relative to the box start.
    fn is_positional(&self) -> bool {
        matches!(self.action, Action::Copy | Action::Moof(_) | Action::Blank)
    }
}

/// The ISO-BMFF / QuickTime planner.
pub(crate) struct Mp4;

impl Planner for Mp4 {
    fn plan(scan: &mut Scan<'_>) -> Result<Plan> {
        let (findings, plan) = plan_with(scan.src, scan.policy, &scan.limits.mp4)?;
        scan.report_all(findings);
        Ok(plan)
    }
}

/// Plan the cleaning of an ISO-BMFF / QuickTime file under `limits`.
fn plan_with(src: &dyn Source, policy: &Policy, limits: &Limits) -> Result<(Vec<Finding>, Plan)> {
    let limits = *limits;
    let mut findings = Vec::new();
    let (mut top, moov_body) = scan_top_level(src, &limits, &mut findings)?;
    let (moov_index, moov_body) = moov_body.ok_or_else(|| {
        Error::malformed(
            "MP4 file",
            0,
            "no 'moov' box (movie header): nothing can be played",
        )
    })?;
    let moov_header = top
        .get(moov_index)
        .map(|t| t.header)
        .ok_or_else(|| Error::malformed("MP4 file", 0, "moov index"))?;

    // Pass 1: the size of the new moov (offset values do not change it).
    let identity = |offset: u64| Some(offset);
    let sized = MoovRewriter::new(src, policy, &identity, &limits)
        .rewrite(&moov_body, moov_header.body_start())?;
    let new_moov_len = sized.bytes.len() as u64;
    drop(sized);

    // A movie header after all media data can be rewritten in place: the
    // boxes that go are blanked and the shorter moov is padded back to its
    // size, so no sample moves and the plan overwrites only metadata (an
    // in-place clean costs O(metadata) I/O). Otherwise (faststart) boxes are
    // dropped and chunk offsets are mapped to the new positions.
    let moov_padding = if moov_is_last(&top, moov_index) {
        for item in &mut top {
            if matches!(item.action, Action::Drop) && item.header.size <= limits.max_describe {
                item.action = Action::Blank;
            }
        }
        Some(moov_header.size.saturating_sub(new_moov_len)).filter(|pad| *pad >= 8)
    } else {
        None
    };
    let moov_out_len = new_moov_len + moov_padding.unwrap_or(0);

    // Layout: where every kept box lands.
    let mut pos = 0u64;
    for item in &mut top {
        item.out_start = pos;
        pos += match item.action {
            Action::Drop => 0,
            Action::Moov => moov_out_len,
            _ => item.header.size,
        };
    }
    let map = |offset: u64| map_offset(&top, offset);

    // Pass 2: the real moov, with chunk offsets mapped.
    let outcome = MoovRewriter::new(src, policy, &map, &limits)
        .rewrite(&moov_body, moov_header.body_start())?;
    drop(moov_body);
    if outcome.bytes.len() as u64 != new_moov_len {
        return Err(Error::malformed(
            "MP4 moov",
            moov_header.start,
            "rewritten size changed between passes",
        ));
    }
    let MoovOutcome {
        bytes: moov_bytes,
        mut removed,
        mut zero_ranges,
        kept_ranges,
        kept_ranges_exact,
        trex,
        findings: moov_findings,
    } = outcome;
    findings.extend(moov_findings);

    // Movie fragments.
    let mut fragments = FragmentContext {
        src,
        removed: &mut removed,
        trex: &trex,
        zero_ranges: &mut zero_ranges,
        findings: &mut findings,
        limits: &limits,
    };
    let mut moof_outputs = Vec::new();
    let mut moofs_held = 0u64;
    for (index, item) in top.iter().enumerate() {
        if let Action::Moof(_) = item.action {
            let rewritten = fragments.rewrite_moof(&item.header, &map)?;
            moofs_held += rewritten.as_ref().map_or(0, |bytes| bytes.len() as u64);
            if moofs_held > limits.max_moofs_held {
                return Err(Error::Limit {
                    what: "rewritten MP4 movie fragment headers held in memory",
                    offset: item.header.start,
                    limit: limits.max_moofs_held,
                });
            }
            moof_outputs.push((index, rewritten));
        }
    }
    for (index, rewritten) in moof_outputs {
        if let Some(item) = top.get_mut(index) {
            item.action = Action::Moof(rewritten);
        }
    }

    coalesce(&mut zero_ranges);
    let fragmented = top.iter().any(|t| matches!(t.action, Action::Moof(_)));
    if kept_ranges_exact && !fragmented {
        zero_unreferenced(
            src,
            &top,
            &kept_ranges,
            &mut zero_ranges,
            &limits,
            &mut findings,
        )?;
    }
    if overlaps(&zero_ranges, &kept_ranges) {
        return Err(Error::Unsupported(
            "a removed track shares sample bytes with a kept track; zeroing them would damage the media"
                .to_string(),
        ));
    }
    if zero_ranges.len() > limits.max_zero_ranges {
        return Err(Error::Limit {
            what: "separate ranges of media data zeroed",
            offset: zero_ranges.first().map_or(0, |r| r.offset),
            limit: limits.max_zero_ranges as u64,
        });
    }
    let zeroed: u64 = zero_ranges.iter().map(|r| r.len).sum();
    if zeroed > limits.max_zeroed {
        return Err(Error::Limit {
            what: "sample bytes of removed tracks",
            offset: 0,
            limit: limits.max_zeroed,
        });
    }
    for (track_id, track) in &removed {
        findings.push(track.finding(*track_id));
    }
    ensure_findings_room(findings.len(), 0)?;

    let plan = emit(
        &top,
        &moov_bytes,
        moov_padding.unwrap_or(0),
        &zero_ranges,
        &limits,
    );
    Ok((findings, plan))
}

/// Walk the top-level boxes, deciding the fate of each and reading `moov`.
#[allow(clippy::type_complexity)]
fn scan_top_level(
    src: &dyn Source,
    limits: &Limits,
    findings: &mut Vec<Finding>,
) -> Result<(Vec<TopBox>, Option<(usize, Vec<u8>)>)> {
    let len = src.len();
    let mut top = Vec::new();
    let mut moov = None;
    let mut pos = 0u64;
    let mut fragmented = false;
    while pos < len {
        ensure_findings_room(findings.len(), pos)?;
        if top.len() >= limits.max_top_level {
            return Err(Error::Limit {
                what: "number of top-level MP4 boxes",
                offset: pos,
                limit: limits.max_top_level as u64,
            });
        }
        let header = match read_header(src, pos, len) {
            Ok(header) => header,
            // Bytes after the last box that are not a box: vendor trailers
            // (Samsung SEF, Insta360, ...) or padding. They are dropped, so
            // a phone video with a trailer is cleaned rather than refused.
            Err(_) if moov.is_some() && !looks_like_box_type(src, pos, len)? => {
                describe_trailer(src, pos, len, limits, findings)?;
                top.push(TopBox {
                    header: BoxHeader {
                        kind: TRAILER,
                        start: pos,
                        header_len: 0,
                        size: len - pos,
                    },
                    action: Action::Drop,
                    out_start: 0,
                });
                break;
            }
            Err(err) => return Err(err),
        };
        let kind = header.kind;
        let place = fourcc_name(&kind);
        let action = match &kind {
            b"ftyp" | b"styp" | b"sidx" | b"ssix" | b"mdat" => Action::Copy,
            b"moov" => {
                if moov.is_some() {
                    return Err(Error::malformed(
                        STRUCTURE_FILE,
                        pos,
                        "more than one 'moov' box",
                    ));
                }
                let body = read_body(src, &header, limits.max_moov, "MP4 moov")?;
                moov = Some((top.len(), body));
                Action::Moov
            }
            b"moof" => {
                fragmented = true;
                Action::Moof(None)
            }
            b"mfra" => {
                findings.push(Finding::removed(
                    Category::Other,
                    "Fragment random-access index",
                    place,
                    human_size(header.size),
                ));
                Action::Drop
            }
            b"free" | b"skip" | b"wide" | b"junk" => {
                if !is_all_zero(src, &header, limits)? {
                    findings.push(Finding::removed(
                        Category::Other,
                        "Padding with leftover data",
                        place,
                        human_size(header.size),
                    ));
                }
                Action::Drop
            }
            _ => {
                let body = if header.body_len() <= limits.max_describe
                    && matches!(&kind, b"uuid" | b"meta" | b"udta")
                {
                    Some(read_body(
                        src,
                        &header,
                        limits.max_describe,
                        "MP4 metadata box",
                    )?)
                } else {
                    None
                };
                describe_other(&kind, body.as_deref(), header.size, &place, findings);
                Action::Drop
            }
        };
        top.push(TopBox {
            header,
            action,
            out_start: 0,
        });
        pos = header.end();
    }
    ensure_findings_room(findings.len(), pos)?;
    if fragmented {
        // Offsets inside fragments may be relative to their moof: nothing
        // after the movie header may move relative to the fragments.
        let first_moof = top
            .iter()
            .position(|t| matches!(t.action, Action::Moof(_)))
            .unwrap_or(0);
        let moov_at = moov.as_ref().map_or(0, |(i, _)| *i);
        for item in top.iter_mut().skip(moov_at.min(first_moof)) {
            if matches!(item.action, Action::Drop) {
                if item.header.size > limits.max_describe {
                    return Err(Error::Limit {
                        what: "size of a metadata box between movie fragments",
                        offset: item.header.start,
                        limit: limits.max_describe,
                    });
                }
                item.action = Action::Blank;
            }
        }
    }
    Ok((top, moov))
}

const STRUCTURE_FILE: &str = "MP4 file";

/// Pseudo box type of the bytes after the last box.
const TRAILER: crate::container::isobmff::FourCc = *b"\0trl";

/// Whether the bytes at `pos` carry a box type (four printable ASCII
/// characters after the size): then a header that does not fit is a
/// truncated box, which is an error, not a trailer to drop.
fn looks_like_box_type(src: &dyn Source, pos: u64, len: u64) -> Result<bool> {
    let left = len.saturating_sub(pos);
    if left < 8 {
        // Too short for a header: zero padding is a trailer, anything else
        // is taken as a cut-off box header.
        let mut tail = [0u8; 8];
        let tail = tail.get_mut(..left as usize).unwrap_or_default();
        src.read_at(pos, tail)?;
        return Ok(tail.iter().any(|b| *b != 0));
    }
    let mut head = [0u8; 8];
    src.read_at(pos, &mut head)?;
    Ok(head.get(4..8).is_some_and(|kind| {
        kind.iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b' ' || *b == 0xA9)
    }))
}

/// Report the bytes after the last box, unless they are only zero padding
/// (as a blanked trailer is when the output is inspected again).
fn describe_trailer(
    src: &dyn Source,
    start: u64,
    len: u64,
    limits: &Limits,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    let size = len - start;
    let pseudo = BoxHeader {
        kind: TRAILER,
        start,
        header_len: 0,
        size,
    };
    if size <= limits.max_describe && is_all_zero(src, &pseudo, limits)? {
        return Ok(());
    }
    let mut tail = [0u8; 8];
    let tail_len = size.min(8) as usize;
    let tail = tail.get_mut(..tail_len).unwrap_or_default();
    src.read_at(len - tail_len as u64, tail)?;
    let what = if tail.windows(4).any(|w| w == b"SEFT") {
        "Samsung SEF trailer"
    } else {
        "data after the last box"
    };
    findings.push(Finding::removed(
        Category::Embedded,
        "Trailer",
        format!("after the last box at offset {start}"),
        format!("{what}, {}", human_size(size)),
    ));
    Ok(())
}

/// Zero the bytes of `mdat` that no kept or removed track refers to, when
/// they are not zero already: leftovers of edits, vendor blobs, data of
/// tracks deleted by an earlier tool. Only called when the kept tracks'
/// sample ranges are exact.
fn zero_unreferenced(
    src: &dyn Source,
    top: &[TopBox],
    kept: &[Range],
    zero_ranges: &mut Vec<Range>,
    limits: &Limits,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    let mut referenced: Vec<Range> = kept.iter().chain(zero_ranges.iter()).copied().collect();
    coalesce(&mut referenced);
    let mut gaps = Vec::new();
    for item in top.iter().filter(|t| t.header.kind == *b"mdat") {
        let (start, end) = (item.header.body_start(), item.header.end());
        let mut pos = start;
        let first = referenced.partition_point(|r| r.end() <= start);
        for range in referenced.iter().skip(first) {
            if range.offset >= end {
                break;
            }
            if range.offset > pos {
                if gaps.len() >= limits.max_zero_ranges {
                    return Err(Error::Limit {
                        what: "separate ranges of media data referenced by no track",
                        offset: pos,
                        limit: limits.max_zero_ranges as u64,
                    });
                }
                gaps.push(Range {
                    offset: pos,
                    len: range.offset - pos,
                });
            }
            pos = pos.max(range.end());
        }
        if end > pos {
            gaps.push(Range {
                offset: pos,
                len: end - pos,
            });
        }
    }
    let total: u64 = gaps.iter().map(|g| g.len).sum();
    if total == 0 {
        return Ok(());
    }
    if total > limits.max_zeroed {
        return Err(Error::Limit {
            what: "media data referenced by no track",
            offset: gaps.first().map_or(0, |g| g.offset),
            limit: limits.max_zeroed,
        });
    }
    let mut dirty = Vec::new();
    for gap in gaps {
        if !range_is_zero(src, gap)? {
            dirty.push(gap);
        }
    }
    if dirty.is_empty() {
        return Ok(());
    }
    let bytes: u64 = dirty.iter().map(|g| g.len).sum();
    findings.push(
        Finding::removed(
            Category::Other,
            "Media data referenced by no track",
            "mdat",
            format!("{} in {} range(s)", human_size(bytes), dirty.len()),
        )
        .with_fate(crate::finding::Fate::Zeroed),
    );
    zero_ranges.extend(dirty);
    coalesce(zero_ranges);
    Ok(())
}

/// Whether a range of the input holds only zeroes (read in bounded chunks).
fn range_is_zero(src: &dyn Source, range: Range) -> Result<bool> {
    crate::io::zero::is_zero(src, range.offset, range.end())
}

/// Whether `moov` follows every `mdat` of an unfragmented file.
fn moov_is_last(top: &[TopBox], moov_index: usize) -> bool {
    let fragmented = top.iter().any(|t| matches!(t.action, Action::Moof(_)));
    let last_mdat = top.iter().rposition(|t| t.header.kind == *b"mdat");
    !fragmented && last_mdat.is_some_and(|mdat| mdat < moov_index)
}

/// Whether a padding box holds only zeroes (bounded reads; a huge box is
/// treated as holding data).
fn is_all_zero(src: &dyn Source, header: &BoxHeader, limits: &Limits) -> Result<bool> {
    if header.body_len() > limits.max_describe {
        return Ok(false);
    }
    range_is_zero(
        src,
        Range {
            offset: header.body_start(),
            len: header.body_len(),
        },
    )
}

fn map_offset(top: &[TopBox], offset: u64) -> Option<u64> {
    let index = top
        .partition_point(|t| t.header.start <= offset)
        .checked_sub(1)?;
    let item = top.get(index)?;
    if offset < item.header.end() && item.is_positional() {
        Some(item.out_start + (offset - item.header.start))
    } else {
        None
    }
}

/// Turn the decisions into the plan.
fn emit(
    top: &[TopBox],
    moov: &[u8],
    moov_padding: u64,
    zero_ranges: &[Range],
    limits: &Limits,
) -> Plan {
    let mut plan = Plan::new();
    for item in top {
        match &item.action {
            Action::Drop => {}
            Action::Moov => {
                plan.data(moov.to_vec());
                free_boxes(&mut plan, moov_padding, limits.max_describe);
            }
            Action::Moof(Some(bytes)) => plan.data(bytes.clone()),
            Action::Blank => free_boxes(&mut plan, item.header.size, limits.max_describe),
            Action::Copy | Action::Moof(None) => {
                copy_with_holes(&mut plan, item.header.start, item.header.end(), zero_ranges)
            }
        }
    }
    plan
}

/// Append exactly `size` bytes (0, or at least 8) of `free` boxes of zeroes,
/// none larger than `max_box` (at least 16), as headers and zero runs: no
/// padding is held in memory, and a re-inspection reads every box as empty
/// padding (boxes over `max_describe` are taken to hold data, so a single
/// 64 MiB pad after a shrunken `moov` made the output fail verification).
fn free_boxes(plan: &mut Plan, size: u64, max_box: u64) {
    let max_box = max_box.clamp(16, u64::from(u32::MAX));
    let mut left = size;
    while left >= 8 {
        let mut this = left.min(max_box);
        if (1..8).contains(&(left - this)) {
            // Leave room for a last box of at least 8 bytes.
            this -= 8;
        }
        let mut header = Vec::with_capacity(8);
        header.extend_from_slice(&(this as u32).to_be_bytes());
        header.extend_from_slice(b"free");
        plan.data(header);
        plan.zeros(this - 8);
        left -= this;
    }
    // Too short for a box header (a tiny trailer): zero padding.
    plan.zeros(left);
}

/// Copy `[start, end)` with the parts covered by `holes` replaced by zeroes.
fn copy_with_holes(plan: &mut Plan, start: u64, end: u64, holes: &[Range]) {
    let first = holes.partition_point(|h| h.end() <= start);
    let mut pos = start;
    for hole in holes.iter().skip(first) {
        if hole.offset >= end {
            break;
        }
        let from = hole.offset.max(pos);
        let to = hole.end().min(end);
        if from > pos {
            plan.copy(pos, from - pos);
        }
        if to > from {
            plan.zeros(to - from);
            pos = to;
        }
    }
    if end > pos {
        plan.copy(pos, end - pos);
    }
}

/// State for rewriting movie fragments.
struct FragmentContext<'a> {
    src: &'a dyn Source,
    removed: &'a mut BTreeMap<u32, RemovedTrack>,
    trex: &'a BTreeMap<u32, TrackDefaults>,
    zero_ranges: &'a mut Vec<Range>,
    findings: &'a mut Vec<Finding>,
    limits: &'a Limits,
}

impl FragmentContext<'_> {
    /// Rewrite one `moof` in place: fragments of removed tracks and any
    /// metadata become `free` boxes of zeroes of the same size, absolute
    /// base offsets are mapped. `None` when nothing changes.
    fn rewrite_moof(&mut self, header: &BoxHeader, map: &OffsetMap<'_>) -> Result<Option<Vec<u8>>> {
        let whole =
            self.src
                .read_vec(header.start, header.size, self.limits.max_moof, "MP4 moof")?;
        let mut out = whole.clone();
        let mut changed = false;
        let body = whole.get(header.header_len as usize..).unwrap_or_default();
        let moof_start = header.start;
        let mut previous_data_end: Option<u64> = None;
        for child in Children::new(body, header.body_start()) {
            let child = child?;
            ensure_findings_room(self.findings.len(), child.header.start)?;
            let at = (child.header.start - moof_start) as usize;
            let span = at..at + child.whole.len();
            match &child.kind() {
                b"traf" => {
                    let mut track_id = None;
                    let mut base = None;
                    let mut default_size = None;
                    let mut run_end: Option<u64> = None;
                    let mut samples = 0u64;
                    let mut ranges = Vec::new();
                    let mut base_patch = None;
                    let mut metadata = Vec::new();
                    for part in Children::new(child.body, child.header.body_start()) {
                        let part = part?;
                        match &part.kind() {
                            b"tfhd" => {
                                let tfhd = parse_tfhd(part.body, part.header.body_start())?;
                                track_id = Some(tfhd.track_id);
                                default_size = tfhd.default_sample_size;
                                base = Some(match tfhd.base_data_offset {
                                    Some((offset, field_at)) => {
                                        base_patch = Some((
                                            (part.header.body_start() - moof_start) as usize
                                                + field_at,
                                            offset,
                                        ));
                                        offset
                                    }
                                    None if tfhd.default_base_is_moof => moof_start,
                                    None => previous_data_end.unwrap_or(moof_start),
                                });
                            }
                            b"trun" => {
                                let (Some(id), Some(base)) = (track_id, base) else {
                                    return Err(Error::malformed(
                                        "MP4 traf",
                                        part.header.start,
                                        "'trun' before 'tfhd'",
                                    ));
                                };
                                let size = default_size
                                    .or_else(|| self.trex.get(&id).map(|d| d.sample_size))
                                    .unwrap_or(0);
                                let run = parse_trun(part.body, part.header.body_start(), size)?;
                                let start = match run.data_offset {
                                    Some(rel) => base.checked_add_signed(rel),
                                    None => Some(run_end.unwrap_or(base)),
                                }
                                .ok_or_else(|| {
                                    Error::malformed(
                                        "MP4 trun",
                                        part.header.start,
                                        "data offset out of range",
                                    )
                                })?;
                                let end = start
                                    .checked_add(run.bytes)
                                    .filter(|e| *e <= self.src.len());
                                let Some(end) = end else {
                                    return Err(Error::malformed(
                                        "MP4 trun",
                                        part.header.start,
                                        "sample data lies outside the file",
                                    ));
                                };
                                run_end = Some(end);
                                samples += run.samples;
                                ranges.push(Range {
                                    offset: start,
                                    len: run.bytes,
                                });
                            }
                            b"meta" | b"udta" => metadata.push(part),
                            _ => {}
                        }
                    }
                    if run_end.is_some() {
                        previous_data_end = run_end;
                    }
                    let removed = track_id.and_then(|id| self.removed.get_mut(&id));
                    if let Some(track) = removed {
                        track.samples += samples;
                        track.bytes += ranges.iter().map(|r| r.len).sum::<u64>();
                        self.zero_ranges.extend(ranges);
                        blank(&mut out, span)?;
                        changed = true;
                        continue;
                    }
                    if let Some((field_at, offset)) = base_patch {
                        let mapped = map(offset).ok_or_else(|| {
                            Error::malformed(
                                "MP4 tfhd",
                                child.header.start,
                                "base data offset points outside kept data",
                            )
                        })?;
                        if mapped != offset {
                            if let Some(field) = out.get_mut(field_at..field_at + 8) {
                                field.copy_from_slice(&mapped.to_be_bytes());
                                changed = true;
                            }
                        }
                    }
                    for part in metadata {
                        let place = format!("moof/traf/{}", fourcc_name(&part.kind()));
                        describe_other(
                            &part.kind(),
                            Some(part.body),
                            part.header.size,
                            &place,
                            self.findings,
                        );
                        let at = (part.header.start - moof_start) as usize;
                        blank(&mut out, at..at + part.whole.len())?;
                        changed = true;
                    }
                }
                b"meta" | b"udta" | b"free" | b"skip" => {
                    if child.kind() == *b"free" || child.kind() == *b"skip" {
                        if child.body.iter().all(|b| *b == 0) {
                            continue;
                        }
                        self.findings.push(Finding::removed(
                            Category::Other,
                            "Padding with leftover data",
                            "moof/free",
                            human_size(child.header.size),
                        ));
                    } else {
                        let place = format!("moof/{}", fourcc_name(&child.kind()));
                        describe_other(
                            &child.kind(),
                            Some(child.body),
                            child.header.size,
                            &place,
                            self.findings,
                        );
                    }
                    blank(&mut out, span)?;
                    changed = true;
                }
                _ => {}
            }
        }
        Ok(changed.then_some(out))
    }
}

/// Overwrite `span` of a buffer with a `free` box of zeroes.
fn blank(buf: &mut [u8], span: std::ops::Range<usize>) -> Result<()> {
    let len = span.len();
    let free = zeroed_free_box(len).ok_or_else(|| {
        Error::malformed(STRUCTURE_FILE, span.start as u64, "box too large to blank")
    })?;
    if let Some(target) = buf.get_mut(span) {
        target.copy_from_slice(&free);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
