//! FLAC (native `fLaC` streams): keep what decoding and seeking need,
//! drop every other metadata block. A splice: seek points count bytes from
//! the first audio frame, which does not move relative to the frames, so
//! the metadata blocks can shrink freely.
//!
//! **Kept.** `STREAMINFO` (exactly 34 bytes, first; its MD5 is a checksum
//! of the decoded audio, not of the file), `SEEKTABLE` (a whole number of
//! 18-byte seek points), and — only when the file has one — a
//! `VORBIS_COMMENT` block rebuilt to hold nothing but the
//! `WAVEFORMATEXTENSIBLE_CHANNEL_MASK` comment (how decoders learn a
//! surround channel layout), with an empty vendor string. The audio frames
//! are copied by range, never read beyond their first sync code.
//!
//! **Removed.** `VORBIS_COMMENT` (artist, dates, encoder, any tag, cover
//! art as `METADATA_BLOCK_PICTURE`), `PICTURE`, `APPLICATION` (foreign
//! RIFF/AIFF chunks kept by `flac --keep-foreign-metadata`: a WAV's `bext`
//! included), `CUESHEET` (a CD's layout, catalog number and ISRCs: not
//! needed to play), `PADDING`, reserved block types; an ID3v2 tag before
//! `fLaC`; ID3v1, APE and Lyrics3 tags appended after the frames.
//!
//! **Defensive.** Every block length is checked against the file; the
//! audio must start with a frame sync code right after the last block; the
//! block count and the bytes read to describe removed blocks are limited.

