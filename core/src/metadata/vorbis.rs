//! Vorbis comments (`ARTIST=…`, `ENCODER=…`, vendor string) carried inside
//! codec configuration: the Vorbis comment header in Xiph-laced codec
//! private data (Matroska `A_VORBIS`) and the metadata blocks of FLAC
//! (`A_FLAC`: `VORBIS_COMMENT`, `PICTURE`, `APPLICATION`, `CUESHEET`).
//!
//! The codec configuration must stay, so it is rewritten **with the same
//! length**: the comment header keeps its size with an all-zero vendor
//! string and no comments; unneeded FLAC blocks become `PADDING` blocks of
//! the same size. Nothing around it moves.

use crate::finding::{human_size, Category, Fate, Finding};
use crate::metadata::classify::category_for_name;

/// Most comments reported from one header.
const MAX_REPORTED: usize = 64;

/// The outcome of neutralising codec configuration bytes.
#[derive(Debug, Default)]
pub struct Neutralised {
    /// What was found (empty when already neutral).
    pub findings: Vec<Finding>,
    /// Whether the bytes were changed.
    pub changed: bool,
}

/// Neutralise the comment header inside Xiph-laced Vorbis codec private
/// data (identification, comment and setup headers), in place. Returns
/// `None` when the layout is not recognised.
pub fn neutralise_xiph_vorbis(private: &mut [u8], place: &str) -> Option<Neutralised> {
    let (&count_minus_one, mut rest) = private.split_first()?;
    if count_minus_one != 2 {
        return None;
    }
    let mut header_len = 1usize;
    let mut sizes = [0usize; 2];
    for size in &mut sizes {
        loop {
            let (&byte, tail) = rest.split_first()?;
            rest = tail;
            header_len += 1;
            *size = size.checked_add(usize::from(byte))?;
            if byte < 255 {
                break;
            }
        }
    }
    let comment_start = header_len.checked_add(sizes[0])?;
    let comment_end = comment_start.checked_add(sizes[1])?;
    let packet = private.get_mut(comment_start..comment_end)?;
    if !packet.starts_with(b"\x03vorbis") {
        return None;
    }
    Some(neutralise_comment(packet, 7, true, place))
}

/// Neutralise the metadata blocks of FLAC codec private data (`fLaC` and
/// metadata blocks), in place. Returns `None` when the layout is not
/// recognised.
pub fn neutralise_flac(private: &mut [u8], place: &str) -> Option<Neutralised> {
    if !private.starts_with(b"fLaC") {
        return None;
    }
    let mut result = Neutralised::default();
    let mut pos = 4usize;
    while pos < private.len() {
        // Four bytes make a block and each block a finding: a crafted
        // 16 MiB CodecPrivate made four million (2.5 GB). Real streams have
        // a handful of blocks; refuse the rest as an unknown layout.
        if result.findings.len() > crate::finding::MAX_FINDINGS {
            return None;
        }
        let header = private.get(pos..pos + 4)?;
        let last = header.first()? & 0x80 != 0;
        let kind = header.first()? & 0x7F;
        let len = usize::from(*header.get(1)?) << 16
            | usize::from(*header.get(2)?) << 8
            | usize::from(*header.get(3)?);
        let body_start = pos + 4;
        let body_end = body_start.checked_add(len)?;
        if body_end > private.len() {
            return None;
        }
        match kind {
            // STREAMINFO, PADDING and SEEKTABLE are needed or harmless.
            0 | 1 | 3 => {}
            4 => {
                let body = private.get_mut(body_start..body_end)?;
                let done = neutralise_comment(body, 0, false, place);
                result.changed |= done.changed;
                result.findings.extend(done.findings);
            }
            _ => {
                let (category, field) = match kind {
                    6 => (Category::Embedded, "FLAC picture"),
                    2 => (Category::Other, "FLAC application block"),
                    5 => (Category::Other, "FLAC cue sheet"),
                    _ => (Category::Other, "Unknown FLAC block"),
                };
                result.findings.push(Finding::removed(
                    category,
                    field,
                    place,
                    human_size(len as u64),
                ));
                // Same size, now padding: flag byte keeps the "last" bit.
                if let Some(flag) = private.get_mut(pos) {
                    *flag = if last { 0x81 } else { 0x01 };
                }
                private.get_mut(body_start..body_end)?.fill(0);
                result.changed = true;
            }
        }
        pos = body_end;
        if last {
            break;
        }
    }
    Some(result)
}

