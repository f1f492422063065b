//! Same-length overwrites: the plan shape of containers whose structures
//! hold absolute or relative positions (Matroska `SeekHead`/`Cues`, AVI
//! OpenDML indexes).
//!
//! Such containers are cleaned without moving a single byte: every removed
//! structure is overwritten by a filler of exactly its size (a Matroska
//! `Void` element, an AVI `JUNK` chunk) and every neutralised value by bytes
//! of the same length. No position needs rewriting, and the plan can be
//! applied in place.

use std::collections::BTreeMap;

use crate::container::Filler;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::plan::Plan;

/// Ordered, non-overlapping overwrites of input ranges.
#[derive(Debug, Default)]
pub(crate) struct Overwrites {
    /// `(offset, sequence) -> (head, zeros)`: the input bytes at `offset`
    /// are replaced by `head` followed by `zeros` zero bytes (same total
    /// length). Zeros are not held in memory, so blanking a huge attachment
    /// costs nothing. Ordered by offset (then push order), so that
    /// [`Overwrites::discard_within`] touches only the edits it removes: a
    /// file of 100 000 removed elements must not cost 100 000 scans of
    /// every edit.
    edits: BTreeMap<(u64, u64), (Vec<u8>, u64)>,
    /// Pushes so far (keeps two edits at one offset apart, so that
    /// [`Overwrites::into_plan`] still refuses them as overlapping).
    pushes: u64,
    /// Total bytes held in replacements, bounded by `limit`.
    held: u64,
    limit: u64,
    /// Most edits held at once ([`Limits::max_overwrites`]): each costs
    /// about a hundred bytes and two plan pieces.
    max_edits: usize,
}

impl Overwrites {
    /// Overwrites within [`Limits::max_replacement`] bytes of replacements
    /// and [`Limits::max_overwrites`] edits.
    pub(crate) fn with_limits(limits: &Limits) -> Self {
        Overwrites::new(limits.max_replacement, limits.max_overwrites)
    }

    /// Overwrites holding at most `limit` bytes of replacements in memory
    /// and at most the default number of edits (tests; planners use
    /// [`Overwrites::with_limits`]).
    #[cfg(test)]
    pub(crate) fn with_limit(limit: u64) -> Self {
        Overwrites::new(limit, Limits::default().max_overwrites)
    }

    fn new(limit: u64, max_edits: usize) -> Self {
        Overwrites {
            edits: BTreeMap::new(),
            pushes: 0,
            held: 0,
            limit,
            max_edits,
        }
    }

    /// Fail unless `len` more bytes of replacements fit under the limit:
    /// called before a replacement is allocated, so that a length field
    /// cannot force a huge allocation.
    pub(crate) fn ensure_room(&self, len: u64, offset: u64, what: &'static str) -> Result<()> {
        if self.held.saturating_add(len) > self.limit {
            return Err(Error::Limit {
                what,
                offset,
                limit: self.limit,
            });
        }
        Ok(())
    }

    /// Overwrite the input bytes at `offset` with `bytes` (same length).
    pub(crate) fn push(&mut self, offset: u64, bytes: Vec<u8>, what: &'static str) -> Result<()> {
        self.push_filler(offset, bytes, 0, what)
    }

    /// Overwrite the input bytes at `offset` with `head` followed by
    /// `zeros` zero bytes; only `head` is held in memory.
    pub(crate) fn push_filler(
        &mut self,
        offset: u64,
        head: Vec<u8>,
        zeros: u64,
        what: &'static str,
    ) -> Result<()> {
        self.ensure_room(head.len() as u64, offset, what)?;
        if self.edits.len() >= self.max_edits {
            return Err(Error::Limit {
                what: "number of in-place overwrites",
                offset,
                limit: self.max_edits as u64,
            });
        }
        self.held += head.len() as u64;
        self.edits.insert((offset, self.pushes), (head, zeros));
        self.pushes += 1;
        Ok(())
    }

    /// Replace `start..end` by one placeholder `F` of exactly that size,
    /// dropping the overwrites planned inside it (a structure blanked whole
    /// after some of its parts were edited). `structure` names the
    /// container in the error for a range too short for a placeholder;
    /// `what` names the replacement budget.
    pub(crate) fn blank<F: Filler>(
        &mut self,
        start: u64,
        end: u64,
        structure: &'static str,
        what: &'static str,
    ) -> Result<()> {
        self.discard_within(start, end);
        let total = end.saturating_sub(start);
        let head = F::header(total).ok_or_else(|| {
            Error::malformed(
                structure,
                start,
                format!("{} bytes are too few to be replaced by {}", total, F::NAME),
            )
        })?;
        let zeros = total.saturating_sub(head.len() as u64);
        self.push_filler(start, head, zeros, what)
    }

