use super::*;
use crate::finding::Fate;
use crate::policy::Policy;
use crate::Malformation;
use mediascrub_fixtures::isobmff::{bx, ftyp, full_box, heif, ispe, HeifItem};

fn plan(src: &[u8], policy: &Policy) -> Result<crate::Inspection> {
    crate::formats::inspect_for_test(crate::Format::Heif, &src, policy)
}

/// Clean under `policy`; the output must re-parse with only kept findings
/// and hold none of the removed values' needles.
fn clean_with(input: &[u8], policy: &Policy) -> (Vec<u8>, crate::Inspection) {
    let inspection = plan(input, policy).unwrap();
    let out = inspection.plan.to_vec(&input).unwrap();
    let again = plan(&out, policy).unwrap();
    assert!(
        again.findings.iter().all(|f| f.fate == Fate::Kept),
        "{:?}",
        again.findings
    );
    let mut scanner = crate::verify::LeakScanner::new(&inspection.findings);
    scanner.feed(&out);
    scanner.finish().unwrap();
    (out, inspection)
}

fn clean(input: &[u8]) -> (Vec<u8>, crate::Inspection) {
    clean_with(input, &Policy::default())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The bytes of item `id` in a HEIF file, read through its own `iloc`.
fn item_bytes(file: &[u8], id: u32) -> Vec<u8> {
    let limits = HeifLimits::default();
    let meta = Children::new(file, 0)
        .map(|c| c.unwrap())
        .find(|c| c.kind() == *b"meta")
        .unwrap();
    let mut idat = Vec::new();
    let mut iloc = None;
    for child in Children::new(&meta.body[4..], 0) {
        let child = child.unwrap();
        match &child.kind() {
            b"idat" => idat = child.body.to_vec(),
            b"iloc" => iloc = Some(Iloc::parse(child.body, 0, &limits).unwrap()),
            _ => {}
        }
    }
    let loc = iloc
        .unwrap()
        .entries
        .into_iter()
        .find(|e| e.id == id)
        .unwrap();
    let mut out = Vec::new();
    for e in loc.extents {
        let start = (loc.base + e.offset) as usize;
        let src = if loc.method == 1 { &idat } else { file };
        out.extend_from_slice(&src[start..start + e.len as usize]);
    }
    out
}

/// A big-endian TIFF with IFD0 Make and Orientation.
fn exif_tiff(orientation: u16, make: &str) -> Vec<u8> {
    use mediascrub_fixtures::tiff::{ifd0, tag};
    ifd0(&[(tag::MAKE, make)], Some(orientation))
}

/// An Exif item's data: the 4-byte offset to the TIFF header, then it.
fn exif_item(id: u32, make: &str) -> HeifItem {
    let mut data = 0u32.to_be_bytes().to_vec();
    data.extend(exif_tiff(6, make));
    HeifItem::new(id, b"Exif", &data)
}

const XMP: &str = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description dc:creator="Jane Secret"/></rdf:RDF></x:xmpmeta>"#;

fn xmp_item(id: u32) -> HeifItem {
    HeifItem {
        content_type: b"application/rdf+xml".to_vec(),
        ..HeifItem::new(id, b"mime", XMP.as_bytes())
    }
}

/// A minimal `hvcC`: the 22-byte configuration and no arrays.
fn hvcc(tag: u8) -> Vec<u8> {
    let mut body = vec![1u8, tag];
    body.resize(22, 0);
    body.push(0);
    bx(b"hvcC", &body)
}

fn auxc(urn: &str) -> Vec<u8> {
    full_box(b"auxC", 0, 0, &[urn.as_bytes(), &[0]].concat())
}

const PRIMARY: &[u8] = b"PRIMARY-PIXELS-0123456789";

/// A photo with Exif, XMP and a thumbnail, plus `after`.
fn photo(after: &[u8]) -> Vec<u8> {
    let items = [
        HeifItem::new(1, b"hvc1", PRIMARY),
        exif_item(2, "SecretCam"),
        xmp_item(3),
        HeifItem {
            name: b"Thumbnail by SecretApp".to_vec(),
            ..HeifItem::new(4, b"hvc1", b"THUMBNAIL-PIXELS")
        },
    ];
    heif(
        b"heic",
        1,
        &items,
        &[(b"cdsc", 2, &[1]), (b"cdsc", 3, &[1]), (b"thmb", 4, &[1])],
        &[
            hvcc(1),
            ispe(64, 48),
            bx(b"irot", &[1]),
            hvcc(2),
            ispe(8, 6),
            bx(b"free", b"unused property"),
        ],
        &[
            (1, &[(1, true), (2, false), (3, true)]),
            (4, &[(4, true), (5, false)]),
        ],
        after,
    )
}

#[test]
fn removes_metadata_items_and_keeps_the_primary() {
    let after = [
        bx(b"free", &[0; 8]),
        bx(b"uuid", &[[7u8; 16].as_slice(), b"vendor secret"].concat()),
        bx(b"mpvd", b"motion photo video"),
    ]
    .concat();
    let input = photo(&after);
    let (out, inspection) = clean(&input);
    assert_eq!(item_bytes(&out, 1), PRIMARY);
    assert!(out.len() < input.len());
    for secret in [
        b"SecretCam".as_slice(),
        b"Jane Secret",
        b"THUMBNAIL-PIXELS",
        b"SecretApp",
        b"vendor secret",
        b"motion photo",
        b"unused property",
    ] {
        assert!(
            !contains(&out, secret),
            "{}",
            String::from_utf8_lossy(secret)
        );
    }
    let fields: Vec<&str> = inspection
        .findings
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    for field in [
        "Make",
        "dc:creator",
        "Thumbnail image",
        "Motion photo video",
        "Vendor box",
    ] {
        assert!(fields.contains(&field), "{field} not in {fields:?}");
    }
    let orientation = inspection
        .findings
        .iter()
        .find(|f| f.field == "Orientation" && f.fate == Fate::Kept)
        .unwrap();
    assert!(orientation.value.contains("90"), "{orientation:?}");
    // Output meta: one item, three properties renumbered 1..=3.
    let (out2, again) = clean(&out);
    assert_eq!(out2, out, "cleaning is idempotent");
    assert!(again.findings.iter().all(|f| f.fate == Fate::Kept));
}

#[test]
fn grid_tiles_and_idat_descriptor_are_kept_and_other_idat_bytes_zeroed() {
    let grid = HeifItem {
        in_idat: true,
        ..HeifItem::new(1, b"grid", &[0, 0, 0, 1, 0, 64, 0, 32])
    };
    let exif_in_idat = HeifItem {
        in_idat: true,
        ..exif_item(4, "IdatCam")
    };
    let items = [
        grid,
        HeifItem::new(2, b"hvc1", b"TILE-ONE-DATA"),
        HeifItem::new(3, b"hvc1", b"TILE-TWO-DATA"),
        exif_in_idat,
        xmp_item(5),
    ];
    let input = heif(
        b"heic",
        1,
        &items,
        &[
            (b"dimg", 1, &[2, 3]),
            (b"cdsc", 4, &[1]),
            (b"cdsc", 5, &[1]),
        ],
        &[hvcc(1), ispe(32, 32), ispe(64, 32)],
        &[
            (1, &[(3, false)]),
            (2, &[(1, true), (2, false)]),
            (3, &[(1, true), (2, false)]),
        ],
        b"",
    );
    let (out, _) = clean(&input);
    assert_eq!(item_bytes(&out, 1), [0, 0, 0, 1, 0, 64, 0, 32]);
    assert_eq!(item_bytes(&out, 2), b"TILE-ONE-DATA");
    assert_eq!(item_bytes(&out, 3), b"TILE-TWO-DATA");
    assert!(!contains(&out, b"IdatCam"));
    assert!(!contains(&out, b"Jane Secret"));
}

#[test]
fn alpha_is_kept_depth_and_gain_maps_are_removed() {
    let items = [
        HeifItem::new(1, b"hvc1", PRIMARY),
        HeifItem::new(2, b"hvc1", b"ALPHA-PLANE"),
        HeifItem::new(3, b"hvc1", b"DEPTH-MAP-DATA"),
        HeifItem::new(4, b"hvc1", b"GAIN-MAP-DATA"),
    ];
    let input = heif(
        b"heic",
        1,
        &items,
        &[(b"auxl", 2, &[1]), (b"auxl", 3, &[1]), (b"auxl", 4, &[1])],
        &[
            hvcc(1),
            auxc("urn:mpeg:mpegB:cicp:systems:auxiliary:alpha"),
            auxc("urn:mpeg:hevc:2015:auxid:2"),
            auxc("urn:com:apple:photo:2020:aux:hdrgainmap"),
        ],
        &[
            (1, &[(1, true)]),
            (2, &[(1, true), (2, true)]),
            (3, &[(1, true), (3, true)]),
            (4, &[(1, true), (4, true)]),
        ],
        b"",
    );
    let (out, inspection) = clean(&input);
    assert_eq!(item_bytes(&out, 2), b"ALPHA-PLANE");
    assert!(!contains(&out, b"DEPTH-MAP-DATA"));
    assert!(!contains(&out, b"GAIN-MAP-DATA"));
    let fields: Vec<&str> = inspection
        .findings
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert!(fields.contains(&"Depth map"), "{fields:?}");
    assert!(fields.contains(&"HDR gain map"), "{fields:?}");
}

#[test]
fn avif_with_icc_profile_is_neutralised_or_dropped() {
    let profile = crate::metadata::icc::tests::sample_profile();
    let colr = bx(b"colr", &[b"prof".as_slice(), &profile].concat());
    let items = [HeifItem::new(1, b"av01", PRIMARY), exif_item(2, "AvifCam")];
    let av1c = bx(b"av1C", &[0x81, 0, 0x0c, 0, 0x0a, 0x0b]);
    let input = heif(
        b"avif",
        1,
        &items,
        &[(b"cdsc", 2, &[1])],
        &[av1c, ispe(4, 4), colr],
        &[(1, &[(1, true), (2, false), (3, true)])],
        b"",
    );
    let (out, inspection) = clean(&input);
    assert_eq!(item_bytes(&out, 1), PRIMARY);
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.field == "ICC colour profile" && f.fate == Fate::Kept));
    let strict = Policy::keep_nothing();
    let (out, _) = clean_with(&input, &strict);
    assert!(!contains(&out, b"prof"));
    assert_eq!(item_bytes(&out, 1), PRIMARY);
}

