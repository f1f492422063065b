//! The vocabulary every other module shares, and nothing else: what a run
//! does ([`Mode`], [`Destination`]), one file to process ([`Input`]), what
//! became of it ([`FileReport`], [`Outcome`]), and the names the tool gives
//! to files it writes (cleaned siblings, temporary files).
//!
//! It imports no other module of the crate, so that the flow stays one-way:
//! args → collect → process (→ output) → report.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use mediascrub::{Finding, Format};
use serde::{Serialize, Serializer};

/// What the run does with each file.
#[derive(Debug, Clone)]
pub enum Mode {
    /// `scan`: list the metadata, change nothing.
    Scan,
    /// `clean`: write cleaned copies to `destination`, or with `dry_run`
    /// plan and verify them without writing anything.
    Clean {
        destination: Destination,
        dry_run: bool,
    },
}

impl Mode {
    /// Where cleaned files go (`None` for `scan`).
    pub fn destination(&self) -> Option<&Destination> {
        match self {
            Mode::Scan => None,
            Mode::Clean { destination, .. } => Some(destination),
        }
    }
}

/// Where cleaned files go.
#[derive(Debug, Clone)]
pub enum Destination {
    /// `-o FILE`: one input, this output path.
    File(PathBuf),
    /// `--out DIR`: mirror paths under DIR.
    Directory(PathBuf),
    /// `--in-place`: patch the input where it lies when only metadata
    /// changes and nothing moves (through a rollback journal), else
    /// replace it atomically, keeping its owner, group, mode and access
    /// ACL. A file with other hard links is refused unless
    /// `allow_hardlinks` (the other names would keep the metadata), and is
    /// then always replaced, never patched.
    InPlace { allow_hardlinks: bool },
    /// Default: a sibling `NAME.clean.EXT` next to the input, never
    /// overwriting anything.
    Sibling,
    /// `-o -`, or the default for standard input: the cleaned bytes go to
    /// standard output, once they are verified.
    Stdout,
}

/// `--rename`: how outputs under `--out DIR` are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Rename {
    /// `0001.jpg`, `0002.mp4`, … in the order the inputs are listed.
    Numbered,
    /// 16 random hex digits and the extension.
    Random,
}

/// One file to process.
#[derive(Debug, Clone)]
pub struct Input {
    /// The file as found (argument or walked path).
    pub path: PathBuf,
    /// Where its output goes (`None` for `scan`).
    pub output: Option<PathBuf>,
    /// Whether an existing file at `output` may be replaced.
    pub overwrite: bool,
    /// `--out DIR`: the output must land inside DIR without passing
    /// through a symbolic link below it.
    pub confine: Option<PathBuf>,
}

impl Input {
    /// The path as shown to the user.
    pub fn display_path(&self) -> String {
        self.path.display().to_string()
    }
}

/// A file passed over in a directory walk, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

impl Skipped {
    pub fn new(path: &Path, reason: impl Into<String>) -> Self {
        Skipped {
            path: path.display().to_string(),
            reason: reason.into(),
        }
    }
}

/// How one file's processing ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Scanned, or planned and verified by a dry run: nothing written.
    Checked,
    /// Cleaned and written to this path.
    Written(String),
    /// Processed but given no output, for this reason (reported on stderr
    /// as soon as it happened).
    Failed(String),
    /// Refused while collecting, before any processing, for this reason
    /// (reported on stderr once every file is done).
    Rejected(String),
}

/// How a written output reached the disk (the `written` field of the JSON
/// report).
#[cfg_attr(not(unix), allow(dead_code))] // in-place patching is Unix-only
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Written {
    /// A new file (`-o`, `--out`, sibling), renamed into place.
    New,
    /// `--in-place`: replaced by a new file (temporary file, then rename).
    Rewritten,
    /// `--in-place`: only the changed byte ranges were written into the
    /// file itself, through a rollback journal.
    Patched,
    /// `--in-place`: the file already was its cleaned version; no byte
    /// needed writing.
    Unchanged,
}

/// What happened to one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The input path as given or walked.
    pub path: String,
    /// The detected format.
    pub format: Option<Format>,
    /// What was found and its fate.
    pub findings: Vec<Finding>,
    /// How it ended.
    pub outcome: Outcome,
    /// How the output was written, when it was.
    pub written: Option<Written>,
    /// Things the user must know even though the file was handled (a hard
    /// link left with the metadata under `--allow-hardlinks`, an
    /// interrupted in-place clean rolled back).
    pub warnings: Vec<String>,
}

impl FileReport {
    /// A report for `input`, still to be filled in.
    pub fn new(input: &Input) -> Self {
        FileReport {
            path: input.display_path(),
            format: None,
            findings: Vec::new(),
            outcome: Outcome::Checked,
            written: None,
            warnings: Vec::new(),
        }
    }

