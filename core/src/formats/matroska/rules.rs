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
    Colour,
    MasteringMetadata,
    Projection,
    Audio,
    BlockAdditionMapping,
    ContentEncodings,
    ContentEncoding,
    ContentCompression,
    ContentEncryption,
    AesSettings,
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
            Master::Colour => "Segment/Tracks/TrackEntry/Video/Colour",
            Master::MasteringMetadata => {
                "Segment/Tracks/TrackEntry/Video/Colour/MasteringMetadata"
            }
            Master::Projection => "Segment/Tracks/TrackEntry/Video/Projection",
            Master::Audio => "Segment/Tracks/TrackEntry/Audio",
            Master::BlockAdditionMapping => "Segment/Tracks/TrackEntry/BlockAdditionMapping",
            Master::ContentEncodings => "Segment/Tracks/TrackEntry/ContentEncodings",
            Master::ContentEncoding => "Segment/Tracks/TrackEntry/ContentEncodings/ContentEncoding",
            Master::ContentCompression => {
                "Segment/Tracks/TrackEntry/ContentEncodings/ContentEncoding/ContentCompression"
            }
            Master::ContentEncryption => {
                "Segment/Tracks/TrackEntry/ContentEncodings/ContentEncoding/ContentEncryption"
            }
            Master::AesSettings => {
                "Segment/Tracks/TrackEntry/ContentEncodings/ContentEncoding/ContentEncryption/ContentEncAESSettings"
            }
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
    /// Copied as it is: a number (integer, float, date) or a fixed binary
    /// field of at most 8 bytes. A longer value is not the number it
    /// claims to be, and the file is refused.
    Keep,
    /// `Void` padding: kept, whatever a writer left in it zeroed.
    Void,
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
    /// Kept when its codec's configuration record accounts for every byte
    /// (see [`super::codec`]); its Vorbis or FLAC comments neutralised.
    CodecPrivate,
    /// Kept, noted.
    TrackType,
    /// Kept, noted.
    TrackNumber,
    /// Kept, noted.
    Language,
    /// Noted (encoded text cannot be judged), then walked as
    /// [`Master::ContentEncodings`].
    ContentEncodings,
    /// A number that says how [`Rule::Payload`] of the same master reads
    /// (`ProjectionType`, `BlockAddIDType`, `ContentCompAlgo`): kept,
    /// noted.
    Kind,
    /// Binary data whose layout depends on [`Rule::Kind`]
    /// (`ProjectionPrivate`, `BlockAddIDExtraData`, `ContentCompSettings`):
    /// judged once the master is walked, kept only in a known layout (see
    /// [`payload_layout`]).
    Payload,
    /// An identifier playback needs (`ContentEncKeyID`: a player asks for
    /// the key by it): kept, reported as kept.
    KeyId,
}

