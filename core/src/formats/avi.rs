//! AVI (RIFF `AVI ` with OpenDML `AVIX` extensions): keep the stream headers
//! and the media, blank everything else in place.
//!
//! **No byte moves.** OpenDML super-indexes (`indx`) and standard indexes
//! (`ix##`) hold absolute file offsets, and `idx1` offsets are relative to
//! `movi`. Every removed chunk is therefore overwritten by a `JUNK` chunk
//! of exactly its size, filled with zeroes: positions stay valid, no RIFF or
//! LIST size needs patching, and the plan can be applied in place.
//!
//! **Allow-list.** Kept: `LIST hdrl` with `avih`, each `LIST strl` with
//! `strh`, `strf`, `strd` (codec driver data some decoders need), `indx`
//! and `vprp`, `LIST odml` with `dmlh`; `LIST movi` (copied by range, never
//! read) and `idx1`. `JUNK` padding is kept with its contents zeroed.
//! Everything else is blanked: `LIST INFO` (artist, comment, `ICRD` date,
//! `ISFT` software, ...), `IDIT` and `ISMP` dates, `strn` stream names,
//! XMP (`_PMX`), maker chunks (`LIST hydt` Pentax, `LIST ncdt` Nikon, ...)
//! and any chunk this module does not know.
//!
//! **Defensive.** Every size is checked against its parent and the bytes
//! that exist; nesting depth, chunk count, bytes read into memory and bytes
//! of replacements held in memory are limited.

use crate::error::{Error, Result};
use crate::finding::{human_size, Category, Fate, Finding};
use crate::formats::overwrite::Overwrites;
use crate::metadata::classify::category_for_name;
use crate::metadata::xmp;
use crate::policy::Policy;
use crate::sniff::Format;
use crate::source::{Source, SourceExt};
use crate::Inspection;

/// Deepest LIST nesting accepted (`RIFF/LIST hdrl/LIST strl/chunk` is 3).
const MAX_DEPTH: usize = 8;
/// Most chunk headers read from one file (`movi` contents are never
/// visited).
const MAX_CHUNKS: u64 = 1 << 20;
/// Most bytes of one value read for reporting.
const MAX_VALUE_READ: u64 = 64 * 1024;
/// Most bytes read into memory from one file, all values together.
const MAX_TOTAL_READ: u64 = 16 << 20;
/// Most bytes of replacement (`JUNK` chunks) held in the plan.
const MAX_REPLACEMENT: u64 = 256 << 20;
/// Chunk size for checking whether padding is all zeroes.
const ZERO_CHECK_CHUNK: usize = 64 * 1024;

const STRUCTURE: &str = "AVI chunk";

/// One chunk header.
#[derive(Debug, Clone, Copy)]
struct Chunk {
    id: [u8; 4],
    /// Offset of the FourCC.
    start: u64,
    /// Offset of the data (after the 8-byte header).
    data: u64,
    /// Data size as declared.
    size: u64,
    /// End including the pad byte to an even size (when present).
    end: u64,
}

impl Chunk {
    fn is_list(&self) -> bool {
        &self.id == b"LIST" || &self.id == b"RIFF"
    }

    fn name(&self) -> String {
        fourcc(&self.id)
    }
}

/// Where a chunk sits, deciding what is kept there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// Inside `RIFF AVI ` or `RIFF AVIX`.
    Riff,
    Hdrl,
    Strl,
    Odml,
}

impl Level {
    fn path(self) -> &'static str {
        match self {
            Level::Riff => "RIFF",
            Level::Hdrl => "RIFF/hdrl",
            Level::Strl => "RIFF/hdrl/strl",
            Level::Odml => "RIFF/hdrl/odml",
        }
    }
}

