//! `mediascrub formats`: every format the core knows, whether it is
//! cleaned, and in a few words what goes and what stays (the README's
//! "What is kept and what goes" table has the details). The list is an
//! exhaustive match on [`Format`], so a new format does not build until it
//! is described here.

use std::io::{self, Write};

use anyhow::Result;
use mediascrub::Format;
use serde::Serialize;

/// What `formats` says about one format.
#[derive(Serialize)]
pub struct Described {
    /// The JSON name of the format (`jpeg`, `mp4`, …), as in reports.
    pub format: Format,
    /// Its human name.
    pub name: &'static str,
    /// The file name extensions it usually has.
    pub extensions: &'static [&'static str],
    /// Whether it is cleaned (else recognised and refused with a reason).
    pub cleaned: bool,
    /// What goes.
    pub removed: &'static str,
    /// What stays.
    pub kept: &'static str,
}

/// Recognised by content and refused with a reason, with no planner of
/// their own: listed so that nobody has to guess.
pub const REFUSED_OTHERS: &str = "camera raw other than DNG (CR2, NEF, ARW, ORF, RW2, PEF, X3F, CRW, MRW, …), \
HEIF image sequences, WMV/ASF, FLV, MPEG-PS/VOB, DV, MXF, RealMedia, Ogg video, BMP, PSD, Netpbm, ICO, SVG, \
TGA, OpenEXR, audio other than MP3, WAV, FLAC, Ogg Vorbis/Opus and M4A (AIFF, WMA, Ogg FLAC/Speex, ADTS AAC, …)";

