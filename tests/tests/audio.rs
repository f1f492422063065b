//! Audio conformance: MP3, WAV (RIFF, RF64), FLAC, Ogg Vorbis/Opus and
//! M4A are cleaned through the public API and judged by independent
//! tools. exiftool (`-a -G1 -u -ee`) must show nothing but the stream's
//! own description (an allow-list per format, so an unknown leftover
//! fails), no planted value may survive as bytes (ASCII, UTF-16LE), the
//! decoded samples must be identical (`ffmpeg -map 0:a -f framemd5`, every
//! decoded audio frame), and a second clean must find nothing. Crafted and
//! truncated inputs are refused or cleaned safely, never a panic.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{exiftool_tags_many_with, have, is_sensitive_tag, samples_dir, Tag};
use crate::video_common::{clean_to, contains, ffmpeg};
use mediascrub::{clean_bytes, inspect, Fate, Malformation, Policy};

/// Values planted by `samples/make-samples.sh` in the audio samples.
const PLANTED: &[&str] = &[
    "Jane Planted",
    "MSCRUB-SN-0042",
    "PlantedCam",
    "PC-1 Mark II",
    "2024-05-06",
    "59.437",
    "24.7536",
    "Tallinn",
    "Harbour interview",
    "Lavf59",
];

const SAMPLES: &[&str] = &[
    "audio-tags.mp3",
    "audio-bwf.wav",
    "audio-tags.flac",
    "audio-tags.ogg",
    "audio-tags.opus",
];

