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
    /// Fujifilm RAF camera raw (its own header around a JPEG and a raw
    /// block): recognised so that it is refused by name.
    Raf,
    /// Canon CR3 camera raw (ISO-BMFF brand `crx `): recognised so that
    /// it is refused by name.
    Cr3,
    /// MPEG audio (MP3, MP2), bare or behind ID3v2 tags.
    Mp3,
    /// WAV (RIFF `WAVE`, RF64, BW64).
    Wav,
    /// FLAC (native, possibly behind an ID3v2 tag).
    Flac,
    /// Ogg (Vorbis and Opus are cleaned).
    Ogg,
}

impl Format {
    /// Every format this build recognises, so that generic tests and
    /// harnesses cover a new format as soon as it exists.
    pub const ALL: [Format; 18] = [
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
        Format::Raf,
        Format::Cr3,
        Format::Mp3,
        Format::Wav,
        Format::Flac,
        Format::Ogg,
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
            Format::Raf => "Fujifilm RAF",
            Format::Cr3 => "Canon CR3",
            Format::Mp3 => "MP3",
            Format::Wav => "WAV",
            Format::Flac => "FLAC",
            Format::Ogg => "Ogg",
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
    | Format::MpegTs
    | Format::Raf
    | Format::Cr3
    | Format::Mp3
    | Format::Wav
    | Format::Flac
    | Format::Ogg => 18,
};

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// ISO-BMFF brands that mean "still image" rather than "movie".
const IMAGE_BRANDS: &[&[u8; 4]] = &[
    b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"mif2", b"msf1",
    b"avif", b"avis",
];

/// Detect the format of `src` from its first bytes; `None` when unknown.
pub fn sniff(src: &dyn Source) -> Option<Format> {
    let mut head = [0u8; 32];
    let n = head
        .len()
        .min(usize::try_from(src.len()).unwrap_or(usize::MAX));
    let head = head.get_mut(..n)?;
    src.read_at(0, head).ok()?;
    let format = sniff_bytes(head, src.len())?;
    if format == Format::Mp3 && head.starts_with(b"ID3") && flac_behind_id3(src) {
        return Some(Format::Flac);
    }
    Some(format)
}

/// Whether the ID3v2 tags at the start of `src` are followed by `fLaC`:
/// some taggers put an ID3v2 tag in front of a FLAC stream, which makes
/// it look like an MP3 by its first bytes.
fn flac_behind_id3(src: &dyn Source) -> bool {
    let mut pos = 0u64;
    // A few stacked tags at most; the FLAC planner counts them properly.
    for _ in 0..8 {
        let mut header = [0u8; 10];
        let available = src.len().saturating_sub(pos).min(10) as usize;
        let Some(head) = header.get_mut(..available) else {
            return false;
        };
        if src.read_at(pos, head).is_err() {
            return false;
        }
        match header {
            [b'I', b'D', b'3', _, _, flags, a, b, c, d] => {
                if [a, b, c, d].iter().any(|byte| byte & 0x80 != 0) {
                    return false;
                }
                let size =
                    u64::from(a) << 21 | u64::from(b) << 14 | u64::from(c) << 7 | u64::from(d);
                let footer = if flags & 0x10 != 0 { 10 } else { 0 };
                pos += 10 + size + footer;
            }
            [b'f', b'L', b'a', b'C', ..] => return true,
            _ => return false,
        }
    }
    false
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
            Some(b"WAVE") => Some(Format::Wav),
            _ => None,
        };
    }
    if (starts(b"RF64") || starts(b"BW64")) && head.get(8..12) == Some(b"WAVE") {
        return Some(Format::Wav);
    }
    if starts(b"fLaC") {
        return Some(Format::Flac);
    }
    if starts(b"OggS") {
        return Some(Format::Ogg);
    }
    // An ID3v2 tag: MP3 (or FLAC behind it, which `sniff` tells apart).
    if starts(b"ID3") {
        return Some(Format::Mp3);
    }
    // TIFF, BigTIFF (`II+\0`, `MM\0+`) and the TIFF-like raw headers
    // (Olympus ORF `IIRO`/`IIRS`/`MMOR`, Panasonic RW2 `IIU\0`), which the
    // TIFF planner refuses by name.
    let tiff_marks: [&[u8]; 7] = [
        b"II*\0", b"MM\0*", b"II+\0", b"MM\0+", b"IIRO", b"IIRS", b"IIU\0",
    ];
    if tiff_marks.iter().any(|mark| starts(mark)) || starts(b"MMOR") {
        return Some(Format::Tiff);
    }
    if starts(b"FUJIFILMCCD-RAW") {
        return Some(Format::Raf);
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
        if brand == b"crx " {
            return Some(Format::Cr3);
        }
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
    if is_mpeg_audio_frame(head) {
        return Some(Format::Mp3);
    }
    None
}

