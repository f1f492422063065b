//! Typed views of the fixed-layout boxes and sample entries the `moov`
//! rewrite reads or zeroes, each parsed once from its body.
//!
//! A view holds values and *ranges into the body* rather than offsets
//! computed at the call site, so the layout of each structure is written
//! down once, next to the section of ISO/IEC 14496-12 (or the QuickTime
//! File Format) that defines it. Strict views ([`TimesBox`], [`Tkhd`]) fail
//! on a short body; tolerant views ([`Hdlr`], [`VisualEntry`],
//! [`SoundEntry`]) describe only the fields that are present, because the
//! rewrite zeroes whatever is there and copies the rest.

use std::ops::Range;

use crate::container::isobmff::FourCc;
use crate::error::Result;
use crate::io::cursor::Reader;

/// The version and flags that open a FullBox (§ 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FullBox {
    /// Layout version of the box.
    pub version: u8,
    /// 24 bits of flags.
    pub flags: u32,
}

impl FullBox {
    /// Read the 4-byte FullBox prefix.
    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        let (version, flags) = r.full_box()?;
        Ok(FullBox { version, flags })
    }

    /// Width of version-dependent time and duration fields: 64 bits in
    /// version 1, 32 bits otherwise.
    pub fn time_width(&self) -> usize {
        if self.version == 1 {
            8
        } else {
            4
        }
    }
}

/// The creation and modification times that open `mvhd` (§ 8.2.2),
/// `tkhd` (§ 8.3.2) and `mdhd` (§ 8.4.2): 32-bit in version 0, 64-bit in
/// version 1, seconds since 1904 either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TimesBox {
    /// Version and flags.
    pub full: FullBox,
    /// `creation_time`.
    pub created: u64,
    /// `modification_time`.
    pub modified: u64,
    /// Where both times lie in the body (zeroed by the rewrite).
    pub span: Range<usize>,
}

impl TimesBox {
    /// Parse the body of `mvhd`, `tkhd` or `mdhd` at file offset `base`;
    /// `what` names the box in a truncation error.
    pub fn parse(body: &[u8], base: u64, what: &'static str) -> Result<Self> {
        Self::read(&mut Reader::new(body, base, what))
    }

    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let full = FullBox::read(r)?;
        let width = full.time_width();
        let start = r.pos();
        let created = r.be_uint(width)?;
        let modified = r.be_uint(width)?;
        Ok(TimesBox {
            full,
            created,
            modified,
            span: start..r.pos(),
        })
    }
}

/// The declared length of an `mvhd` (§ 8.2.2), `tkhd` (§ 8.3.2) or `mdhd`
/// (§ 8.4.2) body of `version` (0 or 1), and its fields that carry nothing
/// a player needs: reserved fields, QuickTime's preview, poster, selection
/// and current times (`mvhd` `pre_defined`), QuickTime's quality (`mdhd`
/// `pre_defined`).
pub(crate) fn header_layout(kind: &FourCc, version: u8) -> (usize, Vec<Range<usize>>) {
    let w = if version == 1 { 8 } else { 4 };
    match kind {
        b"mvhd" => {
            // FullBox, times, timescale, duration.
            let a = 4 + 2 * w + 4 + w;
            // rate 4, volume 2, reserved 10, matrix 36, pre_defined 24,
            // next_track_ID 4.
            (a + 80, vec![a + 6..a + 16, a + 52..a + 76])
        }
        b"tkhd" => {
            // FullBox, times, track_ID.
            let a = 4 + 2 * w + 4;
            // reserved 4, duration, reserved 8, layer, alternate_group,
            // volume, reserved 2, matrix 36, width, height.
            let b = a + 4 + w;
            (b + 60, vec![a..a + 4, b..b + 8, b + 14..b + 16])
        }
        // FullBox, times, timescale, duration, language, pre_defined.
        _ => {
            let a = 4 + 2 * w + 4 + w;
            (a + 4, std::iter::once(a + 2..a + 4).collect())
        }
    }
}

/// A track header (§ 8.3.2): times, track ID and display matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tkhd {
    /// Creation and modification times.
    pub times: TimesBox,
    /// `track_ID`.
    pub track_id: u32,
    /// The 3×3 display matrix (16.16 and 2.30 fixed point), when the body
    /// holds all of it.
    pub matrix: Option<[i32; 9]>,
}

impl Tkhd {
    /// Parse a `tkhd` body at file offset `base`: strict up to the track
    /// ID, tolerant of a short matrix.
    pub fn parse(body: &[u8], base: u64) -> Result<Self> {
        let mut r = Reader::new(body, base, "MP4 tkhd");
        let times = TimesBox::read(&mut r)?;
        let track_id = r.u32()?;
        // reserved u32, duration (as wide as the times), reserved[2] u32,
        // layer, alternate_group, volume, reserved (u16 each).
        let before_matrix = 4 + times.full.time_width() + 8 + 8;
        let matrix = r.skip(before_matrix).and_then(|()| {
            let mut cells = [0i32; 9];
            for cell in &mut cells {
                *cell = i32::from_be_bytes(r.array()?);
            }
            Ok(cells)
        });
        Ok(Tkhd {
            times,
            track_id,
            matrix: matrix.ok(),
        })
    }
}

