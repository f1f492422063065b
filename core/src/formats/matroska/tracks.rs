//! What each `TrackEntry` declares ([`Track`]), the TrackUID rewrite (see
//! the module doc of [`super`]), and the Vorbis and FLAC comments that
//! `CodecPrivate` may carry.

use super::codec;
use super::rules::Master;
use super::{Walker, BLANKED, READ_BUDGET, STRUCTURE};
use crate::container::ebml::{uint, Element};
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::formats::jpeg::frames::FrameMetadata;
use crate::io::SourceExt;
use crate::metadata::subtitle::{self, printable_runs};
use crate::metadata::vorbis;

/// Video for Windows compressions whose frames are JPEG images.
const MJPEG_FOURCCS: [&[u8; 4]; 6] = [b"MJPG", b"mjpg", b"JPEG", b"jpeg", b"AVRn", b"dmb1"];

/// Lines kept per track for the report and the needles.
const LINES_KEPT: usize = 16;

/// What one `TrackEntry` declares, and what its blocks turned out to hold.
#[derive(Debug)]
pub(super) struct Track {
    /// TrackNumber, as used by blocks and cues (`None` when missing: no
    /// block can refer to the track).
    pub(super) number: Option<u64>,
    /// TrackType (1 video, 2 audio, 0x11 subtitle, 0x21 metadata, ...).
    pub(super) kind: u64,
    pub(super) codec_id: String,
    pub(super) language: String,
    /// Blocks are compressed or encrypted (ContentEncodings).
    pub(super) encoded: bool,
    /// The whole `TrackEntry`.
    pub(super) entry: (u64, u64),
    /// Decision: void the entry, its blocks and its cues.
    pub(super) remove: bool,
    /// Blocks (SimpleBlock or BlockGroup) counted in the last pass.
    pub(super) blocks: u64,
    /// Bytes of those blocks, headers included.
    pub(super) bytes: u64,
    /// Blocks whose text was read.
    pub(super) read: u64,
    /// A block was not read because the text budget ran out.
    pub(super) unread: bool,
    /// First printable lines.
    pub(super) lines: Vec<String>,
    /// First lines that look like positions.
    pub(super) telemetry: Vec<String>,
    /// For Motion JPEG tracks: what their frames held.
    pub(super) frames: Option<FrameMetadata>,
}

impl Track {
    /// Video and audio are the media; everything else (subtitles,
    /// metadata, buttons, logos, complex tracks) is removed by default.
    /// A subtitle or data codec on a "video" track is not trusted.
    pub(super) fn is_media(&self) -> bool {
        matches!(self.kind, 1 | 2)
            && !self.codec_id.starts_with("S_")
            && !self.codec_id.starts_with("D_")
    }

    /// A subtitle track whose blocks are plain text (SRT, SSA/ASS, WebVTT,
    /// USF) that can be judged line by line. Bitmap subtitles (VobSub,
    /// PGS, DVB) and compressed blocks cannot.
    pub(super) fn is_readable_text(&self) -> bool {
        let codec = self.codec_id.as_str();
        self.kind == 0x11
            && !self.encoded
            && (codec.starts_with("S_TEXT/")
                || codec == "S_SSA"
                || codec == "S_ASS"
                || codec.starts_with("D_WEBVTT/"))
    }

    /// Kept on purpose: the policy asks for subtitles, every block of this
    /// text track was read and none looks like a position.
    pub(super) fn keep(&self, keep_subtitles: bool) -> bool {
        keep_subtitles
            && self.is_readable_text()
            && self.read > 0
            && self.read == self.blocks
            && !self.unread
            && self.telemetry.is_empty()
    }

    pub(super) fn field(&self) -> &'static str {
        match self.kind {
            0x11 if !self.telemetry.is_empty() => "Subtitle telemetry track",
            0x11 => "Subtitle track",
            0x21 => "Metadata track",
            0x03 => "Complex track",
            0x10 => "Logo track",
            0x12 => "Buttons track",
            0x20 => "Control track",
            _ => "Track",
        }
    }

    /// `'eng' (S_TEXT/UTF8): 120 blocks, 4.1 KB`
    pub(super) fn summary(&self) -> String {
        format!(
            "'{}' ({}): {} block{}, {}",
            self.language,
            self.codec_id,
            self.blocks,
            if self.blocks == 1 { "" } else { "s" },
            human_size(self.bytes)
        )
    }

    /// Remember the printable lines of one block's text.
    pub(super) fn note_text(&mut self, bytes: &[u8], text_track: bool) {
        self.read += 1;
        for line in printable_runs(bytes) {
            if subtitle::looks_like_telemetry(&line) {
                if self.telemetry.len() < LINES_KEPT {
                    self.telemetry.push(line.clone());
                }
            } else if !text_track {
                // Printable runs in binary payload are noise, not lines.
                continue;
            }
            if self.lines.len() < LINES_KEPT {
                self.lines.push(line);
            }
        }
    }
}

