//! Every TIFF, DNG and TIFF-based raw file of the real-world corpus,
//! cleaned through the CLI or refused for an expected reason, and judged by
//! independent tools: exiftool must show nothing but an allow-list of
//! image-structure tags, the `image` crate must decode the same pixels, and
//! for DNG dcraw must read the same raw sensor data (`dcraw -c -4 -D`).
//! The corpus DNGs hold dummy raw data, so a DNG built here with planted
//! metadata is judged by dcraw too.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// Corpus files refused on purpose, with the reason expected.
const EXPECTED_REFUSALS: &[(&str, &str)] = &[
    ("exiftool_CanonRaw.cr2", "Canon CR2 is not supported"),
    ("exiftool_FujiFilm.raf", "Fujifilm RAF is not supported"),
    ("exiftool_Nikon.nef", "Nikon NEF is not supported"),
    (
        "exiftool_Panasonic.rw2",
        "Panasonic RW2: vendor header not supported",
    ),
    ("exiv2_Canon-R6-pruned.CR3", "Canon CR3 is not supported"),
    // ExifTool's test DNG: its one raw tile is the text "<Dummy raw image
    // data>", not a JPEG stream.
    ("exiftool_DNG.dng", "does not start with SOI"),
    // exiv2's pruned iPhone DNG: the raw tiles were cut off the file.
    ("exiv2_IMG_1361.dng", "run past"),
];

/// exiftool tags allowed in a cleaned TIFF or DNG: the image structure,
/// orientation, resolution, the ICC profile and the DNG rendering tags.
fn is_display_tag(tag: &Tag) -> bool {
    const STRUCTURE: &[&str] = &[
        "SubfileType",
        "OldSubfileType",
        "ImageWidth",
        "ImageHeight",
        "BitsPerSample",
        "Compression",
        "PhotometricInterpretation",
        "FillOrder",
        "StripOffsets",
        "Orientation",
        "SamplesPerPixel",
        "RowsPerStrip",
        "StripByteCounts",
        "XResolution",
        "YResolution",
        "PlanarConfiguration",
        "ResolutionUnit",
        "TransferFunction",
        "Predictor",
        "WhitePoint",
        "PrimaryChromaticities",
        "ColorMap",
        "TileWidth",
        "TileLength",
        "TileOffsets",
        "TileByteCounts",
        "InkSet",
        "NumberofInks",
        "ExtraSamples",
        "SampleFormat",
        "JPEGTables",
        "YCbCrCoefficients",
        "YCbCrSubSampling",
        "YCbCrPositioning",
        "ReferenceBlackWhite",
        "T4Options",
        "T6Options",
        // DNG rendering tags.
        "CFARepeatPatternDim",
        "CFAPattern2",
        "DNGVersion",
        "DNGBackwardVersion",
        "CFAPlaneColor",
        "CFALayout",
        "BlackLevelRepeatDim",
        "BlackLevel",
        "WhiteLevel",
        "DefaultCropOrigin",
        "DefaultCropSize",
        "DefaultScale",
        "ColorMatrix1",
        "ColorMatrix2",
        "AsShotNeutral",
        "CalibrationIlluminant1",
        "CalibrationIlluminant2",
        "BaselineExposure",
        "ActiveArea",
        "BayerGreenSplit",
        "AnalogBalance",
    ];
    match tag.group.as_str() {
        "IFD0" | "SubIFD" if tag.name == "UniqueCameraModel" => tag.value == "Camera",
        "IFD0" | "SubIFD" => STRUCTURE.contains(&tag.name.as_str()),
        group => group.starts_with("ICC"),
    }
}

/// Clean `input` to `output` through the CLI: `Ok` or the error printed.
fn clean_cli(input: &Path, output: &Path) -> Result<(), (Option<i32>, String)> {
    let result = Command::new(mediascrub_bin())
        .args(["clean", "-q", "-o"])
        .arg(output)
        .arg(input)
        .output()
        .unwrap();
    if result.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&result.stderr).into_owned();
        Err((result.status.code(), stderr))
    }
}

/// The first image of a TIFF decoded to RGBA by the `image` crate.
fn decoded(path: &Path) -> Result<Vec<u8>, String> {
    let image = image::open(path).map_err(|e| e.to_string())?;
    Ok(image
        .into_rgba16()
        .into_raw()
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect())
}

/// The raw sensor data dcraw reads from a DNG (`-D`: no processing,
/// `-4`: 16-bit linear), as a PGM.
fn dcraw_raw(path: &Path) -> Result<Vec<u8>, String> {
    let out = Command::new("dcraw")
        .args(["-c", "-4", "-D"])
        .arg(path)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() || out.stdout.is_empty() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(out.stdout)
}