fn tools() -> bool {
    have("exiftool") && have("ffmpeg")
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Checksums of every decoded audio frame (samples, not packets).
fn decoded(path: &Path) -> String {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:a", "-f", "framemd5", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg cannot decode {}",
        path.display()
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let frames: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(!frames.is_empty(), "no decoded audio in {}", path.display());
    frames.join("\n")
}

/// exiftool tags a cleaned audio file may still show: the stream's own
/// description. Anything else (a tag group, a picture, a name) fails.
fn allowed(tag: &Tag) -> bool {
    let name = tag.name.as_str();
    let empty = tag.value.trim().is_empty();
    match tag.group.as_str() {
        // Frame header fields (its copyright bit included).
        "MPEG" => !name.contains("Encoder") && !name.starts_with("Lame"),
        "Composite" => !is_sensitive_tag(tag),
        "RIFF" => matches!(
            name,
            "Encoding"
                | "NumChannels"
                | "SampleRate"
                | "AvgBytesPerSec"
                | "BitsPerSample"
                | "ChannelMask"
                | "ValidBitsPerSample"
                | "SampleLength"
                | "NumSampleFrames"
                // RF64's ds64.
                | "RIFFSize64"
                | "DataSize64"
                | "NumberOfSamples64"
        ),
        "FLAC" => matches!(
            name,
            "BlockSizeMin"
                | "BlockSizeMax"
                | "FrameSizeMin"
                | "FrameSizeMax"
                | "SampleRate"
                | "Channels"
                | "BitsPerSample"
                | "TotalSamples"
                | "MD5Signature"
        ),
        "Vorbis" => {
            matches!(
                name,
                "VorbisVersion" | "AudioChannels" | "SampleRate" | "NominalBitrate" | "MinimumBitrate" | "MaximumBitrate"
            ) || (name == "Vendor" && empty)
                // A FLAC channel layout, kept on purpose.
                || name == "WaveformatextensibleChannelMask"
        }
        "Opus" => matches!(
            name,
            "OpusVersion" | "AudioChannels" | "SampleRate" | "OutputGain"
        ),
        // M4A: the MP4 cleaner's output, judged as the video tests judge
        // it (zeroed dates and empty handler names are what it leaves).
        "QuickTime" | "Track1" | "Track2" => {
            !is_sensitive_tag(tag) || tag.value.trim().starts_with("0000:00:00") || empty
        }
        _ => false,
    }
}

/// Everything wrong with `output`, the cleaned `input`.
fn problems(input: &Path, output: &Path, tags: &[Tag]) -> Vec<String> {
    let mut problems = Vec::new();
    for tag in tags.iter().filter(|t| !allowed(t)) {
        problems.push(format!(
            "exiftool shows {}:{} = {}",
            tag.group, tag.name, tag.value
        ));
    }
    for tag in tags {
        for planted in PLANTED {
            if tag.value.contains(planted) {
                problems.push(format!(
                    "exiftool shows {planted:?} in {}:{}",
                    tag.group, tag.name
                ));
            }
        }
    }
    let bytes = std::fs::read(output).unwrap();
    for planted in PLANTED {
        if contains(&bytes, planted.as_bytes()) || contains(&bytes, &utf16le(planted)) {
            problems.push(format!("the bytes still hold {planted:?}"));
        }
    }
    if decoded(input) != decoded(output) {
        problems.push("decoded audio differs".to_string());
    }
    match clean_to(output, tempfile::tempdir().unwrap().path()) {
        Ok((_, again)) => {
            let left: Vec<_> = again
                .findings
                .iter()
                .filter(|f| f.fate != Fate::Kept)
                .collect();
            if !left.is_empty() {
                problems.push(format!("a second clean finds {left:?}"));
            }
        }
        Err(err) => problems.push(format!("a second clean fails: {err}")),
    }
    problems
}

/// Clean every file into a temporary folder and judge each output.
fn judge(inputs: &[PathBuf]) {
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for input in inputs {
        let (output, cleaning) =
            clean_to(input, dir.path()).unwrap_or_else(|err| panic!("{}: {err}", input.display()));
        assert!(
            cleaning.findings.iter().any(|f| f.fate != Fate::Kept),
            "{}: nothing found",
            input.display()
        );
        outputs.push(output);
    }
    let tags = exiftool_tags_many_with(&outputs, &["-u"]);
    let mut failures = Vec::new();
    for ((input, output), (_, tags)) in inputs.iter().zip(&outputs).zip(&tags) {
        for problem in problems(input, output, tags) {
            failures.push(format!("{}: {problem}", input.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn samples_are_cleaned_and_judged_by_exiftool_and_ffmpeg() {
    if !tools() {
        return;
    }
    let inputs: Vec<PathBuf> = SAMPLES.iter().map(|s| samples_dir().join(s)).collect();
    // The oracle sees what was planted: the judgement below can fail.
    let before = exiftool_tags_many_with(&inputs, &["-u"]);
    for (path, tags) in &before {
        let seen = tags.iter().any(|t| t.value.contains("Jane Planted"));
        let located = tags
            .iter()
            .any(|t| t.value.contains("59.4370") || t.value.contains("+59.437"));
        assert!(
            seen && located,
            "{}: planted values not seen: {tags:?}",
            path.display()
        );
        assert!(tags.iter().any(|t| !allowed(t)), "{}", path.display());
    }
    judge(&inputs);
}

#[test]
fn sample_findings_name_people_places_times_and_pictures() {
    use mediascrub::Category::*;
    let expect: &[(&str, &[(mediascrub::Category, &str)])] = &[
        (
            "audio-tags.mp3",
            &[
                (Identity, "Artist (TPE1)"),
                (Identity, "Composer (TCOM)"),
                (Time, "Recording time"),
                (Location, "User text 'location'"),
                (Embedded, "Picture (APIC)"),
                (Embedded, "Embedded file (GEOB)"),
                (Other, "Private data (PRIV)"),
                (Identity, "APE item 'Artist'"),
                (Time, "Year"),
                (Software, "Encoder version (LAME tag)"),
            ],
        ),
        (
            "audio-bwf.wav",
            &[
                (Identity, "Originator"),
                (Device, "Originator reference"),
                (Time, "Origination date and time"),
                (Time, "Time reference"),
                (Device, "UMID"),
                (Software, "Coding history"),
                (Location, "Coordinates in Coding history"),
                (Location, "LOCATION_GPS"),
                (Device, "FILE_UID"),
                (Identity, "Artist (IART)"),
                (Identity, "Artist (TPE1)"),
            ],
        ),
        (
            "audio-tags.flac",
            &[
                (Identity, "Vorbis comment artist"),
                (Location, "Vorbis comment location"),
                (Embedded, "Picture"),
                (Identity, "Artist (TPE1)"),
                (Software, "Encoder (Vorbis comment vendor)"),
            ],
        ),
        (
            "audio-tags.opus",
            &[
                (Identity, "Vorbis comment artist"),
                (Time, "Vorbis comment date"),
                (Embedded, "Picture (Vorbis comment)"),
            ],
        ),
    ];
    for (name, wanted) in expect {
        let bytes = std::fs::read(samples_dir().join(name)).unwrap();
        let inspection = inspect(bytes.as_slice(), &Policy::default()).unwrap();
        for (category, field) in *wanted {
            assert!(
                inspection.findings.iter().any(|f| f.category == *category
                    && f.field.starts_with(field)
                    && f.fate != Fate::Kept),
                "{name}: no {category} finding {field:?} in {:#?}",
                inspection.findings
            );
        }
    }
}

/// Files made by ffmpeg now, in layouts the samples do not cover.
#[test]
fn ffmpeg_made_files_in_other_layouts() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cover = dir.path().join("cover.jpg");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=32x32:rate=1",
        "-frames:v",
        "1",
        cover.to_str().unwrap(),
    ]);
    let tags = [
        "-metadata",
        "artist=Jane Planted",
        "-metadata",
        "date=2024-05-06",
        "-metadata",
        "comment=serial MSCRUB-SN-0042",
        "-metadata",
        "title=Harbour interview",
    ];
    let stereo = "sine=frequency=440:sample_rate=44100:duration=1";
    let cases: &[(&str, &[&str])] = &[
        // VBR stereo MP3 (Xing frame) with cover art and ID3v2.3.
        (
            "vbr.mp3",
            &[
                "-c:a",
                "libmp3lame",
                "-q:a",
                "6",
                "-ac",
                "2",
                "-id3v2_version",
                "3",
            ],
        ),
        // MPEG-2 layer III at 16 kHz, and layer II (MP2).
        (
            "low.mp3",
            &["-c:a", "libmp3lame", "-b:a", "24k", "-ar", "16000"],
        ),
        ("layer2.mp2", &["-c:a", "mp2", "-b:a", "128k", "-f", "mp2"]),
        // 24-bit six-channel PCM: WAVE_FORMAT_EXTENSIBLE.
        ("surround.wav", &["-c:a", "pcm_s24le", "-ac", "6"]),
        // RF64 with a ds64 chunk, and a bext.
        (
            "rf64.wav",
            &[
                "-c:a",
                "pcm_s16le",
                "-rf64",
                "always",
                "-write_bext",
                "1",
                "-metadata",
                "originator=Jane Planted",
            ],
        ),
        // FLAC with a seek table, stereo 24-bit, with a channel layout.
        (
            "seek.flac",
            &["-c:a", "flac", "-ac", "2", "-sample_fmt", "s32"],
        ),
        ("surround.flac", &["-c:a", "flac", "-ac", "6"]),
        ("stereo.ogg", &["-c:a", "libvorbis", "-ac", "2"]),
        ("stereo.opus", &["-c:a", "libopus", "-ac", "2"]),
    ];
    let mut inputs = Vec::new();
    for (name, codec) in cases {
        let path = dir.path().join(name);
        let mut args: Vec<&str> = vec!["-f", "lavfi", "-i", stereo];
        let with_cover = name.ends_with(".mp3") || name.ends_with(".flac");
        if with_cover {
            args.extend([
                "-i",
                cover.to_str().unwrap(),
                "-map",
                "0:a",
                "-map",
                "1:v",
                "-c:v",
                "copy",
                "-disposition:v",
                "attached_pic",
            ]);
        }
        args.extend_from_slice(codec);
        args.extend_from_slice(&tags);
        args.push(path.to_str().unwrap());
        ffmpeg(&args);
        inputs.push(path);
    }
    // ffmpeg writes no tags around MP2: give it the ID3v2 tag of the VBR
    // file, and an ID3v1 tag.
    let vbr = std::fs::read(dir.path().join("vbr.mp3")).unwrap();
    let size = vbr[6..10]
        .iter()
        .fold(0usize, |acc, b| acc << 7 | usize::from(*b));
    let mp2 = dir.path().join("layer2.mp2");
    let layer2 = [
        &vbr[..10 + size],
        &std::fs::read(&mp2).unwrap()[..],
        &mediascrub_fixtures::audio::id3v1("Harbour interview", "Jane Planted", "2024", "")[..],
    ]
    .concat();
    std::fs::write(&mp2, layer2).unwrap();
    let rf64 = std::fs::read(dir.path().join("rf64.wav")).unwrap();
    assert_eq!(&rf64[..4], b"RF64", "ffmpeg did not write RF64");
    judge(&inputs);
}

/// An M4A goes through the MP4 cleaner: its iTunes tags and cover art go.
#[test]
fn m4a_tags_and_cover_art_go() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cover = dir.path().join("cover.jpg");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=32x32:rate=1",
        "-frames:v",
        "1",
        cover.to_str().unwrap(),
    ]);
    let m4a = dir.path().join("song.m4a");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=44100:duration=1",
        "-i",
        cover.to_str().unwrap(),
        "-map",
        "0:a",
        "-map",
        "1:v",
        "-c:a",
        "aac",
        "-b:a",
        "64k",
        "-c:v",
        "copy",
        "-disposition:v",
        "attached_pic",
        "-metadata",
        "artist=Jane Planted",
        "-metadata",
        "composer=Jane Planted",
        "-metadata",
        "date=2024-05-06",
        "-metadata",
        "comment=serial MSCRUB-SN-0042",
        "-metadata",
        "title=Harbour interview",
        "-metadata",
        "location=+59.4370+024.7536/",
        m4a.to_str().unwrap(),
    ]);
    let before = exiftool_tags_many_with(std::slice::from_ref(&m4a), &["-u"]);
    assert!(
        before[0].1.iter().any(|t| t.name == "CoverArt"),
        "{:?}",
        before[0].1
    );
    judge(&[m4a]);
}