/// An MPEG audio frame header (layer I, II or III, not ADTS) with valid
/// fields, as the MP3 planner reads it.
fn is_mpeg_audio_frame(head: &[u8]) -> bool {
    let Some(&[b0, b1, b2, _]) = head.get(..4) else {
        return false;
    };
    let version = (b1 >> 3) & 3;
    let layer = (b1 >> 1) & 3;
    let bitrate = b2 >> 4;
    let rate = (b2 >> 2) & 3;
    b0 == 0xFF && b1 & 0xE0 == 0xE0 && version != 1 && layer != 0 && bitrate != 15 && rate != 3
}

/// What kind of thing a file is, as far as a scrubber cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A still image (including vector images and icons).
    Photo,
    /// A movie or a video container.
    Video,
    /// Sound only.
    Audio,
    /// A camera raw file.
    Raw,
    /// A document (PDF, office formats).
    Document,
    /// A compressed archive.
    Archive,
    /// Plain text (UTF-8, ASCII, UTF-16 with a byte-order mark).
    Text,
    /// Programs, databases, fonts, empty files: not media.
    Data,
}

impl Kind {
    /// Whether files of this kind carry media, and so metadata a caller
    /// must either clean or refuse (never pass over in silence).
    pub fn is_media(self) -> bool {
        matches!(self, Kind::Photo | Kind::Video | Kind::Audio | Kind::Raw)
    }

    /// Short human name of the kind.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Photo => "image",
            Kind::Video => "video",
            Kind::Audio => "audio",
            Kind::Raw => "camera raw",
            Kind::Document => "document",
            Kind::Archive => "archive",
            Kind::Text => "text",
            Kind::Data => "data",
        }
    }
}

/// A file type recognised from content by [`identify`]: far more types
/// than this build cleans, so that a refusal can say what a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Recognised {
    /// Human name, e.g. `Fujifilm RAF raw`, `WMV/ASF (Windows Media)`.
    pub name: &'static str,
    /// What kind of file it is.
    pub kind: Kind,
    /// The container the core plans it as ([`sniff_bytes`] on the same
    /// bytes), if any.
    pub format: Option<Format>,
}

/// How many leading bytes [`identify`] looks at (it works on fewer).
pub const IDENTIFY_HEAD: usize = 4096;

/// Identify any common file type from its first bytes (ideally
/// [`IDENTIFY_HEAD`] of them) and its length: media this build cleans,
/// media it does not (so that it can be refused by name), and plainly
/// non-media files (text, documents, archives). `None` when unknown.
///
/// ```
/// use mediascrub::sniff::{identify, Kind};
/// let raf = identify(b"FUJIFILMCCD-RAW 0201FF383501", 1 << 20).unwrap();
/// assert_eq!((raf.name, raf.kind), ("Fujifilm RAF raw", Kind::Raw));
/// assert_eq!(identify(b"hello\n", 6).unwrap().kind, Kind::Text);
/// ```
pub fn identify(head: &[u8], total_len: u64) -> Option<Recognised> {
    let (name, kind) = identify_name(head, total_len)?;
    Some(Recognised {
        name,
        kind,
        format: sniff_bytes(head, total_len),
    })
}

/// [`identify`] on the start of `src`.
pub fn identify_source(src: &dyn Source) -> Option<Recognised> {
    let mut head = vec![0u8; IDENTIFY_HEAD];
    let n = head
        .len()
        .min(usize::try_from(src.len()).unwrap_or(usize::MAX));
    head.truncate(n);
    src.read_at(0, &mut head).ok()?;
    identify(&head, src.len())
}

