//! The top-level boxes of the file (ISO/IEC 14496-12 § 4.2, § 6.2.3): the
//! fate of each, the one `moov` read into memory, and the bytes after the
//! last box (vendor trailers).

use super::describe::report_removed;
use super::gaps::box_is_zero;
use super::STRUCTURE_FILE;
use crate::container::isobmff::{fourcc_name, read_body, read_header, BoxHeader, FourCc};
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Finding};
use crate::io::Source;
use crate::limits::Mp4Limits;
use crate::scan::Scan;

/// What the output does with one top-level box.
#[derive(Debug)]
pub(super) enum Action {
    /// Copied unchanged (removed-track samples inside are zeroed).
    Copy,
    /// Replaced by the rewritten `moov`.
    Moov,
    /// A `moof`, rewritten in place (same size) when needed.
    Moof(Option<Vec<u8>>),
    /// Replaced by a `free` box of zeroes of the same size.
    Blank,
    /// Replaced by these bytes, of the same size (`ftyp`, `sidx`).
    Rewrite(Vec<u8>),
    /// Not written.
    Drop,
}

/// One top-level box and its fate.
#[derive(Debug)]
pub(super) struct TopBox {
    pub header: BoxHeader,
    pub action: Action,
    /// Output offset, once the layout is known.
    pub out_start: u64,
}

impl TopBox {
    fn new(header: BoxHeader, action: Action) -> Self {
        TopBox {
            header,
            action,
            out_start: 0,
        }
    }

    /// Whether every byte keeps its position relative to the box start.
    pub fn is_positional(&self) -> bool {
        matches!(
            self.action,
            Action::Copy | Action::Moof(_) | Action::Blank | Action::Rewrite(_)
        )
    }
}

/// The movie header box, read into memory.
#[derive(Debug)]
pub(super) struct Moov {
    /// Its index among the top-level boxes.
    pub index: usize,
    pub header: BoxHeader,
    pub body: Vec<u8>,
}

/// Every top-level box with its fate, and the `moov` if there is one.
#[derive(Debug)]
pub(super) struct TopLevel {
    pub boxes: Vec<TopBox>,
    pub moov: Option<Moov>,
}

/// Whether any box is a movie fragment.
pub(super) fn is_fragmented(boxes: &[TopBox]) -> bool {
    boxes.iter().any(|t| matches!(t.action, Action::Moof(_)))
}

/// Pseudo box type of the bytes after the last box.
const TRAILER: FourCc = *b"\0trl";

/// Walk the top-level boxes, deciding the fate of each and reading `moov`.
pub(super) fn scan_top_level(scan: &mut Scan<'_>) -> Result<TopLevel> {
    let src = scan.src;
    let limits = scan.limits.mp4;
    let len = src.len();
    let mut boxes = Vec::new();
    let mut moov = None;
    let mut pos = 0u64;
    while pos < len {
        scan.ensure_findings_room(pos)?;
        if boxes.len() >= limits.max_top_level {
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
                describe_trailer(scan, pos, len)?;
                let trailer = BoxHeader {
                    kind: TRAILER,
                    start: pos,
                    header_len: 0,
                    size: len - pos,
                };
                boxes.push(TopBox::new(trailer, Action::Drop));
                break;
            }
            Err(err) => return Err(err),
        };
        let action = match &header.kind {
            b"ftyp" | b"styp" => rewrite_ftyp(scan, &header, &limits)?,
            b"sidx" => rewrite_sidx(scan, &header, &limits)?,
            b"mdat" => Action::Copy,
            b"moov" => {
                if moov.is_some() {
                    return Err(Error::malformed(
                        STRUCTURE_FILE,
                        pos,
                        "more than one 'moov' box",
                    ));
                }
                let body = read_body(src, &header, limits.max_moov, "MP4 moov")?;
                moov = Some(Moov {
                    index: boxes.len(),
                    header,
                    body,
                });
                Action::Moov
            }
            b"moof" => Action::Moof(None),
            _ => drop_top_box(scan, &header, &limits)?,
        };
        boxes.push(TopBox::new(header, action));
        pos = header.end();
    }
    scan.ensure_findings_room(pos)?;
    if is_fragmented(&boxes) {
        blank_between_fragments(&mut boxes, moov.as_ref(), &limits)?;
    }
    Ok(TopLevel { boxes, moov })
}

