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

// More TIFF 6.0 tags (§8 baseline, §11 CCITT, §14 Differencing Predictor,
// §20 RGB image colorimetry, §21 YCbCr, §22 JPEG).
pub(crate) const SUBFILE_TYPE: u16 = 255;
pub(crate) const DOCUMENT_NAME: u16 = 269;
pub(crate) const PAGE_NAME: u16 = 285;
pub(crate) const T4_OPTIONS: u16 = 292;
pub(crate) const T6_OPTIONS: u16 = 293;
pub(crate) const TRANSFER_FUNCTION: u16 = 301;
pub(crate) const WHITE_POINT: u16 = 318;
pub(crate) const PRIMARY_CHROMATICITIES: u16 = 319;
pub(crate) const INK_SET: u16 = 332;
pub(crate) const NUMBER_OF_INKS: u16 = 334;
pub(crate) const JPEG_TABLES: u16 = 347;
pub(crate) const YCBCR_COEFFICIENTS: u16 = 529;

// TIFF/EP (ISO 12234-2) CFA tags, used by DNG raw IFDs.
pub(crate) const CFA_REPEAT_PATTERN_DIM: u16 = 33421;
pub(crate) const CFA_PATTERN: u16 = 33422;

// GeoTIFF 1.1 (OGC 19-008r4 §7): georeferencing, i.e. a location.
pub(crate) const MODEL_PIXEL_SCALE: u16 = 33550;
pub(crate) const MODEL_TIEPOINT: u16 = 33922;
pub(crate) const MODEL_TRANSFORMATION: u16 = 34264;
pub(crate) const GEO_KEY_DIRECTORY: u16 = 34735;
pub(crate) const GEO_DOUBLE_PARAMS: u16 = 34736;
pub(crate) const GEO_ASCII_PARAMS: u16 = 34737;
/// The GeoTIFF tags, all removed (plus GDAL's metadata and nodata tags).
pub(crate) const GEOTIFF: [u16; 8] = [
    MODEL_PIXEL_SCALE,
    MODEL_TIEPOINT,
    MODEL_TRANSFORMATION,
    GEO_KEY_DIRECTORY,
    GEO_DOUBLE_PARAMS,
    GEO_ASCII_PARAMS,
    42112, // GDAL_METADATA
    42113, // GDAL_NODATA
];

// More DNG tags (DNG Specification 1.7.1, chapter 6 "Tags").
pub(crate) const LOCALIZED_CAMERA_MODEL: u16 = 50709;
pub(crate) const CAMERA_SERIAL_NUMBER: u16 = 50735;
pub(crate) const ORIGINAL_RAW_FILE_NAME: u16 = 50827;
pub(crate) const ORIGINAL_RAW_FILE_DATA: u16 = 50828;
pub(crate) const OPCODE_LIST_1: u16 = 51008;
pub(crate) const OPCODE_LIST_2: u16 = 51009;
pub(crate) const OPCODE_LIST_3: u16 = 51022;

/// Photometric interpretation of DNG CFA raw data (TIFF/EP).
pub(crate) const PHOTOMETRIC_CFA: u64 = 32803;
/// Photometric interpretation of DNG linear raw data.
pub(crate) const PHOTOMETRIC_LINEAR_RAW: u64 = 34892;

/// The allow-list of image-structure tags a TIFF page keeps: what a reader
/// needs to find, decode and lay out the pixels (TIFF 6.0 §8 baseline,
/// §11 CCITT options, §14 Predictor, §15 tiles, §19 SampleFormat and
/// ExtraSamples, §20 colorimetry, §21 YCbCr, §22 JPEGTables; InkSet and
/// NumberOfInks of §16 CMYK). Orientation and the ICC profile are kept by
/// policy and are not listed here.
pub(crate) const IMAGE_STRUCTURE: [u16; 36] = [
    NEW_SUBFILE_TYPE,
    SUBFILE_TYPE,
    IMAGE_WIDTH,
    IMAGE_LENGTH,
    BITS_PER_SAMPLE,
    COMPRESSION,
    PHOTOMETRIC_INTERPRETATION,
    FILL_ORDER,
    STRIP_OFFSETS,
    SAMPLES_PER_PIXEL,
    ROWS_PER_STRIP,
    STRIP_BYTE_COUNTS,
    X_RESOLUTION,
    Y_RESOLUTION,
    PLANAR_CONFIGURATION,
    T4_OPTIONS,
    T6_OPTIONS,
    RESOLUTION_UNIT,
    TRANSFER_FUNCTION,
    PREDICTOR,
    WHITE_POINT,
    PRIMARY_CHROMATICITIES,
    COLOR_MAP,
    TILE_WIDTH,
    TILE_LENGTH,
    TILE_OFFSETS,
    TILE_BYTE_COUNTS,
    INK_SET,
    NUMBER_OF_INKS,
    EXTRA_SAMPLES,
    SAMPLE_FORMAT,
    JPEG_TABLES,
    YCBCR_COEFFICIENTS,
    YCBCR_SUB_SAMPLING,
    YCBCR_POSITIONING,
    REFERENCE_BLACK_WHITE,
];

