//! Ogg Vorbis and Ogg Opus: blank the comment header, keep every other
//! byte.
//!
//! An Ogg file is a sequence of pages (a 27-byte header, a lacing table
//! and up to 255 segments of data, protected by a CRC over the whole
//! page); the packets of each logical stream run across them. Each stream
//! starts with header packets: Vorbis has identification, comment and
//! setup; Opus has `OpusHead` and `OpusTags`. The second packet — the
//! comment header, holding the vendor string and every `NAME=value` tag,
//! cover art (`METADATA_BLOCK_PICTURE`) included — is where the metadata
//! is.
//!
//! **Lossless and verifiable.** Changing the comment packet's length would
//! change how it is laced into pages, hence the pages' count, their
//! sequence numbers and the CRC of every page after it: every audio page
//! would have to be read and rewritten. Instead the comment packet is
//! rewritten **at the same length** — the vendor string becomes as many
//! zero bytes as the old vendor string and comments took, the comment
//! count 0, and (Vorbis) the framing bit is kept — so the lacing, the page
//! boundaries, the sequence numbers and the granule positions are all
//! unchanged. Only the pages carrying the comment packet are rewritten
//! (their other packets copied unchanged into them, their CRC recomputed
//! after checking the old one); every other page is copied by range,
//! never read beyond its header.
//!
//! **Refused**: logical streams other than Vorbis and Opus (Ogg FLAC,
//! Speex, Theora video, Skeleton, …), a page with a bad CRC among those
//! rewritten, a stream whose comment header is cut short, bytes that are
//! not a page before every stream has ended. A last page cut short by the
//! end of the file (which decoders discard) and bytes after the last
//! stream's end are dropped and reported.

use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Finding};
use crate::formats::Planner;
use crate::io::SourceExt;
use crate::metadata::{trailer, vorbis};
use crate::plan::Plan;
use crate::scan::Scan;

const STRUCTURE: &str = "Ogg page";

/// Page header flags.
const CONTINUED: u8 = 0x01;
const FIRST: u8 = 0x02;
const LAST: u8 = 0x04;

/// The Ogg planner.
pub(crate) struct Ogg;

impl Planner for Ogg {
    fn plan(scan: &mut Scan<'_>) -> Result<Plan> {
        let mut walker = Walker {
            scan,
            streams: Vec::new(),
            out: Vec::new(),
            held: 0,
        };
        walker.walk()?;
        let Walker { out, streams, .. } = walker;
        if streams.is_empty() {
            return Err(Error::malformed(STRUCTURE, 0, "no Ogg stream"));
        }
        if let Some(open) = streams
            .iter()
            .find(|s| s.comment.is_some() || s.packets < 2)
        {
            return Err(Error::truncated(
                STRUCTURE,
                open.first_page,
                "the file ends inside a stream's header packets",
            ));
        }
        let mut plan = Plan::new();
        for piece in out {
            match piece {
                Out::Copy(at, len) => plan.copy(at, len),
                Out::Page(bytes) => plan.data(bytes),
            }
        }
        Ok(plan)
    }
}

/// The codecs whose comment header this module rewrites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    Vorbis,
    Opus,
}

impl Codec {
    /// The comment packet's signature (packet type and codec name) and
    /// whether a framing bit ends it.
    fn comment_prefix(self) -> (&'static [u8], bool) {
        match self {
            Codec::Vorbis => (b"\x03vorbis", true),
            Codec::Opus => (b"OpusTags", false),
        }
    }

    fn place(self) -> &'static str {
        match self {
            Codec::Vorbis => "Ogg/Vorbis comment header",
            Codec::Opus => "Ogg/OpusTags",
        }
    }
}

/// One page waiting for the rest of the comment packet it carries part
/// of.
struct HeldPage {
    /// Index of its placeholder in the output.
    slot: usize,
    /// The whole page.
    bytes: Vec<u8>,
    /// The ranges of `bytes` that belong to the comment packet.
    ranges: Vec<(usize, usize)>,
}

struct Stream {
    serial: u32,
    codec: Codec,
    first_page: u64,
    /// Complete packets so far.
    packets: u64,
    /// Pages carrying the comment packet, until it is complete.
    comment: Option<Vec<HeldPage>>,
    ended: bool,
}

enum Out {
    Copy(u64, u64),
    Page(Vec<u8>),
}

struct Walker<'s, 'a> {
    scan: &'s mut Scan<'a>,
    streams: Vec<Stream>,
    out: Vec<Out>,
    /// Bytes of comment pages held in memory.
    held: u64,
}

