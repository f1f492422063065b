//! AVI (RIFF `AVI ` with OpenDML `AVIX` extensions): keep the stream headers
//! and the media, blank everything else in place.
//!
//! **No byte moves.** OpenDML super-indexes (`indx`) and standard indexes
//! (`ix##`) hold absolute file offsets, and `idx1` offsets are relative to
//! `movi`. Every removed chunk is therefore overwritten by a `JUNK` chunk
//! of exactly its size, filled with zeroes: positions stay valid, no RIFF or
//! LIST size needs patching, and the plan can be applied in place.
//!
//! **Allow-list, every kept byte examined.** Kept: `LIST hdrl` with
//! `avih`, each `LIST strl` with `strh`, `strf`, `indx` and `vprp`,
//! `LIST odml` with `dmlh`; `LIST movi` and `idx1`. Each kept header is
//! kept only up to the end of its known fields: reserved fields and bytes
//! after the fields (or after the declared entries of an index) are zeroed.
//! `JUNK` padding is kept with its contents zeroed. In `movi` the chunk
//! headers are walked: audio and video chunks are copied unread, except
//! Motion JPEG frames, whose own metadata segments (Exif, comments) are
//! blanked in place; text-stream chunks are zeroed; `ix##` indexes are
//! kept; `JUNK`, `LIST INFO` and unknown chunks are blanked.
//! Everything else is blanked: `LIST INFO` (artist, comment, `ICRD` date,
//! `ISFT` software, ...), `IDIT` and `ISMP` dates, `strn` stream names,
//! `strd` codec driver data (cameras write their own data there), XMP
//! (`_PMX`), maker chunks (`LIST hydt` Pentax, `LIST ncdt` Nikon, ...) and
//! any chunk this module does not know.
//!
//! **Defensive.** Every size is checked against its parent and the bytes
//! that exist; nesting depth, chunk count, bytes read into memory and bytes
//! of replacements held in memory are limited.

use crate::container::riff::{self, fourcc_name, Chunk, Junk};
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::formats::jpeg::frames::FrameMetadata;
use crate::formats::Planner;
use crate::io::{zero, Source, SourceExt};
use crate::metadata::classify::category_for_name;
use crate::metadata::xmp;
use crate::plan::overwrite::Overwrites;
use crate::plan::Plan;
use crate::scan::Scan;

const STRUCTURE: &str = "AVI chunk";

/// Where a chunk sits, deciding what is kept there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// Inside `RIFF AVI ` or `RIFF AVIX`.
    Riff,
    Hdrl,
    Strl,
    Odml,
}

impl Level {
    fn path(self) -> &'static str {
        match self {
            Level::Riff => "RIFF",
            Level::Hdrl => "RIFF/hdrl",
            Level::Strl => "RIFF/hdrl/strl",
            Level::Odml => "RIFF/hdrl/odml",
        }
    }
}

/// The AVI planner.
pub(crate) struct Avi;

impl Planner for Avi {
    fn plan(scan: &mut Scan<'_>) -> Result<Plan> {
        // Nothing optional is kept from AVI metadata: the policy is unused.
        let src = scan.src;
        let mut walker = Walker {
            src,
            overwrites: Overwrites::with_limits(scan.limits),
            scan,
            streams: Vec::new(),
        };
        walker.run()?;
        for (number, stream) in walker.streams.into_iter().enumerate() {
            let place = format!("RIFF/movi/{number:02}dc");
            walker.scan.report_all(stream.frames.findings(&place));
            if stream.text_chunks > 0 {
                walker.scan.report(
                    Finding::removed(
                        Category::Telemetry,
                        "Text or data stream",
                        format!("RIFF/movi/{number:02}"),
                        format!(
                            "'{}' stream: {} chunk(s), {} (zeroed)",
                            fourcc_name(&stream.kind),
                            stream.text_chunks,
                            human_size(stream.text_bytes)
                        ),
                    )
                    .with_fate(Fate::Zeroed),
                );
            }
        }
        walker.overwrites.into_plan(src.len())
    }
}

struct Walker<'s, 'a> {
    src: &'a dyn Source,
    scan: &'s mut Scan<'a>,
    overwrites: Overwrites,
    /// The streams declared by `strl` lists, in order (their index is the
    /// number in `movi` chunk IDs).
    streams: Vec<Stream>,
}

/// What a `strl` declares about one stream.
#[derive(Debug, Default)]
struct Stream {
    /// `strh` fccType: `vids`, `auds`, `txts`, ...
    kind: [u8; 4],
    /// Whether the video is Motion JPEG (frames are JPEG images).
    mjpeg: bool,
    frames: FrameMetadata,
    text_chunks: u64,
    text_bytes: u64,
}

