//! Fail-closed verification: a sensitive value that survives somewhere the
//! parser keeps without understanding every byte (here: the lookup table of
//! an ICC profile, whose colour tags are kept whole by the default policy
//! while its text and header fields are neutralised) must make
//! `write_verified` (and `scan_output`) fail, in every encoding the value can take — text,
//! UTF-16LE, UTF-16BE, binary GPS rationals, GPS as decimal text — and the
//! CLI must then write nothing and exit 1 with the reason.

use std::fs;
use std::process::Command;

use crate::common::*;
use mediascrub::{clean, clean_bytes, inspect, Category, Error, Policy};
use mediascrub_fixtures::jpeg;

fn photo() -> Vec<u8> {
    fs::read(samples_dir().join("photo-gps.jpg")).expect("samples/photo-gps.jpg")
}

/// `photo` with an APP2 ICC_PROFILE segment right after SOI, holding a
/// valid profile whose one colour tag (`A2B0`, a lookup table of a type the
/// cleaner keeps without decoding) carries `payload`.
fn with_icc(photo: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut lut = b"mft2\0\0\0\0padding-before|".to_vec();
    lut.extend_from_slice(payload);
    lut.extend_from_slice(b"|padding-after");
    let table_end = 128 + 4 + 12;
    let mut profile = vec![0u8; 128];
    let total = (table_end + lut.len()) as u32;
    profile[0..4].copy_from_slice(&total.to_be_bytes());
    profile[8..12].copy_from_slice(&[4, 0x20, 0, 0]);
    profile[12..16].copy_from_slice(b"mntr");
    profile[16..20].copy_from_slice(b"RGB ");
    profile[20..24].copy_from_slice(b"XYZ ");
    profile[36..40].copy_from_slice(b"acsp");
    profile.extend_from_slice(&1u32.to_be_bytes());
    profile.extend_from_slice(b"A2B0");
    profile.extend_from_slice(&(table_end as u32).to_be_bytes());
    profile.extend_from_slice(&(lut.len() as u32).to_be_bytes());
    profile.extend_from_slice(&lut);
    let mut body = b"ICC_PROFILE\0\x01\x01".to_vec();
    body.extend_from_slice(&profile);
    jpeg::insert_after_soi(photo, &jpeg::segment(0xE2, &body))
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    text.encode_utf16()
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

/// The binary GPS needle the EXIF reader derived from the photo: the
/// latitude rationals exactly as stored.
fn gps_rationals(photo: &[u8]) -> Vec<u8> {
    let inspection = inspect(photo, &Policy::default()).unwrap();
    let gps = inspection
        .findings
        .iter()
        .find(|f| f.category == Category::Location && f.field == "GPS position")
        .expect("the sample has a GPS position");
    gps.needles
        .iter()
        .find(|n| std::str::from_utf8(n).is_err() || n.contains(&0))
        .expect("a binary needle")
        .clone()
}

/// Every way a planted value can hide in a kept structure.
fn survivors() -> Vec<(&'static str, Vec<u8>)> {
    let photo = photo();
    vec![
        ("serial as text", b"MSCRUB-SN-0042".to_vec()),
        ("owner as UTF-16LE", utf16("Jane Planted", false)),
        ("owner as UTF-16BE", utf16("Jane Planted", true)),
        ("GPS as EXIF rationals", gps_rationals(&photo)),
        ("GPS as decimal text", b"+59.4370+024.7536/".to_vec()),
        ("date as UTF-16BE", utf16("2024:05:06 07:08:09", true)),
    ]
}

#[test]
fn survivors_in_kept_structures_fail_verification() {
    let photo = photo();
    // Control: the same kept structure with nothing sensitive is cleaned.
    let control = with_icc(&photo, b"an ordinary colour profile");
    let (out, _) = clean_bytes(&control, &Policy::default()).expect("control is cleaned");
    clean(control.as_slice(), &Policy::default())
        .and_then(|c| c.scan_output(control.as_slice()))
        .expect("control scans clean");
    assert!(out.windows(26).any(|w| w == b"an ordinary colour profile"));
    for (what, payload) in survivors() {
        let input = with_icc(&photo, &payload);
        // The structural re-parse passes: the profile is kept on purpose...
        let cleaning = clean(input.as_slice(), &Policy::default())
            .unwrap_or_else(|e| panic!("{what}: structural check should pass: {e}"));
        // ...but the raw-byte scan of what is written finds the value.
        let mut sink = Vec::new();
        let err = cleaning
            .write_verified(input.as_slice(), &mut sink)
            .expect_err(what);
        assert!(matches!(err, Error::Verification(_)), "{what}: {err}");
        assert!(err.to_string().contains("still contains"), "{what}: {err}");
        // The scan without a destination (the browser's plan path) agrees.
        let scanned = cleaning.scan_output(input.as_slice()).expect_err(what);
        assert_eq!(scanned.to_string(), err.to_string(), "{what}");
        assert!(clean_bytes(&input, &Policy::default()).is_err(), "{what}");
        // Without the ICC profile (policy `none`) the same file is clean.
        let (out, _) = clean_bytes(&input, &Policy::keep_nothing())
            .unwrap_or_else(|e| panic!("{what}: strict policy should clean it: {e}"));
        assert!(!out.windows(payload.len()).any(|w| w == payload.as_slice()));
    }
}

#[test]
fn cli_writes_nothing_and_says_why() {
    let photo = photo();
    let dir = tempfile::tempdir().unwrap();
    for (n, (what, payload)) in survivors().into_iter().enumerate() {
        let input = dir.path().join(format!("in{n}.jpg"));
        let output = dir.path().join(format!("out{n}.jpg"));
        fs::write(&input, with_icc(&photo, &payload)).unwrap();
        let result = Command::new(mediascrub_bin())
            .args(["clean", "-o"])
            .arg(&output)
            .arg(&input)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(1), "{what}: {stderr}");
        assert!(!output.exists(), "{what}: an output was written");
        assert!(
            stderr.contains(&format!("in{n}.jpg")) && stderr.contains("verification failed"),
            "{what}: the reason should name the file and the failed check: {stderr}"
        );
        assert_eq!(
            fs::read(&input).unwrap(),
            with_icc(&photo, &payload),
            "{what}: input changed"
        );
    }
    let stray: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".mediascrub-"))
        .collect();
    assert!(stray.is_empty(), "temporary files left: {stray:?}");
}