use crate::error::{Error, Malformation, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::formats::{tags, Planner};
use crate::io::{zero, SourceExt};
use crate::metadata::vorbis;
use crate::plan::Plan;
use crate::scan::Scan;

const STRUCTURE: &str = "FLAC metadata block";
const PLACE: &str = "FLAC";

const STREAMINFO: u8 = 0;
const PADDING: u8 = 1;
const APPLICATION: u8 = 2;
const SEEKTABLE: u8 = 3;
const VORBIS_COMMENT: u8 = 4;
const CUESHEET: u8 = 5;
const PICTURE: u8 = 6;

/// The comment decoders read a channel layout from.
const CHANNEL_MASK: &str = "WAVEFORMATEXTENSIBLE_CHANNEL_MASK";

/// The FLAC planner.
pub(crate) struct Flac;

impl Planner for Flac {
    fn plan(scan: &mut Scan<'_>) -> Result<Plan> {
        let src = scan.src;
        let start = tags::leading_id3(scan, 0, PLACE)?;
        let magic: [u8; 4] = src.read_array(start, "FLAC stream")?;
        if &magic != b"fLaC" {
            return Err(Error::malformed(
                "FLAC stream",
                start,
                "no 'fLaC' marker where the stream should start",
            ));
        }
        let mut kept: Vec<(u8, Piece)> = Vec::new();
        let mut pos = start + 4;
        let mut blocks = 0u64;
        let mut seen_seektable = false;
        loop {
            blocks += 1;
            let max = scan.limits.audio.max_flac_blocks;
            scan.enter(pos, max, "number of FLAC metadata blocks")?;
            let [flags, a, b, c]: [u8; 4] = src.read_array(pos, STRUCTURE)?;
            let last = flags & 0x80 != 0;
            let kind = flags & 0x7F;
            let len = u64::from(u32::from_be_bytes([0, a, b, c]));
            let body = pos + 4;
            if body + len > src.len() {
                return Err(Error::overrun(
                    STRUCTURE,
                    pos,
                    format!(
                        "block of type {kind} claims {len} bytes but the file ends {} bytes later",
                        src.len() - body
                    ),
                ));
            }
            match kind {
                STREAMINFO => {
                    if blocks != 1 || len != 34 {
                        return Err(Error::malformed(
                            STRUCTURE,
                            pos,
                            "STREAMINFO must be the first block and exactly 34 bytes",
                        ));
                    }
                    kept.push((kind, Piece::Copy(body, len)));
                }
                _ if blocks == 1 => {
                    return Err(Error::malformed(
                        STRUCTURE,
                        pos,
                        "the first block is not STREAMINFO",
                    ))
                }
                SEEKTABLE => {
                    if seen_seektable || len % 18 != 0 {
                        return Err(Error::malformed_as(
                            Malformation::Unaccounted,
                            STRUCTURE,
                            pos,
                            "SEEKTABLE twice, or not a whole number of 18-byte seek points",
                        ));
                    }
                    seen_seektable = true;
                    kept.push((kind, Piece::Copy(body, len)));
                }
                127 => {
                    return Err(Error::malformed(
                        STRUCTURE,
                        pos,
                        "block type 127 is forbidden",
                    ))
                }
                _ => {
                    if let Some(mask) = removed(scan, kind, body, len)? {
                        kept.push((VORBIS_COMMENT, Piece::Data(mask)));
                    }
                }
            }
            pos = body + len;
            if last {
                break;
            }
        }
        let audio_end = tags::trailing(scan, pos, src.len(), PLACE)?;
        if audio_end > pos {
            let sync: [u8; 2] = src.read_array(pos, "FLAC frame")?;
            if sync[0] != 0xFF || sync[1] & 0xFE != 0xF8 {
                return Err(Error::malformed(
                    "FLAC frame",
                    pos,
                    "the audio does not start with a frame sync code after the last block",
                ));
            }
        }
        let mut plan = Plan::new();
        plan.data(*b"fLaC");
        let count = kept.len();
        for (i, (kind, piece)) in kept.into_iter().enumerate() {
            let last = if i + 1 == count { 0x80 } else { 0 };
            let len = match &piece {
                Piece::Copy(_, len) => *len,
                Piece::Data(bytes) => bytes.len() as u64,
            };
            let len = u32::try_from(len).unwrap_or(0).to_be_bytes();
            plan.data([last | kind, len[1], len[2], len[3]]);
            match piece {
                Piece::Copy(at, len) => plan.copy(at, len),
                Piece::Data(bytes) => plan.data(bytes),
            }
        }
        plan.copy(pos, audio_end - pos);
        Ok(plan)
    }
}

/// The body of a kept block.
enum Piece {
    /// Copied from the input: offset, length.
    Copy(u64, u64),
    /// Rebuilt.
    Data(Vec<u8>),
}

/// Report a removed block. For a `VORBIS_COMMENT` holding a channel mask,
/// returns the minimal block body to write in its place.
fn removed(scan: &mut Scan<'_>, kind: u8, body: u64, len: u64) -> Result<Option<Vec<u8>>> {
    let place = format!("{PLACE}/{}", block_name(kind));
    if kind == PADDING {
        if !zero::is_zero(scan.src, body, body + len)? {
            scan.report(Finding::removed(
                Category::Other,
                "Padding with data",
                place,
                human_size(len),
            ));
        }
        return Ok(None);
    }
    let bytes = tags::read(scan, body, len, STRUCTURE)?;
    match kind {
        VORBIS_COMMENT => {
            let parsed = vorbis::comments(&bytes);
            let mask = parsed.comments.iter().find_map(|c| {
                let text = std::str::from_utf8(c).ok()?;
                let (name, value) = text.split_once('=')?;
                let hex = value
                    .strip_prefix("0x")
                    .or_else(|| value.strip_prefix("0X"))?;
                (name.eq_ignore_ascii_case(CHANNEL_MASK)
                    && !hex.is_empty()
                    && hex.len() <= 8
                    && hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| text.to_string())
            });
            // The mask is kept (reported below), every other comment goes.
            let is_mask = |f: &Finding| {
                mask.is_some()
                    && f.field
                        .to_ascii_uppercase()
                        .ends_with(&format!(" {CHANNEL_MASK}"))
            };
            let findings = vorbis::describe_comments(&bytes, &place, Fate::Removed)
                .into_iter()
                .filter(|f| !is_mask(f));
            scan.report_all(findings);
            let Some(mask) = mask else {
                return Ok(None);
            };
            scan.report(
                Finding::removed(Category::Other, "Channel layout", place, &mask)
                    .with_fate(Fate::Kept),
            );
            // Vendor length 0, one comment.
            let mut out = 0u32.to_le_bytes().to_vec();
            out.extend_from_slice(&1u32.to_le_bytes());
            out.extend_from_slice(&(mask.len() as u32).to_le_bytes());
            out.extend_from_slice(mask.as_bytes());
            Ok(Some(out))
        }
        PICTURE => {
            let finding = match vorbis::flac_picture(&bytes) {
                Some(picture) => picture.finding("Picture", &place),
                None => Finding::removed(
                    Category::Embedded,
                    "Picture (unreadable)",
                    place,
                    human_size(len),
                ),
            };
            scan.report(finding);
            Ok(None)
        }
        _ => {
            let (category, field, skip) = match kind {
                APPLICATION => (Category::Other, "Application data", 4),
                CUESHEET => (Category::Other, "Cue sheet", 0),
                _ => (Category::Other, "Unknown block", 0),
            };
            let label = match kind {
                APPLICATION => {
                    let id = bytes.get(..4).unwrap_or_default();
                    format!("'{}', {}", String::from_utf8_lossy(id), human_size(len))
                }
                _ => human_size(len),
            };
            let mut finding = Finding::removed(category, field, place, label);
            let rest = bytes.get(skip..).unwrap_or_default();
            for run in crate::metadata::subtitle::printable_runs(rest)
                .into_iter()
                .take(64)
            {
                finding = finding.with_needle(run.as_bytes());
            }
            scan.report(finding);
            Ok(None)
        }
    }
}

fn block_name(kind: u8) -> String {
    match kind {
        PADDING => "PADDING".to_string(),
        APPLICATION => "APPLICATION".to_string(),
        VORBIS_COMMENT => "VORBIS_COMMENT".to_string(),
        CUESHEET => "CUESHEET".to_string(),
        PICTURE => "PICTURE".to_string(),
        other => format!("block type {other}"),
    }
}

#[cfg(test)]
mod tests;
