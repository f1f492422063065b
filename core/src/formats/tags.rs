//! Where the tags around an audio stream are (MP3, FLAC): ID3v2 tags
//! before it, and after it ID3v1 (with its `TAG+` block), APEv1/APEv2,
//! Lyrics3 and ID3v2 tags with a footer. Every one is removed whole, its
//! extent checked against the bytes between the stream and the file's
//! ends before anything is cut; what it says is described by
//! [`crate::metadata::id3`].

use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Finding};
use crate::io::SourceExt;
use crate::metadata::id3::{self, ApeFooter, V2Header};
use crate::scan::Scan;

/// The ID3v2 tags starting at `pos`, one after another: each is reported
/// and skipped; returns the offset after the last (`pos` when there is
/// none). A tag whose size runs past the end of the file is refused.
pub(crate) fn leading_id3(scan: &mut Scan<'_>, mut pos: u64, place: &str) -> Result<u64> {
    let src = scan.src;
    let mut tags = 0usize;
    while src.len().saturating_sub(pos) >= id3::V2_HEADER_LEN {
        let bytes: [u8; 10] = src.read_array(pos, "ID3v2 tag")?;
        let header = match id3::v2_header(&bytes, b"ID3") {
            Ok(Some(header)) => header,
            Ok(None) => break,
            Err(why) => return Err(Error::malformed("ID3v2 tag", pos, why)),
        };
        tags += 1;
        count(scan, tags, pos)?;
        let end = pos
            .checked_add(header.total())
            .filter(|end| *end <= src.len());
        let Some(end) = end else {
            return Err(Error::overrun(
                "ID3v2 tag",
                pos,
                format!(
                    "claims {} bytes but the file ends {} bytes after its start",
                    header.total(),
                    src.len() - pos
                ),
            ));
        };
        describe_v2(scan, pos, &header, place)?;
        pos = end;
    }
    Ok(pos)
}

/// Fail once more than the tag limit were met.
fn count(scan: &mut Scan<'_>, tags: usize, at: u64) -> Result<()> {
    scan.enter(at, u64::MAX, "number of structures")?;
    let max = scan.limits.audio.max_tags;
    if tags > max {
        return Err(Error::Limit {
            what: "number of audio tags",
            offset: at,
            limit: max as u64,
        });
    }
    Ok(())
}

/// Read (the first bytes of) the tag at `pos` and report what it holds.
fn describe_v2(scan: &mut Scan<'_>, pos: u64, header: &V2Header, place: &str) -> Result<()> {
    let bytes = read(scan, pos, header.total(), "ID3v2 tag")?;
    scan.report_all(id3::describe_v2(&bytes, header, place));
    Ok(())
}

/// The first bytes (at most the describe limit) of `len` bytes at `pos`,
/// charged to the read budget.
pub(crate) fn read(scan: &mut Scan<'_>, pos: u64, len: u64, what: &'static str) -> Result<Vec<u8>> {
    let len = len.min(scan.limits.audio.max_describe);
    scan.charge(len, pos, "audio tags read into memory")?;
    scan.src.read_vec(pos, len, len, what)
}

/// The tags at the end of `[start, end)`, found from the end backwards:
/// each is reported; returns where the last byte before them ends (`end`
/// when there is none).
pub(crate) fn trailing(scan: &mut Scan<'_>, start: u64, mut end: u64, place: &str) -> Result<u64> {
    let src = scan.src;
    let mut tags = 0usize;
    loop {
        let room = end.saturating_sub(start);
        let last = end;
        let tail = |len: u64| last.checked_sub(len).filter(|at| *at >= start);
        // ID3v1: the last 128 bytes start with `TAG`.
        if let Some(at) = tail(id3::V1_LEN) {
            let tag = src.read_vec(at, id3::V1_LEN, id3::V1_LEN, "ID3v1 tag")?;
            if tag.starts_with(b"TAG") {
                tags += 1;
                count(scan, tags, at)?;
                scan.report_all(id3::describe_v1(&tag, place));
                end = at;
                let enhanced = at
                    .checked_sub(id3::V1_ENHANCED_LEN)
                    .filter(|from| *from >= start);
                if let Some(at) = enhanced {
                    let block = src.read_vec(
                        at,
                        id3::V1_ENHANCED_LEN,
                        id3::V1_ENHANCED_LEN,
                        "ID3v1 enhanced block",
                    )?;
                    if block.starts_with(b"TAG+") {
                        scan.report_all(id3::describe_v1_enhanced(&block, place));
                        end = at;
                    }
                }
                continue;
            }
        }
        // APE: a 32-byte footer `APETAGEX`.
        if let Some(at) = tail(id3::APE_FOOTER_LEN) {
            let bytes: [u8; 32] = src.read_array(at, "APE tag")?;
            if let Some(footer) = ApeFooter::parse(&bytes) {
                tags += 1;
                count(scan, tags, at)?;
                end = ape(scan, &footer, start, end, place)?;
                continue;
            }
        }
        // Lyrics3: `LYRICSBEGIN` … `LYRICS200` (with its size) or
        // `LYRICSEND` (version 1, at most 5100 bytes of lyrics).
        if let Some(at) = tail(9) {
            let mark: [u8; 9] = src.read_array(at, "Lyrics3 tag")?;
            if &mark == b"LYRICS200" || &mark == b"LYRICSEND" {
                tags += 1;
                count(scan, tags, at)?;
                end = lyrics(scan, &mark, start, end, place)?;
                continue;
            }
        }
        // ID3v2 with a footer (`3DI`), appended.
        if let Some(at) = tail(id3::V2_HEADER_LEN) {
            let bytes: [u8; 10] = src.read_array(at, "ID3v2 tag")?;
            let footer = match id3::v2_header(&bytes, b"3DI") {
                Ok(footer) => footer,
                Err(why) => return Err(Error::malformed("ID3v2 tag footer", at, why)),
            };
            if let Some(footer) = footer {
                tags += 1;
                count(scan, tags, at)?;
                let total = footer.size + 2 * id3::V2_HEADER_LEN;
                let Some(tag_start) = tail(total) else {
                    return Err(Error::overrun(
                        "ID3v2 tag footer",
                        at,
                        format!("claims {total} bytes but only {room} precede its end"),
                    ));
                };
                let bytes: [u8; 10] = src.read_array(tag_start, "ID3v2 tag")?;
                let header = match id3::v2_header(&bytes, b"ID3") {
                    Ok(Some(header)) if header.total() == total => header,
                    _ => {
                        return Err(Error::malformed(
                            "ID3v2 tag footer",
                            at,
                            "no matching ID3v2 header where the footer says the tag starts",
                        ))
                    }
                };
                describe_v2(scan, tag_start, &header, place)?;
                end = tag_start;
                continue;
            }
        }
        return Ok(end);
    }
}

