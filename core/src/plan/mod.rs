//! The splice plan: the output described as byte ranges of the input plus
//! new bytes.
//!
//! Media payload (entropy-coded JPEG data, `mdat`, clusters) only ever
//! appears as [`Piece::Copy`]; it is never parsed or held in memory. Only
//! rewritten headers and replacement fields are [`Piece::Data`].

use std::io::{self, Write};

use crate::error::{Error, Result};
use crate::io::Source;

pub(crate) mod overwrite;

/// One piece of the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Bytes taken unchanged from the input.
    Copy {
        /// Offset in the input.
        offset: u64,
        /// Number of bytes.
        len: u64,
    },
    /// New bytes: rewritten headers, zeroed fields, replacement segments.
    Data(Vec<u8>),
    /// `len` zero bytes: blanked samples and fillers. Costs no memory, so
    /// zeroing gigabytes of telemetry keeps the plan small.
    Zeros(u64),
}

impl Piece {
    /// Length of this piece in the output.
    pub fn len(&self) -> u64 {
        match self {
            Piece::Copy { len, .. } | Piece::Zeros(len) => *len,
            Piece::Data(bytes) => bytes.len() as u64,
        }
    }

    /// Whether the piece contributes no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The whole output as an ordered list of pieces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pieces: Vec<Piece>,
    len: u64,
}

/// Zeros to write `Zeros` pieces from: static, so that a plan of many
/// small blanked samples does not clear a buffer per piece.
static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];

/// Size of the buffer used when streaming `Copy` ranges.
const COPY_CHUNK: usize = 256 * 1024;

impl Plan {
    /// An empty plan.
    pub fn new() -> Self {
        Plan::default()
    }

    /// Append a range of the input. Adjacent ranges are merged so that a plan
    /// stays short even when many small structures are kept.
    pub fn copy(&mut self, offset: u64, len: u64) {
        if len == 0 {
            return;
        }
        self.len += len;
        if let Some(Piece::Copy {
            offset: last_off,
            len: last_len,
        }) = self.pieces.last_mut()
        {
            if last_off.checked_add(*last_len) == Some(offset) {
                *last_len += len;
                return;
            }
        }
        self.pieces.push(Piece::Copy { offset, len });
    }

