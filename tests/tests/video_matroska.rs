//! Matroska/WebM conformance: every corpus file and generated fixtures are
//! cleaned through the public API and judged by exiftool and ffmpeg.

use std::path::Path;

use crate::common::have;
use crate::video_common::{
    assert_conformant, check_corpus, clean_to, clean_with, conformance_problems, contains, ffmpeg,
    ffmpeg_errors, stream_types, subtitle_text, CorpusCase,
};
use mediascrub::{Category, Fate, Policy};

/// Corpus files that must be refused, and the reason that must be given.
const EXPECTED_REFUSALS: &[(&str, &str)] = &[
    // exiftool's test image keeps only the first 507 bytes of a real file:
    // the Segment and Tracks claim more bytes than exist.
    ("exiftool_Matroska.mkv", "claims"),
];

fn tools() -> bool {
    have("exiftool") && have("ffmpeg")
}

#[test]
fn corpus_matroska_files_are_cleaned_and_still_play() {
    check_corpus(&CorpusCase {
        folders: &["mkv"],
        tools: &["exiftool", "ffmpeg", "ffprobe"],
        expected_refusals: EXPECTED_REFUSALS,
        must_find_something: true,
        same_length: true,
        min_cleaned: 3,
        judge: judge_corpus_file,
    });
}

/// The conformance checks, and only audio and video streams left.
fn judge_corpus_file(input: &Path, output: &Path) -> Vec<String> {
    let mut problems = conformance_problems(input, output);
    let types = stream_types(output);
    if !types.iter().all(|t| t == "video" || t == "audio") {
        problems.push(format!("streams left {types:?}"));
    }
    problems
}

/// A JPEG with GPS and an artist, to be attached.
fn poster_with_gps(dir: &Path) -> std::path::PathBuf {
    let jpeg = dir.join("poster-planted.jpg");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=red:s=64x64",
        "-frames:v",
        "1",
        jpeg.to_str().unwrap(),
    ]);
    crate::common::run(
        std::process::Command::new("exiftool")
            .args([
                "-q",
                "-overwrite_original",
                "-GPSLatitude=48.858370",
                "-GPSLatitudeRef=N",
                "-GPSLongitude=2.294481",
                "-GPSLongitudeRef=E",
                "-Artist=Planted Photographer",
            ])
            .arg(&jpeg),
    );
    jpeg
}

const PLANTED: &[&str] = &[
    "Planted Secret Title",
    "Planted Artist Name",
    "Planted Track Name",
    "Planted Chapter One",
    "Planted Chapter Two",
    "poster-planted.jpg",
    "Planted Photographer",
    "Planted Comment Text",
];

fn assert_planted_absent(output: &Path) {
    let bytes = std::fs::read(output).unwrap();
    for planted in PLANTED {
        assert!(
            !contains(&bytes, planted.as_bytes()),
            "'{planted}' survived in {}",
            output.display()
        );
    }
    // Muxer names and versions, e.g. "Lavf59.27.100".
    assert!(!contains(&bytes, b"Lavf"), "the muxer name survived");
}

fn make_mkv(dir: &Path, name: &str, codecs: &[&str]) -> std::path::PathBuf {
    let poster = poster_with_gps(dir);
    let chapters = dir.join("chapters.txt");
    std::fs::write(
        &chapters,
        ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=500\ntitle=Planted Chapter One\n\
         [CHAPTER]\nTIMEBASE=1/1000\nSTART=500\nEND=1000\ntitle=Planted Chapter Two\n",
    )
    .unwrap();
    let out = dir.join(name);
    let mut args: Vec<&str> = vec![
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=25:duration=1",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:duration=1",
        "-i",
        chapters.to_str().unwrap(),
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-map_chapters",
        "2",
        "-metadata",
        "title=Planted Secret Title",
        "-metadata",
        "artist=Planted Artist Name",
        "-metadata",
        "date=2021-05-06",
        "-metadata",
        "comment=Planted Comment Text",
        "-metadata",
        "creation_time=2021-05-06T10:11:12Z",
        "-metadata:s:v:0",
        "title=Planted Track Name",
    ];
    args.extend_from_slice(codecs);
    if name.ends_with(".mkv") {
        args.extend_from_slice(&[
            "-attach",
            poster.to_str().unwrap(),
            "-metadata:s:t",
            "mimetype=image/jpeg",
        ]);
    }
    args.push(out.to_str().unwrap());
    ffmpeg(&args);
    out
}

