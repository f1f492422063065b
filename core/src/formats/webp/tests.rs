use super::*;
use crate::finding::Fate;
use crate::io::Source;
use crate::policy::Policy;
use crate::Malformation;
use mediascrub_fixtures::riff::{chunk, riff};
use mediascrub_fixtures::tiff::{ifd0, tag};
use mediascrub_fixtures::webp::{anmf_header, vp8, vp8l, vp8x};

fn plan(src: &dyn Source, policy: &Policy) -> Result<crate::Inspection> {
    crate::formats::inspect_for_test(crate::Format::Webp, src, policy)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

const XMP: &[u8] = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:creator>Alice Example</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>";

fn exif(orientation: Option<u16>) -> Vec<u8> {
    ifd0(
        &[(tag::MAKE, "SecretCam"), (tag::ARTIST, "Alice Example")],
        orientation,
    )
}

/// An extended still image: VP8X, ICCP, ALPH?, VP8, EXIF, XMP, unknown,
/// then `trailer` after the RIFF.
fn extended(exif_body: &[u8], trailer: &[u8]) -> Vec<u8> {
    let mut file = riff(
        b"WEBP",
        &[
            chunk(b"VP8X", &vp8x(0x2C, 16, 8)),
            chunk(b"ICCP", &neutral_icc()),
            chunk(b"VP8 ", &vp8(16, 8, 31)),
            chunk(b"EXIF", exif_body),
            chunk(b"XMP ", XMP),
            chunk(b"PSAI", b"PhotoshopSecretState"),
        ],
    );
    file.extend_from_slice(trailer);
    file
}

#[test]
fn removes_metadata_and_rewrites_sizes_and_flags() {
    let input = extended(&exif(None), b"TRAILER-BYTES");
    let inspection = plan(&input, &Policy::default()).unwrap();
    let out = inspection.plan.to_vec(&input).unwrap();
    let expected = riff(
        b"WEBP",
        &[
            chunk(b"VP8X", &vp8x(0x20, 16, 8)),
            chunk(b"ICCP", &neutral_icc()),
            chunk(b"VP8 ", &vp8(16, 8, 31)),
        ],
    );
    assert_eq!(out, expected);
    for secret in [&b"SecretCam"[..], b"Alice", b"PSAI", b"TRAILER"] {
        assert!(!contains(&out, secret));
    }
    let fields: Vec<&str> = inspection
        .findings
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    for field in ["Trailer", "Unknown chunk", "ICC colour profile"] {
        assert!(fields.contains(&field), "no {field} in {fields:?}");
    }
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.value.contains("Alice Example") && f.fate == Fate::Removed));
    let again = plan(&out, &Policy::default()).unwrap();
    assert!(
        again.findings.iter().all(|f| f.fate == Fate::Kept),
        "{:?}",
        again.findings
    );
}

#[test]
fn exif_with_the_exif_prefix_is_described_too() {
    let body = [&b"Exif\0\0"[..], &exif(None)].concat();
    let inspection = plan(&extended(&body, b""), &Policy::default()).unwrap();
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.value.contains("SecretCam")));
}

#[test]
fn orientation_is_kept_in_a_minimal_exif_chunk() {
    let input = extended(&exif(Some(6)), b"");
    let inspection = plan(&input, &Policy::default()).unwrap();
    let out = inspection.plan.to_vec(&input).unwrap();
    // EXIF flag stays (and ICC), XMP goes.
    assert_eq!(out[20], 0x28);
    let tiff = exif::minimal_orientation_tiff(6);
    assert!(contains(
        &out,
        &[&b"EXIF"[..], &(tiff.len() as u32).to_le_bytes(), &tiff].concat()
    ));
    assert!(!contains(&out, b"SecretCam"));
    let again = plan(&out, &Policy::default()).unwrap();
    assert!(
        again.findings.iter().all(|f| f.fate == Fate::Kept),
        "{:?}",
        again.findings
    );
    // Not kept when the policy drops orientation, nor when it is 1.
    let policy = Policy {
        keep_orientation: false,
        ..Policy::default()
    };
    let out = plan(&input, &policy).unwrap().plan.to_vec(&input).unwrap();
    assert!(!contains(&out, b"EXIF"));
    let input = extended(&exif(Some(1)), b"");
    let out = plan(&input, &Policy::default())
        .unwrap()
        .plan
        .to_vec(&input)
        .unwrap();
    assert!(!contains(&out, b"EXIF"));
}

#[test]
fn icc_goes_when_the_policy_says_so() {
    let input = extended(&exif(None), b"");
    let policy = Policy {
        keep_icc: false,
        ..Policy::default()
    };
    let out = plan(&input, &policy).unwrap().plan.to_vec(&input).unwrap();
    assert!(!contains(&out, b"ICCP"));
    assert_eq!(out[20], 0x00, "ICC, EXIF and XMP flags cleared");
}