#[test]
fn unknown_properties_go_or_refuse_when_essential() {
    let items = [HeifItem::new(1, b"hvc1", PRIMARY)];
    let make = |essential: bool| {
        heif(
            b"heic",
            1,
            &items,
            &[],
            &[hvcc(1), bx(b"zzzz", b"SECRET-PROPERTY")],
            &[(1, &[(1, true), (2, essential)])],
            b"",
        )
    };
    let (out, _) = clean(&make(false));
    assert!(!contains(&out, b"SECRET-PROPERTY"));
    let err = plan(&make(true), &Policy::default()).unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)), "{err}");
}

#[test]
fn trailers_and_appended_video_are_removed() {
    let appended = [ftyp(b"isom", &[b"isom"]), bx(b"mdat", b"VIDEO-FRAMES")].concat();
    let (out, inspection) = clean(&photo(&appended));
    assert!(!contains(&out, b"VIDEO-FRAMES"));
    assert!(inspection.findings.iter().any(|f| f.field == "Trailer"));
    let (out, _) = clean(&photo(b"\x01\x02SEFT junk"));
    assert!(!contains(&out, b"SEFT"));
}

#[test]
fn truncated_files_are_refused_without_panicking() {
    let input = photo(b"");
    for len in 0..input.len() {
        let cut = &input[..len];
        if let Ok(inspection) = plan(cut, &Policy::default()) {
            panic!("a file cut at {len} was accepted: {:?}", inspection.plan);
        }
    }
}

