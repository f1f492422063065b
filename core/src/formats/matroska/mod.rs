//! Matroska and WebM (EBML, RFC 8794; Matroska, RFC 9559): keep what
//! playback needs, blank the rest in place.
//!
//! **No byte moves.** `SeekHead` and `Cues` hold positions relative to the
//! Segment, so every removed element is overwritten by a `Void` element of
//! exactly its size and every neutralised value by bytes of the same length.
//! Positions stay valid without rewriting, RIFF-like size fields need no
//! patching, and the plan can be applied in place. A `CRC-32` element whose
//! parent changed is voided too (a stale checksum would make strict readers
//! drop the parent).
//!
//! **Allow-list.** Kept: the EBML header, `SeekHead` entries pointing at
//! kept elements, `Info/TimestampScale` and `Info/Duration`, the playback
//! fields of `Tracks` (codec, codec private data, flags, language, video
//! and audio settings with colour and projection, content encodings),
//! `Cues` and `Cluster`s (less the blocks and cues of removed tracks, see
//! below). Every kept master is walked child by child through
//! [`rules`]; a kept number longer than 8 bytes refuses the file.
//! Neutralised: `MuxingApp`/`WritingApp` (mandatory: the value is zeroed,
//! which reads as an empty string) and `TrackUID` (see below). Everything
//! else is voided: `Tags`, `Attachments`, `Chapters`, `Info/Title`,
//! `Info/DateUTC`, the segment UIDs and file names, `TrackEntry/Name`,
//! `CodecName`, attachment links, `DocTypeExtension` and any element this
//! module does not know.
//!
//! **Kept is examined.** `Void` elements keep their size, their content is
//! zeroed. `ProjectionPrivate`, `BlockAddIDExtraData` and
//! `ContentCompSettings` are kept only in the exact layout their kind
//! names ([`rules::payload_layout`]); `CodecPrivate` records are walked by
//! their own length fields and bytes after them zeroed ([`codec`]). Every
//! `Cluster` and `BlockGroup` is walked (headers only): `BlockAdditions`,
//! `CodecState`, `EncryptedBlock`, `SilentTracks`, blocks of undeclared
//! tracks and unknown children are voided, and the frames of Motion JPEG
//! tracks have their Exif and comments blanked in place
//! ([`crate::formats::jpeg::frames`]).
//!
//! **TrackUID.** Mandatory and non-zero, and a random value chosen by the
//! muxer: tools that split or re-mux a recording reuse it, so it can link the
//! cleaned file to other files of the same recording whose payload differs.
//! Only `Tags` (`TagTrackUID`), `Chapters` (`ChapterTrackUID`) and
//! `TrackOperation` refer to it; `Cues` and blocks use the track *number*.
//! Tags and Chapters are removed, so the UID is replaced by the track's
//! `TrackNumber` (unique, non-zero, and public anyway), written with the
//! original width; the 1-based index of its `TrackEntry` when the number
//! does not fit. The number, unlike the index, does not change when other
//! entries are removed, so a cleaned file re-parses unchanged. When a
//! `TrackOperation` (3D planes, joined tracks) refers to UIDs they are kept
//! unchanged, and reported as kept.
//!
//! **Tracks that are not video or audio** (subtitles, metadata, logos,
//! buttons, control, complex) are removed, as in MP4: drone and dashcam
//! footage carries its flight log as a subtitle track (`GPS (24.7536,
//! 59.4370, 19)` every second). Their `TrackEntry` is voided, every
//! `SimpleBlock` and `BlockGroup` of theirs inside the clusters is voided
//! (the walk reads element headers and each block's track number, never
//! the frames of kept tracks), and so is every `CueTrackPositions` naming
//! them (a `CuePoint` left without positions is voided whole). A text
//! subtitle track (`S_TEXT/*`, `S_SSA`, `S_ASS`, `D_WEBVTT/*`, without
//! ContentEncodings) is kept only when [`Policy::keep_subtitles`] asks and
//! every one of its blocks was read (4 KiB each at most) and none looks
//! like positions ([`crate::metadata::subtitle`], shared with MP4). The
//! first lines of a removed track become needles of the raw-byte leak scan.
//! The clusters are walked once per Segment, and once more before that to
//! judge kept text when subtitles may be kept; both passes are linear in
//! the number of blocks and hold nothing per block but the plan's own
//! overwrites.
//!
//! **Defensive.** Every size is checked against its parent and the bytes
//! that exist; unknown sizes are accepted only for `Segment` (runs to the
//! end of the file or the next EBML header) and `Cluster` (ends at the first
//! element that is not a cluster child); nesting depth, element count, bytes
//! read into memory and bytes of replacements held in memory are limited
//! ([`crate::limits::MatroskaLimits`] and the common [`crate::Limits`]).
//! Whatever cannot be judged is refused or removed, never kept.
//!
//! # Where each concern lives
//!
//! | file | concern |
//! |---|---|
//! | `mod.rs` | the planner, the walker's state, the top level and the Segment: which level-1 element goes where |
//! | [`ids`] | element IDs |
//! | [`rules`] | the allow-list, as a table: the fate of each child of each walked master |
//! | [`master`] | applying the allow-list: walking a master, removing, neutralising, `SeekHead` entries, the `CRC-32` guard |
//! | [`tracks`] | what each `TrackEntry` declares, the TrackUID rewrite, Vorbis/FLAC comments and record tails in `CodecPrivate` |
//! | [`codec`] | where each codec configuration record ends (avcC, hvcC, av1C, VP9, OpusHead, AAC) |
//! | [`blocks`] | which tracks go, and the walk over every cluster: its children, the blocks of removed tracks, Motion JPEG frames |
//! | [`cues`] | the `Cues` of removed tracks |
//! | [`describe`] | read-only reports of what `Tags`, `Attachments` and `Chapters` (voided whole) held |
//!
//! Element headers are read through [`ebml::Children`], a cursor that
//! counts each header against the element limit; EBML syntax itself lives in
//! [`crate::container::ebml`].

