use super::*;
use crate::finding::Fate;
use crate::Malformation;
use mediascrub_fixtures::png::{self as fx, chunk, itxt, text, tiny, ztxt};

fn plan(src: &[u8], policy: &Policy) -> Result<crate::Inspection> {
    crate::formats::inspect_for_test(crate::Format::Png, &src, policy)
}

/// Clean `input` under the default policy, check the output re-parses with
/// only kept findings and holds none of the removed values' needles.
fn clean(input: &[u8]) -> (Vec<u8>, crate::Inspection) {
    crate::formats::clean_for_test(crate::Format::Png, input)
}

/// The chunk types of a PNG, in order.
fn kinds(png: &[u8]) -> Vec<String> {
    let mut pos = 8;
    let mut out = Vec::new();
    while pos + 8 <= png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        out.push(String::from_utf8_lossy(&png[pos + 4..pos + 8]).into_owned());
        pos += 12 + len;
    }
    out
}

/// A big-endian TIFF with IFD0 Make and Orientation.
fn exif_tiff(orientation: u16, make: &str) -> Vec<u8> {
    use mediascrub_fixtures::tiff::{ifd0, tag};
    ifd0(&[(tag::MAKE, make)], Some(orientation))
}

const XMP: &str = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description dc:creator="Jane Secret" exif:GPSLatitude="59,26.2N"/></rdf:RDF></x:xmpmeta>"#;

#[test]
fn removes_metadata_and_keeps_rendering_chunks() {
    let before = [
        chunk(b"gAMA", &45455u32.to_be_bytes()),
        chunk(b"sRGB", &[0]),
        chunk(b"pHYs", &[0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1]),
        chunk(b"bKGD", &[0, 0x80]),
        chunk(b"tIME", &[0x07, 0xE8, 5, 6, 7, 8, 9]),
        text("Author", "Jane Secret"),
        ztxt("Comment", b"owned by Jane Secret"),
        itxt("XML:com.adobe.xmp", XMP),
        chunk(b"eXIf", &exif_tiff(6, "SecretCam")),
        chunk(b"caBX", b"jumbf manifest"),
        chunk(b"vpAg", &[0; 9]),
    ]
    .concat();
    let input = tiny(
        &before,
        &text("Software", "PlantedSoft 9.9"),
        b"TRAILING-SECRET",
    );
    let (out, inspection) = clean(&input);
    assert_eq!(
        kinds(&out),
        ["IHDR", "eXIf", "gAMA", "sRGB", "pHYs", "bKGD", "IDAT", "IEND"]
    );
    for needle in ["Jane Secret", "SecretCam", "PlantedSoft", "TRAILING"] {
        assert!(!out.windows(needle.len()).any(|w| w == needle.as_bytes()));
    }
    let has = |category: Category, field: &str| {
        inspection
            .findings
            .iter()
            .any(|f| f.category == category && f.field.contains(field))
    };
    assert!(has(Category::Time, "Modification time"));
    assert!(has(Category::Identity, "Author"));
    assert!(has(Category::Identity, "dc:creator"));
    assert!(has(Category::Location, "GPS"));
    assert!(has(Category::Device, "Make"));
    assert!(has(Category::Provenance, "C2PA"));
    assert!(has(Category::Embedded, "Trailer"));
    assert!(has(Category::Other, "Unknown chunk"));
    assert!(has(Category::Software, "Software"));
    let orientation = inspection
        .findings
        .iter()
        .find(|f| f.field == "Orientation")
        .unwrap();
    assert_eq!(orientation.fate, Fate::Kept);
}

#[test]
fn orientation_one_or_policy_off_writes_no_exif() {
    let input = tiny(&chunk(b"eXIf", &exif_tiff(1, "SecretCam")), &[], b"");
    let (out, _) = clean(&input);
    assert_eq!(out, tiny(&[], &[], b""));
    let input = tiny(&chunk(b"eXIf", &exif_tiff(6, "SecretCam")), &[], b"");
    let inspection = plan(&input, &Policy::keep_nothing()).unwrap();
    assert_eq!(
        inspection.plan.to_vec(&input.as_slice()).unwrap(),
        tiny(&[], &[], b"")
    );
}