/// Report and blank a comment header body (`prefix_len` bytes of packet
/// type and signature first; a trailing framing bit for Vorbis). The
/// rewrite only depends on the packet's length, so a comment list that does
/// not parse is blanked all the same.
pub(crate) fn neutralise_comment(
    packet: &mut [u8],
    prefix_len: usize,
    framing: bool,
    place: &str,
) -> Neutralised {
    let body = packet.get(prefix_len..).unwrap_or_default();
    let (vendor, comments) = parse_comments(body);
    let neutral = vendor.as_ref().is_some_and(|v| v.iter().all(|b| *b == 0))
        && comments.as_ref().is_some_and(|c| c.is_empty());
    if neutral {
        return Neutralised::default();
    }
    let findings = describe_comments(body, place, Fate::Zeroed);
    // vendor length + vendor (zeroes) + comment count 0 + framing bit.
    let tail = 4 + 4 + usize::from(framing);
    let body_len = packet.len().saturating_sub(prefix_len);
    if let Some(vendor_len) = body_len.checked_sub(tail) {
        if let Some(body) = packet.get_mut(prefix_len..) {
            body.fill(0);
            let vendor_len = u32::try_from(vendor_len).unwrap_or(0);
            if let Some(len_field) = body.get_mut(..4) {
                len_field.copy_from_slice(&vendor_len.to_le_bytes());
            }
            if framing {
                if let Some(last) = body.last_mut() {
                    *last = 1;
                }
            }
        }
    } else if let Some(body) = packet.get_mut(prefix_len..) {
        // Too short to hold even an empty header: blank what there is.
        body.fill(0);
    }
    Neutralised {
        findings,
        changed: true,
    }
}

/// What a comment header body holds, read tolerantly: the comments that
/// parse before the bytes run out (a body read only in part still names
/// its first comments).
#[derive(Debug, Default)]
pub(crate) struct Comments {
    /// The vendor string (the encoder's name), if it parsed.
    pub vendor: Option<Vec<u8>>,
    /// The `NAME=value` comments that parsed, in order.
    pub comments: Vec<Vec<u8>>,
    /// Whether the whole list parsed.
    pub complete: bool,
}

/// Read a comment header body (vendor length, vendor, count, comments).
pub(crate) fn comments(body: &[u8]) -> Comments {
    let read_u32 = |at: usize| -> Option<usize> {
        let bytes: [u8; 4] = body.get(at..at.checked_add(4)?)?.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(bytes)).ok()
    };
    let mut out = Comments::default();
    let Some(vendor_len) = read_u32(0) else {
        return out;
    };
    let vendor_end = 4usize.saturating_add(vendor_len);
    out.vendor = body.get(4..vendor_end).map(<[u8]>::to_vec);
    let Some(count) = read_u32(vendor_end) else {
        return out;
    };
    let mut pos = vendor_end + 4;
    for _ in 0..count.min(body.len() / 4) {
        let Some(len) = read_u32(pos) else {
            return out;
        };
        let end = (pos + 4).saturating_add(len);
        let Some(comment) = body.get(pos + 4..end) else {
            return out;
        };
        out.comments.push(comment.to_vec());
        pos = end;
    }
    out.complete = count <= body.len() / 4;
    out
}

/// Describe a comment header body: the vendor string (with `vendor_fate`)
/// and one finding per comment (removed), classified by name, or by value
/// when the value holds coordinates; a `METADATA_BLOCK_PICTURE` is an
/// embedded picture.
pub(crate) fn describe_comments(body: &[u8], place: &str, vendor_fate: Fate) -> Vec<Finding> {
    let parsed = comments(body);
    let mut findings = Vec::new();
    if let Some(vendor) = parsed.vendor.filter(|v| v.iter().any(|b| *b != 0)) {
        let text = String::from_utf8_lossy(&vendor).into_owned();
        findings.push(
            Finding::removed(
                Category::Software,
                "Encoder (Vorbis comment vendor)",
                place,
                &text,
            )
            .with_fate(vendor_fate)
            .with_needle(&text),
        );
    }
    for comment in parsed.comments.iter().take(MAX_REPORTED) {
        let text = String::from_utf8_lossy(comment).into_owned();
        let (name, value) = text.split_once('=').unwrap_or(("comment", text.as_str()));
        if name.eq_ignore_ascii_case("METADATA_BLOCK_PICTURE") {
            findings.push(picture_comment(value, place));
            continue;
        }
        let mut finding = Finding::removed(
            category_for_name(name),
            format!("Vorbis comment {name}"),
            place,
            value,
        )
        .with_needle(value);
        for line in value.lines().take(16) {
            finding = finding.with_needle(line);
        }
        findings.extend(crate::metadata::id3::with_coordinates(finding, value));
    }
    if parsed.comments.len() > MAX_REPORTED {
        findings.push(Finding::removed(
            Category::Other,
            "More Vorbis comments",
            place,
            format!("{} comments", parsed.comments.len() - MAX_REPORTED),
        ));
    }
    if !parsed.complete && !findings.is_empty() {
        findings.push(Finding::removed(
            Category::Other,
            "Vorbis comments (not read)",
            place,
            "the rest of the list",
        ));
    }
    if findings.is_empty() {
        findings.push(Finding::removed(
            Category::Other,
            "Vorbis comment header",
            place,
            "unreadable",
        ));
    }
    findings
}

