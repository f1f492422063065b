//! What the removed WAV chunks say: one finding per field of the chunks
//! that name people, places, devices and times (`bext`, `iXML`, `cart`,
//! `LIST INFO`), a summary with leak needles for the others.

use super::STRUCTURE;
use crate::container::riff::{fourcc_name, Chunk};
use crate::error::Result;
use crate::finding::{human_size, Category, Finding};
use crate::formats::avi::info_name;
use crate::formats::tags;
use crate::io::{zero, SourceExt};
use crate::metadata::classify::category_for_name;
use crate::metadata::id3::{self, with_coordinates};
use crate::metadata::subtitle::printable_runs;
use crate::metadata::{time, xmp};
use crate::scan::Scan;

/// Most fields of one XML chunk reported one by one.
const MAX_XML_FIELDS: usize = 64;
/// Most needles taken from one chunk's printable runs.
const MAX_RUNS: usize = 64;

pub(super) struct Describer<'s, 'a> {
    pub scan: &'s mut Scan<'a>,
}

impl Describer<'_, '_> {
    /// Report a removed chunk.
    pub fn removed(&mut self, chunk: &Chunk) -> Result<()> {
        let place = format!("RIFF/{}", chunk.name().trim_end());
        match &chunk.id {
            b"LIST" => self.list(chunk),
            b"bext" => {
                let bytes = self.read(chunk)?;
                self.bext(&bytes, &place);
                Ok(())
            }
            b"iXML" | b"axml" => {
                let bytes = self.read(chunk)?;
                let findings = xml(&bytes, &place);
                self.scan.report_all(findings);
                Ok(())
            }
            b"_PMX" => {
                let bytes = self.read(chunk)?;
                let mark = self.scan.mark();
                self.scan.report_all(xmp::describe(&bytes, &place));
                self.scan.report_if_none_since(mark, || {
                    Finding::removed(
                        Category::Other,
                        "XMP",
                        place.as_str(),
                        human_size(chunk.size),
                    )
                });
                Ok(())
            }
            b"id3 " | b"ID3 " => {
                let bytes = self.read(chunk)?;
                self.scan.report_all(id3::describe_v2_bytes(&bytes, &place));
                Ok(())
            }
            b"cart" => {
                let bytes = self.read(chunk)?;
                self.cart(&bytes, &place);
                Ok(())
            }
            b"PEAK" => {
                // Version, then the time the peaks were computed (seconds
                // since 1970), then the peaks.
                let bytes = self.read(chunk)?;
                let stamp = bytes
                    .get(4..8)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .map(u32::from_le_bytes)
                    .unwrap_or(0);
                let (category, value) = if stamp == 0 {
                    (Category::Other, human_size(chunk.size))
                } else {
                    (Category::Time, time::unix_utc(i64::from(stamp)))
                };
                self.scan.report(Finding::removed(
                    category,
                    "Peak levels (PEAK) and when they were measured",
                    place,
                    value,
                ));
                Ok(())
            }
            b"JUNK" | b"junk" | b"PAD " | b"pad " | b"FLLR" | b"fllr" | b"filr" => {
                // Padding goes; it is reported only when it holds data.
                if zero::is_zero(self.scan.src, chunk.data, chunk.data_end())? {
                    return Ok(());
                }
                self.generic(chunk, Category::Other, "Padding with data", &place)
            }
            other => {
                let (category, field) = match other {
                    b"cue " => (Category::Other, "Cue points"),
                    b"plst" => (Category::Other, "Playlist"),
                    b"smpl" => (Category::Other, "Sampler settings"),
                    b"inst" => (Category::Other, "Instrument settings"),
                    b"acid" => (Category::Other, "Loop settings (ACID)"),
                    b"chna" => (Category::Other, "Channel assignment (ADM)"),
                    b"levl" => (Category::Other, "Peak envelope (levl)"),
                    b"umid" => (Category::Device, "UMID"),
                    b"DISP" => (Category::Other, "Display title"),
                    _ => (Category::Other, "Unknown chunk"),
                };
                self.generic(chunk, category, field, &place)
            }
        }
    }