    /// Append new bytes. Adjacent data pieces are merged.
    pub fn data(&mut self, bytes: impl Into<Vec<u8>>) {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return;
        }
        self.len += bytes.len() as u64;
        if let Some(Piece::Data(last)) = self.pieces.last_mut() {
            last.extend_from_slice(&bytes);
            return;
        }
        self.pieces.push(Piece::Data(bytes));
    }

    /// Append `len` zero bytes. Adjacent zero pieces are merged.
    pub fn zeros(&mut self, len: u64) {
        if len == 0 {
            return;
        }
        self.len = self.len.saturating_add(len);
        if let Some(Piece::Zeros(last)) = self.pieces.last_mut() {
            *last = last.saturating_add(len);
            return;
        }
        self.pieces.push(Piece::Zeros(len));
    }

    /// The pieces in output order.
    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// Length of the output in bytes.
    pub fn output_len(&self) -> u64 {
        self.len
    }

    /// Whether every `Copy` piece lands at its own input offset and the
    /// output is exactly as long as the input: then the plan can be applied
    /// by overwriting only the `Data` ranges.
    pub fn is_in_place(&self, input_len: u64) -> bool {
        if self.len != input_len {
            return false;
        }
        let mut pos = 0u64;
        for piece in &self.pieces {
            if let Piece::Copy { offset, .. } = piece {
                if *offset != pos {
                    return false;
                }
            }
            pos += piece.len();
        }
        true
    }

    /// Check that every `Copy` range lies inside an input of `input_len`.
    pub fn check_ranges(&self, input_len: u64) -> Result<()> {
        for piece in &self.pieces {
            if let Piece::Copy { offset, len } = piece {
                let end = offset.checked_add(*len);
                if end.is_none_or(|end| end > input_len) {
                    return Err(Error::overrun(
                        "plan",
                        *offset,
                        format!("copy of {len} bytes runs past the input"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Stream the output to `out`, reading `Copy` ranges from `src` in
    /// bounded chunks.
    pub fn write_to(&self, src: &dyn Source, out: &mut dyn Write) -> io::Result<()> {
        // Sized to the largest copy: a small photo needs no 256 KiB buffer.
        let largest = self
            .pieces
            .iter()
            .map(|p| match p {
                Piece::Copy { len, .. } => *len,
                _ => 0,
            })
            .max()
            .unwrap_or(0);
        let mut buf = vec![0u8; usize::try_from(largest.min(COPY_CHUNK as u64)).unwrap_or(0)];
        for piece in &self.pieces {
            match piece {
                Piece::Data(bytes) => out.write_all(bytes)?,
                Piece::Zeros(len) => {
                    let mut left = *len;
                    while left > 0 {
                        let n = left.min(ZEROS.len() as u64) as usize;
                        out.write_all(ZEROS.get(..n).ok_or_else(inconsistent)?)?;
                        left -= n as u64;
                    }
                }
                Piece::Copy { offset, len } => {
                    let mut done = 0u64;
                    while done < *len {
                        let n = (*len - done).min(COPY_CHUNK as u64) as usize;
                        let chunk = buf.get_mut(..n).ok_or_else(inconsistent)?;
                        src.read_at(offset + done, chunk)?;
                        out.write_all(chunk)?;
                        done += n as u64;
                    }
                }
            }
        }
        Ok(())
    }

    /// Materialise the output in memory (for small files and tests).
    pub fn to_vec(&self, src: &dyn Source) -> io::Result<Vec<u8>> {
        let cap = usize::try_from(self.len).unwrap_or(0);
        let mut out = Vec::with_capacity(cap);
        self.write_to(src, &mut out)?;
        Ok(out)
    }

    /// A [`Source`] view of the planned output, so that it can be re-parsed
    /// (verified) without being written anywhere.
    pub fn output<'a>(&'a self, src: &'a dyn Source) -> PlannedOutput<'a> {
        let mut starts = Vec::with_capacity(self.pieces.len());
        let mut pos = 0;
        for piece in &self.pieces {
            starts.push(pos);
            pos += piece.len();
        }
        PlannedOutput {
            plan: self,
            src,
            starts,
        }
    }
}

/// An internal invariant of the plan broke (a piece shorter than its
/// recorded length): fail the read or write rather than produce short or
/// wrong output.
fn inconsistent() -> io::Error {
    io::Error::other("internal: plan piece lengths are inconsistent")
}

/// The output of a plan, readable at any offset without being materialised.
#[derive(Debug)]
pub struct PlannedOutput<'a> {
    plan: &'a Plan,
    src: &'a dyn Source,
    starts: Vec<u64>,
}

impl Source for PlannedOutput<'_> {
    fn len(&self) -> u64 {
        self.plan.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let end = offset
            .checked_add(buf.len() as u64)
            .filter(|end| *end <= self.plan.len)
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::UnexpectedEof, "read past the planned output")
            })?;
        let _ = end;
        // First piece that contains `offset`.
        let mut index = self.starts.partition_point(|start| *start <= offset);
        index = index.saturating_sub(1);
        let mut filled = 0usize;
        while filled < buf.len() {
            let (Some(piece), Some(start)) = (self.plan.pieces.get(index), self.starts.get(index))
            else {
                return Err(io::ErrorKind::UnexpectedEof.into());
            };
            let pos = offset + filled as u64;
            let within = pos - start;
            let take = (piece.len() - within).min((buf.len() - filled) as u64) as usize;
            let dest = buf
                .get_mut(filled..filled + take)
                .ok_or_else(inconsistent)?;
            match piece {
                Piece::Data(bytes) => {
                    let from = within as usize;
                    let part = bytes.get(from..from + take).ok_or_else(inconsistent)?;
                    dest.copy_from_slice(part);
                }
                Piece::Zeros(_) => dest.fill(0),
                Piece::Copy {
                    offset: src_off, ..
                } => {
                    self.src.read_at(src_off + within, dest)?;
                }
            }
            filled += take;
            index += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_and_reads_back() {
        let input: Vec<u8> = (0u8..100).collect();
        let mut plan = Plan::new();
        plan.copy(0, 10);
        plan.copy(10, 5);
        plan.data(vec![0xAA; 3]);
        plan.data(vec![0xBB; 2]);
        plan.copy(50, 10);
        plan.zeros(3);
        plan.zeros(4);
        plan.copy(70, 5);
        assert_eq!(plan.pieces().len(), 5);
        let out = plan.to_vec(&input).unwrap();
        assert_eq!(out.len() as u64, plan.output_len());
        let view = plan.output(&input);
        for start in 0..out.len() {
            for len in 0..(out.len() - start).min(17) {
                let mut buf = vec![0; len];
                view.read_at(start as u64, &mut buf).unwrap();
                assert_eq!(buf, &out[start..start + len]);
            }
        }
        assert!(view.read_at(out.len() as u64 - 1, &mut [0; 2]).is_err());
    }

    #[test]
    fn in_place_detection() {
        let mut plan = Plan::new();
        plan.copy(0, 10);
        plan.data(vec![0; 4]);
        plan.copy(14, 6);
        assert!(plan.is_in_place(20));
        assert!(!plan.is_in_place(21));
        let mut shifted = Plan::new();
        shifted.copy(0, 10);
        shifted.copy(14, 10);
        assert!(!shifted.is_in_place(20));
    }
}