/// Video codec tags whose frames are JPEG images.
const MJPEG_TAGS: &[&[u8; 4]] = &[
    b"MJPG", b"AVRN", b"AVDJ", b"DMB1", b"MJPA", b"MJPB", b"JPEG", b"IJPG", b"JPGL", b"LJPG",
];

impl Walker<'_, '_> {
    fn run(&mut self) -> Result<()> {
        let len = self.src.len();
        let mut pos = 0u64;
        let mut riffs = 0usize;
        while pos < len {
            let chunk = self.chunk(pos, len)?;
            if &chunk.id != b"RIFF" {
                return Err(Error::malformed(
                    STRUCTURE,
                    pos,
                    format!("expected a RIFF chunk, found '{}'", chunk.name()),
                ));
            }
            let form = self.form(&chunk)?;
            match (&form, riffs) {
                (b"AVI ", 0) | (b"AVIX", 1..) => {}
                _ => {
                    return Err(Error::malformed(
                        STRUCTURE,
                        pos,
                        format!("unexpected RIFF form '{}'", fourcc_name(&form)),
                    ))
                }
            }
            self.list(&chunk, Level::Riff, 1)?;
            riffs += 1;
            pos = chunk.end;
        }
        if riffs == 0 {
            return Err(Error::malformed(STRUCTURE, 0, "empty file"));
        }
        Ok(())
    }

    /// Read the chunk header at `pos`, which must lie with its data inside
    /// `..parent_end`.
    fn chunk(&mut self, pos: u64, parent_end: u64) -> Result<Chunk> {
        let max = self.scan.limits.avi.max_chunks;
        self.scan.enter(pos, max, "number of AVI chunks")?;
        let chunk = riff::read_chunk(self.src, pos, parent_end, STRUCTURE)?;
        if chunk.is_list() && chunk.size < 4 {
            return Err(Error::malformed(STRUCTURE, pos, "LIST without a list type"));
        }
        Ok(chunk)
    }

    fn form(&mut self, list: &Chunk) -> Result<[u8; 4]> {
        riff::form_type(self.src, list, STRUCTURE)
    }

    /// Walk the children of a RIFF or LIST chunk at `level`.
    fn list(&mut self, list: &Chunk, level: Level, depth: usize) -> Result<()> {
        let max = self.scan.limits.avi.max_depth;
        self.scan
            .depth(depth, max, list.start, "AVI nesting depth")?;
        let end = list.data + list.size;
        let mut pos = list.data + 4;
        while pos < end {
            let chunk = self.chunk(pos, end)?;
            self.child(&chunk, level, depth)?;
            pos = chunk.end;
        }
        Ok(())
    }

    fn child(&mut self, chunk: &Chunk, level: Level, depth: usize) -> Result<()> {
        let form = if chunk.is_list() {
            Some(self.form(chunk)?)
        } else {
            None
        };
        let place = level.path();
        match (level, &chunk.id, form.as_ref()) {
            (_, b"JUNK", _) => self.padding(chunk, place),
            (Level::Riff, b"LIST", Some(b"hdrl")) => self.list(chunk, Level::Hdrl, depth + 1),
            (Level::Riff, b"LIST", Some(b"movi")) => self.movi(chunk, depth + 1),
            (Level::Riff, b"idx1", None) => self.legacy_index(chunk, place),
            // dwMicroSecPerFrame .. dwHeight; dwReserved[4] and anything
            // after is zeroed.
            (Level::Hdrl, b"avih", None) => self.keep_fields(chunk, 40, place),
            (Level::Hdrl, b"LIST", Some(b"strl")) => {
                self.streams.push(Stream {
                    frames: FrameMetadata::new(self.scan.policy.keep_orientation),
                    ..Stream::default()
                });
                self.list(chunk, Level::Strl, depth + 1)
            }
            (Level::Hdrl, b"LIST", Some(b"odml")) => self.list(chunk, Level::Odml, depth + 1),
            (Level::Strl, b"strh", None) => self.stream_header(chunk, place),
            (Level::Strl, b"strf", None) => self.stream_format(chunk, place),
            (Level::Strl, b"indx", None) => self.index(chunk, place),
            (Level::Strl, b"vprp", None) => {
                // VideoPropHeader: 9 DWORDs, then nbFieldPerFrame field
                // descriptions of 8 DWORDs.
                let fields = self.u32_at(chunk, 32)?.unwrap_or(0);
                let used = 36 + 32 * u64::from(fields);
                self.keep_fields(chunk, used.min(chunk.size), place)
            }
            // dwTotalFrames; the rest of the header is reserved.
            (Level::Odml, b"dmlh", None) => self.keep_fields(chunk, 4, place),
            (Level::Strl, b"strd", None) => {
                let text = self.text(chunk)?;
                self.scan.report(
                    Finding::removed(
                        Category::Device,
                        "Codec driver data (strd)",
                        place,
                        format!(
                            "{}; {}",
                            human_size(chunk.size),
                            crate::finding::preview(&text)
                        ),
                    )
                    .with_needle(text.as_bytes()),
                );
                self.blank(chunk)
            }
            (_, b"LIST", Some(b"INFO")) => {
                self.describe_info(chunk)?;
                self.blank(chunk)
            }
            (_, b"IDIT", None) => self.remove_text(chunk, Category::Time, "Date (IDIT)", place),
            (_, b"ISMP", None) => {
                self.remove_text(chunk, Category::Time, "SMPTE timecode (ISMP)", place)
            }
            (Level::Strl, b"strn", None) => {
                self.remove_text(chunk, Category::Other, "Stream name", place)
            }
            (_, b"_PMX", None) => {
                let packet = self.value(chunk)?;
                let mark = self.scan.mark();
                self.scan.report_all(xmp::describe(&packet, "RIFF/_PMX"));
                self.scan.report_if_none_since(mark, || {
                    Finding::removed(Category::Other, "XMP", "RIFF/_PMX", human_size(chunk.size))
                });
                self.blank(chunk)
            }
            _ => {
                let name = match form {
                    Some(form) => format!("LIST {}", fourcc_name(&form)),
                    None => chunk.name(),
                };
                let (category, field) = vendor_chunk(chunk.id, form);
                self.scan.report(Finding::removed(
                    category,
                    field,
                    place,
                    format!("'{name}', {}", human_size(chunk.size)),
                ));
                self.blank(chunk)
            }
        }
    }

