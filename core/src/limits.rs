//! The explicit parsing limits, one value handed to every format (as
//! image-rs hands one `Limits` to every decoder).
//!
//! Every length, count and depth read from a file is checked against the
//! bytes that exist *and* against these limits before anything is
//! allocated or looped over, so a crafted file costs bounded memory and
//! time. The defaults accept every real file seen so far; embedders with
//! less memory (a browser tab) may lower them:
//!
//! ```
//! let mut limits = mediascrub::Limits::default();
//! limits.mp4.max_moov = 8 << 20;
//! limits.max_findings = 4096;
//! ```

/// Limits shared by every format, plus one section per format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Most findings one file may produce; a file that would produce more
    /// is refused. A finding costs a few hundred bytes, so without this a
    /// crafted file of two-byte elements makes a report a hundred times its
    /// own size (a 12 MB Matroska file of empty `SimpleTag`s took 2.1 GB).
    pub max_findings: usize,
    /// Most same-length overwrites one in-place plan may hold (Matroska,
    /// AVI). A SeekHead of five million empty `Seek`s took 940 MB before
    /// this limit.
    pub max_overwrites: usize,
    /// Most bytes of one metadata value read for reporting; longer values
    /// are reported by their first bytes.
    pub max_value_read: u64,
    /// Most metadata bytes read into memory from one file, all values
    /// together.
    pub max_metadata_read: u64,
    /// Most bytes of replacement structures (placeholders, neutralised
    /// values) held in memory by an in-place plan.
    pub max_replacement: u64,
    /// JPEG.
    pub jpeg: JpegLimits,
    /// MP4 / MOV / 3GP.
    pub mp4: Mp4Limits,
    /// Matroska / WebM.
    pub matroska: MatroskaLimits,
    /// AVI.
    pub avi: AviLimits,
    /// TIFF structures (TIFF files and every embedded Exif block).
    pub tiff: TiffLimits,
    /// PNG / APNG.
    pub png: PngLimits,
    /// GIF.
    pub gif: GifLimits,
    /// WebP.
    pub webp: WebpLimits,
    /// JPEG XL (container).
    pub jxl: JxlLimits,
    /// JPEG 2000 (JP2).
    pub jp2: Jp2Limits,
    /// HEIF / HEIC / AVIF.
    pub heif: HeifLimits,
    /// Audio: MP3, WAV, FLAC, Ogg.
    pub audio: AudioLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_findings: 1 << 16,
            max_overwrites: 1 << 18,
            max_value_read: 64 * 1024,
            max_metadata_read: 16 << 20,
            max_replacement: 256 << 20,
            jpeg: JpegLimits::default(),
            mp4: Mp4Limits::default(),
            matroska: MatroskaLimits::default(),
            avi: AviLimits::default(),
            tiff: TiffLimits::default(),
            png: PngLimits::default(),
            gif: GifLimits::default(),
            webp: WebpLimits::default(),
            jxl: JxlLimits::default(),
            jp2: Jp2Limits::default(),
            heif: HeifLimits::default(),
            audio: AudioLimits::default(),
        }
    }
}

/// JPEG limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct JpegLimits {
    /// Most marker segments accepted.
    pub max_segments: usize,
    /// Extended XMP is reassembled (for reporting) up to this size.
    pub max_extended_xmp: usize,
    /// Junk bytes tolerated between two segments before the file is
    /// refused (libjpeg skips them with a warning).
    pub max_junk: u64,
}

impl Default for JpegLimits {
    fn default() -> Self {
        JpegLimits {
            max_segments: 1 << 18,
            max_extended_xmp: 8 << 20,
            max_junk: 4096,
        }
    }
}

/// ISO-BMFF (MP4 / MOV / 3GP) limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mp4Limits {
    /// Largest `moov` read into memory.
    pub max_moov: u64,
    /// Largest single `moof` read into memory.
    pub max_moof: u64,
    /// Most bytes of rewritten `moof`s held in the plan, all fragments
    /// together (each is at most `max_moof`, but a file may hold thousands).
    pub max_moofs_held: u64,
    /// Largest metadata box read to describe it (bigger ones are reported
    /// by size only).
    pub max_describe: u64,
    /// Deepest box nesting accepted.
    pub max_depth: usize,
    /// Most boxes accepted inside one `moov`.
    pub max_boxes: usize,
    /// Most top-level boxes accepted.
    pub max_top_level: usize,
    /// Most sample bytes of removed tracks zeroed.
    pub max_zeroed: u64,
    /// Most separate ranges zeroed inside `mdat` (each costs two plan
    /// pieces; a 64 MiB `moov` can list 16 million chunks).
    pub max_zero_ranges: usize,
    /// How many chunks of a text track are read to judge its content.
    pub text_samples_checked: usize,
    /// How many bytes of each such chunk are read.
    pub text_sample_bytes: u64,
    /// Most text-track bytes read, all tracks together.
    pub max_text_read: u64,
    /// Most samples walked one by one, all tracks together: Motion JPEG
    /// frames (their metadata is blanked in place) and samples of removed
    /// tracks (checked to be what their track says). A constant-size
    /// `stsz` or a `trun` without sizes can claim billions of empty samples
    /// without a table to hold them.
    pub max_samples_walked: u64,
}