mod blocks;
mod codec;
mod cues;
mod describe;
mod ids;
mod master;
mod rules;
#[cfg(test)]
mod tests;
mod tracks;

use self::ids as id;
use self::master::{Crc, Deferred, Padding};
use self::rules::{Master, Show, CLUSTER_CHILDREN};
use self::tracks::Track;
use crate::container::ebml::{self, Children, Element, Void};
use crate::error::{Error, Result};
use crate::finding::{Category, Finding};
use crate::formats::Planner;
use crate::io::SourceExt;
use crate::plan::overwrite::Overwrites;
use crate::plan::Plan;
use crate::scan::Scan;

/// Names the structure in errors.
const STRUCTURE: &str = "Matroska element";
/// Names the replacement budget ([`crate::Limits::max_replacement`]).
const BLANKED: &str = "Matroska bytes blanked in memory";
/// Names the read budget ([`crate::Limits::max_metadata_read`]).
const READ_BUDGET: &str = "Matroska metadata read into memory";
/// Names the depth limit ([`crate::limits::MatroskaLimits::max_depth`]).
const DEPTH: &str = "Matroska nesting depth";

/// The Matroska / WebM planner.
pub(crate) struct Matroska;

impl Planner for Matroska {
    fn plan(scan: &mut Scan<'_>) -> Result<Plan> {
        let len = scan.src.len();
        let mut walker = Walker::new(scan);
        walker.run()?;
        walker.overwrites.into_plan(len)
    }
}

/// One walk over a file, its state grouped by how long it lives.
struct Walker<'s, 'a> {
    /// The input, policy and limits, the findings, and the element count
    /// and read budget of the whole file.
    scan: &'s mut Scan<'a>,
    /// The plan: same-length overwrites.
    overwrites: Overwrites,
    /// Bytes of block payload read as text, all Segments together
    /// ([`crate::limits::MatroskaLimits::max_text_read`] is per file).
    text_read: u64,
    /// The TrackUID rewrite.
    uids: TrackUids,
    /// The current Segment.
    segment: SegmentState,
    /// The current `TrackEntry`.
    entry: EntryState,
    /// The kind and payload of the master being walked, judged at its end.
    deferred: Deferred,
    /// `Void` elements that held something, all Segments together.
    padding: Padding,
}

/// The TrackUID rewrite (see the module doc): planned per `Tracks` element,
/// applied at its end.
///
/// The entry count and the `TrackOperation` flag run over the whole file,
/// not per `Tracks`: that is how they have always behaved, and resetting
/// them would change the output of files with several Segments.
#[derive(Debug, Default)]
struct TrackUids {
    /// `TrackEntry` elements seen so far (their 1-based index replaces the
    /// TrackUID when the TrackNumber does not fit).
    entries: u64,
    /// Planned replacements of the current `Tracks`: value offset, new
    /// bytes, finding.
    planned: Vec<(u64, Vec<u8>, Finding)>,
    /// Whether a `TrackOperation` refers to TrackUIDs.
    operation: bool,
}