/// Magic bytes at offset 0 → (name, kind), checked in order (so more
/// specific entries come first).
const MAGIC: &[(&[u8], &str, Kind)] = &[
    // Camera raw formats whose headers look like TIFF or like nothing else.
    (b"II\x1a\0\0\0HEAPCCDR", "Canon CRW raw", Kind::Raw),
    (b"FUJIFILMCCD-RAW", "Fujifilm RAF raw", Kind::Raw),
    (b"FOVb", "Sigma X3F raw", Kind::Raw),
    (b"\0MRM", "Minolta MRW raw", Kind::Raw),
    (b"IIRO", "Olympus ORF raw", Kind::Raw),
    (b"IIRS", "Olympus ORF raw", Kind::Raw),
    (b"MMOR", "Olympus ORF raw", Kind::Raw),
    (b"IIU\0", "Panasonic RW2 raw", Kind::Raw),
    (b"II*\0\x10\0\0\0CR\x02", "Canon CR2 raw", Kind::Raw),
    (b"II*\0", "TIFF", Kind::Photo),
    (b"MM\0*", "TIFF", Kind::Photo),
    (b"II+\0", "BigTIFF", Kind::Photo),
    (b"MM\0+", "BigTIFF", Kind::Photo),
    // Images.
    (b"\xFF\xD8\xFF", "JPEG", Kind::Photo),
    (b"\x89PNG\r\n\x1a\n", "PNG", Kind::Photo),
    (b"GIF87a", "GIF", Kind::Photo),
    (b"GIF89a", "GIF", Kind::Photo),
    (b"8BPS\0\x01", "Photoshop PSD", Kind::Photo),
    (b"8BPS\0\x02", "Photoshop PSB", Kind::Photo),
    (b"\xFF\x0A", "JPEG XL", Kind::Photo),
    (b"\0\0\0\x0cJXL \r\n\x87\n", "JPEG XL", Kind::Photo),
    (b"\0\0\0\x0cjP  \r\n\x87\n", "JPEG 2000", Kind::Photo),
    (b"\xFF\x4F\xFF\x51", "JPEG 2000 codestream", Kind::Photo),
    (b"v/1\x01", "OpenEXR", Kind::Photo),
    (b"SDPX", "DPX", Kind::Photo),
    (b"XPDS", "DPX", Kind::Photo),
    (b"#?RADIANCE", "Radiance HDR", Kind::Photo),
    (b"#?RGBE", "Radiance HDR", Kind::Photo),
    (b"qoif", "QOI", Kind::Photo),
    (b"AT&TFORM", "DjVu", Kind::Document),
    // Video.
    (
        b"\x30\x26\xB2\x75\x8E\x66\xCF\x11",
        "WMV/ASF (Windows Media)",
        Kind::Video,
    ),
    (b"FLV\x01", "Flash Video (FLV)", Kind::Video),
    (
        b"\0\0\x01\xBA",
        "MPEG program stream (MPG/VOB)",
        Kind::Video,
    ),
    (b"\0\0\x01\xB3", "MPEG video stream", Kind::Video),
    (
        b"\x06\x0E\x2B\x34\x02\x05\x01\x01\x0D\x01\x02",
        "MXF",
        Kind::Video,
    ),
    (b"\x1A\x45\xDF\xA3", "Matroska/WebM", Kind::Video),
    (b".RMF", "RealMedia", Kind::Video),
    (b"FWS", "Flash SWF", Kind::Video),
    (b"CWS", "Flash SWF", Kind::Video),
    (b"ZWS", "Flash SWF", Kind::Video),
    // Audio.
    (b"ID3", "MP3 (ID3-tagged audio)", Kind::Audio),
    (b"fLaC", "FLAC", Kind::Audio),
    (b"#!AMR", "AMR audio", Kind::Audio),
    (b".snd", "Sun/NeXT audio", Kind::Audio),
    (b"MThd", "MIDI", Kind::Audio),
    (b"wvpk", "WavPack", Kind::Audio),
    (b"MAC ", "Monkey's Audio", Kind::Audio),
    (b"MPCK", "Musepack", Kind::Audio),
    // Documents.
    (b"%PDF-", "PDF document", Kind::Document),
    (b"%!PS", "PostScript document", Kind::Document),
    (b"{\\rtf", "RTF document", Kind::Document),
    (
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
        "OLE compound file (.doc, .xls, .msg, Thumbs.db)",
        Kind::Document,
    ),
    // Archives.
    (b"\x1F\x8B", "gzip archive", Kind::Archive),
    (b"BZh", "bzip2 archive", Kind::Archive),
    (b"\xFD7zXZ\0", "xz archive", Kind::Archive),
    (b"\x28\xB5\x2F\xFD", "Zstandard archive", Kind::Archive),
    (b"7z\xBC\xAF\x27\x1C", "7-Zip archive", Kind::Archive),
    (b"Rar!\x1A\x07", "RAR archive", Kind::Archive),
    (b"\x04\x22\x4D\x18", "LZ4 archive", Kind::Archive),
    (b"PK\x05\x06", "ZIP archive", Kind::Archive),
    (b"PK\x07\x08", "ZIP archive", Kind::Archive),
    // Programs, databases, fonts.
    (b"\x7FELF", "ELF program", Kind::Data),
    (b"\xFE\xED\xFA\xCE", "Mach-O program", Kind::Data),
    (b"\xFE\xED\xFA\xCF", "Mach-O program", Kind::Data),
    (b"\xCE\xFA\xED\xFE", "Mach-O program", Kind::Data),
    (b"\xCF\xFA\xED\xFE", "Mach-O program", Kind::Data),
    (
        b"\xCA\xFE\xBA\xBE",
        "Java class or Mach-O program",
        Kind::Data,
    ),
    (b"\0asm", "WebAssembly module", Kind::Data),
    (b"SQLite format 3\0", "SQLite database", Kind::Data),
    (
        b"\0\0\0\x01Bud1",
        "macOS folder settings (.DS_Store)",
        Kind::Data,
    ),
    (b"OTTO", "OpenType font", Kind::Data),
    (b"\0\x01\0\0\0", "TrueType font", Kind::Data),
    (b"ttcf", "TrueType font collection", Kind::Data),
    (b"wOFF", "WOFF font", Kind::Data),
    (b"wOF2", "WOFF2 font", Kind::Data),
];