impl Default for Mp4Limits {
    fn default() -> Self {
        Mp4Limits {
            max_moov: 64 << 20,
            max_moof: 16 << 20,
            max_moofs_held: 256 << 20,
            max_describe: 16 << 20,
            max_depth: 16,
            max_boxes: 1 << 20,
            max_top_level: 1 << 20,
            max_zeroed: 256 << 20,
            max_zero_ranges: 1 << 22,
            text_samples_checked: 16,
            text_sample_bytes: 4096,
            max_text_read: 4 << 20,
            max_samples_walked: 1 << 24,
        }
    }
}

/// Matroska / WebM limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MatroskaLimits {
    /// Deepest nesting accepted (EBML header = depth 0; nested SimpleTags
    /// and ChapterAtoms are the deepest legitimate structures).
    pub max_depth: usize,
    /// Most element headers read from one file. An hour of 60 fps video
    /// with two audio tracks is about 700,000 blocks, so this leaves room
    /// for a dozen passes over the blocks.
    pub max_elements: u64,
    /// Most `TrackEntry` elements in one Segment.
    pub max_tracks: usize,
    /// Blocks of a removed track whose text is read for the report and the
    /// leak scan's needles.
    pub sampled_blocks: u64,
    /// Most bytes of one block read as text.
    pub text_per_block: u64,
    /// Most bytes of block payload read as text from one file. Past it, a
    /// subtitle track that would be kept is removed: text that was not
    /// read cannot be vouched for.
    pub max_text_read: u64,
}

impl Default for MatroskaLimits {
    fn default() -> Self {
        MatroskaLimits {
            max_depth: 32,
            max_elements: 1 << 24,
            max_tracks: 1024,
            sampled_blocks: 16,
            text_per_block: 4096,
            max_text_read: 64 << 20,
        }
    }
}

/// AVI limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AviLimits {
    /// Deepest LIST nesting accepted (`RIFF/LIST hdrl/LIST strl/chunk` is
    /// 3).
    pub max_depth: usize,
    /// Most chunk headers read from one file, `movi` included (one per
    /// video frame and audio block: nine hours of 30 fps video with audio
    /// is about two million).
    pub max_chunks: u64,
}

impl Default for AviLimits {
    fn default() -> Self {
        AviLimits {
            max_depth: 8,
            max_chunks: 1 << 24,
        }
    }
}

/// Explicit limits on what a TIFF structure may make the reader do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TiffLimits {
    /// Most entries accepted in one IFD.
    pub max_entries_per_ifd: u64,
    /// Most IFDs accepted in one TIFF structure, all chains together.
    pub max_ifds: usize,
    /// Deepest sub-IFD nesting accepted (IFD0's chain is depth 0, the Exif
    /// IFD depth 1, its Interoperability IFD depth 2).
    pub max_depth: usize,
    /// Most values of one entry read as numbers (strip offsets of a large
    /// image written one row per strip number in the hundreds of
    /// thousands).
    pub max_values: u64,
    /// Largest kept value read into memory to be examined (an ICC
    /// profile to neutralise, a DNG opcode list, JPEG tables, the header
    /// segments of one JPEG-compressed strip or tile); a TIFF file with a
    /// larger one is refused.
    pub max_kept_value: u64,
}

impl Default for TiffLimits {
    fn default() -> Self {
        TiffLimits {
            // Real IFDs hold tens of entries; 4096 × 20 bytes is 80 KiB.
            max_entries_per_ifd: 4096,
            max_ifds: 256,
            max_depth: 8,
            max_values: 1 << 20,
            max_kept_value: 4 << 20,
        }
    }
}

/// PNG / APNG limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PngLimits {
    /// Most chunks accepted (an animation of thousands of frames has two
    /// chunks per frame).
    pub max_chunks: u64,
    /// Most bytes of one removed chunk (text, `eXIf`) read to describe it;
    /// the rest of a longer one is reported by its size.
    pub max_text_chunk: u64,
    /// Most bytes inflated from the compressed text chunks (`zTXt`,
    /// compressed `iTXt`) of one file, all chunks together, to describe
    /// them; a chunk past this is reported by its size only.
    pub max_text_inflated: u64,
    /// Largest `iCCP` chunk read into memory to rebuild it with a neutral
    /// profile name (a file with a larger one is refused when the profile
    /// is kept).
    pub max_icc: u64,
    /// Most bytes an `iCCP` profile may inflate to when it is checked
    /// (a kept profile must be one whole zlib stream).
    pub max_icc_inflated: u64,
}

impl Default for PngLimits {
    fn default() -> Self {
        PngLimits {
            max_chunks: 1 << 20,
            max_text_chunk: 1 << 20,
            max_text_inflated: 16 << 20,
            max_icc: 4 << 20,
            max_icc_inflated: 16 << 20,
        }
    }
}

/// GIF limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct GifLimits {
    /// Most blocks (images and extensions) accepted.
    pub max_blocks: u64,
    /// Most bytes of one removed extension (comment, plain text, XMP)
    /// read to describe it; the rest is reported by size.
    pub max_describe: u64,
}

