//! Conformance of the MP4/MOV/3GP cleaner, judged by independent tools:
//! exiftool (nothing sensitive left), ffmpeg (decodes without new errors,
//! identical audio/video packets), ffprobe (same rotation).
//!
//! Inputs are the real-world corpus (`mp4/`, `mov/`, `3gp/`, read in place)
//! and files generated here with ffmpeg: faststart and moov-last layouts, a
//! fragmented file, a subtitle track of GPS lines, a rotated MOV.

use std::fs::File;
use std::path::Path;
use std::process::Command;

use crate::common::{exiftool_tags, have, is_sensitive_tag, run};
use crate::video_common::{check_corpus, CorpusCase};
use mediascrub::{Fate, FileSource, Policy};

/// Corpus files that must be refused, with the reason they must be refused
/// for. Every other file must be cleaned. (None at present: the one
/// header-only stub, `exiftool_QuickTime.mov`, is cleaned into an equally
/// unplayable stub, which the ffmpeg comparison accepts.)
const EXPECTED_REFUSALS: &[(&str, &str)] = &[];

/// Clean `input` into `out` through the core API with `policy`.
fn clean_to(input: &Path, out: &Path, policy: &Policy) -> Result<mediascrub::Cleaning, String> {
    let src = FileSource::new(File::open(input).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let cleaning = mediascrub::clean(&src, policy).map_err(|e| e.to_string())?;
    let mut file = File::create(out).map_err(|e| e.to_string())?;
    cleaning
        .write_verified(&src, &mut file)
        .map_err(|e| e.to_string())?;
    Ok(cleaning)
}

/// Sensitive tags exiftool still sees. Zeroed values (exiftool prints
/// `0000:00:00 00:00:00` for a zero QuickTime date, empty strings or 0 for
/// zeroed vendor fields) are what cleaning leaves on purpose.
fn sensitive_tags(path: &Path) -> Vec<String> {
    exiftool_tags(path)
        .into_iter()
        .filter(is_sensitive_tag)
        .filter(|tag| {
            let value = tag.value.trim();
            !(value.is_empty()
                || value == "0"
                || value.starts_with("0000:00:00 00:00:00")
                || value == "0000:00:00")
        })
        .map(|tag| format!("{}:{} = {}", tag.group, tag.name, tag.value))
        .collect()
}

/// ffmpeg's complaints when decoding `path`, with addresses removed.
fn decode_errors(path: &Path) -> Vec<String> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .expect("run ffmpeg");
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(|line| {
            // "[mov,mp4 @ 0x55d...] message" → "[mov,mp4] message"
            match (line.find(" @ 0x"), line.find(']')) {
                (Some(at), Some(end)) if at < end => format!("{}{}", &line[..at], &line[end..]),
                _ => line.to_string(),
            }
        })
        .filter(|line| !line.contains(&path.display().to_string()))
        .collect()
}

/// Packet checksums of every audio and video stream except cover art
/// (header lines dropped: they may differ only in stream metadata).
fn packet_md5s(path: &Path) -> Vec<String> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        // `0:V` leaves out attached pictures (cover art): removing those is
        // part of cleaning.
        .args([
            "-map", "0:V?", "-map", "0:a?", "-c", "copy", "-f", "framemd5", "-",
        ])
        .output()
        .expect("run ffmpeg");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Rotation of each video stream as ffprobe reports it (display matrix
/// side data or the legacy `rotate` tag).
fn rotations(path: &Path) -> Vec<String> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v",
            "-show_streams",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("run ffprobe");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let streams = json["streams"].as_array().cloned().unwrap_or_default();
    streams
        .iter()
        .filter(|s| s["disposition"]["attached_pic"].as_i64() != Some(1))
        .map(|s| {
            let side = s["side_data_list"]
                .as_array()
                .and_then(|list| list.iter().find_map(|d| d.get("rotation").cloned()))
                .map(|r| r.to_string())
                .unwrap_or_default();
            let tag = s["tags"]["rotate"].as_str().unwrap_or("").to_string();
            format!("side={side} tag={tag}")
        })
        .collect()
}

