//! Fail-closed verification of a planned output.
//!
//! Two independent checks, both must pass before any output is kept:
//!
//! 1. **Structural**: the planned output is parsed again, as if it were a new
//!    input, through a read-only view of the plan. Every finding in it must
//!    be one that the policy keeps on purpose (orientation, colour profile).
//! 2. **Raw bytes**: while the output is streamed to its destination, it is
//!    searched for every sensitive value seen in the input (serial numbers,
//!    dates, names, coordinates as text). A hit means the value survived
//!    somewhere the parser does not look; the caller must discard what was
//!    written.

use std::io::{self, Write};

use aho_corasick::AhoCorasick;

use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::plan::Plan;
use crate::policy::Policy;
use crate::sniff::Format;
use crate::source::Source;
use crate::Inspection;

/// A verified plan: the findings of the input and the plan that cleans it.
#[derive(Debug, Clone)]
pub struct Cleaning {
    /// The detected container format.
    pub format: Format,
    /// Everything found in the input, with its fate.
    pub findings: Vec<Finding>,
    /// The verified output plan.
    pub plan: Plan,
}

pub(crate) fn verify(
    src: &dyn Source,
    policy: &Policy,
    inspection: Inspection,
) -> Result<Cleaning> {
    let Inspection {
        format,
        findings,
        plan,
    } = inspection;
    let output = plan.output(src);
    let again = crate::formats::plan(format, &output, policy).map_err(|err| {
        Error::Verification(format!("the cleaned output does not parse again: {err}"))
    })?;
    if let Some(leak) = again.findings.iter().find(|f| f.is_leak()) {
        return Err(Error::Verification(format!(
            "the cleaned output still holds {} ({}) at {}",
            leak.field, leak.category, leak.location
        )));
    }
    Ok(Cleaning {
        format,
        findings,
        plan,
    })
}

impl Cleaning {
    /// Stream the cleaned output to `out`, searching it for every sensitive
    /// value found in the input. On `Err` the bytes already written must be
    /// discarded: they are not a verified output.
    pub fn write_verified<S: Source + ?Sized>(&self, src: &S, out: &mut dyn Write) -> Result<()> {
        let src: &dyn Source = &src;
        let mut scanner = LeakScanner::new(&self.findings);
        {
            let mut tee = TeeScan {
                out,
                scanner: &mut scanner,
            };
            self.plan.write_to(src, &mut tee)?;
        }
        scanner.finish()
    }

    /// Whether the plan can be applied by overwriting ranges of the input
    /// (same length, every copied range in place).
    pub fn is_in_place(&self, input_len: u64) -> bool {
        self.plan.is_in_place(input_len)
    }
}

/// Searches a byte stream, chunk by chunk, for sensitive values.
#[derive(Debug)]
pub struct LeakScanner {
    matcher: Option<AhoCorasick>,
    labels: Vec<String>,
    /// The tail of the previous chunk, so that a needle split across two
    /// chunks is still found.
    carry: Vec<u8>,
    max_needle: usize,
    hit: Option<String>,
}

impl LeakScanner {
    /// A scanner for the needles of every finding that must not survive.
    pub fn new(findings: &[Finding]) -> Self {
        let mut needles: Vec<&[u8]> = Vec::new();
        let mut labels = Vec::new();
        for finding in findings.iter().filter(|f| f.is_leak()) {
            for needle in &finding.needles {
                needles.push(needle);
                labels.push(format!(
                    "{} ({}, from {})",
                    finding.field, finding.category, finding.location
                ));
            }
        }
        let max_needle = needles.iter().map(|n| <[u8]>::len(n)).max().unwrap_or(0);
        let matcher = if needles.is_empty() {
            None
        } else {
            AhoCorasick::new(&needles).ok()
        };
        LeakScanner {
            matcher,
            labels,
            carry: Vec::new(),
            max_needle,
            hit: None,
        }
    }

    /// Feed the next chunk of output.
    pub fn feed(&mut self, chunk: &[u8]) {
        let Some(matcher) = &self.matcher else {
            return;
        };
        if self.hit.is_some() {
            return;
        }
        let keep = self.max_needle.saturating_sub(1);
        if self.carry.is_empty() {
            if let Some(m) = matcher.find(chunk) {
                self.hit = self.labels.get(m.pattern().as_usize()).cloned();
                return;
            }
        } else {
            // Only the seam needs joining: search carry + head of chunk.
            let head = chunk.get(..keep.min(chunk.len())).unwrap_or(&[]);
            let mut seam = Vec::with_capacity(self.carry.len() + head.len());
            seam.extend_from_slice(&self.carry);
            seam.extend_from_slice(head);
            if let Some(m) = matcher.find(&seam).or_else(|| matcher.find(chunk)) {
                self.hit = self.labels.get(m.pattern().as_usize()).cloned();
                return;
            }
        }
        let tail_from = chunk.len().saturating_sub(keep);
        if chunk.len() >= keep {
            self.carry.clear();
        } else {
            let excess = (self.carry.len() + chunk.len()).saturating_sub(keep);
            self.carry.drain(..excess.min(self.carry.len()));
        }
        self.carry
            .extend_from_slice(chunk.get(tail_from..).unwrap_or(&[]));
    }

    /// The verdict once the whole output was fed.
    pub fn finish(self) -> Result<()> {
        match self.hit {
            Some(label) => Err(Error::Verification(format!(
                "the cleaned output still contains the value of {label}"
            ))),
            None => Ok(()),
        }
    }
}

struct TeeScan<'a> {
    out: &'a mut dyn Write,
    scanner: &'a mut LeakScanner,
}

impl Write for TeeScan<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.scanner.feed(buf.get(..n).unwrap_or(&[]));
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.write_all(buf)?;
        self.scanner.feed(buf);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Category;

    fn scanner() -> LeakScanner {
        let finding = Finding::removed(Category::Device, "Serial number", "test", "SN-123456")
            .with_needle("SN-123456");
        LeakScanner::new(&[finding])
    }

    #[test]
    fn finds_needle_split_across_chunks() {
        for split in 0..20 {
            let data = b"xxxxxxxxSN-123456yyyy";
            let mut s = scanner();
            let (a, b) = data.split_at(split.min(data.len()));
            s.feed(a);
            s.feed(b);
            assert!(s.finish().is_err(), "split at {split}");
        }
    }

    #[test]
    fn finds_needle_fed_byte_by_byte() {
        let mut s = scanner();
        for byte in b"..SN-123456.." {
            s.feed(&[*byte]);
        }
        assert!(s.finish().is_err());
    }

    #[test]
    fn clean_stream_passes() {
        let mut s = scanner();
        s.feed(b"SN-12345");
        s.feed(b"7 nothing here");
        assert!(s.finish().is_ok());
    }
}
