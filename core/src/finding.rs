//! What was found in a file and what happens to it.

use std::fmt;

use serde::Serialize;

/// The kind of information a piece of metadata gives away. These names are
/// the vocabulary of reports, JSON output and policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// GPS, ISO 6709 strings, place names, telemetry fixes.
    Location,
    /// Make, model, serial numbers, unique/document identifiers.
    Device,
    /// Capture and modification dates.
    Time,
    /// Owner, artist, author, copyright, contact details.
    Identity,
    /// Software, firmware, encoder, handler and compressor names.
    Software,
    /// Thumbnails, previews, trailers, secondary images, attachments.
    Embedded,
    /// Timed-metadata tracks (GPMF, mebx, CAMM, drone telemetry).
    Telemetry,
    /// C2PA / JUMBF manifests.
    Provenance,
    /// Unknown blocks, comments, text, descriptions; also what is kept for
    /// display (orientation, colour).
    Other,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 9] = [
        Category::Location,
        Category::Device,
        Category::Time,
        Category::Identity,
        Category::Software,
        Category::Embedded,
        Category::Telemetry,
        Category::Provenance,
        Category::Other,
    ];

    /// The lowercase name used in reports and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Category::Location => "location",
            Category::Device => "device",
            Category::Time => "time",
            Category::Identity => "identity",
            Category::Software => "software",
            Category::Embedded => "embedded",
            Category::Telemetry => "telemetry",
            Category::Provenance => "provenance",
            Category::Other => "other",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the plan does with a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fate {
    /// Not present in the output.
    Removed,
    /// Present unchanged in the output (needed to display the media).
    Kept,
    /// Present in the output with its value overwritten by zeroes or
    /// emptied (mandatory fields).
    Zeroed,
    /// Present in the output with a neutral value of the tool's choosing
    /// instead of its own (a Matroska TrackUID becomes the track number, a
    /// DNG's UniqueCameraModel becomes `Camera`).
    Replaced,
}

impl Fate {
    /// The lowercase name used in reports and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Fate::Removed => "removed",
            Fate::Kept => "kept",
            Fate::Zeroed => "zeroed",
            Fate::Replaced => "replaced",
        }
    }
}

impl fmt::Display for Fate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Longest value preview kept in a finding.
const PREVIEW_CHARS: usize = 80;

/// Shortest value that is searched for in the raw output bytes: shorter
/// needles would match media payload by chance.
pub const MIN_NEEDLE_LEN: usize = 6;

/// Most findings one file may produce; a file that would produce more is
/// refused ([`crate::Error::Limit`]). A finding costs a few hundred bytes, so
/// without this a crafted file of two-byte elements makes a report a hundred
/// times its own size (a 12 MB Matroska file of empty `SimpleTag`s took
/// 2.1 GB and 34 s). Parsers check it once per structure they read, and
/// stop describing a removed structure once it is reached.
pub const MAX_FINDINGS: usize = 1 << 16;

/// One piece of metadata found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What it gives away.
    pub category: Category,
    /// What it is, e.g. `GPS position`, `Serial number`, `Trailer`.
    pub field: String,
    /// Where it sits in the container, e.g. `APP1/Exif/GPS`.
    #[serde(rename = "where")]
    pub location: String,
    /// A short, printable preview of the value (may be empty).
    pub value: String,
    /// What the plan does with it.
    pub fate: Fate,
    /// A structure the tool does not understand (an unknown box, chunk,
    /// segment, element or tag): removed by default, and the reason a
    /// [`crate::Policy`] with `refuse_unknown` refuses the file. Set for
    /// every finding named `Unknown …` (the name planners give such
    /// structures) and by [`Finding::unknown_block`]. In JSON only when
    /// true.
    #[serde(skip_serializing_if = "is_false")]
    pub unknown: bool,
    /// Raw byte strings whose presence in the output would mean this finding
    /// leaked: verification searches the output for them.
    #[serde(skip)]
    pub needles: Vec<Vec<u8>>,
    /// The embedded picture itself, for findings that are one (an Exif
    /// thumbnail): a report can show what a stranger would see. Never
    /// written to any output.
    #[serde(skip)]
    pub picture: Option<Picture>,
}

