//! Matroska element IDs (RFC 8794 § 11 for the EBML ones, the Matroska
//! specification, RFC 9559 § 5.1, for the rest), as written: marker bits
//! included.

// `Void` is EBML syntax, shared with the placeholder writer.
pub(super) use crate::container::ebml::VOID;

pub const EBML: u32 = 0x1A45_DFA3;
pub const EBML_VERSION: u32 = 0x4286;
pub const EBML_READ_VERSION: u32 = 0x42F7;
pub const EBML_MAX_ID_LENGTH: u32 = 0x42F2;
pub const EBML_MAX_SIZE_LENGTH: u32 = 0x42F3;
pub const DOC_TYPE: u32 = 0x4282;
pub const DOC_TYPE_VERSION: u32 = 0x4287;
pub const DOC_TYPE_READ_VERSION: u32 = 0x4285;
pub const DOC_TYPE_EXTENSION: u32 = 0x4281;
pub const CRC32: u32 = 0xBF;

pub const SEGMENT: u32 = 0x1853_8067;
pub const SEEK_HEAD: u32 = 0x114D_9B74;
pub const SEEK: u32 = 0x4DBB;
pub const SEEK_ID: u32 = 0x53AB;
pub const SEEK_POSITION: u32 = 0x53AC;

pub const INFO: u32 = 0x1549_A966;
pub const SEGMENT_UUID: u32 = 0x73A4;
pub const SEGMENT_FILENAME: u32 = 0x7384;
pub const PREV_UUID: u32 = 0x3C_B923;
pub const PREV_FILENAME: u32 = 0x3C_83AB;
pub const NEXT_UUID: u32 = 0x3E_B923;
pub const NEXT_FILENAME: u32 = 0x3E_83BB;
pub const SEGMENT_FAMILY: u32 = 0x4444;
pub const TIMESTAMP_SCALE: u32 = 0x2A_D7B1;
pub const DURATION: u32 = 0x4489;
pub const DATE_UTC: u32 = 0x4461;
pub const TITLE: u32 = 0x7BA9;
pub const MUXING_APP: u32 = 0x4D80;
pub const WRITING_APP: u32 = 0x5741;

pub const CLUSTER: u32 = 0x1F43_B675;
pub const TIMESTAMP: u32 = 0xE7;
pub const SILENT_TRACKS: u32 = 0x5854;
pub const POSITION: u32 = 0xA7;
pub const PREV_SIZE: u32 = 0xAB;
pub const SIMPLE_BLOCK: u32 = 0xA3;
pub const BLOCK_GROUP: u32 = 0xA0;
pub const ENCRYPTED_BLOCK: u32 = 0xAF;
pub const BLOCK: u32 = 0xA1;

pub const TRACKS: u32 = 0x1654_AE6B;
pub const TRACK_ENTRY: u32 = 0xAE;
pub const TRACK_NUMBER: u32 = 0xD7;
pub const TRACK_UID: u32 = 0x73C5;
pub const TRACK_TYPE: u32 = 0x83;
pub const FLAG_ENABLED: u32 = 0xB9;
pub const FLAG_DEFAULT: u32 = 0x88;
pub const FLAG_FORCED: u32 = 0x55AA;
pub const FLAG_HEARING_IMPAIRED: u32 = 0x55AB;
pub const FLAG_VISUAL_IMPAIRED: u32 = 0x55AC;
pub const FLAG_TEXT_DESCRIPTIONS: u32 = 0x55AD;
pub const FLAG_ORIGINAL: u32 = 0x55AE;
pub const FLAG_COMMENTARY: u32 = 0x55AF;
pub const FLAG_LACING: u32 = 0x9C;
pub const MIN_CACHE: u32 = 0x6DE7;
pub const MAX_CACHE: u32 = 0x6DF8;
pub const DEFAULT_DURATION: u32 = 0x23_E383;
pub const DEFAULT_DECODED_FIELD_DURATION: u32 = 0x23_4E7A;
pub const TRACK_TIMESTAMP_SCALE: u32 = 0x23_314F;
pub const TRACK_OFFSET: u32 = 0x537F;
pub const MAX_BLOCK_ADDITION_ID: u32 = 0x55EE;
pub const BLOCK_ADDITION_MAPPING: u32 = 0x41E4;
pub const BLOCK_ADD_ID_VALUE: u32 = 0x41F0;
pub const BLOCK_ADD_ID_NAME: u32 = 0x41A4;
pub const BLOCK_ADD_ID_TYPE: u32 = 0x41E7;
pub const BLOCK_ADD_ID_EXTRA_DATA: u32 = 0x41ED;
pub const NAME: u32 = 0x536E;
pub const LANGUAGE: u32 = 0x22_B59C;
pub const LANGUAGE_BCP47: u32 = 0x22_B59D;
pub const CODEC_ID: u32 = 0x86;
pub const CODEC_PRIVATE: u32 = 0x63A2;
pub const CODEC_NAME: u32 = 0x25_8688;
pub const ATTACHMENT_LINK: u32 = 0x7446;
pub const CODEC_DECODE_ALL: u32 = 0xAA;
pub const TRACK_OVERLAY: u32 = 0x6FAB;
pub const CODEC_DELAY: u32 = 0x56AA;
pub const SEEK_PRE_ROLL: u32 = 0x56BB;
pub const VIDEO: u32 = 0xE0;
pub const AUDIO: u32 = 0xE1;
pub const TRACK_OPERATION: u32 = 0xE2;
pub const CONTENT_ENCODINGS: u32 = 0x6D80;

