//! Every WebP, JPEG XL and JPEG 2000 file of the real-world corpus, cleaned
//! through the CLI and judged by independent tools: `exiftool -a -G1 -u
//! -ee` must show nothing but what display needs, and an independent
//! decoder (`dwebp`, `djxl`, `opj_decompress`) must produce the same
//! pixels from the output as from the original. Files the tool refuses
//! must be refused for an expected reason, with no output written.

use std::path::PathBuf;

use crate::common::*;

/// Corpus files refused on purpose (file name, expected reason); none yet.
const EXPECTED_REFUSALS: &[(&str, &str)] = &[];

/// exiftool tags allowed in a cleaned WebP, JPEG XL or JP2 file: the
/// container's own structure (RIFF, Jpeg2000, JXL groups), the ICC
/// profile, and the orientation.
fn is_display_tag(tag: &Tag) -> bool {
    matches!(tag.group.as_str(), "RIFF" | "Jpeg2000" | "JXL")
        || tag.group.starts_with("ICC")
        || (tag.group == "IFD0" && tag.name == "Orientation")
}

fn orientation(tags: &[Tag]) -> String {
    tags.iter()
        .find(|t| t.group == "IFD0" && t.name == "Orientation")
        .map_or("1".to_string(), |t| t.value.clone())
}

/// Clean every file of `folder` and judge the outputs with `decoder`.
fn check_folder(folder: &str, decoder: &str, orientation_matters: bool) {
    if !have("exiftool") || !have(decoder) || corpus_dir().is_none() {
        return;
    }
    let files = corpus_files(folder);
    assert!(!files.is_empty(), "no files in the corpus folder {folder}");
    let out_dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let pairs = clean_each_with_cli(&files, out_dir.path(), EXPECTED_REFUSALS, &mut failures);
    let inputs: Vec<PathBuf> = pairs.iter().map(|(i, _)| i.clone()).collect();
    let outputs: Vec<PathBuf> = pairs.iter().map(|(_, o)| o.clone()).collect();
    let before_all = exiftool_tags_many_with(&inputs, &["-u"]);
    let after_all = exiftool_tags_many_with(&outputs, &["-u"]);
    for (((input, output), (_, before)), (_, after)) in
        pairs.iter().zip(&before_all).zip(&after_all)
    {
        let name = output.file_name().unwrap().to_string_lossy();
        for tag in after.iter().filter(|t| !is_display_tag(t)) {
            failures.push(format!(
                "{name}: output still has {}:{} = {}",
                tag.group, tag.name, tag.value
            ));
        }
        for tag in after.iter().filter(|t| is_sensitive_tag(t)) {
            failures.push(format!(
                "{name}: sensitive tag {}:{} = {}",
                tag.group, tag.name, tag.value
            ));
        }
        if orientation_matters && orientation(before) != orientation(after) {
            failures.push(format!(
                "{name}: orientation {} became {}",
                orientation(before),
                orientation(after)
            ));
        }
        match (
            decoded_pixels(decoder, input),
            decoded_pixels(decoder, output),
        ) {
            (Some(a), Some(b)) if a != b => failures.push(format!("{name}: decoded pixels differ")),
            (Some(_), None) => failures.push(format!("{name}: output does not decode")),
            (None, _) => failures.push(format!("{name}: {decoder} cannot decode the original")),
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(pairs.len(), files.len() - EXPECTED_REFUSALS.len());
}

#[test]
fn corpus_webp_files_are_clean_and_pixel_identical() {
    check_folder("webp", "dwebp", true);
}

#[test]
fn corpus_jxl_files_are_clean_and_pixel_identical() {
    // The orientation lives in the JPEG XL codestream header, which is
    // copied unchanged: the decoded pixels (oriented by djxl) prove it.
    check_folder("jxl", "djxl", false);
}

#[test]
fn corpus_jp2_files_are_clean_and_pixel_identical() {
    check_folder("jp2", "opj_decompress", false);
}
