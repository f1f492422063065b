//! Bytes after the end of an image or a container (JPEG EOI, PNG IEND, GIF
//! trailer, the last MP4 box): what they are, judged from their first and
//! last bytes, and the one finding that reports them. They are never copied:
//! motion-photo videos, secondary images and vendor trailers hide there.

use crate::error::Result;
use crate::finding::{human_size, Category, Finding};
use crate::io::{Source, SourceExt};

/// Report the bytes from `start` to the end of `src`, which follow the end
/// of the image (`after` names that end, e.g. `EOI`). Nothing is reported
/// when there are none.
pub(crate) fn report(src: &dyn Source, start: u64, after: &str) -> Result<Option<Finding>> {
    let end = src.len();
    let len = end.saturating_sub(start);
    if len == 0 {
        return Ok(None);
    }
    let mut head = [0u8; 16];
    let head = src.read_prefix(start, end, &mut head)?;
    let mut tail = [0u8; 8];
    let tail_start = end - len.min(8);
    let tail = src.read_prefix(tail_start, end, &mut tail)?;
    Ok(Some(Finding::removed(
        Category::Embedded,
        "Trailer",
        format!("after the {after} at offset {start}"),
        format!("{}, {}", kind(head, tail), human_size(len)),
    )))
}

/// What trailing bytes are, from their first (`head`) and last (`tail`)
/// bytes.
fn kind(head: &[u8], tail: &[u8]) -> &'static str {
    if head.get(4..8) == Some(b"ftyp") {
        "embedded MP4 video"
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "embedded JPEG image"
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        "embedded PNG image"
    } else if head.starts_with(b"GIF8") {
        "embedded GIF image"
    } else if tail.windows(4).any(|w| w == b"SEFT") {
        "Samsung trailer"
    } else if head.iter().all(|b| *b == 0) {
        "padding"
    } else {
        "data after the end of the image"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_are_named_by_their_bytes() {
        assert_eq!(kind(b"\0\0\0\x18ftypmp42", b""), "embedded MP4 video");
        assert_eq!(kind(&[0xFF, 0xD8, 0xFF, 0xE1], b""), "embedded JPEG image");
        assert_eq!(kind(b"xxxx", b"SEFT\0\0\0\0"), "Samsung trailer");
        assert_eq!(kind(&[0; 8], &[0; 8]), "padding");
        let src = b"IMAGE....trailer bytes".to_vec();
        let finding = report(&src, 9, "EOI").unwrap().unwrap();
        assert_eq!(finding.location, "after the EOI at offset 9");
        assert!(report(&src, src.len() as u64, "EOI").unwrap().is_none());
    }
}