pub const FLAG_INTERLACED: u32 = 0x9A;
pub const FIELD_ORDER: u32 = 0x9D;
pub const STEREO_MODE: u32 = 0x53B8;
pub const ALPHA_MODE: u32 = 0x53C0;
pub const OLD_STEREO_MODE: u32 = 0x53B9;
pub const PIXEL_WIDTH: u32 = 0xB0;
pub const PIXEL_HEIGHT: u32 = 0xBA;
pub const PIXEL_CROP_BOTTOM: u32 = 0x54AA;
pub const PIXEL_CROP_TOP: u32 = 0x54BB;
pub const PIXEL_CROP_LEFT: u32 = 0x54CC;
pub const PIXEL_CROP_RIGHT: u32 = 0x54DD;
pub const DISPLAY_WIDTH: u32 = 0x54B0;
pub const DISPLAY_HEIGHT: u32 = 0x54BA;
pub const DISPLAY_UNIT: u32 = 0x54B2;
pub const ASPECT_RATIO_TYPE: u32 = 0x54B3;
pub const UNCOMPRESSED_FOURCC: u32 = 0x2E_B524;
pub const GAMMA_VALUE: u32 = 0x2F_B523;
pub const FRAME_RATE: u32 = 0x23_83E3;
pub const COLOUR: u32 = 0x55B0;
pub const PROJECTION: u32 = 0x7670;

pub const SAMPLING_FREQUENCY: u32 = 0xB5;
pub const OUTPUT_SAMPLING_FREQUENCY: u32 = 0x78B5;
pub const CHANNELS: u32 = 0x9F;
pub const CHANNEL_POSITIONS: u32 = 0x7D7B;
pub const BIT_DEPTH: u32 = 0x6264;
pub const EMPHASIS: u32 = 0x52F1;

pub const CUES: u32 = 0x1C53_BB6B;
pub const CUE_POINT: u32 = 0xBB;
pub const CUE_TRACK_POSITIONS: u32 = 0xB7;
pub const CUE_TRACK: u32 = 0xF7;

pub const ATTACHMENTS: u32 = 0x1941_A469;
pub const ATTACHED_FILE: u32 = 0x61A7;
pub const FILE_DESCRIPTION: u32 = 0x467E;
pub const FILE_NAME: u32 = 0x466E;
pub const FILE_MEDIA_TYPE: u32 = 0x4660;
pub const FILE_DATA: u32 = 0x465C;

pub const CHAPTERS: u32 = 0x1043_A770;
pub const EDITION_ENTRY: u32 = 0x45B9;
pub const CHAPTER_ATOM: u32 = 0xB6;
pub const CHAPTER_DISPLAY: u32 = 0x80;
pub const CHAP_STRING: u32 = 0x85;
pub const CHAPTER_STRING_UID: u32 = 0x5654;
pub const EDITION_DISPLAY: u32 = 0x4520;
pub const EDITION_STRING: u32 = 0x4521;

pub const TAGS: u32 = 0x1254_C367;
pub const TAG: u32 = 0x7373;
pub const SIMPLE_TAG: u32 = 0x67C8;
pub const TAG_NAME: u32 = 0x45A3;
pub const TAG_STRING: u32 = 0x4487;
pub const TAG_BINARY: u32 = 0x4485;
