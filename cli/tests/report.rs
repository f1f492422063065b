//! What people read: the exposure sentence per file, the batch lines, the
//! colours, and the self-contained HTML report with the hidden thumbnails
//! shown as pictures.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mediascrub"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn scan_says_in_one_sentence_what_a_stranger_learns() {
    let photo = samples().join("photo-gps.jpg");
    let out = run(&["scan", photo.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "  Taken at 59.4370 N, 24.7536 E (Tallinn) on 6 May 2024 07:08 with a PlantedCam \
             PC-1 Mark II (body serial MSCRUB-SN-0042) by Jane Planted; holds a hidden \
             thumbnail image (JPEG 80×60, 3.0 KB)"
        ),
        "{stdout}"
    );
    // Not a terminal: no colour codes unless asked.
    assert!(!stdout.contains('\u{1b}'), "{stdout}");
    let coloured = text(&run(&["scan", "--color", "always", photo.to_str().unwrap()]).stdout);
    assert!(coloured.contains("\u{1b}[31m    location"), "{coloured}");
    // Findings are grouped by category: every location row before any
    // device row.
    let first_device = stdout.find("    device ").unwrap();
    let last_location = stdout.rfind("    location ").unwrap();
    assert!(last_location < first_device, "{stdout}");
}

#[test]
fn a_batch_ends_with_what_it_revealed() {
    let out = run(&["scan", samples().to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("  formats: "), "{stderr}");
    assert!(stderr.contains("files revealed a location"), "{stderr}");
    assert!(
        stderr.contains("files revealed a device serial number"),
        "{stderr}"
    );
    // The report ends with its own newline; the summary starts a line.
    assert!(out.stdout.ends_with(b"\n"));
}

#[test]
fn html_report_shows_the_hidden_thumbnail_and_escapes_what_files_say() {
    let dir = tempfile::tempdir().unwrap();
    // A hostile name: markup in a file name must stay text.
    let hostile = dir.path().join("<img src=x onerror=alert(1)>.jpg");
    fs::copy(samples().join("photo-gps.jpg"), &hostile).unwrap();
    let broken = dir.path().join("broken.jpg");
    fs::write(
        &broken,
        &fs::read(samples().join("photo-gps.jpg")).unwrap()[..300],
    )
    .unwrap();
    let report = dir.path().join("report.html");
    let cleaned = dir.path().join("out");
    let out = run(&[
        "clean",
        "-q",
        "--out",
        cleaned.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        dir.path()
            .join("<img src=x onerror=alert(1)>.jpg")
            .to_str()
            .unwrap(),
        broken.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let html = fs::read_to_string(&report).unwrap();
    assert!(!html.contains("<img src=x"), "markup from a file name");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;.jpg"));
    assert!(!html.contains("<script"));
    assert!(
        html.contains("default-src 'none'"),
        "the page loads nothing"
    );
    assert!(html.contains("Taken at 59.4370 N, 24.7536 E (Tallinn)"));
    assert!(html.contains("Not cleaned: malformed JPEG segment"));
    // The thumbnail is there as a picture, and it is the JPEG in the file.
    let start = html.find("src=\"data:image/jpeg;base64,").unwrap() + 28;
    let end = start + html[start..].find('"').unwrap();
    let thumbnail = base64::engine::general_purpose::STANDARD
        .decode(&html[start..end])
        .unwrap();
    assert!(thumbnail.starts_with(&[0xFF, 0xD8]));
    let original = fs::read(samples().join("photo-gps.jpg")).unwrap();
    assert!(original
        .windows(thumbnail.len())
        .any(|window| window == thumbnail.as_slice()));
    // Only the report holds it: the cleaned copy has no thumbnail.
    let copy = fs::read(cleaned.join("<img src=x onerror=alert(1)>.jpg")).unwrap();
    assert!(!copy
        .windows(thumbnail.len())
        .any(|window| window == thumbnail.as_slice()));
}
