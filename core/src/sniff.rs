//! Format detection from magic bytes. The file name is never consulted: a
//! JPEG named `.png` is a JPEG.

use std::fmt;

use serde::Serialize;

use crate::io::Source;

/// A container format recognised from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JPEG / JFIF / Exif / MPO.
    Jpeg,
    /// PNG.
    Png,
    /// GIF.
    Gif,
    /// WebP (RIFF).
    Webp,
    /// TIFF and TIFF-based raw formats (DNG, CR2, NEF, ...).
    Tiff,
    /// HEIF / HEIC / AVIF (ISO-BMFF image brands).
    Heif,
    /// MP4 / MOV / M4V / M4A / 3GP (ISO-BMFF and QuickTime).
    Mp4,
    /// Matroska / WebM (EBML).
    Matroska,
    /// AVI (RIFF).
    Avi,
    /// JPEG XL.
    Jxl,
    /// JPEG 2000.
    Jp2,
    /// MPEG-2 transport stream (AVCHD .mts/.m2ts).
    MpegTs,
}

impl Format {
    /// Every format this build recognises, so that generic tests and
    /// harnesses cover a new format as soon as it exists.
    pub const ALL: [Format; 12] = [
        Format::Jpeg,
        Format::Png,
        Format::Gif,
        Format::Webp,
        Format::Tiff,
        Format::Heif,
        Format::Mp4,
        Format::Matroska,
        Format::Avi,
        Format::Jxl,
        Format::Jp2,
        Format::MpegTs,
    ];

    /// Short human name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Gif => "GIF",
            Format::Webp => "WebP",
            Format::Tiff => "TIFF",
            Format::Heif => "HEIF",
            Format::Mp4 => "MP4/MOV",
            Format::Matroska => "Matroska",
            Format::Avi => "AVI",
            Format::Jxl => "JPEG XL",
            Format::Jp2 => "JPEG 2000",
            Format::MpegTs => "MPEG-TS",
        }
    }
}

#[cfg(test)]
/// How many variants `Format` has. The match stops compiling when a variant
/// is added, pointing here; the test below then fails until `ALL` lists it.
const VARIANTS: fn(Format) -> usize = |format| match format {
    Format::Jpeg
    | Format::Png
    | Format::Gif
    | Format::Webp
    | Format::Tiff
    | Format::Heif
    | Format::Mp4
    | Format::Matroska
    | Format::Avi
    | Format::Jxl
    | Format::Jp2
    | Format::MpegTs => 12,
};

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// ISO-BMFF brands that mean "still image" rather than "movie".
const IMAGE_BRANDS: &[&[u8; 4]] = &[
    b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"mif2", b"msf1",
    b"avif", b"avis", b"crx ",
];

/// Detect the format of `src` from its first bytes; `None` when unknown.
pub fn sniff(src: &dyn Source) -> Option<Format> {
    let mut head = [0u8; 32];
    let n = head
        .len()
        .min(usize::try_from(src.len()).unwrap_or(usize::MAX));
    let head = head.get_mut(..n)?;
    src.read_at(0, head).ok()?;
    sniff_bytes(head, src.len())
}

/// Detect the format from the first bytes of a file of length `total_len`.
pub fn sniff_bytes(head: &[u8], total_len: u64) -> Option<Format> {
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Some(Format::Jpeg);
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Some(Format::Png);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Some(Format::Gif);
    }
    if starts(b"RIFF") {
        return match head.get(8..12) {
            Some(b"WEBP") => Some(Format::Webp),
            Some(b"AVI ") | Some(b"AVIX") => Some(Format::Avi),
            _ => None,
        };
    }
    if starts(b"II*\0") || starts(b"MM\0*") || starts(b"IIRO") || starts(b"IIU\0") {
        return Some(Format::Tiff);
    }
    if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return Some(Format::Matroska);
    }
    if starts(&[0xFF, 0x0A]) || starts(b"\0\0\0\x0cJXL \r\n\x87\n") {
        return Some(Format::Jxl);
    }
    if starts(b"\0\0\0\x0cjP  \r\n\x87\n") {
        return Some(Format::Jp2);
    }
    if head.get(4..8) == Some(b"ftyp") {
        let brand = head.get(8..12)?;
        if IMAGE_BRANDS.iter().any(|b| b.as_slice() == brand) {
            return Some(Format::Heif);
        }
        return Some(Format::Mp4);
    }
    // QuickTime files may start with other top-level atoms instead of `ftyp`.
    if let Some(kind) = head.get(4..8) {
        let qt_atoms: [&[u8]; 6] = [b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"];
        if qt_atoms.contains(&kind) && total_len >= 8 {
            return Some(Format::Mp4);
        }
    }
    if head.first() == Some(&0x47) {
        // MPEG-TS: sync byte every 188 bytes; we only see the head here, so
        // require the file length to be a packet multiple as a weak check.
        if total_len >= 188 && total_len % 188 == 0 {
            return Some(Format::MpegTs);
        }
    }
    if head.get(4) == Some(&0x47) && total_len >= 192 && total_len % 192 == 0 {
        return Some(Format::MpegTs);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_format_once() {
        let distinct: std::collections::HashSet<Format> = Format::ALL.into_iter().collect();
        assert_eq!(distinct.len(), VARIANTS(Format::Jpeg));
        assert_eq!(Format::ALL.len(), VARIANTS(Format::Jpeg));
    }

    #[test]
    fn recognises_magic_regardless_of_name() {
        assert_eq!(
            sniff_bytes(&[0xFF, 0xD8, 0xFF, 0xE0], 100),
            Some(Format::Jpeg)
        );
        assert_eq!(
            sniff_bytes(b"RIFF\0\0\0\0WEBPVP8 ", 100),
            Some(Format::Webp)
        );
        assert_eq!(sniff_bytes(b"RIFF\0\0\0\0AVI LIST", 100), Some(Format::Avi));
        assert_eq!(sniff_bytes(b"\0\0\0\x18ftypheic", 100), Some(Format::Heif));
        assert_eq!(sniff_bytes(b"\0\0\0\x18ftypisom", 100), Some(Format::Mp4));
        assert_eq!(sniff_bytes(b"hello world", 100), None);
        assert_eq!(sniff_bytes(b"", 0), None);
    }
}
