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
use crate::io::Source;
use crate::limits::Limits;
use crate::plan::Plan;
use crate::policy::Policy;
use crate::sniff::Format;

/// Chunk size of [`Cleaning::check_written`]'s byte search.
const CHECK_CHUNK: usize = 1 << 20;

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

/// The structural half of verification: every finding of the re-parsed
/// output must be one the policy keeps on purpose.
pub(crate) fn check_reparse(findings: &[Finding]) -> Result<()> {
    if let Some(leak) = findings.iter().find(|f| f.is_leak()) {
        return Err(Error::Verification(format!(
            "the cleaned output still holds {} ({}) at {}",
            leak.field, leak.category, leak.location
        )));
    }
    Ok(())
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

    /// Search the whole cleaned output for every sensitive value found in
    /// the input without writing it anywhere: what [`write_verified`]
    /// does, with the output discarded. `Copy` ranges are read from `src`
    /// in bounded chunks, so a front end that assembles the output itself
    /// (a browser building a `Blob` from the plan's pieces) can scan a
    /// large file with memory bounded by the chunk size.
    ///
    /// [`write_verified`]: Cleaning::write_verified
    pub fn scan_output<S: Source + ?Sized>(&self, src: &S) -> Result<()> {
        self.write_verified(src, &mut io::sink())
    }

    /// Verify an output that was already assembled or written elsewhere
    /// (a `Blob` a browser built from the plan's pieces, a file patched in
    /// place), reading it back rather than trusting the plan: it must have
    /// the planned length, parse again as this format with nothing in it
    /// but what `policy` keeps, and hold none of the input's sensitive
    /// values in any of its bytes. It is read once for the parse and once,
    /// in bounded chunks, for the byte search.
    pub fn check_written<S: Source + ?Sized>(&self, written: &S, policy: &Policy) -> Result<()> {
        let written: &dyn Source = &written;
        if written.len() != self.plan.output_len() {
            return Err(Error::Verification(format!(
                "the written output is {} bytes, the plan made {}",
                written.len(),
                self.plan.output_len()
            )));
        }
        let again = crate::engine::inspect_as(self.format, written, policy, &Limits::default())
            .map_err(|err| {
                Error::Verification(format!("the written output does not parse again: {err}"))
            })?;
        check_reparse(&again.findings)?;
        let mut scanner = LeakScanner::new(&self.findings);
        let mut chunk = vec![0u8; CHECK_CHUNK];
        let mut offset = 0u64;
        while offset < written.len() {
            let n = usize::try_from((written.len() - offset).min(CHECK_CHUNK as u64))
                .unwrap_or(CHECK_CHUNK);
            let buf = chunk.get_mut(..n).unwrap_or(&mut []);
            written.read_at(offset, buf)?;
            scanner.feed(buf);
            offset += n as u64;
        }
        scanner.finish()
    }

    /// Whether the plan can be applied by overwriting ranges of the input
    /// (same length, every copied range in place).
    pub fn is_in_place(&self, input_len: u64) -> bool {
        self.plan.is_in_place(input_len)
    }
}

/// Multi-needle search over every byte of the output, media payload
/// included, so it must run at memory speed. The SIMD "Teddy" searcher does
/// on any data; the automaton's fallback prefilters (rare bytes) slow to a
/// crawl on compressed media, where every byte value is common. The
/// automaton is only used when Teddy cannot be built (too many needles, no
/// SIMD).
#[derive(Debug)]
enum Matcher {
    /// Teddy searchers over groups of needles, each with the index of its
    /// first needle. Teddy takes a few dozen patterns; a file with more
    /// needles (an ICC profile's text adds a few, each in three encodings)
    /// runs a few Teddy passes, which is far cheaper than building a DFA
    /// for every small photo.
    Packed(Vec<(aho_corasick::packed::Searcher, usize)>),
    Automaton(AhoCorasick),
}

/// Needles per Teddy group.
const TEDDY_GROUP: usize = 64;
/// Most Teddy groups before one automaton is cheaper.
const MAX_TEDDY_GROUPS: usize = 4;