/// ISO-BMFF major brands → (name, kind); any other brand is an MP4-family
/// video.
const BRANDS: &[(&[u8; 4], &str, Kind)] = &[
    (b"crx ", "Canon CR3 raw", Kind::Raw),
    (b"M4A ", "M4A audio", Kind::Audio),
    (b"M4B ", "M4B audiobook", Kind::Audio),
    (b"M4P ", "M4P audio", Kind::Audio),
    (b"qt  ", "QuickTime MOV", Kind::Video),
    (b"avif", "AVIF", Kind::Photo),
    (b"avis", "AVIF sequence", Kind::Photo),
    (b"heic", "HEIC", Kind::Photo),
    (b"heix", "HEIC", Kind::Photo),
    (b"hevc", "HEIC sequence", Kind::Photo),
    (b"heim", "HEIC", Kind::Photo),
    (b"heis", "HEIC", Kind::Photo),
    (b"hevm", "HEIC sequence", Kind::Photo),
    (b"hevs", "HEIC sequence", Kind::Photo),
    (b"mif1", "HEIF", Kind::Photo),
    (b"msf1", "HEIF sequence", Kind::Photo),
    (b"jxl ", "JPEG XL", Kind::Photo),
];

fn identify_name(head: &[u8], total_len: u64) -> Option<(&'static str, Kind)> {
    if total_len == 0 {
        return Some(("empty file", Kind::Data));
    }
    let at = |offset: usize, magic: &[u8]| {
        head.get(offset..offset + magic.len())
            .is_some_and(|b| b == magic)
    };
    if head.get(4..8) == Some(b"ftyp") {
        let brand = head.get(8..12)?;
        if let Some((_, name, kind)) = BRANDS.iter().find(|(b, ..)| b.as_slice() == brand) {
            return Some((name, *kind));
        }
        if brand.starts_with(b"3g") {
            return Some(("3GP", Kind::Video));
        }
        return Some(("MP4", Kind::Video));
    }
    if at(0, b"RIFF") {
        return match head.get(8..12)? {
            b"WEBP" => Some(("WebP", Kind::Photo)),
            b"AVI " | b"AVIX" => Some(("AVI", Kind::Video)),
            b"WAVE" => Some(("WAV audio", Kind::Audio)),
            b"CDXA" => Some(("Video CD (RIFF CDXA)", Kind::Video)),
            b"RMID" => Some(("MIDI", Kind::Audio)),
            b"ACON" => Some(("Windows animated cursor", Kind::Photo)),
            _ => Some(("RIFF file", Kind::Video)),
        };
    }
    if at(0, b"RF64") && at(8, b"WAVE") {
        return Some(("WAV audio (RF64)", Kind::Audio));
    }
    if at(0, b"BW64") && at(8, b"WAVE") {
        return Some(("WAV audio (BW64)", Kind::Audio));
    }
    if at(0, b"ID3") && flac_after_id3_head(head) {
        return Some(("FLAC", Kind::Audio));
    }
    if at(0, b"FORM") {
        return match head.get(8..12)? {
            b"AIFF" | b"AIFC" => Some(("AIFF audio", Kind::Audio)),
            b"ILBM" | b"PBM " => Some(("IFF ILBM image", Kind::Photo)),
            _ => Some(("IFF file", Kind::Audio)),
        };
    }
    if let Some((_, name, kind)) = MAGIC.iter().find(|(magic, ..)| at(0, magic)) {
        return Some((name, *kind));
    }
    if at(0, b"PK\x03\x04") {
        return Some(zip_kind(head));
    }
    if at(0, b"OggS") {
        return Some(if contains(head, b"\x80theora") {
            ("Ogg video (Theora)", Kind::Video)
        } else {
            ("Ogg audio (Vorbis/Opus)", Kind::Audio)
        });
    }
    if at(257, b"ustar") {
        return Some(("tar archive", Kind::Archive));
    }
    // Structures without a long magic, checked field by field.
    if is_mpeg_ts(head, 0) {
        return Some(("MPEG-TS", Kind::Video));
    }
    if is_mpeg_ts(head, 4) {
        return Some(("MPEG-TS (M2TS/AVCHD)", Kind::Video));
    }
    if at(0, b"\x1F\x07\x00") && head.get(3).is_some_and(|b| b & 0x7F == 0x3F) {
        return Some(("DV video", Kind::Video));
    }
    if is_bmp(head) {
        return Some(("BMP", Kind::Photo));
    }
    if let Some(name) = ico(head) {
        return Some((name, Kind::Photo));
    }
    if let Some(name) = netpbm(head) {
        return Some((name, Kind::Photo));
    }
    if let Some(name) = utf16_text(head) {
        return Some((name, Kind::Text));
    }
    if let Some(name) = mpeg_audio(head) {
        return Some((name, Kind::Audio));
    }
    text(head)
}