/// One format's description.
pub fn describe(format: Format) -> Described {
    let (extensions, cleaned, removed, kept): (&'static [&'static str], bool, &str, &str) = match format {
        Format::Jpeg => (
            &["jpg", "jpeg", "jpe", "jfif", "mpo"],
            true,
            "Exif (GPS, serials, dates, owner, maker notes, thumbnail), XMP, IPTC/Photoshop, MPF secondary images, C2PA, comments, unknown APPn, everything after the image (motion-photo videos, trailers)",
            "the image data byte for byte, JFIF, Adobe, ICC profile, orientation",
        ),
        Format::Png => (
            &["png", "apng"],
            true,
            "text chunks (comments, author, dates, software, XMP, Exif profiles), eXIf, tIME, C2PA, unknown ancillary chunks, bytes after IEND",
            "image data, palette, transparency, colour chunks, every APNG frame, ICC profile, orientation",
        ),
        Format::Gif => (
            &["gif"],
            true,
            "comments, plain-text and application extensions (XMP, unknown), bytes after the trailer",
            "every frame, colour tables, timing, loop count, ICC profile",
        ),
        Format::Webp => (
            &["webp"],
            true,
            "EXIF, XMP, unknown chunks, bytes after the RIFF",
            "VP8/VP8L image data, alpha, animation frames, ICC profile, orientation",
        ),
        Format::Tiff => (
            &["tif", "tiff", "dng"],
            true,
            "make, model, software, dates, artist, copyright, Exif/GPS/Interoperability IFDs, XMP, IPTC, GeoTIFF, thumbnails and previews, unknown tags; in DNG also serials, maker notes, original file name",
            "every full-resolution page (a DNG's raw image and rendering tags), orientation, ICC profile",
        ),
        Format::Heif => (
            &["heic", "heif", "hif", "avif"],
            true,
            "Exif and XMP items, C2PA, thumbnails, depth and gain maps, item names, motion-photo videos and trailers, unknown boxes",
            "the primary image (grid tiles, alpha), its properties, rotation and mirroring, ICC profile",
        ),
        Format::Mp4 => (
            &["mp4", "mov", "m4v", "3gp", "m4a"],
            true,
            "udta/meta (GPS, make, model, Apple keys, software, dates), XMP, C2PA, telemetry, timecode and subtitle tracks (samples zeroed), unknown boxes, vendor trailers; creation times zeroed",
            "video and audio samples byte for byte, codec configuration, edit lists, rotation matrix, colour",
        ),
        Format::Matroska => (
            &["mkv", "webm", "mka"],
            true,
            "tags, attachments, chapters, title, date, UIDs, names, codec names, subtitle and metadata tracks, unknown elements; TrackUIDs replaced by track numbers",
            "the video and audio blocks, codec settings, timing, colour, cues",
        ),
        Format::Avi => (
            &["avi"],
            true,
            "LIST INFO (artist, comment, dates, software), IDIT, stream names, XMP, maker chunks, unknown chunks",
            "headers, stream formats, indexes, movi",
        ),
        Format::Jxl => (
            &["jxl"],
            true,
            "Exif, XMP, JUMBF/C2PA, compressed metadata boxes, JPEG reconstruction data, unknown boxes",
            "the codestream byte for byte (its orientation included)",
        ),
        Format::Jp2 => (
            &["jp2", "jpf"],
            true,
            "uuid boxes (Exif, XMP, IPTC, GeoJP2), xml, IPR, URLs, unknown boxes, codestream comments",
            "image header, colour (ICC profile), palette, the codestream",
        ),
        Format::MpegTs => (
            &["ts", "mts", "m2ts"],
            false,
            "not cleaned: refused with a reason",
            "-",
        ),
        Format::Raf => (
            &["raf"],
            false,
            "not cleaned: refused (convert it to DNG first)",
            "-",
        ),
        Format::Cr3 => (
            &["cr3"],
            false,
            "not cleaned: refused (convert it to DNG first)",
            "-",
        ),
        Format::Mp3 => (
            &["mp3", "mp2"],
            true,
            "ID3v2 (artist, dates, comments, user tags, cover art, GEOB, PRIV), ID3v1, APE, Lyrics3; the LAME tag's encoder version zeroed",
            "every audio frame byte for byte, the Xing/Info/VBRI frame (duration, seeking, gapless trimming)",
        ),
        Format::Wav => (
            &["wav", "bwf"],
            true,
            "bext (originator, dates, UMID, coding history), LIST INFO, iXML, axml, XMP, ID3, cart, cue labels, unknown chunks",
            "fmt (with its codec data), fact, the samples byte for byte; RF64/BW64 sizes",
        ),
        Format::Flac => (
            &["flac"],
            true,
            "Vorbis comments, pictures, application blocks, cue sheet, padding, ID3/APE tags around the stream",
            "STREAMINFO, SEEKTABLE, the frames byte for byte, a surround channel mask",
        ),
        Format::Ogg => (
            &["ogg", "oga", "opus"],
            true,
            "the comment header (vendor, tags, cover art), blanked at the same length; Ogg FLAC, Speex and video are refused",
            "identification and setup headers, every audio page byte for byte",
        ),
    };
    Described {
        format,
        name: format.name(),
        extensions,
        cleaned,
        removed,
        kept,
    }
}

#[derive(Serialize)]
struct Document {
    formats: Vec<Described>,
    refused_others: &'static str,
}

/// Print the list (a table, or one JSON document).
pub fn print(json: bool) -> Result<()> {
    let formats: Vec<Described> = Format::ALL.into_iter().map(describe).collect();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    if json {
        let doc = Document {
            formats,
            refused_others: REFUSED_OTHERS,
        };
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "Cleaned (without re-encoding; everything not listed as kept goes, unknown blocks included):"
    )?;
    for d in formats.iter().filter(|d| d.cleaned) {
        writeln!(out)?;
        writeln!(out, "{} (.{})", d.name, d.extensions.join(", ."))?;
        writeln!(out, "  removed: {}", d.removed)?;
        writeln!(out, "  kept:    {}", d.kept)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Recognised and refused with a reason (no output, exit status 1):"
    )?;
    for d in formats.iter().filter(|d| !d.cleaned) {
        writeln!(
            out,
            "  {} (.{}): {}",
            d.name,
            d.extensions.join(", ."),
            d.removed
        )?;
    }
    writeln!(out, "  {REFUSED_OTHERS}")?;
    writeln!(out)?;
    writeln!(
        out,
        "Always removed from outputs too: the file's modification time and extended attributes (outputs are new files); with clean --rename, dates and devices in file names."
    )?;
    Ok(())
}
