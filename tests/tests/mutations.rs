//! Every committed sample, damaged in deterministic, seeded ways —
//! truncated, bit-flipped, with corrupted length fields at container
//! headers, with bytes of another sample spliced in — must be cleaned or
//! refused: never a panic, never a hang, and whatever output is produced
//! must pass the leak check of an independent reader (exiftool).
//!
//! The mutations are generic over formats: length fields are found by
//! looking for JPEG markers, ISO-BMFF box types, EBML element IDs and RIFF
//! chunk IDs in any file, so the MP4, Matroska and AVI cleaners are
//! exercised as soon as they are merged.

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::*;
use mediascrub::{clean_bytes, inspect, Policy};

/// One call (library or CLI) taking longer than this is a hang.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The seed of every random choice: the same mutants on every run.
const SEED: u64 = 0x6d65_6469_6173_6372;
/// Every this-many-th mutant also goes through the CLI binary.
const CLI_EVERY: usize = 23;

/// Values planted in the samples (see samples/README.md), as exiftool
/// prints them (without `-n`).
const PLANTED: &[&str] = &[
    "Jane Planted",
    "MSCRUB-SN-0042",
    "LENS-SN-7731",
    "59.437",
    "59 deg 26'",
    "PlantedCam",
    "PlantedSoft",
    "2024:05:06",
];

/// A small, deterministic generator (SplitMix64): no dependency, and the
/// same sequence on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A committed sample: its path relative to `samples/` and its bytes.
#[derive(Clone)]
struct Sample {
    name: String,
    ext: String,
    bytes: Vec<u8>,
}

/// Every media file under `samples/` (hidden and nested included).
fn samples() -> Vec<Sample> {
    let root = samples_dir();
    let mut paths = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).expect("read samples").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if !matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("md") | Some("sh")
            ) {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| Sample {
            name: path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace(['/', '\\'], "_"),
            ext: path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("bin")
                .to_string(),
            bytes: fs::read(&path).expect("read sample"),
        })
        .collect()
}

/// A length field: its offset and width in bytes.
#[derive(Debug, Clone, Copy)]
struct LengthField {
    at: usize,
    width: usize,
}

/// ISO-BMFF / QuickTime box types whose 4-byte size precedes them.
const BOX_TYPES: &[&[u8; 4]] = &[
    b"ftyp", b"moov", b"mvhd", b"trak", b"tkhd", b"mdia", b"mdhd", b"hdlr", b"minf", b"stbl",
    b"stsd", b"stco", b"co64", b"stsz", b"stts", b"stsc", b"udta", b"meta", b"ilst", b"keys",
    b"mdat", b"free", b"edts", b"elst", b"tx3g", b"avc1", b"hvc1", b"mp4a", b"uuid", b"\xa9xyz",
    b"\xa9nam", b"\xa9ART", b"\xa9cmt", b"\xa9too", b"data", b"gpmd", b"mebx", b"jpeg", b"colr",
    b"sgpd", b"sbgp", b"moof", b"traf", b"trun", b"tfhd", b"wave", b"esds",
];

/// RIFF chunk IDs whose 4-byte little-endian size follows them.
const RIFF_CHUNKS: &[&[u8; 4]] = &[
    b"RIFF", b"LIST", b"JUNK", b"avih", b"strh", b"strf", b"strn", b"idx1", b"IART", b"ICMT",
    b"ISFT", b"ICRD", b"INAM", b"IGNR", b"ICOP", b"00dc", b"01wb",
];