/// A `METADATA_BLOCK_PICTURE` comment: a FLAC picture block in base64.
fn picture_comment(value: &str, place: &str) -> Finding {
    let block = base64(value.as_bytes());
    match flac_picture(&block) {
        Some(picture) => picture.finding("Picture (Vorbis comment)", place),
        None => Finding::removed(
            Category::Embedded,
            "Picture (Vorbis comment)",
            place,
            format!("{} of base64", human_size(value.len() as u64)),
        ),
    }
}

/// A FLAC `PICTURE` block body, as far as it is read.
pub(crate) struct Picture<'a> {
    kind: u32,
    mime: String,
    description: String,
    width: u32,
    height: u32,
    data: &'a [u8],
    /// The length the block declares for the image.
    declared: u64,
}

/// Read a FLAC `PICTURE` body (type, MIME, description, size, colour
/// depth, image), all lengths checked against the bytes there are.
pub(crate) fn flac_picture(body: &[u8]) -> Option<Picture<'_>> {
    let word = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(
            body.get(at..at.checked_add(4)?)?.try_into().ok()?,
        ))
    };
    let kind = word(0)?;
    let mime_len = usize::try_from(word(4)?).ok()?;
    let mime_end = 8usize.checked_add(mime_len)?;
    let mime = String::from_utf8_lossy(body.get(8..mime_end)?).into_owned();
    let description_len = usize::try_from(word(mime_end)?).ok()?;
    let description_start = mime_end + 4;
    let description_end = description_start.checked_add(description_len)?;
    let description =
        String::from_utf8_lossy(body.get(description_start..description_end)?).into_owned();
    let width = word(description_end)?;
    let height = word(description_end + 4)?;
    let declared = word(description_end + 16)?;
    let data_start = description_end + 20;
    let data_end = data_start.saturating_add(usize::try_from(declared).ok()?);
    let data = body
        .get(data_start..data_end.min(body.len()))
        .unwrap_or_default();
    Some(Picture {
        kind,
        mime,
        description,
        width,
        height,
        data,
        declared: u64::from(declared),
    })
}

impl Picture<'_> {
    /// The finding of a removed picture (with the image when it was read
    /// whole, for reports).
    pub(crate) fn finding(&self, field: &str, place: &str) -> Finding {
        let kind = u8::try_from(self.kind).map_or("picture", crate::metadata::id3::picture_type);
        let mut finding = Finding::removed(
            Category::Embedded,
            field,
            place,
            format!(
                "{kind}, {} {}x{}, {}{}",
                self.mime,
                self.width,
                self.height,
                human_size(self.declared),
                if self.description.is_empty() {
                    String::new()
                } else {
                    format!(", '{}'", self.description)
                }
            ),
        )
        .with_needle(self.description.as_bytes());
        if self.data.len() as u64 == self.declared {
            if let Some(mime) = crate::metadata::id3::picture_mime(&self.mime, self.data) {
                finding = finding.with_picture(mime, self.data);
            }
        }
        finding
    }
}

