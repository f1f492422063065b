//! Tags that audio writers put around the stream whatever the codec:
//! ID3v2 (2.2, 2.3, 2.4), ID3v1 and its "enhanced" `TAG+` block, APEv2 (and
//! APEv1).
//!
//! They are always removed whole, so this module only *describes* them —
//! one finding per frame or item, with the values as leak needles — and
//! reads their headers so that the planners can cut each tag by its
//! declared extent, which the planners check against the file first. The
//! description is tolerant: a frame that does not parse is reported by
//! its id and size, and nothing read here decides what is kept.

use crate::finding::{human_size, Category, Finding};
use crate::metadata::classify::{category_for_name, coordinates_in};
use crate::metadata::subtitle::printable_runs;
use crate::metadata::xmp;

/// Length of an ID3v2 header or footer.
pub(crate) const V2_HEADER_LEN: u64 = 10;
/// Length of an ID3v1 tag.
pub(crate) const V1_LEN: u64 = 128;
/// Length of the "enhanced" `TAG+` block some writers put before ID3v1.
pub(crate) const V1_ENHANCED_LEN: u64 = 227;
/// Length of an APE tag header or footer.
pub(crate) const APE_FOOTER_LEN: u64 = 32;

/// Most frames or items reported one by one from one tag; the rest are
/// counted in one finding.
const MAX_REPORTED: usize = 256;
/// Most printable runs of one binary value kept as needles.
const MAX_RUNS: usize = 16;
/// Most bytes a compressed frame is inflated to, to describe it.
const MAX_INFLATED: usize = 64 * 1024;

/// ID3v2 tag header flags.
const FLAG_UNSYNC: u8 = 0x80;
const FLAG_EXTENDED: u8 = 0x40;
const FLAG_FOOTER: u8 = 0x10;

/// An ID3v2 header (or footer), checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct V2Header {
    /// Major version: 2, 3 or 4 are described; others are only skipped.
    pub major: u8,
    /// Header flags.
    pub flags: u8,
    /// Bytes after the header (frames and padding), the footer excluded.
    pub size: u64,
}

impl V2Header {
    /// The whole tag: header, frames and padding, footer.
    pub fn total(&self) -> u64 {
        let footer = if self.major >= 4 && self.flags & FLAG_FOOTER != 0 {
            V2_HEADER_LEN
        } else {
            0
        };
        V2_HEADER_LEN + self.size + footer
    }
}

/// Read the 10 bytes of an ID3v2 header (`magic` `ID3`) or footer (`3DI`).
/// `Ok(None)` when the magic is not there; `Err` with the reason when it
/// is but a field is not valid (a size that is not syncsafe, version
/// 0xFF): then the tag's extent is unknown.
pub(crate) fn v2_header(bytes: &[u8; 10], magic: &[u8; 3]) -> Result<Option<V2Header>, String> {
    let [m0, m1, m2, major, minor, flags, a, b, c, d] = *bytes;
    if [m0, m1, m2] != *magic {
        return Ok(None);
    }
    if major == 0xFF || minor == 0xFF {
        return Err(format!("version 2.{major}.{minor} is not valid"));
    }
    let size = syncsafe(&[a, b, c, d]).ok_or("its size is not a syncsafe integer")?;
    Ok(Some(V2Header {
        major,
        flags,
        size: u64::from(size),
    }))
}

/// A 28-bit syncsafe integer (seven bits per byte), if every byte has its
/// top bit clear.
fn syncsafe(bytes: &[u8; 4]) -> Option<u32> {
    if bytes.iter().any(|b| b & 0x80 != 0) {
        return None;
    }
    Some(bytes.iter().fold(0u32, |acc, b| (acc << 7) | u32::from(*b)))
}

/// Undo unsynchronisation: every `FF 00` becomes `FF`.
fn unsynchronise(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut previous_ff = false;
    for &byte in data {
        if previous_ff && byte == 0 {
            previous_ff = false;
            continue;
        }
        out.push(byte);
        previous_ff = byte == 0xFF;
    }
    out
}

