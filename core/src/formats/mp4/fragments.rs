//! Movie fragments (ISO/IEC 14496-12 § 8.8): each `moof` is rewritten in
//! place, at the same size, so that offsets relative to it keep pointing at
//! the same bytes.
//!
//! A track fragment (`traf`) of a removed track becomes a `free` box of
//! zeroes and its samples (located from `tfhd`/`trun`, § 8.8.7–8.8.8) are
//! zeroed inside `mdat`; metadata and padding with data are blanked the
//! same way; absolute base data offsets are mapped to the output layout.

use std::collections::{BTreeMap, BTreeSet};

use super::content::{check_removed_sample, is_checkable, FrameWalk};
use super::describe::report_removed;
use super::layout::OffsetMap;
use super::moov::RemovedTrack;
use super::samples::{
    for_each_trun_sample, parse_tfhd, parse_trun, trun_declared_len, Range, TrackDefaults,
};
use super::top::{Action, TopBox};
use super::STRUCTURE_FILE;
use crate::container::isobmff::{fourcc_name, zeroed_free_box, BoxHeader, Child, Children, FourCc};
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Finding};
use crate::io::SourceExt;
use crate::scan::Scan;

/// Whether an `sgpd`/`sbgp` body names a sample grouping this cleaner
/// knows (§ 10): see [`super::moov::known_grouping_type`].
fn is_known_grouping(body: &[u8]) -> bool {
    body.get(4..8)
        .and_then(|kind| FourCc::try_from(kind).ok())
        .is_some_and(|kind| super::moov::known_grouping_type(&kind))
}

/// The rewritten bytes of one `moof`, by index among the top-level boxes;
/// `None` when nothing in it changes.
pub(super) type MoofOutputs = Vec<(usize, Option<Vec<u8>>)>;

/// State for rewriting movie fragments.
pub(super) struct FragmentContext<'s, 'a> {
    pub scan: &'s mut Scan<'a>,
    /// Tracks removed from `moov`: their fragments go too.
    pub removed: &'s mut BTreeMap<u32, RemovedTrack>,
    /// `trex` defaults by track ID.
    pub trex: &'s BTreeMap<u32, TrackDefaults>,
    /// Sample data to zero (fragments of removed tracks are added).
    pub zero_ranges: &'s mut Vec<Range>,
    /// Sample data of kept tracks (fragments of kept tracks are added).
    pub kept_ranges: &'s mut Vec<Range>,
    /// Tracks kept in `moov`: fragments of any other track go.
    pub kept_tracks: &'s BTreeSet<u32>,
    /// Kept Motion JPEG tracks: their frames are walked.
    pub mjpeg: &'s BTreeSet<u32>,
    /// Motion JPEG frames walked so far.
    pub frames: &'s mut FrameWalk,
    /// Input to output offsets.
    pub map: &'s OffsetMap<'s>,
}

/// One `moof` being rewritten: a copy of its bytes to patch.
struct MoofEdit {
    /// File offset of the `moof`.
    start: u64,
    out: Vec<u8>,
    changed: bool,
}

impl MoofEdit {
    /// Index in `out` of file offset `at` (inside this `moof`).
    fn index(&self, at: u64) -> usize {
        (at - self.start) as usize
    }

    /// Overwrite the box at `header` with a `free` box of zeroes.
    fn blank(&mut self, header: &BoxHeader) -> Result<()> {
        let at = self.index(header.start);
        let span = at..at + header.size as usize;
        let free = zeroed_free_box(span.len()).ok_or_else(|| {
            Error::malformed(STRUCTURE_FILE, span.start as u64, "box too large to blank")
        })?;
        if let Some(target) = self.out.get_mut(span) {
            target.copy_from_slice(&free);
        }
        self.changed = true;
        Ok(())
    }
}

impl MoofEdit {
    /// Zero the bytes of `child`'s body after its first `declared` bytes
    /// (slack after a box's declared fields).
    fn zero_slack(&mut self, child: &Child<'_>, declared: usize) {
        let Some(slack) = child.body.get(declared..) else {
            return;
        };
        if slack.iter().all(|b| *b == 0) {
            return;
        }
        let at = self.index(child.header.body_start()) + declared;
        if let Some(target) = self.out.get_mut(at..at + slack.len()) {
            target.fill(0);
            self.changed = true;
        }
    }
}

/// One `trun`: its body, where its samples start, the default size.
struct Run<'b> {
    body: &'b [u8],
    body_start: u64,
    data_start: u64,
    default_size: u32,
}

/// What a `traf` holds: its track, where its samples lie, its metadata.
struct TrafContents<'b> {
    track_id: Option<u32>,
    /// Sample data of every `trun`.
    ranges: Vec<Range>,
    samples: u64,
    /// End of the last run's data, the default base of the next `traf`.
    data_end: Option<u64>,
    /// Explicit base data offset: where it is stored in the `moof`, and its
    /// value.
    base_offset: Option<(usize, u64)>,
    /// Boxes blanked: metadata and every box this rewrite does not know.
    metadata: Vec<Child<'b>>,
    /// Every `trun`, to walk its samples.
    runs: Vec<Run<'b>>,
    /// Boxes with declared fields, and where those fields end (their slack
    /// is zeroed).
    slack: Vec<(Child<'b>, usize)>,
}