/// Plan the cleaning of an AVI file.
pub fn plan(src: &dyn Source, policy: &Policy) -> Result<Inspection> {
    let _ = policy; // Nothing optional is kept from AVI metadata.
    let mut walker = Walker {
        src,
        findings: Vec::new(),
        overwrites: Overwrites::with_limit(MAX_REPLACEMENT),
        chunks: 0,
        bytes_read: 0,
    };
    walker.run()?;
    let plan = walker.overwrites.into_plan(src.len())?;
    Ok(Inspection {
        format: Format::Avi,
        findings: walker.findings,
        plan,
    })
}

struct Walker<'a> {
    src: &'a dyn Source,
    findings: Vec<Finding>,
    overwrites: Overwrites,
    chunks: u64,
    bytes_read: u64,
}

impl Walker<'_> {
    fn run(&mut self) -> Result<()> {
        let len = self.src.len();
        let mut pos = 0u64;
        let mut riffs = 0usize;
        while pos < len {
            let chunk = self.chunk(pos, len)?;
            if &chunk.id != b"RIFF" {
                return Err(Error::malformed(
                    STRUCTURE,
                    pos,
                    format!("expected a RIFF chunk, found '{}'", chunk.name()),
                ));
            }
            let form = self.form(&chunk)?;
            match (&form, riffs) {
                (b"AVI ", 0) | (b"AVIX", 1..) => {}
                _ => {
                    return Err(Error::malformed(
                        STRUCTURE,
                        pos,
                        format!("unexpected RIFF form '{}'", fourcc(&form)),
                    ))
                }
            }
            self.list(&chunk, Level::Riff, 1)?;
            riffs += 1;
            pos = chunk.end;
        }
        if riffs == 0 {
            return Err(Error::malformed(STRUCTURE, 0, "empty file"));
        }
        Ok(())
    }

    /// Read the chunk header at `pos`, which must lie with its data inside
    /// `..parent_end`.
    fn chunk(&mut self, pos: u64, parent_end: u64) -> Result<Chunk> {
        crate::finding::ensure_findings_room(self.findings.len(), pos)?;
        self.chunks += 1;
        if self.chunks > MAX_CHUNKS {
            return Err(Error::Limit {
                what: "number of AVI chunks",
                offset: pos,
                limit: MAX_CHUNKS,
            });
        }
        if parent_end.saturating_sub(pos) < 8 {
            return Err(Error::malformed(
                STRUCTURE,
                pos,
                "header truncated by the end of its parent or the file",
            ));
        }
        let header: [u8; 8] = self.src.read_array(pos, STRUCTURE)?;
        let [a, b, c, d, s0, s1, s2, s3] = header;
        let id = [a, b, c, d];
        let size = u64::from(u32::from_le_bytes([s0, s1, s2, s3]));
        let data = pos + 8;
        let data_end = data + size;
        if data_end > parent_end {
            return Err(Error::malformed(
                STRUCTURE,
                pos,
                format!(
                    "'{}' claims {size} bytes but its parent or the file ends {} bytes later",
                    fourcc(&id),
                    parent_end - data
                ),
            ));
        }
        // Odd sizes are followed by a pad byte, which writers may omit when
        // the chunk ends its parent.
        let end = (data_end + (size & 1)).min(parent_end);
        let chunk = Chunk {
            id,
            start: pos,
            data,
            size,
            end,
        };
        if chunk.is_list() && size < 4 {
            return Err(Error::malformed(STRUCTURE, pos, "LIST without a list type"));
        }
        Ok(chunk)
    }

    fn form(&mut self, list: &Chunk) -> Result<[u8; 4]> {
        self.src.read_array(list.data, STRUCTURE)
    }

    /// Walk the children of a RIFF or LIST chunk at `level`.
    fn list(&mut self, list: &Chunk, level: Level, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(Error::Limit {
                what: "AVI nesting depth",
                offset: list.start,
                limit: MAX_DEPTH as u64,
            });
        }
        let end = list.data + list.size;
        let mut pos = list.data + 4;
        while pos < end {
            let chunk = self.chunk(pos, end)?;
            self.child(&chunk, level, depth)?;
            pos = chunk.end;
        }
        Ok(())
    }

    fn child(&mut self, chunk: &Chunk, level: Level, depth: usize) -> Result<()> {
        let form = if chunk.is_list() {
            Some(self.form(chunk)?)
        } else {
            None
        };
        let place = level.path();
        match (level, &chunk.id, form.as_ref()) {
            (_, b"JUNK", _) => self.padding(chunk, place),
            (Level::Riff, b"LIST", Some(b"hdrl")) => self.list(chunk, Level::Hdrl, depth + 1),
            (Level::Riff, b"LIST", Some(b"movi")) | (Level::Riff, b"idx1", None) => Ok(()),
            (Level::Hdrl, b"avih", None) => Ok(()),
            (Level::Hdrl, b"LIST", Some(b"strl")) => self.list(chunk, Level::Strl, depth + 1),
            (Level::Hdrl, b"LIST", Some(b"odml")) => self.list(chunk, Level::Odml, depth + 1),
            (Level::Strl, b"strh" | b"strf" | b"strd" | b"indx" | b"vprp", None) => Ok(()),
            (Level::Odml, b"dmlh", None) => Ok(()),
            (_, b"LIST", Some(b"INFO")) => {
                self.describe_info(chunk)?;
                self.blank(chunk)
            }
            (_, b"IDIT", None) => self.remove_text(chunk, Category::Time, "Date (IDIT)", place),
            (_, b"ISMP", None) => {
                self.remove_text(chunk, Category::Time, "SMPTE timecode (ISMP)", place)
            }
            (Level::Strl, b"strn", None) => {
                self.remove_text(chunk, Category::Other, "Stream name", place)
            }
            (_, b"_PMX", None) => {
                let packet = self.value(chunk)?;
                let before = self.findings.len();
                self.findings.extend(xmp::describe(&packet, "RIFF/_PMX"));
                if self.findings.len() == before {
                    self.findings.push(Finding::removed(
                        Category::Other,
                        "XMP",
                        "RIFF/_PMX",
                        human_size(chunk.size),
                    ));
                }
                self.blank(chunk)
            }
            _ => {
                let name = match form {
                    Some(form) => format!("LIST {}", fourcc(&form)),
                    None => chunk.name(),
                };
                let (category, field) = vendor_chunk(chunk.id, form);
                self.findings.push(Finding::removed(
                    category,
                    field,
                    place,
                    format!("'{name}', {}", human_size(chunk.size)),
                ));
                self.blank(chunk)
            }
        }
    }

    /// Read (up to [`MAX_VALUE_READ`] bytes of) a chunk's data.
    fn value(&mut self, chunk: &Chunk) -> Result<Vec<u8>> {
        let len = chunk.size.min(MAX_VALUE_READ);
        self.bytes_read += len;
        if self.bytes_read > MAX_TOTAL_READ {
            return Err(Error::Limit {
                what: "AVI metadata read into memory",
                offset: chunk.start,
                limit: MAX_TOTAL_READ,
            });
        }
        self.src
            .read_vec(chunk.data, len, MAX_VALUE_READ, STRUCTURE)
    }

    fn text(&mut self, chunk: &Chunk) -> Result<String> {
        let bytes = self.value(chunk)?;
        Ok(String::from_utf8_lossy(&bytes)
            .trim_matches(|c: char| c == '\0' || c.is_whitespace())
            .to_string())
    }

    fn remove_text(
        &mut self,
        chunk: &Chunk,
        category: Category,
        field: &str,
        place: &str,
    ) -> Result<()> {
        let text = self.text(chunk)?;
        self.findings
            .push(Finding::removed(category, field, place, &text).with_needle(&text));
        self.blank(chunk)
    }

    /// Overwrite a whole chunk with a `JUNK` chunk of the same size.
    fn blank(&mut self, chunk: &Chunk) -> Result<()> {
        let total = chunk.end - chunk.start;
        let mut junk = Vec::with_capacity(8);
        junk.extend_from_slice(b"JUNK");
        junk.extend_from_slice(&(chunk.size as u32).to_le_bytes());
        let zeros = total.saturating_sub(junk.len() as u64);
        self.overwrites
            .push_filler(chunk.start, junk, zeros, "AVI bytes blanked in memory")
    }

    /// `JUNK` is padding: kept, but whatever a writer left in it is zeroed.
    fn padding(&mut self, chunk: &Chunk, place: &str) -> Result<()> {
        let mut pos = chunk.data;
        let mut buf = vec![0u8; ZERO_CHECK_CHUNK.min(chunk.size as usize)];
        let mut text = String::new();
        let mut dirty = false;
        while pos < chunk.end {
            let n = (chunk.end - pos).min(buf.len() as u64) as usize;
            let part = buf.get_mut(..n).unwrap_or_default();
            self.src.read_at(pos, part)?;
            if part.iter().any(|b| *b != 0) {
                dirty = true;
                if text.is_empty() {
                    text = part
                        .iter()
                        .filter(|b| b.is_ascii_graphic() || **b == b' ')
                        .take(40)
                        .map(|b| char::from(*b))
                        .collect();
                }
            }
            pos += n as u64;
        }
        if !dirty {
            return Ok(());
        }
        // The chunk stays (it holds positions in place); its bytes go.
        self.findings.push(
            Finding::removed(
                Category::Other,
                "Padding with data (JUNK)",
                place,
                format!("{}; {text}", human_size(chunk.size)),
            )
            .with_fate(Fate::Zeroed),
        );
        let len = chunk.end - chunk.data;
        self.overwrites
            .push_filler(chunk.data, Vec::new(), len, "AVI bytes blanked in memory")
    }

    /// One finding per `LIST INFO` entry.
    fn describe_info(&mut self, list: &Chunk) -> Result<()> {
        let end = list.data + list.size;
        let mut pos = list.data + 4;
        let before = self.findings.len();
        while pos < end {
            let entry = self.chunk(pos, end)?;
            let text = self.text(&entry)?;
            let (name, label) = info_name(entry.id);
            let category = category_for_name(name);
            self.findings.push(
                Finding::removed(
                    category,
                    label,
                    format!("RIFF/INFO/{}", entry.name()),
                    &text,
                )
                .with_needle(&text),
            );
            pos = entry.end;
        }
        if self.findings.len() == before {
            self.findings.push(Finding::removed(
                Category::Other,
                "Information list",
                "RIFF/INFO",
                human_size(list.size),
            ));
        }
        Ok(())
    }
}