/// What one Segment declared; reset for each (chained live streams
/// renumber their tracks).
#[derive(Debug, Default)]
struct SegmentState {
    /// Its tracks.
    tracks: Vec<Track>,
    /// The `CRC-32` of its `Tracks`, voided when a track is removed.
    tracks_crc: Crc,
    /// What the walk over its clusters removed.
    cluster_removals: blocks::ClusterRemovals,
}

/// What the `TrackEntry` being walked declared; reset for each.
#[derive(Debug, Default)]
struct EntryState {
    /// CodecID.
    codec_id: String,
    /// TrackType (0x11: subtitles), as read.
    track_type: Vec<u8>,
    /// Data range of its CodecPrivate.
    codec_private: Option<(u64, u64)>,
    /// TrackNumber.
    number: Option<u64>,
    /// TrackUID: value offset and bytes, replaced once the TrackNumber is
    /// known (it may come later in the entry).
    pending_uid: Option<(u64, Vec<u8>)>,
    /// Language (BCP 47 wins over the legacy code, whichever comes first).
    language: Option<String>,
    /// Whether it has ContentEncodings (compressed or encrypted blocks,
    /// whose text cannot be judged).
    encoded: bool,
    /// Whether its frames are Motion JPEG images.
    mjpeg: bool,
}

impl<'s, 'a> Walker<'s, 'a> {
    fn new(scan: &'s mut Scan<'a>) -> Self {
        Walker {
            overwrites: Overwrites::with_limits(scan.limits),
            scan,
            text_read: 0,
            uids: TrackUids::default(),
            segment: SegmentState::default(),
            entry: EntryState::default(),
            deferred: Deferred::default(),
            padding: Padding::default(),
        }
    }
}

impl Walker<'_, '_> {
    fn run(&mut self) -> Result<()> {
        let mut top = Children::new(0, self.scan.src.len());
        let mut segments = 0usize;
        while let Some(element) = self.next_element(&mut top)? {
            if element.start == 0 && element.id != id::EBML {
                return Err(Error::malformed(
                    STRUCTURE,
                    0,
                    "the file does not start with an EBML header",
                ));
            }
            match element.id {
                id::EBML => {
                    let end = known_end(&element)?;
                    self.master(&element, end, Master::EbmlHeader, 0)?;
                }
                id::SEGMENT => {
                    let end = self.segment(&element)?;
                    top.skip_to(end);
                    segments += 1;
                }
                id::VOID => {
                    let end = known_end(&element)?;
                    self.padding(&element, end, "top level")?;
                }
                _ => {
                    let end = known_end(&element)?;
                    self.remove(
                        &element,
                        end,
                        Category::Other,
                        "Unknown element",
                        Show::Size,
                        "top level",
                    )?;
                }
            }
        }
        if segments == 0 {
            return Err(Error::malformed(STRUCTURE, 0, "no Segment element"));
        }
        if let Some(finding) = std::mem::take(&mut self.padding).finding() {
            self.scan.report(finding);
        }
        Ok(())
    }

    /// The next element header of `children`, counted against
    /// [`crate::limits::MatroskaLimits::max_elements`] (and the findings
    /// cap) before it is read.
    fn next_element(&mut self, children: &mut Children) -> Result<Option<Element>> {
        let max = self.scan.limits.matroska.max_elements;
        let scan = &mut *self.scan;
        children.next(|pos, end| {
            scan.enter(pos, max, "number of Matroska elements")?;
            ebml::read_element(scan.src, pos, end, STRUCTURE)
        })
    }

    /// As [`Walker::next_element`], for a child that must have a known
    /// size: the element and where it ends.
    fn next_sized(&mut self, children: &mut Children) -> Result<Option<(Element, u64)>> {
        let Some(child) = self.next_element(children)? else {
            return Ok(None);
        };
        let end = known_end(&child)?;
        Ok(Some((child, end)))
    }