/// Describe an ID3v2 tag. `tag` holds its first bytes (the header
/// included), at most all `total` of them: frames past what was read are
/// reported by size.
pub(crate) fn describe_v2(tag: &[u8], header: &V2Header, place: &str) -> Vec<Finding> {
    let place = format!("{place}/ID3v2.{}", header.major);
    let mut out = Frames {
        place: &place,
        findings: Vec::new(),
        others: 0,
    };
    let end = usize::try_from(V2_HEADER_LEN + header.size).unwrap_or(usize::MAX);
    let body = tag.get(10..end.min(tag.len())).unwrap_or_default();
    let read_all = tag.len() >= end;
    if !(2..=4).contains(&header.major) {
        out.findings.push(Finding::removed(
            Category::Other,
            "ID3v2 tag (unknown version)",
            place.as_str(),
            human_size(header.total()),
        ));
        return out.findings;
    }
    // Tag-level unsynchronisation covers the frame headers too before
    // version 4 (sizes count the restored bytes); in version 4 each frame
    // is restored on its own.
    let restored;
    let mut body = if header.flags & FLAG_UNSYNC != 0 && header.major < 4 {
        restored = unsynchronise(body);
        restored.as_slice()
    } else {
        body
    };
    if header.major == 2 && header.flags & 0x40 != 0 {
        out.findings.push(Finding::removed(
            Category::Other,
            "ID3v2.2 tag (compressed, not read)",
            place.as_str(),
            human_size(header.total()),
        ));
        return out.findings;
    }
    if header.flags & FLAG_EXTENDED != 0 && header.major >= 3 {
        let skip = body
            .get(..4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(|b| {
                if header.major == 3 {
                    u32::from_be_bytes(b).saturating_add(4)
                } else {
                    syncsafe(&b).unwrap_or(u32::MAX)
                }
            })
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(usize::MAX);
        body = body.get(skip..).unwrap_or_default();
    }
    let frame_unsync = header.major == 4 && header.flags & FLAG_UNSYNC != 0;
    let mut pos = 0usize;
    loop {
        let rest = body.get(pos..).unwrap_or_default();
        if rest.iter().all(|b| *b == 0) {
            break;
        }
        let Some(frame) = RawFrame::parse(rest, header.major) else {
            out.push(
                Finding::removed(
                    Category::Other,
                    "Unreadable ID3 data",
                    place.as_str(),
                    human_size(rest.len() as u64),
                )
                .unknown_block(),
                rest,
            );
            break;
        };
        pos = pos.saturating_add(frame.len);
        out.frame(&frame, header.major, frame_unsync);
        if pos >= body.len() {
            break;
        }
    }
    if !read_all {
        out.findings.push(Finding::removed(
            Category::Other,
            "ID3v2 frames (not read)",
            place.as_str(),
            format!(
                "{} after the first {}",
                human_size(header.total().saturating_sub(tag.len() as u64)),
                human_size(tag.len() as u64)
            ),
        ));
    }
    if out.others > 0 {
        out.findings.push(Finding::removed(
            Category::Other,
            "More ID3 frames",
            place.as_str(),
            format!("{} frames", out.others),
        ));
    }
    if out.findings.is_empty() {
        out.findings.push(Finding::removed(
            Category::Other,
            "ID3v2 tag (empty)",
            place.as_str(),
            human_size(header.total()),
        ));
    }
    out.findings
}

/// Describe an ID3v2 tag held whole in `bytes` (a RIFF `id3 ` chunk):
/// its header is read from them.
pub(crate) fn describe_v2_bytes(bytes: &[u8], place: &str) -> Vec<Finding> {
    let header = bytes
        .get(..10)
        .and_then(|h| <[u8; 10]>::try_from(h).ok())
        .and_then(|h| v2_header(&h, b"ID3").ok().flatten());
    match header {
        Some(header) => describe_v2(bytes, &header, place),
        None => vec![Finding::removed(
            Category::Other,
            "ID3 tag (unreadable)",
            place,
            human_size(bytes.len() as u64),
        )],
    }
}

/// One frame's header and the bytes after it, as stored.
struct RawFrame<'a> {
    id: String,
    flags: [u8; 2],
    data: &'a [u8],
    /// Header and data as stored (how far the next frame is).
    len: usize,
    /// Whether the data was cut by the end of what was read.
    cut: bool,
}

