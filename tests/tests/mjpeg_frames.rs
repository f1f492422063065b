//! Motion JPEG: every frame is a JPEG image that can carry its own Exif
//! (GPS, serial numbers, owner) and comments. A video made from a planted
//! photo with the frames copied as they are must come out with none of it,
//! every frame decoding exactly as before (orientation included).

use std::path::Path;

use crate::common::{have, samples_dir};
use crate::video_common::{clean_to, contains, decoded_frames, ffmpeg, sensitive_tags};
use mediascrub::Fate;

const PLANTED: &[&str] = &[
    "Jane Planted",
    "MSCRUB-SN-0042",
    "LENS-SN-7731",
    "PlantedCam",
    "PC-1 Mark II",
    "PlantedSoft",
    "Tallinn",
    "2024:05:06 07:08:09",
];

fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Copy the planted photo into a `container` video, frames untouched.
fn make(dir: &Path, name: &str) -> std::path::PathBuf {
    let out = dir.join(name);
    let photo = samples_dir().join("photo-gps.jpg");
    ffmpeg(&[
        "-framerate",
        "5",
        "-loop",
        "1",
        "-t",
        "1",
        "-i",
        photo.to_str().unwrap(),
        "-c:v",
        "copy",
        // Fragmented MP4: the frames are found through `trun` boxes.
        "-movflags",
        if name.starts_with("fragmented") {
            "frag_keyframe+empty_moov"
        } else {
            "+faststart"
        },
        out.to_str().unwrap(),
    ]);
    out
}

fn check(name: &str) {
    if !have("ffmpeg") || !have("exiftool") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = make(dir.path(), name);
    assert!(contains(&std::fs::read(&input).unwrap(), b"Jane Planted"));
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let (output, cleaning) = clean_to(&input, &out_dir).unwrap();
    assert!(
        cleaning
            .findings
            .iter()
            .any(|f| f.field == "Metadata inside Motion JPEG frames"),
        "{name}: {:?}",
        cleaning.findings
    );
    let bytes = std::fs::read(&output).unwrap();
    for planted in PLANTED {
        assert!(
            !contains(&bytes, planted.as_bytes()),
            "{name}: '{planted}' survived"
        );
        assert!(
            !contains(&bytes, &utf16le(planted)),
            "{name}: '{planted}' (UTF-16) survived"
        );
        let utf16be: Vec<u8> = planted.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert!(
            !contains(&bytes, &utf16be),
            "{name}: '{planted}' (UTF-16BE) survived"
        );
    }
    // Every tag exiftool can read, unknown ones and embedded documents
    // included, printed as text.
    let shown = std::process::Command::new("exiftool")
        .args(["-a", "-G1", "-u", "-ee"])
        .arg(&output)
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout);
    for planted in PLANTED {
        assert!(
            !shown.contains(planted),
            "{name}: exiftool -a -G1 -u -ee still shows '{planted}'"
        );
    }
    let left = sensitive_tags(&output);
    assert!(left.is_empty(), "{name}: exiftool still shows {left:?}");
    assert_eq!(
        decoded_frames(&input),
        decoded_frames(&output),
        "{name}: decoded frames differ"
    );
    // The orientation (6) is kept in each frame: players still rotate.
    assert!(cleaning
        .findings
        .iter()
        .any(|f| f.field == "Orientation" && f.fate == Fate::Kept));
    let again_dir = tempfile::tempdir().unwrap();
    let (_, again) = clean_to(&output, again_dir.path()).unwrap();
    assert!(
        again.findings.iter().all(|f| f.fate == Fate::Kept),
        "{name}: {:?}",
        again.findings
    );
}

#[test]
fn motion_jpeg_avi_frames_lose_their_exif() {
    check("frames.avi");
}

#[test]
fn motion_jpeg_matroska_frames_lose_their_exif() {
    check("frames.mkv");
}

#[test]
fn motion_jpeg_mov_frames_lose_their_exif() {
    check("frames.mov");
}

#[test]
fn motion_jpeg_mp4_frames_lose_their_exif() {
    check("frames.mp4");
}

#[test]
fn motion_jpeg_fragmented_mp4_frames_lose_their_exif() {
    check("fragmented-frames.mp4");
}
