//! EXIF / TIFF IFD payloads: what they hold, and the one thing we write —
//! a minimal EXIF block carrying only the display orientation.

use exif::{Context, Field, In, Reader, Tag, Value};

use crate::container::tiff::{write::minimal_orientation, ByteOrder as TiffByteOrder};
use crate::finding::{human_size, Category, Fate, Finding};

/// EXIF Orientation (TIFF tag 0x0112).
const ORIENTATION: u16 = 0x0112;

/// What an EXIF payload holds.
#[derive(Debug, Default)]
pub struct ExifSummary {
    /// One finding per sensitive field, plus a summary of the rest.
    pub findings: Vec<Finding>,
    /// The primary image's orientation, when present and valid (1..=8).
    pub orientation: Option<u16>,
}

/// Describe a TIFF-structured EXIF payload (starting at the byte-order mark).
/// `place` names where it sits, e.g. `APP1/Exif`. Every finding is marked
/// removed; the caller changes the fate of what it keeps.
pub fn describe(tiff: &[u8], place: &str) -> ExifSummary {
    let mut summary = ExifSummary::default();
    let exif = match Reader::new()
        .continue_on_error(true)
        .read_raw(tiff.to_vec())
        .or_else(|e| e.distill_partial_result(|_| {}))
    {
        Ok(exif) => exif,
        Err(err) => {
            summary.findings.push(Finding::removed(
                Category::Other,
                "EXIF block (unreadable)",
                place,
                format!("{}: {err}", human_size(tiff.len() as u64)),
            ));
            return summary;
        }
    };
    let little_endian = exif.little_endian();
    let mut others = 0usize;
    let mut gps: Vec<&Field> = Vec::new();
    let mut thumbnail_len = None;
    let mut thumbnail_offset = None;
    for field in exif.fields() {
        if field.ifd_num != In::PRIMARY {
            // IFD1 describes the embedded thumbnail; further IFDs are
            // non-standard. Only the thumbnail size is worth reporting.
            if field.tag == Tag::JPEGInterchangeFormatLength {
                thumbnail_len = field.value.get_uint(0);
            } else if field.tag == Tag::JPEGInterchangeFormat {
                thumbnail_offset = field.value.get_uint(0);
            } else if field.ifd_num != In::THUMBNAIL {
                others += 1;
            }
            continue;
        }
        if field.tag.context() == Context::Gps {
            gps.push(field);
            continue;
        }
        let number = field.tag.number();
        if number == ORIENTATION && field.tag.context() == Context::Tiff {
            if let Some(value) = field.value.get_uint(0) {
                if (1..=8).contains(&value) {
                    summary.orientation = u16::try_from(value).ok();
                }
            }
            let value = field.value.get_uint(0).unwrap_or(0);
            summary.findings.push(Finding::removed(
                Category::Other,
                "Orientation",
                format!("{place}/IFD0"),
                format!("{value} ({})", orientation_name(value)),
            ));
            continue;
        }
        match classify(field) {
            Some((category, name)) => {
                let text = value_text(field);
                let mut finding = Finding::removed(category, name, ifd_place(place, field), &text)
                    .with_needle(text.as_bytes());
                if let Value::Ascii(parts) = &field.value {
                    for part in parts {
                        finding = finding.with_needle(part);
                    }
                }
                if let Some(utf16) = xp_utf16(field) {
                    finding = finding.with_needle(utf16);
                }
                summary.findings.push(finding);
            }
            None => others += 1,
        }
    }
    if !gps.is_empty() {
        summary
            .findings
            .push(gps_finding(&gps, place, little_endian));
    }
    if let Some(len) = thumbnail_len {
        // The thumbnail's bytes, when its offset and length lie inside the
        // payload and it is a JPEG: reports show it as a picture.
        let bytes = thumbnail_offset
            .and_then(|offset| usize::try_from(offset).ok())
            .and_then(|start| Some(start..start.checked_add(usize::try_from(len).ok()?)?))
            .and_then(|range| tiff.get(range))
            .filter(|bytes| bytes.starts_with(&[0xFF, 0xD8]));
        let size = bytes
            .and_then(jpeg_dimensions)
            .map_or(String::new(), |(w, h)| format!(" {w}×{h}"));
        let mut finding = Finding::removed(
            Category::Embedded,
            "Thumbnail image",
            format!("{place}/IFD1"),
            format!("JPEG{size}, {}", human_size(u64::from(len))),
        );
        if let Some(bytes) = bytes {
            finding = finding.with_picture("image/jpeg", bytes);
        }
        summary.findings.push(finding);
    }
    if summary.findings.is_empty() && others == 0 {
        summary.findings.push(Finding::removed(
            Category::Other,
            "EXIF block (no readable tags)",
            place,
            human_size(tiff.len() as u64),
        ));
    }
    if others > 0 {
        summary.findings.push(Finding::removed(
            Category::Other,
            "Other EXIF tags",
            place,
            format!("{others} tags (exposure, lens settings, maker data)"),
        ));
    }
    summary
}