    /// Drop every overwrite starting inside `start..end` (used when a
    /// whole structure is blanked after some of its parts were edited).
    pub(crate) fn discard_within(&mut self, start: u64, end: u64) {
        if start >= end {
            return;
        }
        let inside: Vec<(u64, u64)> = self
            .edits
            .range((start, 0)..(end, 0))
            .map(|(key, _)| *key)
            .collect();
        for key in inside {
            if let Some((head, _)) = self.edits.remove(&key) {
                self.held = self.held.saturating_sub(head.len() as u64);
            }
        }
    }

    /// The plan of an output as long as the input (`input_len` bytes) with
    /// the overwrites applied.
    pub(crate) fn into_plan(self, input_len: u64) -> Result<Plan> {
        let mut plan = Plan::new();
        let mut pos = 0u64;
        for ((offset, _), (head, zeros)) in self.edits {
            if offset < pos {
                // Two overwrites of one range would be a bug in a format
                // module; refusing is safer than guessing which one wins.
                return Err(Error::malformed(
                    "overwrite plan",
                    offset,
                    "overlapping overwrites",
                ));
            }
            plan.copy(pos, offset - pos);
            pos = offset
                .saturating_add(head.len() as u64)
                .saturating_add(zeros);
            plan.data(head);
            plan.zeros(zeros);
        }
        if pos > input_len {
            return Err(Error::overrun(
                "overwrite plan",
                pos,
                "overwrite past the end of the input",
            ));
        }
        plan.copy(pos, input_len - pos);
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX_EDITS: usize = 1 << 18;

    #[test]
    fn applies_sorted_overwrites_in_place() {
        let input: Vec<u8> = (0u8..20).collect();
        let mut o = Overwrites::with_limit(100);
        o.push(10, vec![0xAA; 2], "t").unwrap();
        o.push(2, vec![0xBB; 3], "t").unwrap();
        let plan = o.into_plan(20).unwrap();
        assert!(plan.is_in_place(20));
        let out = plan.to_vec(&input).unwrap();
        assert_eq!(&out[2..5], &[0xBB; 3]);
        assert_eq!(&out[10..12], &[0xAA; 2]);
        assert_eq!(out[5], 5);
    }

    #[test]
    fn refuses_overlaps_and_excess() {
        let mut o = Overwrites::with_limit(100);
        o.push(2, vec![0; 4], "t").unwrap();
        o.push(4, vec![0; 4], "t").unwrap();
        assert!(o.into_plan(20).is_err());
        let mut o = Overwrites::with_limit(3);
        assert!(o.push(0, vec![0; 4], "t").is_err());
    }

    #[test]
    fn discards_nested_edits() {
        let mut o = Overwrites::with_limit(100);
        o.push(2, vec![1; 2], "t").unwrap();
        o.push(8, vec![1; 2], "t").unwrap();
        o.discard_within(0, 5);
        o.push(0, vec![0; 5], "t").unwrap();
        assert!(o.into_plan(10).is_ok());
    }

    #[test]
    fn same_offset_twice_is_still_an_overlap() {
        let mut o = Overwrites::with_limit(100);
        o.push(4, vec![1; 2], "t").unwrap();
        o.push(4, vec![2; 2], "t").unwrap();
        assert!(o.into_plan(10).is_err());
    }

    #[test]
    fn edit_count_is_limited() {
        let mut o = Overwrites::with_limit(u64::MAX);
        for i in 0..MAX_EDITS as u64 {
            o.push_filler(i * 2, Vec::new(), 2, "t").unwrap();
        }
        assert!(matches!(
            o.push_filler(u64::MAX - 4, Vec::new(), 2, "t"),
            Err(Error::Limit { .. })
        ));
        // Discarding makes room again.
        o.discard_within(0, 10);
        assert!(o.push_filler(0, vec![0xEC, 0x88], 8, "t").is_ok());
    }

    #[test]
    fn many_blanks_stay_linear() {
        // Matroska blanks every removed element after discarding the edits
        // inside it; with 200 000 removed elements a scan of every edit per
        // blank was 4e10 steps.
        let n = MAX_EDITS as u64 - 1;
        let start = std::time::Instant::now();
        let mut o = Overwrites::with_limit(u64::MAX);
        for i in 0..n {
            o.discard_within(i * 2, i * 2 + 2);
            o.push_filler(i * 2, vec![0xEC, 0x80], 0, "t").unwrap();
        }
        o.discard_within(0, 1000);
        o.push_filler(0, vec![0xEC], 999, "t").unwrap();
        let plan = o.into_plan(n * 2).unwrap();
        assert_eq!(plan.output_len(), n * 2);
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
    }
}
