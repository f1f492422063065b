use super::*;
use crate::policy::Policy;
use crate::Format;
use mediascrub_fixtures::audio::{
    apev2, flac_block, flac_frames, flac_picture, flac_streaminfo, id3_frame, id3_text, id3v1,
    id3v2, vorbis_comment,
};

fn plan(src: &[u8]) -> Result<crate::Inspection> {
    crate::formats::inspect_for_test(Format::Flac, &src, &Policy::default())
}

fn clean(input: &[u8]) -> (Vec<u8>, crate::Inspection) {
    crate::formats::clean_for_test(Format::Flac, input)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0 cover \xFF\xD9";

fn seektable() -> Vec<u8> {
    let mut point = 0u64.to_be_bytes().to_vec();
    point.extend_from_slice(&0u64.to_be_bytes());
    point.extend_from_slice(&4096u16.to_be_bytes());
    point
}

#[test]
fn keeps_streaminfo_and_seektable_removes_the_rest() {
    let comment = vorbis_comment(
        "reference libFLAC 1.4.2",
        &[
            "ARTIST=Jane Planted",
            "DATE=2024-05-06",
            "COMMENT=recorded at 59.4370, 24.7536",
        ],
    );
    let audio = flac_frames(500);
    let input = [
        id3v2(3, 0, &id3_frame(3, b"TPE1", &id3_text("Jane Id3")), 20),
        b"fLaC".to_vec(),
        flac_block(false, 0, &flac_streaminfo()),
        flac_block(false, 4, &comment),
        flac_block(false, 6, &flac_picture("image/jpeg", "Jane's cover", JPEG)),
        flac_block(false, 3, &seektable()),
        flac_block(false, 2, b"riffbext Jane Planted origin"),
        flac_block(false, 5, &[b'1'; 200]),
        flac_block(true, 1, &[0; 64]),
        audio.clone(),
        apev2(&[("Artist", "Jane Ape")]),
        id3v1("t", "Jane V1", "2024", ""),
    ]
    .concat();
    let (out, inspection) = clean(&input);
    let expected = [
        b"fLaC".to_vec(),
        flac_block(false, 0, &flac_streaminfo()),
        flac_block(true, 3, &seektable()),
        audio,
    ]
    .concat();
    assert_eq!(out, expected);
    assert!(!contains(&out, b"Jane"));
    let has = |category: Category, field: &str| {
        inspection
            .findings
            .iter()
            .any(|f| f.category == category && f.field.contains(field))
    };
    assert!(has(Category::Identity, "Vorbis comment ARTIST"));
    assert!(has(Category::Time, "Vorbis comment DATE"));
    assert!(has(Category::Location, "Coordinates"));
    assert!(has(Category::Software, "Encoder"));
    assert!(has(Category::Embedded, "Picture"));
    assert!(has(Category::Other, "Application data"));
    assert!(has(Category::Other, "Cue sheet"));
    assert!(has(Category::Identity, "Artist (TPE1)"));
    assert!(has(Category::Identity, "APE item"));
    assert!(has(Category::Identity, "Artist"));
    let picture = inspection
        .findings
        .iter()
        .find(|f| f.field == "Picture")
        .unwrap();
    assert_eq!(picture.picture.as_ref().unwrap().bytes, JPEG);
}

#[test]
fn a_channel_layout_is_kept_alone() {
    let comment = vorbis_comment(
        "Lavf60",
        &[
            "ARTIST=Jane Planted",
            "WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x0000003F",
        ],
    );
    let input = [
        b"fLaC".to_vec(),
        flac_block(false, 0, &flac_streaminfo()),
        flac_block(true, 4, &comment),
        flac_frames(100),
    ]
    .concat();
    let (out, inspection) = clean(&input);
    let minimal = vorbis_comment("", &["WAVEFORMATEXTENSIBLE_CHANNEL_MASK=0x0000003F"]);
    assert!(contains(&out, &flac_block(true, 4, &minimal)));
    assert!(!contains(&out, b"Jane"));
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.field == "Channel layout" && f.fate == Fate::Kept));
}

#[test]
fn broken_blocks_are_refused() {
    let good = [
        b"fLaC".to_vec(),
        flac_block(false, 0, &flac_streaminfo()),
        flac_block(true, 4, &vorbis_comment("x", &[])),
        flac_frames(100),
    ]
    .concat();
    assert!(plan(&good).is_ok());
    // A block length past the end of the file.
    let mut long = good.clone();
    long[4 + 38 + 1..4 + 38 + 4].copy_from_slice(&[0x10, 0, 0]);
    let err = plan(&long).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Overrun), "{err}");
    // STREAMINFO not first, or not 34 bytes.
    let swapped = [
        b"fLaC".to_vec(),
        flac_block(false, 4, &vorbis_comment("x", &[])),
        flac_block(true, 0, &flac_streaminfo()),
    ]
    .concat();
    assert!(plan(&swapped).is_err());
    let short = [b"fLaC".to_vec(), flac_block(true, 0, &[0; 20])].concat();
    assert!(plan(&short).is_err());
    // A seek table that is not whole seek points.
    let odd = [
        b"fLaC".to_vec(),
        flac_block(false, 0, &flac_streaminfo()),
        flac_block(true, 3, &[0; 20]),
    ]
    .concat();
    assert_eq!(
        plan(&odd).unwrap_err().malformation(),
        Some(Malformation::Unaccounted)
    );
    // Audio that does not start with a frame sync.
    let mut junk = good.clone();
    let at = junk.len() - 100;
    junk[at] = b'X';
    assert!(plan(&junk).is_err());
    // No cut panics.
    for len in 0..good.len() {
        let _ = plan(&good[..len]);
    }
}