/// Whether the ID3v2 tag at the start of `head` ends inside it, followed
/// by `fLaC`.
fn flac_after_id3_head(head: &[u8]) -> bool {
    let Some(&[a, b, c, d]) = head.get(6..10) else {
        return false;
    };
    if [a, b, c, d].iter().any(|byte| byte & 0x80 != 0) {
        return false;
    }
    let size = usize::from(a) << 21 | usize::from(b) << 14 | usize::from(c) << 7 | usize::from(d);
    let footer = if head.get(5).is_some_and(|f| f & 0x10 != 0) {
        10
    } else {
        0
    };
    let at = 10 + size + footer;
    head.get(at..at + 4) == Some(b"fLaC")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// ZIP-based documents name their type in the first entry.
fn zip_kind(head: &[u8]) -> (&'static str, Kind) {
    if contains(head, b"mimetypeapplication/epub+zip") {
        ("EPUB document", Kind::Document)
    } else if contains(head, b"mimetypeapplication/vnd.oasis.opendocument") {
        ("OpenDocument file", Kind::Document)
    } else if contains(head, b"[Content_Types].xml")
        || contains(head, b"word/")
        || contains(head, b"xl/")
        || contains(head, b"ppt/")
    {
        ("Office Open XML document (DOCX/XLSX/PPTX)", Kind::Document)
    } else {
        ("ZIP archive", Kind::Archive)
    }
}

/// A sync byte 0x47 at `first`, `first + 188 + skip` and beyond, for every
/// packet the head holds (at least two).
fn is_mpeg_ts(head: &[u8], first: usize) -> bool {
    let stride = 188 + first;
    let syncs: Vec<u8> = head.iter().skip(first).step_by(stride).copied().collect();
    syncs.len() >= 2 && syncs.iter().all(|&b| b == 0x47)
}

/// `BM`, reserved fields zero, and a known DIB header size.
fn is_bmp(head: &[u8]) -> bool {
    head.starts_with(b"BM")
        && head.get(6..10) == Some(&[0, 0, 0, 0])
        && head
            .get(14..18)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes)
            .is_some_and(|size| [12, 40, 52, 56, 64, 108, 124].contains(&size))
}