/// An embedded picture carried by a finding (a thumbnail), to be shown in
/// reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// `image/jpeg`, …
    pub mime: &'static str,
    /// The picture's bytes as they are in the file.
    pub bytes: Vec<u8>,
}

/// Largest embedded picture a finding carries (bigger ones are reported
/// without their bytes).
pub const MAX_PICTURE_BYTES: usize = 1 << 20;

impl Finding {
    /// A finding that the plan removes.
    pub fn removed(
        category: Category,
        field: impl Into<String>,
        location: impl Into<String>,
        value: impl AsRef<str>,
    ) -> Self {
        let field = field.into();
        Finding {
            category,
            unknown: field.starts_with("Unknown "),
            field,
            location: location.into(),
            value: preview(value.as_ref()),
            fate: Fate::Removed,
            needles: Vec::new(),
            picture: None,
        }
    }

    /// Mark this finding as a structure the tool does not understand
    /// (see [`Finding::unknown`]), for one whose name does not say so.
    pub fn unknown_block(mut self) -> Self {
        self.unknown = true;
        self
    }

    /// Change the fate.
    pub fn with_fate(mut self, fate: Fate) -> Self {
        self.fate = fate;
        self
    }

    /// Add a byte string to search for in the output (ignored when shorter
    /// than [`MIN_NEEDLE_LEN`] after trimming).
    pub fn with_needle(mut self, needle: impl AsRef<[u8]>) -> Self {
        let needle = trim_bytes(needle.as_ref());
        if needle.len() >= MIN_NEEDLE_LEN && !self.needles.iter().any(|n| n == needle) {
            self.needles.push(needle.to_vec());
        }
        self
    }

    /// Carry `bytes` as the embedded picture this finding is, if it is
    /// not too large to keep in a report.
    pub fn with_picture(mut self, mime: &'static str, bytes: &[u8]) -> Self {
        if !bytes.is_empty() && bytes.len() <= MAX_PICTURE_BYTES {
            self.picture = Some(Picture {
                mime,
                bytes: bytes.to_vec(),
            });
        }
        self
    }

    /// Whether this finding is still sensitive when found in an output: only
    /// what is kept on purpose is acceptable there.
    pub fn is_leak(&self) -> bool {
        self.fate != Fate::Kept
    }
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn trim_bytes(bytes: &[u8]) -> &[u8] {
    let is_pad = |b: &u8| *b == 0 || b.is_ascii_whitespace();
    let start = bytes.iter().position(|b| !is_pad(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_pad(b))
        .map_or(start, |e| e + 1);
    bytes.get(start..end).unwrap_or(&[])
}

/// A printable, single-line, bounded preview of a value.
pub fn preview(value: &str) -> String {
    let mut out = String::new();
    for (count, ch) in value
        .trim_matches(|c: char| c == '\0' || c.is_whitespace())
        .chars()
        .enumerate()
    {
        if count >= PREVIEW_CHARS {
            out.push('…');
            break;
        }
        out.push(if ch.is_control() { ' ' } else { ch });
    }
    out
}

/// Human-readable size, e.g. `49 KB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = UNITS[0];
    for next in UNITS.iter().skip(1) {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    if value < 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.0} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_bounded_and_single_line() {
        let long = "a\nb".repeat(100);
        let p = preview(&long);
        assert!(!p.contains('\n'));
        assert!(p.chars().count() <= PREVIEW_CHARS + 1);
        assert_eq!(preview("  x\0\0"), "x");
    }

    #[test]
    fn short_needles_are_ignored() {
        let f = Finding::removed(Category::Device, "Make", "x", "Canon")
            .with_needle("Canon")
            .with_needle("  SERIAL123\0");
        assert_eq!(f.needles, vec![b"SERIAL123".to_vec()]);
    }

    #[test]
    fn unknown_structures_are_flagged_by_name_or_on_request() {
        let unknown = Finding::removed(Category::Other, "Unknown box 'abcd'", "moov", "8 bytes");
        assert!(unknown.unknown);
        let known = Finding::removed(Category::Other, "Comment", "COM", "hi");
        assert!(!known.unknown && known.clone().unknown_block().unknown);
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(10), "10 bytes");
        assert_eq!(human_size(50_000), "49 KB");
        assert_eq!(human_size(3 * 1024 * 1024), "3.0 MB");
    }
}