/// A handler reference (§ 8.4.3), read tolerantly.
///
/// QuickTime fills what ISO calls `pre_defined` and `reserved` with the
/// component type, manufacturer (`appl`, `pent`, …) and flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hdlr {
    /// `handler_type` (`vide`, `soun`, `meta`, …).
    pub handler_type: Option<FourCc>,
    /// `reserved[3]`: the QuickTime component manufacturer and flags.
    pub reserved: Option<Range<usize>>,
    /// The handler name, to the end of the box.
    pub name: Option<Range<usize>>,
}

impl Hdlr {
    /// Describe the fields present in an `hdlr` body.
    pub fn parse(body: &[u8]) -> Self {
        let mut fields = Fields::new(body);
        fields.skip(4 + 4); // FullBox, pre_defined
        let handler_type = fields
            .take(4)
            .and_then(|range| body.get(range))
            .and_then(|bytes| FourCc::try_from(bytes).ok());
        let reserved = fields.take(12);
        Hdlr {
            handler_type,
            reserved,
            name: fields.rest(),
        }
    }

    /// Only the handler type, failing on a short body (read before the
    /// fate of a track is decided).
    pub fn handler_type(body: &[u8], base: u64) -> Result<FourCc> {
        let mut r = Reader::new(body, base, "MP4 hdlr");
        r.skip(4 + 4)?;
        r.array()
    }
}

/// A sample description box (§ 8.5.2): FullBox and `entry_count`, then
/// the sample entries as child boxes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stsd<'b> {
    /// FullBox and `entry_count`, copied as they are.
    pub head: &'b [u8],
    /// The sample entries.
    pub entries: &'b [u8],
    /// File offset of `entries`.
    pub entries_at: u64,
}

impl<'b> Stsd<'b> {
    /// Split an `stsd` body at file offset `base`; fails when it is shorter
    /// than its head.
    pub fn parse(body: &'b [u8], base: u64) -> Result<Self> {
        let mut r = Reader::new(body, base, "MP4 stsd");
        let head = r.bytes(4 + 4)?;
        let entries_at = r.offset();
        Ok(Stsd {
            head,
            entries: r.rest(),
            entries_at,
        })
    }
}

/// The fields every sample entry starts with (§ 8.5.2.2): `reserved[6]`
/// and `data_reference_index`.
const SAMPLE_ENTRY_HEAD: usize = 6 + 2;

/// A visual sample entry (§ 12.1.3; QuickTime `VideoSampleDescription`),
/// read tolerantly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VisualEntry {
    /// What ISO calls `pre_defined` and `reserved`: QuickTime's version,
    /// revision level and vendor code of the writer (the vendor last).
    pub encoder: Option<Range<usize>>,
    /// `compressorname[32]`: the encoder's name.
    pub compressor_name: Option<Range<usize>>,
    /// QuickTime's temporal and spatial quality (reserved in ISO).
    pub quality: Option<Range<usize>>,
    /// Where the child boxes (`avcC`, `colr`, …) start.
    pub children_at: usize,
}

impl VisualEntry {
    /// Describe the fields present in a visual sample entry body.
    pub fn parse(body: &[u8]) -> Self {
        let mut fields = Fields::new(body);
        fields.skip(SAMPLE_ENTRY_HEAD);
        // Version, revision level, vendor.
        let encoder = fields.take(2 + 2 + 4);
        // Temporal and spatial quality, width, height, horizontal and
        // vertical resolution, reserved, frame_count.
        let quality = fields.take(4 + 4);
        fields.skip(2 + 2 + 4 + 4 + 4 + 2);
        let compressor_name = fields.take(32);
        fields.skip(2 + 2); // depth, pre_defined
        VisualEntry {
            encoder,
            compressor_name,
            quality,
            children_at: fields.at,
        }
    }
}

/// An audio sample entry (§ 12.2.3; QuickTime `SoundDescription` versions
/// 0, 1 and 2), read tolerantly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SoundEntry {
    /// QuickTime's revision level and vendor code of the writer (the
    /// vendor last). The version before them stays: it gives the layout.
    pub encoder: Option<Range<usize>>,
    /// Where the child boxes (`esds`, `damr`, …) start.
    pub children_at: usize,
}

