//! Every PNG/APNG and GIF of the real-world corpus, cleaned through the
//! CLI and judged by independent tools: exiftool must show nothing but an
//! allow-list of display tags, and the `image` crate must decode the same
//! pixels, frame by frame. Files the tool refuses must be refused for an
//! expected reason, with no output written.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// Corpus files that are refused on purpose, with the reason we expect.
/// (None so far: every PNG and GIF of the corpus is cleaned.)
const EXPECTED_REFUSALS: &[(&str, &str)] = &[];

/// exiftool tags allowed in a cleaned PNG or GIF: what display needs.
fn is_display_tag(tag: &Tag) -> bool {
    const PNG: &[&str] = &[
        "ImageWidth",
        "ImageHeight",
        "BitDepth",
        "ColorType",
        "Compression",
        "Filter",
        "Interlace",
        "Gamma",
        "SRGBRendering",
        "BackgroundColor",
        "WhitePointX",
        "WhitePointY",
        "RedX",
        "RedY",
        "GreenX",
        "GreenY",
        "BlueX",
        "BlueY",
        "SignificantBits",
        "Palette",
        "Transparency",
        "AnimationFrames",
        "AnimationPlays",
        "ColorPrimaries",
        "TransferCharacteristics",
        "MatrixCoefficients",
        "VideoFullRangeFlag",
        "MaxContentLightLevel",
        "MaxFrameAverageLightLevel",
    ];
    const GIF: &[&str] = &[
        "GIFVersion",
        "ImageWidth",
        "ImageHeight",
        "HasColorMap",
        "ColorResolutionDepth",
        "BitsPerPixel",
        "BackgroundColor",
        "PixelAspectRatio",
        "AnimationIterations",
        "FrameCount",
        "Duration",
        "TransparentColor",
    ];
    match tag.group.as_str() {
        "PNG" if tag.name == "ProfileName" => tag.value == "ICC Profile",
        "PNG" => PNG.contains(&tag.name.as_str()),
        "PNG-pHYs" => true,
        "GIF" => GIF.contains(&tag.name.as_str()),
        "IFD0" => tag.name == "Orientation",
        group => group.starts_with("ICC"),
    }
}

/// Clean every file of one corpus folder through the CLI; return the
/// (input, output) pairs that were cleaned.
fn clean_folder(
    folder: &str,
    out_dir: &Path,
    failures: &mut Vec<String>,
) -> Vec<(PathBuf, PathBuf)> {
    let files = corpus_files(folder);
    assert!(!files.is_empty(), "no files in the corpus folder {folder}");
    clean_each_with_cli(&files, out_dir, EXPECTED_REFUSALS, failures)
}

/// GIF comments are reported by exiftool in its `File` group, which
/// [`exiftool_tags_many`] leaves out: ask for them by name.
fn comments(paths: &[PathBuf]) -> Vec<String> {
    let out = Command::new("exiftool")
        .args(["-q", "-s3", "-a", "-Comment"])
        .args(paths)
        .output()
        .expect("run exiftool");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn corpus_pngs_and_gifs_are_clean_and_pixel_identical() {
    if !have("exiftool") || corpus_dir().is_none() {
        return;
    }
    let out_dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut pairs = Vec::new();
    for folder in ["png", "gif"] {
        let dir = out_dir.path().join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        pairs.extend(clean_folder(folder, &dir, &mut failures));
    }
    let outputs: Vec<PathBuf> = pairs.iter().map(|(_, o)| o.clone()).collect();
    for (path, tags) in exiftool_tags_many(&outputs) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for tag in tags.iter().filter(|t| !is_display_tag(t)) {
            failures.push(format!(
                "{name}: output still has {}:{} = {}",
                tag.group, tag.name, tag.value
            ));
        }
    }
    for comment in comments(&outputs) {
        failures.push(format!("an output still has the comment {comment:?}"));
    }
    let mut frames_compared = 0;
    for (input, output) in &pairs {
        let name = output.file_name().unwrap().to_string_lossy().to_string();
        match (decoded_frames(input), decoded_frames(output)) {
            (Ok(before), Ok(after)) => {
                if before.len() != after.len() {
                    failures.push(format!(
                        "{name}: {} frames became {}",
                        before.len(),
                        after.len()
                    ));
                } else if before != after {
                    failures.push(format!("{name}: decoded pixels or frame delays differ"));
                }
                frames_compared += before.len();
            }
            (Ok(_), Err(err)) => failures.push(format!("{name}: output does not decode: {err}")),
            // The decoder cannot read the original either: nothing to compare.
            (Err(_), _) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "png_gif: {} files cleaned, {frames_compared} frames compared",
        pairs.len()
    );
}