    /// A file refused before processing.
    pub fn rejected(path: &Path, error: impl Into<String>) -> Self {
        FileReport {
            path: path.display().to_string(),
            format: None,
            findings: Vec::new(),
            outcome: Outcome::Rejected(error.into()),
            written: None,
            warnings: Vec::new(),
        }
    }

    /// Why the file got no output, if it did not.
    pub fn error(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Failed(error) | Outcome::Rejected(error) => Some(error),
            Outcome::Checked | Outcome::Written(_) => None,
        }
    }

    /// What the file gives away, in one sentence
    /// ([`mediascrub::exposure::summary`]) of the findings that
    /// [`reveals`] anything.
    pub fn exposure(&self) -> Option<String> {
        let revealing: Vec<Finding> = self
            .findings
            .iter()
            .filter(|f| reveals(f))
            .map(|f| f.clone().with_fate(mediascrub::Fate::Removed))
            .collect();
        mediascrub::exposure::summary(&revealing)
    }

    /// Where the cleaned file was written, if it was.
    pub fn output(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Written(output) => Some(output),
            _ => None,
        }
    }
}

/// The JSON form of a report. Kept field for field as it was before
/// [`Outcome`] existed (`error` always present, `output` only when written),
/// because scripts parse it.
impl Serialize for FileReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json<'a> {
            path: &'a str,
            format: Option<Format>,
            findings: Findings<'a>,
            error: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            output: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            written: Option<Written>,
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            warnings: &'a [String],
        }
        // A file that got no output had nothing removed: each finding
        // says "not cleaned" rather than the fate the plan would give it.
        let findings = Findings {
            findings: &self.findings,
            not_cleaned: self.error().is_some(),
        };
        Json {
            path: &self.path,
            format: self.format,
            findings,
            error: self.error(),
            output: self.output(),
            // Only beside an output: a file that failed after all has none.
            written: self.output().and(self.written),
            warnings: &self.warnings,
        }
        .serialize(serializer)
    }
}

/// A file's findings in JSON: as the core describes them, or for a file
/// that got no output each with the fate [`NOT_CLEANED`].
struct Findings<'a> {
    findings: &'a [Finding],
    not_cleaned: bool,
}

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// [`Finding`]'s JSON form, field for field, with another fate.
        #[derive(Serialize)]
        struct NotCleaned<'a> {
            category: mediascrub::Category,
            field: &'a str,
            #[serde(rename = "where")]
            location: &'a str,
            value: &'a str,
            fate: &'static str,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            unknown: bool,
        }
        if !self.not_cleaned {
            return self.findings.serialize(serializer);
        }
        serializer.collect_seq(self.findings.iter().map(|f| NotCleaned {
            category: f.category,
            field: &f.field,
            location: &f.location,
            value: &f.value,
            fate: NOT_CLEANED,
            unknown: f.unknown,
        }))
    }
}

/// The `where` of findings about a file's entry in the file system (its
/// modification time, extended attributes) rather than its bytes.
pub const FILE_SYSTEM: &str = "file system";

/// The `where` of findings about a file's name.
pub const FILE_NAME: &str = "file name";

/// Whether `finding` tells a stranger something: what cleaning takes out
/// of the bytes, and what the name says even when the output keeps it; not
/// the file's entry in this file system (modification time, extended
/// attributes), which describes this copy and stays behind when the file
/// is sent or uploaded.
pub fn reveals(finding: &Finding) -> bool {
    finding.location == FILE_NAME || (finding.is_leak() && finding.location != FILE_SYSTEM)
}

/// The fate every finding of a file that got no output is given in
/// reports: nothing was removed from anything.
pub const NOT_CLEANED: &str = "not cleaned";

/// Extensions of media files, lower case. A walked file named like this is
/// always processed, whatever its content: cleaned, or refused with a
/// reason (exit 1), never skipped. Listing formats the core cannot clean
/// is deliberate: they must be refused by name, not passed over.
pub const MEDIA_EXTENSIONS: &[&str] = &[
    // Photos.
    "jpg", "jpeg", "jpe", "jfif", "mpo", "jps", "png", "apng", "gif", "webp", "tif", "tiff", "heic",
    "heics", "heif", "hif", "avif", "avifs", "jxl", "jp2", "jpf", "jpx", "j2k", "j2c", "jxr",
    "wdp", "hdp", "bmp", "dib", "psd", "psb", "ppm", "pgm", "pbm", "pnm", "pam", "ico", "cur",
    "svg", "svgz", "tga", "pcx", "exr", "hdr", "dpx", "qoi", // Camera raw.
    "dng", "cr2", "cr3", "crw", "crm", "nef", "nrw", "rw2", "raf", "arw", "srf", "sr2", "orf",
    "x3f", "mrw", "srw", "pef", "kdc", "dcr", "k25", "erf", "mef", "mos", "3fr", "fff", "iiq",
    "rwl", "raw", "gpr", "braw", "r3d", // Video.
    "mp4", "m4v", "mov", "qt", "3gp", "3g2", "mkv", "webm", "avi", "mts", "m2ts", "ts", "m2t",
    "insv", "insp", "lrv", "wmv", "asf", "flv", "f4v", "swf", "vob", "mpg", "mpeg", "mpe", "m2v",
    "m2p", "mod", "tod", "dv", "dif", "mxf", "rm", "rmvb", "ogv", // Audio.
    "m4a", "m4b", "m4p", "mka", "mp3", "mp2", "aac", "wav", "bwf", "flac", "ogg", "oga", "opus",
    "spx", "aif", "aiff", "aifc", "amr", "wma", "ac3", "mid", "midi", "wv", "ape",
];