#[test]
fn raw_profiles_are_decoded_and_described() {
    let tiff = exif_tiff(1, "HexCamera");
    let hex: String = [b"Exif\0\0".as_slice(), &tiff]
        .concat()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let body = format!("\nexif\n{:8}\n{hex}\n", tiff.len() + 6);
    let input = tiny(&ztxt("Raw profile type exif", body.as_bytes()), &[], b"");
    let (_, inspection) = clean(&input);
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.category == Category::Device && f.value == "HexCamera"));
}

/// A valid ICC profile with nothing left to neutralise.
fn neutral_profile() -> Vec<u8> {
    let identifying = crate::metadata::icc::tests::sample_profile();
    crate::metadata::icc::neutralise(&identifying, "t")
        .unwrap()
        .bytes
}

fn iccp(name: &[u8], profile: &[u8], extra: &[u8]) -> Vec<u8> {
    let data = [name, &[0, 0], &fx::zlib_stored(profile), extra].concat();
    chunk(b"iCCP", &data)
}

#[test]
fn icc_profile_name_is_neutralised() {
    let profile = neutral_profile();
    let input = tiny(&iccp(b"Jane Secret's monitor", &profile, b""), &[], b"");
    let (out, inspection) = clean(&input);
    assert_eq!(kinds(&out), ["IHDR", "iCCP", "IDAT", "IEND"]);
    let expected = iccp(kept::NEUTRAL_ICC_NAME, &profile, b"");
    assert!(out.windows(expected.len()).any(|w| w == expected));
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.field == "ICC colour profile" && f.fate == Fate::Kept));
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.field == "ICC profile name" && f.fate == Fate::Replaced));
    // An already neutral chunk is rebuilt identically.
    let again = plan(&out, &Policy::default()).unwrap();
    assert_eq!(again.plan.to_vec(&out.as_slice()).unwrap(), out);
    // Policy off: removed.
    let strict = plan(&input, &Policy::keep_nothing()).unwrap();
    assert_eq!(
        strict.plan.to_vec(&input.as_slice()).unwrap(),
        tiny(&[], &[], b"")
    );
}

#[test]
fn icc_profile_hiding_data_is_refused() {
    let input = tiny(
        &iccp(b"ICC Profile", &neutral_profile(), b"hidden"),
        &[],
        b"",
    );
    let err = plan(&input, &Policy::default()).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Unaccounted), "{err}");
    // The profile's header claims 300 bytes but 200 are there.
    let mut profile = 300u32.to_be_bytes().to_vec();
    profile.resize(200, 7);
    let data = [&b"ICC Profile"[..], &[0, 0], &fx::zlib_stored(&profile)].concat();
    let input = tiny(&chunk(b"iCCP", &data), &[], b"");
    let err = plan(&input, &Policy::default()).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Unaccounted), "{err}");
}

#[test]
fn animation_chunks_are_kept() {
    let actl = chunk(b"acTL", &[0, 0, 0, 2, 0, 0, 0, 0]);
    let mut fctl0 = vec![0, 0, 0, 0];
    fctl0.extend_from_slice(&[
        0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 10, 0, 0,
    ]);
    let mut fctl1 = fctl0.clone();
    fctl1[3] = 1;
    let fdat = [&[0, 0, 0, 2][..], &fx::zlib_stored(&[0, 1, 2, 0, 3, 4])].concat();
    let before = [actl, chunk(b"fcTL", &fctl0)].concat();
    let after = [
        chunk(b"fcTL", &fctl1),
        text("Comment", "frame comment"),
        chunk(b"fdAT", &fdat),
    ]
    .concat();
    let input = tiny(&before, &after, b"");
    let (out, _) = clean(&input);
    assert_eq!(
        kinds(&out),
        ["IHDR", "acTL", "fcTL", "IDAT", "fcTL", "fdAT", "IEND"]
    );
    // Without acTL, frame chunks are unknown to decoders and removed.
    let input = tiny(&chunk(b"fcTL", &fctl0), &[], b"");
    let (out, _) = clean(&input);
    assert_eq!(kinds(&out), ["IHDR", "IDAT", "IEND"]);
}