fn have_oracles() -> bool {
    have("exiftool") && have("ffmpeg") && have("ffprobe")
}

/// Every oracle check for one cleaned file; returns the problems found.
fn judge(input: &Path, output: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let leaks = sensitive_tags(output);
    if !leaks.is_empty() {
        problems.push(format!("exiftool still shows: {leaks:?}"));
    }
    let input_errors = decode_errors(input);
    let output_errors = decode_errors(output);
    if !output_errors.is_empty() && output_errors != input_errors {
        problems.push(format!(
            "ffmpeg decode errors: {output_errors:?} (input had {input_errors:?})"
        ));
    }
    let (before, after) = (packet_md5s(input), packet_md5s(output));
    if before != after {
        problems.push(format!(
            "audio/video packets differ ({} vs {} packets)",
            before.len(),
            after.len()
        ));
    }
    let (rot_in, rot_out) = (rotations(input), rotations(output));
    if rot_in != rot_out {
        problems.push(format!("rotation changed: {rot_in:?} -> {rot_out:?}"));
    }
    problems
}

#[test]
fn corpus_videos_are_cleaned_and_still_play() {
    check_corpus(&CorpusCase {
        folders: &["mp4", "mov", "3gp"],
        tools: &["exiftool", "ffmpeg", "ffprobe"],
        expected_refusals: EXPECTED_REFUSALS,
        // Some corpus files hold nothing to clean, and a moov-first file
        // shrinks when metadata is removed.
        must_find_something: false,
        same_length: false,
        min_cleaned: 1,
        judge,
    });
}

const SECRETS: &[&str] = &[
    "24.7536",
    "59.4370",
    "SecretTitle",
    "JaneDoeArtist",
    "SecretMake",
];

fn ffmpeg(args: &[&str], dir: &Path) {
    let mut cmd = Command::new("ffmpeg");
    cmd.current_dir(dir)
        .args(["-nostdin", "-v", "error", "-y"])
        .args(args);
    run(&mut cmd);
}