/// The extension of `path`, lower case, when it names a media file.
pub fn media_extension(path: &Path) -> Option<String> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    MEDIA_EXTENSIONS.contains(&ext.as_str()).then_some(ext)
}

/// Name prefix of the temporary file an output is written to before it is
/// renamed into place. A run killed mid-write (SIGKILL, power loss) leaves
/// one behind; it is never a finished output.
pub const TEMP_PREFIX: &str = ".mediascrub-";

/// Whether `path` is one of our temporary outputs (`.mediascrub-XXXXXX`).
pub fn is_interrupted_temp(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(TEMP_PREFIX))
}

/// Name suffix of the rollback journal of an in-place patch: the journal
/// of `dir/NAME` is `dir/.NAME.mediascrub-journal` (see `crate::journal`).
pub const JOURNAL_SUFFIX: &str = ".mediascrub-journal";

/// Longest file name most file systems take (`NAME_MAX`).
#[cfg_attr(not(unix), allow(dead_code))] // in-place patching is Unix-only
const NAME_MAX: usize = 255;

/// Where the rollback journal of `path` lives: beside it, named after it,
/// so that any later run on the file finds it. `None` when that name would
/// be too long for the file system (such a file is never patched).
#[cfg_attr(not(unix), allow(dead_code))] // in-place patching is Unix-only
pub fn journal_path(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let mut journal = OsString::from(".");
    journal.push(name);
    journal.push(JOURNAL_SUFFIX);
    (journal.len() <= NAME_MAX).then(|| path.with_file_name(journal))
}

/// The file a rollback journal belongs to, when `path` is named like one.
pub fn journal_target(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let target = name.strip_prefix('.')?.strip_suffix(JOURNAL_SUFFIX)?;
    (!target.is_empty()).then(|| path.with_file_name(target))
}

/// `dir/name.jpg` → `dir/name.clean.jpg`.
pub fn sibling_path(path: &Path) -> PathBuf {
    let stem = path.file_stem().map(OsString::from).unwrap_or_default();
    let mut name = stem;
    name.push(".clean");
    if let Some(ext) = path.extension() {
        name.push(".");
        name.push(ext);
    }
    path.with_file_name(name)
}

/// The file `path` would be the cleaned sibling of (`dir/a.clean.jpg` →
/// `dir/a.jpg`, `dir/noext.clean` → `dir/noext`), by name only.
pub fn sibling_original(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let original = match name.rsplit_once('.') {
        Some((stem, "clean")) => stem.to_string(),
        Some((stem, ext)) => format!("{}.{ext}", stem.strip_suffix(".clean")?),
        None => return None,
    };
    (!original.is_empty())
        .then(|| path.with_file_name(original))
        .filter(|original| sibling_path(original) == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sibling_names() {
        assert_eq!(
            sibling_path(Path::new("a/b.jpg")),
            PathBuf::from("a/b.clean.jpg")
        );
        assert_eq!(
            sibling_path(Path::new("noext")),
            PathBuf::from("noext.clean")
        );
        for path in ["x/b.clean.jpg", "noext.clean", "x/.hidden.clean.jpg"] {
            let original = sibling_original(Path::new(path)).unwrap();
            assert_eq!(sibling_path(&original), PathBuf::from(path));
        }
        for path in ["x/b.jpg", "x/clean.jpg", "x/.clean.jpg", "clean", ".clean"] {
            assert_eq!(sibling_original(Path::new(path)), None, "{path}");
        }
    }

    #[test]
    fn journal_names() {
        let journal = journal_path(Path::new("d/clip.mp4")).unwrap();
        assert_eq!(journal, PathBuf::from("d/.clip.mp4.mediascrub-journal"));
        assert_eq!(journal_target(&journal), Some(PathBuf::from("d/clip.mp4")));
        assert_eq!(journal_target(Path::new("d/clip.mp4")), None);
        assert_eq!(journal_target(Path::new("d/.mediascrub-journal")), None);
        assert!(journal_path(&Path::new("d").join("x".repeat(240))).is_none());
    }

    #[test]
    fn temp_names() {
        assert!(is_interrupted_temp(Path::new("d/.mediascrub-a1B2c3")));
        assert!(!is_interrupted_temp(Path::new("d/mediascrub-a1B2c3")));
    }
}