impl<'a> RawFrame<'a> {
    fn parse(bytes: &'a [u8], major: u8) -> Option<Self> {
        let (id_len, header_len) = if major == 2 { (3, 6) } else { (4, 10) };
        let id = bytes.get(..id_len)?;
        if !id
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return None;
        }
        let size = match major {
            2 => bytes
                .get(3..6)
                .map(|s| s.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b)))?,
            3 => usize::try_from(u32::from_be_bytes(bytes.get(4..8)?.try_into().ok()?)).ok()?,
            _ => {
                let raw: [u8; 4] = bytes.get(4..8)?.try_into().ok()?;
                // iTunes wrote plain sizes in version 4 tags.
                usize::try_from(syncsafe(&raw).unwrap_or_else(|| u32::from_be_bytes(raw))).ok()?
            }
        };
        let flags = if major == 2 {
            [0, 0]
        } else {
            [*bytes.get(8)?, *bytes.get(9)?]
        };
        let stored = bytes.get(header_len..).unwrap_or_default();
        let cut = stored.len() < size;
        Some(RawFrame {
            id: String::from_utf8_lossy(id).into_owned(),
            flags,
            data: stored.get(..size).unwrap_or(stored),
            len: header_len.saturating_add(size),
            cut,
        })
    }
}

/// The findings of one tag being built.
struct Frames<'p> {
    place: &'p str,
    findings: Vec<Finding>,
    others: usize,
}