    /// Walk a Segment; returns where it ends.
    fn segment(&mut self, segment: &Element) -> Result<u64> {
        // Track numbers are per Segment (chained live streams renumber).
        self.segment = SegmentState::default();
        let mut end = segment.end().unwrap_or(self.scan.src.len());
        let mut children = Children::of(segment, end);
        let mut changed = false;
        let mut crc = Crc::default();
        let mut seek_heads: Vec<(Element, u64)> = Vec::new();
        while let Some(element) = self.next_element(&mut children)? {
            if element.id == id::EBML && segment.size.is_none() {
                // The next stream of a chain of live streams.
                end = element.start;
                break;
            }
            let element_end = match element.end() {
                Some(known) => known,
                None if element.id == id::CLUSTER => {
                    let cluster_end = self.unknown_size_cluster_end(&element, end)?;
                    children.skip_to(cluster_end);
                    cluster_end
                }
                None => return Err(unknown_size(&element)),
            };
            match element.id {
                id::CLUSTER | id::CUES => {}
                id::VOID => changed |= self.padding(&element, element_end, "Segment")?,
                id::CRC32 => crc.note(&element, element_end),
                id::SEEK_HEAD => seek_heads.push((element, element_end)),
                id::INFO => changed |= self.master(&element, element_end, Master::Info, 1)?,
                id::TRACKS => changed |= self.master(&element, element_end, Master::Tracks, 1)?,
                id::TAGS => {
                    self.describe_tags(&element, element_end)?;
                    self.blank(element.start, element_end)?;
                    changed = true;
                }
                id::ATTACHMENTS => {
                    self.describe_attachments(&element, element_end)?;
                    self.blank(element.start, element_end)?;
                    changed = true;
                }
                id::CHAPTERS => {
                    self.describe_chapters(&element, element_end)?;
                    self.blank(element.start, element_end)?;
                    changed = true;
                }
                _ => {
                    self.remove(
                        &element,
                        element_end,
                        Category::Other,
                        "Unknown element",
                        Show::Size,
                        "Segment",
                    )?;
                    changed = true;
                }
            }
        }
        // Blocks and cues of removed tracks: only now are all the tracks
        // known (Tracks may follow clusters).
        changed |= self.filter_tracks(segment.data, end)?;
        self.finish_segment(end, changed, crc, seek_heads)
    }

    fn finish_segment(
        &mut self,
        end: u64,
        mut changed: bool,
        crc: Crc,
        seek_heads: Vec<(Element, u64)>,
    ) -> Result<u64> {
        // SeekHeads last: their entries are judged by the element they name.
        for (seek_head, seek_head_end) in seek_heads {
            changed |= self.master(&seek_head, seek_head_end, Master::SeekHead, 1)?;
        }
        crc.void_if(changed, &mut self.overwrites)?;
        Ok(end)
    }

    /// A Cluster of unknown size ends at the first element that cannot be
    /// one of its children. Only headers are read, never block data.
    fn unknown_size_cluster_end(&mut self, cluster: &Element, parent_end: u64) -> Result<u64> {
        let mut children = Children::of(cluster, parent_end);
        while let Some(child) = self.next_element(&mut children)? {
            if !CLUSTER_CHILDREN.contains(&child.id) {
                return Ok(child.start);
            }
            known_end(&child)?;
        }
        Ok(parent_end)
    }

    /// Read (up to [`crate::Limits::max_value_read`] bytes of) an element's
    /// value, charged to the per-file read budget at the element's start.
    fn value(&mut self, element: &Element, end: u64) -> Result<Vec<u8>> {
        let max = self.scan.limits.max_value_read;
        let len = (end - element.data).min(max);
        self.scan.charge(len, element.start, READ_BUDGET)?;
        self.scan.src.read_vec(element.data, len, max, STRUCTURE)
    }

    /// An element's value as text, trailing NULs (padding) dropped.
    fn text(&mut self, element: &Element, end: u64) -> Result<String> {
        let bytes = self.value(element, end)?;
        Ok(String::from_utf8_lossy(&bytes)
            .trim_end_matches('\0')
            .to_string())
    }

    /// Overwrite `start..end` with one `Void` element.
    fn blank(&mut self, start: u64, end: u64) -> Result<()> {
        void(&mut self.overwrites, start, end)
    }
}

/// Overwrite `start..end` with one `Void` element, dropping the overwrites
/// planned inside it.
fn void(overwrites: &mut Overwrites, start: u64, end: u64) -> Result<()> {
    overwrites.blank::<Void>(start, end, STRUCTURE, BLANKED)
}

/// Where an element ends; only `Segment` and `Cluster` may have an unknown
/// size, and their callers handle it before asking.
fn known_end(element: &Element) -> Result<u64> {
    element.end().ok_or_else(|| unknown_size(element))
}

fn unknown_size(element: &Element) -> Error {
    Error::malformed(
        STRUCTURE,
        element.start,
        format!(
            "element 0x{:X} has an unknown size, allowed only for Segment and Cluster",
            element.id
        ),
    )
}