/// Width and height from a JPEG's first frame header (SOFn), walking its
/// marker segments; `None` when there is none before the scan.
pub fn jpeg_dimensions(jpeg: &[u8]) -> Option<(u16, u16)> {
    let mut at = 2usize;
    // Each step moves forward by at least 4 bytes: the walk ends.
    loop {
        let marker = *jpeg.get(at.checked_add(1)?)?;
        if *jpeg.get(at)? != 0xFF {
            return None;
        }
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([*jpeg.get(at + 2)?, *jpeg.get(at + 3)?]));
        let is_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            let height = u16::from_be_bytes([*jpeg.get(at + 5)?, *jpeg.get(at + 6)?]);
            let width = u16::from_be_bytes([*jpeg.get(at + 7)?, *jpeg.get(at + 8)?]);
            return Some((width, height));
        }
        if marker == 0xDA || len < 2 {
            return None;
        }
        at = at.checked_add(2 + len)?;
    }
}

fn ifd_place(place: &str, field: &Field) -> String {
    let ifd = match field.tag.context() {
        Context::Exif => "ExifIFD",
        Context::Gps => "GPS",
        Context::Interop => "InteropIFD",
        _ => "IFD0",
    };
    format!("{place}/{ifd}")
}

/// Sensitive EXIF fields by tag number: category and display name.
fn classify(field: &Field) -> Option<(Category, String)> {
    let number = field.tag.number();
    let named = |category, name: &str| Some((category, name.to_string()));
    match number {
        0x010F => named(Category::Device, "Make"),
        0x0110 => named(Category::Device, "Model"),
        0xA431 => named(Category::Device, "Body serial number"),
        0xA435 => named(Category::Device, "Lens serial number"),
        0xC62F => named(Category::Device, "Camera serial number"),
        0xA420 => named(Category::Device, "Image unique ID"),
        0xA433 => named(Category::Device, "Lens make"),
        0xA434 => named(Category::Device, "Lens model"),
        0xA432 => named(Category::Device, "Lens specification"),
        0x927C => named(Category::Device, "Maker notes"),
        0xC614 | 0xC615 => named(Category::Device, "Unique camera model"),
        0x0132 => named(Category::Time, "Modify date"),
        0x9003 => named(Category::Time, "Date/time original"),
        0x9004 => named(Category::Time, "Date/time digitized"),
        0x9010..=0x9012 => named(Category::Time, "Time zone offset"),
        0x9290..=0x9292 => named(Category::Time, "Sub-second time"),
        0x882A => named(Category::Time, "Time zone offset"),
        0x013B => named(Category::Identity, "Artist"),
        0x8298 => named(Category::Identity, "Copyright"),
        0xA430 => named(Category::Identity, "Camera owner name"),
        0x9C9D => named(Category::Identity, "Author (Windows)"),
        0x0131 => named(Category::Software, "Software"),
        0x013C => named(Category::Software, "Host computer"),
        0x9286 => named(Category::Other, "User comment"),
        0x010E => named(Category::Other, "Image description"),
        0x9C9B => named(Category::Other, "Title (Windows)"),
        0x9C9C => named(Category::Other, "Comment (Windows)"),
        0x9C9E => named(Category::Other, "Keywords (Windows)"),
        0x9C9F => named(Category::Other, "Subject (Windows)"),
        0x8769 | 0x8825 | 0xA005 => None, // pointers, not data
        _ => None,
    }
}

