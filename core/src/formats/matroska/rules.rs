//! The allow-list: what is kept, rewritten or removed inside each master
//! element that is walked child by child. Reviewable alone, as a table;
//! the walk that applies it is in [`super::master`].
//!
//! Element semantics are those of the Matroska specification (RFC 9559
//! § 5.1): a child is kept only when playback needs it and it cannot name a
//! person, a place, a device or a time. Anything not listed is removed
//! (`Unknown element`), so a new element added to the specification is
//! removed until someone decides otherwise here.

use super::id;
use crate::finding::Category;

/// Children that may follow each other inside a `Cluster`; any other ID
/// ends a cluster of unknown size.
pub(super) const CLUSTER_CHILDREN: [u32; 9] = [
    id::TIMESTAMP,
    id::SILENT_TRACKS,
    id::POSITION,
    id::PREV_SIZE,
    id::SIMPLE_BLOCK,
    id::BLOCK_GROUP,
    id::ENCRYPTED_BLOCK,
    id::VOID,
    id::CRC32,
];

/// Level-1 elements a `SeekHead` may keep pointing at.
pub(super) const SEEKABLE: [u32; 5] = [id::SEEK_HEAD, id::INFO, id::TRACKS, id::CUES, id::CLUSTER];

/// The master elements whose children are filtered by an allow-list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Master {
    EbmlHeader,
    SeekHead,
    Info,
    Tracks,
    TrackEntry,
    Video,
    Audio,
    BlockAdditionMapping,
}

impl Master {
    pub(super) fn path(self) -> &'static str {
        match self {
            Master::EbmlHeader => "EBML",
            Master::SeekHead => "Segment/SeekHead",
            Master::Info => "Segment/Info",
            Master::Tracks => "Segment/Tracks",
            Master::TrackEntry => "Segment/Tracks/TrackEntry",
            Master::Video => "Segment/Tracks/TrackEntry/Video",
            Master::Audio => "Segment/Tracks/TrackEntry/Audio",
            Master::BlockAdditionMapping => "Segment/Tracks/TrackEntry/BlockAdditionMapping",
        }
    }
}

/// How a value is previewed in a finding.
#[derive(Debug, Clone, Copy)]
pub(super) enum Show {
    /// UTF-8 text, also a needle of the leak scan.
    Text,
    /// Text without a needle: descriptive values such as a codec name
    /// ("Vorbis") legitimately reappear in kept codec data.
    Label,
    /// A `DateUTC` value.
    Date,
    /// Binary (UIDs): the first 32 bytes in hex.
    Hex,
    /// The ID and size only (unknown elements).
    Size,
}