/// Offset of the first `iloc` entry in a file made by [`heif`].
fn iloc_entries_at(file: &[u8]) -> usize {
    let at = file.windows(4).position(|w| w == b"iloc").unwrap() - 4;
    at + 8 + 4 + 2 + 2
}

#[test]
fn construction_method_2_is_refused() {
    let mut input = photo(b"");
    let entry = iloc_entries_at(&input);
    input[entry + 3] = 2;
    let err = plan(&input, &Policy::default()).unwrap_err();
    assert!(
        matches!(err, Error::Unsupported(ref m) if m.contains("method 2")),
        "{err}"
    );
}

#[test]
fn extents_past_the_end_or_shared_with_removed_items_are_refused() {
    let input = photo(b"");
    let entry = iloc_entries_at(&input);
    // Entries are 16 bytes: ID, method, data reference, count, offset, length.
    let mut past = input.clone();
    past[entry + 12..entry + 16].copy_from_slice(&0x00FF_FFFFu32.to_be_bytes());
    let err = plan(&past, &Policy::default()).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Overrun), "{err}");

    let mut shared = input.clone();
    let primary_offset: [u8; 4] = input[entry + 8..entry + 12].try_into().unwrap();
    shared[entry + 16 + 8..entry + 16 + 12].copy_from_slice(&primary_offset);
    let err = plan(&shared, &Policy::default()).unwrap_err();
    assert!(err.to_string().contains("shares bytes"), "{err}");
}