    /// Read the first bytes of a chunk's data (see [`Scan::read_value`]).
    fn value(&mut self, chunk: &Chunk) -> Result<Vec<u8>> {
        self.scan.read_value(
            chunk.data,
            chunk.size,
            "AVI metadata read into memory",
            STRUCTURE,
        )
    }

    fn text(&mut self, chunk: &Chunk) -> Result<String> {
        let bytes = self.value(chunk)?;
        Ok(String::from_utf8_lossy(&bytes)
            .trim_matches(|c: char| c == '\0' || c.is_whitespace())
            .to_string())
    }

    fn remove_text(
        &mut self,
        chunk: &Chunk,
        category: Category,
        field: &str,
        place: &str,
    ) -> Result<()> {
        let text = self.text(chunk)?;
        self.scan
            .report(Finding::removed(category, field, place, &text).with_needle(&text));
        self.blank(chunk)
    }

    /// Overwrite a whole chunk with a `JUNK` chunk of the same size.
    fn blank(&mut self, chunk: &Chunk) -> Result<()> {
        // The JUNK declares the chunk's own size; its pad byte, if any,
        // is zeroed after it, as RIFF readers expect.
        let what = "AVI bytes blanked in memory";
        self.overwrites
            .blank::<Junk>(chunk.start, chunk.data_end(), STRUCTURE, what)?;
        let pad = chunk.end.saturating_sub(chunk.data_end());
        if pad == 0 {
            return Ok(());
        }
        self.overwrites
            .push_filler(chunk.data_end(), Vec::new(), pad, what)
    }

    /// Keep the first `used` bytes of `chunk`'s data (its known fields);
    /// zero whatever follows, up to the end of the chunk.
    fn keep_fields(&mut self, chunk: &Chunk, used: u64, place: &str) -> Result<()> {
        let from = chunk.data + used.min(chunk.size);
        if zero::is_zero(self.src, from, chunk.end)? {
            return Ok(());
        }
        self.scan.report(
            Finding::removed(
                Category::Other,
                "Bytes after the known fields",
                format!("{place}/{}", chunk.name()),
                human_size(chunk.end - from),
            )
            .with_fate(Fate::Zeroed),
        );
        self.overwrites.push_filler(
            from,
            Vec::new(),
            chunk.end - from,
            "AVI bytes blanked in memory",
        )
    }

    /// A little-endian DWORD at `at` in `chunk`'s data, if it is there.
    fn u32_at(&self, chunk: &Chunk, at: u64) -> Result<Option<u32>> {
        if at + 4 > chunk.size {
            return Ok(None);
        }
        let bytes: [u8; 4] = self.src.read_array(chunk.data + at, STRUCTURE)?;
        Ok(Some(u32::from_le_bytes(bytes)))
    }