/// A printable value: ASCII as text, Windows XP tags decoded from UTF-16,
/// binary blobs as their size.
fn value_text(field: &Field) -> String {
    match &field.value {
        Value::Ascii(parts) => parts
            .iter()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect::<Vec<_>>()
            .join(", "),
        Value::Byte(bytes) | Value::Undefined(bytes, _) => {
            if let Some(text) = xp_text(field) {
                text
            } else if field.tag.number() == 0x9286 {
                // UserComment: 8-byte charset header, then the text.
                String::from_utf8_lossy(bytes.get(8..).unwrap_or(&[])).into_owned()
            } else if bytes.len() > 64 {
                human_size(bytes.len() as u64)
            } else {
                field.display_value().to_string()
            }
        }
        _ => field.display_value().to_string(),
    }
}

fn is_xp_tag(field: &Field) -> bool {
    (0x9C9B..=0x9C9F).contains(&field.tag.number())
}

fn xp_utf16(field: &Field) -> Option<Vec<u8>> {
    if !is_xp_tag(field) {
        return None;
    }
    match &field.value {
        Value::Byte(bytes) | Value::Undefined(bytes, _) => {
            let end = bytes
                .chunks_exact(2)
                .position(|pair| pair == [0, 0])
                .map_or(bytes.len(), |i| i * 2);
            bytes.get(..end).map(<[u8]>::to_vec)
        }
        _ => None,
    }
}

fn xp_text(field: &Field) -> Option<String> {
    let raw = xp_utf16(field)?;
    let units: Vec<u16> = raw
        .chunks_exact(2)
        .filter_map(|pair| pair.try_into().ok().map(u16::from_le_bytes))
        .collect();
    Some(String::from_utf16_lossy(&units))
}

/// One finding for the whole GPS IFD, previewing the position.
fn gps_finding(fields: &[&Field], place: &str, little_endian: bool) -> Finding {
    let get = |tag: Tag| fields.iter().find(|f| f.tag == tag).copied();
    let coordinate = |value_tag: Tag, ref_tag: Tag| -> Option<f64> {
        let Value::Rational(parts) = &get(value_tag)?.value else {
            return None;
        };
        let deg = parts.first()?.to_f64();
        let min = parts.get(1).map_or(0.0, |r| r.to_f64());
        let sec = parts.get(2).map_or(0.0, |r| r.to_f64());
        let mut value = deg + min / 60.0 + sec / 3600.0;
        if let Some(Value::Ascii(r)) = get(ref_tag).map(|f| &f.value) {
            if matches!(r.first().and_then(|s| s.first()), Some(b'S') | Some(b'W')) {
                value = -value;
            }
        }
        value.is_finite().then_some(value)
    };
    let lat = coordinate(Tag::GPSLatitude, Tag::GPSLatitudeRef);
    let lon = coordinate(Tag::GPSLongitude, Tag::GPSLongitudeRef);
    let value = match (lat, lon) {
        (Some(lat), Some(lon)) => format!("{lat:.6}, {lon:.6} ({} GPS tags)", fields.len()),
        _ => format!("{} GPS tags", fields.len()),
    };
    let mut finding = Finding::removed(
        Category::Location,
        "GPS position",
        format!("{place}/GPS"),
        value,
    );
    // Binary needles: the coordinates' rationals exactly as stored.
    for tag in [Tag::GPSLatitude, Tag::GPSLongitude] {
        if let Some(Value::Rational(parts)) = get(tag).map(|f| &f.value) {
            let mut raw = Vec::with_capacity(parts.len() * 8);
            for r in parts {
                if little_endian {
                    raw.extend_from_slice(&r.num.to_le_bytes());
                    raw.extend_from_slice(&r.denom.to_le_bytes());
                } else {
                    raw.extend_from_slice(&r.num.to_be_bytes());
                    raw.extend_from_slice(&r.denom.to_be_bytes());
                }
            }
            // A zero position carries no information and would match any
            // run of zero bytes in the output.
            if raw.iter().any(|b| *b != 0) && parts.iter().any(|r| r.num != 0) {
                finding = finding.with_needle(raw);
            }
        }
    }
    // Text needles: each coordinate in decimal degrees, cut (not rounded)
    // to three decimals, so that "59.437" matches "59.4370", "+59.43701"
    // and ISO 6709 strings written by other containers of the same file.
    for coordinate in [lat, lon].into_iter().flatten() {
        if let Some(text) = decimal_needle(coordinate) {
            finding = finding.with_needle(text);
        }
    }
    for tag in [
        Tag::GPSDateStamp,
        Tag::GPSProcessingMethod,
        Tag::GPSAreaInformation,
    ] {
        if let Some(field) = get(tag) {
            finding = finding.with_needle(value_text(field).as_bytes());
        }
    }
    finding
}

