//! WAV (RIFF `WAVE`, and its 64-bit forms RF64 and BW64): keep the sound,
//! drop everything else. A splice: WAV holds no absolute offsets (cue
//! points count samples, not bytes), so removed chunks simply go and the
//! RIFF size (or the RF64 `ds64` sizes) is rewritten.
//!
//! **Kept.** `fmt ` up to its known fields (the 16 bytes of WAVEFORMAT,
//! then `cbSize` and the `cbSize` bytes of codec data it announces:
//! WAVEFORMATEXTENSIBLE's channel mask and sub-format, ADPCM coefficients;
//! a chunk whose `cbSize` runs past it is refused), `fact` (its sample
//! count, 4 bytes), `data` (copied by range, never read), and for RF64/BW64
//! a `ds64` rebuilt with the new RIFF size and no size table. Pad bytes are
//! written as zeroes.
//!
//! **Removed** (see [`describe`]): `LIST INFO` (artist, comment, dates,
//! software), `bext` (the Broadcast Wave chunk: originator, originator
//! reference, origination date and time, time reference, UMID, coding
//! history — which can name the recorder and where it was), `iXML`
//! (project, scene, take, notes, location, the recorder's file ids),
//! `axml` (ADM/EBUCore XML), `_PMX` (XMP), `id3 `/`ID3 ` (ID3v2 tags),
//! `cart` (broadcast cart: title, artist, dates, URL), `cue `, `LIST adtl`
//! (cue labels and notes), `smpl`, `inst`, `acid`, `PEAK` (with its
//! timestamp), `chna`, padding (`JUNK`, `PAD `, `FLLR`) and every chunk this
//! module does not know; everything after the RIFF's declared end.
//!
//! **Defensive.** Every chunk size is checked against the RIFF and the
//! file (a `data` chunk claiming more than the file holds is refused, not
//! trusted); chunk ids must be printable (bytes that are not a chunk are
//! refused rather than skipped); `fmt ` before `data`, at most one of
//! each; chunk count and bytes read into memory are limited.

mod describe;

use crate::container::riff::{fourcc_name, Chunk};
use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Finding};
use crate::formats::{append, Planner};
use crate::io::SourceExt;
use crate::metadata::trailer;
use crate::plan::Plan;
use crate::scan::Scan;

const STRUCTURE: &str = "WAV chunk";

/// A RIFF size field meaning "see `ds64`" in RF64/BW64.
const SIZE_IN_DS64: u32 = u32::MAX;

/// Length of a `ds64` body without its size table: RIFF size, data size,
/// sample count (8 bytes each), table length (4).
const DS64_FIELDS: u64 = 28;

/// The WAV planner.
pub(crate) struct Wav;

