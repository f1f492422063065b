//! Names of the TIFF, Exif and DNG tags the structure code and the formats
//! refer to. Names only: what to keep is the formats' policy.

// TIFF 6.0 baseline and extension tags.
pub(crate) const NEW_SUBFILE_TYPE: u16 = 254;
pub(crate) const IMAGE_WIDTH: u16 = 256;
pub(crate) const IMAGE_LENGTH: u16 = 257;
pub(crate) const BITS_PER_SAMPLE: u16 = 258;
pub(crate) const COMPRESSION: u16 = 259;
pub(crate) const PHOTOMETRIC_INTERPRETATION: u16 = 262;
pub(crate) const FILL_ORDER: u16 = 266;
pub(crate) const IMAGE_DESCRIPTION: u16 = 270;
pub(crate) const MAKE: u16 = 271;
pub(crate) const MODEL: u16 = 272;
pub(crate) const STRIP_OFFSETS: u16 = 273;
pub(crate) const ORIENTATION: u16 = 274;
pub(crate) const SAMPLES_PER_PIXEL: u16 = 277;
pub(crate) const ROWS_PER_STRIP: u16 = 278;
pub(crate) const STRIP_BYTE_COUNTS: u16 = 279;
pub(crate) const X_RESOLUTION: u16 = 282;
pub(crate) const Y_RESOLUTION: u16 = 283;
pub(crate) const PLANAR_CONFIGURATION: u16 = 284;
pub(crate) const RESOLUTION_UNIT: u16 = 296;
pub(crate) const SOFTWARE: u16 = 305;
pub(crate) const DATE_TIME: u16 = 306;
pub(crate) const ARTIST: u16 = 315;
pub(crate) const HOST_COMPUTER: u16 = 316;
pub(crate) const PREDICTOR: u16 = 317;
pub(crate) const COLOR_MAP: u16 = 320;
pub(crate) const TILE_WIDTH: u16 = 322;
pub(crate) const TILE_LENGTH: u16 = 323;
pub(crate) const TILE_OFFSETS: u16 = 324;
pub(crate) const TILE_BYTE_COUNTS: u16 = 325;
/// TIFF Technical Note 1: offsets of child IFDs (DNG raw and previews).
pub(crate) const SUB_IFDS: u16 = 330;
pub(crate) const EXTRA_SAMPLES: u16 = 338;
pub(crate) const SAMPLE_FORMAT: u16 = 339;
/// Offset of an embedded JPEG (Exif IFD1 thumbnail, old-style JPEG).
pub(crate) const JPEG_INTERCHANGE_FORMAT: u16 = 513;
/// Length of the JPEG that [`JPEG_INTERCHANGE_FORMAT`] points to.
pub(crate) const JPEG_INTERCHANGE_FORMAT_LENGTH: u16 = 514;
pub(crate) const YCBCR_SUB_SAMPLING: u16 = 530;
pub(crate) const YCBCR_POSITIONING: u16 = 531;
pub(crate) const REFERENCE_BLACK_WHITE: u16 = 532;
/// XMP packet (Adobe XMP Specification Part 3).
pub(crate) const XMP: u16 = 700;
pub(crate) const COPYRIGHT: u16 = 33432;
/// IPTC-NAA record (also written as RichTIFFIPTC).
pub(crate) const IPTC: u16 = 33723;
/// Photoshop image resources.
pub(crate) const PHOTOSHOP: u16 = 34377;
/// Pointer to the Exif IFD.
pub(crate) const EXIF_IFD: u16 = 0x8769;
/// ICC colour profile.
pub(crate) const ICC_PROFILE: u16 = 34675;
/// Pointer to the GPS IFD.
pub(crate) const GPS_IFD: u16 = 0x8825;

// Exif IFD tags.
pub(crate) const DATE_TIME_ORIGINAL: u16 = 0x9003;
pub(crate) const MAKER_NOTE: u16 = 37500;
pub(crate) const USER_COMMENT: u16 = 0x9286;
/// Pointer to the Interoperability IFD (inside the Exif IFD).
pub(crate) const INTEROPERABILITY_IFD: u16 = 0xA005;
pub(crate) const CAMERA_OWNER_NAME: u16 = 0xA430;
pub(crate) const BODY_SERIAL_NUMBER: u16 = 0xA431;
pub(crate) const LENS_SERIAL_NUMBER: u16 = 0xA435;

// DNG tags.
pub(crate) const DNG_VERSION: u16 = 50706;
pub(crate) const UNIQUE_CAMERA_MODEL: u16 = 50708;
/// Maker data that DNG converters carry over (often a whole MakerNote).
pub(crate) const DNG_PRIVATE_DATA: u16 = 50740;

/// Tags whose LONG / LONG8 values are IFD offsets even when not typed IFD.
pub(crate) const SUB_IFD_POINTERS: [u16; 4] = [EXIF_IFD, GPS_IFD, INTEROPERABILITY_IFD, SUB_IFDS];

/// Pointer tags to one IFD whose next-IFD offset means nothing (Exif
/// defines the Exif, GPS and Interoperability IFDs as single IFDs).
pub(crate) const SINGLE_IFD_POINTERS: [u16; 3] = [EXIF_IFD, GPS_IFD, INTEROPERABILITY_IFD];
