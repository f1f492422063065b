//! Where a track's samples lie in the file: from the sample tables
//! (`stsz`/`stz2`, `stsc`, `stco`/`co64`) of a `moov`, or from the
//! `tfhd`/`trun` boxes of a movie fragment.
//!
//! Samples of one chunk (or one `trun`) are contiguous, so ranges are
//! produced per chunk rather than per sample: a plan zeroing a removed
//! track then needs one piece per chunk at most, and adjacent chunks are
//! coalesced later.

use crate::error::{Error, Result};
use crate::io::cursor::{be_uint, Reader};

/// A byte range `[offset, offset + len)` in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Range {
    /// First byte.
    pub offset: u64,
    /// Number of bytes.
    pub len: u64,
}

impl Range {
    /// One past the last byte (saturating: ranges are checked elsewhere).
    pub fn end(&self) -> u64 {
        self.offset.saturating_add(self.len)
    }
}

/// Sample sizes from `stsz` or `stz2`.
#[derive(Debug, Clone)]
pub(crate) enum SampleSizes<'a> {
    /// Every sample has this size.
    Constant { size: u32, count: u32 },
    /// One entry per sample, `field_bits` wide (4, 8, 16 or 32).
    Table {
        table: &'a [u8],
        field_bits: u8,
        count: u32,
    },
}

impl SampleSizes<'_> {
    /// Number of samples.
    pub fn count(&self) -> u32 {
        match self {
            SampleSizes::Constant { count, .. } | SampleSizes::Table { count, .. } => *count,
        }
    }

    /// Size of sample `index` (0-based); `None` past the table.
    pub fn size(&self, index: u32) -> Option<u64> {
        match self {
            SampleSizes::Constant { size, count } => (index < *count).then_some(u64::from(*size)),
            SampleSizes::Table {
                table,
                field_bits,
                count,
            } => {
                if index >= *count {
                    return None;
                }
                let i = index as usize;
                match field_bits {
                    4 => {
                        let byte = table.get(i / 2)?;
                        Some(u64::from(if i % 2 == 0 { byte >> 4 } else { byte & 0x0F }))
                    }
                    bits => {
                        let width = usize::from(*bits / 8);
                        table.get(i * width..(i + 1) * width).map(be_uint)
                    }
                }
            }
        }
    }
}

/// Parse an `stsz` body.
pub(crate) fn parse_stsz(body: &[u8], base: u64) -> Result<SampleSizes<'_>> {
    let mut r = Reader::new(body, base, "MP4 stsz");
    r.full_box()?;
    let size = r.u32()?;
    let count = r.u32()?;
    if size != 0 {
        return Ok(SampleSizes::Constant { size, count });
    }
    let table = r.table(u64::from(count), 4).map_err(|_| {
        r.error(format!(
            "{count} sample sizes claimed but the box ends first"
        ))
    })?;
    Ok(SampleSizes::Table {
        table,
        field_bits: 32,
        count,
    })
}

/// Parse an `stz2` body.
pub(crate) fn parse_stz2(body: &[u8], base: u64) -> Result<SampleSizes<'_>> {
    let mut r = Reader::new(body, base, "MP4 stz2");
    r.full_box()?;
    r.u24()?; // reserved
    let field_bits = r.u8()?;
    let count = r.u32()?;
    if !matches!(field_bits, 4 | 8 | 16) {
        return Err(r.error(format!("field size {field_bits} is not 4, 8 or 16")));
    }
    // 4-bit sizes are packed two to a byte.
    let table_len = (u64::from(count) * u64::from(field_bits)).div_ceil(8);
    let table = r.table(table_len, 1).map_err(|_| {
        r.error(format!(
            "{count} sample sizes claimed but the box ends first"
        ))
    })?;
    Ok(SampleSizes::Table {
        table,
        field_bits,
        count,
    })
}

