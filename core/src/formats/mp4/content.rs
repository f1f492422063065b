//! What the samples hold, where the format lets it be checked.
//!
//! - **Motion JPEG** (`jpeg`, `mjpa`, `mjpb`, `AVDJ`, `dmb1`, `MJPG`):
//!   every frame of a kept track is a JPEG image that can carry its own
//!   Exif, XMP and comments. Each frame is walked
//!   ([`FrameMetadata::blank_frame`]) and its metadata blanked **in place**
//!   (same sizes, same offsets): the edits become patch pieces inside
//!   `mdat`. Edits are held in memory, so their number and bytes are
//!   charged to [`Limits::max_overwrites`](crate::limits::Limits::max_overwrites)
//!   and [`Limits::max_replacement`](crate::limits::Limits::max_replacement).
//! - **Removed tracks**: their samples are zeroed, which is only worth
//!   something when the sample tables point at the real samples. Where the
//!   format has a checkable shape (`tx3g`/`text`: a 16-bit length, UTF-8 or
//!   UTF-16 text, style boxes; GPMF: `DEVC` KLV containers; CAMM: a type
//!   and its fixed payload; `mebx`: boxes; `tmcd`: a frame number), every
//!   sample is checked, and a table pointing at anything else (a spliced or
//!   corrupted file whose real telemetry lies elsewhere) refuses the file.

use std::collections::BTreeMap;

use crate::container::isobmff::{Children, FourCc};
use crate::error::{Error, Result};
use crate::formats::jpeg::frames::{Edit, FrameMetadata};
use crate::io::SourceExt;
use crate::scan::Scan;

/// Largest sample of a removed text track that is read whole to
/// be checked.
const MAX_CHECKED_SAMPLE: u64 = 64 * 1024;

/// Sample-entry formats whose samples are JPEG images.
pub(crate) fn is_mjpeg(format: &FourCc) -> bool {
    matches!(
        format,
        b"jpeg" | b"mjpa" | b"mjpb" | b"AVDJ" | b"dmb1" | b"MJPG"
    )
}

/// The format a sample entry really holds: MPEG-4 `mp4v` entries whose
/// decoder configuration names JPEG (object type 0x6C, what ffmpeg writes
/// for Motion JPEG in MP4) are Motion JPEG (`MJPG`).
pub(crate) fn effective_format(kind: FourCc, entry_body: &[u8]) -> FourCc {
    if kind != *b"mp4v" {
        return kind;
    }
    let children = entry_body.get(VISUAL_CHILDREN_AT..).unwrap_or_default();
    let jpeg = Children::new(children, 0)
        .map_while(Result::ok)
        .find(|c| c.kind() == *b"esds")
        .and_then(|esds| esds_object_type(esds.body))
        == Some(0x6C);
    if jpeg {
        *b"MJPG"
    } else {
        kind
    }
}

/// Where the child boxes of a visual sample entry start.
const VISUAL_CHILDREN_AT: usize = 78;

/// The `objectTypeIndication` of an `esds` body (ISO/IEC 14496-1
/// `ES_Descriptor` → `DecoderConfigDescriptor`).
fn esds_object_type(body: &[u8]) -> Option<u8> {
    let mut at = 4; // FullBox
    let descriptor = |at: &mut usize, tag: u8| -> Option<()> {
        if *body.get(*at)? != tag {
            return None;
        }
        *at += 1;
        for _ in 0..4 {
            let byte = *body.get(*at)?;
            *at += 1;
            if byte & 0x80 == 0 {
                return Some(());
            }
        }
        Some(())
    };
    descriptor(&mut at, 0x03)?;
    let flags = *body.get(at + 2)?;
    at += 3;
    if flags & 0x80 != 0 {
        at += 2;
    }
    if flags & 0x40 != 0 {
        at += 1 + usize::from(*body.get(at)?);
    }
    if flags & 0x20 != 0 {
        at += 2;
    }
    descriptor(&mut at, 0x04)?;
    body.get(at).copied()
}

/// Motion JPEG frames of the kept tracks and the edits that blank their
/// metadata.
#[derive(Debug, Default)]
pub(crate) struct FrameWalk {
    tracks: BTreeMap<u32, FrameMetadata>,
    edits: Vec<Edit>,
    /// Bytes of edit heads held.
    held: u64,
    /// Samples walked so far (frames and removed samples checked).
    walked: u64,
}

impl FrameWalk {
    /// Count one sample walked against
    /// [`Mp4Limits::max_samples_walked`](crate::limits::Mp4Limits::max_samples_walked).
    pub fn count(&mut self, scan: &Scan<'_>, offset: u64) -> Result<()> {
        self.walked += 1;
        let limit = scan.limits.mp4.max_samples_walked;
        if self.walked > limit {
            return Err(Error::Limit {
                what: "MP4 samples walked one by one",
                offset,
                limit,
            });
        }
        Ok(())
    }