impl Matcher {
    fn new(needles: &[Vec<u8>]) -> std::result::Result<Self, aho_corasick::BuildError> {
        if needles.len() <= TEDDY_GROUP * MAX_TEDDY_GROUPS {
            let groups: Option<Vec<_>> = needles
                .chunks(TEDDY_GROUP)
                .enumerate()
                .map(|(index, group)| {
                    let mut packed = aho_corasick::packed::Config::new()
                        .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
                        .builder();
                    packed.extend(group);
                    packed
                        .build()
                        .map(|searcher| (searcher, index * TEDDY_GROUP))
                })
                .collect();
            if let Some(groups) = groups {
                return Ok(Matcher::Packed(groups));
            }
        }
        AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(needles)
            .map(Matcher::Automaton)
    }

    /// The index of a needle found in `haystack`, if any.
    fn find(&self, haystack: &[u8]) -> Option<usize> {
        match self {
            Matcher::Packed(groups) => groups.iter().find_map(|(searcher, first)| {
                searcher
                    .find(haystack)
                    .map(|m| first + m.pattern().as_usize())
            }),
            Matcher::Automaton(ac) => ac.find(haystack).map(|m| m.pattern().as_usize()),
        }
    }
}

/// Searches a byte stream, chunk by chunk, for sensitive values.
#[derive(Debug)]
pub struct LeakScanner {
    matcher: Option<Matcher>,
    labels: Vec<String>,
    /// The tail of the previous chunk, so that a needle split across two
    /// chunks is still found.
    carry: Vec<u8>,
    max_needle: usize,
    hit: Option<String>,
}

/// A needle is searched by its first this many bytes (a value that survived
/// whole also survived its prefix), so that one huge value cannot make the
/// matcher huge.
pub const MAX_NEEDLE_LEN: usize = 256;

/// Total bytes of needles (all encodings) one scanner accepts. A file with
/// more sensitive values than this is refused rather than half-checked.
pub const MAX_NEEDLE_BYTES: usize = 4 << 20;

/// The encodings a value is searched in: the bytes as found and, for text,
/// UTF-16 in both byte orders (QuickTime, ICC `mluc`, ID3, Windows XP tags
/// and RIFF writers store text that way).
pub fn needle_forms(needle: &[u8]) -> Vec<Vec<u8>> {
    let head = needle.get(..MAX_NEEDLE_LEN).unwrap_or(needle);
    let mut forms = vec![head.to_vec()];
    if let Some(text) = as_text(needle) {
        let units: Vec<u16> = text.encode_utf16().collect();
        let limit = MAX_NEEDLE_LEN / 2;
        let units = units.get(..limit).unwrap_or(&units);
        forms.push(units.iter().flat_map(|u| u.to_le_bytes()).collect());
        forms.push(units.iter().flat_map(|u| u.to_be_bytes()).collect());
    }
    forms
}

/// `bytes` as text when they look like a printable value (UTF-8, no
/// control characters, at least one letter or digit).
fn as_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    let printable = text.chars().all(|c| !c.is_control());
    let meaningful = text.chars().any(char::is_alphanumeric);
    (printable && meaningful).then_some(text)
}