/// What an EXIF orientation value means for display.
pub fn orientation_name(value: u32) -> &'static str {
    match value {
        1 => "normal",
        2 => "mirrored",
        3 => "rotated 180°",
        4 => "mirrored vertically",
        5 => "mirrored, rotated 270°",
        6 => "rotated 90° clockwise",
        7 => "mirrored, rotated 90°",
        8 => "rotated 270° clockwise",
        _ => "invalid",
    }
}

/// A coordinate as decimal text with three decimals (truncated), without
/// its sign; `None` when too short to search for safely (under 10°) or not
/// a plausible coordinate.
pub fn decimal_needle(coordinate: f64) -> Option<String> {
    let abs = coordinate.abs();
    if !(10.0..=180.0).contains(&abs) {
        return None;
    }
    // The epsilon absorbs binary rounding (59.437 * 1000 = 59436.99…).
    let thousandths = (abs * 1000.0 + 1e-6).floor() as u64;
    Some(format!("{}.{:03}", thousandths / 1000, thousandths % 1000))
}

/// A minimal big-endian TIFF structure holding only IFD0 Orientation.
pub fn minimal_orientation_tiff(orientation: u16) -> Vec<u8> {
    minimal_orientation(TiffByteOrder::Big, orientation)
}

/// Whether `summary` holds only an orientation (what we write ourselves).
#[cfg(test)]
pub fn is_only_orientation(summary: &ExifSummary) -> bool {
    summary.findings.iter().all(|f| f.field == "Orientation")
}

/// Mark the orientation finding as kept.
pub fn keep_orientation(findings: &mut [Finding]) {
    for finding in findings.iter_mut().filter(|f| f.field == "Orientation") {
        finding.fate = Fate::Kept;
        finding.needles.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_tiff_reads_back_as_orientation_only() {
        let tiff = minimal_orientation_tiff(6);
        let summary = describe(&tiff, "test");
        assert_eq!(summary.orientation, Some(6));
        assert!(is_only_orientation(&summary));
        assert_eq!(summary.findings.len(), 1);
    }

    #[test]
    fn decimal_needles_are_truncated_text() {
        assert_eq!(decimal_needle(59.437), Some("59.437".to_string()));
        assert_eq!(decimal_needle(-24.75369), Some("24.753".to_string()));
        assert_eq!(decimal_needle(100.0005), Some("100.000".to_string()));
        assert_eq!(decimal_needle(5.1), None);
        assert_eq!(decimal_needle(f64::NAN), None);
        assert_eq!(decimal_needle(1e300), None);
    }

    #[test]
    fn jpeg_dimensions_walks_to_the_frame_header() {
        let jpeg = [
            &[0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0][..],
            &[0xFF, 0xC4, 0, 3, 0],
            &[0xFF, 0xC0, 0, 11, 8, 0, 120, 0, 160, 1, 1, 0x11, 0],
        ]
        .concat();
        assert_eq!(jpeg_dimensions(&jpeg), Some((160, 120)));
        // Truncated anywhere, a scan before any frame, a zero length: no
        // answer, no panic.
        for end in 0..jpeg.len() - 4 {
            assert_eq!(jpeg_dimensions(&jpeg[..end]), None, "{end}");
        }
        assert_eq!(jpeg_dimensions(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 8]), None);
        assert_eq!(jpeg_dimensions(&[0xFF, 0xD8, 0xFF, 0xE1, 0, 0]), None);
    }

    #[test]
    fn garbage_is_reported_not_fatal() {
        let summary = describe(b"MM\0\x2a\xff\xff\xff\xff", "test");
        assert_eq!(summary.orientation, None);
        assert_eq!(summary.findings.len(), 1);
        assert!(summary.findings[0].field.starts_with("EXIF block"));
    }
}