/// EBML (Matroska) element IDs whose size VINT follows them.
const EBML_IDS: &[&[u8]] = &[
    &[0x1A, 0x45, 0xDF, 0xA3], // EBML header
    &[0x18, 0x53, 0x80, 0x67], // Segment
    &[0x11, 0x4D, 0x9B, 0x74], // SeekHead
    &[0x15, 0x49, 0xA9, 0x66], // Info
    &[0x16, 0x54, 0xAE, 0x6B], // Tracks
    &[0x12, 0x54, 0xC3, 0x67], // Tags
    &[0x1F, 0x43, 0xB6, 0x75], // Cluster
    &[0x19, 0x41, 0xA4, 0x69], // Attachments
    &[0x10, 0x43, 0xA7, 0x70], // Chapters
    &[0x1C, 0x53, 0xBB, 0x6B], // Cues
    &[0x73, 0x73],             // Tag
    &[0x67, 0xC8],             // SimpleTag
    &[0x45, 0xA3],             // TagName
    &[0x44, 0x87],             // TagString
    &[0x61, 0xA7],             // AttachedFile
    &[0x46, 0x5C],             // FileData
    &[0x4D, 0x80],             // MuxingApp
    &[0x57, 0x41],             // WritingApp
    &[0x44, 0x61],             // DateUTC
    &[0x53, 0x6E],             // Name
];

/// Every place in `data` that looks like a container length field, in any
/// of the formats above (a file of one format simply has no hits of the
/// others, except by chance — which only adds mutants).
fn length_fields(data: &[u8]) -> Vec<LengthField> {
    let mut fields = Vec::new();
    for i in 0..data.len().saturating_sub(4) {
        let window = &data[i..i + 4];
        // JPEG marker segment: FF xx LL LL.
        if data[i] == 0xFF && matches!(data[i + 1], 0xC0..=0xCF | 0xDA..=0xFE) {
            fields.push(LengthField {
                at: i + 2,
                width: 2,
            });
        }
        if i >= 4 && BOX_TYPES.iter().any(|t| window == t.as_slice()) {
            fields.push(LengthField {
                at: i - 4,
                width: 4,
            });
        }
        if i + 8 <= data.len() && RIFF_CHUNKS.iter().any(|t| window == t.as_slice()) {
            fields.push(LengthField {
                at: i + 4,
                width: 4,
            });
        }
        for id in EBML_IDS {
            if data[i..].starts_with(id) {
                let at = i + id.len();
                let width = data
                    .get(at)
                    .map_or(1, |b| (b.leading_zeros() as usize + 1).min(8));
                if at + width <= data.len() {
                    fields.push(LengthField { at, width });
                }
            }
        }
    }
    fields
}

/// One damaged copy of a sample.
struct Mutant {
    label: String,
    bytes: Vec<u8>,
    /// Bytes of another sample were spliced in: raw planted values may then
    /// sit in media payload where no reader looks, so only the independent
    /// reader's view is judged.
    spliced: bool,
}

/// The audio samples (their mutants come from a generator of their own:
/// see the test).
fn is_audio(sample: &Sample) -> bool {
    matches!(sample.ext.as_str(), "mp3" | "wav" | "flac" | "ogg" | "opus")
}

/// The length fields of audio containers: ID3v2 tag sizes, RIFF chunks of
/// WAV, FLAC metadata block lengths, APE tag sizes, Ogg segment tables.
fn audio_length_fields(data: &[u8]) -> Vec<LengthField> {
    const WAV_CHUNKS: &[&[u8; 4]] = &[
        b"fmt ", b"data", b"fact", b"bext", b"iXML", b"id3 ", b"LIST", b"ds64",
    ];
    let mut fields = Vec::new();
    for i in 0..data.len().saturating_sub(12) {
        let window = &data[i..i + 4];
        if window.starts_with(b"ID3") {
            fields.push(LengthField {
                at: i + 6,
                width: 4,
            });
        }
        if WAV_CHUNKS.iter().any(|t| window == t.as_slice()) {
            fields.push(LengthField {
                at: i + 4,
                width: 4,
            });
        }
        if &data[i..i + 8] == b"APETAGEX" {
            fields.push(LengthField {
                at: i + 12,
                width: 4,
            });
        }
        if window == b"OggS" {
            fields.push(LengthField {
                at: i + 26,
                width: 1,
            });
        }
        if window == b"fLaC" {
            // Every metadata block header: a type byte, a 24-bit length.
            let mut at = i + 4;
            while at + 4 <= data.len() {
                fields.push(LengthField {
                    at: at + 1,
                    width: 3,
                });
                let len = u32::from_be_bytes([0, data[at + 1], data[at + 2], data[at + 3]]);
                if data[at] & 0x80 != 0 {
                    break;
                }
                at += 4 + len as usize;
            }
        }
    }
    fields
}