impl Planner for Wav {
    fn plan(scan: &mut Scan<'_>) -> Result<Plan> {
        let src = scan.src;
        let head: [u8; 12] = src.read_array(0, STRUCTURE)?;
        let [m0, m1, m2, m3, s0, s1, s2, s3, f0, f1, f2, f3] = head;
        let magic = [m0, m1, m2, m3];
        if [f0, f1, f2, f3] != *b"WAVE" {
            return Err(Error::malformed(STRUCTURE, 8, "not a RIFF WAVE file"));
        }
        let declared = u32::from_le_bytes([s0, s1, s2, s3]);
        let (ds64, first) = match &magic {
            b"RIFF" => (None, 12),
            b"RF64" | b"BW64" => {
                let ds64 = Ds64::read(scan)?;
                let first = ds64.chunk.end;
                (Some(ds64), first)
            }
            _ => return Err(Error::malformed(STRUCTURE, 0, "not a RIFF WAVE file")),
        };
        let riff_size = match &ds64 {
            Some(ds64) => ds64.riff_size,
            None => u64::from(declared),
        };
        let riff_end = 8u64.saturating_add(riff_size);
        if riff_end > src.len() {
            return Err(Error::overrun(
                STRUCTURE,
                0,
                format!(
                    "'{}' claims {riff_size} bytes but the file holds {}",
                    fourcc_name(&magic),
                    src.len().saturating_sub(8)
                ),
            ));
        }
        if riff_end < first {
            return Err(Error::malformed(
                STRUCTURE,
                0,
                format!("'{}' is too short to hold its header", fourcc_name(&magic)),
            ));
        }
        let mut walker = Walker {
            scan,
            ds64: ds64.as_ref(),
            body: Plan::new(),
            fmt: false,
            fact: false,
            data: None,
        };
        let mut pos = first;
        while pos < riff_end {
            let chunk = walker.chunk(pos, riff_end)?;
            walker.child(&chunk)?;
            pos = chunk.end;
        }
        let Some(data) = walker.data else {
            return Err(Error::malformed(STRUCTURE, 0, "no 'data' chunk"));
        };
        if let Some(finding) = trailer::report(src, riff_end, "RIFF")? {
            walker.scan.report(finding);
        }
        let body = walker.body;
        let mut plan = Plan::new();
        match ds64 {
            None => {
                let size = u32::try_from(body.output_len() + 4)
                    .map_err(|_| Error::malformed(STRUCTURE, 0, "output too large for RIFF"))?;
                let mut header = b"RIFF".to_vec();
                header.extend_from_slice(&size.to_le_bytes());
                header.extend_from_slice(b"WAVE");
                plan.data(header);
            }
            Some(ds64) => {
                let ds64_len = 8 + DS64_FIELDS;
                let riff_size = 4 + ds64_len + body.output_len();
                let mut header = magic.to_vec();
                header.extend_from_slice(&SIZE_IN_DS64.to_le_bytes());
                header.extend_from_slice(b"WAVE");
                header.extend_from_slice(b"ds64");
                header.extend_from_slice(&(DS64_FIELDS as u32).to_le_bytes());
                header.extend_from_slice(&riff_size.to_le_bytes());
                header.extend_from_slice(&data.to_le_bytes());
                header.extend_from_slice(&ds64.sample_count.to_le_bytes());
                header.extend_from_slice(&0u32.to_le_bytes());
                plan.data(header);
            }
        }
        append(&mut plan, body);
        Ok(plan)
    }
}

/// The RF64/BW64 `ds64` chunk: the 64-bit sizes.
struct Ds64 {
    chunk: Chunk,
    riff_size: u64,
    data_size: u64,
    sample_count: u64,
    /// Sizes of other chunks whose 32-bit size field says "see `ds64`".
    table: Vec<([u8; 4], u64)>,
}

impl Ds64 {
    fn read(scan: &mut Scan<'_>) -> Result<Self> {
        let src = scan.src;
        let header: [u8; 8] = src.read_array(12, STRUCTURE)?;
        let [i0, i1, i2, i3, s0, s1, s2, s3] = header;
        if [i0, i1, i2, i3] != *b"ds64" {
            return Err(Error::malformed(
                STRUCTURE,
                12,
                "an RF64 file must start with a 'ds64' chunk",
            ));
        }
        let size = u64::from(u32::from_le_bytes([s0, s1, s2, s3]));
        if size < DS64_FIELDS || 20 + size > src.len() {
            return Err(Error::malformed(
                STRUCTURE,
                12,
                format!("'ds64' of {size} bytes"),
            ));
        }
        // The table is read within the chunk, so its length is bounded by
        // the chunk's own (checked) size.
        let body = src.read_vec(20, size, 1 << 20, STRUCTURE)?;
        let u64_at = |at: usize| {
            body.get(at..at + 8)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_le_bytes)
                .unwrap_or(0)
        };
        let entries = body
            .get(24..28)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes)
            .unwrap_or(0);
        let table_len = u64::from(entries) * 12;
        if DS64_FIELDS + table_len > size {
            return Err(Error::overrun(
                STRUCTURE,
                12,
                format!("'ds64' lists {entries} sizes that do not fit its {size} bytes"),
            ));
        }
        let table = body
            .get(28..28 + table_len as usize)
            .unwrap_or_default()
            .chunks_exact(12)
            .map(|entry| {
                let mut id = [0u8; 4];
                id.copy_from_slice(entry.get(..4).unwrap_or(&[0; 4]));
                let size = entry
                    .get(4..12)
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                    .map(u64::from_le_bytes)
                    .unwrap_or(0);
                (id, size)
            })
            .collect();
        let end = 20 + size + (size & 1);
        Ok(Ds64 {
            chunk: Chunk {
                id: *b"ds64",
                start: 12,
                data: 20,
                size,
                end,
            },
            riff_size: u64_at(0),
            data_size: u64_at(8),
            sample_count: u64_at(16),
            table,
        })
    }
}