/// Printable FourCC.
fn fourcc(id: &[u8; 4]) -> String {
    id.iter()
        .map(|b| {
            if b.is_ascii_graphic() || *b == b' ' {
                char::from(*b)
            } else {
                '?'
            }
        })
        .collect()
}

/// Names of the RIFF INFO entries: a classification name (fed to
/// [`category_for_name`]) and a label for reports.
fn info_name(id: [u8; 4]) -> (&'static str, &'static str) {
    match &id {
        b"IARL" => ("ArchivalLocation", "Archival location (IARL)"),
        b"IART" => ("Artist", "Artist (IART)"),
        b"ICMS" => ("CommissionedBy", "Commissioned by (ICMS)"),
        b"ICMT" => ("Comment", "Comment (ICMT)"),
        b"ICOP" => ("Copyright", "Copyright (ICOP)"),
        b"ICRD" => ("DateCreated", "Date created (ICRD)"),
        b"IDIT" => ("DateTimeOriginal", "Date (IDIT)"),
        b"IENG" => ("EngineerName", "Engineer (IENG)"),
        b"ITCH" => ("TechnicianName", "Technician (ITCH)"),
        b"ISFT" => ("Software", "Software (ISFT)"),
        b"ISRC" => ("SourcePerson", "Source (ISRC)"),
        b"INAM" => ("Title", "Title (INAM)"),
        b"ISBJ" => ("Subject", "Subject (ISBJ)"),
        b"IKEY" => ("Keywords", "Keywords (IKEY)"),
        b"IGNR" => ("Genre", "Genre (IGNR)"),
        b"IPRD" => ("Product", "Product (IPRD)"),
        b"ISMP" => ("TimeCode", "SMPTE timecode (ISMP)"),
        b"ICNM" => ("Cinematographer", "Cinematographer (ICNM)"),
        b"IPRO" => ("Producer", "Producer (IPRO)"),
        b"ISTR" => ("Performer", "Starring (ISTR)"),
        b"IWRI" => ("Writer", "Written by (IWRI)"),
        b"IDST" => ("Publisher", "Distributed by (IDST)"),
        b"IENC" => ("EncodedBy", "Encoded by (IENC)"),
        b"IMED" => ("Medium", "Medium (IMED)"),
        _ => ("Information", "Information entry"),
    }
}

