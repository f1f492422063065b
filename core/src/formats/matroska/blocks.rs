//! Tracks that are not video or audio: which go, and the walk over the
//! clusters that judges their text and voids their blocks (see the module
//! doc of [`super`]).
//!
//! Blocks are `SimpleBlock`s and the `Block` of `BlockGroup`s (RFC 9559
//! § 10): a track number (a VINT), a 16-bit timestamp, flags, then the
//! frame. Only the track number is read from the blocks of kept tracks.

use super::rules::{Master, CLUSTER_CHILDREN};
use super::tracks::Track;
use super::{id, known_end, Crc, Walker, STRUCTURE};
use crate::container::ebml::{self, Children, Element};
use crate::error::{Error, Result};
use crate::finding::{Category, Fate, Finding};
use crate::io::SourceExt;

/// Which walk over the blocks of a Segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pass {
    /// Count and read every block of the readable text tracks, to judge
    /// them (only when [`crate::Policy::keep_subtitles`] asks to keep some).
    Inspect,
    /// Void the blocks and cues of removed tracks, counting them and
    /// reading the text of their first blocks.
    Blank,
}

impl Walker<'_, '_> {
    /// Decide which tracks of the Segment (`data..end`) go, void them with
    /// their blocks and cues, and report them. Returns whether anything
    /// changed.
    pub(super) fn filter_tracks(&mut self, data: u64, end: u64) -> Result<bool> {
        if self.segment.tracks.iter().all(Track::is_media) {
            return Ok(false);
        }
        let keep_subtitles = self.scan.policy.keep_subtitles;
        let removed = self.decide_removals(data, end, keep_subtitles)?;
        if removed {
            self.void_removed_blocks(data, end)?;
        }
        self.report_tracks(keep_subtitles);
        if removed {
            self.void_removed_entries()?;
        }
        Ok(removed)
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

    /// Void the blocks and cues of the removed tracks, counting them anew.
    fn void_removed_blocks(&mut self, data: u64, end: u64) -> Result<()> {
        for track in self.segment.tracks.iter_mut().filter(|t| t.remove) {
            track.blocks = 0;
            track.bytes = 0;
        }
        self.walk_blocks(data, end, Pass::Blank)
    }

    /// Report every track that is not media, kept or removed.
    fn report_tracks(&mut self, keep_subtitles: bool) {
        for track in &self.segment.tracks {
            if let Some(finding) = track_finding(track, keep_subtitles) {
                self.scan.report(finding);
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

    /// Walk the clusters (and, when blanking, the cues) of a Segment
    /// (`data..end`), reading element headers, the track number of each
    /// block, and the text of candidate tracks' blocks only.
    fn walk_blocks(&mut self, data: u64, end: u64, pass: Pass) -> Result<()> {
        let mut children = Children::new(data, end);
        while let Some(element) = self.next_element(&mut children)? {
            match (element.id, element.end()) {
                (id::CLUSTER, known) => {
                    let cluster_end = self.cluster_blocks(&element, known.unwrap_or(end), pass)?;
                    children.skip_to(cluster_end);
                }
                (id::CUES, Some(cues_end)) => {
                    if pass == Pass::Blank {
                        self.cues(&element, cues_end)?;
                    }
                }
                _ => {
                    known_end(&element)?;
                }
            }
        }
        Ok(())
    }

    /// Visit the blocks of one Cluster, ending at `limit` (its end, or the
    /// Segment's end for an unknown size). Returns where the cluster ends.
    fn cluster_blocks(&mut self, cluster: &Element, limit: u64, pass: Pass) -> Result<u64> {
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
            match child.id {
                id::SIMPLE_BLOCK => {
                    changed |= self.block(child.start, child_end, child.data, pass)?;
                }
                id::BLOCK_GROUP => {
                    // The first `Block` of the group; its other children
                    // (references, durations, additions) are headers only.
                    let mut block: Option<u64> = None;
                    let mut inner = Children::of(&child, child_end);
                    while let Some((element, _)) = self.next_sized(&mut inner)? {
                        if element.id == id::BLOCK && block.is_none() {
                            block = Some(element.data);
                        }
                    }
                    if let Some(block_data) = block {
                        changed |= self.block(child.start, child_end, block_data, pass)?;
                    }
                }
                id::CRC32 => crc.note(&child, child_end),
                _ => {}
            }
        }
        crc.void_if(changed, &mut self.overwrites)?;
        Ok(cluster_end)
    }

    /// One block: `start..end` is the SimpleBlock or BlockGroup, `data`
    /// the first byte of the block itself (its track number). Returns
    /// whether it was voided.
    fn block(&mut self, start: u64, end: u64, data: u64, pass: Pass) -> Result<bool> {
        let (number, number_len) = self.block_track(data, end)?;
        let tracks = &mut self.segment.tracks;
        let Some(index) = tracks.iter().position(|t| t.number == Some(number)) else {
            return Ok(false);
        };
        let sampled_blocks = self.scan.limits.matroska.sampled_blocks;
        let (read_text, text_track) = match tracks.get_mut(index) {
            Some(track) if pass == Pass::Inspect && track.is_readable_text() => {
                track.blocks += 1;
                track.bytes += end - start;
                (true, true)
            }
            Some(track) if pass == Pass::Blank && track.remove => {
                track.blocks += 1;
                track.bytes += end - start;
                (track.read < sampled_blocks, track.is_readable_text())
            }
            _ => return Ok(false),
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
        if pass == Pass::Blank {
            self.blank(start, end)?;
            return Ok(true);
        }
        Ok(false)
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