struct Walker<'s, 'a> {
    scan: &'s mut Scan<'a>,
    ds64: Option<&'s Ds64>,
    /// Everything after the RIFF header (and the `ds64` chunk).
    body: Plan,
    fmt: bool,
    fact: bool,
    /// The `data` chunk's size, once seen.
    data: Option<u64>,
}

impl Walker<'_, '_> {
    /// Read the chunk header at `pos` inside a RIFF ending at `riff_end`.
    fn chunk(&mut self, pos: u64, riff_end: u64) -> Result<Chunk> {
        let max = self.scan.limits.audio.max_wav_chunks;
        self.scan.enter(pos, max, "number of WAV chunks")?;
        if riff_end - pos < 8 {
            return Err(Error::truncated(
                STRUCTURE,
                pos,
                "header truncated by the end of the RIFF",
            ));
        }
        let header: [u8; 8] = self.scan.src.read_array(pos, STRUCTURE)?;
        let [i0, i1, i2, i3, s0, s1, s2, s3] = header;
        let id = [i0, i1, i2, i3];
        if !id.iter().all(|b| (0x20..0x7F).contains(b)) {
            return Err(Error::malformed(
                STRUCTURE,
                pos,
                format!(
                    "bytes {:02X?} are not a chunk id (a chunk size before them is wrong)",
                    id
                ),
            ));
        }
        let declared = u32::from_le_bytes([s0, s1, s2, s3]);
        let size = match self.ds64 {
            Some(ds64) if declared == SIZE_IN_DS64 => {
                if &id == b"data" {
                    ds64.data_size
                } else {
                    ds64.table
                        .iter()
                        .find(|(name, _)| *name == id)
                        .map(|(_, size)| *size)
                        .ok_or_else(|| {
                            Error::malformed(
                                STRUCTURE,
                                pos,
                                format!(
                                    "'{}' has its size in ds64, which does not list it",
                                    fourcc_name(&id)
                                ),
                            )
                        })?
                }
            }
            _ => u64::from(declared),
        };
        let data = pos + 8;
        let data_end = data.checked_add(size).filter(|end| *end <= riff_end);
        let Some(data_end) = data_end else {
            let holder = if riff_end == self.scan.src.len() {
                "the file"
            } else {
                "the RIFF"
            };
            return Err(Error::overrun(
                STRUCTURE,
                pos,
                format!(
                    "'{}' claims {size} bytes but {holder} ends {} bytes after its header",
                    fourcc_name(&id),
                    riff_end - data
                ),
            ));
        };
        Ok(Chunk {
            id,
            start: pos,
            data,
            size,
            end: (data_end + (size & 1)).min(riff_end),
        })
    }

    fn child(&mut self, chunk: &Chunk) -> Result<()> {
        match &chunk.id {
            b"fmt " => self.format(chunk),
            b"fact" => self.fact(chunk),
            b"data" => {
                if self.data.is_some() {
                    return Err(Error::malformed(
                        STRUCTURE,
                        chunk.start,
                        "a second 'data' chunk",
                    ));
                }
                if !self.fmt {
                    return Err(Error::malformed(
                        STRUCTURE,
                        chunk.start,
                        "'data' before 'fmt '",
                    ));
                }
                // The header as it was (an RF64 size field stays "see
                // ds64"), the samples by range, a zero pad byte.
                let header: [u8; 8] = self.scan.src.read_array(chunk.start, STRUCTURE)?;
                self.body.data(header);
                self.body.copy(chunk.data, chunk.size);
                if chunk.size & 1 == 1 {
                    self.body.data([0u8]);
                }
                self.data = Some(chunk.size);
                Ok(())
            }
            _ => {
                let mut describer = describe::Describer { scan: self.scan };
                describer.removed(chunk)
            }
        }
    }