/// Windows icon or cursor: reserved 0, type 1 or 2, 1–255 images, the
/// first entry's reserved byte 0.
fn ico(head: &[u8]) -> Option<&'static str> {
    let name = match head.get(..4)? {
        [0, 0, 1, 0] => "Windows icon (ICO)",
        [0, 0, 2, 0] => "Windows cursor (CUR)",
        _ => return None,
    };
    let count = u16::from_le_bytes([*head.get(4)?, *head.get(5)?]);
    ((1..256).contains(&count) && *head.get(9)? == 0).then_some(name)
}

/// `P1`–`P7` then whitespace.
fn netpbm(head: &[u8]) -> Option<&'static str> {
    if *head.first()? != b'P' || !head.get(2)?.is_ascii_whitespace() {
        return None;
    }
    match head.get(1)? {
        b'1' | b'4' => Some("Netpbm PBM"),
        b'2' | b'5' => Some("Netpbm PGM"),
        b'3' | b'6' => Some("Netpbm PPM"),
        b'7' => Some("Netpbm PAM"),
        _ => None,
    }
}

/// MPEG audio frame sync (MP3, MP2) or ADTS (AAC), with valid header
/// fields.
fn mpeg_audio(head: &[u8]) -> Option<&'static str> {
    let (&b0, &b1, &b2) = (head.first()?, head.get(1)?, head.get(2)?);
    if b0 != 0xFF || b1 & 0xE0 != 0xE0 {
        return None;
    }
    let version = (b1 >> 3) & 3;
    let layer = (b1 >> 1) & 3;
    if layer == 0 {
        // ADTS: MPEG-4/2 AAC, sampling index below 13.
        return ((b1 & 0xF6) == 0xF0 && (b2 >> 2) & 0xF < 13).then_some("AAC audio (ADTS)");
    }
    let bitrate = b2 >> 4;
    let rate = (b2 >> 2) & 3;
    (version != 1 && bitrate != 0 && bitrate != 15 && rate != 3).then_some("MP3/MPEG audio")
}

/// A UTF-16 byte-order mark followed by ASCII text.
fn utf16_text(head: &[u8]) -> Option<&'static str> {
    let ascii_at = |i: usize, zero: usize| {
        head.get(i).is_some_and(|b| b.is_ascii() && *b != 0) && head.get(zero) == Some(&0)
    };
    match head.get(..2)? {
        [0xFF, 0xFE] if ascii_at(2, 3) => Some("UTF-16 text"),
        [0xFE, 0xFF] if ascii_at(3, 2) => Some("UTF-16 text"),
        _ => None,
    }
}

