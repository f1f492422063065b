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
fn neutralise_comment(
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
    let mut findings = Vec::new();
    if let Some(vendor) = vendor.filter(|v| v.iter().any(|b| *b != 0)) {
        let text = String::from_utf8_lossy(&vendor).into_owned();
        findings.push(
            Finding::removed(
                Category::Software,
                "Encoder (Vorbis comment vendor)",
                place,
                &text,
            )
            .with_fate(Fate::Zeroed)
            .with_needle(&text),
        );
    }
    for comment in comments.unwrap_or_default().iter().take(MAX_REPORTED) {
        let text = String::from_utf8_lossy(comment).into_owned();
        let (name, value) = text.split_once('=').unwrap_or(("comment", text.as_str()));
        findings.push(
            Finding::removed(
                category_for_name(name),
                format!("Vorbis comment {name}"),
                place,
                value,
            )
            .with_needle(value),
        );
    }
    if findings.is_empty() {
        findings.push(Finding::removed(
            Category::Other,
            "Vorbis comment header",
            place,
            "unreadable",
        ));
    }
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