impl LeakScanner {
    /// A scanner for the needles of every finding that must not survive,
    /// each in every form of [`needle_forms`].
    pub fn new(findings: &[Finding]) -> Self {
        let mut needles: Vec<Vec<u8>> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut labels = Vec::new();
        let mut total = 0usize;
        let mut hit = None;
        'findings: for finding in findings.iter().filter(|f| f.is_leak()) {
            for needle in &finding.needles {
                for form in needle_forms(needle) {
                    if form.is_empty() || !seen.insert(form.clone()) {
                        continue;
                    }
                    total += form.len();
                    if total > MAX_NEEDLE_BYTES {
                        hit = Some(format!(
                            "more sensitive values than can be verified (over {MAX_NEEDLE_BYTES} bytes); refusing the file"
                        ));
                        break 'findings;
                    }
                    needles.push(form);
                    labels.push(format!(
                        "{} ({}, from {})",
                        finding.field, finding.category, finding.location
                    ));
                }
            }
        }
        let max_needle = needles.iter().map(Vec::len).max().unwrap_or(0);
        let matcher = if needles.is_empty() || hit.is_some() {
            None
        } else {
            match Matcher::new(&needles) {
                Ok(matcher) => Some(matcher),
                Err(err) => {
                    // Fail closed: no matcher means nothing is verified.
                    hit = Some(format!("the leak search could not be built: {err}"));
                    None
                }
            }
        };
        LeakScanner {
            matcher,
            labels,
            carry: Vec::new(),
            max_needle,
            hit,
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
            if let Some(pattern) = matcher.find(chunk) {
                self.hit = self.labels.get(pattern).cloned();
                return;
            }
        } else {
            // Only the seam needs joining: search carry + head of chunk.
            let head = chunk.get(..keep.min(chunk.len())).unwrap_or(&[]);
            let mut seam = Vec::with_capacity(self.carry.len() + head.len());
            seam.extend_from_slice(&self.carry);
            seam.extend_from_slice(head);
            if let Some(pattern) = matcher.find(&seam).or_else(|| matcher.find(chunk)) {
                self.hit = self.labels.get(pattern).cloned();
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
            Some(label) if self.matcher.is_none() => Err(Error::Verification(label)),
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
    fn check_written_reads_the_output_back() {
        let jpeg: Vec<u8> = [
            &[0xFF, 0xD8, 0xFF, 0xFE, 0, 13][..],
            b"SN-123456!!",
            &[0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0],
            &[
                0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x12, 0x34, 0xFF, 0xD9,
            ],
        ]
        .concat();
        let policy = Policy::default();
        let (cleaned, cleaning) = crate::clean_bytes(&jpeg, &policy).unwrap();
        assert!(cleaning.check_written(cleaned.as_slice(), &policy).is_ok());
        // The original has the planned length of nothing, and a same-length
        // output that still holds the comment fails the re-parse.
        assert!(cleaning.check_written(jpeg.as_slice(), &policy).is_err());
        let mut tampered = cleaned.clone();
        tampered.truncate(tampered.len() - 2);
        assert!(cleaning
            .check_written(tampered.as_slice(), &policy)
            .is_err());
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
    fn finds_text_as_utf16_both_orders() {
        let utf16 = |be: bool| -> Vec<u8> {
            "SN-123456"
                .encode_utf16()
                .flat_map(|u| if be { u.to_be_bytes() } else { u.to_le_bytes() })
                .collect()
        };
        for be in [false, true] {
            let mut s = scanner();
            let data = [&b"xx"[..], &utf16(be), b"yy"].concat();
            // Fed in odd-sized pieces so that the seam logic is exercised.
            for piece in data.chunks(3) {
                s.feed(piece);
            }
            let err = s.finish().unwrap_err().to_string();
            assert!(err.contains("Serial number"), "{err}");
        }
    }

    #[test]
    fn binary_needles_get_no_text_forms() {
        let forms = needle_forms(&[0, 0, 0, 59, 0, 0, 0, 1]);
        assert_eq!(forms.len(), 1);
        assert_eq!(needle_forms(b"Jane Planted").len(), 3);
    }

    #[test]
    fn long_needles_are_searched_by_prefix() {
        let long = "A".repeat(10_000) + "-unique";
        let finding = Finding::removed(Category::Other, "Comment", "COM", "x").with_needle(&long);
        let mut s = LeakScanner::new(&[finding]);
        s.feed(&long.as_bytes()[..MAX_NEEDLE_LEN]);
        assert!(s.finish().is_err());
    }

    #[test]
    fn too_many_needles_fail_closed() {
        let findings: Vec<Finding> = (0..(MAX_NEEDLE_BYTES / 200))
            .map(|i| {
                Finding::removed(Category::Other, "Comment", "COM", "x")
                    .with_needle(format!("{i:0>200}"))
            })
            .collect();
        let mut s = LeakScanner::new(&findings);
        s.feed(b"nothing sensitive");
        let err = s.finish().unwrap_err().to_string();
        assert!(err.contains("refusing"), "{err}");
    }

    #[test]
    fn clean_stream_passes() {
        let mut s = scanner();
        s.feed(b"SN-12345");
        s.feed(b"7 nothing here");
        assert!(s.finish().is_ok());
    }
}
