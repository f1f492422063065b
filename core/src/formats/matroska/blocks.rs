//! The walk over the clusters: every child of every `Cluster` and
//! `BlockGroup` is judged by [`super::rules::in_cluster`] (headers only,
//! counted against the element limit), the blocks of tracks that are not
//! video or audio are judged and voided (see the module doc of [`super`]),
//! and the frames of Motion JPEG tracks are blanked in place.
//!
//! Blocks are `SimpleBlock`s and the `Block` of `BlockGroup`s (RFC 9559
//! § 10): a track number (a VINT), a 16-bit timestamp, flags, then the
//! frame. Only the track number is read from the blocks of kept tracks,
//! and the frames of Motion JPEG tracks (their JPEG headers, and their
//! entropy-coded data to find where each image ends). The walk is
//! streaming: nothing is held per block but the plan's own overwrites.

use std::collections::BTreeMap;

use super::rules::{in_cluster, InCluster, Master, CLUSTER_CHILDREN};
use super::tracks::Track;
use super::{id, known_end, Crc, Walker, BLANKED, READ_BUDGET, STRUCTURE};
use crate::container::ebml::{self, Children, Element};
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::io::SourceExt;
use crate::metadata::subtitle::printable_runs;

/// Which walk over the blocks of a Segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pass {
    /// Count and read every block of the readable text tracks, to judge
    /// them (only when [`crate::Policy::keep_subtitles`] asks to keep some).
    Inspect,
    /// Judge every child of every cluster, void the blocks and cues of
    /// removed tracks (counting them and reading the text of their first
    /// blocks) and blank the metadata of Motion JPEG frames.
    Clean,
}

/// What became of one block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Unchanged.
    Kept,
    /// Kept, with some of its bytes blanked (Motion JPEG metadata).
    Changed,
    /// Voided whole (with its BlockGroup).
    Voided,
}