    /// The first bytes of a chunk's data (the describe limit).
    fn read(&mut self, chunk: &Chunk) -> Result<Vec<u8>> {
        tags::read(self.scan, chunk.data, chunk.size, STRUCTURE)
    }

    /// One finding naming the chunk, with its printable text as needles.
    fn generic(
        &mut self,
        chunk: &Chunk,
        category: Category,
        field: &str,
        place: &str,
    ) -> Result<()> {
        let bytes = self.read(chunk)?;
        let runs = printable_runs(&bytes);
        let preview = runs.first().cloned().unwrap_or_default();
        let mut finding = Finding::removed(
            category,
            field,
            place,
            format!("'{}', {}; {preview}", chunk.name(), human_size(chunk.size)),
        );
        for run in runs.into_iter().take(MAX_RUNS) {
            finding = finding.with_needle(run.as_bytes());
        }
        self.scan.report(finding);
        Ok(())
    }

    /// `LIST INFO` entries, `LIST adtl` labels and notes, other lists.
    fn list(&mut self, list: &Chunk) -> Result<()> {
        let form: [u8; 4] = if list.size >= 4 {
            self.scan.src.read_array(list.data, STRUCTURE)?
        } else {
            [b' '; 4]
        };
        let place = format!("RIFF/LIST {}", fourcc_name(&form).trim_end());
        if &form != b"INFO" {
            let field = if &form == b"adtl" {
                "Cue labels and notes"
            } else {
                "List"
            };
            return self.generic(list, Category::Other, field, &place);
        }
        let bytes = self.read(list)?;
        let mark = self.scan.mark();
        // Entries: id, size, text, pad byte; read tolerantly (the list
        // goes whole, its extent was checked).
        let mut pos = 4usize;
        while let Some(header) = bytes.get(pos..pos + 8) {
            let id = <[u8; 4]>::try_from(header.get(..4).unwrap_or_default()).unwrap_or([0; 4]);
            let size = header
                .get(4..8)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_le_bytes)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(usize::MAX);
            let start = pos + 8;
            let text = bytes
                .get(start..start.saturating_add(size).min(bytes.len()))
                .unwrap_or_default();
            let text = String::from_utf8_lossy(text)
                .trim_matches(|c: char| c == '\0' || c.is_whitespace())
                .to_string();
            let (name, label) = info_name(id);
            let finding = Finding::removed(
                category_for_name(name),
                label,
                format!("{place}/{}", fourcc_name(&id)),
                &text,
            )
            .with_needle(&text);
            self.scan.ensure_findings_room(list.start)?;
            self.scan.report_all(with_coordinates(finding, &text));
            pos = start.saturating_add(size).saturating_add(size & 1);
        }
        self.scan.report_if_none_since(mark, || {
            Finding::removed(
                Category::Other,
                "Information list",
                place.as_str(),
                human_size(list.size),
            )
        });
        Ok(())
    }

    /// `bext` (EBU Tech 3285): fixed text fields, the origination time,
    /// the time reference, the UMID and the coding history.
    fn bext(&mut self, bytes: &[u8], place: &str) {
        let mark = self.scan.mark();
        let text = |at: usize, len: usize| text(bytes.get(at..at + len).unwrap_or_default());
        let fields = [
            (Category::Other, "Description", text(0, 256)),
            (Category::Identity, "Originator", text(256, 32)),
            (Category::Device, "Originator reference", text(288, 32)),
        ];
        for (category, field, value) in fields {
            self.field(category, field, place, &value);
        }
        let when = format!("{} {}", text(320, 10), text(330, 8));
        self.field(
            Category::Time,
            "Origination date and time",
            place,
            when.trim(),
        );
        let reference = bytes
            .get(338..346)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_le_bytes)
            .unwrap_or(0);
        if reference != 0 {
            self.scan.report(Finding::removed(
                Category::Time,
                "Time reference (samples since midnight)",
                place,
                reference.to_string(),
            ));
        }
        // A basic UMID (32 bytes) holds the device and material number; an
        // extended one (64 bytes) adds when, where (coordinates) and who.
        let umid = bytes.get(348..412).unwrap_or_default();
        if umid.iter().any(|b| *b != 0) {
            let spatial = umid.get(40..52).unwrap_or_default();
            let category = if spatial.iter().any(|b| *b != 0) {
                Category::Location
            } else {
                Category::Device
            };
            let hex: String = umid.iter().take(32).map(|b| format!("{b:02X}")).collect();
            self.scan
                .report(Finding::removed(category, "UMID", place, &hex).with_needle(umid));
        }
        let history = text(602, bytes.len().saturating_sub(602));
        if !history.is_empty() {
            let mut finding =
                Finding::removed(Category::Software, "Coding history", place, &history)
                    .with_needle(&history);
            for line in history.lines().take(MAX_RUNS) {
                finding = finding.with_needle(line);
                for part in line.split(',') {
                    finding = finding.with_needle(part);
                }
            }
            self.scan.report_all(with_coordinates(finding, &history));
        }
        self.scan.report_if_none_since(mark, || {
            Finding::removed(
                Category::Other,
                "Broadcast extension (bext)",
                place,
                "empty",
            )
        });
    }

    /// `cart` (AES46 broadcast cart chunk): fixed text fields and free
    /// tag text.
    fn cart(&mut self, bytes: &[u8], place: &str) {
        let mark = self.scan.mark();
        let text = |at: usize, len: usize| text(bytes.get(at..at + len).unwrap_or_default());
        let fields = [
            (Category::Other, "Title", text(4, 64)),
            (Category::Identity, "Artist", text(68, 64)),
            (Category::Other, "Cut id", text(132, 64)),
            (Category::Identity, "Client id", text(196, 64)),
            (Category::Other, "Category", text(260, 64)),
            (Category::Other, "Classification", text(324, 64)),
            (Category::Other, "Out cue", text(388, 64)),
            (
                Category::Time,
                "Start date and time",
                format!("{} {}", text(452, 10), text(462, 8)),
            ),
            (
                Category::Time,
                "End date and time",
                format!("{} {}", text(470, 10), text(480, 8)),
            ),
            (Category::Software, "Producer application", text(488, 64)),
            (
                Category::Software,
                "Producer application version",
                text(552, 64),
            ),
            (Category::Other, "User text", text(616, 64)),
            (Category::Other, "URL", text(1024, 1024)),
            (
                Category::Other,
                "Tag text",
                text(2048, bytes.len().saturating_sub(2048)),
            ),
        ];
        for (category, field, value) in fields {
            self.field(category, field, place, value.trim());
        }
        self.scan.report_if_none_since(mark, || {
            Finding::removed(Category::Other, "Cart chunk", place, "empty")
        });
    }

    /// Report a non-empty text field.
    fn field(&mut self, category: Category, field: &str, place: &str, value: &str) {
        if value.is_empty() {
            return;
        }
        let finding = Finding::removed(category, field, place, value).with_needle(value);
        self.scan.report_all(with_coordinates(finding, value));
    }
}