impl Walker<'_, '_> {
    fn walk(&mut self) -> Result<()> {
        let src = self.scan.src;
        let len = src.len();
        let mut pos = 0u64;
        while pos < len {
            let mut capture = [0u8; 4];
            let capture = src.read_prefix(pos, len, &mut capture)?;
            if capture.len() < 4 && b"OggS".starts_with(capture) {
                // The start of a page, cut by the end of the file.
                self.cut_short(pos)?;
                return Ok(());
            }
            if capture != b"OggS" {
                if pos > 0 && self.streams.iter().all(|s| s.ended) {
                    if let Some(finding) = trailer::report(src, pos, "last Ogg page")? {
                        self.scan.report(finding);
                    }
                    return Ok(());
                }
                return Err(Error::malformed(
                    STRUCTURE,
                    pos,
                    "bytes that are not an Ogg page (a page size before them is wrong)",
                ));
            }
            let max = self.scan.limits.audio.max_ogg_pages;
            self.scan.enter(pos, max, "number of Ogg pages")?;
            match self.page(pos)? {
                Some(end) => pos = end,
                None => return Ok(()),
            }
        }
        Ok(())
    }

    /// One page at `pos`: returns where the next starts, or `None` when
    /// the page is cut short by the end of the file (dropped).
    fn page(&mut self, pos: u64) -> Result<Option<u64>> {
        let src = self.scan.src;
        let len = src.len();
        if len - pos < 27 {
            return self.cut_short(pos);
        }
        let header: [u8; 27] = src.read_array(pos, STRUCTURE)?;
        let [_, _, _, _, version, flags, ..] = header;
        if version != 0 {
            return Err(Error::malformed(
                STRUCTURE,
                pos,
                format!("stream structure version {version}"),
            ));
        }
        let word = |at: usize| {
            header
                .get(at..at + 4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_le_bytes)
                .unwrap_or(0)
        };
        let serial = word(14);
        let segments = u64::from(header.get(26).copied().unwrap_or(0));
        if len - pos < 27 + segments {
            return self.cut_short(pos);
        }
        let lacing = src.read_vec(pos + 27, segments, 255, STRUCTURE)?;
        let data_len: u64 = lacing.iter().map(|v| u64::from(*v)).sum();
        let data = pos + 27 + segments;
        let end = data + data_len;
        if end > len {
            return self.cut_short(pos);
        }
        let index = self.stream(pos, serial, flags, data, data_len)?;
        let Some(stream) = self.streams.get_mut(index) else {
            return Err(Error::malformed(STRUCTURE, pos, "no stream"));
        };
        if flags & LAST != 0 {
            stream.ended = true;
        }
        // Which segments of this page belong to the comment packet (the
        // stream's second packet)?
        let mut ranges = Vec::new();
        let mut offset = 0usize;
        for &value in &lacing {
            let value = usize::from(value);
            if stream.packets == 1 {
                ranges.push((offset, offset + value));
            }
            offset += value;
            if value < 255 {
                stream.packets += 1;
            }
        }
        let complete = stream.packets >= 2;
        if ranges.is_empty() && stream.comment.is_none() {
            self.out.push(Out::Copy(pos, end - pos));
            return Ok(Some(end));
        }
        // A page carrying (part of) the comment packet: held until the
        // packet is complete.
        let page_len = end - pos;
        self.held = self.held.saturating_add(page_len);
        let max = self.scan.limits.audio.max_ogg_comment;
        if self.held > max {
            return Err(Error::Limit {
                what: "Ogg comment header pages held in memory",
                offset: pos,
                limit: max,
            });
        }
        let bytes = src.read_vec(pos, page_len, 27 + 255 + 255 * 255, STRUCTURE)?;
        let stored = word(22);
        if crc(&bytes) != stored {
            return Err(Error::malformed(
                STRUCTURE,
                pos,
                "the page carrying the comment header has a bad CRC",
            ));
        }
        let header_len = (27 + segments) as usize;
        let slot = self.out.len();
        self.out.push(Out::Page(Vec::new()));
        let Some(stream) = self.streams.get_mut(index) else {
            return Err(Error::malformed(STRUCTURE, pos, "no stream"));
        };
        let held = HeldPage {
            slot,
            bytes,
            ranges: ranges
                .into_iter()
                .map(|(a, b)| (header_len + a, header_len + b))
                .collect(),
        };
        stream.comment.get_or_insert_with(Vec::new).push(held);
        if complete {
            self.finish_comment(index, pos)?;
        }
        Ok(Some(end))
    }

