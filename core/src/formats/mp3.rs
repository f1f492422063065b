//! MPEG audio (MP3; MP2 and layer I too): keep the audio frames, drop the
//! tags around them.
//!
//! An MP3 file is a chain of audio frames, each a 4-byte header from which
//! its length follows, with tags before (ID3v2) and after (APE, Lyrics3,
//! ID3v1, appended ID3v2). The frames are walked header by header from the
//! first to the last — their payload is copied by range, never read — so
//! every byte of the output is a frame this module measured.
//!
//! **Kept.** Every audio frame, as it is; the Xing/Info or VBRI frame at
//! the start (the frame count, byte count, seek table, quality and
//! LAME's gapless fields — encoder delay and padding, which decoders use to
//! trim the start and end — are needed for seeking and exact duration).
//!
//! **Zeroed** in the info frame: the LAME tag's encoder version (`LAME3.100`
//! becomes `LAME` and zeroes: ffmpeg reads the gapless fields only after
//! `LAME`, `Lavc` or `Lavf`, so those four letters stay; an extension under
//! any other name is not read by decoders and is zeroed whole), with the
//! tag's CRC recomputed when it was valid; every byte of the frame after
//! the known fields, except those the next frame's bit reservoir takes its
//! start from.
//!
//! **Removed.** ID3v2 tags (before, inside or after the frames), ID3v1 and
//! its `TAG+` block, APEv1/APEv2, Lyrics3, zero padding between frames.
//! A file with bytes that are neither a frame nor a tag between its frames
//! is refused (they could hide anything, and decoders skip them). Not
//! removed: the encoder's own name inside the frames (LAME writes
//! `LAME3.100` into unused frame bits): that is audio data, never edited.
//!
//! **Defensive.** Every tag's size is checked against the file; frames
//! must keep the first frame's version, layer and sample rate; the frame
//! count is limited; free-format streams (frames without a bit rate, whose
//! length only a decoder can find) are refused.

use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::formats::{tags, Planner};
use crate::io::{zero, Source, SourceExt};
use crate::metadata::id3::{self, ApeFooter};
use crate::plan::Plan;
use crate::scan::Scan;

const STRUCTURE: &str = "MPEG audio frame";
const PLACE: &str = "MP3";

/// Bytes read at a time while walking frame headers.
const WINDOW: usize = 64 * 1024;

/// The MP3 planner.
pub(crate) struct Mp3;

impl Planner for Mp3 {
    fn plan(scan: &mut Scan<'_>) -> Result<Plan> {
        let src = scan.src;
        let start = tags::leading_id3(scan, 0, PLACE)?;
        let end = tags::trailing(scan, start, src.len(), PLACE)?;
        if start < src.len() && src.len() - start >= 4 {
            let magic: [u8; 4] = src.read_array(start, STRUCTURE)?;
            if &magic == b"fLaC" {
                return Err(Error::malformed(
                    STRUCTURE,
                    start,
                    "a FLAC stream behind the ID3 tag, not MPEG audio",
                ));
            }
        }
        let mut walker = Walker {
            scan,
            window: Window::new(src),
            plan: Plan::new(),
            first: None,
            frames: 0,
        };
        walker.walk(start, end)?;
        if walker.frames == 0 {
            return Err(Error::malformed(STRUCTURE, start, "no MPEG audio frame"));
        }
        Ok(walker.plan)
    }
}

/// MPEG version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    V1,
    V2,
    V25,
}

/// A frame header, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Header {
    version: Version,
    layer: u8,
    protected: bool,
    sample_rate: u32,
    mono: bool,
    /// The whole frame, header included.
    len: u64,
}

/// What four bytes are.
#[derive(Debug, PartialEq, Eq)]
enum Sync {
    Frame(Header),
    /// A frame header without a bit rate.
    FreeFormat,
    No,
}