/// Text of a fixed-size field: up to the first zero byte, trimmed.
fn text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(bytes.get(..end).unwrap_or_default())
        .trim()
        .to_string()
}

/// The leaf elements of an XML chunk (`iXML`, `axml`): `<NAME>text</NAME>`
/// pairs, with names as written. Tolerant of broken XML (the chunk goes
/// whole); bounded by the chunk bytes read.
fn leaves(xml: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        let after = rest.get(open + 1..).unwrap_or_default();
        let Some(close) = after.find('>') else { break };
        let tag = after.get(..close).unwrap_or_default();
        rest = after.get(close + 1..).unwrap_or_default();
        if tag.starts_with(['/', '?', '!']) || tag.ends_with('/') {
            continue;
        }
        let name = tag.split_whitespace().next().unwrap_or_default();
        let Some(end) = rest.find('<') else { break };
        let content = rest.get(..end).unwrap_or_default();
        let closing = format!("</{name}>");
        if rest.get(end..).is_some_and(|r| r.starts_with(&closing)) {
            let value = unescape(content.trim());
            if !value.is_empty() {
                out.push((name.to_string(), value));
            }
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The category of an iXML (or ADM) field by its name and value.
fn xml_category(name: &str) -> Category {
    let upper = name.to_ascii_uppercase();
    let has = |words: &[&str]| words.iter().any(|w| upper.contains(w));
    if has(&["LOCATION", "GPS", "LATITUDE", "LONGITUDE", "ALTITUDE"]) {
        Category::Location
    } else if has(&[
        "ORIGINATOR_REFERENCE",
        "UID",
        "SERIAL",
        "DEVICE",
        "MAKE",
        "MODEL",
    ]) {
        Category::Device
    } else if has(&[
        "ORIGINATOR",
        "USER",
        "OPERATOR",
        "ENGINEER",
        "CREW",
        "AUTHOR",
        "ARTIST",
    ]) {
        Category::Identity
    } else if has(&[
        "TRACK",
        "SPEED",
        "RATE",
        "FILE_SET",
        "DIGITIZER",
        "SYNC",
        "IXML_VERSION",
    ]) {
        Category::Other
    } else if has(&["SOFTWARE", "APPLICATION", "HISTORY"]) {
        Category::Software
    } else {
        category_for_name(name)
    }
}

/// Describe an XML chunk: one finding per telling field, one summary
/// finding holding the rest of the values as needles.
fn xml(bytes: &[u8], place: &str) -> Vec<Finding> {
    let text = String::from_utf8_lossy(bytes);
    let mut findings = Vec::new();
    let mut summary = Finding::removed(
        Category::Other,
        "XML metadata",
        place,
        human_size(bytes.len() as u64),
    );
    let mut others = 0usize;
    for (name, value) in leaves(&text) {
        let category = xml_category(&name);
        let coordinates = (category != Category::Location)
            .then(|| crate::metadata::classify::coordinates_in(&value, &name, place))
            .flatten();
        findings.extend(coordinates);
        if category == Category::Other || findings.len() >= MAX_XML_FIELDS {
            others += 1;
            if others <= MAX_RUNS {
                summary = summary.with_needle(value.as_bytes());
            }
            continue;
        }
        findings.push(
            Finding::removed(category, name.clone(), place, &value).with_needle(value.as_bytes()),
        );
    }
    summary.value = format!("{}, {others} other fields", human_size(bytes.len() as u64));
    findings.push(summary);
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_fields_are_classified() {
        let ixml = "<?xml version=\"1.0\"?><BWFXML><PROJECT>Harbour</PROJECT>\
            <LOCATION><LOCATION_NAME>Tallinn harbour</LOCATION_NAME>\
            <LOCATION_GPS>59.4370, 24.7536</LOCATION_GPS></LOCATION>\
            <FILE_UID>ZOOMH5-0042-XYZ</FILE_UID><NOTE>take two &amp; three</NOTE>\
            <BWF_ORIGINATOR>Jane</BWF_ORIGINATOR><TRACK><NAME>Lav 1</NAME></TRACK></BWFXML>";
        let findings = xml(ixml.as_bytes(), "RIFF/iXML");
        let cat = |n: &str| findings.iter().find(|f| f.field == n).map(|f| f.category);
        assert_eq!(cat("LOCATION_NAME"), Some(Category::Location));
        assert_eq!(cat("LOCATION_GPS"), Some(Category::Location));
        assert_eq!(cat("FILE_UID"), Some(Category::Device));
        assert_eq!(cat("BWF_ORIGINATOR"), Some(Category::Identity));
        let summary = findings.last().unwrap();
        assert!(summary.needles.iter().any(|n| n == b"take two & three"));
        assert!(summary.needles.iter().any(|n| n == b"Harbour"));
        let _ = leaves("<a><b>unclosed<c></a></b><<>>");
    }
}
