//! Shared helpers for the conformance tests: where the corpus is, and the
//! independent oracles (exiftool, ffmpeg, ffprobe) that judge our outputs.
//!
//! Oracles are required in CI (`CI` set): a missing tool is a failure with
//! a clear message. Locally a test that needs a missing tool prints that it
//! is skipped and returns.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The real-world corpus, read in place: `$MEDIASCRUB_CORPUS` or
/// `../shared/corpus` relative to the workspace root.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("MEDIASCRUB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else if in_ci() {
        panic!(
            "corpus not found at {} (set MEDIASCRUB_CORPUS); CI requires it",
            dir.display()
        );
    } else {
        eprintln!("SKIP: corpus not found at {}", dir.display());
        None
    }
}

/// Every file of one corpus folder (e.g. `jpeg`), sorted.
pub fn corpus_files(folder: &str) -> Vec<PathBuf> {
    let Some(dir) = corpus_dir() else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(folder))
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file());
    files.sort();
    files
}

/// The workspace root (parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The committed samples folder.
pub fn samples_dir() -> PathBuf {
    workspace_root().join("samples")
}

/// Whether we run under CI, where every oracle is mandatory.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

/// Whether `tool` can be run. In CI a missing tool panics with a clear
/// message; locally it prints a SKIP line and returns false.
pub fn have(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg(if tool == "exiftool" {
            "-ver"
        } else {
            "-version"
        })
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if in_ci() {
            panic!("required oracle `{tool}` is not installed (CI must install it: see .ci/run)");
        }
        eprintln!("SKIP: `{tool}` is not installed; install it to run this check");
    }
    ok
}

/// One tag as exiftool reports it.
#[derive(Debug, Clone)]
pub struct Tag {
    /// Family-1 group, e.g. `GPS`, `IFD0`, `XMP-dc`.
    pub group: String,
    /// Tag name, e.g. `GPSLatitude`.
    pub name: String,
    /// Printed value.
    pub value: String,
}

/// All tags of `path` by `exiftool -a -G1 -s -ee -j` (duplicates included,
/// embedded documents and timed metadata extracted). Groups describing the
/// file on disk (`System`, `File`, `ExifTool`, `Composite`) are dropped.
pub fn exiftool_tags(path: &Path) -> Vec<Tag> {
    exiftool_tags_many(&[path.to_path_buf()])
        .into_iter()
        .next()
        .map(|(_, tags)| tags)
        .unwrap_or_default()
}

/// [`exiftool_tags`] for many files in one exiftool run (much faster than
/// one process per file), in the order given.
pub fn exiftool_tags_many(paths: &[PathBuf]) -> Vec<(PathBuf, Vec<Tag>)> {
    if paths.is_empty() {
        return Vec::new();
    }
    let out = Command::new("exiftool")
        .args([
            "-a",
            "-G1",
            "-s",
            "-ee",
            "-j",
            "-n",
            "-api",
            "LargeFileSupport=1",
        ])
        .args(paths)
        .output()
        .expect("run exiftool");
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    let mut by_file: Vec<(PathBuf, Vec<Tag>)> = Vec::new();
    for entry in json.as_array().into_iter().flatten() {
        let Some(obj) = entry.as_object() else {
            continue;
        };
        let source = obj
            .get("SourceFile")
            .and_then(|v| v.as_str())
            .map(PathBuf::from)
            .unwrap_or_default();
        let mut tags = Vec::new();
        for (key, value) in obj {
            let Some((group, name)) = key.split_once(':') else {
                continue;
            };
            if matches!(group, "System" | "File" | "ExifTool" | "Composite") {
                continue;
            }
            let value = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            tags.push(Tag {
                group: group.to_string(),
                name: name.to_string(),
                value,
            });
        }
        by_file.push((source, tags));
    }
    paths
        .iter()
        .map(|p| {
            let tags = by_file
                .iter()
                .find(|(source, _)| source == p)
                .map(|(_, t)| t.clone())
                .unwrap_or_default();
            (p.clone(), tags)
        })
        .collect()
}

/// Tag names that give away location, device identity, time, people or
/// software (the corpus manifest's patterns).
pub fn is_sensitive_tag(tag: &Tag) -> bool {
    const PATTERNS: &[&str] = &[
        "GPS",
        "Serial",
        "Make",
        "Model",
        "Owner",
        "Artist",
        "Author",
        "Creator",
        "By-line",
        "Copyright",
        "Rights",
        "Credit",
        "Date",
        "Location",
        "City",
        "Country",
        "Province",
        "Address",
        "Email",
        "Phone",
        "Software",
        "Firmware",
        "Lens",
        "UniqueID",
        "DocumentID",
        "InstanceID",
        "HostComputer",
        "Comment",
        "CameraID",
        "DeviceID",
        "ContentIdentifier",
        "Latitude",
        "Longitude",
        "Coordinates",
        "UserName",
        "Contact",
        "History",
        "Person",
        "MuxingApp",
        "WritingApp",
        "Encoder",
        "EncodedBy",
        "Computer",
        "Toolkit",
    ];
    // ICC profile groups describe the colour profile's vendor, not the user.
    if tag.group.starts_with("ICC") {
        return false;
    }
    PATTERNS.iter().any(|p| tag.name.contains(p))
}

/// Run a command and return its stdout, panicking with its stderr on failure.
pub fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("spawn command");
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The `mediascrub` binary built by `cargo test --workspace` (next to the
/// test executable's `deps/` folder).
pub fn mediascrub_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target directory");
    let bin = dir.join(format!("mediascrub{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{} not found: run the tests with `cargo test --workspace` so the CLI is built \
         (with `-p mediascrub-tests` alone an old binary may be used)",
        bin.display()
    );
    bin
}

/// Decode the first video frame/picture of `path` with ffmpeg and return
/// its MD5 (as printed by the framemd5 muxer), or `None` if ffmpeg cannot
/// decode it.
pub fn decoded_md5(path: &Path) -> Option<String> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:v:0", "-frames:v", "1", "-f", "framemd5", "-"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .rfind(|l| !l.starts_with('#') && !l.trim().is_empty())
        .and_then(|l| l.rsplit(',').next())
        .map(|s| s.trim().to_string())
}

/// Whether `needle` occurs anywhere in the bytes of `path`.
pub fn file_contains(path: &Path, needle: &[u8]) -> bool {
    let data = std::fs::read(path).expect("read output");
    !needle.is_empty() && data.windows(needle.len()).any(|w| w == needle)
}