impl Header {
    fn parse(bytes: [u8; 4]) -> Sync {
        let [b0, b1, b2, b3] = bytes;
        if b0 != 0xFF || b1 & 0xE0 != 0xE0 {
            return Sync::No;
        }
        let version = match (b1 >> 3) & 3 {
            0 => Version::V25,
            2 => Version::V2,
            3 => Version::V1,
            _ => return Sync::No,
        };
        let layer = match (b1 >> 1) & 3 {
            1 => 3,
            2 => 2,
            3 => 1,
            _ => return Sync::No,
        };
        let bitrate_index = usize::from(b2 >> 4);
        let rate_index = usize::from((b2 >> 2) & 3);
        if bitrate_index == 15 || rate_index == 3 {
            return Sync::No;
        }
        if bitrate_index == 0 {
            return Sync::FreeFormat;
        }
        const V1_L1: [u32; 15] = [
            0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
        ];
        const V1_L2: [u32; 15] = [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
        ];
        const V1_L3: [u32; 15] = [
            0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        ];
        const V2_L1: [u32; 15] = [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
        ];
        const V2_L23: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
        let table = match (version, layer) {
            (Version::V1, 1) => &V1_L1,
            (Version::V1, 2) => &V1_L2,
            (Version::V1, _) => &V1_L3,
            (_, 1) => &V2_L1,
            _ => &V2_L23,
        };
        let rates: [u32; 3] = match version {
            Version::V1 => [44100, 48000, 32000],
            Version::V2 => [22050, 24000, 16000],
            Version::V25 => [11025, 12000, 8000],
        };
        let (Some(&kbps), Some(&sample_rate)) = (table.get(bitrate_index), rates.get(rate_index))
        else {
            return Sync::No;
        };
        let bitrate = u64::from(kbps) * 1000;
        let rate = u64::from(sample_rate);
        let padding = u64::from((b2 >> 1) & 1);
        let len = match (layer, version) {
            (1, _) => (12 * bitrate / rate + padding) * 4,
            (3, Version::V2 | Version::V25) => 72 * bitrate / rate + padding,
            _ => 144 * bitrate / rate + padding,
        };
        Sync::Frame(Header {
            version,
            layer,
            protected: b1 & 1 == 0,
            sample_rate,
            mono: b3 >> 6 == 3,
            len,
        })
    }

    /// Offset of the layer III side information's end (where the Xing tag
    /// sits), from the frame start.
    fn side_info_end(&self) -> u64 {
        let side = match (self.version, self.mono) {
            (Version::V1, false) => 32,
            (Version::V1, true) | (_, false) => 17,
            (_, true) => 9,
        };
        4 + if self.protected { 2 } else { 0 } + side
    }

    /// Whether `other` can follow in the same stream.
    fn same_stream(&self, other: &Header) -> bool {
        self.version == other.version
            && self.layer == other.layer
            && self.sample_rate == other.sample_rate
    }
}

/// Reads frame headers in blocks rather than one call each.
struct Window<'a> {
    src: &'a dyn Source,
    start: u64,
    buf: Vec<u8>,
}

impl<'a> Window<'a> {
    fn new(src: &'a dyn Source) -> Self {
        Window {
            src,
            start: 0,
            buf: Vec::new(),
        }
    }

    /// The `N` bytes at `pos`, if they lie before `end`.
    fn get<const N: usize>(&mut self, pos: u64, end: u64) -> Result<Option<[u8; N]>> {
        if end.saturating_sub(pos) < N as u64 {
            return Ok(None);
        }
        let inside = pos >= self.start && pos + N as u64 <= self.start + self.buf.len() as u64;
        if !inside {
            let len = (end - pos).min(WINDOW as u64) as usize;
            self.buf.resize(len, 0);
            self.src.read_at(pos, &mut self.buf)?;
            self.start = pos;
        }
        let at = (pos - self.start) as usize;
        Ok(self
            .buf
            .get(at..at + N)
            .and_then(|b| <[u8; N]>::try_from(b).ok()))
    }
}

struct Walker<'s, 'a> {
    scan: &'s mut Scan<'a>,
    window: Window<'a>,
    plan: Plan,
    first: Option<Header>,
    frames: u64,
}

impl Walker<'_, '_> {
    fn walk(&mut self, start: u64, end: u64) -> Result<()> {
        let mut pos = start;
        while pos < end {
            let Some(bytes) = self.window.get::<4>(pos, end)? else {
                self.leftover(pos, end)?;
                return Ok(());
            };
            let header = match Header::parse(bytes) {
                Sync::Frame(header) if self.first.is_none_or(|f| f.same_stream(&header)) => header,
                Sync::FreeFormat if self.first.is_none() => {
                    return Err(Error::Unsupported(
                        "free-format MPEG audio (frames without a bit rate) is not supported"
                            .to_string(),
                    ))
                }
                _ => {
                    pos = self.between(pos, end)?;
                    continue;
                }
            };
            let max = self.scan.limits.audio.max_mp3_frames;
            self.scan.enter(pos, max, "number of MPEG audio frames")?;
            let frame_end = pos.saturating_add(header.len);
            if frame_end > end {
                // The last frame is cut short (a truncated file): its
                // bytes are audio, kept as they are.
                self.plan.copy(pos, end - pos);
                self.frames += 1;
                return Ok(());
            }
            if self.first.is_none() {
                self.first = Some(header);
                if header.layer == 3 && self.info_frame(pos, &header, end)? {
                    self.frames += 1;
                    pos = frame_end;
                    continue;
                }
            }
            self.plan.copy(pos, header.len);
            self.frames += 1;
            pos = frame_end;
        }
        Ok(())
    }