/// Brands kept in `ftyp`/`styp`: the ISO, 3GPP, Apple and codec brands of
/// the specifications. Vendor brands (`CAEP`, `niko`, `XAVC`, …) name the
/// device or software that wrote the file.
fn is_known_brand(brand: &FourCc) -> bool {
    matches!(
        brand,
        b"isom"
            | b"iso2"
            | b"iso3"
            | b"iso4"
            | b"iso5"
            | b"iso6"
            | b"iso7"
            | b"iso8"
            | b"iso9"
            | b"mp41"
            | b"mp42"
            | b"mp71"
            | b"avc1"
            | b"hvc1"
            | b"hev1"
            | b"av01"
            | b"vvc1"
            | b"dby1"
            | b"dash"
            | b"msdh"
            | b"msix"
            | b"cmfc"
            | b"cmf2"
            | b"cmfs"
            | b"cmff"
            | b"cmfl"
            | b"qt  "
            | b"M4V "
            | b"M4A "
            | b"M4B "
            | b"M4P "
            | b"M4VH"
            | b"M4VP"
            | b"3gp4"
            | b"3gp5"
            | b"3gp6"
            | b"3gp7"
            | b"3gp8"
            | b"3gp9"
            | b"3gg6"
            | b"3gg9"
            | b"3gr6"
            | b"3gs6"
            | b"3gs9"
            | b"3ge6"
            | b"3ge7"
            | b"3ge9"
            | b"3gh9"
            | b"3gm9"
            | b"3g2a"
            | b"3g2b"
            | b"3g2c"
            | b"mjp2"
            | b"mj2s"
            | b"f4v "
            | b"iso "
    )
}

/// `ftyp`/`styp` (§ 4.3) rewritten at the same size: the minor version
/// zeroed, unknown brands replaced by the major brand (or `isom`), bytes
/// after the last whole brand zeroed.
fn rewrite_ftyp(scan: &mut Scan<'_>, header: &BoxHeader, limits: &Mp4Limits) -> Result<Action> {
    let body = read_body(scan.src, header, limits.max_describe, "MP4 ftyp")?;
    let mut out = body.clone();
    let mut replaced = Vec::new();
    let major = body
        .get(..4)
        .and_then(|b| FourCc::try_from(b).ok())
        .ok_or_else(|| Error::truncated("MP4 ftyp", header.start, "no major brand"))?;
    let known_major = if is_known_brand(&major) {
        major
    } else {
        replaced.push(fourcc_name(&major));
        *b"isom"
    };
    let mut at = 0usize;
    for chunk in out.chunks_mut(4) {
        match at {
            0 => chunk.copy_from_slice(&known_major),
            4 => chunk.fill(0),
            _ => {
                let brand = FourCc::try_from(&*chunk).ok();
                match brand {
                    Some(brand) if is_known_brand(&brand) => {}
                    Some(brand) => {
                        replaced.push(fourcc_name(&brand));
                        chunk.copy_from_slice(&known_major);
                    }
                    // Fewer than four bytes after the last brand.
                    None => chunk.fill(0),
                }
            }
        }
        at += 4;
    }
    if out == body {
        return Ok(Action::Copy);
    }
    if !replaced.is_empty() {
        scan.report(
            Finding::removed(
                Category::Software,
                "File type brand",
                fourcc_name(&header.kind),
                replaced.join(", "),
            )
            .with_fate(crate::finding::Fate::Replaced),
        );
    }
    let mut whole = Vec::with_capacity(header.size as usize);
    crate::container::isobmff::write_header_like(&mut whole, header);
    whole.extend_from_slice(&out);
    Ok(Action::Rewrite(whole))
}

/// `sidx` (§ 8.16.3) rewritten at the same size when its reserved field
/// or bytes after its references hold anything.
fn rewrite_sidx(scan: &mut Scan<'_>, header: &BoxHeader, limits: &Mp4Limits) -> Result<Action> {
    let body = read_body(scan.src, header, limits.max_describe, "MP4 sidx")?;
    let mut r = crate::io::cursor::Reader::new(&body, header.body_start(), "MP4 sidx");
    let (version, _) = r.full_box()?;
    // reference_ID, timescale, earliest presentation time, first offset.
    r.skip(4 + 4 + if version == 0 { 8 } else { 16 })?;
    let reserved_at = r.pos();
    r.skip(2)?;
    let count = r.u16()?;
    r.table(u64::from(count), 12)?;
    let end = r.pos();
    let mut out = body.clone();
    if let Some(reserved) = out.get_mut(reserved_at..reserved_at + 2) {
        reserved.fill(0);
    }
    if let Some(slack) = out.get_mut(end..) {
        slack.fill(0);
    }
    if out == body {
        return Ok(Action::Copy);
    }
    let mut whole = Vec::with_capacity(header.size as usize);
    crate::container::isobmff::write_header_like(&mut whole, header);
    whole.extend_from_slice(&out);
    Ok(Action::Rewrite(whole))
}

