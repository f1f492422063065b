//! Where every kept top-level box lands in the output, the map from input
//! to output offsets that chunk offsets are rewritten with, and the plan
//! that writes the output.
//!
//! When `moov` comes after all media data, nothing moves: dropped boxes
//! become `free` boxes (§ 8.1.2) of the same size and the shorter `moov` is
//! padded back to its old size, so the plan overwrites only metadata and
//! can be applied in place. Otherwise (faststart) dropped boxes go and
//! everything after them moves up.

use super::samples::Range;
use super::top::{moov_is_last, Action, Moov, TopBox};
use crate::container::isobmff::Free;
use crate::container::Filler;
use crate::formats::jpeg::frames::Edit;
use crate::limits::Mp4Limits;
use crate::plan::Plan;

/// Maps an input file offset to the output offset of the same byte, or
/// `None` when that byte is not copied unchanged.
pub(crate) type OffsetMap<'a> = dyn Fn(u64) -> Option<u64> + 'a;

/// Decide the output offset of every box for a new `moov` of
/// `new_moov_len` bytes; returns the padding written after it.
pub(super) fn lay_out(
    boxes: &mut [TopBox],
    moov: &Moov,
    new_moov_len: u64,
    limits: &Mp4Limits,
) -> u64 {
    // A movie header after all media data can be rewritten in place: the
    // boxes that go are blanked and the shorter moov is padded back to its
    // size, so no sample moves and the plan overwrites only metadata (an
    // in-place clean costs O(metadata) I/O). Otherwise (faststart) boxes are
    // dropped and chunk offsets are mapped to the new positions.
    let moov_padding = if moov_is_last(boxes, moov.index) {
        for item in boxes.iter_mut() {
            if matches!(item.action, Action::Drop) && item.header.size <= limits.max_describe {
                item.action = Action::Blank;
            }
        }
        Some(moov.header.size.saturating_sub(new_moov_len)).filter(|pad| *pad >= 8)
    } else {
        None
    }
    .unwrap_or(0);
    let moov_out_len = new_moov_len + moov_padding;
    let mut pos = 0u64;
    for item in boxes.iter_mut() {
        item.out_start = pos;
        pos += match item.action {
            Action::Drop => 0,
            Action::Moov => moov_out_len,
            _ => item.header.size,
        };
    }
    moov_padding
}

/// Where the byte at input `offset` lands, if it is copied unchanged.
pub(super) fn map_offset(boxes: &[TopBox], offset: u64) -> Option<u64> {
    let index = boxes
        .partition_point(|t| t.header.start <= offset)
        .checked_sub(1)?;
    let item = boxes.get(index)?;
    if offset < item.header.end() && item.is_positional() {
        Some(item.out_start + (offset - item.header.start))
    } else {
        None
    }
}

/// Turn the decisions into the plan.
pub(super) fn emit(
    boxes: &[TopBox],
    moov: &[u8],
    moov_padding: u64,
    zero_ranges: &[Range],
    patches: &[Edit],
    limits: &Mp4Limits,
) -> Plan {
    let mut plan = Plan::new();
    for item in boxes {
        match &item.action {
            Action::Drop => {}
            Action::Moov => {
                plan.data(moov.to_vec());
                free_boxes(&mut plan, moov_padding, limits.max_describe);
            }
            Action::Moof(Some(bytes)) | Action::Rewrite(bytes) => plan.data(bytes.clone()),
            Action::Blank => free_boxes(&mut plan, item.header.size, limits.max_describe),
            Action::Copy | Action::Moof(None) => copy_with_holes(
                &mut plan,
                item.header.start,
                item.header.end(),
                zero_ranges,
                patches,
            ),
        }
    }
    plan
}

/// Append exactly `size` bytes (0, or at least 8) of `free` boxes of zeroes,
/// none larger than `max_box` (at least 16), as headers and zero runs: no
/// padding is held in memory, and a re-inspection reads every box as empty
/// padding (boxes over `max_describe` are taken to hold data, so a single
/// 64 MiB pad after a shrunken `moov` made the output fail verification).
pub(super) fn free_boxes(plan: &mut Plan, size: u64, max_box: u64) {
    let max_box = max_box.clamp(16, u64::from(u32::MAX));
    let mut left = size;
    while left >= 8 {
        let mut this = left.min(max_box);
        if (1..8).contains(&(left - this)) {
            // Leave room for a last box of at least 8 bytes.
            this -= 8;
        }
        // `this` is between 8 and `u32::MAX`: a header always exists.
        let header = Free::header(this).unwrap_or_default();
        let header_len = header.len() as u64;
        plan.data(header);
        plan.zeros(this - header_len);
        left -= this;
    }
    // Too short for a box header (a tiny trailer): zero padding.
    plan.zeros(left);
}

/// Copy `[start, end)` with the parts covered by `holes` replaced by
/// zeroes and the in-place `patches` applied (both sorted; patches never
/// overlap holes, which the planner checked).
fn copy_with_holes(plan: &mut Plan, start: u64, end: u64, holes: &[Range], patches: &[Edit]) {
    let mut holes = holes
        .iter()
        .skip(holes.partition_point(|h| h.end() <= start))
        .peekable();
    let mut patches = patches
        .iter()
        .skip(patches.partition_point(|p| p.0 < start))
        .peekable();
    let mut pos = start;
    loop {
        let next_hole = holes.peek().map(|h| h.offset);
        let next_patch = patches.peek().map(|p| p.0);
        let take_patch = match (next_hole, next_patch) {
            (_, Some(p)) if p >= end => false,
            (Some(h), Some(p)) => p < h,
            (None, Some(_)) => true,
            _ => false,
        };
        if take_patch {
            let Some((offset, head, zeros)) = patches.next() else {
                break;
            };
            if *offset < pos {
                // Inside a hole already zeroed.
                continue;
            }
            plan.copy(pos, offset - pos);
            plan.data(head.clone());
            plan.zeros(*zeros);
            pos = offset
                .saturating_add(head.len() as u64)
                .saturating_add(*zeros)
                .min(end);
            continue;
        }
        let Some(hole) = holes.next() else {
            break;
        };
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