fn mutants(sample: &Sample, all: &[Sample], rng: &mut Rng) -> Vec<Mutant> {
    let data = &sample.bytes;
    let len = data.len();
    let mut out = Vec::new();
    let mut push = |label: String, bytes: Vec<u8>, spliced: bool| {
        out.push(Mutant {
            label,
            bytes,
            spliced,
        })
    };
    let mut fields = length_fields(data);
    if is_audio(sample) {
        fields.extend(audio_length_fields(data));
    }
    // Truncations: seeded cuts, plus cuts right at and inside headers.
    let mut cuts: Vec<usize> = (0..12).map(|_| rng.below(len)).collect();
    cuts.extend([0, 1, 2, 3, len / 2, len.saturating_sub(1)]);
    for _ in 0..6 {
        if let Some(f) = fields.get(rng.below(fields.len())) {
            cuts.extend([f.at, f.at + 1]);
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    for cut in cuts.into_iter().filter(|c| *c < len) {
        push(format!("truncate-{cut}"), data[..cut].to_vec(), false);
    }
    // Bit flips: half anywhere, half in the first 4 KiB where the headers
    // and metadata of most files are.
    for n in 0..24 {
        let mut bytes = data.clone();
        let flips = 1 + rng.below(8);
        let zone = if n % 2 == 0 { len } else { len.min(4096) };
        let mut label = String::from("flip");
        for _ in 0..flips {
            let at = rng.below(zone);
            let bit = rng.below(8);
            if let Some(b) = bytes.get_mut(at) {
                *b ^= 1 << bit;
            }
            label.push_str(&format!("-{at}.{bit}"));
        }
        push(label, bytes, false);
    }
    // Corrupted length fields: zero, all ones, huge, tiny, EBML "unknown".
    for _ in 0..24 {
        let Some(field) = fields.get(rng.below(fields.len())).copied() else {
            break;
        };
        let width = (field.width + rng.below(3)).clamp(2, 8).min(len - field.at);
        let value: Vec<u8> = match rng.below(5) {
            0 => vec![0x00; width],
            1 => vec![0xFF; width],
            2 => {
                let mut v = vec![0xFF; width];
                v[0] = 0x7F;
                v
            }
            3 => {
                let mut v = vec![0x00; width];
                v[width - 1] = 1;
                v
            }
            _ => {
                let mut v = vec![0xFF; width];
                v[0] = 0x01;
                v
            }
        };
        let mut bytes = data.clone();
        bytes[field.at..field.at + width].copy_from_slice(&value);
        push(format!("length-{}-{}", field.at, hex(&value)), bytes, false);
    }
    // Splices: a chunk of another sample inserted or written over a
    // header (or a random place).
    for n in 0..8 {
        let donor = &all[rng.below(all.len())];
        let take = (16 + rng.below(4096)).min(donor.bytes.len());
        let from = rng.below(donor.bytes.len() - take + 1);
        let chunk = &donor.bytes[from..from + take];
        let at = match fields.get(rng.below(fields.len())) {
            Some(f) if n % 2 == 0 => f.at,
            _ => rng.below(len),
        };
        let mut bytes = data.clone();
        let overwrite = rng.below(2) == 0;
        if overwrite {
            let end = (at + take).min(len);
            bytes[at..end].copy_from_slice(&chunk[..end - at]);
        } else {
            bytes.splice(at..at, chunk.iter().copied());
        }
        let how = if overwrite { "over" } else { "insert" };
        push(
            format!("splice-{how}-{at}-{}-{from}+{take}", donor.name),
            bytes,
            true,
        );
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the library did with one mutant.
enum Outcome {
    Cleaned(Vec<u8>),
    Refused,
}

/// `clean_bytes` in its own thread, panics caught, bounded in time.
fn clean_guarded(bytes: Vec<u8>) -> Result<Outcome, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let result = catch_unwind(AssertUnwindSafe(|| {
            let policy = Policy::default();
            match clean_bytes(&bytes, &policy) {
                Ok((out, cleaning)) => {
                    // The output must be what was planned and inspect again
                    // with nothing but what is kept on purpose.
                    if out.len() as u64 != cleaning.plan.output_len() {
                        return Err("output length differs from the plan".to_string());
                    }
                    let again = inspect(&out, &policy)
                        .map_err(|e| format!("output does not inspect again: {e}"))?;
                    if let Some(leak) = again.findings.iter().find(|f| f.is_leak()) {
                        return Err(format!("output still holds {leak:?}"));
                    }
                    Ok(Outcome::Cleaned(out))
                }
                Err(_) => Ok(Outcome::Refused),
            }
        }));
        let _ = tx.send(result);
    });
    match rx.recv_timeout(TIMEOUT) {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => Err(format!("PANIC: {}", panic_message(&panic))),
        Err(_) => Err(format!("HANG: no result after {TIMEOUT:?}")),
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "non-string panic".to_string())
}

/// Run the CLI on one mutant file; it must exit 0 (an output identical to
/// the library's) or 1 (no output, a reason naming the file), in time.
fn cli_check(input: &Path, output: &Path, expected: &Outcome) -> Result<(), String> {
    let mut child = Command::new(mediascrub_bin())
        .args(["clean", "-q", "-o"])
        .arg(output)
        .arg(input)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("CLI HANG: no exit after {TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        use std::io::Read;
        let _ = pipe.read_to_string(&mut stderr);
    }
    if stderr.contains("panicked") {
        return Err(format!("CLI PANIC: {stderr}"));
    }
    let dir = output.parent().unwrap_or(Path::new("."));
    let stray = fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with(".mediascrub-"));
    if stray {
        return Err("CLI left a temporary file behind".to_string());
    }
    match (status.code(), expected) {
        (Some(0), Outcome::Cleaned(bytes)) => {
            let written = fs::read(output).map_err(|e| format!("no output: {e}"))?;
            if &written != bytes {
                return Err("CLI output differs from the library's".to_string());
            }
            fs::remove_file(output).map_err(|e| e.to_string())
        }
        (Some(1), Outcome::Refused) => {
            if output.exists() {
                return Err("CLI refused the file but wrote an output".to_string());
            }
            let name = input.to_string_lossy();
            if !stderr.lines().any(|l| l.contains(name.as_ref())) {
                return Err(format!("CLI refusal does not name the file: {stderr}"));
            }
            Ok(())
        }
        (code, _) => Err(format!(
            "CLI exit {code:?} disagrees with the library: {stderr}"
        )),
    }
}

