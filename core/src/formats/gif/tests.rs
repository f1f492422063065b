use super::*;
use crate::Malformation;
use mediascrub_fixtures::gif::{
    application, comment, extension, graphic_control, header, image, netscape_loop, sub_blocks,
    tiny, TRAILER,
};

fn plan(src: &[u8], policy: &Policy) -> Result<crate::Inspection> {
    crate::formats::inspect_for_test(crate::Format::Gif, &src, policy)
}

/// Clean under the default policy; the output must re-parse with only kept
/// findings and hold none of the removed values' needles.
fn clean(input: &[u8]) -> (Vec<u8>, crate::Inspection) {
    crate::formats::clean_for_test(crate::Format::Gif, input)
}

const XMP: &[u8] = br#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description dc:creator="Jane Secret"/></rdf:RDF></x:xmpmeta>"#;

/// An `XMP DataXMP` extension as writers store it: the raw packet, then
/// the 258-byte magic trailer.
fn xmp_extension(packet: &[u8]) -> Vec<u8> {
    let mut out = vec![0x21, 0xFF, 11];
    out.extend_from_slice(b"XMP DataXMP");
    out.extend_from_slice(packet);
    out.push(1);
    out.extend((0..=255u8).rev());
    out.push(0);
    out
}

#[test]
fn removes_metadata_and_keeps_every_frame() {
    let frames = [
        graphic_control(10),
        image(0),
        comment(b"second frame by Jane Secret"),
        graphic_control(20),
        image(1),
    ]
    .concat();
    let blocks = [
        netscape_loop(0),
        comment(b"made by Jane Secret"),
        xmp_extension(XMP),
        application(b"SECRETAPP10", b"app data"),
        extension(0x01, &[&[0; 12], b"plain Secret text"]),
        extension(0x77, &[b"unknown"]),
        frames.clone(),
    ]
    .concat();
    let input = tiny(&blocks, b"TRAILING-SECRET");
    let (out, inspection) = clean(&input);
    let kept_frames = [graphic_control(10), image(0), graphic_control(20), image(1)].concat();
    assert_eq!(out, tiny(&[netscape_loop(0), kept_frames].concat(), b""));
    let has = |category: Category, field: &str| {
        inspection
            .findings
            .iter()
            .any(|f| f.category == category && f.field.contains(field))
    };
    assert!(has(Category::Other, "Comment"));
    assert!(has(Category::Identity, "dc:creator"));
    assert!(has(Category::Other, "Application extension"));
    assert!(has(Category::Other, "Plain text"));
    assert!(has(Category::Other, "Unknown extension"));
    assert!(has(Category::Embedded, "Trailer"));
    assert_eq!(
        inspection
            .findings
            .iter()
            .filter(|f| f.field == "Comment")
            .count(),
        2
    );
}

#[test]
fn looping_extension_is_rebuilt_canonically() {
    let messy = extension(
        0xFF,
        &[b"NETSCAPE2.0", &[1, 5, 0], &[2, 0, 0x10, 0, 0], b"hidden"],
    );
    let (out, inspection) = clean(&tiny(&messy, b""));
    assert_eq!(out, tiny(&netscape_loop(5), b""));
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.location.contains("looping")));
    // Without a loop sub-block it goes entirely.
    let empty = extension(0xFF, &[b"ANIMEXTS1.0", &[2, 0, 0, 0, 0]]);
    let (out, _) = clean(&tiny(&empty, b""));
    assert_eq!(out, tiny(&[], b""));
}

#[test]
fn icc_extension_follows_the_policy() {
    let identifying = crate::metadata::icc::tests::sample_profile();
    let neutral = crate::metadata::icc::neutralise(&identifying, "t")
        .unwrap()
        .bytes;
    let icc = application(b"ICCRGBG1012", &neutral);
    let (out, inspection) = clean(&tiny(&icc, b""));
    assert_eq!(out, tiny(&icc, b""));
    assert!(inspection.findings.iter().any(|f| f.fate == Fate::Kept));
    // An identifying profile comes out neutral, same sub-blocks.
    let (out, inspection) = clean(&tiny(&application(b"ICCRGBG1012", &identifying), b""));
    assert_eq!(out, tiny(&icc, b""));
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.field == "ICC profile description"));
    // A profile that is not one is dropped.
    let (out, _) = clean(&tiny(&application(b"ICCRGBG1012", &[9; 600]), b""));
    assert_eq!(out, tiny(&[], b""));
    let input = tiny(&icc, b"");
    let strict = plan(&input, &Policy::keep_nothing()).unwrap();
    assert_eq!(
        strict.plan.to_vec(&input.as_slice()).unwrap(),
        tiny(&[], b"")
    );
}

#[test]
fn graphic_control_must_be_exactly_four_bytes() {
    for bad in [
        extension(0xF9, &[&[0, 10, 0, 0, 0]]),
        extension(0xF9, &[&[0, 10, 0, 0], b"hidden"]),
        extension(0xF9, &[&[0, 10, 0]]),
    ] {
        let err = plan(&tiny(&bad, b""), &Policy::default()).unwrap_err();
        assert_eq!(err.malformation(), Some(Malformation::Unaccounted), "{err}");
    }
}

#[test]
fn missing_trailer_is_added_and_truncation_refused() {
    let mut input = tiny(&graphic_control(5), b"");
    input.pop();
    let (out, _) = clean(&input);
    assert_eq!(out, tiny(&graphic_control(5), b""));
    let full = tiny(
        &[
            comment(b"a comment"),
            graphic_control(5),
            xmp_extension(XMP),
        ]
        .concat(),
        b"",
    );
    let boundaries = [13 + 6, full.len() - 1];
    for len in 0..full.len() {
        let result = plan(&full[..len], &Policy::default());
        match result {
            Ok(_) => assert!(boundaries.contains(&len) || len > 13 + 6, "{len}"),
            Err(err) => assert!(
                matches!(
                    err.malformation(),
                    Some(Malformation::Truncated | Malformation::Overrun | Malformation::Invalid)
                ),
                "{len}: {err}"
            ),
        }
    }
    // A colour table past the end, an unknown introducer, a bad signature.
    let mut h = header(1, 1);
    h.truncate(15);
    assert_eq!(
        plan(&h, &Policy::default()).unwrap_err().malformation(),
        Some(Malformation::Overrun)
    );
    let bad = tiny(&[0x99], b"");
    assert!(plan(&bad, &Policy::default())
        .unwrap_err()
        .to_string()
        .contains("introducer"));
    assert!(plan(b"GIF88a\0\0\0\0\0\0\0;", &Policy::default()).is_err());
}

#[test]
fn image_data_is_walked_not_decoded() {
    let mut big = vec![0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2];
    big.extend(sub_blocks(&[0xAB; 200_000]));
    let input = tiny(&big, b"");
    let (out, _) = clean(&input);
    assert_eq!(out, input);
    let mut bad_code = image(0);
    bad_code[10] = 12;
    assert!(plan(&tiny(&bad_code, b""), &Policy::default()).is_err());
    let _ = TRAILER;
}

#[test]
fn block_count_is_limited() {
    let many: Vec<u8> = (0..50).flat_map(|_| graphic_control(1)).collect();
    let input = tiny(&many, b"");
    let mut limits = crate::Limits::default();
    limits.gif.max_blocks = 20;
    let err = crate::engine::inspect_as(
        crate::Format::Gif,
        &input.as_slice(),
        &Policy::default(),
        &limits,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Limit { .. }), "{err}");
}