fn refused(input: &[u8]) -> Error {
    plan(input, &Policy::default()).unwrap_err()
}

#[test]
fn bad_crc_in_kept_chunk_is_refused_in_removed_chunk_ignored() {
    let mut gama = chunk(b"gAMA", &45455u32.to_be_bytes());
    let last = gama.len() - 1;
    gama[last] ^= 1;
    let err = refused(&tiny(&gama, &[], b""));
    assert!(err.to_string().contains("bad CRC"), "{err}");
    let mut idat_bad = tiny(&[], &[], b"");
    let iend_at = idat_bad.len() - 12;
    idat_bad[iend_at - 1] ^= 0xFF;
    assert!(refused(&idat_bad).to_string().contains("'IDAT'"));
    let mut comment = text("Comment", "secret text");
    let last = comment.len() - 1;
    comment[last] ^= 1;
    let (out, _) = clean(&tiny(&comment, &[], b""));
    assert_eq!(out, tiny(&[], &[], b""));
}

#[test]
fn unknown_critical_chunk_is_refused() {
    let err = refused(&tiny(&chunk(b"ABCD", b"??"), &[], b""));
    assert!(matches!(err, Error::Unsupported(_)), "{err}");
    assert!(err.to_string().contains("ABCD"));
}

#[test]
fn kept_chunks_of_the_wrong_size_are_refused() {
    for bad in [
        chunk(b"gAMA", &[0, 1, 2, 3, 4]),
        chunk(b"sRGB", &[0, b'x']),
        chunk(b"pHYs", &[0; 10]),
        chunk(b"tRNS", &[0, 0, 0]),
        chunk(b"cHRM", &[0; 33]),
    ] {
        let err = refused(&tiny(&bad, &[], b""));
        assert_eq!(err.malformation(), Some(Malformation::Unaccounted), "{err}");
    }
    let mut input = fx::SIGNATURE.to_vec();
    input.extend_from_slice(&chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0, 9]));
    input.extend_from_slice(&fx::tiny_idat());
    input.extend_from_slice(&fx::iend());
    assert_eq!(
        refused(&input).malformation(),
        Some(Malformation::Unaccounted)
    );
    // Invalid enumerated values.
    assert!(refused(&tiny(&chunk(b"sRGB", &[9]), &[], b""))
        .to_string()
        .contains("invalid"));
}

#[test]
fn order_rules_are_checked() {
    let idat = fx::tiny_idat();
    // IDAT chunks not consecutive.
    let input = tiny(&[], &[text("a", "b"), idat.clone()].concat(), b"");
    assert!(refused(&input).to_string().contains("consecutive"));
    // First chunk not IHDR.
    let mut input = fx::SIGNATURE.to_vec();
    input.extend_from_slice(&chunk(b"gAMA", &[0; 4]));
    input.extend_from_slice(&tiny(&[], &[], b"")[8..]);
    assert!(refused(&input).to_string().contains("not IHDR"));
    // No IDAT before IEND.
    let mut input = fx::SIGNATURE.to_vec();
    input.extend_from_slice(&fx::ihdr(2, 2, 8, 0));
    input.extend_from_slice(&fx::iend());
    assert!(refused(&input).to_string().contains("before any IDAT"));
    // IEND with data.
    let mut input = tiny(&[], &[], b"");
    input.truncate(input.len() - 12);
    input.extend_from_slice(&chunk(b"IEND", b"x"));
    assert!(refused(&input).to_string().contains("IEND"));
    // A palette image without PLTE, and PLTE in a grey image.
    let mut input = fx::SIGNATURE.to_vec();
    input.extend_from_slice(&fx::ihdr(2, 2, 8, 3));
    input.extend_from_slice(&idat);
    input.extend_from_slice(&fx::iend());
    assert!(refused(&input).to_string().contains("PLTE"));
    assert!(refused(&tiny(&chunk(b"PLTE", &[0; 6]), &[], b""))
        .to_string()
        .contains("PLTE"));
    // A rendering chunk after the data is ignored by decoders: removed.
    let (out, _) = clean(&tiny(&[], &chunk(b"gAMA", &[0, 0, 1, 2]), b""));
    assert_eq!(out, tiny(&[], &[], b""));
}