impl FragmentContext<'_, '_> {
    /// Rewrite every `moof` among `boxes`, holding at most
    /// `max_moofs_held` bytes of rewritten headers.
    pub fn rewrite_all(&mut self, boxes: &[TopBox]) -> Result<MoofOutputs> {
        let limit = self.scan.limits.mp4.max_moofs_held;
        let mut outputs = Vec::new();
        let mut held = 0u64;
        for (index, item) in boxes.iter().enumerate() {
            if let Action::Moof(_) = item.action {
                let rewritten = self.rewrite_moof(&item.header)?;
                held += rewritten.as_ref().map_or(0, |bytes| bytes.len() as u64);
                if held > limit {
                    return Err(Error::Limit {
                        what: "rewritten MP4 movie fragment headers held in memory",
                        offset: item.header.start,
                        limit,
                    });
                }
                outputs.push((index, rewritten));
            }
        }
        Ok(outputs)
    }

    /// Rewrite one `moof` in place: fragments of removed tracks and any
    /// metadata become `free` boxes of zeroes of the same size, absolute
    /// base offsets are mapped. `None` when nothing changes.
    fn rewrite_moof(&mut self, header: &BoxHeader) -> Result<Option<Vec<u8>>> {
        let max_moof = self.scan.limits.mp4.max_moof;
        let whole = self
            .scan
            .src
            .read_vec(header.start, header.size, max_moof, "MP4 moof")?;
        let mut edit = MoofEdit {
            start: header.start,
            out: whole.clone(),
            changed: false,
        };
        let body = whole.get(header.header_len as usize..).unwrap_or_default();
        let mut previous_data_end = None;
        for child in Children::new(body, header.body_start()) {
            let child = child?;
            self.scan.ensure_findings_room(child.header.start)?;
            match &child.kind() {
                b"traf" => self.rewrite_traf(&child, &mut edit, &mut previous_data_end)?,
                b"mfhd" => {
                    // FullBox and sequence_number.
                    if child.body.len() < 8 {
                        return Err(Error::truncated(
                            "MP4 mfhd",
                            child.header.start,
                            "truncated",
                        ));
                    }
                    edit.zero_slack(&child, 8);
                }
                // Padding that holds nothing stays as it is.
                b"free" | b"skip" if child.body.iter().all(|b| *b == 0) => {}
                // `pssh`, metadata, padding with data, anything unknown.
                _ => self.blank_metadata(&child, "moof", &mut edit)?,
            }
        }
        Ok(edit.changed.then_some(edit.out))
    }

    /// Blank a whole `traf` of a removed track (zeroing its samples), or
    /// map its base offset and blank its metadata.
    fn rewrite_traf(
        &mut self,
        traf: &Child<'_>,
        edit: &mut MoofEdit,
        previous_data_end: &mut Option<u64>,
    ) -> Result<()> {
        let contents = self.read_traf(traf, edit, *previous_data_end)?;
        if contents.data_end.is_some() {
            *previous_data_end = contents.data_end;
        }
        let undeclared = contents
            .track_id
            .filter(|id| !self.kept_tracks.contains(id) && !self.removed.contains_key(id));
        if let Some(id) = undeclared {
            // A fragment of a track the movie does not declare: nothing can
            // play it, so it is whatever its writer hid there.
            self.removed.insert(
                id,
                RemovedTrack {
                    category: Category::Other,
                    field: "Track",
                    what: "Fragments of a track the movie does not declare".to_string(),
                    samples: 0,
                    bytes: 0,
                    needles: Vec::new(),
                    format: [0; 4],
                },
            );
        }
        let removed = contents.track_id.and_then(|id| self.removed.get_mut(&id));
        if let Some(track) = removed {
            track.samples += contents.samples;
            track.bytes += contents.ranges.iter().map(|r| r.len).sum::<u64>();
            let format = track.format;
            if is_checkable(&format) {
                for run in &contents.runs {
                    let mut at = run.data_start;
                    let scan = &mut *self.scan;
                    let frames = &mut *self.frames;
                    let limit = scan.limits.mp4.max_samples_walked;
                    for_each_trun_sample(
                        run.body,
                        run.body_start,
                        run.default_size,
                        limit,
                        |size| {
                            frames.count(scan, at)?;
                            check_removed_sample(scan, &format, at, size)?;
                            at = at.saturating_add(size);
                            Ok(())
                        },
                    )?;
                }
            }
            self.zero_ranges.extend(contents.ranges);
            return edit.blank(&traf.header);
        }
        if let Some(track_id) = contents.track_id.filter(|id| self.mjpeg.contains(id)) {
            for run in &contents.runs {
                let mut at = run.data_start;
                let scan = &*self.scan;
                let frames = &mut *self.frames;
                for_each_trun_sample(
                    run.body,
                    run.body_start,
                    run.default_size,
                    scan.limits.mp4.max_samples_walked,
                    |size| {
                        frames.frame(scan, track_id, at, size)?;
                        at = at.saturating_add(size);
                        Ok(())
                    },
                )?;
            }
        }
        self.kept_ranges.extend(contents.ranges.iter().copied());
        for (child, declared) in &contents.slack {
            edit.zero_slack(child, *declared);
        }
        if let Some((field_at, offset)) = contents.base_offset {
            let mapped = (self.map)(offset).ok_or_else(|| {
                Error::malformed(
                    "MP4 tfhd",
                    traf.header.start,
                    "base data offset points outside kept data",
                )
            })?;
            if mapped != offset {
                if let Some(field) = edit.out.get_mut(field_at..field_at + 8) {
                    field.copy_from_slice(&mapped.to_be_bytes());
                    edit.changed = true;
                }
            }
        }
        for part in &contents.metadata {
            self.blank_metadata(part, "moof/traf", edit)?;
        }
        Ok(())
    }

