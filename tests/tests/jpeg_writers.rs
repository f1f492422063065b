//! JPEGs written by other tools and settings than the samples: libjpeg's
//! `cjpeg`/`jpegtran` (baseline, progressive, arithmetic coding, restart
//! intervals, grayscale, 4:4:4), then loaded with metadata by exiftool
//! (GPS, serials, owner, ICC profile, extended XMP over 64 KB, IPTC,
//! thumbnails, comments). Each is cleaned by the CLI and judged by two
//! independent readers: exiftool (only display tags may remain) and
//! libjpeg's `djpeg` (the decoded pixels must be identical).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

fn tool(name: &str) -> Command {
    Command::new(name)
}

/// Decoded pixels by libjpeg (PPM/PGM bytes).
fn djpeg(path: &Path) -> Vec<u8> {
    run(tool("djpeg").arg(path))
}

fn load_metadata(path: &Path, work: &Path) {
    let long_description = "Patrol notes near the harbour. ".repeat(2500); // > 64 KB: extended XMP
    let thumb = work.join("thumb.jpg");
    if !thumb.exists() {
        run(tool("ffmpeg")
            .args([
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=64x48",
                "-frames:v",
                "1",
            ])
            .arg(&thumb));
    }
    let mut cmd = tool("exiftool");
    cmd.args([
        "-q",
        "-overwrite_original",
        "-GPSLatitude=59.4370",
        "-GPSLatitudeRef=N",
        "-GPSLongitude=24.7536",
        "-GPSLongitudeRef=E",
        "-SerialNumber=WRITER-SN-5521",
        "-OwnerName=Writer Tester",
        "-Make=WriterCam",
        "-Model=WC-9",
        "-Software=WriterSoft 2.1",
        "-DateTimeOriginal=2023:01:02 03:04:05",
        "-Orientation#=8",
        "-IPTC:By-line=Writer Tester",
        "-Comment=written by Writer Tester",
    ]);
    cmd.arg(format!("-XMP-dc:Description={long_description}"));
    cmd.arg(format!("-ThumbnailImage<={}", thumb.display()));
    if let Some(icc) = icc_profile(work) {
        cmd.arg(format!("-ICC_Profile<={}", icc.display()));
    }
    run(cmd.arg(path));
}

/// An ICC profile taken (at test time, into a temp dir) from a corpus file.
fn icc_profile(work: &Path) -> Option<PathBuf> {
    let source = corpus_files("jpeg")
        .into_iter()
        .find(|p| p.ends_with("mdeximages_Apple_iPhone_4.jpg"))?;
    let icc = work.join("profile.icc");
    let bytes = run(tool("exiftool").args(["-b", "-ICC_Profile"]).arg(source));
    (!bytes.is_empty()).then(|| {
        std::fs::write(&icc, bytes).unwrap();
        icc
    })
}

#[test]
fn jpegs_from_other_writers_are_clean_and_decode_identically() {
    if !["exiftool", "ffmpeg", "djpeg", "cjpeg", "jpegtran"]
        .iter()
        .all(|tool| have(tool))
    {
        return;
    }
    // The ICC profile comes from the corpus: without it that check is
    // skipped (and reported).
    let have_corpus = corpus_dir().is_some();
    let work = tempfile::tempdir().unwrap();
    let ppm = work.path().join("source.ppm");
    run(tool("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=333x251",
            "-frames:v",
            "1",
        ])
        .arg(&ppm));
    let variants: &[(&str, &[&str])] = &[
        ("baseline", &["-quality", "90"]),
        ("progressive", &["-progressive"]),
        ("arithmetic", &["-arithmetic"]),
        ("restart", &["-restart", "1"]),
        ("optimized-444", &["-optimize", "-sample", "1x1"]),
        ("grayscale", &["-grayscale"]),
    ];
    let mut inputs = Vec::new();
    for (name, args) in variants {
        let path = work.path().join(format!("{name}.jpg"));
        run(tool("cjpeg")
            .args(*args)
            .arg("-outfile")
            .arg(&path)
            .arg(&ppm));
        load_metadata(&path, work.path());
        inputs.push(path.clone());
        // jpegtran rewrites the file, keeping the metadata (-copy all).
        let transcoded = work.path().join(format!("{name}-jpegtran.jpg"));
        run(tool("jpegtran")
            .args(["-copy", "all", "-progressive", "-restart", "2", "-outfile"])
            .arg(&transcoded)
            .arg(&path));
        inputs.push(transcoded);
    }
    let out = work.path().join("out");
    let mut failures = Vec::new();
    let mut outputs = Vec::new();
    for input in &inputs {
        let output = out.join(input.file_name().unwrap());
        let result = Command::new(mediascrub_bin())
            .args(["clean", "-q", "-o"])
            .arg(&output)
            .arg(input)
            .output()
            .unwrap();
        let name = input.file_name().unwrap().to_string_lossy().to_string();
        if !result.status.success() {
            failures.push(format!(
                "{name}: {}",
                String::from_utf8_lossy(&result.stderr).trim()
            ));
            continue;
        }
        if djpeg(input) != djpeg(&output) {
            failures.push(format!("{name}: decoded pixels differ"));
        }
        for needle in [
            "Writer Tester",
            "WRITER-SN-5521",
            "WriterCam",
            "WriterSoft",
            "harbour",
        ] {
            if file_contains(&output, needle.as_bytes()) {
                failures.push(format!("{name}: still contains {needle}"));
            }
        }
        outputs.push(output);
    }
    for (path, tags) in exiftool_tags_many(&outputs) {
        for tag in tags.iter().filter(|t| !is_jpeg_display_tag(t)) {
            failures.push(format!(
                "{}: {}:{} = {}",
                path.display(),
                tag.group,
                tag.name,
                tag.value
            ));
        }
        let orientation = tags
            .iter()
            .find(|t| t.name == "Orientation")
            .map(|t| t.value.as_str());
        if orientation != Some("8") {
            failures.push(format!(
                "{}: orientation {orientation:?}, expected 8",
                path.display()
            ));
        }
        if !tags.iter().any(|t| t.group.starts_with("ICC")) && have_corpus {
            failures.push(format!("{}: ICC profile lost", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
