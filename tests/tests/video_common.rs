//! Oracles shared by the video conformance tests (Matroska, AVI, MP4):
//! cleaning through the public API, ffmpeg/exiftool comparisons of input
//! and output, and the one table-driven corpus run ([`check_corpus`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use mediascrub::{Cleaning, Fate, FileSource, Policy};

use crate::common::{corpus_dir, corpus_files, exiftool_tags, have, is_sensitive_tag, run, Tag};

/// Clean `input` through the core API into `out_dir`, verified. Returns the
/// output path and the cleaning (findings), or the core's error.
pub fn clean_to(input: &Path, out_dir: &Path) -> Result<(PathBuf, Cleaning), mediascrub::Error> {
    clean_with(input, out_dir, &Policy::default())
}

/// [`clean_to`] with a policy.
pub fn clean_with(
    input: &Path,
    out_dir: &Path,
    policy: &Policy,
) -> Result<(PathBuf, Cleaning), mediascrub::Error> {
    let source = FileSource::new(std::fs::File::open(input)?)?;
    let cleaning = mediascrub::clean(&source, policy)?;
    let name = input.file_name().map(|n| n.to_owned()).unwrap_or_default();
    let out_path = out_dir.join(name);
    let mut out = std::fs::File::create(&out_path)?;
    cleaning.write_verified(&source, &mut out)?;
    Ok((out_path, cleaning))
}

/// `ffmpeg -v error -i FILE -f null -`: the decoder's complaints, with the
/// file name and pointer addresses normalised so that input and output can
/// be compared.
pub fn ffmpeg_errors(path: &Path) -> Vec<String> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .expect("run ffmpeg");
    let text = String::from_utf8_lossy(&out.stderr).replace(&path.display().to_string(), "FILE");
    text.lines()
        .map(|line| {
            // "[matroska,webm @ 0x55d8084e4840] ..." -> "[matroska,webm] ..."
            match (line.find(" @ 0x"), line.find(']')) {
                (Some(at), Some(close)) if at < close => {
                    format!("{}{}", &line[..at], &line[close..])
                }
                _ => line.to_string(),
            }
        })
        .collect()
}

/// Lines of decoder output that the cleaned file has and the input has not.
pub fn new_ffmpeg_errors(input: &Path, output: &Path) -> Vec<String> {
    let before = ffmpeg_errors(input);
    ffmpeg_errors(output)
        .into_iter()
        .filter(|line| !before.contains(line))
        .collect()
}

