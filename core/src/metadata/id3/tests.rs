use super::*;
use mediascrub_fixtures::audio::{
    apev2, id3_apic, id3_frame, id3_text, id3_txxx, id3v1, id3v2, syncsafe, unsynchronise,
};

const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0 tiny jpeg \xFF\xD9";

fn describe(tag: &[u8]) -> Vec<Finding> {
    let header = v2_header(tag[..10].try_into().unwrap(), b"ID3")
        .unwrap()
        .unwrap();
    describe_v2(tag, &header, "MP3")
}

fn find<'a>(findings: &'a [Finding], field: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.field.contains(field))
        .unwrap_or_else(|| panic!("no {field} in {findings:#?}"))
}

#[test]
fn frames_are_described_with_categories_and_needles() {
    let mut geob = vec![3];
    geob.extend_from_slice(b"application/x-secret\0jane-notes.txt\0Notes\0secret notes by Jane");
    let mut priv_frame = b"www.planted.example\0".to_vec();
    priv_frame.extend_from_slice(b"\x00\x01PRIVATE-ID-7731\x00");
    let mut comm = vec![3];
    comm.extend_from_slice(b"eng\0recorded at 59.4370, 24.7536 by the harbour");
    let frames = [
        id3_frame(4, b"TPE1", &id3_text("Jane Planted")),
        id3_frame(4, b"TCOM", &id3_text("Jane Composer")),
        id3_frame(4, b"TDRC", &id3_text("2024-05-06T07:08:09")),
        id3_frame(4, b"TSSE", &id3_text("Lavf59.27.100")),
        id3_frame(4, b"TXXX", &id3_txxx("GPS", "+59.4370+024.7536/")),
        id3_frame(4, b"TXXX", &id3_txxx("place", "59.4370 24.7536")),
        id3_frame(4, b"COMM", &comm),
        id3_frame(4, b"APIC", &id3_apic("image/jpeg", "cover by Jane", JPEG)),
        id3_frame(4, b"GEOB", &geob),
        id3_frame(4, b"PRIV", &priv_frame),
        id3_frame(4, b"UFID", b"http://musicbrainz.org\0abcdef-1234567"),
    ]
    .concat();
    let tag = id3v2(4, 0, &frames, 64);
    let findings = describe(&tag);
    assert_eq!(find(&findings, "Artist").category, Category::Identity);
    assert_eq!(find(&findings, "Artist").value, "Jane Planted");
    assert_eq!(find(&findings, "Composer").category, Category::Identity);
    assert_eq!(find(&findings, "Recording time").category, Category::Time);
    assert_eq!(
        find(&findings, "Encoder settings").category,
        Category::Software
    );
    assert_eq!(
        find(&findings, "User text 'GPS'").category,
        Category::Location
    );
    // A place under a name that says nothing: found by its value.
    assert!(findings
        .iter()
        .any(|f| f.category == Category::Location && f.field.contains("User text 'place'")));
    assert!(findings
        .iter()
        .any(|f| f.category == Category::Location && f.field.contains("Comment")));
    let picture = find(&findings, "Picture");
    assert_eq!(picture.category, Category::Embedded);
    assert_eq!(picture.picture.as_ref().unwrap().bytes, JPEG);
    assert!(picture.needles.iter().any(|n| n == b"cover by Jane"));
    let object = find(&findings, "Embedded file");
    assert!(object.needles.iter().any(|n| n == b"jane-notes.txt"));
    assert!(object.needles.iter().any(|n| n == b"secret notes by Jane"));
    let private = find(&findings, "Private data");
    assert!(private.needles.iter().any(|n| n == b"PRIVATE-ID-7731"));
    assert_eq!(
        find(&findings, "Unique file identifier").category,
        Category::Device
    );
}