/// Chunk offsets from `stco` (32-bit) or `co64` (64-bit).
pub(crate) fn parse_chunk_offsets(body: &[u8], base: u64, wide: bool) -> Result<Vec<u64>> {
    let mut r = Reader::new(body, base, "MP4 chunk offsets");
    r.full_box()?;
    let count = r.u32()?;
    let width = if wide { 8 } else { 4 };
    let table = r.table(u64::from(count), width).map_err(|_| {
        r.error(format!(
            "{count} chunk offsets claimed but the box ends first"
        ))
    })?;
    Ok(table.chunks_exact(width).map(be_uint).collect())
}

/// `stsc` entries: (first chunk, samples per chunk).
pub(crate) fn parse_stsc(body: &[u8], base: u64) -> Result<Vec<(u32, u32)>> {
    let mut r = Reader::new(body, base, "MP4 stsc");
    r.full_box()?;
    let count = r.u32()?;
    let table_at = r.offset();
    let table = r
        .table(u64::from(count), 12)
        .map_err(|_| r.error(format!("{count} entries claimed but the box ends first")))?;
    let mut table = Reader::new(table, table_at, "MP4 stsc");
    let mut entries = Vec::with_capacity(count as usize);
    let mut previous_first = 0;
    for _ in 0..count {
        let first = table.u32()?;
        let per_chunk = table.u32()?;
        table.u32()?; // sample_description_index
        if first == 0 || first <= previous_first {
            return Err(table.error("chunk numbers are not increasing from 1"));
        }
        previous_first = first;
        entries.push((first, per_chunk));
    }
    Ok(entries)
}

/// Byte ranges of every chunk of a track, with the number of samples found.
pub(crate) fn chunk_ranges(
    sizes: &SampleSizes<'_>,
    stsc: &[(u32, u32)],
    chunk_offsets: &[u64],
    file_len: u64,
    base: u64,
) -> Result<(Vec<Range>, u64)> {
    let mut ranges = Vec::with_capacity(chunk_offsets.len());
    let mut sample = 0u32;
    let total = sizes.count();
    let mut entry = 0usize;
    for (chunk_index, chunk_offset) in chunk_offsets.iter().enumerate() {
        let chunk_number = chunk_index as u64 + 1;
        while stsc
            .get(entry + 1)
            .is_some_and(|(first, _)| u64::from(*first) <= chunk_number)
        {
            entry += 1;
        }
        let Some((first, per_chunk)) = stsc.get(entry) else {
            break;
        };
        if u64::from(*first) > chunk_number {
            return Err(Error::malformed(
                "MP4 stsc",
                base,
                "first entry does not start at chunk 1",
            ));
        }
        // A constant-size `stsz` holds no table, so its count (up to 2^32)
        // is not bounded by the box: sum it arithmetically, never sample by
        // sample (an `stsc` of 2^32 - 1 samples per chunk was a hang).
        let take = (*per_chunk).min(total - sample);
        let len = match sizes {
            SampleSizes::Constant { size, .. } => u64::from(take) * u64::from(*size),
            SampleSizes::Table { .. } => {
                let mut len = 0u64;
                for index in sample..sample + take {
                    let size = sizes.size(index).ok_or_else(|| {
                        Error::malformed("MP4 stsz", base, "sample size table too short")
                    })?;
                    len = len.saturating_add(size);
                }
                len
            }
        };
        sample += take;
        let end = chunk_offset.checked_add(len);
        if end.is_none_or(|end| end > file_len) {
            return Err(Error::malformed(
                "MP4 sample table",
                base,
                format!("chunk {chunk_number} at offset {chunk_offset} ({len} bytes) lies outside the file"),
            ));
        }
        if len > 0 {
            ranges.push(Range {
                offset: *chunk_offset,
                len,
            });
        }
        if sample >= total {
            break;
        }
    }
    Ok((ranges, u64::from(sample)))
}