    /// `strh`: remember the stream's type and codec; keep the 56 bytes of
    /// AVISTREAMHEADER.
    fn stream_header(&mut self, chunk: &Chunk, place: &str) -> Result<()> {
        let mut head = [0u8; 8];
        let head = self
            .src
            .read_prefix(chunk.data, chunk.data_end(), &mut head)?;
        if let (Some(stream), Some(kind), Some(handler)) = (
            self.streams.last_mut(),
            head.get(..4).and_then(|b| <[u8; 4]>::try_from(b).ok()),
            head.get(4..8).and_then(|b| <[u8; 4]>::try_from(b).ok()),
        ) {
            stream.kind = kind;
            stream.mjpeg |= kind == *b"vids" && is_mjpeg(&handler);
        }
        self.keep_fields(chunk, 56, place)
    }

    /// `strf`: BITMAPINFOHEADER (whose codec data may follow it: kept) or
    /// WAVEFORMATEX (18 bytes and `cbSize` bytes of codec data).
    fn stream_format(&mut self, chunk: &Chunk, place: &str) -> Result<()> {
        let kind = self.streams.last().map(|s| s.kind);
        match kind.as_ref() {
            Some(b"vids") => {
                if let Some(compression) = self.u32_at(chunk, 16)? {
                    if let Some(stream) = self.streams.last_mut() {
                        stream.mjpeg |= is_mjpeg(&compression.to_le_bytes());
                    }
                }
                Ok(())
            }
            Some(b"auds") if chunk.size >= 18 => {
                let extra = self
                    .src
                    .read_array::<2>(chunk.data + 16, STRUCTURE)
                    .map(u16::from_le_bytes)?;
                self.keep_fields(chunk, 18 + u64::from(extra), place)
            }
            _ => Ok(()),
        }
    }

    /// `indx` (OpenDML super index): a 24-byte header and
    /// `nEntriesInUse` entries of `wLongsPerEntry` DWORDs; writers
    /// preallocate room after them, which is slack.
    fn index(&mut self, chunk: &Chunk, place: &str) -> Result<()> {
        let used = self.index_len(chunk)?;
        self.keep_fields(chunk, used, place)
    }

    fn index_len(&self, chunk: &Chunk) -> Result<u64> {
        if chunk.size < 24 {
            return Ok(chunk.size);
        }
        let head: [u8; 8] = self.src.read_array(chunk.data, STRUCTURE)?;
        let [l0, l1, _, _, e0, e1, e2, e3] = head;
        let longs = u64::from(u16::from_le_bytes([l0, l1]));
        let entries = u64::from(u32::from_le_bytes([e0, e1, e2, e3]));
        let used = 24 + entries.saturating_mul(longs).saturating_mul(4);
        if used > chunk.size {
            return Err(Error::overrun(
                STRUCTURE,
                chunk.start,
                format!(
                    "'{}' declares {entries} entries that do not fit its {} bytes",
                    chunk.name(),
                    chunk.size
                ),
            ));
        }
        Ok(used)
    }

    /// `idx1`: 16-byte entries (chunk ID, flags, offset, size), read in
    /// bounded blocks. Every entry must name a chunk (`##dc`, `ix##`,
    /// `rec `, ...): anything else is data nobody reads. A partial entry
    /// after them is slack.
    fn legacy_index(&mut self, chunk: &Chunk, place: &str) -> Result<()> {
        let used = chunk.size - chunk.size % 16;
        let mut block = vec![0u8; 64 * 1024];
        let mut at = 0u64;
        while at < used {
            let n = usize::try_from((used - at).min(block.len() as u64)).unwrap_or(0);
            block.truncate(n);
            self.src.read_at(chunk.data + at, &mut block)?;
            for (i, entry) in block.chunks_exact(16).enumerate() {
                let id = entry.get(..4).unwrap_or_default();
                if !is_chunk_id(id) {
                    return Err(Error::malformed_as(
                        crate::Malformation::Unaccounted,
                        STRUCTURE,
                        chunk.data + at + 16 * i as u64,
                        "an 'idx1' entry that names no chunk",
                    ));
                }
            }
            at += n as u64;
        }
        self.keep_fields(chunk, used, place)
    }

