use super::*;
use crate::finding::Fate;
use crate::io::Source;
use crate::policy::Policy;
use crate::Malformation;
use mediascrub_fixtures::isobmff::{bx, ftyp};
use mediascrub_fixtures::jp2::{codestream, ihdr, segment, signature};
use mediascrub_fixtures::tiff::{ifd0, tag};

fn plan(src: &dyn Source, policy: &Policy) -> Result<crate::Inspection> {
    crate::formats::inspect_for_test(crate::Format::Jp2, src, policy)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

const TILE: &[u8] = b"tile data bytes";
const ENUM_SRGB: &[u8] = &[1, 0, 0, 0, 0, 0, 16];

fn file(header: &[Vec<u8>], ipr: bool, extra: &[Vec<u8>], comment: Option<&[u8]>) -> Vec<u8> {
    let mut jp2h = bx(b"ihdr", &ihdr(4, 4, 3, ipr));
    for b in header {
        jp2h.extend_from_slice(b);
    }
    let mut out = signature();
    out.extend_from_slice(&ftyp(b"jp2 ", &[b"jp2 "]));
    out.extend_from_slice(&bx(b"jp2h", &jp2h));
    for b in extra {
        out.extend_from_slice(b);
    }
    out.extend_from_slice(&bx(b"jp2c", &codestream(4, 4, 3, comment, TILE)));
    out
}

fn metadata_boxes() -> Vec<Vec<u8>> {
    let tiff = ifd0(
        &[(tag::MAKE, "SecretCam"), (tag::ARTIST, "Alice Example")],
        None,
    );
    vec![
        bx(b"uuid", &[&b"JpgTiffExif->JP2"[..], &tiff].concat()),
        bx(
            b"uuid",
            &[
                &UUID_XMP[..],
                b"<x:xmpmeta><dc:creator>Bob Example</dc:creator></x:xmpmeta>",
            ]
            .concat(),
        ),
        bx(b"uuid", &[&UUID_GEOJP2[..], b"geotiff bytes"].concat()),
        bx(
            b"xml ",
            b"<gml:FeatureCollection>52.1 4.3</gml:FeatureCollection>",
        ),
        bx(b"jp2i", b"Copyright Carol Example"),
        bx(
            b"uinf",
            &[
                bx(b"ulst", &[0; 2]),
                bx(b"url ", b"\0\0\0\0https://example.org/secret\0"),
            ]
            .concat(),
        ),
    ]
}

#[test]
fn metadata_boxes_and_comments_go_image_stays() {
    let header = vec![bx(b"colr", ENUM_SRGB), bx(b"zzzz", b"header secret")];
    let input = file(
        &header,
        true,
        &metadata_boxes(),
        Some(b"Created by SecretEncoder 1.0"),
    );
    let inspection = plan(&input, &Policy::default()).unwrap();
    let out = inspection.plan.to_vec(&input).unwrap();
    assert_eq!(out, file(&[bx(b"colr", ENUM_SRGB)], false, &[], None));
    for secret in [
        &b"SecretCam"[..],
        b"Alice",
        b"Bob",
        b"Carol",
        b"secret",
        b"SecretEncoder",
        b"gml",
    ] {
        assert!(
            !contains(&out, secret),
            "{}",
            String::from_utf8_lossy(secret)
        );
    }
    let categories: Vec<Category> = inspection.findings.iter().map(|f| f.category).collect();
    assert!(categories.contains(&Category::Location));
    assert!(categories.contains(&Category::Identity));
    assert!(categories.contains(&Category::Software));
    let again = plan(&out, &Policy::default()).unwrap();
    assert!(
        again.findings.iter().all(|f| f.fate == Fate::Kept),
        "{:?}",
        again.findings
    );
}

#[test]
fn icc_profile_is_kept_or_replaced_by_srgb() {
    let icc = bx(b"colr", &[&[2u8, 0, 0][..], &neutral_icc()].concat());
    let input = file(std::slice::from_ref(&icc), false, &[], None);
    let out = plan(&input, &Policy::default())
        .unwrap()
        .plan
        .to_vec(&input)
        .unwrap();
    assert_eq!(out, input);
    let policy = Policy {
        keep_icc: false,
        ..Policy::default()
    };
    let out = plan(&input, &policy).unwrap().plan.to_vec(&input).unwrap();
    assert_eq!(out, file(&[bx(b"colr", ENUM_SRGB)], false, &[], None));
}

#[test]
fn header_boxes_must_be_exact() {
    for bad in [
        vec![bx(b"colr", &[1, 0, 0, 0, 0, 0, 16, 0])],
        vec![bx(b"colr", &[5, 0, 0, 0])],
        vec![bx(b"cdef", &[0, 1, 0, 0, 0, 0, 0, 1, 9])],
        vec![bx(b"bpcc", &[7, 7, 7])],
        vec![bx(b"pclr", &[0, 2, 1, 7, 1])],
    ] {
        let input = file(&bad, false, &[], None);
        assert!(plan(&input, &Policy::default()).is_err(), "{bad:?}");
    }
    let res = bx(
        b"res ",
        &[
            bx(b"resc", &[0, 1, 0, 1, 0, 1, 0, 1, 0, 0]),
            bx(b"resx", b"x"),
        ]
        .concat(),
    );
    let input = file(&[bx(b"colr", ENUM_SRGB), res], false, &[], None);
    let out = plan(&input, &Policy::default())
        .unwrap()
        .plan
        .to_vec(&input)
        .unwrap();
    assert!(contains(&out, b"resc") && !contains(&out, b"resx"));
}

#[test]
fn codestream_slack_goes_and_unknown_markers_are_refused() {
    let mut input = file(&[bx(b"colr", ENUM_SRGB)], false, &[], None);
    let clean = input.clone();
    // Bytes after EOC inside jp2c.
    let at = input.windows(4).position(|w| w == b"jp2c").unwrap() - 4;
    input.extend_from_slice(b"SLACK!");
    let size = u32::from_be_bytes(input[at..at + 4].try_into().unwrap()) + 6;
    input[at..at + 4].copy_from_slice(&size.to_be_bytes());
    let out = plan(&input, &Policy::default())
        .unwrap()
        .plan
        .to_vec(&input)
        .unwrap();
    assert_eq!(out, clean);
    // An unknown main-header marker.
    let mut cs = codestream(4, 4, 3, None, TILE);
    let sot = cs.windows(2).position(|w| w == [0xFF, 0x90]).unwrap();
    cs.splice(sot..sot, segment(0xFF7F, b"vendor"));
    let mut input = file(&[bx(b"colr", ENUM_SRGB)], false, &[], None);
    input.truncate(at);
    input.extend_from_slice(&bx(b"jp2c", &cs));
    assert!(plan(&input, &Policy::default()).is_err());
}

#[test]
fn tile_part_comments_are_refused() {
    let mut cs = codestream(4, 4, 3, None, TILE);
    let sod = cs.windows(2).position(|w| w == [0xFF, 0x93]).unwrap();
    let com = segment(0xFF64, b"\0\x01tile secret");
    cs.splice(sod..sod, com.clone());
    let sot = cs.windows(2).position(|w| w == [0xFF, 0x90]).unwrap();
    let psot = u32::from_be_bytes(cs[sot + 6..sot + 10].try_into().unwrap()) + com.len() as u32;
    cs[sot + 6..sot + 10].copy_from_slice(&psot.to_be_bytes());
    let mut input = signature();
    input.extend_from_slice(&ftyp(b"jp2 ", &[b"jp2 "]));
    input.extend_from_slice(&bx(
        b"jp2h",
        &[bx(b"ihdr", &ihdr(4, 4, 3, false)), bx(b"colr", ENUM_SRGB)].concat(),
    ));
    input.extend_from_slice(&bx(b"jp2c", &cs));
    let err = plan(&input, &Policy::default()).unwrap_err();
    assert!(err.to_string().contains("tile-part"), "{err}");
}

#[test]
fn truncations_and_overruns_are_errors_not_panics() {
    let input = file(
        &[bx(b"colr", ENUM_SRGB)],
        false,
        &metadata_boxes(),
        Some(b"comment"),
    );
    for cut in 0..input.len() {
        assert!(
            plan(&&input[..cut], &Policy::default()).is_err(),
            "cut at {cut}"
        );
    }
    let mut input = file(&[bx(b"colr", ENUM_SRGB)], false, &metadata_boxes(), None);
    let at = input.windows(4).position(|w| w == b"jp2i").unwrap() - 4;
    input[at..at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    let err = plan(&input, &Policy::default()).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Overrun), "{err}");
}

/// A valid ICC profile with nothing left to neutralise.
fn neutral_icc() -> Vec<u8> {
    let identifying = crate::metadata::icc::tests::sample_profile();
    crate::metadata::icc::neutralise(&identifying, "t")
        .unwrap()
        .bytes
}