fn exiftool_leaks(outputs: &[PathBuf], failures: &mut Vec<String>) {
    for (path, tags) in exiftool_tags_many(outputs) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for tag in tags.iter().filter(|t| !is_display_tag(t)) {
            failures.push(format!(
                "{name}: output still has {}:{} = {}",
                tag.group, tag.name, tag.value
            ));
        }
    }
}

#[test]
fn corpus_tiffs_dngs_and_raws_are_clean_or_refused() {
    if !have("exiftool") || corpus_dir().is_none() {
        return;
    }
    let out_dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut pairs = Vec::new();
    for folder in ["tiff", "dng", "raw"] {
        let files = corpus_files(folder);
        assert!(!files.is_empty(), "no files in the corpus folder {folder}");
        for input in files {
            let name = input.file_name().unwrap().to_string_lossy().to_string();
            let output = out_dir.path().join(&name);
            let result = clean_cli(&input, &output);
            match (EXPECTED_REFUSALS.iter().find(|(n, _)| *n == name), result) {
                (Some((_, reason)), Err((code, stderr))) => {
                    if code != Some(1) || !stderr.contains(reason) || output.exists() {
                        failures.push(format!("{name}: expected refusal ({reason}), got {stderr}"));
                    }
                }
                (Some((_, reason)), Ok(())) => {
                    failures.push(format!("{name}: cleaned, expected refusal ({reason})"))
                }
                (None, Err((_, stderr))) => {
                    failures.push(format!("{name}: refused: {}", stderr.trim()))
                }
                (None, Ok(())) => pairs.push((input, output)),
            }
        }
    }
    let outputs: Vec<PathBuf> = pairs.iter().map(|(_, o)| o.clone()).collect();
    exiftool_leaks(&outputs, &mut failures);
    let mut compared = 0;
    for (input, output) in &pairs {
        let name = output.file_name().unwrap().to_string_lossy().to_string();
        match (decoded(input), decoded(output)) {
            (Ok(before), Ok(after)) => {
                if before != after {
                    failures.push(format!("{name}: decoded pixels differ"));
                }
                compared += 1;
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
    assert!(
        compared >= 6,
        "only {compared} TIFFs decoded for comparison"
    );
    eprintln!(
        "tiff: {} files cleaned, {compared} pixel-compared, {} refused as expected",
        pairs.len(),
        EXPECTED_REFUSALS.len()
    );
}

/// A little-endian DNG of a 64x32 16-bit Bayer image in one uncompressed
/// strip (SubIFD 0), with a 4x2 RGB thumbnail as IFD0 carrying the DNG
/// tags and planted make, model, serial number, artist and GPS.
fn planted_dng() -> Vec<u8> {
    // dcraw reads nothing smaller than 22x22.
    const W: u32 = 64;
    const H: u32 = 32;
    let mut raw = Vec::new();
    for y in 0..H {
        for x in 0..W {
            raw.extend_from_slice(&((x * 97 + y * 131) as u16 % 4000 + 64).to_le_bytes());
        }
    }
    let thumb = vec![0x80u8; 4 * 2 * 3];
    let mut file = b"II*\0\0\0\0\0".to_vec();
    let raw_at = file.len() as u32;
    file.extend_from_slice(&raw);
    let thumb_at = file.len() as u32;
    file.extend_from_slice(&thumb);
    // (tag, type, count, value bytes)
    type Entry = (u16, u16, u32, Vec<u8>);
    let short = |tag, v: u16| (tag, 3u16, 1u32, v.to_le_bytes().to_vec());
    let long = |tag, v: u32| (tag, 4u16, 1u32, v.to_le_bytes().to_vec());
    let ascii = |tag, s: &str| {
        let mut b = s.as_bytes().to_vec();
        b.push(0);
        (tag, 2u16, b.len() as u32, b)
    };
    let rationals = |tag, kind: u16, v: &[(i32, i32)]| {
        let b: Vec<u8> = v
            .iter()
            .flat_map(|(n, d)| [n.to_le_bytes(), d.to_le_bytes()].concat())
            .collect();
        (tag, kind, v.len() as u32, b)
    };
    fn write_ifd(file: &mut Vec<u8>, mut entries: Vec<Entry>) -> u32 {
        entries.sort_by_key(|e| e.0);
        if file.len() % 2 == 1 {
            file.push(0);
        }
        let at = file.len();
        let mut values_at = at + 2 + entries.len() * 12 + 4;
        let mut table = (entries.len() as u16).to_le_bytes().to_vec();
        let mut values = Vec::new();
        for (tag, kind, count, data) in &entries {
            table.extend_from_slice(&tag.to_le_bytes());
            table.extend_from_slice(&kind.to_le_bytes());
            table.extend_from_slice(&count.to_le_bytes());
            if data.len() <= 4 {
                let mut field = data.clone();
                field.resize(4, 0);
                table.extend_from_slice(&field);
            } else {
                if values_at % 2 == 1 {
                    values.push(0);
                    values_at += 1;
                }
                table.extend_from_slice(&(values_at as u32).to_le_bytes());
                values.extend_from_slice(data);
                values_at += data.len();
            }
        }
        table.extend_from_slice(&0u32.to_le_bytes());
        file.extend_from_slice(&table);
        file.extend_from_slice(&values);
        at as u32
    }
    let gps = write_ifd(
        &mut file,
        vec![
            ascii(1, "N"),
            rationals(2, 5, &[(59, 1), (26, 1), (1234, 100)]),
            ascii(3, "E"),
            rationals(4, 5, &[(24, 1), (45, 1), (678, 100)]),
        ],
    );
    let exif = write_ifd(
        &mut file,
        vec![
            ascii(0x9003, "2021:03:04 05:06:07"),
            ascii(0xA431, "MSCRUB-SN-0042"),
            ascii(0xA430, "Jane Planted"),
        ],
    );
    let sub = write_ifd(
        &mut file,
        vec![
            long(254, 0),
            long(256, W),
            long(257, H),
            short(258, 16),
            short(259, 1),
            short(262, 32803),
            long(273, raw_at),
            short(277, 1),
            long(278, H),
            long(279, raw.len() as u32),
            short(284, 1),
            (
                33421,
                3,
                2,
                [2u16.to_le_bytes(), 2u16.to_le_bytes()].concat(),
            ),
            (33422, 1, 4, vec![0, 1, 1, 2]),
            (50710, 1, 3, vec![0, 1, 2]),
            short(50711, 1),
            short(50714, 64),
            short(50717, 4095),
            (
                50829,
                4,
                4,
                [0u32, 0, H, W]
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect(),
            ),
        ],
    );
    let identity = [
        (1, 1),
        (0, 1),
        (0, 1),
        (0, 1),
        (1, 1),
        (0, 1),
        (0, 1),
        (0, 1),
        (1, 1),
    ];
    let ifd0 = write_ifd(
        &mut file,
        vec![
            long(254, 1),
            long(256, 4),
            long(257, 2),
            (
                258,
                3,
                3,
                [8u16, 8, 8].iter().flat_map(|v| v.to_le_bytes()).collect(),
            ),
            short(259, 1),
            short(262, 2),
            ascii(271, "PlantedCam"),
            ascii(272, "PlantedCam Model-X"),
            long(273, thumb_at),
            short(274, 1),
            short(277, 3),
            long(278, 2),
            long(279, thumb.len() as u32),
            short(284, 1),
            ascii(305, "PlantedSoft 1.0"),
            ascii(315, "Jane Planted"),
            long(330, sub),
            long(34665, exif),
            long(34853, gps),
            (50706, 1, 4, vec![1, 4, 0, 0]),
            (50707, 1, 4, vec![1, 1, 0, 0]),
            ascii(50708, "PlantedCam Model-X"),
            rationals(50721, 10, &identity),
            short(50778, 21),
            rationals(50728, 5, &[(1, 1), (1, 1), (1, 1)]),
            ascii(50735, "MSCRUB-SN-0042"),
        ],
    );
    file[4..8].copy_from_slice(&ifd0.to_le_bytes());
    file
}

#[test]
fn planted_dng_keeps_its_raw_data_for_dcraw() {
    if !have("exiftool") || !have("dcraw") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("planted.dng");
    let output = dir.path().join("planted.clean.dng");
    std::fs::write(&input, planted_dng()).unwrap();
    clean_cli(&input, &output).unwrap_or_else(|(_, err)| panic!("refused: {err}"));
    let mut failures = Vec::new();
    exiftool_leaks(std::slice::from_ref(&output), &mut failures);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for secret in [
        &b"PlantedCam"[..],
        b"MSCRUB-SN",
        b"Jane",
        b"2021:03",
        b"PlantedSoft",
    ] {
        assert!(!file_contains(&output, secret));
    }
    let before = dcraw_raw(&input).unwrap();
    let after = dcraw_raw(&output).expect("dcraw reads the cleaned DNG");
    assert!(before.len() > 64 * 32 * 2);
    assert!(before == after, "dcraw reads different raw data");
}