/// Generate the fixtures in `dir`; returns their names.
fn generate_fixtures(dir: &Path) -> Vec<&'static str> {
    std::fs::write(
        dir.join("gps.srt"),
        "1\n00:00:00,000 --> 00:00:01,000\nGPS (24.7536, 59.4370, 19)\n\n\
         2\n00:00:01,000 --> 00:00:02,000\nGPS (24.7537, 59.4371, 20)\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("dialogue.srt"),
        "1\n00:00:00,000 --> 00:00:01,500\nHello there, my friend\n",
    )
    .unwrap();
    let sources = [
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=10:duration=2",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=2",
    ];
    let metadata = [
        "-metadata",
        "title=SecretTitle",
        "-metadata",
        "artist=JaneDoeArtist",
        "-metadata",
        "location=+59.4370+024.7536/",
        "-metadata",
        "creation_time=2024-01-01T00:00:00Z",
    ];
    let codecs = [
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        "5",
        "-c:a",
        "aac",
        "-c:s",
        "mov_text",
    ];
    // Base: video, audio and GPS subtitles.
    let mut base: Vec<&str> = sources.to_vec();
    base.extend(["-i", "gps.srt", "-map", "0", "-map", "1", "-map", "2"]);
    base.extend(codecs);
    base.extend(metadata);
    ffmpeg(&[base.as_slice(), &["base.mp4"]].concat(), dir);
    // ffmpeg 5 sets a display matrix from `rotate` only when remuxing.
    let rotate = ["-map", "0", "-c", "copy", "-metadata:s:v:0", "rotate=90"];
    ffmpeg(
        &[
            &["-i", "base.mp4"][..],
            &rotate,
            &["-movflags", "+faststart", "faststart.mp4"],
        ]
        .concat(),
        dir,
    );
    ffmpeg(
        &[&["-i", "base.mp4"][..], &rotate, &["moov_last.mp4"]].concat(),
        dir,
    );
    ffmpeg(
        &[
            &["-i", "base.mp4", "-map", "0", "-c", "copy"][..],
            &["-movflags", "frag_keyframe+empty_moov", "fragmented.mp4"],
        ]
        .concat(),
        dir,
    );
    // Fragments whose data offsets are relative to their `moof`.
    ffmpeg(
        &[
            &["-i", "base.mp4", "-map", "0", "-c", "copy"][..],
            &[
                "-movflags",
                "frag_keyframe+empty_moov+default_base_moof",
                "fragmented_moof_base.mp4",
            ],
        ]
        .concat(),
        dir,
    );
    ffmpeg(
        &[
            &sources[..4],
            &["-c:v", "mpeg4", "-metadata", "make=SecretMake"],
            &metadata,
            &["-f", "mov", "plain.mov"],
        ]
        .concat(),
        dir,
    );
    ffmpeg(
        &[&["-i", "plain.mov"][..], &rotate, &["rotated.mov"]].concat(),
        dir,
    );
    let mut dialogue: Vec<&str> = sources.to_vec();
    dialogue.extend(["-i", "dialogue.srt", "-map", "0", "-map", "1", "-map", "2"]);
    dialogue.extend(codecs);
    dialogue.push("dialogue.mp4");
    ffmpeg(&dialogue, dir);
    vec![
        "faststart.mp4",
        "moov_last.mp4",
        "fragmented.mp4",
        "fragmented_moof_base.mp4",
        "rotated.mov",
        "dialogue.mp4",
    ]
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn generated_videos_lose_metadata_and_telemetry_subtitles() {
    if !have_oracles() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let names = generate_fixtures(dir.path());
    let mut failures = Vec::new();
    for name in names {
        let input = dir.path().join(name);
        let output = dir.path().join(format!("clean-{name}"));
        let cleaning = match clean_to(&input, &output, &Policy::default()) {
            Ok(cleaning) => cleaning,
            Err(err) => {
                failures.push(format!("{name}: refused: {err}"));
                continue;
            }
        };
        let input_bytes = std::fs::read(&input).unwrap();
        let bytes = std::fs::read(&output).unwrap();
        // moov after the media: rewritten in place (nothing moves); moov
        // first: shrunk, with every chunk offset patched.
        let in_place = cleaning.is_in_place(input_bytes.len() as u64);
        match name {
            "moov_last.mp4" | "rotated.mov" if !in_place => {
                failures.push(format!("{name}: moov-last file not cleaned in place"))
            }
            "faststart.mp4" if bytes.len() >= input_bytes.len() => {
                failures.push(format!("{name}: faststart moov did not shrink"))
            }
            _ => {}
        }
        for secret in SECRETS {
            // Encoder names inside the video bitstream (x264's SEI) are not
            // metadata boxes; only check what the input had outside it.
            if contains(&input_bytes, secret.as_bytes()) && contains(&bytes, secret.as_bytes()) {
                failures.push(format!("{name}: '{secret}' is still in the output bytes"));
            }
        }
        if name != "dialogue.mp4" {
            let has_subtitles = contains(&input_bytes, b"GPS (24.7536");
            let reported = cleaning
                .findings
                .iter()
                .any(|f| f.field.starts_with("Subtitle") && f.fate == Fate::Removed);
            if has_subtitles && !reported {
                failures.push(format!("{name}: subtitle track not reported as removed"));
            }
        }
        for problem in judge(&input, &output) {
            failures.push(format!("{name}: {problem}"));
        }
        // These were made with rotate=90: the display matrix must survive.
        let rotated = matches!(name, "faststart.mp4" | "moov_last.mp4" | "rotated.mov");
        if rotated && !rotations(&output).iter().any(|r| r.contains("90")) {
            failures.push(format!("{name}: rotation missing in the output"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn dialogue_subtitles_are_kept_on_request_and_positions_never() {
    if !have_oracles() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    generate_fixtures(dir.path());
    let policy = Policy {
        keep_subtitles: true,
        ..Policy::default()
    };
    let count_subtitles = |path: &Path| {
        let out = run(Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-select_streams",
                "s",
                "-show_entries",
                "stream=index",
                "-of",
                "csv=p=0",
            ])
            .arg(path));
        String::from_utf8_lossy(&out).lines().count()
    };
    let kept = dir.path().join("kept-dialogue.mp4");
    clean_to(&dir.path().join("dialogue.mp4"), &kept, &policy).unwrap();
    assert_eq!(count_subtitles(&kept), 1, "dialogue subtitles were dropped");
    assert!(contains(
        &std::fs::read(&kept).unwrap(),
        b"Hello there, my friend"
    ));
    let gps = dir.path().join("kept-gps.mp4");
    clean_to(&dir.path().join("moov_last.mp4"), &gps, &policy).unwrap();
    assert_eq!(count_subtitles(&gps), 0, "GPS subtitles were kept");
    assert!(!contains(&std::fs::read(&gps).unwrap(), b"24.7536"));
}

/// Offsets of the boxes along `path` (each the first child of its type
/// inside the previous one; sample entries and `stsd` have fixed fields
/// before their children).
fn locate(file: &[u8], path: &[&[u8; 4]]) -> Vec<usize> {
    let mut found = Vec::new();
    let (mut start, mut end) = (0usize, file.len());
    for kind in path {
        let mut at = start;
        loop {
            assert!(
                at + 8 <= end,
                "no '{}' on the path",
                String::from_utf8_lossy(*kind)
            );
            let size = u32::from_be_bytes(file[at..at + 4].try_into().unwrap()) as usize;
            if &file[at + 4..at + 8] == *kind {
                break;
            }
            at += size;
        }
        let size = u32::from_be_bytes(file[at..at + 4].try_into().unwrap()) as usize;
        found.push(at);
        let skip = match *kind {
            b"stsd" => 8,
            b"avc1" => 78,
            b"mp4a" => 28,
            _ => 0,
        };
        start = at + 8 + skip;
        end = at + size;
    }
    found
}

/// Insert `extra` at the end of the last box of `path`, growing every box
/// on the path (used on moov-last files, whose chunk offsets stay valid).
fn insert_into(file: &mut Vec<u8>, path: &[&[u8; 4]], extra: &[u8]) {
    let boxes = locate(file, path);
    let last = *boxes.last().unwrap();
    let end = last + u32::from_be_bytes(file[last..last + 4].try_into().unwrap()) as usize;
    file.splice(end..end, extra.iter().copied());
    for at in boxes {
        let size = u32::from_be_bytes(file[at..at + 4].try_into().unwrap()) + extra.len() as u32;
        file[at..at + 4].copy_from_slice(&size.to_be_bytes());
    }
}

fn encodings(text: &str) -> Vec<Vec<u8>> {
    vec![
        text.as_bytes().to_vec(),
        text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
    ]
}

#[test]
fn boxes_once_copied_whole_leave_nothing_behind() {
    use mediascrub_fixtures::isobmff::{bx, full_box};
    if !have_oracles() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    ffmpeg(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120:rate=10:duration=1",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "base.mp4",
        ],
        dir.path(),
    );
    let mut file = std::fs::read(dir.path().join("base.mp4")).unwrap();
    let video_entry: &[&[u8; 4]] = &[
        b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd", b"avc1",
    ];
    insert_into(
        &mut file,
        video_entry,
        &[
            bx(b"uuid", b"\xbe\x7a\xcf\xcb\x97\xa9\x42\xe8\x9c\x71\x99\x94\x91\xe3\xaf\xacPLANTED-ENTRY-XMP"),
            bx(b"zzzz", b"PLANTED-ENTRY-BOX"),
        ]
        .concat(),
    );
    // ffmpeg's edit list: slack after its entries, an unknown sibling.
    insert_into(
        &mut file,
        &[b"moov", b"trak", b"edts", b"elst"],
        b"PLANTED-ELST",
    );
    insert_into(
        &mut file,
        &[b"moov", b"trak", b"edts"],
        &bx(b"XMP_", b"PLANTED-EDTS"),
    );
    insert_into(
        &mut file,
        &[b"moov", b"trak", b"mdia", b"minf", b"stbl"],
        &full_box(
            b"sgpd",
            1,
            0,
            &[&b"zzzz"[..], &[0; 4], &1u32.to_be_bytes(), b"PLANTED-SGPD"].concat(),
        ),
    );
    insert_into(
        &mut file,
        &[b"moov", b"trak", b"mdia"],
        &full_box(b"elng", 0, 0, b"PLANTED ELNG\0"),
    );
    insert_into(
        &mut file,
        &[b"moov"],
        &[bx(b"pssh", b"PLANTED-PSSH"), bx(b"iods", b"PLANTED-IODS")].concat(),
    );
    let ftyp = locate(&file, &[b"ftyp"])[0];
    let brand = ftyp + 16 + contains_at(&file[ftyp + 16..ftyp + 32], b"mp41").unwrap();
    file[brand..brand + 4].copy_from_slice(b"JNPL");
    let input = dir.path().join("crafted.mp4");
    std::fs::write(&input, &file).unwrap();
    let planted = [
        "PLANTED-ENTRY-XMP",
        "PLANTED-ENTRY-BOX",
        "PLANTED-ELST",
        "PLANTED-EDTS",
        "PLANTED-SGPD",
        "PLANTED ELNG",
        "PLANTED-PSSH",
        "PLANTED-IODS",
        "JNPL",
    ];
    let output = dir.path().join("clean-crafted.mp4");
    clean_to(&input, &output, &Policy::default()).unwrap();
    let bytes = std::fs::read(&output).unwrap();
    let exif = run(Command::new("exiftool")
        .args(["-a", "-G1", "-u", "-ee"])
        .arg(&output));
    let exif = String::from_utf8_lossy(&exif);
    for text in planted {
        for form in encodings(text) {
            assert!(!contains(&bytes, &form), "'{text}' survived in the bytes");
        }
        assert!(!exif.contains(text), "exiftool still shows '{text}'");
    }
    // ffmpeg cannot read the crafted input (its garbage `iods`): the
    // output is judged against the file before the boxes were planted.
    let problems = judge(&dir.path().join("base.mp4"), &output);
    assert!(problems.is_empty(), "{problems:?}");
}

fn contains_at(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Offsets of every box of type `kind` inside `file[start..end]`, walking
/// into the containers that lead to it.
fn boxes_of(file: &[u8], start: usize, end: usize, kind: &[u8; 4], out: &mut Vec<usize>) {
    let mut at = start;
    while at + 8 <= end {
        let size = u32::from_be_bytes(file[at..at + 4].try_into().unwrap()) as usize;
        if size < 8 || at + size > end {
            return;
        }
        let this = &file[at + 4..at + 8];
        if this == kind {
            out.push(at);
        }
        if matches!(
            this,
            b"moov" | b"trak" | b"mdia" | b"minf" | b"stbl" | b"moof" | b"traf"
        ) {
            boxes_of(file, at + 8, at + size, kind, out);
        }
        at += size;
    }
}

fn assert_gone(output: &Path, planted: &[&str]) {
    let bytes = std::fs::read(output).unwrap();
    let exif = run(Command::new("exiftool")
        .args(["-a", "-G1", "-u", "-ee"])
        .arg(output));
    let exif = String::from_utf8_lossy(&exif);
    for text in planted {
        for form in encodings(text) {
            assert!(!contains(&bytes, &form), "'{text}' survived in the bytes");
        }
        assert!(!exif.contains(text), "exiftool still shows '{text}'");
    }
}

#[test]
fn relabelled_telemetry_and_fragment_leftovers_leave_nothing_behind() {
    if !have_oracles() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("gps.srt"),
        "1\n00:00:00,000 --> 00:00:01,000\nGPS (24.7536, 59.4370, 19)\n",
    )
    .unwrap();
    let common = [
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=10:duration=1",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=1",
        "-i",
        "gps.srt",
        "-map",
        "0",
        "-map",
        "1",
        "-map",
        "2",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        "5",
        "-c:a",
        "aac",
        "-c:s",
        "mov_text",
    ];
    ffmpeg(&[&common[..], &["plain.mp4"]].concat(), dir.path());
    ffmpeg(
        &[
            &common[..],
            &[
                "-movflags",
                "frag_keyframe+empty_moov+default_base_moof",
                "frag.mp4",
            ],
        ]
        .concat(),
        dir.path(),
    );

    // 1. The subtitle track of GPS lines relabelled as sound.
    let mut file = std::fs::read(dir.path().join("plain.mp4")).unwrap();
    let mut hdlrs = Vec::new();
    boxes_of(&file, 0, file.len(), b"hdlr", &mut hdlrs);
    let relabelled = hdlrs
        .iter()
        .filter(|at| matches!(&file[*at + 16..*at + 20], b"sbtl" | b"text" | b"subt"))
        .copied()
        .collect::<Vec<_>>();
    assert!(!relabelled.is_empty(), "no subtitle handler to relabel");
    for at in relabelled {
        file[at + 16..at + 20].copy_from_slice(b"soun");
    }
    let input = dir.path().join("relabelled.mp4");
    std::fs::write(&input, &file).unwrap();
    let output = dir.path().join("clean-relabelled.mp4");
    clean_to(&input, &output, &Policy::default()).unwrap();
    assert_gone(&output, &["GPS (24.7536", "24.7536", "59.4370"]);
    let problems = judge(&dir.path().join("plain.mp4"), &output);
    assert!(problems.is_empty(), "relabelled: {problems:?}");

    // 2. Fragments: an unknown box inside a `traf` (the runs' offsets,
    // relative to their `moof`, moved to match) and bytes at the end of the
    // last `mdat` that no `trun` refers to.
    let mut file = std::fs::read(dir.path().join("frag.mp4")).unwrap();
    let mut trafs = Vec::new();
    boxes_of(&file, 0, file.len(), b"traf", &mut trafs);
    let traf = trafs[0];
    let mut moofs = Vec::new();
    boxes_of(&file, 0, file.len(), b"moof", &mut moofs);
    let moof = *moofs.iter().rfind(|m| **m < traf).unwrap();
    let planted_box = mediascrub_fixtures::isobmff::bx(b"zzzz", b"PLANTED-TRAF-BOX");
    insert_into_at(&mut file, &[moof, traf], &planted_box);
    let moof_end = moof + u32::from_be_bytes(file[moof..moof + 4].try_into().unwrap()) as usize;
    let mut truns = Vec::new();
    boxes_of(&file, moof + 8, moof_end, b"trun", &mut truns);
    for trun in truns {
        let flags = u32::from_be_bytes(file[trun + 8..trun + 12].try_into().unwrap());
        assert!(flags & 1 != 0, "trun without a data offset");
        let at = trun + 16;
        let offset =
            i32::from_be_bytes(file[at..at + 4].try_into().unwrap()) + planted_box.len() as i32;
        file[at..at + 4].copy_from_slice(&offset.to_be_bytes());
    }
    let mut mdats = Vec::new();
    boxes_of(&file, 0, file.len(), b"mdat", &mut mdats);
    let last = *mdats.last().unwrap();
    insert_into_at(&mut file, &[last], b"PLANTED-MDAT-GAP");
    // Whatever follows the last mdat (the fragment index) is dropped by the
    // cleaner; keep the file as ffmpeg would read it.
    let input = dir.path().join("crafted-frag.mp4");
    std::fs::write(&input, &file).unwrap();
    let output = dir.path().join("clean-crafted-frag.mp4");
    clean_to(&input, &output, &Policy::default()).unwrap();
    assert_gone(
        &output,
        &["PLANTED-TRAF-BOX", "PLANTED-MDAT-GAP", "24.7536", "59.4370"],
    );
    let problems = judge(&dir.path().join("frag.mp4"), &output);
    assert!(problems.is_empty(), "fragments: {problems:?}");
}

/// Insert `extra` at the end of the box at `boxes.last()`, growing every
/// box in `boxes` (its ancestors, given by offset).
fn insert_into_at(file: &mut Vec<u8>, boxes: &[usize], extra: &[u8]) {
    let last = *boxes.last().unwrap();
    let end = last + u32::from_be_bytes(file[last..last + 4].try_into().unwrap()) as usize;
    file.splice(end..end, extra.iter().copied());
    for at in boxes {
        let size = u32::from_be_bytes(file[*at..*at + 4].try_into().unwrap()) + extra.len() as u32;
        file[*at..*at + 4].copy_from_slice(&size.to_be_bytes());
    }
}