impl Frames<'_> {
    /// Add a finding, with the printable runs of `raw` as needles too
    /// (anything a frame held, searched for in the output).
    fn push(&mut self, finding: Finding, raw: &[u8]) {
        if self.findings.len() >= MAX_REPORTED {
            self.others += 1;
            return;
        }
        let mut finding = finding;
        for run in printable_runs(raw).into_iter().take(MAX_RUNS) {
            finding = needle(finding, &run);
        }
        self.findings.push(finding);
    }

    /// Add a finding for a text value, and one for the coordinates the
    /// text holds.
    fn push_text(&mut self, finding: Finding, text: &str) {
        for finding in with_coordinates(finding, text) {
            self.push(finding, &[]);
        }
    }

    fn frame(&mut self, frame: &RawFrame<'_>, major: u8, tag_unsync: bool) {
        let id = v22_name(&frame.id).unwrap_or(frame.id.as_str()).to_string();
        let [_, format] = frame.flags;
        let (compressed, encrypted, mut data) = if major == 3 {
            // Added bytes in flag order: decompressed size, encryption
            // method, group id.
            let skip = usize::from(format & 0x80 != 0) * 4
                + usize::from(format & 0x40 != 0)
                + usize::from(format & 0x20 != 0);
            (
                format & 0x80 != 0,
                format & 0x40 != 0,
                frame.data.get(skip..).unwrap_or_default().to_vec(),
            )
        } else if major == 4 {
            // Group id, encryption method, data length indicator.
            let skip = usize::from(format & 0x40 != 0)
                + usize::from(format & 0x04 != 0)
                + usize::from(format & 0x01 != 0) * 4;
            let data = frame.data.get(skip..).unwrap_or_default();
            let data = if tag_unsync || format & 0x02 != 0 {
                unsynchronise(data)
            } else {
                data.to_vec()
            };
            (format & 0x08 != 0, format & 0x04 != 0, data)
        } else {
            (false, false, frame.data.to_vec())
        };
        let label = |what: &str| format!("{what} ({})", frame.id);
        if encrypted {
            self.push(
                Finding::removed(
                    Category::Other,
                    label("Encrypted frame"),
                    self.place,
                    human_size(frame.data.len() as u64),
                ),
                &[],
            );
            return;
        }
        if compressed {
            data = match miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(
                &data,
                MAX_INFLATED,
            ) {
                Ok(inflated) => inflated,
                Err(partial) => partial.output,
            };
        }
        let cut = if frame.cut { " (cut short)" } else { "" };
        match id.as_str() {
            "TXXX" => {
                let (encoding, rest) = data.split_first().unwrap_or((&0, &[][..]));
                let (description, value) = split_terminated(*encoding, rest);
                let description = decode(*encoding, description);
                let value = decode_values(*encoding, value).join("; ");
                let finding = Finding::removed(
                    category_for_name(&description),
                    label(&format!("User text '{description}'")),
                    self.place,
                    &value,
                );
                let finding = needle(needle(finding, &value), &description);
                self.push_text(finding, &value);
            }
            "COMM" | "USLT" => {
                // Encoding, language, description, text.
                let (encoding, rest) = data.split_first().unwrap_or((&0, &[][..]));
                let rest = rest.get(3..).unwrap_or_default();
                let (description, text) = split_terminated(*encoding, rest);
                let description = decode(*encoding, description);
                let text = decode(*encoding, text);
                let what = if id == "COMM" { "Comment" } else { "Lyrics" };
                let finding = Finding::removed(
                    Category::Other,
                    label(what),
                    self.place,
                    if description.is_empty() {
                        text.clone()
                    } else {
                        format!("{description}: {text}")
                    },
                );
                let mut finding = needle(needle(finding, &text), &description);
                for line in text.lines().take(MAX_RUNS) {
                    finding = needle(finding, line);
                }
                self.push_text(finding, &text);
            }
            "APIC" => self.picture(&frame.id, &data, major == 2, cut),
            "GEOB" => {
                let (encoding, rest) = data.split_first().unwrap_or((&0, &[][..]));
                let (mime, rest) = split_terminated(0, rest);
                let (file_name, rest) = split_terminated(*encoding, rest);
                let (description, object) = split_terminated(*encoding, rest);
                let (mime, file_name, description) = (
                    decode(0, mime),
                    decode(*encoding, file_name),
                    decode(*encoding, description),
                );
                let finding = Finding::removed(
                    Category::Embedded,
                    label("Embedded file"),
                    self.place,
                    format!(
                        "'{file_name}' ({mime}) {description}, {}{cut}",
                        human_size(object.len() as u64)
                    ),
                );
                let finding = needle(needle(finding, &file_name), &description);
                self.push(finding, object);
            }
            "PRIV" => {
                let (owner, private) = split_terminated(0, &data);
                let owner = decode(0, owner);
                if owner == "XMP" {
                    let described = xmp::describe(private, self.place);
                    for finding in described {
                        self.push(finding, &[]);
                    }
                    return;
                }
                let finding = Finding::removed(
                    Category::Other,
                    label("Private data"),
                    self.place,
                    format!("'{owner}', {}", human_size(private.len() as u64)),
                );
                self.push(needle(finding, &owner), private);
            }
            "UFID" => {
                let (owner, identifier) = split_terminated(0, &data);
                let owner = decode(0, owner);
                let finding = Finding::removed(
                    Category::Device,
                    label("Unique file identifier"),
                    self.place,
                    format!("'{owner}': {}", String::from_utf8_lossy(identifier)),
                );
                let finding = needle(finding, &owner).with_needle(identifier);
                self.push(finding, identifier);
            }
            "POPM" => {
                let (email, _) = split_terminated(0, &data);
                let email = decode(0, email);
                let finding = Finding::removed(
                    if email.is_empty() {
                        Category::Other
                    } else {
                        Category::Identity
                    },
                    label("Rating by"),
                    self.place,
                    &email,
                );
                self.push(needle(finding, &email), &[]);
            }
            "WXXX" => {
                let (encoding, rest) = data.split_first().unwrap_or((&0, &[][..]));
                let (description, url) = split_terminated(*encoding, rest);
                let description = decode(*encoding, description);
                let url = decode(0, url);
                let finding = Finding::removed(
                    category_for_name(&description),
                    label(&format!("Link '{description}'")),
                    self.place,
                    &url,
                );
                self.push(needle(needle(finding, &url), &description), &[]);
            }
            _ if id.starts_with('T') => {
                let (encoding, rest) = data.split_first().unwrap_or((&0, &[][..]));
                let values = decode_values(*encoding, rest);
                let value = values.join("; ");
                let (category, what) = text_frame(&id);
                let mut finding =
                    Finding::removed(category, label(what), self.place, format!("{value}{cut}"));
                for value in &values {
                    finding = needle(finding, value);
                }
                if *encoding == 0 {
                    // Latin-1 bytes differ from the UTF-8 needle when
                    // they are not ASCII.
                    finding = finding.with_needle(rest);
                }
                self.push_text(finding, &value);
            }
            _ if id.starts_with('W') => {
                let url = decode(0, &data);
                let finding = Finding::removed(
                    if id == "WOAR" {
                        Category::Identity
                    } else {
                        Category::Other
                    },
                    label("Link"),
                    self.place,
                    &url,
                );
                self.push(needle(finding, &url), &[]);
            }
            _ => {
                let what = match id.as_str() {
                    "CHAP" | "CTOC" => "Chapter",
                    "MCDI" => "CD identifier",
                    "PCNT" => "Play counter",
                    "SYLT" => "Synchronised lyrics",
                    _ => "ID3 frame",
                };
                let finding = Finding::removed(
                    Category::Other,
                    label(what),
                    self.place,
                    format!("{}{cut}", human_size(data.len() as u64)),
                );
                self.push(finding, &data);
            }
        }
    }

    /// `APIC` (or version 2.2 `PIC`): encoding, MIME type (a three-letter
    /// format in 2.2), picture type, description, the image.
    fn picture(&mut self, id: &str, data: &[u8], v22: bool, cut: &str) {
        let (encoding, rest) = data.split_first().unwrap_or((&0, &[][..]));
        let (mime, rest) = if v22 {
            let format = rest.get(..3).unwrap_or_default();
            let mime = match format {
                b"JPG" => "image/jpeg".to_string(),
                b"PNG" => "image/png".to_string(),
                other => String::from_utf8_lossy(other).into_owned(),
            };
            (mime, rest.get(3..).unwrap_or_default())
        } else {
            let (mime, rest) = split_terminated(0, rest);
            (decode(0, mime), rest)
        };
        let (kind, rest) = rest.split_first().unwrap_or((&0, &[][..]));
        let (description, image) = split_terminated(*encoding, rest);
        let description = decode(*encoding, description);
        let finding = Finding::removed(
            Category::Embedded,
            format!("Picture ({id})"),
            self.place,
            format!(
                "{}, {mime}, {}{}{cut}",
                picture_type(*kind),
                human_size(image.len() as u64),
                if description.is_empty() {
                    String::new()
                } else {
                    format!(", '{description}'")
                }
            ),
        );
        let mut finding = needle(finding, &description);
        if cut.is_empty() {
            if let Some(mime) = picture_mime(&mime, image) {
                finding = finding.with_picture(mime, image);
            }
        }
        self.push(finding, &[]);
    }
}