#[test]
fn mutated_samples_are_cleaned_or_refused_never_leaked() {
    let started = Instant::now();
    let all = samples();
    assert!(all.len() >= 10, "samples/ not found or incomplete");
    let work = tempfile::tempdir().expect("temp dir");
    let outputs = work.path().join("outputs");
    let cli_dir = work.path().join("cli");
    fs::create_dir_all(&outputs).unwrap();
    fs::create_dir_all(&cli_dir).unwrap();
    // The photo and video samples draw their mutants (and the samples
    // spliced into them) exactly as before the audio samples were added,
    // so that adding samples does not swap the mutants earlier runs judged
    // for new ones; the audio samples come after them, from a generator
    // of their own, with every sample as a splice donor.
    let earlier: Vec<Sample> = all.iter().filter(|s| !is_audio(s)).cloned().collect();
    let audio: Vec<Sample> = all.iter().filter(|s| is_audio(s)).cloned().collect();
    let mut rng = Rng(SEED);
    let mut audio_rng = Rng(SEED ^ 0x0061_7564_696f); // "audio"
    let mut failures: Vec<String> = Vec::new();
    let (mut total, mut cleaned, mut cli_runs) = (0usize, 0usize, 0usize);
    let mut raw_checked: Vec<(PathBuf, String)> = Vec::new();
    for sample in earlier.iter().chain(&audio) {
        let (donors, rng) = if is_audio(sample) {
            (&all, &mut audio_rng)
        } else {
            (&earlier, &mut rng)
        };
        for mutant in mutants(sample, donors, rng) {
            total += 1;
            let label = format!("{}:{}", sample.name, mutant.label);
            let outcome = match clean_guarded(mutant.bytes.clone()) {
                Ok(outcome) => outcome,
                Err(err) => {
                    failures.push(format!("{label}: {err}"));
                    if err.starts_with("HANG") {
                        break; // the stuck thread keeps a core busy
                    }
                    continue;
                }
            };
            if let Outcome::Cleaned(out) = &outcome {
                cleaned += 1;
                let path = outputs.join(format!("{total:05}.{}", sample.ext));
                fs::write(&path, out).unwrap();
                if !mutant.spliced {
                    raw_checked.push((path, label.clone()));
                }
            }
            if total % CLI_EVERY == 0 {
                cli_runs += 1;
                let input = cli_dir.join(format!("m{total:05}.{}", sample.ext));
                fs::write(&input, &mutant.bytes).unwrap();
                let output = cli_dir.join(format!("out-{total:05}.{}", sample.ext));
                if let Err(err) = cli_check(&input, &output, &outcome) {
                    failures.push(format!("{label} (CLI): {err}"));
                }
                fs::remove_file(&input).unwrap();
            }
        }
    }
    // Raw bytes: outside splices, a planted text value can only come from
    // the sample's own metadata.
    for (path, label) in &raw_checked {
        for value in PLANTED.iter().filter(|v| !v.contains(" deg ")) {
            if file_contains(path, value.as_bytes()) {
                failures.push(format!("{label}: output bytes contain {value:?}"));
            }
        }
    }
    // The independent reader, once over every output.
    if cleaned > 0 && have("exiftool") {
        failures.extend(exiftool_leaks(&outputs));
    }
    eprintln!(
        "{total} mutants of {} samples: {cleaned} cleaned, {} refused, {cli_runs} also through the CLI, in {:.1?}",
        all.len(),
        total - cleaned - failures.len().min(total - cleaned),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Run `exiftool -a -G1 -s -ee -j` over `dir` once; every planted value or
/// sensitive tag it reports is a failure.
fn exiftool_leaks(dir: &Path) -> Vec<String> {
    let out = Command::new("exiftool")
        .args(["-a", "-G1", "-s", "-ee", "-j", "-q", "-q"])
        .arg(dir)
        .output()
        .expect("run exiftool");
    let json: serde_json::Value = match serde_json::from_slice(&out.stdout) {
        Ok(json) => json,
        Err(err) => return vec![format!("exiftool output is not JSON: {err}")],
    };
    let mut failures = Vec::new();
    let files = fs::read_dir(dir).map(|rd| rd.count()).unwrap_or(0);
    let read = json.as_array().map_or(0, Vec::len);
    if read != files {
        failures.push(format!("exiftool read {read} of {files} outputs"));
    }
    for file in json.as_array().into_iter().flatten() {
        let Some(obj) = file.as_object() else {
            continue;
        };
        let source = obj
            .get("SourceFile")
            .and_then(|v| v.as_str())
            .unwrap_or("?");
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
            let tag = Tag {
                group: group.to_string(),
                name: name.to_string(),
                value: value.clone(),
            };
            if let Some(planted) = PLANTED.iter().find(|p| value.contains(*p)) {
                failures.push(format!("{source}: exiftool shows {key} = {planted}"));
            } else if is_sensitive_tag(&tag) && !is_neutral(&value) {
                failures.push(format!("{source}: exiftool shows {key} = {value}"));
            }
        }
    }
    failures
}

/// A value that gives nothing away: mandatory fields the cleaners zero
/// (`0000:00:00 00:00:00`, `0`) or leave empty.
fn is_neutral(value: &str) -> bool {
    value.chars().all(|c| c == '0' || !c.is_alphanumeric())
}

/// The oracle itself: run over the unmodified samples it must see the
/// planted values, or the test above would prove nothing.
#[test]
fn exiftool_check_sees_planted_values() {
    if !have("exiftool") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        samples_dir().join("photo-gps.jpg"),
        dir.path().join("a.jpg"),
    )
    .unwrap();
    let leaks = exiftool_leaks(dir.path()).join("\n");
    for planted in ["Jane Planted", "MSCRUB-SN-0042", "59 deg 26'", "2024:05:06"] {
        assert!(leaks.contains(planted), "{planted} not seen in:\n{leaks}");
    }
}