    /// What lies at `pos` where no frame is: zero padding (dropped), an
    /// ID3v2 or APE tag between the frames (removed), or junk (refused).
    /// Returns where the walk goes on.
    fn between(&mut self, pos: u64, end: u64) -> Result<u64> {
        let src = self.scan.src;
        let Some(bytes) = self.window.get::<10>(pos, end)? else {
            self.leftover(pos, end)?;
            return Ok(end);
        };
        if bytes.first() == Some(&0) {
            return Ok(zero::first_nonzero(src, pos, end)?.unwrap_or(end));
        }
        if bytes.starts_with(b"ID3") {
            let after = tags::leading_id3(self.scan, pos, PLACE)?;
            if after > end {
                return Err(Error::overrun(
                    "ID3v2 tag",
                    pos,
                    "it runs into the tags after the audio",
                ));
            }
            return Ok(after);
        }
        if let Some(head) = self.window.get::<32>(pos, end)? {
            if let Some(footer) = ApeFooter::parse(&head) {
                // An APE tag with its header, inside the stream: the size
                // counts the items and the footer.
                let tag_end = pos
                    .checked_add(id3::APE_FOOTER_LEN + footer.size)
                    .filter(|e| *e <= end && footer.size >= id3::APE_FOOTER_LEN);
                let Some(tag_end) = tag_end else {
                    return Err(Error::overrun(
                        "APE tag",
                        pos,
                        "its size runs past the audio's end",
                    ));
                };
                let items = tags::read(
                    self.scan,
                    pos + id3::APE_FOOTER_LEN,
                    footer.size - id3::APE_FOOTER_LEN,
                    "APE tag",
                )?;
                let findings = id3::describe_ape(&items, &footer, PLACE);
                self.scan.report_all(findings);
                return Ok(tag_end);
            }
        }
        Err(Error::malformed(
            STRUCTURE,
            pos,
            "bytes that are neither an audio frame nor a tag (the stream is broken here)",
        ))
    }

    /// Fewer than four bytes after the last frame: dropped (reported when
    /// not zero).
    fn leftover(&mut self, pos: u64, end: u64) -> Result<()> {
        if !zero::is_zero(self.scan.src, pos, end)? {
            self.scan.report(Finding::removed(
                Category::Other,
                "Bytes after the last frame",
                PLACE,
                human_size(end - pos),
            ));
        }
        Ok(())
    }