#[test]
fn simple_files_keep_only_the_image() {
    for image in [
        chunk(b"VP8 ", &vp8(4, 4, 20)),
        chunk(b"VP8L", &vp8l(4, 4, 7)),
    ] {
        let input = riff(b"WEBP", &[image.clone(), chunk(b"EXIF", &exif(Some(6)))]);
        let inspection = plan(&input, &Policy::default()).unwrap();
        let out = inspection.plan.to_vec(&input).unwrap();
        assert_eq!(out, riff(b"WEBP", &[image]));
        assert!(inspection
            .findings
            .iter()
            .any(|f| f.value.contains("SecretCam")));
    }
}

#[test]
fn pad_bytes_are_written_as_zero() {
    let mut input = riff(b"WEBP", &[chunk(b"VP8L", &vp8l(4, 4, 6))]);
    // Body of 11 bytes: the pad byte is the last one of the file.
    let last = input.len() - 1;
    input[last] = b'X';
    let out = plan(&input, &Policy::default())
        .unwrap()
        .plan
        .to_vec(&input)
        .unwrap();
    assert_eq!(out[last], 0);
}

#[test]
fn animation_frames_lose_unknown_sub_chunks() {
    let frame = [
        anmf_header(0, 0, 4, 4, 100),
        chunk(b"VP8L", &vp8l(4, 4, 3)),
        chunk(b"XYZW", b"frame secret"),
    ]
    .concat();
    let input = riff(
        b"WEBP",
        &[
            chunk(b"VP8X", &vp8x(0x02, 8, 8)),
            chunk(b"ANIM", &[0, 0, 0, 0, 0, 0]),
            chunk(b"ANMF", &frame),
        ],
    );
    let inspection = plan(&input, &Policy::default()).unwrap();
    let out = inspection.plan.to_vec(&input).unwrap();
    let kept = [anmf_header(0, 0, 4, 4, 100), chunk(b"VP8L", &vp8l(4, 4, 3))].concat();
    assert_eq!(
        out,
        riff(
            b"WEBP",
            &[
                chunk(b"VP8X", &vp8x(0x02, 8, 8)),
                chunk(b"ANIM", &[0, 0, 0, 0, 0, 0]),
                chunk(b"ANMF", &kept),
            ]
        )
    );
    // A frame outside the canvas, or frames in a still image, are refused.
    let mut wide = input.clone();
    let at = wide.windows(4).position(|w| w == b"VP8X").unwrap();
    wide[at + 12] = 1; // canvas width 2
    assert!(plan(&wide, &Policy::default()).is_err());
    let mut still = input;
    still[at + 8] = 0;
    assert!(plan(&still, &Policy::default()).is_err());
}

#[test]
fn vp8x_must_be_exact() {
    let good = extended(&exif(None), b"");
    let at = 12;
    // Reserved flag bits.
    for (offset, value) in [(8, 0x2D), (8, 0xAC), (9, 1), (11, 1)] {
        let mut bad = good.clone();
        bad[at + offset] = value;
        let err = plan(&bad, &Policy::default()).unwrap_err();
        assert!(err.to_string().contains("reserved"), "{err}");
    }
    // A canvas that does not match the image.
    let mut bad = good.clone();
    bad[at + 12] = 3;
    assert!(plan(&bad, &Policy::default()).is_err());
    // VP8X of 12 bytes.
    let input = riff(
        b"WEBP",
        &[
            chunk(b"VP8X", &[vp8x(0, 16, 8), vec![0, 0]].concat()),
            chunk(b"VP8 ", &vp8(16, 8, 31)),
        ],
    );
    assert!(plan(&input, &Policy::default()).is_err());
}

#[test]
fn hidden_bytes_are_refused() {
    // Uncompressed alpha with one byte too many.
    let input = riff(
        b"WEBP",
        &[
            chunk(b"VP8X", &vp8x(0x10, 4, 4)),
            chunk(b"ALPH", &[vec![0], vec![0xFF; 17]].concat()),
            chunk(b"VP8 ", &vp8(4, 4, 20)),
        ],
    );
    assert!(plan(&input, &Policy::default()).is_err());
    // A second image no decoder shows.
    let input = riff(
        b"WEBP",
        &[
            chunk(b"VP8X", &vp8x(0, 4, 4)),
            chunk(b"VP8 ", &vp8(4, 4, 20)),
            chunk(b"VP8L", &vp8l(4, 4, 3)),
        ],
    );
    assert!(plan(&input, &Policy::default()).is_err());
    // A first partition longer than the chunk.
    let mut body = vp8(4, 4, 20);
    body[0] = 0xF0;
    body[1] = 0xFF;
    let input = riff(b"WEBP", &[chunk(b"VP8 ", &body)]);
    assert!(plan(&input, &Policy::default()).is_err());
}

#[test]
fn truncations_are_errors_not_panics() {
    let input = extended(&exif(Some(3)), b"");
    for cut in 0..input.len() {
        assert!(
            plan(&&input[..cut], &Policy::default()).is_err(),
            "cut at {cut}"
        );
    }
}

#[test]
fn sizes_past_the_end_are_errors_not_allocations() {
    let mut input = extended(&exif(None), b"");
    let at = input.windows(4).position(|w| w == b"EXIF").unwrap();
    input[at + 4..at + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    let err = plan(&input, &Policy::default()).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Overrun), "{err}");
    let mut input = extended(&exif(None), b"");
    input[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
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