/// A picture's MIME type as a static string when it is one a report can
/// show, judged by the bytes too.
pub(crate) fn picture_mime(mime: &str, image: &[u8]) -> Option<&'static str> {
    let lower = mime.to_ascii_lowercase();
    if image.starts_with(&[0xFF, 0xD8, 0xFF]) && (lower.contains("jp") || lower.is_empty()) {
        Some("image/jpeg")
    } else if image.starts_with(b"\x89PNG") && (lower.contains("png") || lower.is_empty()) {
        Some("image/png")
    } else {
        None
    }
}

/// The ID3v2 picture types (also used by FLAC and Vorbis comment pictures).
pub(crate) fn picture_type(kind: u8) -> &'static str {
    match kind {
        1 | 2 => "file icon",
        3 => "front cover",
        4 => "back cover",
        5 => "leaflet page",
        6 => "media",
        7 => "lead artist",
        8 => "artist",
        9 => "conductor",
        10 => "band",
        11 => "composer",
        12 => "lyricist",
        13 => "recording location",
        14 => "during recording",
        15 => "during performance",
        16 => "video capture",
        18 => "illustration",
        19 => "band logo",
        20 => "publisher logo",
        _ => "picture",
    }
}

/// Add `value` as a needle, unless it is an encoder's name that the kept
/// audio itself carries: LAME writes `LAME3.100` into the unused bits of
/// the frames it encodes (samples, never edited), so searching for it
/// would refuse every LAME file.
fn needle(finding: Finding, value: &str) -> Finding {
    if value.trim_start().starts_with("LAME") {
        return finding;
    }
    finding.with_needle(value.as_bytes())
}