/// What happens to a child of an allow-listed master.
#[derive(Debug, Clone, Copy)]
pub(super) enum Rule {
    /// Copied as it is.
    Keep,
    /// The master's `CRC-32`: voided when anything else in it changes.
    Crc,
    /// An allow-listed master: its children are judged in turn.
    Descend(Master),
    /// Reported (category, field, preview) and voided.
    Remove(Category, &'static str, Show),
    /// Mandatory string: keep the element, zero its value.
    Neutralise(&'static str),
    /// Kept, its value rewritten (see the module doc).
    TrackUid,
    /// Kept when it points at a kept element.
    Seek,
    /// Kept; anything but `matroska` or `webm` is refused.
    DocType,
    /// Kept; the UIDs it refers to are kept too.
    TrackOperation,
    /// Kept, noted: with `TrackType` it decides whether the track is
    /// media.
    CodecId,
    /// Kept, its Vorbis or FLAC comments neutralised.
    CodecPrivate,
    /// Kept, noted.
    TrackType,
    /// Kept, noted.
    TrackNumber,
    /// Kept, noted.
    Language,
    /// Kept, noted (encoded text cannot be judged).
    ContentEncodings,
}

/// The fate of `element` inside `master`.
pub(super) fn rule(master: Master, element: u32) -> Rule {
    use id::*;
    match (master, element) {
        (_, VOID) => Rule::Keep,
        (_, CRC32) => Rule::Crc,
        (Master::EbmlHeader, DOC_TYPE) => Rule::DocType,
        (
            Master::EbmlHeader,
            EBML_VERSION | EBML_READ_VERSION | EBML_MAX_ID_LENGTH | EBML_MAX_SIZE_LENGTH
            | DOC_TYPE_VERSION | DOC_TYPE_READ_VERSION | DOC_TYPE_EXTENSION,
        ) => Rule::Keep,
        (Master::SeekHead, SEEK) => Rule::Seek,
        (Master::Info, TIMESTAMP_SCALE | DURATION) => Rule::Keep,
        (Master::Info, MUXING_APP) => Rule::Neutralise("Muxing application"),
        (Master::Info, WRITING_APP) => Rule::Neutralise("Writing application"),
        (Master::Info, DATE_UTC) => Rule::Remove(Category::Time, "Date (DateUTC)", Show::Date),
        (Master::Info, TITLE) => Rule::Remove(Category::Other, "Title", Show::Text),
        (Master::Info, SEGMENT_UUID) => Rule::Remove(Category::Device, "Segment UID", Show::Hex),
        (Master::Info, PREV_UUID) => {
            Rule::Remove(Category::Device, "Previous segment UID", Show::Hex)
        }
        (Master::Info, NEXT_UUID) => Rule::Remove(Category::Device, "Next segment UID", Show::Hex),
        (Master::Info, SEGMENT_FAMILY) => {
            Rule::Remove(Category::Device, "Segment family UID", Show::Hex)
        }
        (Master::Info, SEGMENT_FILENAME) => {
            Rule::Remove(Category::Other, "Segment file name", Show::Text)
        }
        (Master::Info, PREV_FILENAME) => {
            Rule::Remove(Category::Other, "Previous file name", Show::Text)
        }
        (Master::Info, NEXT_FILENAME) => Rule::Remove(Category::Other, "Next file name", Show::Text),
        (Master::Tracks, TRACK_ENTRY) => Rule::Descend(Master::TrackEntry),
        (Master::TrackEntry, TRACK_UID) => Rule::TrackUid,
        (Master::TrackEntry, TRACK_OPERATION) => Rule::TrackOperation,
        (Master::TrackEntry, CODEC_ID) => Rule::CodecId,
        (Master::TrackEntry, TRACK_TYPE) => Rule::TrackType,
        (Master::TrackEntry, CODEC_PRIVATE) => Rule::CodecPrivate,
        (Master::TrackEntry, TRACK_NUMBER) => Rule::TrackNumber,
        (Master::TrackEntry, LANGUAGE | LANGUAGE_BCP47) => Rule::Language,
        (Master::TrackEntry, CONTENT_ENCODINGS) => Rule::ContentEncodings,
        (
            Master::TrackEntry,
            FLAG_ENABLED | FLAG_DEFAULT | FLAG_FORCED
            | FLAG_HEARING_IMPAIRED | FLAG_VISUAL_IMPAIRED | FLAG_TEXT_DESCRIPTIONS
            | FLAG_ORIGINAL | FLAG_COMMENTARY | FLAG_LACING | MIN_CACHE | MAX_CACHE
            | DEFAULT_DURATION | DEFAULT_DECODED_FIELD_DURATION | TRACK_TIMESTAMP_SCALE
            | TRACK_OFFSET | MAX_BLOCK_ADDITION_ID | CODEC_DECODE_ALL | TRACK_OVERLAY
            | CODEC_DELAY | SEEK_PRE_ROLL,
        ) => Rule::Keep,
        (Master::TrackEntry, VIDEO) => Rule::Descend(Master::Video),
        (Master::TrackEntry, AUDIO) => Rule::Descend(Master::Audio),
        (Master::TrackEntry, BLOCK_ADDITION_MAPPING) => Rule::Descend(Master::BlockAdditionMapping),
        (Master::TrackEntry, NAME) => Rule::Remove(Category::Other, "Track name", Show::Text),
        (Master::TrackEntry, CODEC_NAME) => Rule::Remove(Category::Software, "Codec name", Show::Label),
        (Master::TrackEntry, ATTACHMENT_LINK) => {
            Rule::Remove(Category::Embedded, "Attachment link", Show::Hex)
        }
        (
            Master::Video,
            FLAG_INTERLACED | FIELD_ORDER | STEREO_MODE | ALPHA_MODE | OLD_STEREO_MODE
            | PIXEL_WIDTH | PIXEL_HEIGHT | PIXEL_CROP_BOTTOM | PIXEL_CROP_TOP | PIXEL_CROP_LEFT
            | PIXEL_CROP_RIGHT | DISPLAY_WIDTH | DISPLAY_HEIGHT | DISPLAY_UNIT
            | ASPECT_RATIO_TYPE | UNCOMPRESSED_FOURCC | GAMMA_VALUE | FRAME_RATE
            // Colour (matrix, range, transfer, primaries, mastering data) and
            // projection hold only numbers and binary display parameters.
            | COLOUR | PROJECTION,
        ) => Rule::Keep,
        (
            Master::Audio,
            SAMPLING_FREQUENCY | OUTPUT_SAMPLING_FREQUENCY | CHANNELS | CHANNEL_POSITIONS
            | BIT_DEPTH | EMPHASIS,
        ) => Rule::Keep,
        (
            Master::BlockAdditionMapping,
            BLOCK_ADD_ID_VALUE | BLOCK_ADD_ID_TYPE | BLOCK_ADD_ID_EXTRA_DATA,
        ) => Rule::Keep,
        (Master::BlockAdditionMapping, BLOCK_ADD_ID_NAME) => {
            Rule::Remove(Category::Other, "Block addition name", Show::Text)
        }
        _ => Rule::Remove(Category::Other, "Unknown element", Show::Size),
    }
}