impl SoundEntry {
    /// Describe the fields present in an audio sample entry body.
    pub fn parse(body: &[u8]) -> Self {
        let mut fields = Fields::new(body);
        fields.skip(SAMPLE_ENTRY_HEAD);
        let version = fields.take(2).and_then(|range| body.get(range));
        // Revision level, vendor.
        let encoder = fields.take(2 + 4);
        // Channel count, sample size, compression ID, packet size, sample
        // rate.
        fields.skip(2 + 2 + 2 + 2 + 4);
        fields.skip(match version {
            // Samples per packet, bytes per packet, per frame, per sample.
            Some([0, 1]) => 4 * 4,
            // Struct size, f64 sample rate, channels, a constant, bits per
            // channel, format flags, bytes per packet, frames per packet.
            Some([0, 2]) => 4 + 8 + 4 * 6,
            _ => 0,
        });
        SoundEntry {
            encoder,
            children_at: fields.at,
        }
    }
}

/// Hands out consecutive fields of a body as ranges, `None` for a field
/// the body does not hold entirely.
#[derive(Debug)]
struct Fields {
    at: usize,
    len: usize,
}

impl Fields {
    fn new(body: &[u8]) -> Self {
        Fields {
            at: 0,
            len: body.len(),
        }
    }

    /// The next `n` bytes.
    fn take(&mut self, n: usize) -> Option<Range<usize>> {
        let start = self.at;
        self.at = self.at.saturating_add(n);
        (self.at <= self.len).then_some(start..self.at)
    }

    /// Step over `n` bytes.
    fn skip(&mut self, n: usize) {
        self.at = self.at.saturating_add(n);
    }

    /// Everything after the fields taken so far.
    fn rest(&self) -> Option<Range<usize>> {
        (self.at <= self.len).then_some(self.at..self.len)
    }
}

/// A handler or compressor name: Pascal string (QuickTime) or C string.
pub(crate) fn pascal_or_c_string(bytes: &[u8]) -> String {
    let text = match bytes.split_first() {
        Some((len, rest)) if usize::from(*len) <= rest.len() && !(0x20..0x7F).contains(len) => {
            rest.get(..usize::from(*len)).unwrap_or_default()
        }
        _ => {
            let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
            bytes.get(..end).unwrap_or_default()
        }
    };
    String::from_utf8_lossy(text).into_owned()
}

/// Seconds since 1904-01-01 (the QuickTime epoch) as a UTC date.
pub(crate) fn mac_time(seconds: u64) -> String {
    const EPOCH_DIFF: i64 = 2_082_844_800;
    let Ok(secs) = i64::try_from(seconds) else {
        return format!("{seconds} s since 1904");
    };
    crate::metadata::time::unix_utc(secs - EPOCH_DIFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_mac_times() {
        assert_eq!(mac_time(0), "1904-01-01 00:00:00 UTC");
        assert_eq!(mac_time(2_082_844_800), "1970-01-01 00:00:00 UTC");
        assert_eq!(mac_time(3_786_912_000), "2024-01-01 00:00:00 UTC");
    }

    #[test]
    fn names() {
        assert_eq!(pascal_or_c_string(b"\x09GoPro AVC\0\0"), "GoPro AVC");
        assert_eq!(pascal_or_c_string(b"VideoHandler\0"), "VideoHandler");
    }

    #[test]
    fn views_place_the_fields_where_the_specification_does() {
        // tkhd: version 0 times at 4..12, track ID at 12, matrix at 40;
        // version 1 times at 4..20, track ID at 20, matrix at 52.
        for (version, times, id_at, matrix_at) in [(0u8, 4..12, 12, 40), (1, 4..20, 20, 52)] {
            let mut body = vec![0u8; matrix_at + 36 + 8];
            body[0] = version;
            body[id_at..id_at + 4].copy_from_slice(&7u32.to_be_bytes());
            body[matrix_at..matrix_at + 4].copy_from_slice(&0x10000i32.to_be_bytes());
            let tkhd = Tkhd::parse(&body, 0).unwrap();
            assert_eq!(tkhd.times.span, times);
            assert_eq!(tkhd.track_id, 7);
            assert_eq!(tkhd.matrix.unwrap()[0], 0x10000);
            assert!(Tkhd::parse(&body[..matrix_at + 35], 0)
                .unwrap()
                .matrix
                .is_none());
            assert!(Tkhd::parse(&body[..id_at + 3], 0).is_err());
        }
        let hdlr = Hdlr::parse(&[0; 30]);
        assert_eq!(
            (hdlr.handler_type, hdlr.reserved, hdlr.name),
            (Some([0; 4]), Some(12..24), Some(24..30))
        );
        let short = Hdlr::parse(&[0; 20]);
        assert_eq!((short.reserved, short.name), (None, None));
        let visual = VisualEntry::parse(&[0; 80]);
        assert_eq!(
            (visual.encoder, visual.compressor_name, visual.children_at),
            (Some(8..16), Some(42..74), 78)
        );
        for (version, children_at) in [(0u8, 28), (1, 44), (2, 64), (3, 28)] {
            let mut body = vec![0u8; 30];
            body[9] = version;
            let sound = SoundEntry::parse(&body);
            assert_eq!(
                (sound.encoder, sound.children_at),
                (Some(10..16), children_at)
            );
        }
    }
}