/// Call `visit(offset, len)` for every sample of a track, chunk by chunk,
/// at most `max_samples` of them (a constant-size `stsz` bounds nothing).
/// Unlike [`chunk_ranges`], each sample is seen on its own: Motion JPEG
/// frames are walked one by one, and the samples of removed tracks are
/// checked to be what their track says.
pub(crate) fn for_each_sample(
    sizes: &SampleSizes<'_>,
    stsc: &[(u32, u32)],
    chunk_offsets: &[u64],
    file_len: u64,
    base: u64,
    max_samples: u64,
    mut visit: impl FnMut(u64, u64) -> Result<()>,
) -> Result<()> {
    let total = sizes.count();
    let mut sample = 0u32;
    let mut entry = 0usize;
    for (chunk_index, chunk_offset) in chunk_offsets.iter().enumerate() {
        let chunk_number = chunk_index as u64 + 1;
        while stsc
            .get(entry + 1)
            .is_some_and(|(first, _)| u64::from(*first) <= chunk_number)
        {
            entry += 1;
        }
        let Some((_, per_chunk)) = stsc.get(entry) else {
            break;
        };
        let take = (*per_chunk).min(total - sample);
        let mut at = *chunk_offset;
        for index in sample..sample + take {
            if u64::from(index) >= max_samples {
                return Err(Error::Limit {
                    what: "samples walked in one MP4 track",
                    offset: base,
                    limit: max_samples,
                });
            }
            let size = sizes
                .size(index)
                .ok_or_else(|| Error::malformed("MP4 stsz", base, "sample size table too short"))?;
            let end = at.checked_add(size).filter(|end| *end <= file_len);
            let Some(end) = end else {
                return Err(Error::malformed(
                    "MP4 sample table",
                    base,
                    format!(
                        "sample {} at offset {at} ({size} bytes) lies outside the file",
                        index + 1
                    ),
                ));
            };
            visit(at, size)?;
            at = end;
        }
        sample += take;
        if sample >= total {
            break;
        }
    }
    Ok(())
}

/// Call `visit(size)` for every sample of a `trun` body, in order, at most
/// `max_samples` of them (a `trun` without sizes holds no table that
/// bounds its count).
pub(crate) fn for_each_trun_sample(
    body: &[u8],
    base: u64,
    default_size: u32,
    max_samples: u64,
    mut visit: impl FnMut(u64) -> Result<()>,
) -> Result<()> {
    let mut r = Reader::new(body, base, "MP4 trun");
    let (_, flags) = r.full_box()?;
    let count = r.u32()?;
    if u64::from(count) > max_samples {
        return Err(Error::Limit {
            what: "samples walked in one MP4 track",
            offset: base,
            limit: max_samples,
        });
    }
    r.skip(if flags & 0x1 != 0 { 4 } else { 0 } + if flags & 0x4 != 0 { 4 } else { 0 })?;
    let fields = [0x100u32, 0x200, 0x400, 0x800].map(|bit| flags & bit != 0);
    let [has_duration, has_size, has_flags, has_composition] = fields;
    for _ in 0..count {
        if has_duration {
            r.skip(4)?;
        }
        let size = if has_size { r.u32()? } else { default_size };
        if has_flags {
            r.skip(4)?;
        }
        if has_composition {
            r.skip(4)?;
        }
        visit(u64::from(size))?;
    }
    Ok(())
}

/// Where the declared content of a `trun` body ends (its slack, bytes
/// after the sample table, is blanked by the fragment rewrite).
pub(crate) fn trun_declared_len(body: &[u8], base: u64) -> Result<usize> {
    let mut r = Reader::new(body, base, "MP4 trun");
    let (_, flags) = r.full_box()?;
    let count = r.u32()?;
    r.skip(if flags & 0x1 != 0 { 4 } else { 0 } + if flags & 0x4 != 0 { 4 } else { 0 })?;
    let per_sample = [0x100u32, 0x200, 0x400, 0x800]
        .iter()
        .filter(|bit| flags & **bit != 0)
        .count()
        * 4;
    r.table(u64::from(count), per_sample)?;
    Ok(r.pos())
}

