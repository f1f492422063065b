//! Every JPEG of the real-world corpus, cleaned through the CLI and judged
//! by independent tools: exiftool must show nothing but an allow-list of
//! display tags, ffmpeg must decode the same pixels, and the orientation
//! must be unchanged. Files the tool refuses must be refused for an
//! expected reason, with no output written.

use std::path::PathBuf;
use std::process::Command;

use crate::common::*;

/// Corpus files that are refused on purpose, with the reason we expect.
///
/// None today: the Pixel Ultra HDR fixture cut short inside its image data
/// (`pillow_ultrahdr.jpg`) is cleaned as an incomplete image and must decode
/// to the same pixels as the original.
const EXPECTED_REFUSALS: &[(&str, &str)] = &[];

#[test]
fn corpus_jpegs_are_clean_and_pixel_identical() {
    if !have("exiftool") || !have("ffmpeg") || !have("djpeg") || corpus_dir().is_none() {
        return;
    }
    let files = corpus_files("jpeg");
    assert!(!files.is_empty(), "no files in the corpus folder jpeg");
    let out_dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let pairs = clean_each_with_cli(&files, out_dir.path(), EXPECTED_REFUSALS, &mut failures);
    check_outputs(&pairs, &mut failures);
    let cleaned = pairs.len();
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cleaned >= files.len() - EXPECTED_REFUSALS.len());
}

fn check_outputs(pairs: &[(PathBuf, PathBuf)], failures: &mut Vec<String>) {
    let inputs: Vec<PathBuf> = pairs.iter().map(|(i, _)| i.clone()).collect();
    let outputs: Vec<PathBuf> = pairs.iter().map(|(_, o)| o.clone()).collect();
    let input_tags = exiftool_tags_many(&inputs);
    let output_tags = exiftool_tags_many(&outputs);
    let orientation = |tags: &[Tag]| {
        tags.iter()
            .find(|t| t.group == "IFD0" && t.name == "Orientation")
            .map_or("1".to_string(), |t| t.value.clone())
    };
    for (((input, output), (_, before)), (_, after)) in
        pairs.iter().zip(&input_tags).zip(&output_tags)
    {
        let name = output.file_name().unwrap().to_string_lossy();
        for tag in after.iter().filter(|t| !is_jpeg_display_tag(t)) {
            failures.push(format!(
                "{name}: output still has {}:{} = {}",
                tag.group, tag.name, tag.value
            ));
        }
        if orientation(before) != orientation(after) {
            failures.push(format!(
                "{name}: orientation {} became {}",
                orientation(before),
                orientation(after)
            ));
        }
        match (decoded_md5(input), decoded_md5(output)) {
            (Some(a), Some(b)) if a != b => failures.push(format!("{name}: decoded pixels differ")),
            // An image whose data is cut short: ffmpeg only decoded the
            // original by reading on into the bytes after it (a gain map, a
            // trailer), which are gone. The reference decoder must then see
            // the same pixels in both.
            (Some(_), None) if djpeg(input).is_none() || djpeg(input) != djpeg(output) => {
                failures.push(format!("{name}: output does not decode"));
            }
            _ => {}
        }
    }
}

/// The pixels libjpeg's `djpeg` decodes (warnings allowed), if any.
fn djpeg(path: &std::path::Path) -> Option<Vec<u8>> {
    let out = Command::new("djpeg").arg(path).output().ok()?;
    (!out.stdout.is_empty()).then_some(out.stdout)
}