    /// Walk the frame `offset..offset + len` of track `track_id`.
    pub fn frame(&mut self, scan: &Scan<'_>, track_id: u32, offset: u64, len: u64) -> Result<()> {
        self.count(scan, offset)?;
        let keep = scan.policy.keep_orientation;
        let frames = self
            .tracks
            .entry(track_id)
            .or_insert_with(|| FrameMetadata::new(keep));
        let end = offset.saturating_add(len);
        for edit in frames.blank_frame(scan.src, offset, end)? {
            if self.edits.len() >= scan.limits.max_overwrites {
                return Err(Error::Limit {
                    what: "in-place edits of Motion JPEG frames",
                    offset,
                    limit: scan.limits.max_overwrites as u64,
                });
            }
            self.held = self.held.saturating_add(edit.1.len() as u64 + 32);
            if self.held > scan.limits.max_replacement {
                return Err(Error::Limit {
                    what: "bytes of Motion JPEG frame edits held in memory",
                    offset,
                    limit: scan.limits.max_replacement,
                });
            }
            self.edits.push(edit);
        }
        Ok(())
    }

    /// Report what the frames held and return the edits, sorted and
    /// checked not to overlap (frames listed twice give the same edits
    /// twice: one is kept).
    pub fn finish(self, scan: &mut Scan<'_>) -> Result<Vec<Edit>> {
        for (track_id, frames) in self.tracks {
            scan.ensure_findings_room(0)?;
            scan.report_all(frames.findings(&format!("moov/trak[{track_id}]/samples")));
        }
        let mut edits = self.edits;
        edits.sort_by(|a, b| (a.0, a.2).cmp(&(b.0, b.2)).then_with(|| a.1.cmp(&b.1)));
        edits.dedup();
        let mut end = 0u64;
        for (offset, head, zeros) in &edits {
            if *offset < end {
                return Err(Error::malformed(
                    "MP4 sample table",
                    *offset,
                    "two Motion JPEG frames overlap with different contents",
                ));
            }
            end = offset
                .saturating_add(head.len() as u64)
                .saturating_add(*zeros);
        }
        Ok(edits)
    }
}

/// Whether the samples of a removed track of `format` can be checked.
pub(crate) fn is_checkable(format: &FourCc) -> bool {
    matches!(
        format,
        b"tx3g" | b"text" | b"gpmd" | b"camm" | b"mebx" | b"tmcd"
    )
}

/// Check that the sample `offset..offset + len` of a removed track of
/// `format` is shaped like one; refuse the file when it is not (its table
/// points at something else, and the real samples would stay).
pub(crate) fn check_removed_sample(
    scan: &mut Scan<'_>,
    format: &FourCc,
    offset: u64,
    len: u64,
) -> Result<()> {
    if len == 0 {
        return Ok(());
    }
    let fail = |why: &str| {
        Error::malformed(
            "MP4 removed sample",
            offset,
            format!(
                "a '{}' sample of a removed track is not one ({why}): its table points at other bytes, which would stay",
                crate::container::isobmff::fourcc_name(format)
            ),
        )
    };
    match format {
        b"tx3g" | b"text" => {
            let sample = read_whole(scan, offset, len, &fail)?;
            check_text_sample(&sample).map_err(&fail)
        }
        // Boxes back to back: only their headers are read (an iPhone
        // writes one sample per frame).
        b"mebx" => {
            let end = offset.saturating_add(len);
            let mut pos = offset;
            while pos < end {
                if end - pos < 8 {
                    if crate::io::zero::is_zero(scan.src, pos, end)? {
                        break;
                    }
                    return Err(fail("not a sequence of boxes"));
                }
                scan.charge(16, pos, "samples of removed tracks read to check them")?;
                let header = crate::container::isobmff::read_header(scan.src, pos, end)
                    .map_err(|_| fail("not a sequence of boxes"))?;
                pos = header.end();
            }
            Ok(())
        }
        b"tmcd" => match len {
            4 | 8 => Ok(()),
            _ => Err(fail("a timecode sample is 4 or 8 bytes")),
        },
        b"camm" => {
            scan.charge(4, offset, "samples of removed tracks read to check them")?;
            let [r0, r1, t0, t1]: [u8; 4] = scan.src.read_array(offset, "MP4 camm sample")?;
            let payload = match u16::from_be_bytes([t0, t1]) {
                1 => 8,
                5 => 24,
                6 => 56,
                0 | 2 | 3 | 4 | 7 => 12,
                _ => return Err(fail("unknown CAMM packet type")),
            };
            if [r0, r1] != [0, 0] || len != 4 + payload {
                return Err(fail("CAMM packet size does not match its type"));
            }
            Ok(())
        }
        b"gpmd" => check_gpmf(scan, offset, len).map_err(|why| match why {
            GpmfError::Io(err) => err,
            GpmfError::Shape(why) => fail(why),
        }),
        _ => Ok(()),
    }
}