    /// Walk `LIST movi` (and `LIST rec ` inside it): chunk headers only.
    fn movi(&mut self, list: &Chunk, depth: usize) -> Result<()> {
        let max = self.scan.limits.avi.max_depth;
        self.scan
            .depth(depth, max, list.start, "AVI nesting depth")?;
        let place = "RIFF/movi";
        let end = list.data_end();
        let mut pos = list.data + 4;
        while pos < end {
            let chunk = self.chunk(pos, end)?;
            pos = chunk.end;
            let form = if chunk.is_list() {
                Some(self.form(&chunk)?)
            } else {
                None
            };
            let [a, b, c, d] = chunk.id;
            match (&chunk.id, form.as_ref()) {
                (b"LIST", Some(b"rec ")) => self.movi(&chunk, depth + 1)?,
                (b"JUNK", None) => self.padding(&chunk, place)?,
                (b"LIST", Some(b"INFO")) => {
                    self.describe_info(&chunk)?;
                    self.blank(&chunk)?;
                }
                _ if [a, b] == *b"ix" => {
                    let used = self.index_len(&chunk)?;
                    self.keep_fields(&chunk, used, place)?;
                }
                _ if a.is_ascii_digit() && b.is_ascii_digit() && form.is_none() => {
                    let number = usize::from(a - b'0') * 10 + usize::from(b - b'0');
                    self.stream_chunk(&chunk, number, [c, d])?;
                }
                _ => {
                    let name = match form {
                        Some(form) => format!("LIST {}", fourcc_name(&form)),
                        None => chunk.name(),
                    };
                    self.scan.report(Finding::removed(
                        Category::Other,
                        "Unknown chunk",
                        place,
                        format!("'{name}', {}", human_size(chunk.size)),
                    ));
                    self.blank(&chunk)?;
                }
            }
        }
        Ok(())
    }

    /// One data chunk of stream `number` (`kind`: `dc`, `db`, `wb`, `pc`,
    /// `tx`).
    fn stream_chunk(&mut self, chunk: &Chunk, number: usize, kind: [u8; 2]) -> Result<()> {
        let src = self.src;
        let Some(stream) = self.streams.get_mut(number) else {
            return Err(Error::malformed(
                STRUCTURE,
                chunk.start,
                format!("'{}' belongs to no declared stream", chunk.name()),
            ));
        };
        let media = matches!(&stream.kind, b"vids" | b"auds");
        if media && &kind != b"tx" {
            if stream.mjpeg && matches!(&kind, b"dc" | b"db") {
                let edits = stream
                    .frames
                    .blank_frame(src, chunk.data, chunk.data_end())?;
                for (offset, head, zeros) in edits {
                    self.overwrites.push_filler(
                        offset,
                        head,
                        zeros,
                        "AVI bytes blanked in memory",
                    )?;
                }
            }
            return Ok(());
        }
        // Text, data and other non-media streams (subtitles, telemetry):
        // their payload goes, the chunk stays where indexes expect it.
        if zero::is_zero(src, chunk.data, chunk.data_end())? {
            return Ok(());
        }
        stream.text_chunks += 1;
        stream.text_bytes += chunk.size;
        if chunk.size > 0 {
            self.overwrites.push_filler(
                chunk.data,
                Vec::new(),
                chunk.size,
                "AVI bytes blanked in memory",
            )?;
        }
        Ok(())
    }

    /// `JUNK` is padding: kept, but whatever a writer left in it is zeroed.
    fn padding(&mut self, chunk: &Chunk, place: &str) -> Result<()> {
        let Some(dirty) = zero::first_nonzero(self.src, chunk.data, chunk.end)? else {
            return Ok(());
        };
        let mut sample = [0u8; 64];
        let text: String = self
            .src
            .read_prefix(dirty, chunk.end, &mut sample)?
            .iter()
            .filter(|b| b.is_ascii_graphic() || **b == b' ')
            .take(40)
            .map(|b| char::from(*b))
            .collect();
        // The chunk stays (it holds positions in place); its bytes go.
        self.scan.report(
            Finding::removed(
                Category::Other,
                "Padding with data (JUNK)",
                place,
                format!("{}; {text}", human_size(chunk.size)),
            )
            .with_fate(Fate::Zeroed),
        );
        let len = chunk.end - chunk.data;
        self.overwrites
            .push_filler(chunk.data, Vec::new(), len, "AVI bytes blanked in memory")
    }

    /// One finding per `LIST INFO` entry.
    fn describe_info(&mut self, list: &Chunk) -> Result<()> {
        let end = list.data + list.size;
        let mut pos = list.data + 4;
        let mark = self.scan.mark();
        while pos < end {
            let entry = self.chunk(pos, end)?;
            let text = self.text(&entry)?;
            let (name, label) = info_name(entry.id);
            let category = category_for_name(name);
            self.scan.report(
                Finding::removed(
                    category,
                    label,
                    format!("RIFF/INFO/{}", entry.name()),
                    &text,
                )
                .with_needle(&text),
            );
            pos = entry.end;
        }
        self.scan.report_if_none_since(mark, || {
            Finding::removed(
                Category::Other,
                "Information list",
                "RIFF/INFO",
                human_size(list.size),
            )
        });
        Ok(())
    }
}