#[test]
fn derivation_loops_are_refused() {
    let items = [
        HeifItem::new(1, b"grid", &[0, 0, 0, 0, 0, 1, 0, 1]),
        HeifItem::new(2, b"iden", b""),
    ];
    let input = heif(
        b"heic",
        1,
        &items,
        &[(b"dimg", 1, &[2]), (b"dimg", 2, &[1])],
        &[],
        &[],
        b"",
    );
    let err = plan(&input, &Policy::default()).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Loop), "{err}");
}

#[test]
fn cr3_and_image_sequences_are_refused() {
    let cr3 = [ftyp(b"crx ", &[b"crx "]), bx(b"moov", &[])].concat();
    let err = plan(&cr3, &Policy::default()).unwrap_err();
    assert!(err.to_string().contains("Canon CR3"), "{err}");
    let sequence = photo(&bx(b"moov", b""));
    let err = plan(&sequence, &Policy::default()).unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)), "{err}");
}

#[test]
fn sniffs_heif_brands() {
    use crate::sniff::sniff_bytes;
    for brand in [b"heic", b"heix", b"mif1", b"mif2", b"avif", b"avis"] {
        let head = ftyp(brand, &[]);
        assert_eq!(sniff_bytes(&head, 100), Some(crate::Format::Heif));
    }
    // A CR3 is its own (refused) format; one that reaches this planner
    // anyway (a compatible brand) is refused here too.
    let cr3 = ftyp(b"crx ", &[]);
    assert_eq!(sniff_bytes(&cr3, 100), Some(crate::Format::Cr3));
}

#[test]
fn offsets_move_through_the_base_or_the_extents() {
    let iloc = Iloc {
        version: 1,
        offset_size: 4,
        length_size: 4,
        base_size: 4,
        index_size: 0,
        entries: Vec::new(),
    };
    let mut loc = Location {
        id: 1,
        method: 0,
        data_reference: 0,
        base: 1000,
        extents: vec![Extent { offset: 10, len: 5 }, Extent { offset: 20, len: 5 }],
    };
    remap(&mut loc, &[-100, -100], &iloc).unwrap();
    assert_eq!(loc.base, 900);
    remap(&mut loc, &[-5, -7], &iloc).unwrap();
    assert_eq!((loc.extents[0].offset, loc.extents[1].offset), (5, 13));
    assert!(remap(&mut loc, &[-2000, -2000], &iloc).is_err());
    // A value too wide for its field is refused when written.
    let wide = Location {
        extents: vec![Extent {
            offset: 1 << 40,
            len: 1,
        }],
        ..loc
    };
    assert!(iloc.write(&[wide], 0).is_err());
}