/// `finding`, and a finding for the coordinates `value` holds
/// (`59.4370, 24.7536`, ISO 6709 `+59.4370+024.7536/`) when the finding's
/// name does not already make it a place.
pub(crate) fn with_coordinates(finding: Finding, value: &str) -> Vec<Finding> {
    let extra = if finding.category == Category::Location {
        None
    } else {
        coordinates_in(value, &finding.field, &finding.location)
    };
    std::iter::once(finding).chain(extra).collect()
}

/// The version 2.3/2.4 name of a version 2.2 frame id.
fn v22_name(id: &str) -> Option<&'static str> {
    Some(match id {
        "TT1" => "TIT1",
        "TT2" => "TIT2",
        "TT3" => "TIT3",
        "TP1" => "TPE1",
        "TP2" => "TPE2",
        "TP3" => "TPE3",
        "TP4" => "TPE4",
        "TCM" => "TCOM",
        "TXT" => "TEXT",
        "TOA" => "TOPE",
        "TOL" => "TOLY",
        "TCR" => "TCOP",
        "TPB" => "TPUB",
        "TEN" => "TENC",
        "TSS" => "TSSE",
        "TAL" => "TALB",
        "TYE" => "TYER",
        "TDA" => "TDAT",
        "TIM" => "TIME",
        "TOR" => "TORY",
        "TRD" => "TRDA",
        "TCO" => "TCON",
        "TRK" => "TRCK",
        "TPA" => "TPOS",
        "TXX" => "TXXX",
        "COM" => "COMM",
        "ULT" => "USLT",
        "PIC" => "APIC",
        "GEO" => "GEOB",
        "UFI" => "UFID",
        "POP" => "POPM",
        "WXX" => "WXXX",
        "WAR" => "WOAR",
        "IPL" => "IPLS",
        _ => return None,
    })
}

/// Category and name of a text frame.
fn text_frame(id: &str) -> (Category, &'static str) {
    use Category::*;
    match id {
        "TPE1" => (Identity, "Artist"),
        "TPE2" => (Identity, "Album artist"),
        "TPE3" => (Identity, "Conductor"),
        "TPE4" => (Identity, "Remixed by"),
        "TCOM" => (Identity, "Composer"),
        "TEXT" => (Identity, "Lyricist"),
        "TOPE" => (Identity, "Original artist"),
        "TOLY" => (Identity, "Original lyricist"),
        "TOWN" => (Identity, "Owner"),
        "TCOP" => (Identity, "Copyright"),
        "TPRO" => (Identity, "Produced"),
        "TPUB" => (Identity, "Publisher"),
        "TENC" => (Identity, "Encoded by"),
        "TMCL" => (Identity, "Musicians"),
        "TIPL" | "IPLS" => (Identity, "Involved people"),
        "TRSN" | "TRSO" => (Identity, "Radio station"),
        "TSSE" => (Software, "Encoder settings"),
        "TDRC" => (Time, "Recording time"),
        "TDRL" => (Time, "Release time"),
        "TDOR" => (Time, "Original release time"),
        "TDEN" => (Time, "Encoding time"),
        "TDTG" => (Time, "Tagging time"),
        "TYER" => (Time, "Year"),
        "TDAT" => (Time, "Date"),
        "TIME" => (Time, "Time"),
        "TORY" => (Time, "Original year"),
        "TRDA" => (Time, "Recording dates"),
        "TIT1" => (Other, "Content group"),
        "TIT2" => (Other, "Title"),
        "TIT3" => (Other, "Subtitle"),
        "TALB" => (Other, "Album"),
        "TCON" => (Other, "Genre"),
        "TRCK" => (Other, "Track"),
        "TPOS" => (Other, "Disc"),
        "TOFN" => (Other, "Original file name"),
        "TSRC" => (Other, "ISRC"),
        _ => (Other, "Text"),
    }
}

/// Split `bytes` at the first terminator of `encoding` (one zero byte,
/// or two aligned ones in UTF-16): the text before it and what follows.
fn split_terminated(encoding: u8, bytes: &[u8]) -> (&[u8], &[u8]) {
    if matches!(encoding, 1 | 2) {
        let mut i = 0usize;
        while let Some(pair) = bytes.get(i..i + 2) {
            if pair == [0, 0] {
                return (
                    bytes.get(..i).unwrap_or_default(),
                    bytes.get(i + 2..).unwrap_or_default(),
                );
            }
            i += 2;
        }
        (bytes, &[])
    } else {
        match bytes.iter().position(|b| *b == 0) {
            Some(i) => (
                bytes.get(..i).unwrap_or_default(),
                bytes.get(i + 1..).unwrap_or_default(),
            ),
            None => (bytes, &[]),
        }
    }
}