/// Whether `id` can name a chunk an index points to: a stream's data
/// (`00dc`, `01wb`, ...), a standard index (`ix00`), a `rec ` list or a
/// `JUNK`/`LIST` chunk.
fn is_chunk_id(id: &[u8]) -> bool {
    match id {
        [a, b, c, d] if a.is_ascii_digit() && b.is_ascii_digit() => {
            c.is_ascii_alphabetic() && d.is_ascii_alphabetic()
        }
        [b'i', b'x', c, d] => c.is_ascii_alphanumeric() && d.is_ascii_alphanumeric(),
        b"rec " | b"LIST" | b"JUNK" => true,
        _ => false,
    }
}

/// Whether a codec tag names Motion JPEG.
fn is_mjpeg(tag: &[u8; 4]) -> bool {
    let upper = tag.map(|b| b.to_ascii_uppercase());
    MJPEG_TAGS.contains(&&upper)
}

/// Names of the RIFF INFO entries: a classification name (fed to
/// [`category_for_name`]) and a label for reports.
pub(crate) fn info_name(id: [u8; 4]) -> (&'static str, &'static str) {
    match &id {
        b"IARL" => ("ArchivalLocation", "Archival location (IARL)"),
        b"IART" => ("Artist", "Artist (IART)"),
        b"ICMS" => ("CommissionedBy", "Commissioned by (ICMS)"),
        b"ICMT" => ("Comment", "Comment (ICMT)"),
        b"ICOP" => ("Copyright", "Copyright (ICOP)"),
        b"ICRD" => ("DateCreated", "Date created (ICRD)"),
        b"IDIT" => ("DateTimeOriginal", "Date (IDIT)"),
        b"IENG" => ("EngineerName", "Engineer (IENG)"),
        b"ITCH" => ("TechnicianName", "Technician (ITCH)"),
        b"ISFT" => ("Software", "Software (ISFT)"),
        b"ISRC" => ("SourcePerson", "Source (ISRC)"),
        b"INAM" => ("Title", "Title (INAM)"),
        b"ISBJ" => ("Subject", "Subject (ISBJ)"),
        b"IKEY" => ("Keywords", "Keywords (IKEY)"),
        b"IGNR" => ("Genre", "Genre (IGNR)"),
        b"IPRD" => ("Product", "Product (IPRD)"),
        b"ISMP" => ("TimeCode", "SMPTE timecode (ISMP)"),
        b"ICNM" => ("Cinematographer", "Cinematographer (ICNM)"),
        b"IPRO" => ("Producer", "Producer (IPRO)"),
        b"ISTR" => ("Performer", "Starring (ISTR)"),
        b"IWRI" => ("Writer", "Written by (IWRI)"),
        b"IDST" => ("Publisher", "Distributed by (IDST)"),
        b"IENC" => ("EncodedBy", "Encoded by (IENC)"),
        b"IMED" => ("Medium", "Medium (IMED)"),
        _ => ("Information", "Information entry"),
    }
}