/// The fate of `element` inside `master`.
pub(super) fn rule(master: Master, element: u32) -> Rule {
    use id::*;
    match (master, element) {
        (_, VOID) => Rule::Void,
        (_, CRC32) => Rule::Crc,
        (Master::EbmlHeader, DOC_TYPE) => Rule::DocType,
        (
            Master::EbmlHeader,
            EBML_VERSION
            | EBML_READ_VERSION
            | EBML_MAX_ID_LENGTH
            | EBML_MAX_SIZE_LENGTH
            | DOC_TYPE_VERSION
            | DOC_TYPE_READ_VERSION,
        ) => Rule::Keep,
        // Names a private extension of the format: no player needs it.
        (Master::EbmlHeader, DOC_TYPE_EXTENSION) => {
            Rule::Remove(Category::Software, "DocType extension", Show::Size)
        }
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
        (Master::Info, NEXT_FILENAME) => {
            Rule::Remove(Category::Other, "Next file name", Show::Text)
        }
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
            FLAG_ENABLED
            | FLAG_DEFAULT
            | FLAG_FORCED
            | FLAG_HEARING_IMPAIRED
            | FLAG_VISUAL_IMPAIRED
            | FLAG_TEXT_DESCRIPTIONS
            | FLAG_ORIGINAL
            | FLAG_COMMENTARY
            | FLAG_LACING
            | MIN_CACHE
            | MAX_CACHE
            | DEFAULT_DURATION
            | DEFAULT_DECODED_FIELD_DURATION
            | TRACK_TIMESTAMP_SCALE
            | TRACK_OFFSET
            | MAX_BLOCK_ADDITION_ID
            | CODEC_DECODE_ALL
            | TRACK_OVERLAY
            | CODEC_DELAY
            | SEEK_PRE_ROLL,
        ) => Rule::Keep,
        (Master::TrackEntry, VIDEO) => Rule::Descend(Master::Video),
        (Master::TrackEntry, AUDIO) => Rule::Descend(Master::Audio),
        (Master::TrackEntry, BLOCK_ADDITION_MAPPING) => Rule::Descend(Master::BlockAdditionMapping),
        (Master::TrackEntry, NAME) => Rule::Remove(Category::Other, "Track name", Show::Text),
        (Master::TrackEntry, CODEC_NAME) => {
            Rule::Remove(Category::Software, "Codec name", Show::Label)
        }
        (Master::TrackEntry, ATTACHMENT_LINK) => {
            Rule::Remove(Category::Embedded, "Attachment link", Show::Hex)
        }
        (
            Master::Video,
            FLAG_INTERLACED | FIELD_ORDER | STEREO_MODE | ALPHA_MODE | OLD_STEREO_MODE
            | PIXEL_WIDTH | PIXEL_HEIGHT | PIXEL_CROP_BOTTOM | PIXEL_CROP_TOP | PIXEL_CROP_LEFT
            | PIXEL_CROP_RIGHT | DISPLAY_WIDTH | DISPLAY_HEIGHT | DISPLAY_UNIT | ASPECT_RATIO_TYPE
            | UNCOMPRESSED_FOURCC | GAMMA_VALUE | FRAME_RATE,
        ) => Rule::Keep,
        (Master::Video, COLOUR) => Rule::Descend(Master::Colour),
        (Master::Video, PROJECTION) => Rule::Descend(Master::Projection),
        // Colour: matrix, range, transfer, primaries, light levels.
        (
            Master::Colour,
            MATRIX_COEFFICIENTS
            | BITS_PER_CHANNEL
            | CHROMA_SUBSAMPLING_HORZ
            | CHROMA_SUBSAMPLING_VERT
            | CB_SUBSAMPLING_HORZ
            | CB_SUBSAMPLING_VERT
            | CHROMA_SITING_HORZ
            | CHROMA_SITING_VERT
            | RANGE
            | TRANSFER_CHARACTERISTICS
            | PRIMARIES
            | MAX_CLL
            | MAX_FALL,
        ) => Rule::Keep,
        (Master::Colour, MASTERING_METADATA) => Rule::Descend(Master::MasteringMetadata),
        (
            Master::MasteringMetadata,
            PRIMARY_R_CHROMATICITY_X
            | PRIMARY_R_CHROMATICITY_Y
            | PRIMARY_G_CHROMATICITY_X
            | PRIMARY_G_CHROMATICITY_Y
            | PRIMARY_B_CHROMATICITY_X
            | PRIMARY_B_CHROMATICITY_Y
            | WHITE_POINT_CHROMATICITY_X
            | WHITE_POINT_CHROMATICITY_Y
            | LUMINANCE_MAX
            | LUMINANCE_MIN,
        ) => Rule::Keep,
        (Master::Projection, PROJECTION_TYPE) => Rule::Kind,
        (Master::Projection, PROJECTION_PRIVATE) => Rule::Payload,
        (
            Master::Projection,
            PROJECTION_POSE_YAW | PROJECTION_POSE_PITCH | PROJECTION_POSE_ROLL,
        ) => Rule::Keep,
        // ChannelPositions (deprecated, free binary) is not listed: removed.
        (
            Master::Audio,
            SAMPLING_FREQUENCY | OUTPUT_SAMPLING_FREQUENCY | CHANNELS | BIT_DEPTH | EMPHASIS,
        ) => Rule::Keep,
        (Master::BlockAdditionMapping, BLOCK_ADD_ID_VALUE) => Rule::Keep,
        (Master::BlockAdditionMapping, BLOCK_ADD_ID_TYPE) => Rule::Kind,
        (Master::BlockAdditionMapping, BLOCK_ADD_ID_EXTRA_DATA) => Rule::Payload,
        (Master::BlockAdditionMapping, BLOCK_ADD_ID_NAME) => {
            Rule::Remove(Category::Other, "Block addition name", Show::Text)
        }
        (Master::ContentEncodings, CONTENT_ENCODING) => Rule::Descend(Master::ContentEncoding),
        (
            Master::ContentEncoding,
            CONTENT_ENCODING_ORDER | CONTENT_ENCODING_SCOPE | CONTENT_ENCODING_TYPE,
        ) => Rule::Keep,
        (Master::ContentEncoding, CONTENT_COMPRESSION) => Rule::Descend(Master::ContentCompression),
        (Master::ContentEncoding, CONTENT_ENCRYPTION) => Rule::Descend(Master::ContentEncryption),
        (Master::ContentCompression, CONTENT_COMP_ALGO) => Rule::Kind,
        (Master::ContentCompression, CONTENT_COMP_SETTINGS) => Rule::Payload,
        (Master::ContentEncryption, CONTENT_ENC_ALGO) => Rule::Keep,
        (Master::ContentEncryption, CONTENT_ENC_KEY_ID) => Rule::KeyId,
        (Master::ContentEncryption, CONTENT_ENC_AES_SETTINGS) => Rule::Descend(Master::AesSettings),
        // Signatures (reserved by RFC 9559) are not needed to play.
        (
            Master::ContentEncryption,
            CONTENT_SIGNATURE | CONTENT_SIG_KEY_ID | CONTENT_SIG_ALGO | CONTENT_SIG_HASH_ALGO,
        ) => Rule::Remove(Category::Device, "Content signature", Show::Hex),
        (Master::AesSettings, AES_SETTINGS_CIPHER_MODE) => Rule::Keep,
        _ => Rule::Remove(Category::Other, "Unknown element", Show::Size),
    }
}