impl Walker<'_, '_> {
    /// Record the TrackEntry just walked (`start..end`).
    pub(super) fn add_track(&mut self, start: u64, end: u64) -> Result<()> {
        let max = self.scan.limits.matroska.max_tracks;
        if self.segment.tracks.len() >= max {
            return Err(Error::Limit {
                what: "number of Matroska tracks",
                offset: start,
                limit: max as u64,
            });
        }
        let number = self.entry.number;
        if number.is_some() && self.segment.tracks.iter().any(|t| t.number == number) {
            // Blocks could not be told apart: refuse rather than guess
            // which track a block belongs to.
            return Err(Error::malformed(
                STRUCTURE,
                start,
                "two TrackEntry elements have the same TrackNumber",
            ));
        }
        let entry = std::mem::take(&mut self.entry);
        self.segment.tracks.push(Track {
            number,
            // TrackType is mandatory; a missing one is not media.
            kind: uint(&entry.track_type),
            codec_id: entry.codec_id,
            // The Matroska default language.
            language: entry.language.unwrap_or_else(|| "eng".to_string()),
            encoded: entry.encoded,
            entry: (start, end),
            remove: false,
            blocks: 0,
            bytes: 0,
            read: 0,
            unread: false,
            lines: Vec::new(),
            telemetry: Vec::new(),
            frames: entry
                .mjpeg
                .then(|| FrameMetadata::new(self.scan.policy.keep_orientation)),
        });
        Ok(())
    }

    /// Walk the codec configuration record in the entry's CodecPrivate
    /// (see [`super::codec`]): zero a comment inside it and the bytes after
    /// it. Returns whether anything changed.
    pub(super) fn codec_private_record(&mut self) -> Result<bool> {
        let Some((start, end)) = self.entry.codec_private else {
            return Ok(false);
        };
        let codec = self.entry.codec_id.clone();
        if codec::record(&codec, &[]) == Ok(None) {
            return Ok(false);
        }
        let len = end - start;
        self.scan.charge(len, start, READ_BUDGET)?;
        let max = self.scan.limits.max_metadata_read;
        let private = self.scan.src.read_vec(start, len, max, STRUCTURE)?;
        let record = match codec::record(&codec, &private) {
            Ok(Some(record)) => record,
            Ok(None) => return Ok(false),
            Err(reason) => {
                return Err(Error::malformed(
                    STRUCTURE,
                    start,
                    format!("{codec} codec private data: {reason}"),
                ))
            }
        };
        let place = "Segment/Tracks/TrackEntry/CodecPrivate";
        let mut changed = false;
        if let Some((from, to)) = record.comment {
            let bytes = private.get(from..to).unwrap_or_default();
            if bytes.iter().any(|b| *b != 0) {
                let text = String::from_utf8_lossy(bytes)
                    .trim_end_matches('\0')
                    .to_string();
                self.scan.report(
                    Finding::removed(Category::Other, "AAC channel layout comment", place, &text)
                        .with_fate(Fate::Zeroed)
                        .with_needle(&text),
                );
                self.overwrites.push_filler(
                    start + from as u64,
                    Vec::new(),
                    (to - from) as u64,
                    BLANKED,
                )?;
                changed = true;
            }
        }
        let tail = private.get(record.end..).unwrap_or_default();
        if tail.iter().any(|b| *b != 0) {
            let runs = printable_runs(tail);
            let mut value = format!(
                "{} after the {codec} configuration",
                human_size(tail.len() as u64)
            );
            if let Some(first) = runs.first() {
                value.push_str(&format!(": \"{first}\""));
            }
            let mut finding = Finding::removed(
                Category::Other,
                "Bytes after the codec configuration",
                place,
                value,
            )
            .with_fate(Fate::Zeroed);
            for run in runs.iter().take(8) {
                finding = finding.with_needle(run);
            }
            self.scan.report(finding);
            self.overwrites.push_filler(
                start + record.end as u64,
                Vec::new(),
                tail.len() as u64,
                BLANKED,
            )?;
            changed = true;
        }
        Ok(changed)
    }