/// UTF-8 (or ASCII) text: valid UTF-8 up to a character cut by the end of
/// the head, no NUL, hardly any other control characters.
fn text(head: &[u8]) -> Option<(&'static str, Kind)> {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let valid = match std::str::from_utf8(body) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(body.get(..e.valid_up_to())?).ok()?
        }
        Err(_) => return None,
    };
    let controls = valid
        .bytes()
        .filter(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B))
        .count();
    if valid.is_empty() || valid.contains('\0') || controls * 100 > valid.len() {
        return None;
    }
    let lower = valid.to_ascii_lowercase();
    Some(if lower.contains("<svg") {
        ("SVG image", Kind::Photo)
    } else if lower.contains("<x:xmpmeta") || lower.contains("<x:xapmeta") {
        ("XMP sidecar (text)", Kind::Text)
    } else if lower.contains("<html") || lower.contains("<!doctype html") {
        ("HTML text", Kind::Text)
    } else {
        ("text", Kind::Text)
    })
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
        assert_eq!(sniff_bytes(b"II*\0\x08\0\0\0", 100), Some(Format::Tiff));
        assert_eq!(sniff_bytes(b"MM\0+\0\x08\0\0", 100), Some(Format::Tiff));
        assert_eq!(sniff_bytes(b"IIRO\x08\0\0\0", 100), Some(Format::Tiff));
        assert_eq!(sniff_bytes(b"IIU\0\x18\0\0\0", 100), Some(Format::Tiff));
        assert_eq!(
            sniff_bytes(b"FUJIFILMCCD-RAW 0201FF", 100),
            Some(Format::Raf)
        );
        assert_eq!(
            sniff_bytes(b"\0\0\0\x18ftypcrx \0\0\0\x01", 100),
            Some(Format::Cr3)
        );
        assert_eq!(sniff_bytes(b"", 0), None);
        assert_eq!(
            sniff_bytes(b"ID3\x04\0\0\0\0\0\x10", 100),
            Some(Format::Mp3)
        );
        assert_eq!(
            sniff_bytes(&[0xFF, 0xFB, 0x90, 0x64], 100),
            Some(Format::Mp3)
        );
        // ADTS AAC is not MPEG layer I-III.
        assert_eq!(sniff_bytes(&[0xFF, 0xF1, 0x50, 0x80], 100), None);
        assert_eq!(sniff_bytes(b"RIFF\0\0\0\0WAVEfmt ", 100), Some(Format::Wav));
        assert_eq!(
            sniff_bytes(b"RF64\xff\xff\xff\xffWAVEds64", 100),
            Some(Format::Wav)
        );
        assert_eq!(sniff_bytes(b"fLaC\0\0\0\x22", 100), Some(Format::Flac));
        assert_eq!(sniff_bytes(b"OggS\0\x02", 100), Some(Format::Ogg));
    }

    #[test]
    fn flac_behind_an_id3_tag_is_flac() {
        let mut file = b"ID3\x03\0\0\0\0\0\x05xxxxx".to_vec();
        assert_eq!(sniff(&file.as_slice()), Some(Format::Mp3));
        file.extend_from_slice(b"fLaC\0\0\0\x22");
        assert_eq!(sniff(&file.as_slice()), Some(Format::Flac));
        assert_eq!(identify(&file, 100).unwrap().name, "FLAC");
        // Two stacked tags, the second with a footer.
        let mut two = b"ID3\x03\0\0\0\0\0\x01x".to_vec();
        two.extend_from_slice(b"ID3\x04\0\x10\0\0\0\x00");
        two.extend_from_slice(b"3DI\x04\0\x10\0\0\0\x00fLaC");
        assert_eq!(sniff(&two.as_slice()), Some(Format::Flac));
        // A size that is not syncsafe, or a tag running past the end.
        assert_eq!(
            sniff(&b"ID3\x03\0\0\x80\0\0\0fLaC".as_slice()),
            Some(Format::Mp3)
        );
        assert_eq!(
            sniff(&b"ID3\x03\0\0\x7f\0\0\0".as_slice()),
            Some(Format::Mp3)
        );
    }

    #[test]
    fn identifies_what_it_does_not_clean_by_name() {
        let id = |head: &[u8]| identify(head, 1 << 20).map(|r| (r.name, r.kind));
        let mut ts = vec![0u8; 188 * 3];
        for packet in ts.chunks_mut(188) {
            packet[0] = 0x47;
        }
        let mut bmp = b"BM\0\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0".to_vec();
        bmp.extend([0; 16]);
        let cases: &[(&[u8], &str, Kind)] = &[
            (
                b"\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9",
                "WMV/ASF (Windows Media)",
                Kind::Video,
            ),
            (b"FLV\x01\x05", "Flash Video (FLV)", Kind::Video),
            (
                b"\0\0\x01\xBA\x44",
                "MPEG program stream (MPG/VOB)",
                Kind::Video,
            ),
            (&ts, "MPEG-TS", Kind::Video),
            (b"\x1F\x07\x00\x3F\xF8", "DV video", Kind::Video),
            (
                b"\x06\x0E\x2B\x34\x02\x05\x01\x01\x0D\x01\x02\x01",
                "MXF",
                Kind::Video,
            ),
            (&bmp, "BMP", Kind::Photo),
            (b"8BPS\0\x01\0\0", "Photoshop PSD", Kind::Photo),
            (b"P6\n640 480\n255\n", "Netpbm PPM", Kind::Photo),
            (b"FOVb\x00\x00", "Sigma X3F raw", Kind::Raw),
            (b"II\x1a\0\0\0HEAPCCDR", "Canon CRW raw", Kind::Raw),
            (b"\0MRM\0\0", "Minolta MRW raw", Kind::Raw),
            (b"FUJIFILMCCD-RAW 0201", "Fujifilm RAF raw", Kind::Raw),
            (b"IIRO\x08\0\0\0", "Olympus ORF raw", Kind::Raw),
            (b"IIU\0\x18\0\0\0", "Panasonic RW2 raw", Kind::Raw),
            (b"\0\0\0\x18ftypcrx \0\0\0\x01", "Canon CR3 raw", Kind::Raw),
            (b"ID3\x04\0\0", "MP3 (ID3-tagged audio)", Kind::Audio),
            (b"\xFF\xFB\x90\x64", "MP3/MPEG audio", Kind::Audio),
            (b"RIFF\0\0\0\0WAVEfmt ", "WAV audio", Kind::Audio),
            (b"fLaC\0\0\0\x22", "FLAC", Kind::Audio),
            (b"OggS\0\x02", "Ogg audio (Vorbis/Opus)", Kind::Audio),
            (b"FORM\0\0\0\0AIFFCOMM", "AIFF audio", Kind::Audio),
            (b"\0\0\0\x18ftypM4A \0\0\0\0", "M4A audio", Kind::Audio),
            (
                b"\0\0\x01\0\x01\0\x10\x10\0\0",
                "Windows icon (ICO)",
                Kind::Photo,
            ),
            (
                b"<?xml version=\"1.0\"?>\n<svg xmlns=",
                "SVG image",
                Kind::Photo,
            ),
            (b"%PDF-1.7\n", "PDF document", Kind::Document),
            (
                b"PK\x03\x04\x14\0\0\0\0\0[Content_Types].xml",
                "Office Open XML document (DOCX/XLSX/PPTX)",
                Kind::Document,
            ),
            (
                b"PK\x03\x04\x14\0\0\0\0\0photo.jpg",
                "ZIP archive",
                Kind::Archive,
            ),
            (b"just some notes\n", "text", Kind::Text),
            (b"caf\xC3\xA9 \xE2\x82", "text", Kind::Text),
        ];
        for (head, name, kind) in cases {
            assert_eq!(id(head), Some((*name, *kind)), "{name}");
            assert_eq!(
                kind.is_media(),
                matches!(kind, Kind::Photo | Kind::Video | Kind::Audio | Kind::Raw)
            );
        }
        assert_eq!(id(b"\x00\x9F\x13\x80\x01"), None);
        assert_eq!(identify(b"", 0).map(|r| r.kind), Some(Kind::Data));
    }

    #[test]
    fn a_cr3_is_not_heif_and_cleaned_formats_keep_their_container() {
        assert_eq!(
            sniff_bytes(b"\0\0\0\x18ftypcrx \0\0\0\x01", 100),
            Some(Format::Cr3)
        );
        let jpeg = identify(&[0xFF, 0xD8, 0xFF, 0xE1], 100).unwrap();
        assert_eq!((jpeg.kind, jpeg.format), (Kind::Photo, Some(Format::Jpeg)));
        let orf = identify(b"IIRO\x08\0\0\0", 100).unwrap();
        assert_eq!(orf.format, Some(Format::Tiff));
        let m4a = identify(b"\0\0\0\x18ftypM4A \0\0\0\0", 100).unwrap();
        assert_eq!(m4a.format, Some(Format::Mp4));
    }
}
