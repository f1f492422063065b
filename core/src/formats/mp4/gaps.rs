//! Bytes of `mdat` that no track refers to (leftovers of edits, vendor
//! blobs, data of tracks deleted by an earlier tool) and the zero checks
//! that tell real leftovers from padding.
//!
//! Zero checks read every byte in bounded chunks ([`crate::io::zero`]):
//! a check that read nothing must never answer "zero".

use super::samples::{coalesce, Range};
use super::top::TopBox;
use crate::container::isobmff::BoxHeader;
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::io::{zero, Source};
use crate::limits::Mp4Limits;
use crate::scan::Scan;

/// Zero the bytes of `mdat` that no kept or removed track refers to, when
/// they are not zero already. Only called when the kept tracks' sample
/// ranges are exact.
pub(super) fn zero_unreferenced(
    scan: &mut Scan<'_>,
    boxes: &[TopBox],
    kept: &[Range],
    zero_ranges: &mut Vec<Range>,
) -> Result<()> {
    let limits = scan.limits.mp4;
    let gaps = unreferenced(boxes, kept, zero_ranges, &limits)?;
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
        if !range_is_zero(scan.src, gap)? {
            dirty.push(gap);
        }
    }
    if dirty.is_empty() {
        return Ok(());
    }
    let bytes: u64 = dirty.iter().map(|g| g.len).sum();
    scan.report(
        Finding::removed(
            Category::Other,
            "Media data referenced by no track",
            "mdat",
            format!("{} in {} range(s)", human_size(bytes), dirty.len()),
        )
        .with_fate(Fate::Zeroed),
    );
    zero_ranges.extend(dirty);
    coalesce(zero_ranges);
    Ok(())
}

/// The ranges of `mdat` bodies that neither `kept` nor `zeroed` covers.
fn unreferenced(
    boxes: &[TopBox],
    kept: &[Range],
    zeroed: &[Range],
    limits: &Mp4Limits,
) -> Result<Vec<Range>> {
    let mut referenced: Vec<Range> = kept.iter().chain(zeroed.iter()).copied().collect();
    coalesce(&mut referenced);
    let mut gaps = Vec::new();
    for item in boxes.iter().filter(|t| t.header.kind == *b"mdat") {
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
    Ok(gaps)
}

/// Whether a range of the input holds only zeroes.
fn range_is_zero(src: &dyn Source, range: Range) -> Result<bool> {
    zero::is_zero(src, range.offset, range.end())
}

/// Whether a padding box (or the trailer) holds only zeroes. A body over
/// `max_describe` is taken to hold data: it is not read.
pub(super) fn box_is_zero(
    src: &dyn Source,
    header: &BoxHeader,
    limits: &Mp4Limits,
) -> Result<bool> {
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
