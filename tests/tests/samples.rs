//! Every committed sample, cleaned through the CLI exactly as the README's
//! main command does, then judged independently: no planted value left in
//! the bytes, no sensitive tag left for exiftool, and the decoded media
//! (ffmpeg packet checksums; decoded pixels for JPEG with ffmpeg, every
//! frame decoded by the `image` crate for PNG/APNG, GIF and TIFF, WebP with
//! dwebp, JPEG XL with djxl, HEIF/AVIF with heif-convert/avifdec; Motion JPEG
//! video by its decoded frames) unchanged.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// Values planted by `samples/make-samples.sh`.
const PLANTED: &[&str] = &[
    "Jane Planted",
    "MSCRUB-SN-0042",
    "LENS-SN-7731",
    "PlantedCam",
    "PC-1 Mark II",
    "PlantedSoft",
    "2024:05:06",
    "2024-05-06",
    "59.437",
    "24.7536",
    "Tallinn",
    "Estonia",
];

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// The media files among the samples (what the walk should clean).
fn sample_media() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![samples_dir()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if !path.extension().is_some_and(|e| e == "sh" || e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn is_acceptable_value(tag: &Tag) -> bool {
    let v = tag.value.trim();
    v.is_empty() || v == "0" || v.starts_with("0000:00:00") || v == "1904:01:01 00:00:00"
}

/// Packet checksums of the audio and video streams (no decoding).
fn packet_md5s(path: &Path) -> Option<Vec<String>> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args([
            // `V` (not `v`): attached pictures are not media streams, and
            // removing them (Matroska attachments) is intended.
            "-map", "0:V?", "-map", "0:a?", "-c", "copy", "-f", "framemd5", "-",
        ])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_string)
            .collect(),
    )
}

#[test]
fn every_sample_is_cleaned_and_nothing_planted_survives() {
    let out = tempfile::tempdir().unwrap();
    let result = Command::new(mediascrub_bin())
        .args(["clean", "--json", "--out"])
        .arg(out.path())
        .arg(samples_dir())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        result.status.success(),
        "the README's main command failed:\n{stderr}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    let media = sample_media();
    assert_eq!(
        doc["files"].as_array().unwrap().len(),
        media.len(),
        "{stderr}"
    );

    let mut failures = Vec::new();
    let mut outputs = Vec::new();
    for input in &media {
        let rel = input.strip_prefix(samples_dir()).unwrap();
        let output = out.path().join(rel);
        if !output.is_file() {
            failures.push(format!("{}: no output", rel.display()));
            continue;
        }
        for planted in PLANTED {
            if file_contains(&output, planted.as_bytes())
                || file_contains(&output, &utf16le(planted))
            {
                failures.push(format!("{}: still contains {planted:?}", rel.display()));
            }
        }
        outputs.push((input.clone(), output));
    }
    if have("exiftool") {
        let paths: Vec<PathBuf> = outputs.iter().map(|(_, o)| o.clone()).collect();
        for (path, tags) in exiftool_tags_many(&paths) {
            for tag in tags
                .iter()
                .filter(|t| is_sensitive_tag(t) && !is_acceptable_value(t))
            {
                failures.push(format!(
                    "{}: exiftool still shows {}:{} = {}",
                    path.display(),
                    tag.group,
                    tag.name,
                    tag.value
                ));
            }
        }
    }
    if have("ffmpeg") {
        for (input, output) in &outputs {
            let head = std::fs::read(input).unwrap();
            if head.starts_with(b"\x89PNG") || head.starts_with(b"GIF8") {
                // PNG, APNG, GIF: every frame decoded by the `image` crate.
                match (decoded_frames(input), decoded_frames(output)) {
                    (Ok(a), Ok(b)) if a == b => {}
                    (a, b) => failures.push(format!(
                        "{}: decoded frames differ ({:?} vs {:?} frames)",
                        output.display(),
                        a.map(|f| f.len()),
                        b.map(|f| f.len())
                    )),
                }
                continue;
            }
            if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
                // WebP: pixels decoded by libwebp's dwebp.
                if have("dwebp")
                    && decoded_pixels("dwebp", input) != decoded_pixels("dwebp", output)
                {
                    failures.push(format!("{}: decoded pixels differ", output.display()));
                }
                continue;
            }
            if head.starts_with(&[0xFF, 0x0A]) || head.starts_with(b"\0\0\0\x0cJXL ") {
                // JPEG XL: pixels decoded by libjxl's djxl.
                if have("djxl") && decoded_pixels("djxl", input) != decoded_pixels("djxl", output) {
                    failures.push(format!("{}: decoded pixels differ", output.display()));
                }
                continue;
            }
            if head.starts_with(b"\0\0\0\x0cjP  ") {
                // JPEG 2000: pixels decoded by OpenJPEG's opj_decompress.
                if have("opj_decompress")
                    && decoded_pixels("opj_decompress", input)
                        != decoded_pixels("opj_decompress", output)
                {
                    failures.push(format!("{}: decoded pixels differ", output.display()));
                }
                continue;
            }
            if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
                // TIFF: the image decoded by the `image` crate.
                let decode = |p: &PathBuf| image::open(p).map(|i| i.into_rgba16().into_raw());
                match (decode(input), decode(output)) {
                    (Ok(a), Ok(b)) if a == b => {}
                    _ => failures.push(format!("{}: decoded pixels differ", output.display())),
                }
                continue;
            }
            if head.get(4..8) == Some(b"ftyp")
                && matches!(head.get(8..12), Some(b"heic" | b"heix" | b"mif1" | b"avif"))
            {
                // HEIF/AVIF: pixels decoded by libheif or libavif.
                if !have("heif-convert") || !have("avifdec") {
                    continue;
                }
                let (a, b) = (
                    crate::heif::decode_heif(input),
                    crate::heif::decode_heif(output),
                );
                if a.is_err() || a != b {
                    failures.push(format!("{}: decoded pixels differ", output.display()));
                }
                continue;
            }
            let is_image = head.starts_with(&[0xFF, 0xD8]);
            if is_image {
                // A JPEG is one packet holding its metadata too: compare the
                // decoded pixels instead.
                if decoded_md5(input) != decoded_md5(output) {
                    failures.push(format!("{}: decoded pixels differ", output.display()));
                }
                continue;
            }
            let before = packet_md5s(input);
            let after = packet_md5s(output);
            let motion_jpeg = crate::video_common::stream_codecs(input)
                .iter()
                .any(|c| c == "mjpeg");
            if motion_jpeg && before != after {
                // Motion JPEG frames lose their own metadata inside the
                // packets: the decoded frames must be identical instead.
                if crate::video_common::decoded_frames(input)
                    != crate::video_common::decoded_frames(output)
                {
                    failures.push(format!("{}: decoded frames differ", output.display()));
                }
            } else if before.is_some() && before != after {
                failures.push(format!(
                    "{}: media packets differ ({:?} vs {:?} packets)",
                    output.display(),
                    before.as_ref().map(Vec::len),
                    after.as_ref().map(Vec::len)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