    /// A page cut short by the end of the file: decoders discard it, so
    /// it is dropped (and reported). Refused when a stream's headers are
    /// not complete before it.
    fn cut_short(&mut self, pos: u64) -> Result<Option<u64>> {
        if self.streams.is_empty() || self.streams.iter().any(|s| s.packets < 2) {
            return Err(Error::truncated(
                STRUCTURE,
                pos,
                "the file ends inside a page before the stream headers are complete",
            ));
        }
        self.scan.report(Finding::removed(
            Category::Other,
            "Incomplete last page",
            "Ogg",
            human_size(self.scan.src.len() - pos),
        ));
        Ok(None)
    }

    /// The stream a page at `pos` belongs to (a new one for a first page).
    fn stream(
        &mut self,
        pos: u64,
        serial: u32,
        flags: u8,
        data: u64,
        data_len: u64,
    ) -> Result<usize> {
        let open = self
            .streams
            .iter()
            .position(|s| s.serial == serial && !s.ended);
        if flags & FIRST == 0 {
            return open.ok_or_else(|| {
                Error::malformed(
                    STRUCTURE,
                    pos,
                    format!("a page of stream {serial:08X}, which was never started"),
                )
            });
        }
        if open.is_some() {
            return Err(Error::malformed(
                STRUCTURE,
                pos,
                format!("stream {serial:08X} starts twice"),
            ));
        }
        if flags & CONTINUED != 0 {
            return Err(Error::malformed(
                STRUCTURE,
                pos,
                "a stream's first page continues a packet",
            ));
        }
        let max = self.scan.limits.audio.max_ogg_streams;
        if self.streams.len() >= max {
            return Err(Error::Limit {
                what: "number of Ogg streams",
                offset: pos,
                limit: max as u64,
            });
        }
        let mut head = [0u8; 8];
        let head = self
            .scan
            .src
            .read_prefix(data, data + data_len, &mut head)?;
        let codec = if head.starts_with(b"\x01vorbis") {
            Codec::Vorbis
        } else if head.starts_with(b"OpusHead") {
            Codec::Opus
        } else {
            let name = if head.starts_with(b"\x7fFLAC") {
                "Ogg FLAC"
            } else if head.starts_with(b"Speex") {
                "Ogg Speex"
            } else if head.starts_with(b"\x80theora") {
                "Ogg Theora video"
            } else if head.starts_with(b"fishead") || head.starts_with(b"fisbone") {
                "Ogg Skeleton"
            } else {
                "this Ogg stream type"
            };
            return Err(Error::Unsupported(format!(
                "{name} is not supported: only Vorbis and Opus audio are cleaned"
            )));
        };
        self.streams.push(Stream {
            serial,
            codec,
            first_page: pos,
            packets: 0,
            comment: None,
            ended: false,
        });
        Ok(self.streams.len() - 1)
    }

    /// The comment packet of stream `index` is complete: blank it at the
    /// same length across its pages, recompute their CRCs, put them in
    /// their places.
    fn finish_comment(&mut self, index: usize, pos: u64) -> Result<()> {
        let Some(stream) = self.streams.get_mut(index) else {
            return Ok(());
        };
        let codec = stream.codec;
        let pages = stream.comment.take().unwrap_or_default();
        let mut packet = Vec::new();
        for page in &pages {
            for &(a, b) in &page.ranges {
                packet.extend_from_slice(page.bytes.get(a..b).unwrap_or_default());
            }
        }
        let (prefix, framing) = codec.comment_prefix();
        if !packet.starts_with(prefix) {
            return Err(Error::malformed(
                STRUCTURE,
                pos,
                "the stream's second packet is not its comment header",
            ));
        }
        let done = vorbis::neutralise_comment(&mut packet, prefix.len(), framing, codec.place());
        self.scan.report_all(done.findings);
        let mut from = 0usize;
        for mut page in pages {
            for &(a, b) in &page.ranges {
                let part = packet.get(from..from + (b - a)).unwrap_or_default();
                if let Some(target) = page.bytes.get_mut(a..b) {
                    target.copy_from_slice(part);
                }
                from += b - a;
            }
            if let Some(field) = page.bytes.get_mut(22..26) {
                field.fill(0);
            }
            let sum = crc(&page.bytes);
            if let Some(field) = page.bytes.get_mut(22..26) {
                field.copy_from_slice(&sum.to_le_bytes());
            }
            if let Some(slot) = self.out.get_mut(page.slot) {
                *slot = Out::Page(page.bytes);
            }
        }
        Ok(())
    }
}

/// The Ogg page CRC-32 (polynomial 0x04C11DB7, not reflected, initial
/// value 0), computed with the page's own CRC field taken as zero.
fn crc(page: &[u8]) -> u32 {
    let mut crc = 0u32;
    for (i, &byte) in page.iter().enumerate() {
        let byte = if (22..26).contains(&i) { 0 } else { byte };
        crc ^= u32::from(byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests;