/// What a removed, otherwise unknown chunk probably is.
fn vendor_chunk(id: [u8; 4], form: Option<[u8; 4]>) -> (Category, &'static str) {
    match (&id, form.as_ref()) {
        (b"LIST", Some(b"hydt")) | (b"LIST", Some(b"pntx")) | (b"PENT", _) => {
            (Category::Device, "Pentax maker data")
        }
        (b"LIST", Some(b"ncdt")) | (b"nctg", _) => (Category::Device, "Nikon maker data"),
        (b"LIST", Some(b"Tdat")) => (Category::Other, "Adobe timecode and reel names"),
        (b"CASI", _) | (b"Casi", _) => (Category::Device, "Casio maker data"),
        (b"FUJI", _) => (Category::Device, "Fujifilm maker data"),
        (b"olym", _) | (b"OLYM", _) => (Category::Device, "Olympus maker data"),
        (b"thum", _) => (Category::Embedded, "Thumbnail"),
        _ => (Category::Other, "Unknown chunk"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Fate;

    fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = id.to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(body);
        if body.len() % 2 == 1 {
            out.push(0);
        }
        out
    }

    fn list(id: &[u8; 4], form: &[u8; 4], children: &[Vec<u8>]) -> Vec<u8> {
        let mut body = form.to_vec();
        body.extend_from_slice(&children.concat());
        chunk(id, &body)
    }

    const FRAME: &[u8] = b"\xFF\xD8 frame payload \xFF\xD9";
    const INDX: &[u8] = b"super index with absolute offsets";

    fn sample() -> Vec<u8> {
        let strl = list(
            b"LIST",
            b"strl",
            &[
                chunk(b"strh", &[1; 56]),
                chunk(b"strf", &[2; 40]),
                chunk(b"indx", INDX),
                chunk(b"strn", b"Alice's holiday camera"),
            ],
        );
        let hdrl = list(
            b"LIST",
            b"hdrl",
            &[
                chunk(b"avih", &[3; 56]),
                strl,
                list(b"LIST", b"odml", &[chunk(b"dmlh", &[0; 248])]),
                chunk(b"IDIT", b"Mon Mar 10 15:04:43 2003\n\0"),
            ],
        );
        let info = list(
            b"LIST",
            b"INFO",
            &[
                chunk(b"IART", b"Alice Example\0"),
                chunk(b"ISFT", b"CameraSoft 1.0\0"),
            ],
        );
        let movi = list(
            b"LIST",
            b"movi",
            &[chunk(b"00dc", FRAME), chunk(b"ix00", &[7; 32])],
        );
        let first = list(
            b"RIFF",
            b"AVI ",
            &[
                hdrl,
                info,
                chunk(b"JUNK", b"PENTAX serial 1234567"),
                list(
                    b"LIST",
                    b"hydt",
                    &[chunk(b"hymn", b"PENTAX K-x maker notes")],
                ),
                movi.clone(),
                chunk(b"idx1", &[4; 16]),
            ],
        );
        let second = list(
            b"RIFF",
            b"AVIX",
            &[movi, chunk(b"CASI", b"Casio QV serial")],
        );
        [first, second].concat()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn blanks_metadata_in_place_and_keeps_streams_and_indexes() {
        let input = sample();
        let inspection = plan(&input, &Policy::default()).unwrap();
        assert!(inspection.plan.is_in_place(input.len() as u64));
        let out = inspection.plan.to_vec(&input).unwrap();
        assert_eq!(out.len(), input.len());
        for secret in [
            &b"Alice"[..],
            b"CameraSoft",
            b"15:04:43",
            b"PENTAX",
            b"Casio",
            b"hydt",
            b"INFO",
        ] {
            assert!(
                !contains(&out, secret),
                "{:?} survived",
                String::from_utf8_lossy(secret)
            );
        }
        for kept in [FRAME, INDX, b"idx1", b"dmlh", b"AVIX", &[7; 32]] {
            assert!(
                contains(&out, kept),
                "{:?} lost",
                String::from_utf8_lossy(kept)
            );
        }
        // The stream name became JUNK of the same size, inside its strl.
        let strn_at = input.windows(4).position(|w| w == b"strn").unwrap();
        assert_eq!(&out[strn_at..strn_at + 8], b"JUNK\x16\0\0\0");
        assert!(out[strn_at + 8..strn_at + 8 + 22].iter().all(|b| *b == 0));
        let fields: Vec<&str> = inspection
            .findings
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        for field in [
            "Artist (IART)",
            "Software (ISFT)",
            "Date (IDIT)",
            "Stream name",
            "Pentax maker data",
            "Casio maker data",
            "Padding with data (JUNK)",
        ] {
            assert!(fields.contains(&field), "no {field} in {fields:?}");
        }
        let artist = inspection
            .findings
            .iter()
            .find(|f| f.field == "Artist (IART)")
            .unwrap();
        assert_eq!(
            (artist.category, artist.value.as_str()),
            (Category::Identity, "Alice Example")
        );
        let again = plan(&out, &Policy::default()).unwrap();
        assert!(
            again.findings.iter().all(|f| f.fate == Fate::Kept),
            "{:?}",
            again.findings
        );
    }

    #[test]
    fn truncations_are_errors_not_panics() {
        let input = sample();
        let first_riff_end = 8 + u32::from_le_bytes(input[4..8].try_into().unwrap()) as usize;
        for cut in 0..input.len() {
            let result = plan(&&input[..cut], &Policy::default());
            // A file cut exactly after its first RIFF is a complete AVI.
            assert_eq!(result.is_ok(), cut == first_riff_end, "cut at {cut}");
        }
    }

    #[test]
    fn sizes_past_the_end_are_errors_not_allocations() {
        let mut input = sample();
        // The IART entry claims 4 GB.
        let at = input.windows(4).position(|w| w == b"IART").unwrap();
        input[at + 4..at + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        let err = plan(&input, &Policy::default()).unwrap_err().to_string();
        assert!(err.contains("claims"), "{err}");
    }

    #[test]
    fn other_riff_forms_are_refused() {
        let input = list(b"RIFF", b"WAVE", &[chunk(b"data", &[0; 4])]);
        assert!(plan(&input, &Policy::default()).is_err());
        let input = list(b"RIFF", b"AVIX", &[]);
        assert!(
            plan(&input, &Policy::default()).is_err(),
            "AVIX cannot come first"
        );
    }

    #[test]
    fn odd_chunks_are_padded_and_blanked_with_the_pad() {
        let input = list(
            b"RIFF",
            b"AVI ",
            &[chunk(b"IDIT", b"odd"), chunk(b"idx1", &[9; 4])],
        );
        let inspection = plan(&input, &Policy::default()).unwrap();
        let out = inspection.plan.to_vec(&input).unwrap();
        assert_eq!(&out[12..24], b"JUNK\x03\0\0\0\0\0\0\0");
        assert_eq!(&out[24..28], b"idx1");
    }
}