/// The allow-list of DNG tags a DNG keeps: what rendering the raw image
/// needs (DNG Specification 1.7.1 chapter 6, with the TIFF/EP CFA tags of
/// §6.2). UniqueCameraModel, which the specification requires, is kept
/// with a neutral value. Left out on purpose: LocalizedCameraModel,
/// CameraSerialNumber, LensInfo, CameraCalibration1/2/3 and their
/// signatures (per-unit calibration: a fingerprint of one camera),
/// DNGPrivateData, MakerNoteSafety, RawDataUniqueID, OriginalRawFile*,
/// the AsShot/Current ICC profiles and matrices, ProfileName,
/// ProfileCopyright, ProfileEmbedPolicy, AsShotProfileName, ExtraCameraProfiles,
/// the Preview* tags, the digests, semantic masks and image statistics.
pub(crate) const DNG_RENDERING: [u16; 72] = [
    CFA_REPEAT_PATTERN_DIM,
    CFA_PATTERN,
    DNG_VERSION,
    50707, // DNGBackwardVersion
    UNIQUE_CAMERA_MODEL,
    50710, // CFAPlaneColor
    50711, // CFALayout
    50712, // LinearizationTable
    50713, // BlackLevelRepeatDim
    50714, // BlackLevel
    50715, // BlackLevelDeltaH
    50716, // BlackLevelDeltaV
    50717, // WhiteLevel
    50718, // DefaultScale
    50719, // DefaultCropOrigin
    50720, // DefaultCropSize
    50721, // ColorMatrix1
    50722, // ColorMatrix2
    50725, // ReductionMatrix1
    50726, // ReductionMatrix2
    50727, // AnalogBalance
    50728, // AsShotNeutral
    50729, // AsShotWhiteXY
    50730, // BaselineExposure
    50731, // BaselineNoise
    50732, // BaselineSharpness
    50733, // BayerGreenSplit
    50734, // LinearResponseLimit
    50737, // ChromaBlurRadius
    50738, // AntiAliasStrength
    50739, // ShadowScale
    50778, // CalibrationIlluminant1
    50779, // CalibrationIlluminant2
    50780, // BestQualityScale
    50829, // ActiveArea
    50830, // MaskedAreas
    50879, // ColorimetricReference
    50935, // NoiseReductionApplied
    50937, // ProfileHueSatMapDims
    50938, // ProfileHueSatMapData1
    50939, // ProfileHueSatMapData2
    50940, // ProfileToneCurve
    50964, // ForwardMatrix1
    50965, // ForwardMatrix2
    50974, // SubTileBlockSize
    50975, // RowInterleaveFactor
    50981, // ProfileLookTableDims
    50982, // ProfileLookTableData
    OPCODE_LIST_1,
    OPCODE_LIST_2,
    OPCODE_LIST_3,
    51041, // NoiseProfile
    51089, // OriginalDefaultFinalSize
    51090, // OriginalBestQualityFinalSize
    51091, // OriginalDefaultCropSize
    51107, // ProfileHueSatMapEncoding
    51108, // ProfileLookTableEncoding
    51109, // BaselineExposureOffset
    51110, // DefaultBlackRender
    51125, // DefaultUserCrop
    52525, // ProfileGainTableMap
    52529, // CalibrationIlluminant3
    52531, // ColorMatrix3
    52532, // ForwardMatrix3
    52533, // IlluminantData1
    52534, // IlluminantData2
    52535, // IlluminantData3
    52537, // ProfileHueSatMapData3
    52538, // ReductionMatrix3
    52543, // RGBTables
    52547, // ColumnInterleaveFactor
    52551, // ProfileDynamicRange
];

/// Tags whose LONG / LONG8 values are IFD offsets even when not typed IFD.
pub(crate) const SUB_IFD_POINTERS: [u16; 4] = [EXIF_IFD, GPS_IFD, INTEROPERABILITY_IFD, SUB_IFDS];

/// Pointer tags to one IFD whose next-IFD offset means nothing (Exif
/// defines the Exif, GPS and Interoperability IFDs as single IFDs).
pub(crate) const SINGLE_IFD_POINTERS: [u16; 3] = [EXIF_IFD, GPS_IFD, INTEROPERABILITY_IFD];