fn check_fixture(input: &Path, expect_attachment: bool) {
    let before = crate::common::exiftool_tags(input);
    assert!(
        before.iter().any(|t| t.name == "DateTimeOriginal"),
        "fixture lacks DateUTC: {before:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let (out, cleaning) = clean_to(input, dir.path()).unwrap();
    let found = |category: Category| {
        cleaning
            .findings
            .iter()
            .any(|f| f.category == category && f.fate != Fate::Kept)
    };
    assert!(
        found(Category::Time),
        "no time finding: {:?}",
        cleaning.findings
    );
    assert!(found(Category::Software), "no software finding");
    assert!(found(Category::Identity), "no identity finding (artist)");
    if expect_attachment {
        let attachment = cleaning
            .findings
            .iter()
            .find(|f| f.category == Category::Embedded && f.field == "Attached file")
            .expect("attachment reported");
        assert!(
            attachment.value.contains("poster-planted.jpg")
                && attachment.value.contains("image/jpeg"),
            "{attachment:?}"
        );
    }
    assert_conformant(input, &out);
    assert_planted_absent(&out);
    // Cleaning the output again finds nothing left to do.
    let (_, again) = clean_to(&out, tempfile::tempdir().unwrap().path()).unwrap();
    assert!(
        again.findings.iter().all(|f| f.fate == Fate::Kept),
        "{:?}",
        again.findings
    );
}

#[test]
fn generated_mkv_with_tags_chapters_and_attachment() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = make_mkv(
        dir.path(),
        "fixture.mkv",
        &["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"],
    );
    check_fixture(&input, true);
}

#[test]
fn generated_webm() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = make_mkv(
        dir.path(),
        "fixture.webm",
        &["-c:v", "libvpx", "-b:v", "200k", "-c:a", "libopus"],
    );
    check_fixture(&input, false);
}

#[test]
fn generated_live_stream_with_unknown_sizes() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("live.mkv");
    // Written to a pipe, the muxer cannot seek back: Segment and Clusters
    // keep the "unknown size" marker.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ffmpeg -nostdin -v error -f lavfi -i testsrc=size=160x120:rate=25:duration=1 \
             -metadata title='Planted Secret Title' -metadata creation_time=2021-05-06T10:11:12Z \
             -c:v libx264 -preset ultrafast -live 1 -f matroska - > '{}'",
            input.display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
    let out_dir = tempfile::tempdir().unwrap();
    let (out, _) = clean_to(&input, out_dir.path()).unwrap();
    assert_conformant(&input, &out);
    let bytes = std::fs::read(&out).unwrap();
    assert!(!contains(&bytes, b"Planted Secret Title"));
}

#[test]
fn generated_webm_with_vorbis_comment_header() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = make_mkv(
        dir.path(),
        "vorbis.webm",
        &["-c:v", "libvpx", "-b:v", "200k", "-c:a", "libvorbis"],
    );
    let original = std::fs::read(&input).unwrap();
    assert!(
        contains(&original, b"encoder=Lavc"),
        "no Vorbis comment in the fixture"
    );
    check_fixture(&input, false);
    let out_dir = tempfile::tempdir().unwrap();
    let (out, cleaning) = clean_to(&input, out_dir.path()).unwrap();
    let bytes = std::fs::read(out).unwrap();
    assert!(!contains(&bytes, b"encoder=Lavc"));
    assert!(!contains(&bytes, b"libVorbis"));
    assert!(cleaning
        .findings
        .iter()
        .any(|f| f.field.starts_with("Vorbis comment") && f.fate != Fate::Kept));
}