/// Per-packet checksums of every audio and video stream, copied without
/// decoding. `0:V` (not `0:v`): attached pictures are attachments, which
/// are removed on purpose.
pub fn framemd5(path: &Path) -> String {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args([
            "-map", "0:V?", "-map", "0:a?", "-c", "copy", "-f", "framemd5", "-",
        ])
        .output()
        .expect("run ffmpeg");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Tags exiftool still reports as sensitive in `path`. Muxing/writing
/// application fields are mandatory in Matroska and are neutralised, not
/// removed: they are acceptable when empty.
pub fn sensitive_tags(path: &Path) -> Vec<Tag> {
    exiftool_tags(path)
        .into_iter()
        .filter(is_sensitive_tag)
        .filter(|tag| {
            let neutral = matches!(tag.name.as_str(), "MuxingApp" | "WritingApp")
                && tag
                    .value
                    .trim_matches(|c: char| c == '\0' || c.is_whitespace())
                    .is_empty();
            // A zeroed QuickTime date is what cleaning leaves on purpose.
            let zero_date = tag.value.trim().starts_with("0000:00:00 00:00:00");
            !(neutral || zero_date)
        })
        .collect()
}

/// Whether `haystack` contains `needle`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Run ffmpeg with `args` (quiet, overwrite), panicking on failure.
pub fn ffmpeg(args: &[&str]) {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-nostdin", "-v", "error", "-y"]).args(args);
    run(&mut cmd);
}

/// The full conformance check of one cleaned file against its input:
/// exiftool shows nothing sensitive, ffmpeg reports nothing new, and the
/// packets are identical.
pub fn assert_conformant(input: &Path, output: &Path) {
    let problems = conformance_problems(input, output);
    assert!(
        problems.is_empty(),
        "{}: {}",
        input.display(),
        problems.join("; ")
    );
}

/// The checks of [`assert_conformant`], returned as the problems found.
pub fn conformance_problems(input: &Path, output: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let left = sensitive_tags(output);
    if !left.is_empty() {
        problems.push(format!(
            "exiftool still shows {:?}",
            left.iter()
                .map(|t| format!("{}:{}={}", t.group, t.name, t.value))
                .collect::<Vec<_>>()
        ));
    }
    let new_errors = new_ffmpeg_errors(input, output);
    if !new_errors.is_empty() {
        problems.push(format!("new decoder errors {new_errors:?}"));
    }
    let (before, after) = (framemd5(input), framemd5(output));
    if after.is_empty() && !before.is_empty() {
        problems.push("no packets in the output".to_string());
    }
    // Codec configuration may be rewritten on purpose (a Vorbis comment
    // header inside it is blanked with the same length): extradata must keep
    // its size, every packet must be identical, and decoding must give the
    // same samples and pixels.
    let (sizes_before, sizes_after) = (extradata_sizes(&before), extradata_sizes(&after));
    if sizes_before != sizes_after {
        problems.push(format!(
            "codec configuration changed size: {sizes_before:?} -> {sizes_after:?}"
        ));
    }
    if without_extradata(&before) != without_extradata(&after) {
        // Motion JPEG frames carry their own metadata, which is blanked
        // inside the packets at the same length: then every packet keeps
        // its size and every decoded frame must be identical.
        let motion_jpeg = stream_codecs(input).iter().any(|c| c == "mjpeg");
        if !motion_jpeg {
            problems.push("packets differ".to_string());
        } else if packet_sizes(&before) != packet_sizes(&after) {
            problems.push("Motion JPEG packets changed size".to_string());
        } else if decoded_frames(input) != decoded_frames(output) {
            problems.push("decoded Motion JPEG frames differ".to_string());
        }
    }
    if before.lines().any(|l| l.starts_with("#extradata"))
        && extradata_hashes(&before) != extradata_hashes(&after)
        && decoded_md5(input) != decoded_md5(output)
    {
        problems.push("decoded media differ".to_string());
    }
    problems
}

/// One container family's run over the real-world corpus: the same test
/// for every video format, driven by this table.
pub struct CorpusCase {
    /// Corpus folders, read in place (e.g. `["mp4", "mov", "3gp"]`).
    pub folders: &'static [&'static str],
    /// Oracles the judge runs.
    pub tools: &'static [&'static str],
    /// Files that must be refused, and text the refusal must contain.
    /// Every other file must be cleaned.
    pub expected_refusals: &'static [(&'static str, &'static str)],
    /// Every cleaned file had something to clean (a finding not kept).
    pub must_find_something: bool,
    /// Cleaned in place: no byte may move, the length stays.
    pub same_length: bool,
    /// At least this many files must be cleaned.
    pub min_cleaned: usize,
    /// The oracles' verdict on one cleaned file: the problems found.
    pub judge: fn(input: &Path, output: &Path) -> Vec<String>,
}

