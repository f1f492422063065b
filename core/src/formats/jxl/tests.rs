use super::*;
use crate::finding::Fate;
use crate::io::Source;
use crate::policy::Policy;
use crate::Malformation;
use mediascrub_fixtures::isobmff::{bx, ftyp};
use mediascrub_fixtures::tiff::{ifd0, tag};

fn plan(src: &dyn Source, policy: &Policy) -> Result<crate::Inspection> {
    crate::formats::inspect_for_test(crate::Format::Jxl, src, policy)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

const CODESTREAM: &[u8] = b"\xFF\x0A fake codestream bytes";

fn exif_box() -> Vec<u8> {
    let tiff = ifd0(
        &[(tag::MODEL, "SecretCam"), (tag::ARTIST, "Alice Example")],
        Some(6),
    );
    bx(b"Exif", &[&[0u8, 0, 0, 0][..], &tiff].concat())
}

fn container(boxes: &[Vec<u8>]) -> Vec<u8> {
    let mut out = SIGNATURE.to_vec();
    out.extend_from_slice(&ftyp(b"jxl ", &[b"jxl "]));
    for b in boxes {
        out.extend_from_slice(b);
    }
    out
}

#[test]
fn bare_codestreams_are_copied() {
    let inspection = plan(&CODESTREAM, &Policy::default()).unwrap();
    assert_eq!(inspection.plan.to_vec(&CODESTREAM).unwrap(), CODESTREAM);
    assert!(inspection.findings.is_empty());
}

#[test]
fn metadata_boxes_go_codestream_stays() {
    let input = container(&[
        bx(b"jxll", &[5]),
        exif_box(),
        bx(
            b"xml ",
            b"<x:xmpmeta><dc:creator>Alice Example</dc:creator></x:xmpmeta>",
        ),
        bx(b"jumb", b"c2pa manifest store"),
        bx(b"brob", b"Exif brotli bytes"),
        bx(b"jbrd", b"reconstruction"),
        bx(b"jxlc", CODESTREAM),
        bx(b"abcd", b"unknown secret"),
    ]);
    let inspection = plan(&input, &Policy::default()).unwrap();
    let out = inspection.plan.to_vec(&input).unwrap();
    assert_eq!(
        out,
        container(&[bx(b"jxll", &[5]), bx(b"jxlc", CODESTREAM)])
    );
    let fields: Vec<&str> = inspection
        .findings
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    for field in [
        "JUMBF / C2PA manifest",
        "EXIF (Brotli-compressed)",
        "JPEG reconstruction data",
        "Unknown box",
    ] {
        assert!(fields.contains(&field), "no {field} in {fields:?}");
    }
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.value.contains("SecretCam")));
    let again = plan(&out, &Policy::default()).unwrap();
    assert!(again.findings.iter().all(|f| f.fate == Fate::Kept));
    assert!(!contains(&out, b"Alice"));
}

#[test]
fn partial_codestreams_must_be_in_order_and_complete() {
    let part = |index: u32, data: &[u8]| bx(b"jxlp", &[&index.to_be_bytes()[..], data].concat());
    let good = container(&[part(0, b"\xFF\x0Aab"), exif_box(), part(0x8000_0001, b"cd")]);
    let out = plan(&good, &Policy::default())
        .unwrap()
        .plan
        .to_vec(&good)
        .unwrap();
    assert_eq!(
        out,
        container(&[part(0, b"\xFF\x0Aab"), part(0x8000_0001, b"cd")])
    );
    for bad in [
        container(&[part(0, b"ab")]),
        container(&[part(1, b"ab")]),
        container(&[part(0x8000_0000, b"ab"), part(1, b"cd")]),
        container(&[bx(b"jxlc", CODESTREAM), part(0x8000_0000, b"ab")]),
        container(&[exif_box()]),
        container(&[bx(b"brob", b"jxlc"), bx(b"jxlc", CODESTREAM)]),
        container(&[bx(b"jxll", &[7]), bx(b"jxlc", CODESTREAM)]),
    ] {
        assert!(plan(&bad, &Policy::default()).is_err());
    }
}

#[test]
fn frame_index_is_kept_only_when_exact() {
    // NF=1, TNUM, TDEN, then OFF, T, F.
    let index = [&[1u8][..], &[0, 0, 0, 1, 0, 0, 0, 25], &[0, 1, 1]].concat();
    let input = container(&[bx(b"jxli", &index), bx(b"jxlc", CODESTREAM)]);
    let out = plan(&input, &Policy::default())
        .unwrap()
        .plan
        .to_vec(&input)
        .unwrap();
    assert_eq!(out, input);
    let padded = [&index[..], b"hidden"].concat();
    let input = container(&[bx(b"jxli", &padded), bx(b"jxlc", CODESTREAM)]);
    let out = plan(&input, &Policy::default())
        .unwrap()
        .plan
        .to_vec(&input)
        .unwrap();
    assert!(!contains(&out, b"hidden"));
}

#[test]
fn truncations_and_overruns_are_errors_not_panics() {
    let input = container(&[exif_box(), bx(b"jxlc", CODESTREAM), bx(b"xml ", b"<x/>")]);
    // A cut right after the codestream box leaves a complete file.
    let complete = container(&[exif_box(), bx(b"jxlc", CODESTREAM)]).len();
    for cut in 2..input.len() {
        let result = plan(&&input[..cut], &Policy::default());
        assert_eq!(result.is_ok(), cut == complete, "cut at {cut}");
    }
    let mut input = container(&[exif_box(), bx(b"jxlc", CODESTREAM)]);
    let at = input.windows(4).position(|w| w == b"Exif").unwrap() - 4;
    input[at..at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    let err = plan(&input, &Policy::default()).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Overrun), "{err}");
}