/// Report a top-level box that is not written: the fragment index,
/// padding that holds data, metadata and unknown boxes.
fn drop_top_box(scan: &mut Scan<'_>, header: &BoxHeader, limits: &Mp4Limits) -> Result<Action> {
    let place = fourcc_name(&header.kind);
    match &header.kind {
        b"mfra" => scan.report(Finding::removed(
            Category::Other,
            "Fragment random-access index",
            place,
            human_size(header.size),
        )),
        b"free" | b"skip" | b"wide" | b"junk" => {
            if !box_is_zero(scan.src, header, limits)? {
                scan.report(Finding::removed(
                    Category::Other,
                    "Padding with leftover data",
                    place,
                    human_size(header.size),
                ));
            }
        }
        kind => {
            let body = if header.body_len() <= limits.max_describe
                && matches!(kind, b"uuid" | b"meta" | b"udta")
            {
                Some(read_body(
                    scan.src,
                    header,
                    limits.max_describe,
                    "MP4 metadata box",
                )?)
            } else {
                None
            };
            report_removed(scan, header, body.as_deref(), &place)?;
        }
    }
    Ok(Action::Drop)
}

/// In a fragmented file, offsets inside fragments may be relative to their
/// `moof`: nothing after the movie header may move relative to the
/// fragments, so boxes dropped there are blanked instead.
fn blank_between_fragments(
    boxes: &mut [TopBox],
    moov: Option<&Moov>,
    limits: &Mp4Limits,
) -> Result<()> {
    let first_moof = boxes
        .iter()
        .position(|t| matches!(t.action, Action::Moof(_)))
        .unwrap_or(0);
    let moov_at = moov.map_or(0, |moov| moov.index);
    for item in boxes.iter_mut().skip(moov_at.min(first_moof)) {
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
    Ok(())
}

/// Whether the bytes at `pos` carry a box type (four printable ASCII
/// characters after the size): then a header that does not fit is a
/// truncated box, which is an error, not a trailer to drop.
pub(super) fn looks_like_box_type(src: &dyn Source, pos: u64, len: u64) -> Result<bool> {
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
    let [_, _, _, _, kind @ ..] = head;
    Ok(kind
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b' ' || *b == 0xA9))
}

/// Report the bytes after the last box, unless they are only zero padding
/// (as a blanked trailer is when the output is inspected again).
pub(super) fn describe_trailer(scan: &mut Scan<'_>, start: u64, len: u64) -> Result<()> {
    let limits = scan.limits.mp4;
    let size = len - start;
    let pseudo = BoxHeader {
        kind: TRAILER,
        start,
        header_len: 0,
        size,
    };
    if size <= limits.max_describe && box_is_zero(scan.src, &pseudo, &limits)? {
        return Ok(());
    }
    let mut tail = [0u8; 8];
    let tail_len = size.min(8) as usize;
    let tail = tail.get_mut(..tail_len).unwrap_or_default();
    scan.src.read_at(len - tail_len as u64, tail)?;
    let what = if tail.windows(4).any(|w| w == b"SEFT") {
        "Samsung SEF trailer"
    } else {
        "data after the last box"
    };
    scan.report(Finding::removed(
        Category::Embedded,
        "Trailer",
        format!("after the last box at offset {start}"),
        format!("{what}, {}", human_size(size)),
    ));
    Ok(())
}

/// Whether `moov` follows every `mdat` of an unfragmented file.
pub(super) fn moov_is_last(boxes: &[TopBox], moov_index: usize) -> bool {
    let last_mdat = boxes.iter().rposition(|t| t.header.kind == *b"mdat");
    !is_fragmented(boxes) && last_mdat.is_some_and(|mdat| mdat < moov_index)
}