#[test]
fn truncations_and_overruns_are_errors_not_panics() {
    let input = tiny(
        &[
            text("Author", "Jane Secret"),
            iccp(b"x", &neutral_profile(), b""),
            chunk(b"eXIf", &exif_tiff(6, "SecretCam")),
        ]
        .concat(),
        &[],
        b"",
    );
    for len in 0..input.len() {
        let err = refused(&input[..len]);
        assert!(
            matches!(
                err.malformation(),
                Some(Malformation::Truncated | Malformation::Overrun | Malformation::Invalid)
            ),
            "{len}: {err}"
        );
    }
    // A length past the end.
    let mut input = tiny(&[], &[], b"");
    input[8..12].copy_from_slice(&0x7000_0000u32.to_be_bytes());
    assert_eq!(refused(&input).malformation(), Some(Malformation::Overrun));
    // A length over 2^31 - 1.
    input[8..12].copy_from_slice(&0x8000_0000u32.to_be_bytes());
    assert_eq!(refused(&input).malformation(), Some(Malformation::Invalid));
    // Not a chunk type.
    let mut input = tiny(&[], &[], b"");
    input[12] = b'1';
    assert!(refused(&input).to_string().contains("four letters"));
}

#[test]
fn chunk_count_is_limited() {
    let many: Vec<u8> = (0..50).flat_map(|_| chunk(b"teXt", b"")).collect();
    let input = tiny(&many, &[], b"");
    let mut limits = crate::Limits::default();
    limits.png.max_chunks = 20;
    let err = crate::engine::inspect_as(
        crate::Format::Png,
        &input.as_slice(),
        &Policy::default(),
        &limits,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Limit { .. }), "{err}");
}

#[test]
fn compressed_text_is_inflated_within_its_budget() {
    let big = vec![b'A'; 100_000];
    let input = tiny(&ztxt("Comment", &big), &[], b"");
    let mut limits = crate::Limits::default();
    limits.png.max_text_inflated = 1000;
    let inspection = crate::engine::inspect_as(
        crate::Format::Png,
        &input.as_slice(),
        &Policy::default(),
        &limits,
    )
    .unwrap();
    let finding = inspection
        .findings
        .iter()
        .find(|f| f.field.contains("Comment"))
        .unwrap();
    assert!(finding.value.starts_with("AAAA"));
}

#[test]
fn icc_profile_contents_are_neutralised() {
    let identifying = crate::metadata::icc::tests::sample_profile();
    let input = tiny(&iccp(b"ICC Profile", &identifying, b""), &[], b"");
    let (out, inspection) = clean(&input);
    assert_eq!(kinds(&out), ["IHDR", "iCCP", "IDAT", "IEND"]);
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.field == "ICC profile description" && f.value.contains("DELL")));
    // The profile now inflates to the neutral one.
    let again = plan(&out, &Policy::default()).unwrap();
    assert!(
        again.findings.iter().all(|f| !f.is_leak()),
        "{:?}",
        again.findings
    );
    // A profile that is not one is dropped, not copied.
    let mut junk = 200u32.to_be_bytes().to_vec();
    junk.resize(200, 7);
    let junk = tiny(&iccp(b"ICC Profile", &junk, b""), &[], b"");
    let (out, _) = clean(&junk);
    assert_eq!(kinds(&out), ["IHDR", "IDAT", "IEND"]);
}
