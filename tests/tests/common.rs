//! Shared helpers for the conformance tests: where the corpus is, and the
//! independent oracles (exiftool, ffmpeg/ffprobe, libjpeg's djpeg) that
//! judge our outputs.
//!
//! A test whose corpus or oracle is missing never passes quietly:
//!
//! - under CI (`CI` set) it fails, whatever else is set;
//! - locally it fails too, saying how to install what is missing or to set
//!   `MEDIASCRUB_ALLOW_SKIP=1`;
//! - with `MEDIASCRUB_ALLOW_SKIP=1` it skips those checks and passes, and
//!   prints a `SKIP` line straight to the terminal (past the test
//!   harness's output capture), so the skip shows in every run; when
//!   `MEDIASCRUB_SKIP_LOG` names a file (`test.sh` sets it), the line is
//!   also appended there, and `test.sh` ends with the count of skipped
//!   tests and what they lacked.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable that lets tests skip checks whose corpus or
/// oracle is missing (outside CI only).
pub const ALLOW_SKIP: &str = "MEDIASCRUB_ALLOW_SKIP";

/// Whether skipping was asked for: [`ALLOW_SKIP`] set to anything but
/// empty, `0` or `false`.
pub fn skips_allowed() -> bool {
    std::env::var_os(ALLOW_SKIP).is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
}

thread_local! {
    /// What this test (libtest runs each on its own thread) already
    /// reported as skipped: one line per missing thing.
    static REPORTED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// `what` is missing; `how` says how to get it. Fails the test under CI or
/// unless [`ALLOW_SKIP`] is set; otherwise prints a `SKIP` line once per
/// test and returns, and the caller skips the check.
pub fn missing(what: &str, how: &str) {
    if in_ci() {
        panic!("{what}: CI requires it ({how}; see .ci/run)");
    }
    if !skips_allowed() {
        panic!(
            "{what}: {how}.\nTo skip the checks that need it instead, run with \
             {ALLOW_SKIP}=1 (each skip is then printed as a SKIP line)."
        );
    }
    let first = REPORTED.with(|seen| {
        let mut seen = seen.borrow_mut();
        let first = !seen.iter().any(|w| w == what);
        if first {
            seen.push(what.to_string());
        }
        first
    });
    if first {
        let test = std::thread::current()
            .name()
            .unwrap_or("a test")
            .to_string();
        // `std::io::stderr()` directly, not `eprintln!`: the test harness
        // captures the macros' output and shows it only for failures.
        let line = format!("SKIP {test}: {what} ({how})");
        let _ = writeln!(std::io::stderr(), "{line}");
        log_skip(&line);
    }
}

/// The variable naming the file every `SKIP` line is appended to.
pub const SKIP_LOG: &str = "MEDIASCRUB_SKIP_LOG";

/// Append `line` to the [`SKIP_LOG`] file, if one is set: one `write` per
/// line in append mode, so parallel tests do not mix lines.
pub fn log_skip(line: &str) {
    let Some(log) = std::env::var_os(SKIP_LOG) else {
        return;
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log);
    if let Ok(mut file) = file {
        let _ = file.write_all(format!("{line}\n").as_bytes());
    }
}

/// Where the corpus should be: `$MEDIASCRUB_CORPUS` or `../shared/corpus`
/// relative to the workspace root.
fn corpus_path() -> PathBuf {
    std::env::var_os("MEDIASCRUB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/corpus"))
}

/// The real-world corpus, read in place (see [`corpus_path`]); `None` when
/// it is missing and skipping is allowed (see [`missing`]).
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = corpus_path();
    if dir.is_dir() {
        return Some(dir);
    }
    missing(
        &format!("the corpus is not at {}", dir.display()),
        "set MEDIASCRUB_CORPUS=/path/to/corpus",
    );
    None
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

/// How to install an oracle (Debian/Ubuntu package).
fn install_hint(tool: &str) -> &'static str {
    match tool {
        "exiftool" => "install it (Debian/Ubuntu: apt-get install libimage-exiftool-perl)",
        "ffmpeg" | "ffprobe" => "install it (Debian/Ubuntu: apt-get install ffmpeg)",
        "djpeg" | "cjpeg" | "jpegtran" => {
            "install it (Debian/Ubuntu: apt-get install libjpeg-turbo-progs)"
        }
        "dwebp" | "cwebp" => "install it (Debian/Ubuntu: apt-get install webp)",
        "djxl" | "cjxl" => "install it (Debian/Ubuntu: apt-get install libjxl-tools)",
        "opj_decompress" | "opj_compress" => {
            "install it (Debian/Ubuntu: apt-get install libopenjp2-tools)"
        }
        "dcraw" => "install it (Debian/Ubuntu: apt-get install dcraw)",
        "heif-convert" | "heif-enc" => {
            "install it (Debian/Ubuntu: apt-get install libheif-examples)"
        }
        "avifdec" | "avifenc" => "install it (Debian/Ubuntu: apt-get install libavif-bin)",
        _ => "install it",
    }
}