/// Every terminated value of a text frame (version 2.4 allows several).
fn decode_values(encoding: u8, mut bytes: &[u8]) -> Vec<String> {
    let mut values = Vec::new();
    while !bytes.is_empty() && values.len() < MAX_RUNS {
        let (value, rest) = split_terminated(encoding, bytes);
        let value = decode(encoding, value);
        if !value.trim().is_empty() {
            values.push(value);
        }
        bytes = rest;
    }
    values
}

/// Text in ID3 `encoding`: 0 Latin-1, 1 UTF-16 with a byte-order mark,
/// 2 UTF-16BE, 3 UTF-8.
pub(crate) fn decode(encoding: u8, bytes: &[u8]) -> String {
    match encoding {
        1 | 2 => {
            let (big_endian, body) = match bytes {
                [0xFF, 0xFE, rest @ ..] => (false, rest),
                [0xFE, 0xFF, rest @ ..] => (true, rest),
                _ => (encoding == 2, bytes),
            };
            let units = body.chunks_exact(2).map(|pair| {
                let pair = [
                    pair.first().copied().unwrap_or(0),
                    pair.get(1).copied().unwrap_or(0),
                ];
                if big_endian {
                    u16::from_be_bytes(pair)
                } else {
                    u16::from_le_bytes(pair)
                }
            });
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        }
        3 => String::from_utf8_lossy(bytes).into_owned(),
        _ => bytes.iter().map(|b| char::from(*b)).collect(),
    }
    .trim_matches(|c: char| c == '\0' || c.is_whitespace())
    .to_string()
}

/// Describe an ID3v1 tag (128 bytes from `TAG`).
pub(crate) fn describe_v1(tag: &[u8], place: &str) -> Vec<Finding> {
    let place = format!("{place}/ID3v1");
    let field = |at: usize, len: usize| decode(0, tag.get(at..at + len).unwrap_or_default());
    let mut comment = tag.get(97..127).unwrap_or_default();
    // ID3v1.1: a zero byte then the track number end the comment.
    if let [head @ .., 0, track] = comment {
        if *track != 0 {
            comment = head;
        }
    }
    let fields = [
        (Category::Other, "Title", field(3, 30)),
        (Category::Identity, "Artist", field(33, 30)),
        (Category::Other, "Album", field(63, 30)),
        (Category::Time, "Year", field(93, 4)),
        (Category::Other, "Comment", decode(0, comment)),
    ];
    let mut findings = v1_findings(&fields, &place);
    if findings.is_empty() {
        findings.push(Finding::removed(
            Category::Other,
            "ID3v1 tag (empty)",
            place,
            "128 bytes",
        ));
    }
    findings
}

/// Describe the "enhanced" block (227 bytes from `TAG+`).
pub(crate) fn describe_v1_enhanced(tag: &[u8], place: &str) -> Vec<Finding> {
    let place = format!("{place}/ID3v1 enhanced");
    let field = |at: usize, len: usize| decode(0, tag.get(at..at + len).unwrap_or_default());
    let fields = [
        (Category::Other, "Title", field(4, 60)),
        (Category::Identity, "Artist", field(64, 60)),
        (Category::Other, "Album", field(124, 60)),
        (Category::Other, "Genre", field(185, 30)),
        (Category::Time, "Start time", field(215, 6)),
        (Category::Time, "End time", field(221, 6)),
    ];
    let mut findings = v1_findings(&fields, &place);
    if findings.is_empty() {
        findings.push(Finding::removed(
            Category::Other,
            "ID3v1 enhanced block (empty)",
            place,
            "227 bytes",
        ));
    }
    findings
}

fn v1_findings(fields: &[(Category, &str, String)], place: &str) -> Vec<Finding> {
    fields
        .iter()
        .filter(|(_, _, value)| !value.is_empty())
        .flat_map(|(category, name, value)| {
            with_coordinates(
                needle(Finding::removed(*category, *name, place, value), value),
                value,
            )
        })
        .collect()
}

