//! The `Cues` of removed tracks (RFC 9559 § 5.1.5): each `CuePoint` names
//! the tracks it indexes in `CueTrackPositions`; those of removed tracks
//! are voided, and a `CuePoint` left without any is voided whole.

use super::{id, Crc, Walker};
use crate::container::ebml::{uint, Children, Element};
use crate::error::Result;

impl Walker<'_, '_> {
    /// Void the `CueTrackPositions` of removed tracks, and `CuePoint`s left
    /// without any.
    pub(super) fn cues(&mut self, cues: &Element, end: u64) -> Result<()> {
        let mut children = Children::of(cues, end);
        let mut changed = false;
        let mut crc = Crc::default();
        while let Some((child, child_end)) = self.next_sized(&mut children)? {
            match child.id {
                id::CUE_POINT => changed |= self.cue_point(&child, child_end)?,
                id::CRC32 => crc.note(&child, child_end),
                _ => {}
            }
        }
        crc.void_if(changed, &mut self.overwrites)
    }

    /// Returns whether the point changed.
    fn cue_point(&mut self, point: &Element, end: u64) -> Result<bool> {
        let mut children = Children::of(point, end);
        let mut positions = 0usize;
        let mut removed: Vec<(u64, u64)> = Vec::new();
        let mut crc = Crc::default();
        while let Some((child, child_end)) = self.next_sized(&mut children)? {
            match child.id {
                id::CUE_TRACK_POSITIONS => {
                    positions += 1;
                    if self.cue_of_removed_track(&child, child_end)? {
                        removed.push((child.start, child_end));
                    }
                }
                id::CRC32 => crc.note(&child, child_end),
                _ => {}
            }
        }
        if removed.is_empty() {
            return Ok(false);
        }
        if removed.len() == positions {
            // Nothing left to point at: the whole point goes.
            self.blank(point.start, end)?;
            return Ok(true);
        }
        for (start, position_end) in removed {
            self.blank(start, position_end)?;
        }
        crc.void_if(true, &mut self.overwrites)?;
        Ok(true)
    }

    /// Whether `CueTrackPositions` names a removed track.
    fn cue_of_removed_track(&mut self, positions: &Element, end: u64) -> Result<bool> {
        let mut children = Children::of(positions, end);
        let mut number: Option<u64> = None;
        while let Some((child, child_end)) = self.next_sized(&mut children)? {
            if child.id == id::CUE_TRACK {
                number = Some(uint(&self.value(&child, child_end)?));
            }
        }
        Ok(number.is_some_and(|n| {
            self.segment
                .tracks
                .iter()
                .any(|t| t.remove && t.number == Some(n))
        }))
    }
}