/// An APE tag whose footer ends at `end`: returns where it starts.
fn ape(scan: &mut Scan<'_>, footer: &ApeFooter, start: u64, end: u64, place: &str) -> Result<u64> {
    let footer_at = end - id3::APE_FOOTER_LEN;
    let tag_start = end
        .checked_sub(footer.total())
        .filter(|at| *at >= start && footer.size >= id3::APE_FOOTER_LEN);
    let Some(tag_start) = tag_start else {
        return Err(Error::overrun(
            "APE tag",
            footer_at,
            format!(
                "claims {} bytes but only {} precede its end",
                footer.total(),
                end - start
            ),
        ));
    };
    let items_at = if footer.has_header {
        let header: [u8; 32] = scan.src.read_array(tag_start, "APE tag")?;
        if header.get(..8) != Some(b"APETAGEX") {
            return Err(Error::malformed(
                "APE tag",
                tag_start,
                "no APE header where the footer says the tag starts",
            ));
        }
        tag_start + id3::APE_FOOTER_LEN
    } else {
        tag_start
    };
    let items = read(scan, items_at, footer_at - items_at, "APE tag")?;
    scan.report_all(id3::describe_ape(&items, footer, place));
    Ok(tag_start)
}

/// A Lyrics3 tag ending at `end` with `mark`: returns where it starts.
fn lyrics(scan: &mut Scan<'_>, mark: &[u8; 9], start: u64, end: u64, place: &str) -> Result<u64> {
    let src = scan.src;
    let mark_at = end - 9;
    let tag_start = if mark == b"LYRICS200" {
        // Six decimal digits before the mark: the size of everything from
        // `LYRICSBEGIN` up to them.
        let digits: [u8; 6] = if mark_at >= start + 6 {
            src.read_array(mark_at - 6, "Lyrics3 tag")?
        } else {
            [b'x'; 6]
        };
        let size = std::str::from_utf8(&digits)
            .ok()
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<u64>().ok());
        let tag_start = size.and_then(|size| mark_at.checked_sub(6 + size));
        tag_start.filter(|at| *at >= start)
    } else {
        // Version 1 has no size: `LYRICSBEGIN` within the 5100 bytes of
        // lyrics allowed before the mark.
        let from = mark_at.saturating_sub(5100 + 11).max(start);
        let window = src.read_vec(from, mark_at - from, 5111, "Lyrics3 tag")?;
        window
            .windows(11)
            .rposition(|w| w == b"LYRICSBEGIN")
            .map(|i| from + i as u64)
    };
    let Some(tag_start) = tag_start else {
        return Err(Error::malformed(
            "Lyrics3 tag",
            mark_at,
            "its size or its LYRICSBEGIN marker is not where the tag says",
        ));
    };
    let begin: [u8; 11] = src.read_array(tag_start, "Lyrics3 tag")?;
    if &begin != b"LYRICSBEGIN" {
        return Err(Error::malformed(
            "Lyrics3 tag",
            tag_start,
            "no LYRICSBEGIN where the tag says it starts",
        ));
    }
    let text = read(scan, tag_start, end - tag_start, "Lyrics3 tag")?;
    let mut finding = Finding::removed(
        Category::Other,
        "Lyrics3 tag",
        format!("{place}/Lyrics3"),
        human_size(end - tag_start),
    );
    for run in crate::metadata::subtitle::printable_runs(&text)
        .into_iter()
        .take(64)
    {
        finding = finding.with_needle(run.as_bytes());
    }
    scan.report(finding);
    Ok(tag_start)
}