    /// The first frame, if it is a Xing/Info or VBRI frame: rewritten with
    /// its encoder version and unknown bytes zeroed. Returns whether it was
    /// one (and is planned).
    fn info_frame(&mut self, pos: u64, header: &Header, end: u64) -> Result<bool> {
        let src = self.scan.src;
        let len = usize::try_from(header.len).unwrap_or(0);
        let mut frame = src.read_vec(pos, header.len, 4096, STRUCTURE)?;
        let xing_at = header.side_info_end() as usize;
        let xing = frame.get(xing_at..xing_at + 4);
        let (kind, fields_end) = if xing == Some(b"Xing") || xing == Some(b"Info") {
            let flags = frame
                .get(xing_at + 4..xing_at + 8)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_be_bytes)
                .unwrap_or(0);
            let mut fields = xing_at + 8;
            for (bit, size) in [(1, 4), (2, 4), (4, 100), (8, 4)] {
                if flags & bit != 0 {
                    fields += size;
                }
            }
            if flags & !0xF != 0 || fields > len {
                return Err(Error::malformed(
                    STRUCTURE,
                    pos,
                    "a Xing/Info tag with unknown flags or fields past its frame",
                ));
            }
            ("Xing", fields)
        } else if frame.get(36..40) == Some(b"VBRI") {
            let word = |at: usize| {
                frame
                    .get(at..at + 2)
                    .and_then(|b| <[u8; 2]>::try_from(b).ok())
                    .map(|b| usize::from(u16::from_be_bytes(b)))
                    .unwrap_or(0)
            };
            // Version, delay, quality, bytes, frames, then the seek table:
            // entry count, scale, entry size, frames per entry.
            let fields = 36 + 26 + word(36 + 18) * word(36 + 22);
            if fields > len {
                return Err(Error::malformed(
                    STRUCTURE,
                    pos,
                    "a VBRI seek table past its frame",
                ));
            }
            ("VBRI", fields)
        } else {
            return Ok(false);
        };
        let mut known = fields_end;
        if kind == "Xing" {
            known = self.lame(pos, &mut frame, fields_end);
        }
        // The next frame may take the start of its data from the end of
        // this one (the layer III bit reservoir): those bytes are audio.
        let reservoir = self.reservoir(pos + header.len, header, end)?;
        let blank_end = len.saturating_sub(reservoir).max(known);
        if let Some(slack) = frame.get_mut(known..blank_end) {
            if slack.iter().any(|b| *b != 0) {
                let mut finding = Finding::removed(
                    Category::Other,
                    "Bytes after the info tag",
                    format!("{PLACE}/{kind}"),
                    human_size(slack.len() as u64),
                )
                .with_fate(Fate::Zeroed);
                for run in crate::metadata::subtitle::printable_runs(slack)
                    .into_iter()
                    .take(16)
                {
                    finding = finding.with_needle(run.as_bytes());
                }
                self.scan.report(finding);
                slack.fill(0);
            }
        }
        self.plan.data(frame);
        Ok(true)
    }

    /// The LAME extension after the Xing fields at `at`, if there is one:
    /// its encoder version blanked, its CRC kept valid. Returns the end of
    /// the known fields.
    fn lame(&mut self, pos: u64, frame: &mut [u8], at: usize) -> usize {
        const EXTENSION: usize = 36;
        let Some(version) = frame.get(at..at + 9) else {
            return at;
        };
        // Only these names make decoders read the gapless fields (ffmpeg);
        // after any other, the extension is unknown bytes, zeroed by the
        // caller like the rest of the frame.
        if !matches!(version.get(..4), Some(b"LAME" | b"Lavc" | b"Lavf"))
            || frame.len() < at + EXTENSION
        {
            return at;
        }
        let text: String = version
            .iter()
            .take_while(|b| **b != 0)
            .map(|b| char::from(*b))
            .collect();
        let blank_from = 4;
        let crc_at = at + EXTENSION - 2;
        let stored = frame
            .get(crc_at..crc_at + 2)
            .and_then(|b| <[u8; 2]>::try_from(b).ok())
            .map(u16::from_be_bytes)
            .unwrap_or(0);
        let crc_valid = frame.get(..crc_at).map(crc16) == Some(stored);
        let Some(blank) = frame.get_mut(at + blank_from..at + 9) else {
            return at + EXTENSION;
        };
        if blank.iter().all(|b| *b == 0) {
            return at + EXTENSION;
        }
        blank.fill(0);
        if crc_valid {
            let crc = frame.get(..crc_at).map(crc16).unwrap_or(0);
            if let Some(field) = frame.get_mut(crc_at..crc_at + 2) {
                field.copy_from_slice(&crc.to_be_bytes());
            }
        }
        // No needle: LAME writes the same string into the unused bits of
        // the audio frames, which are kept.
        let _ = pos;
        self.scan.report(
            Finding::removed(
                Category::Software,
                "Encoder version (LAME tag)",
                format!("{PLACE}/Xing/LAME"),
                &text,
            )
            .with_fate(Fate::Zeroed),
        );
        at + EXTENSION
    }

    /// How many bytes at the end of the frame ending at `next` the frame
    /// starting there takes as the start of its data (its
    /// `main_data_begin`).
    fn reservoir(&mut self, next: u64, first: &Header, end: u64) -> Result<usize> {
        let Some(bytes) = self.window.get::<4>(next, end)? else {
            return Ok(0);
        };
        let Sync::Frame(header) = Header::parse(bytes) else {
            return Ok(0);
        };
        if !first.same_stream(&header) {
            return Ok(0);
        }
        let side = next + 4 + if header.protected { 2 } else { 0 };
        let Some([a, b]) = self.window.get::<2>(side, end)? else {
            return Ok(0);
        };
        Ok(match header.version {
            Version::V1 => usize::from(a) << 1 | usize::from(b >> 7),
            _ => usize::from(a),
        })
    }
}

/// CRC-16 as LAME computes its tag's checksum (polynomial 0x8005,
/// reflected, initial value 0: CRC-16/ARC).
fn crc16(bytes: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &byte in bytes {
        crc ^= u16::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests;