#[test]
fn unsynchronised_and_older_versions_are_read() {
    // Version 2.3, the whole tag unsynchronised: a text holding FF E0.
    let text = [&[0u8][..], b"Jane \xFF\xE0 Planted"].concat();
    let frames = id3_frame(3, b"TPE1", &text);
    let body = unsynchronise(&frames);
    assert_ne!(body, frames);
    let mut tag = b"ID3\x03\x00\x80".to_vec();
    tag.extend_from_slice(&syncsafe(body.len() as u32));
    tag.extend_from_slice(&body);
    let findings = describe(&tag);
    assert_eq!(find(&findings, "Artist").value, "Jane ÿà Planted");
    // Version 2.4: one frame unsynchronised by its own flag.
    let mut frame = id3_frame(4, b"TPE1", &unsynchronise(&text));
    frame[9] = 0x02;
    let findings = describe(&id3v2(4, 0, &frame, 0));
    assert_eq!(find(&findings, "Artist").value, "Jane ÿà Planted");
    // Version 2.2: three-letter ids and sizes.
    let mut v22 = b"TP1\x00\x00\x0d\x00Jane Planted".to_vec();
    v22.extend_from_slice(b"PIC\x00\x00\x16\x00JPG\x03\x00");
    v22.extend_from_slice(JPEG);
    let findings = describe(&id3v2(2, 0, &v22, 10));
    assert_eq!(find(&findings, "Artist (TP1)").value, "Jane Planted");
    assert_eq!(
        find(&findings, "Picture (PIC)").category,
        Category::Embedded
    );
    // UTF-16 with a byte-order mark.
    let mut utf16 = vec![1, 0xFF, 0xFE];
    utf16.extend("Jane Planted".encode_utf16().flat_map(u16::to_le_bytes));
    let findings = describe(&id3v2(3, 0, &id3_frame(3, b"TPE1", &utf16), 0));
    assert_eq!(find(&findings, "Artist").value, "Jane Planted");
}

#[test]
fn compressed_frames_are_inflated_to_describe_them() {
    let text = id3_text("Jane Compressed Planted");
    let deflated = miniz_oxide::deflate::compress_to_vec_zlib(&text, 6);
    // Version 2.4: compression and a data length indicator.
    let mut body = syncsafe(text.len() as u32).to_vec();
    body.extend_from_slice(&deflated);
    let mut frame = id3_frame(4, b"TPE1", &body);
    frame[9] = 0x08 | 0x01;
    let findings = describe(&id3v2(4, 0, &frame, 0));
    assert_eq!(find(&findings, "Artist").value, "Jane Compressed Planted");
}

#[test]
fn headers_are_checked_and_garbage_never_panics() {
    assert!(v2_header(b"ID3\x04\0\0\0\0\x80\0", b"ID3").is_err());
    assert!(v2_header(b"ID3\xFF\0\0\0\0\0\0", b"ID3").is_err());
    assert_eq!(v2_header(b"XYZ\x04\0\0\0\0\0\0", b"ID3"), Ok(None));
    let footer = v2_header(b"ID3\x04\0\x10\0\0\x01\0", b"ID3")
        .unwrap()
        .unwrap();
    assert_eq!(footer.total(), 10 + 128 + 10);
    // Every prefix of a tag, and bytes that are no frames at all.
    let frames = [
        id3_frame(4, b"TPE1", &id3_text("Jane Planted")),
        id3_frame(4, b"APIC", &id3_apic("image/png", "x", JPEG)),
    ]
    .concat();
    let tag = id3v2(4, 0x40, &frames, 3);
    for len in 10..tag.len() {
        let _ = describe(&tag[..len]);
    }
    for major in 2..=4 {
        for flags in [0u8, 0x80, 0x40, 0xC0] {
            let junk: Vec<u8> = (0..200u32).map(|i| (i * 31 % 256) as u8).collect();
            let tag = id3v2(major, flags, &junk, 0);
            let _ = describe(&tag);
        }
    }
    // A frame claiming more than the tag holds is reported as cut short.
    let mut frame = id3_frame(3, b"TPE1", &id3_text("Jane"));
    frame[4..8].copy_from_slice(&1000u32.to_be_bytes());
    let findings = describe(&id3v2(3, 0, &frame, 0));
    assert!(find(&findings, "Artist").value.contains("cut short"));
}

#[test]
fn version_one_and_ape_tags() {
    let findings = describe_v1(
        &id3v1("Title", "Jane Planted", "2024", "at 59.4370 24.7536"),
        "MP3",
    );
    assert_eq!(find(&findings, "Artist").category, Category::Identity);
    assert_eq!(find(&findings, "Year").category, Category::Time);
    assert!(findings.iter().any(|f| f.category == Category::Location));
    let tag = apev2(&[
        ("Artist", "Jane Planted"),
        ("Year", "2024"),
        ("Comment", "hello there"),
    ]);
    let footer = ApeFooter::parse(tag[tag.len() - 32..].try_into().unwrap()).unwrap();
    assert!(footer.has_header);
    assert_eq!(footer.total(), tag.len() as u64);
    let findings = describe_ape(&tag[32..tag.len() - 32], &footer, "MP3");
    assert_eq!(find(&findings, "'Artist'").category, Category::Identity);
    assert_eq!(find(&findings, "'Year'").category, Category::Time);
    for len in 0..tag.len() - 64 {
        let _ = describe_ape(&tag[32..32 + len], &footer, "MP3");
    }
}
