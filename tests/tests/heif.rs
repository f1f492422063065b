//! Every HEIF/HEIC and AVIF of the real-world corpus, cleaned through the
//! CLI and judged by independent tools: exiftool must show nothing but an
//! allow-list of display tags, and libheif (`heif-convert`) or libavif
//! (`avifdec`) must decode the same pixels from the output as from the
//! input. Files the tool refuses must be refused for an expected reason,
//! with no output written.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// Corpus files that are refused on purpose, with the reason we expect.
/// (None so far: every HEIF and AVIF of the corpus is cleaned. Canon CR3,
/// refused with "Canon CR3 raw is not supported yet", lives in `raw/`.)
const EXPECTED_REFUSALS: &[(&str, &str)] = &[];

/// exiftool tags allowed in a cleaned HEIF: container, codec
/// configuration and display properties, and the neutralised ICC profile.
fn is_display_tag(tag: &Tag) -> bool {
    const QUICKTIME: &[&str] = &[
        "MajorBrand",
        "MinorVersion",
        "CompatibleBrands",
        "HandlerType",
        "PrimaryItemReference",
        "MetaImageSize",
        "MediaDataSize",
        "MediaDataOffset",
        "MediaData",
        "ImageSpatialExtent",
        "ImagePixelDepth",
        "Rotation",
        "ImageMirror",
        "CleanAperture",
        "PixelAspectRatio",
        "ColorProfiles",
        "ColorPrimaries",
        "TransferCharacteristics",
        "MatrixCoefficients",
        "VideoFullRangeFlag",
        "ContentLightLevel",
        "MasteringDisplayColorVolume",
        "AuxiliaryImageType",
        "ChromaFormat",
        "HEVCConfigurationVersion",
        "GeneralProfileSpace",
        "GeneralTierFlag",
        "GeneralProfileIDC",
        "GenProfileCompatibilityFlags",
        "ConstraintIndicatorFlags",
        "GeneralLevelIDC",
        "MinSpatialSegmentationIDC",
        "ParallelismType",
        "BitDepthLuma",
        "BitDepthChroma",
        "AverageFrameRate",
        "ConstantFrameRate",
        "NumTemporalLayers",
        "TemporalIDNested",
        "AV1ConfigurationVersion",
        "SeqProfile",
        "SeqLevelIdx0",
        "SeqTier0",
        "HighBitDepth",
        "TwelveBit",
        "MonochromeChroma",
        "ChromaSubsamplingX",
        "ChromaSubsamplingY",
        "ChromaSamplePosition",
        "InitialDelaySamples",
    ];
    match tag.group.as_str() {
        "QuickTime" | "Meta" => QUICKTIME.contains(&tag.name.as_str()),
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

/// Decode `path` with libheif or libavif to PNG, then to raw pixels.
pub fn decode_heif(path: &Path) -> Result<(u32, u32, Vec<u8>), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let png = dir.path().join("decoded.png");
    let avif = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("avif"));
    let mut cmd = if avif {
        let mut cmd = Command::new("avifdec");
        cmd.arg("--no-strict");
        cmd
    } else {
        Command::new("heif-convert")
    };
    let out = cmd
        .arg(path)
        .arg(&png)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() || !png.exists() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    let image = image::open(&png).map_err(|e| e.to_string())?;
    Ok((image.width(), image.height(), image.as_bytes().to_vec()))
}

#[test]
fn corpus_heif_and_avif_are_clean_and_pixel_identical() {
    if !have("exiftool") || !have("heif-convert") || !have("avifdec") || corpus_dir().is_none() {
        return;
    }
    let out_dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut pairs = Vec::new();
    for folder in ["heic", "avif"] {
        let dir = out_dir.path().join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        pairs.extend(clean_folder(folder, &dir, &mut failures));
    }
    let outputs: Vec<PathBuf> = pairs.iter().map(|(_, o)| o.clone()).collect();
    for (path, tags) in exiftool_tags_many(&outputs) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for tag in tags
            .iter()
            .filter(|t| !is_display_tag(t) || (is_sensitive_tag(t) && !t.group.starts_with("ICC")))
        {
            failures.push(format!(
                "{name}: output still has {}:{} = {}",
                tag.group, tag.name, tag.value
            ));
        }
    }
    let mut compared = 0;
    for (input, output) in &pairs {
        let name = output.file_name().unwrap().to_string_lossy().to_string();
        match (decode_heif(input), decode_heif(output)) {
            (Ok(before), Ok(after)) => {
                if before != after {
                    failures.push(format!("{name}: decoded pixels differ"));
                }
                compared += 1;
            }
            (Ok(_), Err(err)) => failures.push(format!("{name}: output does not decode: {err}")),
            (Err(err), _) => failures.push(format!("{name}: the original does not decode: {err}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "heif: {} files cleaned, {compared} decoded identically",
        pairs.len()
    );
}