/// Decode base64 (standard alphabet; padding and other bytes skipped).
fn base64(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for &c in text {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Vendor string and comments of a comment header body; `None` parts did
/// not parse.
fn parse_comments(body: &[u8]) -> (Option<Vec<u8>>, Option<Vec<Vec<u8>>>) {
    let read_u32 = |at: usize| -> Option<usize> {
        let bytes: [u8; 4] = body.get(at..at.checked_add(4)?)?.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(bytes)).ok()
    };
    let Some(vendor_len) = read_u32(0) else {
        return (None, None);
    };
    let vendor_end = 4usize.saturating_add(vendor_len);
    let Some(vendor) = body.get(4..vendor_end) else {
        return (None, None);
    };
    let Some(count) = read_u32(vendor_end) else {
        return (Some(vendor.to_vec()), None);
    };
    let mut comments = Vec::new();
    let mut pos = vendor_end + 4;
    // Each comment takes at least 4 bytes: the count cannot exceed that.
    if count > body.len() / 4 {
        return (Some(vendor.to_vec()), None);
    }
    for _ in 0..count {
        let Some(len) = read_u32(pos) else {
            return (Some(vendor.to_vec()), None);
        };
        let end = (pos + 4).saturating_add(len);
        let Some(comment) = body.get(pos + 4..end) else {
            return (Some(vendor.to_vec()), None);
        };
        comments.push(comment.to_vec());
        pos = end;
    }
    (Some(vendor.to_vec()), Some(comments))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment_body(vendor: &[u8], comments: &[&[u8]]) -> Vec<u8> {
        let mut body = (vendor.len() as u32).to_le_bytes().to_vec();
        body.extend_from_slice(vendor);
        body.extend_from_slice(&(comments.len() as u32).to_le_bytes());
        for c in comments {
            body.extend_from_slice(&(c.len() as u32).to_le_bytes());
            body.extend_from_slice(c);
        }
        body
    }

    fn xiph(comment_packet: &[u8]) -> Vec<u8> {
        let ident = b"\x01vorbis ident".to_vec();
        let mut out = vec![2, ident.len() as u8, comment_packet.len() as u8];
        out.extend_from_slice(&ident);
        out.extend_from_slice(comment_packet);
        out.extend_from_slice(b"\x05vorbis setup");
        out
    }

    #[test]
    fn vorbis_comment_is_blanked_with_the_same_length() {
        let mut packet = b"\x03vorbis".to_vec();
        packet.extend_from_slice(&comment_body(
            b"Xiph.Org libVorbis",
            &[b"ARTIST=Alice Example"],
        ));
        packet.push(1);
        let mut private = xiph(&packet);
        let len = private.len();
        let done = neutralise_xiph_vorbis(&mut private, "t").unwrap();
        assert!(done.changed);
        assert_eq!(private.len(), len);
        assert!(done
            .findings
            .iter()
            .any(|f| f.category == Category::Identity && f.value == "Alice Example"));
        assert!(private.ends_with(b"\x05vorbis setup"));
        assert!(!private.windows(5).any(|w| w == b"Alice"));
        // Already neutral the second time.
        let again = neutralise_xiph_vorbis(&mut private, "t").unwrap();
        assert!(!again.changed && again.findings.is_empty());
    }

    #[test]
    fn flac_blocks_become_padding() {
        let mut private = b"fLaC".to_vec();
        private.extend_from_slice(&[0x00, 0, 0, 4, 1, 2, 3, 4]); // STREAMINFO (short)
        let comment = comment_body(b"reference libFLAC", &[b"ENCODER=Lavf59"]);
        private.extend_from_slice(&[0x04, 0, 0, comment.len() as u8]);
        private.extend_from_slice(&comment);
        private.extend_from_slice(&[0x86, 0, 0, 3, 9, 9, 9]); // last: PICTURE
        let done = neutralise_flac(&mut private, "t").unwrap();
        assert!(done.changed);
        assert!(done.findings.iter().any(|f| f.field == "FLAC picture"));
        assert_eq!(&private[private.len() - 7..], &[0x81, 0, 0, 3, 0, 0, 0]);
        let again = neutralise_flac(&mut private, "t").unwrap();
        assert!(!again.changed && again.findings.is_empty());
    }

    #[test]
    fn garbage_is_not_recognised_and_never_panics() {
        for len in 0..40 {
            let mut bytes: Vec<u8> = (0..len).map(|i| (i * 37) as u8).collect();
            let _ = neutralise_xiph_vorbis(&mut bytes, "t");
            let mut flac = b"fLaC".to_vec();
            flac.extend_from_slice(&bytes);
            let _ = neutralise_flac(&mut flac, "t");
        }
    }
}