/// What a removed, otherwise unknown chunk probably is.
fn vendor_chunk(id: [u8; 4], form: Option<[u8; 4]>) -> (Category, &'static str) {
    match (&id, form.as_ref()) {
        (b"LIST", Some(b"hydt")) | (b"LIST", Some(b"pntx")) | (b"PENT", _) => {
            (Category::Device, "Pentax maker data")
        }
        (b"LIST", Some(b"ncdt")) | (b"nctg", _) => (Category::Device, "Nikon maker data"),
        (b"LIST", Some(b"Tdat")) => (Category::Other, "Adobe timecode and reel names"),
        (b"CASI", _) | (b"Casi", _) => (Category::Device, "Casio maker data"),
        (b"FUJI", _) => (Category::Device, "Fujifilm maker data"),
        (b"olym", _) | (b"OLYM", _) => (Category::Device, "Olympus maker data"),
        (b"thum", _) => (Category::Embedded, "Thumbnail"),
        _ => (Category::Other, "Unknown chunk"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;
    use mediascrub_fixtures::riff::{chunk, list};

    fn plan(src: &dyn Source, policy: &Policy) -> Result<crate::Inspection> {
        crate::formats::inspect_for_test(crate::Format::Avi, src, policy)
    }
    use crate::finding::Fate;

    const FRAME: &[u8] = b"\xFF\xD8 frame payload \xFF\xD9";
    /// An OpenDML super index: 4 DWORDs per entry, one entry in use.
    const INDX: &[u8] = b"\x04\x00\x00\x00\x01\x00\x00\x0000dc\0\0\0\0\0\0\0\0\0\0\0\0\
        \x10\x00\x00\x00\x00\x00\x00\x00\x20\x00\x00\x00\x01\x00\x00\x00";
    /// A standard index: 2 DWORDs per entry, one entry.
    const IX00: &[u8] = b"\x02\x00\x00\x01\x01\x00\x00\x0000dc\x08\0\0\0\0\0\0\0\0\0\0\0\
        \x08\x00\x00\x00\x12\x00\x00\x00";

    fn sample() -> Vec<u8> {
        let strl = list(
            b"LIST",
            b"strl",
            &[
                chunk(b"strh", &[&b"vidsH264"[..], &[0; 48]].concat()),
                chunk(b"strf", &[2; 40]),
                chunk(b"indx", INDX),
                chunk(b"strn", b"Alice's holiday camera"),
            ],
        );
        let hdrl = list(
            b"LIST",
            b"hdrl",
            &[
                chunk(b"avih", &[3; 56]),
                strl,
                list(b"LIST", b"odml", &[chunk(b"dmlh", &[0; 248])]),
                chunk(b"IDIT", b"Mon Mar 10 15:04:43 2003\n\0"),
            ],
        );
        let info = list(
            b"LIST",
            b"INFO",
            &[
                chunk(b"IART", b"Alice Example\0"),
                chunk(b"ISFT", b"CameraSoft 1.0\0"),
            ],
        );
        let movi = list(
            b"LIST",
            b"movi",
            &[chunk(b"00dc", FRAME), chunk(b"ix00", IX00)],
        );
        let first = list(
            b"RIFF",
            b"AVI ",
            &[
                hdrl,
                info,
                chunk(b"JUNK", b"PENTAX serial 1234567"),
                list(
                    b"LIST",
                    b"hydt",
                    &[chunk(b"hymn", b"PENTAX K-x maker notes")],
                ),
                movi.clone(),
                chunk(b"idx1", b"00dc\x10\0\0\0\x04\0\0\0\x05\0\0\0"),
            ],
        );
        let second = list(
            b"RIFF",
            b"AVIX",
            &[movi, chunk(b"CASI", b"Casio QV serial")],
        );
        [first, second].concat()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn blanks_metadata_in_place_and_keeps_streams_and_indexes() {
        let input = sample();
        let inspection = plan(&input, &Policy::default()).unwrap();
        assert!(inspection.plan.is_in_place(input.len() as u64));
        let out = inspection.plan.to_vec(&input).unwrap();
        assert_eq!(out.len(), input.len());
        for secret in [
            &b"Alice"[..],
            b"CameraSoft",
            b"15:04:43",
            b"PENTAX",
            b"Casio",
            b"hydt",
            b"INFO",
        ] {
            assert!(
                !contains(&out, secret),
                "{:?} survived",
                String::from_utf8_lossy(secret)
            );
        }
        for kept in [FRAME, INDX, b"idx1", b"dmlh", b"AVIX", IX00] {
            assert!(
                contains(&out, kept),
                "{:?} lost",
                String::from_utf8_lossy(kept)
            );
        }
        // The stream name became JUNK of the same size, inside its strl.
        let strn_at = input.windows(4).position(|w| w == b"strn").unwrap();
        assert_eq!(&out[strn_at..strn_at + 8], b"JUNK\x16\0\0\0");
        assert!(out[strn_at + 8..strn_at + 8 + 22].iter().all(|b| *b == 0));
        let fields: Vec<&str> = inspection
            .findings
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        for field in [
            "Artist (IART)",
            "Software (ISFT)",
            "Date (IDIT)",
            "Stream name",
            "Pentax maker data",
            "Casio maker data",
            "Padding with data (JUNK)",
        ] {
            assert!(fields.contains(&field), "no {field} in {fields:?}");
        }
        let artist = inspection
            .findings
            .iter()
            .find(|f| f.field == "Artist (IART)")
            .unwrap();
        assert_eq!(
            (artist.category, artist.value.as_str()),
            (Category::Identity, "Alice Example")
        );
        let again = plan(&out, &Policy::default()).unwrap();
        assert!(
            again.findings.iter().all(|f| f.fate == Fate::Kept),
            "{:?}",
            again.findings
        );
    }

    #[test]
    fn truncations_are_errors_not_panics() {
        let input = sample();
        let first_riff_end = 8 + u32::from_le_bytes(input[4..8].try_into().unwrap()) as usize;
        for cut in 0..input.len() {
            let result = plan(&&input[..cut], &Policy::default());
            // A file cut exactly after its first RIFF is a complete AVI.
            assert_eq!(result.is_ok(), cut == first_riff_end, "cut at {cut}");
        }
    }

    #[test]
    fn sizes_past_the_end_are_errors_not_allocations() {
        let mut input = sample();
        // The IART entry claims 4 GB.
        let at = input.windows(4).position(|w| w == b"IART").unwrap();
        input[at + 4..at + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        let err = plan(&input, &Policy::default()).unwrap_err();
        assert_eq!(
            err.malformation(),
            Some(crate::Malformation::Overrun),
            "{err}"
        );
    }

    #[test]
    fn other_riff_forms_are_refused() {
        let input = list(b"RIFF", b"WAVE", &[chunk(b"data", &[0; 4])]);
        assert!(plan(&input, &Policy::default()).is_err());
        let input = list::<Vec<u8>>(b"RIFF", b"AVIX", &[]);
        assert!(
            plan(&input, &Policy::default()).is_err(),
            "AVIX cannot come first"
        );
    }

    #[test]
    fn odd_chunks_are_padded_and_blanked_with_the_pad() {
        let input = list(
            b"RIFF",
            b"AVI ",
            &[chunk(b"IDIT", b"odd"), chunk(b"idx1", &[0; 4])],
        );
        let inspection = plan(&input, &Policy::default()).unwrap();
        let out = inspection.plan.to_vec(&input).unwrap();
        assert_eq!(&out[12..24], b"JUNK\x03\0\0\0\0\0\0\0");
        assert_eq!(&out[24..28], b"idx1");
    }

    #[test]
    fn kept_chunks_are_examined_to_their_last_byte() {
        let secret = b"Jane Planted hides here";
        let with = |known: &[u8]| [known, &secret[..]].concat();
        let strl = list(
            b"LIST",
            b"strl",
            &[
                chunk(b"strh", &with(&[&b"vidsH264"[..], &[0; 48]].concat())),
                chunk(b"strf", &[2; 40]),
                chunk(b"strd", b"PENTAX camera driver data"),
                chunk(b"indx", &with(INDX)),
                chunk(b"vprp", &with(&[0; 36])),
            ],
        );
        let text_strl = list(
            b"LIST",
            b"strl",
            &[chunk(b"strh", &[&b"txts\0\0\0\0"[..], &[0; 48]].concat())],
        );
        let hdrl = list(
            b"LIST",
            b"hdrl",
            &[
                chunk(b"avih", &[&[1u8; 40][..], &secret[..16]].concat()),
                strl,
                text_strl,
                list(b"LIST", b"odml", &[chunk(b"dmlh", &with(&[9, 0, 0, 0]))]),
            ],
        );
        let movi = list(
            b"LIST",
            b"movi",
            &[
                chunk(b"00dc", FRAME),
                chunk(b"01tx", b"GPS 59.4370 24.7536"),
                chunk(b"JUNK", secret),
                chunk(b"zzzz", secret),
                list(b"LIST", b"rec ", &[chunk(b"00dc", FRAME)]),
                chunk(b"ix00", &with(IX00)),
            ],
        );
        let input = list(
            b"RIFF",
            b"AVI ",
            &[
                hdrl,
                movi,
                chunk(
                    b"idx1",
                    &[&b"00dc\x10\0\0\0\x04\0\0\0\x05\0\0\0"[..], &secret[..12]].concat(),
                ),
            ],
        );
        let inspection = plan(&input, &Policy::default()).unwrap();
        let out = inspection.plan.to_vec(&input).unwrap();
        assert_eq!(out.len(), input.len());
        for gone in [&secret[..16], b"PENTAX", b"GPS 59.4370"] {
            assert!(
                !contains(&out, gone),
                "{:?} survived",
                String::from_utf8_lossy(gone)
            );
        }
        for kept in [FRAME, INDX, IX00, b"vidsH264", &[9, 0, 0, 0], &[1; 40]] {
            assert!(contains(&out, kept), "{kept:?} lost");
        }
        let again = plan(&out, &Policy::default()).unwrap();
        assert!(
            again.findings.iter().all(|f| f.fate == Fate::Kept),
            "{:?}",
            again.findings
        );
        // An index entry that names no chunk is data nobody reads.
        let hidden_entry = list(b"RIFF", b"AVI ", &[chunk(b"idx1", &secret[..16])]);
        assert!(plan(&hidden_entry, &Policy::default()).is_err());
        // A data chunk of a stream nobody declared is not guessed at.
        let stray = list(
            b"RIFF",
            b"AVI ",
            &[list(b"LIST", b"movi", &[chunk(b"07dc", FRAME)])],
        );
        assert!(plan(&stray, &Policy::default()).is_err());
    }
}
