//! The text chunks (`tEXt`, `zTXt`, `iTXt`), all removed and described:
//! XMP (`XML:com.adobe.xmp`) through the XMP describer, ImageMagick's
//! `Raw profile type exif/iptc/xmp` (hex text) decoded and described
//! through the Exif, IPTC and XMP describers, anything else as text named
//! by its keyword.

use super::zlib::{self, End};
use super::{Chunk, Walker};
use crate::error::Result;
use crate::finding::{human_size, Category, Finding};
use crate::metadata::classify::category_for_name;
use crate::metadata::{exif, iptc, xmp};

/// The keyword of XMP packets in `iTXt`.
const XMP_KEYWORD: &str = "XML:com.adobe.xmp";

/// ImageMagick's prefix for profiles stored as hex text.
const RAW_PROFILE: &str = "Raw profile type ";

/// Most lines of a text value added as separate needles.
const MAX_LINE_NEEDLES: usize = 16;

/// Latin-1 bytes as text.
pub(super) fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|b| char::from(*b)).collect()
}

/// Split at the first NUL (the whole as the head when there is none).
fn split_nul(bytes: &[u8]) -> (&[u8], &[u8]) {
    match bytes.iter().position(|b| *b == 0) {
        Some(i) => (
            bytes.get(..i).unwrap_or_default(),
            bytes.get(i + 1..).unwrap_or_default(),
        ),
        None => (bytes, &[]),
    }
}

impl Walker<'_, '_> {
    pub(super) fn text(&mut self, chunk: &Chunk) -> Result<()> {
        let mark = self.scan.mark();
        let place = chunk.name();
        let data = self.read_for_report(chunk)?;
        let (keyword, rest) = split_nul(&data);
        let keyword = latin1(keyword);
        let text: Option<(Vec<u8>, bool)> = match &chunk.kind {
            b"tEXt" => Some((rest.to_vec(), true)),
            b"zTXt" => match rest {
                [0, compressed @ ..] => self.inflate_text(compressed, chunk)?.map(|t| (t, true)),
                _ => None,
            },
            _ => match rest {
                [flag, method, tail @ ..] => {
                    let (_language, tail) = split_nul(tail);
                    let (translated, body) = split_nul(tail);
                    if !translated.is_empty() {
                        let translated = String::from_utf8_lossy(translated);
                        self.report_text(&place, &keyword, translated.as_bytes(), false);
                    }
                    match (flag, method) {
                        (0, _) => Some((body.to_vec(), false)),
                        (1, 0) => self.inflate_text(body, chunk)?.map(|t| (t, false)),
                        _ => None,
                    }
                }
                _ => None,
            },
        };
        if let Some((text, is_latin1)) = text {
            if keyword == XMP_KEYWORD {
                self.scan
                    .report_all(xmp::describe(&text, &format!("{place}/XMP")));
            } else if let Some(kind) = keyword.strip_prefix(RAW_PROFILE) {
                self.raw_profile(&place, kind, &text);
            } else {
                self.report_text(&place, &keyword, &text, is_latin1);
            }
        }
        self.scan.report_if_none_since(mark, || {
            Finding::removed(
                Category::Other,
                format!("Text '{keyword}'"),
                place,
                format!("{} (not readable)", human_size(chunk.len)),
            )
        });
        Ok(())
    }

    /// Inflate compressed text within the per-file budget; `None` once the
    /// budget is spent or when the stream is not zlib.
    fn inflate_text(&mut self, compressed: &[u8], chunk: &Chunk) -> Result<Option<Vec<u8>>> {
        let budget = self.limits.max_text_inflated.saturating_sub(self.inflated);
        if budget == 0 {
            return Ok(None);
        }
        let limit = usize::try_from(budget).unwrap_or(usize::MAX);
        let inflated = zlib::inflate(compressed, limit);
        let len = inflated.bytes.len() as u64;
        self.inflated = self.inflated.saturating_add(len);
        self.scan
            .charge(len, chunk.data(), "PNG metadata read into memory")?;
        Ok(match inflated.end {
            End::Corrupt if inflated.bytes.is_empty() => None,
            _ => Some(inflated.bytes),
        })
    }