/// An APE tag footer (or header): version, size (items and footer, the
/// header excluded), item count, flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ApeFooter {
    /// 1000 (APEv1) or 2000 (APEv2).
    pub version: u32,
    /// Items and footer, the header excluded.
    pub size: u64,
    /// Number of items.
    pub items: u32,
    /// Whether a 32-byte header precedes the items.
    pub has_header: bool,
}

impl ApeFooter {
    /// Read a footer: `None` when `APETAGEX` is not there.
    pub fn parse(bytes: &[u8; 32]) -> Option<Self> {
        if bytes.get(..8) != Some(b"APETAGEX") {
            return None;
        }
        let word = |at: usize| {
            bytes
                .get(at..at + 4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_le_bytes)
                .unwrap_or(0)
        };
        let flags = word(20);
        Some(ApeFooter {
            version: word(8),
            size: u64::from(word(12)),
            items: word(16),
            has_header: word(8) >= 2000 && flags & (1 << 31) != 0,
        })
    }

    /// The whole tag, header included.
    pub fn total(&self) -> u64 {
        self.size + if self.has_header { APE_FOOTER_LEN } else { 0 }
    }
}

/// Describe the items of an APE tag (`items`: the bytes between the
/// header and the footer, or their first part).
pub(crate) fn describe_ape(items: &[u8], footer: &ApeFooter, place: &str) -> Vec<Finding> {
    let place = format!("{place}/APEv{}", footer.version / 1000);
    let mut findings = Vec::new();
    let mut others = 0usize;
    let mut pos = 0usize;
    for _ in 0..footer.items {
        let Some(header) = items.get(pos..pos + 8) else {
            break;
        };
        let word = |at: usize| {
            header
                .get(at..at + 4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_le_bytes)
                .unwrap_or(0)
        };
        let (len, flags) = (usize::try_from(word(0)).unwrap_or(usize::MAX), word(4));
        let rest = items.get(pos + 8..).unwrap_or_default();
        let Some(key_end) = rest.iter().position(|b| *b == 0) else {
            break;
        };
        let key = String::from_utf8_lossy(rest.get(..key_end).unwrap_or_default()).into_owned();
        let value_start = key_end + 1;
        let value = rest
            .get(value_start..value_start.saturating_add(len).min(rest.len()))
            .unwrap_or_default();
        pos = pos
            .saturating_add(8)
            .saturating_add(value_start)
            .saturating_add(len);
        if findings.len() >= MAX_REPORTED {
            others += 1;
            continue;
        }
        let binary = (flags >> 1) & 3 == 1;
        let finding = if binary {
            let category = if key.to_ascii_lowercase().starts_with("cover art") {
                Category::Embedded
            } else {
                Category::Other
            };
            // Cover art: a file name, a zero byte, the image.
            let (name, image) = split_terminated(0, value);
            let name = decode(3, name);
            let mut finding = Finding::removed(
                category,
                format!("APE item '{key}'"),
                place.as_str(),
                format!("'{name}', {}", human_size(value.len() as u64)),
            );
            finding = needle(finding, &name);
            if let Some(mime) = picture_mime("", image) {
                finding = finding.with_picture(mime, image);
            }
            for run in printable_runs(image).into_iter().take(MAX_RUNS) {
                finding = needle(finding, &run);
            }
            finding
        } else {
            let text = String::from_utf8_lossy(value).replace('\0', "; ");
            let category = category_for_name(&key);
            let mut finding =
                Finding::removed(category, format!("APE item '{key}'"), place.as_str(), &text);
            for part in text.split("; ") {
                finding = needle(finding, part);
            }
            findings.extend(with_coordinates(finding, &text));
            continue;
        };
        findings.push(finding);
    }
    if others > 0 {
        findings.push(Finding::removed(
            Category::Other,
            "More APE items",
            place.as_str(),
            format!("{others} items"),
        ));
    }
    if findings.is_empty() {
        findings.push(Finding::removed(
            Category::Other,
            "APE tag",
            place,
            human_size(footer.total()),
        ));
    }
    findings
}

#[cfg(test)]
mod tests;