/// Clean every corpus file of `case` through the core API (default
/// policy, verified write) and judge each output; fails with every
/// problem of every file listed.
pub fn check_corpus(case: &CorpusCase) {
    if !case.tools.iter().all(|tool| have(tool)) {
        return;
    }
    if corpus_dir().is_none() {
        return; // reported by `corpus_dir`
    }
    let files: Vec<PathBuf> = case
        .folders
        .iter()
        .flat_map(|folder| corpus_files(folder))
        .collect();
    assert!(
        !files.is_empty(),
        "no files in the corpus folders {:?}",
        case.folders
    );
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut cleaned = 0;
    for input in &files {
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        let expected = case.expected_refusals.iter().find(|(n, _)| *n == name);
        let (output, cleaning) = match (clean_to(input, dir.path()), expected) {
            (Err(err), Some((_, reason))) if err.to_string().contains(reason) => {
                eprintln!("refused as expected: {name}: {err}");
                continue;
            }
            (Err(err), Some(_)) => {
                failures.push(format!("{name}: refused for an unexpected reason: {err}"));
                continue;
            }
            (Err(err), None) => {
                failures.push(format!("{name}: refused: {err}"));
                continue;
            }
            (Ok(done), Some((_, reason))) => {
                failures.push(format!(
                    "{name}: expected a refusal ({reason}), was cleaned"
                ));
                done
            }
            (Ok(done), None) => done,
        };
        cleaned += 1;
        if case.must_find_something && cleaning.findings.iter().all(|f| f.fate == Fate::Kept) {
            failures.push(format!("{name}: nothing found to clean"));
        }
        if case.same_length {
            let (before, after) = (file_len(input), file_len(&output));
            if before != after {
                failures.push(format!(
                    "{name}: no byte may move ({before} -> {after} bytes)"
                ));
            }
        }
        for problem in (case.judge)(input, &output) {
            failures.push(format!("{name}: {problem}"));
        }
        eprintln!("ok: {name}");
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        cleaned >= case.min_cleaned,
        "only {cleaned} corpus files in {:?} were cleaned",
        case.folders
    );
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

fn without_extradata(framemd5: &str) -> String {
    framemd5
        .lines()
        .filter(|l| !l.starts_with("#extradata"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn extradata_fields(framemd5: &str, field: usize) -> Vec<String> {
    framemd5
        .lines()
        .filter(|l| l.starts_with("#extradata"))
        .map(|l| l.split(',').nth(field).unwrap_or("").trim().to_string())
        .collect()
}

fn extradata_sizes(framemd5: &str) -> Vec<String> {
    extradata_fields(framemd5, 1)
}

fn extradata_hashes(framemd5: &str) -> Vec<String> {
    extradata_fields(framemd5, 2)
}

/// Each packet's stream, timing and size (framemd5 without the hashes).
fn packet_sizes(framemd5: &str) -> Vec<String> {
    framemd5
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.rsplit_once(',').map_or(l, |(head, _)| head).to_string())
        .collect()
}

/// The MD5 of each decoded video and audio frame, in order.
pub fn decoded_frames(path: &Path) -> String {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:V?", "-map", "0:a?", "-f", "framemd5", "-"])
        .output()
        .expect("run ffmpeg");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `ffprobe`'s codec name of every stream, in stream order.
pub fn stream_codecs(path: &Path) -> Vec<String> {
    let out = run(Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name",
            "-of",
            "csv=p=0",
        ])
        .arg(path));
    String::from_utf8_lossy(&out)
        .lines()
        .map(|l| l.trim().to_string())
        .collect()
}

/// MD5 of every decoded audio and video frame.
pub fn decoded_md5(path: &Path) -> String {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:V?", "-map", "0:a?", "-f", "md5", "-"])
        .output()
        .expect("run ffmpeg");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `ffprobe`'s codec type of every stream (`video`, `audio`, `subtitle`,
/// `data`, `attachment`), in stream order.
pub fn stream_types(path: &Path) -> Vec<String> {
    let out = run(Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type",
            "-of",
            "csv=p=0",
        ])
        .arg(path));
    String::from_utf8_lossy(&out)
        .lines()
        .map(|l| l.trim().trim_end_matches(',').to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// The text of subtitle stream `index` (among subtitle streams) as SRT,
/// decoded by ffmpeg.
pub fn subtitle_text(path: &Path, index: usize) -> String {
    let out = run(Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-map", &format!("0:s:{index}"), "-f", "srt", "-"]));
    String::from_utf8_lossy(&out).into_owned()
}