/// Sort ranges and merge the ones that touch or overlap.
pub(crate) fn coalesce(ranges: &mut Vec<Range>) {
    ranges.sort_unstable();
    let mut merged: Vec<Range> = Vec::with_capacity(ranges.len());
    for range in ranges.drain(..) {
        if let Some(last) = merged.last_mut() {
            if range.offset <= last.end() {
                let end = last.end().max(range.end());
                last.len = end - last.offset;
                continue;
            }
        }
        merged.push(range);
    }
    *ranges = merged;
}

/// Whether any range of `a` overlaps any range of `b` (both coalesced).
pub(crate) fn overlaps(a: &[Range], b: &[Range]) -> bool {
    let (mut i, mut j) = (0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        if x.end() <= y.offset {
            i += 1;
        } else if y.end() <= x.offset {
            j += 1;
        } else {
            return true;
        }
    }
    false
}

/// Defaults for fragment samples from `trex`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TrackDefaults {
    /// Default sample size.
    pub sample_size: u32,
}

/// Parsed `tfhd`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FragmentHeader {
    /// Track this fragment belongs to.
    pub track_id: u32,
    /// Explicit base data offset and its position in the tfhd body.
    pub base_data_offset: Option<(u64, usize)>,
    /// Whether the base is the start of the enclosing `moof`.
    pub default_base_is_moof: bool,
    /// Default sample size, if given.
    pub default_sample_size: Option<u32>,
    /// Where the fields its flags declare end in the body.
    pub declared_len: usize,
}

/// Parse a `tfhd` body.
pub(crate) fn parse_tfhd(body: &[u8], base: u64) -> Result<FragmentHeader> {
    let mut r = Reader::new(body, base, "MP4 tfhd");
    let (_, flags) = r.full_box()?;
    let track_id = r.u32()?;
    let base_data_offset = if flags & 0x1 != 0 {
        let at = r.pos();
        Some((r.u64()?, at))
    } else {
        None
    };
    if flags & 0x2 != 0 {
        r.skip(4)?; // sample_description_index
    }
    if flags & 0x8 != 0 {
        r.skip(4)?; // default_sample_duration
    }
    let default_sample_size = if flags & 0x10 != 0 {
        Some(r.u32()?)
    } else {
        None
    };
    if flags & 0x20 != 0 {
        r.skip(4)?; // default_sample_flags
    }
    Ok(FragmentHeader {
        declared_len: r.pos(),
        track_id,
        base_data_offset,
        default_base_is_moof: flags & 0x2_0000 != 0,
        default_sample_size,
    })
}

/// Samples of one `trun`: its data offset (if explicit), count and bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunExtent {
    /// Signed offset from the base, when present.
    pub data_offset: Option<i64>,
    /// Number of samples.
    pub samples: u64,
    /// Total bytes of the samples.
    pub bytes: u64,
}