    /// Report a text value named by its keyword.
    fn report_text(&mut self, place: &str, keyword: &str, text: &[u8], is_latin1: bool) {
        let value = if is_latin1 {
            latin1(text)
        } else {
            String::from_utf8_lossy(text).into_owned()
        };
        let category = match category_for_name(keyword) {
            Category::Other if keyword.eq_ignore_ascii_case("comment") => {
                if looks_like_software(&value) {
                    Category::Software
                } else {
                    Category::Other
                }
            }
            category => category,
        };
        let mut finding = Finding::removed(category, format!("Text '{keyword}'"), place, &value)
            .with_needle(text)
            .with_needle(value.as_bytes());
        for line in value.lines().take(MAX_LINE_NEEDLES) {
            finding = finding.with_needle(line.as_bytes());
        }
        self.scan.report(finding);
    }

    /// ImageMagick's `Raw profile type <kind>`: `\n<kind>\n<length>\n` and
    /// the profile in hex.
    fn raw_profile(&mut self, place: &str, kind: &str, text: &[u8]) {
        let place = format!("{place}/{RAW_PROFILE}{kind}");
        let hex_start = text
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(2)
            .map_or(text.len(), |(i, _)| i + 1);
        let hex = text.get(hex_start..).unwrap_or_default();
        let bytes = decode_hex(hex);
        let first_line = hex.split(|b| *b == b'\n').next().unwrap_or_default();
        self.scan.report(
            Finding::removed(
                Category::Other,
                format!("Raw {kind} profile"),
                place.as_str(),
                human_size(bytes.len() as u64),
            )
            .with_needle(first_line),
        );
        let lower = kind.to_ascii_lowercase();
        match lower.as_str() {
            "exif" | "app1" => {
                if let Some(packet) = bytes.strip_prefix(b"http://ns.adobe.com/xap/1.0/\0") {
                    self.scan.report_all(xmp::describe(packet, &place));
                } else {
                    let tiff = bytes.strip_prefix(b"Exif\0\0").unwrap_or(&bytes);
                    self.scan.report_all(exif::describe(tiff, &place).findings);
                }
            }
            "iptc" | "8bim" => {
                let resources = bytes.strip_prefix(b"Photoshop 3.0\0").unwrap_or(&bytes);
                if resources.starts_with(b"8BIM") {
                    self.scan
                        .report_all(iptc::describe_photoshop(resources, &place));
                } else {
                    self.scan.report_all(iptc::describe_iptc(resources, &place));
                }
            }
            "xmp" => self.scan.report_all(xmp::describe(&bytes, &place)),
            _ => {}
        }
    }
}

/// Hex digits to bytes, skipping whitespace; stops at the first other
/// character.
fn decode_hex(hex: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hex.len() / 2);
    let mut high: Option<u8> = None;
    for byte in hex {
        if byte.is_ascii_whitespace() {
            continue;
        }
        let Some(digit) = char::from(*byte).to_digit(16) else {
            break;
        };
        let digit = digit as u8;
        match high.take() {
            Some(h) => out.push(h << 4 | digit),
            None => high = Some(digit),
        }
    }
    out
}

fn looks_like_software(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "created with",
        "gimp",
        "photoshop",
        "imagemagick",
        "software",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_profiles_decode() {
        assert_eq!(decode_hex(b"4578 69\n66zz"), b"Exif");
        assert_eq!(decode_hex(b"4"), b"");
        assert_eq!(split_nul(b"a\0b\0c"), (&b"a"[..], &b"b\0c"[..]));
        assert_eq!(split_nul(b"abc"), (&b"abc"[..], &b""[..]));
    }
}