/// Run the whole path on `bytes`: a panic fails the test; a success must
/// re-inspect with nothing left.
fn cleaned_or_refused(label: &str, bytes: &[u8]) -> Result<Vec<u8>, mediascrub::Error> {
    let result = catch_unwind(AssertUnwindSafe(|| clean_bytes(bytes, &Policy::default())))
        .unwrap_or_else(|_| panic!("{label}: panicked"));
    if let Ok((out, _)) = &result {
        let again = inspect(out.as_slice(), &Policy::default())
            .unwrap_or_else(|err| panic!("{label}: the output does not parse again: {err}"));
        assert!(
            again.findings.iter().all(|f| f.fate == Fate::Kept),
            "{label}: {:?}",
            again.findings
        );
    }
    result.map(|(out, _)| out)
}

#[test]
fn crafted_and_truncated_inputs_are_refused_or_cleaned_safely() {
    let sample = |name: &str| std::fs::read(samples_dir().join(name)).unwrap();
    // Every truncation of every sample (every 7th length, and the last
    // 64 lengths).
    for name in SAMPLES {
        let bytes = sample(name);
        let lengths = (0..bytes.len())
            .step_by(7)
            .chain(bytes.len().saturating_sub(64)..bytes.len());
        for len in lengths {
            let _ = cleaned_or_refused(&format!("{name} cut at {len}"), &bytes[..len]);
        }
    }
    // ID3v2 size past the end of the file.
    let mut mp3 = sample("audio-tags.mp3");
    mp3[6..10].copy_from_slice(&[0x7F, 0x7F, 0x7F, 0x7F]);
    let err = cleaned_or_refused("ID3 past the end", &mp3).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Overrun), "{err}");
    // An ID3v2 size that is not syncsafe.
    let mut mp3 = sample("audio-tags.mp3");
    mp3[9] |= 0x80;
    assert!(cleaned_or_refused("ID3 not syncsafe", &mp3).is_err());
    // Unsynchronised ID3v2.3 frames in front of real MPEG frames: the
    // values are found (after restoring the bytes) and removed.
    use mediascrub_fixtures::audio::{id3_frame, syncsafe, unsynchronise};
    let frames = id3_frame(3, b"TPE1", b"\0Jane \xFF\xE0Planted Unsync");
    let body = unsynchronise(&frames);
    let mut tag = b"ID3\x03\x00\x80".to_vec();
    tag.extend_from_slice(&syncsafe(body.len() as u32));
    tag.extend_from_slice(&body);
    let audio = sample("audio-tags.mp3");
    let first_frame = audio.windows(2).position(|w| w == [0xFF, 0xF3]).unwrap();
    let unsync = [&tag[..], &audio[first_frame..]].concat();
    let out = cleaned_or_refused("unsynchronised ID3", &unsync).unwrap();
    assert!(!contains(&out, b"Unsync"));
    let inspection = inspect(unsync.as_slice(), &Policy::default()).unwrap();
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.value == "Jane \u{FF}\u{E0}Planted Unsync"));
    // A FLAC block length past the end.
    let mut flac = sample("audio-tags.flac");
    let at = flac.windows(4).position(|w| w == b"fLaC").unwrap() + 4 + 34 + 4;
    flac[at + 1..at + 4].copy_from_slice(&[0xFF, 0xFF, 0xFF]);
    let err = cleaned_or_refused("FLAC block past the end", &flac).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Overrun), "{err}");
    // A WAV data chunk claiming more than the file holds.
    let mut wav = sample("audio-bwf.wav");
    let at = wav.windows(4).position(|w| w == b"data").unwrap();
    wav[at + 4..at + 8].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
    let err = cleaned_or_refused("WAV data past the end", &wav).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Overrun), "{err}");
    // An Ogg comment page with a broken checksum.
    let mut ogg = sample("audio-tags.opus");
    let second = ogg.windows(4).skip(4).position(|w| w == b"OggS").unwrap() + 4;
    ogg[second + 40] ^= 0x20;
    assert!(cleaned_or_refused("Ogg comment CRC", &ogg).is_err());
}