/// Drone-style subtitle telemetry: one position a line.
fn gps_line(i: usize) -> String {
    format!(
        "GPS (24.75{:02}, 59.43{:02}, 19) D 12.{i}m H 4.5m",
        36 + i,
        70 + i
    )
}

const DIALOGUE: [&str; 4] = [
    "Where were you last night?",
    "Nowhere you need to know about.",
    "The neighbours saw the car.",
    "Then they saw nothing at all.",
];

/// An SRT file with one line every 0.4 s.
fn srt(dir: &Path, name: &str, lines: &[String]) -> std::path::PathBuf {
    let mut text = String::new();
    for (i, line) in lines.iter().enumerate() {
        let (from, to) = (i * 400, i * 400 + 300);
        text.push_str(&format!(
            "{}\n00:00:{:02},{:03} --> 00:00:{:02},{:03}\n{line}\n\n",
            i + 1,
            from / 1000,
            from % 1000,
            to / 1000,
            to % 1000
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Video, audio and one subtitle stream per `(srt, language)`, muxed by
/// ffmpeg into `name` (`.mkv`: SubRip, `.webm`: WebVTT).
fn make_subtitled(dir: &Path, name: &str, subtitles: &[(&Path, &str)]) -> std::path::PathBuf {
    let out = dir.join(name);
    let webm = name.ends_with(".webm");
    let mut args: Vec<String> = [
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=160x120:rate=25:duration=2",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:duration=2",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    for (srt, _) in subtitles {
        args.extend(["-i".to_string(), srt.display().to_string()]);
    }
    args.extend(["-map", "0:v", "-map", "1:a"].map(String::from));
    for (index, (_, language)) in subtitles.iter().enumerate() {
        args.extend([
            "-map".to_string(),
            format!("{}:s", index + 2),
            format!("-metadata:s:s:{index}"),
            format!("language={language}"),
        ]);
    }
    let codecs: &[&str] = if webm {
        &[
            "-c:v", "libvpx", "-b:v", "200k", "-c:a", "libopus", "-c:s", "webvtt",
        ]
    } else {
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-c:s",
            "srt",
        ]
    };
    args.extend(codecs.iter().map(|a| a.to_string()));
    args.push(out.display().to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ffmpeg(&args);
    out
}

fn keep_subtitles() -> Policy {
    Policy {
        keep_subtitles: true,
        ..Policy::default()
    }
}

fn assert_no_gps(output: &Path) {
    let bytes = std::fs::read(output).unwrap();
    assert!(!contains(&bytes, b"GPS ("), "telemetry survived");
    for i in 0..5 {
        assert!(!contains(&bytes, gps_line(i).as_bytes()));
    }
}

#[test]
fn generated_gps_subtitles_are_removed_whatever_the_policy() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..5).map(gps_line).collect();
    let gps = srt(dir.path(), "gps.srt", &lines);
    for name in ["drone.mkv", "drone.webm"] {
        let input = make_subtitled(dir.path(), name, &[(&gps, "est")]);
        assert_eq!(
            stream_types(&input),
            ["video", "audio", "subtitle"],
            "{name}"
        );
        assert!(contains(
            &std::fs::read(&input).unwrap(),
            gps_line(0).as_bytes()
        ));
        for policy in [Policy::default(), keep_subtitles()] {
            let out_dir = tempfile::tempdir().unwrap();
            let (out, cleaning) = clean_with(&input, out_dir.path(), &policy).unwrap();
            assert_no_gps(&out);
            assert_eq!(stream_types(&out), ["video", "audio"], "{name}");
            assert_conformant(&input, &out);
            assert_eq!(ffmpeg_errors(&out), Vec::<String>::new(), "{name}");
            let track = cleaning
                .findings
                .iter()
                .find(|f| f.field == "Subtitle telemetry track")
                .unwrap_or_else(|| panic!("{name}: {:?}", cleaning.findings));
            assert_eq!(
                (track.category, track.fate),
                (Category::Telemetry, Fate::Removed)
            );
            assert!(track.value.starts_with("'est' ("), "{}", track.value);
            assert!(track.value.contains("5 blocks"), "{}", track.value);
            // Cleaning the output again finds nothing left to do.
            let (_, again) =
                clean_with(&out, tempfile::tempdir().unwrap().path(), &policy).unwrap();
            assert!(again.findings.iter().all(|f| f.fate == Fate::Kept));
        }
    }
}

#[test]
fn generated_dialogue_subtitles_follow_the_policy() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dialogue: Vec<String> = DIALOGUE.iter().map(|l| l.to_string()).collect();
    let gps_lines: Vec<String> = (0..5).map(gps_line).collect();
    let dialogue = srt(dir.path(), "dialogue.srt", &dialogue);
    let gps = srt(dir.path(), "gps.srt", &gps_lines);
    let input = make_subtitled(dir.path(), "film.mkv", &[(&dialogue, "eng"), (&gps, "est")]);
    assert_eq!(
        stream_types(&input),
        ["video", "audio", "subtitle", "subtitle"]
    );
    // Default: every subtitle goes, dialogue included.
    let out_dir = tempfile::tempdir().unwrap();
    let (out, cleaning) = clean_to(&input, out_dir.path()).unwrap();
    assert_eq!(stream_types(&out), ["video", "audio"]);
    let bytes = std::fs::read(&out).unwrap();
    for line in DIALOGUE {
        assert!(!contains(&bytes, line.as_bytes()), "'{line}' survived");
    }
    assert_no_gps(&out);
    assert_conformant(&input, &out);
    assert!(cleaning.findings.iter().any(|f| f.field == "Subtitle track"
        && f.category == Category::Other
        && f.fate == Fate::Removed));
    // keep_subtitles: the dialogue stays and still decodes; the positions
    // never do.
    let out_dir = tempfile::tempdir().unwrap();
    let (out, cleaning) = clean_with(&input, out_dir.path(), &keep_subtitles()).unwrap();
    assert_eq!(stream_types(&out), ["video", "audio", "subtitle"]);
    let text = subtitle_text(&out, 0);
    for line in DIALOGUE {
        assert!(text.contains(line), "'{line}' lost: {text}");
    }
    assert_no_gps(&out);
    assert_conformant(&input, &out);
    assert_eq!(ffmpeg_errors(&out), Vec::<String>::new());
    let kept = cleaning
        .findings
        .iter()
        .find(|f| f.field == "Subtitle track")
        .unwrap();
    assert_eq!(kept.fate, Fate::Kept, "{kept:?}");
    assert!(cleaning
        .findings
        .iter()
        .any(|f| f.field == "Subtitle telemetry track" && f.fate == Fate::Removed));
}

/// Text planted where only a hand-made file puts it: inside kept
/// structures (Void, cluster children, BlockAdditions, Colour, Projection,
/// ContentEncodings, BlockAddIDExtraData, after the avcC record,
/// DocTypeExtension).
const HIDDEN: &[&str] = &[
    "Hidden Void Owner",
    "Hidden Cluster Child",
    "Hidden Block Addition",
    "Hidden Colour Child",
    "Hidden Projection Bounds",
    "Hidden Encoding Child",
    "Hidden DoVi Config",
    "Hidden After avcC",
    "Hidden Extension Name",
    "Hidden UTF16 Void",
];

fn hidden_text_mkv() -> Vec<u8> {
    use mediascrub_fixtures::ebml::{element as el, uint};
    let utf16: Vec<u8> = "Hidden UTF16 Void"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let header = el(
        0x1A45_DFA3,
        &[
            el(0x4286, &uint(1)),
            el(0x4282, b"matroska"),
            el(0x4281, &el(0x4283, b"Hidden Extension Name")),
        ]
        .concat(),
    );
    let avcc = [1u8, 66, 0, 30, 0xFF, 0xE1, 0, 2, 0x67, 0x42, 1, 0, 1, 0x68];
    let video = el(
        0xE0,
        &[
            el(0xB0, &uint(16)),
            el(0xBA, &uint(16)),
            el(
                0x55B0,
                &[el(0x55B1, &uint(1)), el(0x55EE, b"Hidden Colour Child")].concat(),
            ),
            el(
                0x7670,
                &[
                    el(0x7671, &uint(1)),
                    el(0x7672, b"Hidden Projection Bounds"),
                ]
                .concat(),
            ),
        ]
        .concat(),
    );
    let entry = el(
        0xAE,
        &[
            el(0xD7, &uint(1)),
            el(0x73C5, &uint(1)),
            el(0x83, &uint(1)),
            el(0x86, b"V_MPEG4/ISO/AVC"),
            el(0x63A2, &[&avcc[..], b"Hidden After avcC"].concat()),
            video,
            el(0x6D80, &el(0x6240, &el(0x5039, b"Hidden Encoding Child"))),
            el(
                0x41E4,
                &[
                    el(0x41E7, b"dvcC"),
                    el(0x41ED, b"Hidden DoVi Config\0\0\0\0\0\0"),
                ]
                .concat(),
            ),
        ]
        .concat(),
    );
    let cluster = el(
        0x1F43_B675,
        &[
            el(0xE7, &uint(0)),
            el(0xA3, &[0x81, 0, 0, 0x80, 0, 0, 0, 1, 0x65]),
            el(
                0xA0,
                &[
                    el(0xA1, &[0x81, 0, 1, 0, 0, 0, 0, 1, 0x41]),
                    el(
                        0x75A1,
                        &el(
                            0xA6,
                            &[el(0xEE, &uint(1)), el(0xA5, b"Hidden Block Addition")].concat(),
                        ),
                    ),
                ]
                .concat(),
            ),
            el(0x6B6B, b"Hidden Cluster Child"),
            el(0xEC, &utf16),
        ]
        .concat(),
    );
    let segment = el(
        0x1853_8067,
        &[
            el(
                0x1549_A966,
                &[
                    el(0x2A_D7B1, &uint(1_000_000)),
                    el(0x4D80, b"x"),
                    el(0x5741, b"x"),
                ]
                .concat(),
            ),
            el(0xEC, b"Hidden Void Owner"),
            el(0x1654_AE6B, &entry),
            cluster,
        ]
        .concat(),
    );
    [header, segment].concat()
}

#[test]
fn crafted_text_inside_kept_structures_never_survives() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("hidden.mkv");
    std::fs::write(&input, hidden_text_mkv()).unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let (output, cleaning) = clean_to(&input, &out_dir).unwrap();
    let bytes = std::fs::read(&output).unwrap();
    assert_eq!(bytes.len() as u64, std::fs::metadata(&input).unwrap().len());
    for text in HIDDEN {
        for form in [
            text.as_bytes().to_vec(),
            text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        ] {
            assert!(!contains(&bytes, &form), "'{text}' survived");
        }
    }
    if have("exiftool") {
        let tags = crate::common::exiftool_tags_many_with(std::slice::from_ref(&output), &["-u"]);
        for (_, tags) in tags {
            for tag in tags {
                assert!(
                    !HIDDEN.iter().any(|h| tag.value.contains(h)),
                    "exiftool still shows {tag:?}"
                );
            }
        }
    }
    assert!(cleaning
        .findings
        .iter()
        .any(|f| f.field == "Data in Void padding" && f.fate == Fate::Zeroed));
    let again_dir = tempfile::tempdir().unwrap();
    let (_, again) = clean_to(&output, again_dir.path()).unwrap();
    assert!(
        again.findings.iter().all(|f| f.fate == Fate::Kept),
        "{:?}",
        again.findings
    );
}