/// Elements removed from the clusters of one Segment, by kind: one
/// finding each, whatever their number.
#[derive(Debug, Default)]
pub(super) struct ClusterRemovals(BTreeMap<&'static str, Removed>);

#[derive(Debug)]
struct Removed {
    category: Category,
    count: u64,
    bytes: u64,
    /// Printable runs of the first one.
    text: Vec<String>,
}

impl Walker<'_, '_> {
    /// Walk the clusters of the Segment (`data..end`): decide which tracks
    /// go, void them with their blocks and cues, judge every cluster child,
    /// blank Motion JPEG frames, and report. Returns whether anything
    /// changed.
    pub(super) fn filter_tracks(&mut self, data: u64, end: u64) -> Result<bool> {
        let keep_subtitles = self.scan.policy.keep_subtitles;
        let all_media = self.segment.tracks.iter().all(Track::is_media);
        let removed = !all_media && self.decide_removals(data, end, keep_subtitles)?;
        for track in self.segment.tracks.iter_mut().filter(|t| t.remove) {
            track.blocks = 0;
            track.bytes = 0;
        }
        let changed = self.walk_blocks(data, end, Pass::Clean)?;
        if !all_media {
            self.report_tracks(keep_subtitles);
        }
        self.report_cluster_removals();
        if removed {
            self.void_removed_entries()?;
        }
        Ok(removed || changed)
    }

    /// Mark the tracks to remove, after reading the text of the candidates
    /// for keeping. Returns whether any goes.
    fn decide_removals(&mut self, data: u64, end: u64, keep_subtitles: bool) -> Result<bool> {
        if keep_subtitles && self.segment.tracks.iter().any(Track::is_readable_text) {
            self.walk_blocks(data, end, Pass::Inspect)?;
        }
        for track in &mut self.segment.tracks {
            track.remove = !track.is_media() && !track.keep(keep_subtitles);
        }
        Ok(self.segment.tracks.iter().any(|t| t.remove))
    }

    /// Report every track that is not media, kept or removed.
    fn report_tracks(&mut self, keep_subtitles: bool) {
        for track in &self.segment.tracks {
            if let Some(finding) = track_finding(track, keep_subtitles) {
                self.scan.report(finding);
            }
        }
    }

    /// Report what the cluster walk removed and what Motion JPEG frames
    /// held.
    fn report_cluster_removals(&mut self) {
        let removals = std::mem::take(&mut self.segment.cluster_removals);
        for (field, removed) in removals.0 {
            let mut value = format!(
                "{} element(s), {}",
                removed.count,
                human_size(removed.bytes)
            );
            if let Some(first) = removed.text.first() {
                value.push_str(&format!(": \"{first}\""));
            }
            let mut finding = Finding::removed(removed.category, field, "Segment/Cluster", value);
            for text in &removed.text {
                finding = finding.with_needle(text);
            }
            self.scan.report(finding);
        }
        for track in &mut self.segment.tracks {
            if let Some(frames) = track.frames.take() {
                let place = format!(
                    "Segment/Cluster/Block (track {})",
                    track.number.unwrap_or_default()
                );
                self.scan.report_all(frames.findings(&place));
            }
        }
    }

    /// Void the `TrackEntry` of each removed track, and the now stale
    /// `CRC-32` of `Tracks`.
    fn void_removed_entries(&mut self) -> Result<()> {
        for track in self.segment.tracks.iter().filter(|t| t.remove) {
            super::void(&mut self.overwrites, track.entry.0, track.entry.1)?;
        }
        self.segment.tracks_crc.void_if(true, &mut self.overwrites)
    }

    /// Walk the clusters (and, when blanking removed tracks, the cues) of a
    /// Segment (`data..end`). Returns whether a cluster changed.
    fn walk_blocks(&mut self, data: u64, end: u64, pass: Pass) -> Result<bool> {
        let cues = pass == Pass::Clean && self.segment.tracks.iter().any(|t| t.remove);
        let mut children = Children::new(data, end);
        let mut changed = false;
        while let Some(element) = self.next_element(&mut children)? {
            match (element.id, element.end()) {
                (id::CLUSTER, known) => {
                    let (cluster_end, cluster_changed) =
                        self.cluster(&element, known.unwrap_or(end), pass)?;
                    changed |= cluster_changed;
                    children.skip_to(cluster_end);
                }
                (id::CUES, Some(cues_end)) => {
                    if cues {
                        self.cues(&element, cues_end)?;
                    }
                }
                _ => {
                    known_end(&element)?;
                }
            }
        }
        Ok(changed)
    }

    /// Judge the children of one Cluster, ending at `limit` (its end, or
    /// the Segment's end for an unknown size). Returns where the cluster
    /// ends and whether it changed.
    fn cluster(&mut self, cluster: &Element, limit: u64, pass: Pass) -> Result<(u64, bool)> {
        let mut children = Children::of(cluster, limit);
        let mut cluster_end = limit;
        let mut changed = false;
        let mut crc = Crc::default();
        while let Some(child) = self.next_element(&mut children)? {
            if cluster.size.is_none() && !CLUSTER_CHILDREN.contains(&child.id) {
                // The end of a cluster of unknown size.
                cluster_end = child.start;
                break;
            }
            let child_end = known_end(&child)?;
            changed |= match in_cluster(false, child.id) {
                InCluster::Block => {
                    self.block(child.start, child_end, &child, child_end, pass)? != Outcome::Kept
                }
                InCluster::Group => self.block_group(&child, child_end, pass)?,
                _ if pass == Pass::Inspect => false,
                InCluster::Crc => {
                    crc.note(&child, child_end);
                    false
                }
                other => self.cluster_child(other, &child, child_end, "Segment/Cluster")?,
            };
        }
        crc.void_if(changed, &mut self.overwrites)?;
        Ok((cluster_end, changed))
    }

    /// Judge the children of a BlockGroup; the whole group is voided when
    /// its Block belongs to a removed track. Returns whether it changed.
    fn block_group(&mut self, group: &Element, end: u64, pass: Pass) -> Result<bool> {
        let mut children = Children::of(group, end);
        let mut changed = false;
        let mut crc = Crc::default();
        let mut blocks = 0usize;
        while let Some((child, child_end)) = self.next_sized(&mut children)? {
            changed |= match in_cluster(true, child.id) {
                InCluster::Block => {
                    blocks += 1;
                    if blocks > 1 {
                        return Err(Error::malformed(
                            STRUCTURE,
                            child.start,
                            "a BlockGroup with more than one Block",
                        ));
                    }
                    match self.block(group.start, end, &child, child_end, pass)? {
                        // Voided whole, with what was planned inside it.
                        Outcome::Voided => return Ok(true),
                        Outcome::Changed => true,
                        Outcome::Kept => false,
                    }
                }
                _ if pass == Pass::Inspect => false,
                InCluster::Crc => {
                    crc.note(&child, child_end);
                    false
                }
                other => {
                    self.cluster_child(other, &child, child_end, "Segment/Cluster/BlockGroup")?
                }
            };
        }
        crc.void_if(changed, &mut self.overwrites)?;
        Ok(changed)
    }

    /// A child of a cluster or block group that is not a block: kept,
    /// zeroed or removed. Returns whether it changed.
    fn cluster_child(
        &mut self,
        fate: InCluster,
        child: &Element,
        end: u64,
        place: &str,
    ) -> Result<bool> {
        match fate {
            InCluster::Number => {
                self.number(child, end)?;
                Ok(false)
            }
            InCluster::Void => self.padding(child, end, place),
            InCluster::Remove(category, field) => {
                self.remove_from_cluster(category, field, child.start, child.data, end)?;
                Ok(true)
            }
            // Handled by the callers.
            InCluster::Block | InCluster::Group | InCluster::Crc => Ok(false),
        }
    }

    /// Void the element of a cluster at `start..end`, counted in one
    /// finding per kind; the first of each kind is read from `data` for
    /// the report and the leak scan.
    fn remove_from_cluster(
        &mut self,
        category: Category,
        field: &'static str,
        start: u64,
        data: u64,
        end: u64,
    ) -> Result<()> {
        let first = !self.segment.cluster_removals.0.contains_key(field);
        let text = if first {
            let len = end.saturating_sub(data).min(256);
            self.scan.charge(len, data, READ_BUDGET)?;
            let bytes = self.scan.src.read_vec(data, len, 256, STRUCTURE)?;
            printable_runs(&bytes).into_iter().take(8).collect()
        } else {
            Vec::new()
        };
        let removed = self
            .segment
            .cluster_removals
            .0
            .entry(field)
            .or_insert(Removed {
                category,
                count: 0,
                bytes: 0,
                text,
            });
        removed.count += 1;
        removed.bytes += end - start;
        self.blank(start, end)
    }

    /// One block: `start..end` is the SimpleBlock or BlockGroup, `block`
    /// the SimpleBlock or Block element (its data starts with the track
    /// number), ending at `block_end`.
    fn block(
        &mut self,
        start: u64,
        end: u64,
        block: &Element,
        block_end: u64,
        pass: Pass,
    ) -> Result<Outcome> {
        let data = block.data;
        let (number, number_len) = self.block_track(data, block_end)?;
        let tracks = &mut self.segment.tracks;
        let Some(index) = tracks.iter().position(|t| t.number == Some(number)) else {
            if pass == Pass::Inspect {
                return Ok(Outcome::Kept);
            }
            // No player reads a block of a track that was never declared.
            let field = "Block of an undeclared track";
            self.remove_from_cluster(Category::Other, field, start, data, end)?;
            return Ok(Outcome::Voided);
        };
        let sampled_blocks = self.scan.limits.matroska.sampled_blocks;
        let (read_text, text_track) = match tracks.get_mut(index) {
            Some(track) if pass == Pass::Inspect && track.is_readable_text() => {
                track.blocks += 1;
                track.bytes += end - start;
                (true, true)
            }
            Some(track) if pass == Pass::Clean && track.remove => {
                track.blocks += 1;
                track.bytes += end - start;
                (track.read < sampled_blocks, track.is_readable_text())
            }
            Some(track) if pass == Pass::Clean && track.frames.is_some() => {
                return self.motion_jpeg_block(index, data + number_len, block_end);
            }
            _ => return Ok(Outcome::Kept),
        };
        if read_text {
            let limits = self.scan.limits.matroska;
            // Track number, 16-bit timestamp, flags: then the frame.
            let text_start = data + number_len + 3;
            let len = end.saturating_sub(text_start).min(limits.text_per_block);
            let within_budget = self.text_read + len <= limits.max_text_read;
            let text = if within_budget && len > 0 {
                self.text_read += len;
                self.scan
                    .src
                    .read_vec(text_start, len, limits.text_per_block, STRUCTURE)?
            } else {
                Vec::new()
            };
            if let Some(track) = self.segment.tracks.get_mut(index) {
                if within_budget {
                    track.note_text(&text, text_track);
                } else {
                    track.unread = true;
                }
            }
        }
        if pass == Pass::Clean {
            self.blank(start, end)?;
            return Ok(Outcome::Voided);
        }
        Ok(Outcome::Kept)
    }

    /// Blank the metadata of the Motion JPEG frame of track `index` in a
    /// block whose timestamp starts at `header` and which ends at `end`.
    fn motion_jpeg_block(&mut self, index: usize, header: u64, end: u64) -> Result<Outcome> {
        let src = self.scan.src;
        let [_, _, flags]: [u8; 3] = src.read_array(header, STRUCTURE)?;
        if flags & 0x06 != 0 {
            // Several frames in one block: mkvmerge and ffmpeg never lace
            // video, and a frame range guessed wrong would leave a frame's
            // Exif unexamined.
            return Err(Error::Unsupported(
                "Matroska Motion JPEG blocks with lacing".to_string(),
            ));
        }
        let Some(frames) = self
            .segment
            .tracks
            .get_mut(index)
            .and_then(|t| t.frames.as_mut())
        else {
            return Ok(Outcome::Kept);
        };
        let edits = frames.blank_frame(src, header + 3, end)?;
        let outcome = if edits.is_empty() {
            Outcome::Kept
        } else {
            Outcome::Changed
        };
        for (offset, head, zeros) in edits {
            self.overwrites.push_filler(offset, head, zeros, BLANKED)?;
        }
        Ok(outcome)
    }

    /// The track number (a VINT) that starts a block at `data`, and its
    /// length.
    fn block_track(&mut self, data: u64, end: u64) -> Result<(u64, u64)> {
        let mut buf = [0u8; 8];
        let available = end.saturating_sub(data).min(8) as usize;
        let head = buf.get_mut(..available).unwrap_or_default();
        self.scan.src.read_at(data, head)?;
        let (marker_free, len) = ebml::vint(head).ok_or_else(|| {
            Error::malformed(STRUCTURE, data, "block without a valid track number")
        })?;
        // A block needs its 16-bit timestamp and flags after the number.
        if (len as u64 + 3) > end.saturating_sub(data) {
            return Err(Error::truncated(
                STRUCTURE,
                data,
                "block shorter than its header",
            ));
        }
        Ok((marker_free, len as u64))
    }
}

/// The finding for one track of a Segment whose removals are decided:
/// `None` for media, which is kept without a word.
fn track_finding(track: &Track, keep_subtitles: bool) -> Option<Finding> {
    if track.is_media() {
        return None;
    }
    let place = Master::TrackEntry.path();
    if !track.remove {
        return Some(
            Finding::removed(
                Category::Other,
                track.field(),
                place,
                format!("{}, kept: no positions in its text", track.summary()),
            )
            .with_fate(Fate::Kept),
        );
    }
    let category = if track.telemetry.is_empty() {
        Category::Other
    } else {
        Category::Telemetry
    };
    let mut value = format!("{}, blanked", track.summary());
    let why = if !keep_subtitles || track.kind != 0x11 {
        None
    } else if !track.telemetry.is_empty() {
        Some("its text holds positions")
    } else if track.encoded {
        Some("compressed or encrypted text cannot be judged")
    } else if !track.is_readable_text() {
        Some("not a text subtitle")
    } else {
        Some("its text could not be read in full")
    };
    if let Some(why) = why {
        value.push_str(&format!(" ({why})"));
    }
    if let Some(line) = track.telemetry.first().or(track.lines.first()) {
        value.push_str(&format!(": \"{line}\""));
    }
    let mut finding = Finding::removed(category, track.field(), place, value);
    // Lines that look like positions are needles whatever the track; other
    // lines only for text tracks (runs in binary payload are noise).
    for line in track.telemetry.iter().chain(&track.lines) {
        finding = finding.with_needle(line);
    }
    Some(finding)
}
