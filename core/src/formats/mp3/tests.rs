use super::*;
use crate::policy::Policy;
use crate::{Format, Malformation};
use mediascrub_fixtures::audio::{
    apev2, crc16, id3_apic, id3_frame, id3_text, id3v1, id3v2, mp3_frame, mp3_frame_len,
    mp3_info_frame,
};

fn plan(src: &[u8]) -> Result<crate::Inspection> {
    crate::formats::inspect_for_test(Format::Mp3, &src, &Policy::default())
}

fn clean(input: &[u8]) -> (Vec<u8>, crate::Inspection) {
    crate::formats::clean_for_test(Format::Mp3, input)
}

fn frames(n: usize) -> Vec<u8> {
    (0..n).flat_map(|i| mp3_frame(128, i as u8 + 1)).collect()
}

fn tag() -> Vec<u8> {
    let frames = [
        id3_frame(4, b"TPE1", &id3_text("Jane Planted")),
        id3_frame(4, b"TDRC", &id3_text("2024-05-06")),
        id3_frame(
            4,
            b"APIC",
            &id3_apic("image/jpeg", "", b"\xFF\xD8\xFF\xE0jpeg"),
        ),
    ]
    .concat();
    id3v2(4, 0, &frames, 100)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn tags_go_and_frames_stay() {
    let info = mp3_info_frame(4, b"LAME3.100");
    let audio = frames(4);
    let input = [
        tag(),
        info.clone(),
        audio.clone(),
        apev2(&[("Artist", "Jane Ape")]),
        id3v1("Song", "Jane Planted", "2024", "v1 comment here"),
    ]
    .concat();
    let (out, inspection) = clean(&input);
    assert_eq!(out.len(), info.len() + audio.len());
    assert_eq!(&out[info.len()..], &audio[..]);
    // The info frame keeps its fields and "LAME"; the version is zeroed and
    // the tag CRC still matches.
    let lame_at = 4 + 17 + 120;
    assert_eq!(&out[..lame_at], &info[..lame_at]);
    assert_eq!(&out[lame_at..lame_at + 9], b"LAME\0\0\0\0\0");
    assert_eq!(
        &out[lame_at + 9..lame_at + 34],
        &info[lame_at + 9..lame_at + 34]
    );
    let crc = u16::from_be_bytes([out[lame_at + 34], out[lame_at + 35]]);
    assert_eq!(crc, crc16(&out[..lame_at + 34]));
    for value in [&b"Jane"[..], b"2024-05-06", b"v1 comment"] {
        assert!(!contains(&out, value));
    }
    let has = |category: Category, field: &str| {
        inspection
            .findings
            .iter()
            .any(|f| f.category == category && f.field.contains(field))
    };
    assert!(has(Category::Identity, "Artist (TPE1)"));
    assert!(has(Category::Embedded, "Picture"));
    assert!(has(Category::Identity, "APE item 'Artist'"));
    assert!(has(Category::Time, "Year"));
    assert!(has(Category::Software, "Encoder version"));
}

#[test]
fn only_the_lame_family_name_is_kept() {
    for (name, kept) in [
        (b"Lavc59.37", &b"Lavc\0\0\0\0\0"[..]),
        (b"GOGO1.234", &[0; 9][..]),
    ] {
        let input = [mp3_info_frame(2, name), frames(2)].concat();
        let (out, _) = clean(&input);
        assert_eq!(&out[141..150], kept);
    }
    // Under an unknown name the whole extension is unknown bytes.
    let (out, _) = clean(&[mp3_info_frame(2, b"GOGO1.234"), frames(2)].concat());
    assert!(out[141..177].iter().all(|b| *b == 0));
    // An invalid CRC is left as it was (decoders ignored the tag before).
    let mut info = mp3_info_frame(2, b"LAME3.100");
    info[4 + 17 + 120 + 34] ^= 0xFF;
    let stored = [info[175], info[176]];
    let (out, _) = clean(&[info, frames(2)].concat());
    assert_eq!([out[175], out[176]], stored);
}

#[test]
fn bytes_after_the_info_tag_are_zeroed_except_the_bit_reservoir() {
    let mut info = mp3_info_frame(3, b"LAME3.100");
    let len = info.len();
    info[300..len].fill(b'S');
    // The next frame takes its first 20 bytes of data from the end of the
    // info frame: those stay.
    let mut next = mp3_frame(128, 7);
    next[4] = 20 >> 1;
    next[5] = (20 & 1) << 7;
    let input = [info.clone(), next.clone(), frames(1)].concat();
    let (out, inspection) = clean(&input);
    assert!(out[300..len - 20].iter().all(|b| *b == 0));
    assert_eq!(&out[len - 20..len], &info[len - 20..len]);
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.field == "Bytes after the info tag" && f.fate == Fate::Zeroed));
}

#[test]
fn padding_and_tags_between_frames_go_junk_is_refused() {
    let audio = frames(3);
    let inner = id3v2(3, 0, &id3_frame(3, b"TPE1", &id3_text("Jane Inner")), 0);
    let input = [
        audio.clone(),
        vec![0; 50],
        inner,
        frames(2),
        apev2(&[("Comment", "inside")]),
    ]
    .concat();
    let (out, inspection) = clean(&input);
    assert_eq!(out, [audio, frames(2)].concat());
    assert!(inspection.findings.iter().any(|f| f.value == "Jane Inner"));
    let junk = [frames(2), b"JUNK DATA HERE".to_vec(), frames(2)].concat();
    let err = plan(&junk).unwrap_err();
    assert!(
        err.to_string().contains("neither an audio frame nor a tag"),
        "{err}"
    );
}

#[test]
fn sizes_past_the_end_are_refused() {
    // An ID3v2 tag claiming more than the file.
    let mut input = [tag(), frames(2)].concat();
    input[6..10].copy_from_slice(&mediascrub_fixtures::audio::syncsafe(1 << 20));
    let err = plan(&input).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Overrun), "{err}");
    // A size that is not syncsafe.
    input[8] = 0x80;
    assert!(plan(&input).is_err());
    // An APE footer claiming more than precedes it.
    let mut ape = apev2(&[("Artist", "x")]);
    let at = ape.len() - 32 + 12;
    ape[at..at + 4].copy_from_slice(&100_000u32.to_le_bytes());
    let err = plan(&[frames(2), ape].concat()).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Overrun), "{err}");
    // Free-format frames.
    let mut free = frames(2);
    free[2] &= 0x0F;
    assert!(matches!(plan(&free), Err(Error::Unsupported(_))));
    // Only tags.
    assert!(plan(&tag()).is_err());
}

#[test]
fn a_last_frame_cut_short_is_kept_and_no_cut_panics() {
    let input = [
        tag(),
        mp3_info_frame(3, b"LAME3.100"),
        frames(3),
        id3v1("a", "b", "c", "d"),
    ]
    .concat();
    let cut = &input[..input.len() - 128 - mp3_frame_len(128) / 2];
    let (out, _) = clean(cut);
    assert!(out.len() > 3 * mp3_frame_len(128));
    for len in 0..input.len() {
        let _ = plan(&input[..len]);
    }
}
