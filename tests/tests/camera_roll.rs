//! A phone's camera roll in one call: HEIC photos, a Live Photo's MOV,
//! PNG screenshots, JPEGs and WebP images, mixed in one folder with a
//! sub-folder, cleaned by `mediascrub clean DIR --out OUT`. Every file must
//! come out (exit 0, one output per input, the tree mirrored), verified by
//! the tool and judged by exiftool: no GPS, serial, owner, date or device
//! tag left in any of them.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use crate::common::{corpus_dir, exiftool_tags_many_with, have, is_sensitive_tag, mediascrub_bin};

/// Corpus files standing for what a phone holds (read in place, copied
/// only into a temporary folder for the run).
const ROLL: &[(&str, &str)] = &[
    ("heic/exifsamples_IMG_5195.HEIC", "IMG_5195.HEIC"),
    ("heic/ente_motionphoto.heic", "motion.heic"),
    ("mov/mdeximages_with-gps.mov", "IMG_5195.MOV"),
    (
        "png/mdeximages_photoshop-8x12-rgb24-all-metadata.png",
        "Screenshot_1.png",
    ),
    (
        "png/exiv2_ReaganSmallPng.png",
        "Screenshots/Screenshot_2.png",
    ),
    ("jpeg/mdeximages_Apple_iPhone_4.jpg", "IMG_0001.JPG"),
    ("jpeg/exiftool_GPS.jpg", "DCIM/IMG_0002.jpg"),
    ("webp/mdeximages_HTC_Desire.webp", "Downloads/shared.webp"),
    ("avif/mat2_dirty.avif", "Downloads/sticker.avif"),
];

#[test]
fn a_mixed_camera_roll_is_cleaned_in_one_call() {
    if !have("exiftool") {
        return;
    }
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let roll = work.path().join("roll");
    for (from, to) in ROLL {
        let target = roll.join(to);
        fs::create_dir_all(target.parent().unwrap()).unwrap();
        fs::copy(corpus.join(from), &target).unwrap_or_else(|e| panic!("{from}: {e}"));
    }
    let out = work.path().join("clean");
    let result = Command::new(mediascrub_bin())
        .args(["clean", "-q"])
        .arg(&roll)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        result.status.success(),
        "exit {:?}: {stderr}",
        result.status
    );
    let outputs: Vec<PathBuf> = ROLL.iter().map(|(_, to)| out.join(to)).collect();
    for output in &outputs {
        assert!(
            output.is_file(),
            "{} was not written: {stderr}",
            output.display()
        );
    }
    // Control: the same judge finds plenty in the originals.
    let inputs: Vec<PathBuf> = ROLL.iter().map(|(_, to)| roll.join(to)).collect();
    let revealing = exiftool_tags_many_with(&inputs, &["-u"])
        .iter()
        .filter(|(_, tags)| tags.iter().any(is_sensitive_tag))
        .count();
    assert!(
        revealing >= ROLL.len() - 1,
        "only {revealing} originals reveal anything"
    );
    let mut left = Vec::new();
    for (path, tags) in exiftool_tags_many_with(&outputs, &["-u"]) {
        for tag in tags.iter().filter(|t| is_sensitive_tag(t)) {
            // Mandatory QuickTime dates stay as zero, which is no date.
            if tag.value.starts_with("0000:00:00") {
                continue;
            }
            left.push(format!(
                "{}: {}:{} = {}",
                path.display(),
                tag.group,
                tag.name,
                tag.value
            ));
        }
    }
    assert!(
        left.is_empty(),
        "exiftool still shows:\n{}",
        left.join("\n")
    );
}