/// Parse a `trun` body.
pub(crate) fn parse_trun(body: &[u8], base: u64, default_size: u32) -> Result<RunExtent> {
    let mut r = Reader::new(body, base, "MP4 trun");
    let (_, flags) = r.full_box()?;
    let count = r.u32()?;
    let data_offset = if flags & 0x1 != 0 {
        let raw = r.u32()?;
        // Version 0 offsets are formally unsigned, but writers use them as
        // signed; both read the same for any offset that fits the file.
        Some(i64::from(raw as i32))
    } else {
        None
    };
    if flags & 0x4 != 0 {
        r.skip(4)?; // first_sample_flags
    }
    // Per sample: duration, size, flags, composition offset, each present
    // when its flag is set.
    let fields = [0x100u32, 0x200, 0x400, 0x800].map(|bit| flags & bit != 0);
    let per_sample = fields.iter().filter(|present| **present).count() * 4;
    let table_at = r.offset();
    let table = r
        .table(u64::from(count), per_sample)
        .map_err(|_| r.error(format!("{count} samples claimed but the box ends first")))?;
    let [has_duration, has_size, has_flags, has_composition] = fields;
    let bytes = if !has_size {
        u64::from(count) * u64::from(default_size)
    } else {
        let mut table = Reader::new(table, table_at, "MP4 trun");
        let mut total = 0u64;
        for _ in 0..count {
            if has_duration {
                table.skip(4)?;
            }
            total += u64::from(table.u32()?);
            if has_flags {
                table.skip(4)?;
            }
            if has_composition {
                table.skip(4)?;
            }
        }
        total
    };
    Ok(RunExtent {
        data_offset,
        samples: u64::from(count),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_from_tables() {
        // 5 samples of sizes 10,20,30,40,50; 2 samples per chunk.
        let mut stsz = vec![0u8; 4];
        stsz.extend_from_slice(&0u32.to_be_bytes());
        stsz.extend_from_slice(&5u32.to_be_bytes());
        for s in [10u32, 20, 30, 40, 50] {
            stsz.extend_from_slice(&s.to_be_bytes());
        }
        let sizes = parse_stsz(&stsz, 0).unwrap();
        let (ranges, samples) = chunk_ranges(&sizes, &[(1, 2)], &[100, 200, 300], 1000, 0).unwrap();
        assert_eq!(samples, 5);
        assert_eq!(
            ranges,
            vec![
                Range {
                    offset: 100,
                    len: 30
                },
                Range {
                    offset: 200,
                    len: 70
                },
                Range {
                    offset: 300,
                    len: 50
                }
            ]
        );
        assert!(chunk_ranges(&sizes, &[(1, 2)], &[100, 200, 990], 1000, 0).is_err());
    }

    #[test]
    fn lying_counts_are_errors_not_allocations() {
        let mut stsz = vec![0u8; 8];
        stsz.extend_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse_stsz(&stsz, 0).is_err());
        let mut stco = vec![0u8; 4];
        stco.extend_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse_chunk_offsets(&stco, 0, true).is_err());
        let mut trun = 0x0000_0201u32.to_be_bytes().to_vec();
        trun.extend_from_slice(&u32::MAX.to_be_bytes());
        trun.extend_from_slice(&0u32.to_be_bytes());
        assert!(parse_trun(&trun, 0, 0).is_err());
    }

    #[test]
    fn constant_sizes_are_summed_not_iterated() {
        // 2^32 - 1 samples of one byte, all in one chunk: no table bounds the
        // count, so a per-sample loop would run four billion times.
        let sizes = SampleSizes::Constant {
            size: 1,
            count: u32::MAX,
        };
        let start = std::time::Instant::now();
        let (ranges, samples) = chunk_ranges(&sizes, &[(1, u32::MAX)], &[0], u64::MAX, 0).unwrap();
        assert_eq!(samples, u64::from(u32::MAX));
        assert_eq!(
            ranges,
            vec![Range {
                offset: 0,
                len: u64::from(u32::MAX)
            }]
        );
        assert!(chunk_ranges(&sizes, &[(1, u32::MAX)], &[0], 1000, 0).is_err());
        let (_, samples) = chunk_ranges(&sizes, &[(1, 7)], &[0, 10, 20], 1 << 20, 0).unwrap();
        assert_eq!(samples, 21);
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn coalesces() {
        let mut r = vec![
            Range {
                offset: 50,
                len: 10,
            },
            Range { offset: 0, len: 10 },
            Range { offset: 10, len: 5 },
        ];
        coalesce(&mut r);
        assert_eq!(
            r,
            vec![
                Range { offset: 0, len: 15 },
                Range {
                    offset: 50,
                    len: 10
                }
            ]
        );
        assert!(overlaps(&r, &[Range { offset: 55, len: 1 }]));
        assert!(!overlaps(
            &r,
            &[Range {
                offset: 15,
                len: 35
            }]
        ));
    }
}