    /// Locate the samples of a `traf` from its `tfhd` and `trun`s.
    ///
    /// The base of a run is the explicit base data offset, else the `moof`
    /// (`default-base-is-moof`), else the end of the previous `traf`'s data
    /// (§ 8.8.7.1).
    fn read_traf<'b>(
        &self,
        traf: &Child<'b>,
        edit: &MoofEdit,
        previous_data_end: Option<u64>,
    ) -> Result<TrafContents<'b>> {
        let moof_start = edit.start;
        let mut contents = TrafContents {
            track_id: None,
            ranges: Vec::new(),
            samples: 0,
            data_end: None,
            base_offset: None,
            metadata: Vec::new(),
            runs: Vec::new(),
            slack: Vec::new(),
        };
        let mut base = None;
        let mut default_size = None;
        for part in Children::new(traf.body, traf.header.body_start()) {
            let part = part?;
            match &part.kind() {
                b"tfhd" => {
                    let tfhd = parse_tfhd(part.body, part.header.body_start())?;
                    contents.slack.push((part, tfhd.declared_len));
                    contents.track_id = Some(tfhd.track_id);
                    default_size = tfhd.default_sample_size;
                    base = Some(match tfhd.base_data_offset {
                        Some((offset, field_at)) => {
                            let at = edit.index(part.header.body_start()) + field_at;
                            contents.base_offset = Some((at, offset));
                            offset
                        }
                        None if tfhd.default_base_is_moof => moof_start,
                        None => previous_data_end.unwrap_or(moof_start),
                    });
                }
                b"trun" => {
                    let (Some(id), Some(base)) = (contents.track_id, base) else {
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
                        None => Some(contents.data_end.unwrap_or(base)),
                    }
                    .ok_or_else(|| {
                        Error::malformed("MP4 trun", part.header.start, "data offset out of range")
                    })?;
                    let end = start
                        .checked_add(run.bytes)
                        .filter(|e| *e <= self.scan.src.len());
                    let Some(end) = end else {
                        return Err(Error::malformed(
                            "MP4 trun",
                            part.header.start,
                            "sample data lies outside the file",
                        ));
                    };
                    contents.data_end = Some(end);
                    contents.slack.push((
                        part,
                        trun_declared_len(part.body, part.header.body_start())?,
                    ));
                    contents.runs.push(Run {
                        body: part.body,
                        body_start: part.header.body_start(),
                        data_start: start,
                        default_size: size,
                    });
                    contents.samples += run.samples;
                    contents.ranges.push(Range {
                        offset: start,
                        len: run.bytes,
                    });
                }
                b"tfdt" => {
                    let version = part.body.first().copied().unwrap_or(0);
                    let declared = if version == 1 { 12 } else { 8 };
                    if part.body.len() < declared {
                        return Err(Error::truncated("MP4 tfdt", part.header.start, "truncated"));
                    }
                    contents.slack.push((part, declared));
                }
                b"sgpd" | b"sbgp" if is_known_grouping(part.body) => {}
                b"subs" | b"saiz" | b"saio" | b"sdtp" => {}
                b"free" | b"skip" if part.body.iter().all(|b| *b == 0) => {}
                // Metadata, encryption boxes, padding with data, `uuid`
                // (PIFF, vendors) and anything unknown.
                _ => contents.metadata.push(part),
            }
        }
        Ok(contents)
    }

    /// Report and blank a metadata box, or a padding box that holds data,
    /// found in a `moof` or `traf` (`parent`).
    fn blank_metadata(
        &mut self,
        child: &Child<'_>,
        parent: &str,
        edit: &mut MoofEdit,
    ) -> Result<()> {
        let kind = child.kind();
        if matches!(&kind, b"free" | b"skip") {
            if child.body.iter().all(|b| *b == 0) {
                return Ok(());
            }
            self.scan.report(Finding::removed(
                Category::Other,
                "Padding with leftover data",
                "moof/free",
                human_size(child.header.size),
            ));
        } else {
            let place = format!("{parent}/{}", fourcc_name(&kind));
            report_removed(self.scan, &child.header, Some(child.body), &place)?;
        }
        edit.blank(&child.header)
    }
}