impl Default for GifLimits {
    fn default() -> Self {
        GifLimits {
            max_blocks: 1 << 20,
            max_describe: 1 << 20,
        }
    }
}

/// WebP limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebpLimits {
    /// Most chunk headers read from one file, animation frames and their
    /// sub-chunks included.
    pub max_chunks: u64,
    /// Largest ICC profile kept (`ICCP`); a bigger one is refused.
    pub max_icc: u64,
}

impl Default for WebpLimits {
    fn default() -> Self {
        WebpLimits {
            max_chunks: 1 << 20,
            max_icc: 16 << 20,
        }
    }
}

/// JPEG XL container limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct JxlLimits {
    /// Most top-level boxes accepted (a progressive file may split its
    /// codestream into many `jxlp` boxes).
    pub max_boxes: u64,
    /// Largest frame index (`jxli`) read into memory to check it.
    pub max_index: u64,
}

impl Default for JxlLimits {
    fn default() -> Self {
        JxlLimits {
            max_boxes: 1 << 16,
            max_index: 16 << 20,
        }
    }
}

/// JPEG 2000 (JP2) limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Jp2Limits {
    /// Most boxes accepted, top-level and inside `jp2h` together.
    pub max_boxes: u64,
    /// Largest JP2 header box (`jp2h`, with its ICC profile) read into
    /// memory.
    pub max_header: u64,
    /// Most codestream marker segments and tile-parts walked.
    pub max_markers: u64,
    /// Largest codestream main header (SOC up to the first SOT) read into
    /// memory.
    pub max_main_header: u64,
}

impl Default for Jp2Limits {
    fn default() -> Self {
        Jp2Limits {
            max_boxes: 1 << 16,
            max_header: 16 << 20,
            max_markers: 1 << 20,
            max_main_header: 16 << 20,
        }
    }
}

/// HEIF / HEIC / AVIF limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct HeifLimits {
    /// Largest `meta` box read into memory (phones write a few KiB; a
    /// 48-tile grid with thumbnails is about 4 KiB).
    pub max_meta: u64,
    /// Most top-level boxes accepted.
    pub max_top_level: u64,
    /// Most boxes accepted inside `meta`, all levels together (`infe`,
    /// properties, references).
    pub max_boxes: u64,
    /// Deepest box nesting accepted inside `meta`.
    pub max_depth: usize,
    /// Most items (`infe` entries) accepted.
    pub max_items: u64,
    /// Most extents of one item in `iloc`.
    pub max_extents: u64,
    /// Most item references (`iref` target IDs), all entries together.
    pub max_references: u64,
    /// Most properties in `ipco`, and most associations of one item.
    pub max_properties: u64,
    /// Most bytes of one removed item (Exif, XMP) read to describe it; the
    /// rest is reported by its size.
    pub max_describe: u64,
}

impl Default for HeifLimits {
    fn default() -> Self {
        HeifLimits {
            max_meta: 16 << 20,
            max_top_level: 1 << 16,
            max_boxes: 1 << 18,
            max_depth: 8,
            max_items: 1 << 16,
            max_extents: 1 << 16,
            max_references: 1 << 20,
            max_properties: 1 << 15,
            max_describe: 1 << 20,
        }
    }
}

/// Audio limits (MP3, WAV, FLAC, Ogg Vorbis/Opus).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AudioLimits {
    /// Most MPEG audio frames walked in an MP3 file (ten hours at 48 kHz
    /// is about 1.4 million).
    pub max_mp3_frames: u64,
    /// Most bytes of one removed tag or block (ID3v2, APEv2, FLAC
    /// picture, RIFF chunk) read into memory to describe it; the rest is
    /// reported by its size.
    pub max_describe: u64,
    /// Most tags stacked before or after the audio (ID3v2, ID3v1, APEv2,
    /// Lyrics3): a file is refused beyond this.
    pub max_tags: usize,
    /// Most FLAC metadata blocks accepted.
    pub max_flac_blocks: u64,
    /// Most RIFF chunks accepted in a WAV file.
    pub max_wav_chunks: u64,
    /// Most Ogg pages walked (an hour of Opus at 20 ms per packet, one
    /// packet per page at worst, is 180 000).
    pub max_ogg_pages: u64,
    /// Most logical streams in one Ogg file (chained or multiplexed).
    pub max_ogg_streams: usize,
    /// Largest Ogg comment header packet read into memory to rewrite it
    /// (cover art is stored there, base64-encoded); a bigger one is
    /// refused. Like an MP4 `moov`, it is structure that must be held to
    /// be rewritten, so it has its own limit rather than the shared read
    /// budget.
    pub max_ogg_comment: u64,
}

impl Default for AudioLimits {
    fn default() -> Self {
        AudioLimits {
            max_mp3_frames: 1 << 24,
            max_describe: 1 << 20,
            max_tags: 64,
            max_flac_blocks: 1 << 12,
            max_wav_chunks: 1 << 16,
            max_ogg_pages: 1 << 24,
            max_ogg_streams: 64,
            max_ogg_comment: 32 << 20,
        }
    }
}