/// Whether `tool` can be run. A missing tool fails the test under CI or
/// unless [`ALLOW_SKIP`] is set; otherwise it is reported as a `SKIP` and
/// this returns false (see [`missing`]).
pub fn have(tool: &str) -> bool {
    let ok = match tool {
        // OpenJPEG's tools have no version flag and exit 1 on `-h`: being
        // able to start one is the check.
        "opj_decompress" | "opj_compress" => Command::new(tool).arg("-h").output().is_ok(),
        // dcraw has no version option: without arguments it prints its
        // usage (and exits 1), which is enough to know it runs.
        "dcraw" => Command::new(tool)
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("dcraw")),
        _ => Command::new(tool)
            .arg(match tool {
                "exiftool" => "-ver",
                "djxl" | "cjxl" | "avifdec" | "avifenc" => "--version",
                _ => "-version",
            })
            .output()
            .is_ok_and(|o| o.status.success()),
    };
    if !ok {
        missing(
            &format!("the oracle `{tool}` is not installed"),
            install_hint(tool),
        );
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
    exiftool_tags_many_with(paths, &[])
}

/// [`exiftool_tags_many`] with extra exiftool options (e.g. `-u` for
/// unknown tags too).
pub fn exiftool_tags_many_with(paths: &[PathBuf], extra: &[&str]) -> Vec<(PathBuf, Vec<Tag>)> {
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
        .args(extra)
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
    // MPEG audio frame header fields (`CopyrightFlag` is a bit of every
    // frame's header, not a name).
    if tag.group == "MPEG" && tag.name == "CopyrightFlag" {
        return false;
    }
    PATTERNS.iter().any(|p| tag.name.contains(p))
}

/// exiftool tags allowed in a cleaned JPEG: what display needs (JFIF,
/// Adobe colour transform, ICC profile, orientation).
pub fn is_jpeg_display_tag(tag: &Tag) -> bool {
    matches!(tag.group.as_str(), "JFIF" | "Adobe")
        || tag.group.starts_with("ICC")
        || (tag.group == "IFD0" && tag.name == "Orientation")
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

/// One decoded frame: RGBA pixels and the delay (milliseconds as a
/// numerator and denominator).
pub type Frame = (Vec<u8>, (u32, u32));

/// Every frame of a PNG, APNG or GIF, decoded to RGBA by the `image`
/// crate (an independent decoder), with its delay in milliseconds as a
/// fraction.
pub fn decoded_frames(path: &Path) -> Result<Vec<Frame>, String> {
    let data = std::fs::read(path).map_err(|e| e.to_string())?;
    let err = |e: image::ImageError| e.to_string();
    use image::AnimationDecoder;
    let frames = if data.starts_with(b"GIF8") {
        image::codecs::gif::GifDecoder::new(std::io::Cursor::new(&data))
            .map_err(err)?
            .into_frames()
            .collect_frames()
            .map_err(err)?
    } else {
        let decoder =
            image::codecs::png::PngDecoder::new(std::io::Cursor::new(&data)).map_err(err)?;
        if decoder.is_apng().map_err(err)? {
            decoder
                .apng()
                .map_err(err)?
                .into_frames()
                .collect_frames()
                .map_err(err)?
        } else {
            let image = image::DynamicImage::from_decoder(decoder).map_err(err)?;
            return Ok(vec![(image.into_rgba8().into_raw(), (0, 1))]);
        }
    };
    Ok(frames
        .into_iter()
        .map(|f| {
            let delay = f.delay().numer_denom_ms();
            (f.into_buffer().into_raw(), delay)
        })
        .collect())
}

/// The pixels of a still image decoded by an independent decoder
/// (`dwebp`, `djxl` or `opj_decompress`) to a netpbm file, or `None` if it
/// cannot decode it. Netpbm carries no metadata, so equal bytes mean equal
/// pixels.
pub fn decoded_pixels(decoder: &str, path: &Path) -> Option<Vec<u8>> {
    let dir = tempfile::tempdir().ok()?;
    let exts: &[&str] = match decoder {
        "dwebp" => &["pam"],
        _ => &["ppm", "pgm"],
    };
    for ext in exts {
        let out = dir.path().join(format!("decoded.{ext}"));
        let mut cmd = Command::new(decoder);
        match decoder {
            "dwebp" => cmd.arg("-quiet").arg("-pam").arg(path).arg("-o").arg(&out),
            "djxl" => cmd.arg(path).arg(&out),
            _ => cmd.arg("-quiet").arg("-i").arg(path).arg("-o").arg(&out),
        };
        if cmd.output().is_ok_and(|o| o.status.success()) {
            if let Ok(bytes) = std::fs::read(&out) {
                return Some(bytes);
            }
        }
    }
    None
}

/// Clean each of `files` through the CLI (`clean -q -o`) into `out_dir`.
/// Files named in `expected_refusals` must be refused (exit 1, no output,
/// the reason text on stderr); every other file must be cleaned. Returns
/// the (input, output) pairs cleaned; problems are pushed to `failures`.
pub fn clean_each_with_cli(
    files: &[PathBuf],
    out_dir: &Path,
    expected_refusals: &[(&str, &str)],
    failures: &mut Vec<String>,
) -> Vec<(PathBuf, PathBuf)> {
    let mut pairs = Vec::new();
    for input in files {
        let name = input.file_name().unwrap().to_string_lossy().to_string();
        let output = out_dir.join(&name);
        let result = Command::new(mediascrub_bin())
            .args(["clean", "-q", "-o"])
            .arg(&output)
            .arg(input)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&result.stderr);
        if let Some((_, reason)) = expected_refusals.iter().find(|(n, _)| *n == name) {
            if result.status.code() != Some(1) || !stderr.contains(reason) || output.exists() {
                failures.push(format!("{name}: expected refusal ({reason}), got {stderr}"));
            }
            continue;
        }
        if !result.status.success() {
            failures.push(format!("{name}: refused: {}", stderr.trim()));
            continue;
        }
        pairs.push((input.clone(), output));
    }
    pairs
}