    /// Vorbis and FLAC keep their comments (artist, encoder, pictures) in
    /// the codec configuration: rewrite it with the same length.
    pub(super) fn codec_private_comments(&mut self) -> Result<bool> {
        let Some((start, end)) = self.entry.codec_private else {
            return Ok(false);
        };
        let neutralise: fn(&mut [u8], &str) -> Option<vorbis::Neutralised> =
            match self.entry.codec_id.as_str() {
                "A_VORBIS" => vorbis::neutralise_xiph_vorbis,
                "A_FLAC" => vorbis::neutralise_flac,
                _ => return Ok(false),
            };
        // Read whole (not just `max_value_read` bytes): it is rewritten.
        let len = end - start;
        self.scan.charge(len, start, READ_BUDGET)?;
        let max = self.scan.limits.max_metadata_read;
        let mut private = self.scan.src.read_vec(start, len, max, STRUCTURE)?;
        let place = "Segment/Tracks/TrackEntry/CodecPrivate";
        let Some(done) = neutralise(&mut private, place) else {
            return Err(Error::malformed(
                STRUCTURE,
                start,
                format!(
                    "{} codec private data has an unknown layout",
                    self.entry.codec_id
                ),
            ));
        };
        self.scan.report_all(done.findings);
        if done.changed {
            self.overwrites.push(start, private, BLANKED)?;
        }
        Ok(done.changed)
    }

    /// Note whether the entry's frames are Motion JPEG images: `V_MJPEG`,
    /// or a Video for Windows header (`V_MS/VFW/FOURCC`) whose compression
    /// is a Motion JPEG FourCC.
    pub(super) fn note_motion_jpeg(&mut self) -> Result<()> {
        self.entry.mjpeg = match self.entry.codec_id.as_str() {
            "V_MJPEG" => true,
            "V_MS/VFW/FOURCC" => match self.entry.codec_private {
                // BITMAPINFOHEADER: biCompression at offset 16.
                Some((start, end)) if end - start >= 20 => {
                    let fourcc: [u8; 4] = self.scan.src.read_array(start + 16, STRUCTURE)?;
                    MJPEG_FOURCCS.contains(&&fourcc)
                }
                _ => false,
            },
            _ => false,
        };
        Ok(())
    }

    /// Note a TrackUID, replaced once the entry's TrackNumber is known
    /// (it may come later in the entry).
    pub(super) fn note_track_uid(&mut self, element: &Element, end: u64) -> Result<()> {
        let old = self.value(element, end)?;
        let width = old.len();
        if width == 0 || width > 8 || (end - element.data) as usize != width {
            return Err(Error::malformed(
                STRUCTURE,
                element.start,
                "TrackUID is not a 1 to 8 byte integer",
            ));
        }
        self.entry.pending_uid = Some((element.data, old));
        Ok(())
    }

    /// At the end of a TrackEntry: plan the replacement of its TrackUID by
    /// its TrackNumber (or entry index) of the same width.
    pub(super) fn plan_track_uid(&mut self) {
        let Some((offset, old)) = self.entry.pending_uid.take() else {
            return;
        };
        let width = old.len();
        let fits = |n: u64| n > 0 && (width >= 8 || n < 1u64 << (8 * width));
        let (value, what) = match self.entry.number {
            Some(number) if fits(number) => (number, "the track number"),
            _ => (self.uids.entries, "the entry's index"),
        };
        let new: Vec<u8> = value
            .to_be_bytes()
            .get(8usize.saturating_sub(width)..)
            .unwrap_or_default()
            .to_vec();
        if new == old {
            return;
        }
        let hex: String = old.iter().map(|b| format!("{b:02x}")).collect();
        let finding = Finding::removed(
            Category::Device,
            "Track UID",
            Master::TrackEntry.path(),
            format!("{hex} (becomes {value}, {what})"),
        )
        .with_fate(Fate::Replaced);
        self.uids.planned.push((offset, new, finding));
    }

    /// After the whole `Tracks` element: apply the TrackUID replacements, or
    /// keep the UIDs when a TrackOperation refers to them.
    pub(super) fn apply_track_uids(&mut self) -> Result<bool> {
        let planned = std::mem::take(&mut self.uids.planned);
        let mut changed = false;
        for (offset, bytes, finding) in planned {
            if self.uids.operation {
                let mut kept = finding.with_fate(Fate::Kept);
                kept.needles.clear();
                self.scan.report(kept);
            } else {
                self.overwrites.push(offset, bytes, BLANKED)?;
                self.scan.report(finding);
                changed = true;
            }
        }
        Ok(changed)
    }
}