/// Read a whole sample to check it, within the read budget.
fn read_whole(
    scan: &mut Scan<'_>,
    offset: u64,
    len: u64,
    fail: &dyn Fn(&str) -> Error,
) -> Result<Vec<u8>> {
    if len > MAX_CHECKED_SAMPLE {
        return Err(fail("larger than any such sample"));
    }
    scan.charge(len, offset, "samples of removed tracks read to check them")?;
    scan.src
        .read_vec(offset, len, MAX_CHECKED_SAMPLE, "MP4 removed sample")
}

/// A 3GPP timed-text / QuickTime text sample: a 16-bit length, the text
/// (UTF-8, or UTF-16 with a byte-order mark), then modifier boxes.
fn check_text_sample(sample: &[u8]) -> std::result::Result<(), &'static str> {
    let (head, rest) = sample
        .split_at_checked(2)
        .ok_or("shorter than its length")?;
    let text_len = usize::from(u16::from_be_bytes([
        head.first().copied().unwrap_or(0),
        head.get(1).copied().unwrap_or(0),
    ]));
    let (text, modifiers) = rest
        .split_at_checked(text_len)
        .ok_or("text longer than the sample")?;
    let is_utf16 = text.starts_with(&[0xFE, 0xFF]) || text.starts_with(&[0xFF, 0xFE]);
    if is_utf16 {
        if text.len() % 2 != 0 {
            return Err("odd-length UTF-16 text");
        }
    } else if std::str::from_utf8(text).is_err() {
        return Err("text is not UTF-8");
    }
    if modifiers.iter().all(|b| *b == 0) {
        // Zero padding after the text.
        return Ok(());
    }
    for child in Children::new(modifiers, 0) {
        let child = child.map_err(|_| "bytes after the text are not boxes")?;
        if !matches!(
            &child.kind(),
            b"styl"
                | b"hlit"
                | b"hclr"
                | b"krok"
                | b"dlay"
                | b"href"
                | b"tbox"
                | b"blnk"
                | b"twrp"
                | b"encd"
                | b"ftab"
        ) {
            return Err("unknown box after the text");
        }
    }
    Ok(())
}

enum GpmfError {
    Io(Error),
    Shape(&'static str),
}

/// A GPMF sample: `DEVC` containers (nested KLV, type 0), back to back,
/// each `8 + size × repeat` bytes rounded up to 4; zero padding after.
fn check_gpmf(scan: &mut Scan<'_>, offset: u64, len: u64) -> std::result::Result<(), GpmfError> {
    let end = offset.saturating_add(len);
    let mut pos = offset;
    let mut first = true;
    while pos < end {
        if end - pos < 8 {
            return if !first
                && crate::io::zero::is_zero(scan.src, pos, end).map_err(GpmfError::Io)?
            {
                Ok(())
            } else {
                Err(GpmfError::Shape("truncated KLV header"))
            };
        }
        scan.charge(8, pos, "samples of removed tracks read to check them")
            .map_err(GpmfError::Io)?;
        let head: [u8; 8] = scan
            .src
            .read_array(pos, "MP4 gpmd sample")
            .map_err(GpmfError::Io)?;
        let [k0, k1, k2, k3, kind, size, r0, r1] = head;
        if !first && head == [0; 8] {
            return if crate::io::zero::is_zero(scan.src, pos, end).map_err(GpmfError::Io)? {
                Ok(())
            } else {
                Err(GpmfError::Shape("data after zero padding"))
            };
        }
        if [k0, k1, k2, k3] != *b"DEVC" || kind != 0 {
            return Err(GpmfError::Shape("no DEVC container"));
        }
        let body = (u64::from(size) * u64::from(u16::from_be_bytes([r0, r1]))).div_ceil(4) * 4;
        pos = pos + 8 + body;
        if pos > end {
            return Err(GpmfError::Shape("DEVC container longer than the sample"));
        }
        first = false;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_samples_are_checked() {
        assert!(check_text_sample(b"\0\x05hello").is_ok());
        assert!(check_text_sample(b"\0\0").is_ok());
        assert!(check_text_sample(&[0; 40]).is_ok());
        let mut styled = b"\0\x02hi".to_vec();
        styled.extend_from_slice(b"\0\0\0\x0cstyl\0\0\0\0");
        assert!(check_text_sample(&styled).is_ok());
        assert!(check_text_sample(b"\0\x09hello").is_err());
        assert!(check_text_sample(b"\0\x02\xff\xfe\0\0\0\x09zzzzX").is_err());
        assert!(check_text_sample(b"\0\x02\xff\xfeGPS 59.437").is_err());
        assert!(check_text_sample(b"\0\x01\xc3").is_err());
        assert!(check_text_sample(b"VIDEOSAMPLE").is_err());
    }
}