    /// `fmt `: WAVEFORMAT (16 bytes), then `cbSize` and that many bytes of
    /// codec data; whatever follows is dropped.
    fn format(&mut self, chunk: &Chunk) -> Result<()> {
        if self.fmt {
            return Err(Error::malformed(
                STRUCTURE,
                chunk.start,
                "a second 'fmt ' chunk",
            ));
        }
        if chunk.size < 16 {
            return Err(Error::malformed(
                STRUCTURE,
                chunk.start,
                format!("'fmt ' of {} bytes (at least 16)", chunk.size),
            ));
        }
        let src = self.scan.src;
        let known = if chunk.size >= 18 {
            let extra: [u8; 2] = src.read_array(chunk.data + 16, STRUCTURE)?;
            let extra = u64::from(u16::from_le_bytes(extra));
            if 18 + extra > chunk.size {
                return Err(Error::overrun(
                    STRUCTURE,
                    chunk.start,
                    format!(
                        "'fmt ' announces {extra} bytes of codec data, {} are there",
                        chunk.size - 18
                    ),
                ));
            }
            18 + extra
        } else {
            16
        };
        let tag: [u8; 2] = src.read_array(chunk.data, STRUCTURE)?;
        if u16::from_le_bytes(tag) == 0xFFFE && known < 18 + 22 {
            return Err(Error::malformed(
                STRUCTURE,
                chunk.start,
                "WAVE_FORMAT_EXTENSIBLE without its 22 bytes of fields",
            ));
        }
        self.scan
            .charge(known, chunk.data, "WAV format read into memory")?;
        let fields = src.read_vec(chunk.data, known, 18 + 0xFFFF, STRUCTURE)?;
        self.keep(b"fmt ", &fields);
        self.extra(chunk, known, "fmt ")?;
        self.fmt = true;
        Ok(())
    }

    /// `fact`: the sample count (4 bytes); whatever follows is dropped.
    fn fact(&mut self, chunk: &Chunk) -> Result<()> {
        if self.fact {
            return Err(Error::malformed(
                STRUCTURE,
                chunk.start,
                "a second 'fact' chunk",
            ));
        }
        if chunk.size < 4 {
            return Err(Error::malformed(
                STRUCTURE,
                chunk.start,
                format!("'fact' of {} bytes (at least 4)", chunk.size),
            ));
        }
        let count: [u8; 4] = self.scan.src.read_array(chunk.data, STRUCTURE)?;
        self.keep(b"fact", &count);
        self.extra(chunk, 4, "fact")?;
        self.fact = true;
        Ok(())
    }

    /// Write a kept chunk with `fields` as its whole body.
    fn keep(&mut self, id: &[u8; 4], fields: &[u8]) {
        let mut out = id.to_vec();
        out.extend_from_slice(&(fields.len() as u32).to_le_bytes());
        out.extend_from_slice(fields);
        if fields.len() & 1 == 1 {
            out.push(0);
        }
        self.body.data(out);
    }

    /// Report the bytes of a kept chunk after its `known` fields (dropped).
    fn extra(&mut self, chunk: &Chunk, known: u64, name: &str) -> Result<()> {
        if chunk.size <= known {
            return Ok(());
        }
        let bytes = crate::formats::tags::read(
            self.scan,
            chunk.data + known,
            chunk.size - known,
            STRUCTURE,
        )?;
        let mut finding = Finding::removed(
            Category::Other,
            "Bytes after the known fields",
            format!("RIFF/{name}"),
            human_size(chunk.size - known),
        );
        for run in crate::metadata::subtitle::printable_runs(&bytes)
            .into_iter()
            .take(16)
        {
            finding = finding.with_needle(run.as_bytes());
        }
        self.scan.report(finding);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