/// The layout a [`Rule::Payload`] must have to be kept, given the
/// [`Rule::Kind`] of its master (`kind`, or the element's default when the
/// master has none). `None`: no layout is known, the payload is removed.
pub(super) fn payload_layout(master: Master, kind: u64) -> Option<Layout> {
    match (master, kind) {
        // ProjectionPrivate (RFC 9559 § 5.1.4.1.32.3): the body of the
        // `equi` box, version and flags zero, then four u32 bounds ...
        (Master::Projection, 1) => Some(Layout {
            len: 20,
            zero: 0..4,
            low_nibble_zero: None,
        }),
        // ... or of the `cbmp` box: version and flags zero, layout 0, padding.
        (Master::Projection, 2) => Some(Layout {
            len: 12,
            zero: 0..8,
            low_nibble_zero: None,
        }),
        // Dolby Vision configuration (`dvcC`, `dvvC`, `dvwC`): version,
        // profile, level and flags, then 28 reserved bits and 16 reserved
        // bytes, all zero.
        (Master::BlockAdditionMapping, 0x6476_6343 | 0x6476_7643 | 0x6476_7743) => Some(Layout {
            len: 24,
            zero: 5..24,
            low_nibble_zero: Some(4),
        }),
        // ContentCompSettings of header stripping (algorithm 3): the bytes
        // removed from the start of every frame, media like the frames.
        (Master::ContentCompression, 3) => Some(Layout {
            len: 0,
            zero: 0..0,
            low_nibble_zero: None,
        }),
        _ => None,
    }
}

/// An exact binary layout: `len` bytes (0: any length), the `zero` range
/// reserved (zero), and the low four bits of byte `low_nibble_zero`
/// reserved too.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    pub(super) len: usize,
    pub(super) zero: std::ops::Range<usize>,
    pub(super) low_nibble_zero: Option<usize>,
}

impl Layout {
    /// Whether `bytes` has this layout.
    pub(super) fn fits(&self, bytes: &[u8]) -> bool {
        (self.len == 0 || bytes.len() == self.len)
            && bytes
                .get(self.zero.clone())
                .is_some_and(|z| z.iter().all(|b| *b == 0))
            && self
                .low_nibble_zero
                .is_none_or(|i| bytes.get(i).is_some_and(|b| b & 0x0F == 0))
    }
}

/// What a child of a `Cluster` or of a `BlockGroup` is.
#[derive(Debug, Clone, Copy)]
pub(super) enum InCluster {
    /// A number (at most 8 bytes, else refused): kept.
    Number,
    /// A `SimpleBlock`, or the `Block` of a `BlockGroup`: kept, voided when
    /// its track is removed, its frames blanked when they are Motion JPEG.
    Block,
    /// A `BlockGroup`: its children are judged by this table in turn.
    Group,
    /// `Void` padding: kept, zeroed.
    Void,
    /// `CRC-32`: voided when anything else in its parent changes.
    Crc,
    /// Voided, counted in one finding per kind and Segment.
    Remove(Category, &'static str),
}

/// The fate of `element` inside a `Cluster` (`group` false) or inside a
/// `BlockGroup` (`group` true).
pub(super) fn in_cluster(group: bool, element: u32) -> InCluster {
    use id::*;
    match (group, element) {
        (_, VOID) => InCluster::Void,
        (_, CRC32) => InCluster::Crc,
        (false, TIMESTAMP | POSITION | PREV_SIZE) => InCluster::Number,
        (false, SIMPLE_BLOCK) => InCluster::Block,
        (false, BLOCK_GROUP) => InCluster::Group,
        // A list of track numbers that no player reads.
        (false, SILENT_TRACKS) => InCluster::Remove(Category::Other, "Silent tracks list"),
        (false, ENCRYPTED_BLOCK) => InCluster::Remove(Category::Other, "Encrypted block"),
        (true, BLOCK) => InCluster::Block,
        (true, BLOCK_DURATION | REFERENCE_PRIORITY | REFERENCE_BLOCK | DISCARD_PADDING) => {
            InCluster::Number
        }
        // Side data of one block: HDR10+ and Dolby Vision metadata, alpha
        // planes, or anything a muxer chose to put there.
        (true, BLOCK_ADDITIONS) => InCluster::Remove(Category::Embedded, "Block additions"),
        // Opaque codec data, private to a codec no muxer writes it for.
        (true, CODEC_STATE) => InCluster::Remove(Category::Other, "Codec state"),
        _ => InCluster::Remove(Category::Other, "Unknown element"),
    }
}
