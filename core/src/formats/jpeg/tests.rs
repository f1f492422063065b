use super::*;
use crate::Malformation;

fn plan(src: &dyn Source, policy: &Policy) -> Result<crate::Inspection> {
    crate::formats::inspect_for_test(crate::Format::Jpeg, src, policy)
}

/// A tiny structurally valid JPEG with the given extra segments after SOI.
fn jpeg_with(extra: &[u8], trailer: &[u8]) -> Vec<u8> {
    let mut f = vec![0xFF, 0xD8];
    f.extend_from_slice(extra);
    // SOF0: 8-bit, 1x1, one component.
    f.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
    // SOS + 3 bytes of entropy data with a stuffed FF00 and an RST.
    f.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0]);
    f.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
    f.extend_from_slice(&[0xFF, 0xD9]);
    f.extend_from_slice(trailer);
    f
}

fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(body);
    s
}

#[test]
fn drops_comment_and_trailer_keeps_scan() {
    let input = jpeg_with(&segment(0xFE, b"secret comment"), b"TRAILER-DATA");
    let inspection = plan(&input, &Policy::default()).unwrap();
    let out = inspection.plan.to_vec(&input).unwrap();
    assert_eq!(out, jpeg_with(&[], b""));
    assert!(inspection.findings.iter().any(|f| f.field == "Comment"));
    assert!(inspection.findings.iter().any(|f| f.field == "Trailer"));
}

#[test]
fn writes_minimal_orientation_after_jfif() {
    let mut tiff = exif::minimal_orientation_tiff(6);
    tiff.splice(0..0, EXIF_SIG.iter().copied());
    let jfif = segment(0xE0, b"JFIF\0\x01\x01\0\0\x48\0\x48\0\0");
    let mut extra = jfif.clone();
    extra.extend_from_slice(&segment(0xE1, &tiff));
    let input = jpeg_with(&extra, b"");
    let inspection = plan(&input, &Policy::default()).unwrap();
    let out = inspection.plan.to_vec(&input).unwrap();
    assert_eq!(&out[2..2 + jfif.len()], jfif.as_slice());
    assert_eq!(&out[2 + jfif.len()..4 + jfif.len()], &[0xFF, 0xE1]);
    let again = plan(&out, &Policy::default()).unwrap();
    assert!(again.findings.iter().all(|f| f.fate == Fate::Kept));
}

#[test]
fn orientation_one_is_not_written() {
    let mut tiff = exif::minimal_orientation_tiff(1);
    tiff.splice(0..0, EXIF_SIG.iter().copied());
    let input = jpeg_with(&segment(0xE1, &tiff), b"");
    let out = plan(&input, &Policy::default())
        .unwrap()
        .plan
        .to_vec(&input)
        .unwrap();
    assert_eq!(out, jpeg_with(&[], b""));
}

#[test]
fn entropy_scan_handles_markers_split_across_chunks() {
    // Place 0xFF at the last byte of the first scan chunk, followed by a
    // stuffed 0x00 (data) or by a fill byte and EOI in the next chunk.
    let header = jpeg_with(&[], b"");
    let prefix_len = 2 + 13 + 10; // SOI + SOF0 + SOS header
    let cases: [(&[u8], &[u8]); 2] = [
        (
            &[0xFF, 0x00, 0x11, 0xFF, 0xD9],
            &[0xFF, 0x00, 0x11, 0xFF, 0xD9],
        ),
        // Fill bytes before a marker carry nothing and are dropped.
        (&[0xFF, 0xFF, 0xD9], &[0xFF, 0xD9]),
    ];
    for (tail, expected_tail) in cases {
        let mut input = header[..prefix_len].to_vec();
        input.extend(std::iter::repeat_n(0x55u8, entropy::SCAN_CHUNK - 1));
        let mut expected = input.clone();
        input.extend_from_slice(tail);
        expected.extend_from_slice(expected_tail);
        let out = plan(&input, &Policy::default())
            .unwrap()
            .plan
            .to_vec(&input)
            .unwrap();
        assert!(
            out == expected,
            "output differs ({} vs {} bytes)",
            out.len(),
            expected.len()
        );
    }
}

#[test]
fn truncations_are_errors_not_panics_and_cut_image_data_is_cleaned() {
    let input = jpeg_with(&segment(0xFE, b"comment"), b"");
    let scan_start = input.windows(2).rposition(|w| w == [0xFF, 0xDA]).unwrap();
    let sos_end = scan_start + 2 + usize::from(input[scan_start + 3]);
    for cut in 0..input.len() - 1 {
        let result = plan(&&input[..cut], &Policy::default());
        if cut < sos_end {
            // Cut before the image data: nothing to show, refused.
            assert!(result.is_err(), "cut at {cut}");
            continue;
        }
        // Cut inside the image data (no EOI): the headers are judged as
        // usual, the data is kept as it is, and the report says so.
        let inspection = result.unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        let out = inspection.plan.to_vec(&&input[..cut]).unwrap();
        assert!(!out.windows(7).any(|w| w == b"comment"), "cut at {cut}");
        assert!(out.ends_with(&input[sos_end..cut]), "cut at {cut}");
        assert!(inspection
            .findings
            .iter()
            .any(|f| f.field == "Image data incomplete" && f.fate == Fate::Kept));
    }
}

#[test]
fn padding_between_segments_is_dropped() {
    let mut input = jpeg_with(&segment(0xFE, b"comment"), b"");
    input.splice(2..2, [0u8; 5]);
    let inspection = plan(&input, &Policy::default()).unwrap();
    assert_eq!(inspection.plan.to_vec(&input).unwrap(), jpeg_with(&[], b""));
    let mut junk = jpeg_with(&[], b"");
    junk.splice(
        2..2,
        vec![0x42u8; JpegLimits::default().max_junk as usize + 1],
    );
    assert!(plan(&junk, &Policy::default()).is_err());
}

#[test]
fn many_tiny_scans_are_linear() {
    // 100k scans of one byte each: each scan used to read (and zero) a
    // 64 KiB buffer, so this took minutes; it must take well under a
    // second per 100k scans even in a debug build.
    let mut input = jpeg_with(&[], b"");
    input.truncate(input.len() - 2);
    for _ in 0..100_000 {
        input.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x42]);
    }
    input.extend_from_slice(&[0xFF, 0xD9]);
    let start = std::time::Instant::now();
    let inspection = plan(&input, &Policy::default()).unwrap();
    assert_eq!(inspection.plan.output_len(), input.len() as u64);
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
}

#[test]
fn long_fill_runs_are_read_in_blocks() {
    // 4 MiB of 0xFF fill before SOF, then again before a missing marker.
    let mut input = vec![0xFF, 0xD8];
    input.extend(std::iter::repeat_n(0xFF, 4 << 20));
    input.extend_from_slice(&jpeg_with(&[], b"")[2..]);
    let out = plan(&input, &Policy::default()).unwrap();
    assert!(out.plan.output_len() < 100);
    let only_fill: Vec<u8> = [&[0xFF, 0xD8][..], &vec![0xFF; 4 << 20]].concat();
    let err = plan(&only_fill, &Policy::default()).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Truncated), "{err}");
    let stuffed = [&[0xFF, 0xD8][..], &[0xFF; 300], &[0x00]].concat();
    let err = plan(&stuffed, &Policy::default()).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Invalid), "{err}");
    assert!(err.to_string().contains("stuffed"), "{err}");
}

#[test]
fn data_hidden_after_kept_tables_is_refused() {
    let mut dqt = vec![0x00];
    dqt.extend_from_slice(&[1; 64]);
    let ok = jpeg_with(&segment(0xDB, &dqt), b"");
    assert!(plan(&ok, &Policy::default()).is_ok());
    let mut dht = vec![0x00];
    let mut counts = [0u8; 16];
    counts[0] = 2;
    dht.extend_from_slice(&counts);
    dht.extend_from_slice(&[0, 1]);
    assert!(plan(&jpeg_with(&segment(0xC4, &dht), b""), &Policy::default()).is_ok());
    for (marker, table) in [(0xDB, dqt), (0xC4, dht), (0xDD, vec![0, 4])] {
        let mut hidden = table.clone();
        hidden.extend_from_slice(b"Jane Planted");
        let input = jpeg_with(&segment(marker, &hidden), b"");
        let err = plan(&input, &Policy::default()).unwrap_err();
        assert!(
            matches!(
                err.malformation(),
                Some(Malformation::Unaccounted | Malformation::Overrun)
            ),
            "{marker:02X}: {err}"
        );
        // Cut short is refused as well.
        let input = jpeg_with(&segment(marker, &table[..table.len() - 1]), b"");
        assert!(plan(&input, &Policy::default()).is_err(), "{marker:02X}");
    }
    // A frame header claiming more components than it holds.
    let mut input = jpeg_with(&[], b"");
    input[2 + 9] = 2; // Nf
    assert!(plan(&input, &Policy::default()).is_err());
}

#[test]
fn adobe_segment_is_trimmed_to_its_structure() {
    let mut adobe = b"Adobe\0d\0\0\0\0\x01".to_vec();
    let exact = jpeg_with(&segment(0xEE, &adobe), b"");
    let out = plan(&exact, &Policy::default())
        .unwrap()
        .plan
        .to_vec(&exact)
        .unwrap();
    assert_eq!(out, exact);
    adobe.extend_from_slice(b"Jane Planted");
    let input = jpeg_with(&segment(0xEE, &adobe), b"");
    let inspection = plan(&input, &Policy::default()).unwrap();
    let out = inspection.plan.to_vec(&input).unwrap();
    assert_eq!(out, exact);
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.location.contains("APP14")));
}

#[test]
fn segment_length_past_end_is_an_error() {
    let mut input = jpeg_with(&[], b"");
    input.splice(2..2, [0xFF, 0xE1, 0xFF, 0xFF, 1, 2, 3]);
    let err = plan(&input, &Policy::default()).unwrap_err();
    assert_eq!(err.malformation(), Some(Malformation::Overrun), "{err}");
}

#[test]
fn icc_profiles_keep_colour_and_lose_identity_across_segments() {
    let profile = crate::metadata::icc::tests::sample_profile();
    let (first, second) = profile.split_at(200);
    let app2 = |seq: u8, data: &[u8]| {
        let mut body = b"ICC_PROFILE\0".to_vec();
        body.extend_from_slice(&[seq, 2]);
        body.extend_from_slice(data);
        segment(0xE2, &body)
    };
    // Written out of order on purpose: the sequence numbers decide.
    let extra = [app2(2, second), app2(1, first)].concat();
    let input = jpeg_with(&extra, b"");
    let inspection = plan(&input, &Policy::default()).unwrap();
    let out = inspection.plan.to_vec(&input).unwrap();
    assert_eq!(out.len(), input.len(), "same segment sizes");
    let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    assert!(has(&input, b"DELL U2312HM"));
    assert!(!has(&out, b"DELL U2312HM"));
    assert!(!has(&out, b"Jane Planted"));
    assert!(has(&out, b"curv"), "colour data kept");
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.field == "ICC profile description" && f.fate == Fate::Zeroed));
    // The output is a fixed point: nothing left to neutralise.
    let again = plan(&out, &Policy::default()).unwrap();
    assert!(
        again.findings.iter().all(|f| !f.is_leak()),
        "{:?}",
        again.findings
    );

    // Chunks that do not form one profile: dropped, not copied.
    let broken = jpeg_with(&app2(2, second), b"");
    let inspection = plan(&broken, &Policy::default()).unwrap();
    let out = inspection.plan.to_vec(&broken).unwrap();
    assert!(!has(&out, b"ICC_PROFILE"));
}

#[test]
fn unused_tables_are_dropped_and_used_ones_kept() {
    // The tiny JPEG's frame uses quantization table 0 and its scan Huffman
    // tables 0/0. Table 3 hides text.
    let mut hidden = vec![0x03];
    let mut values = b"Jane Planted ".repeat(5);
    values.truncate(64);
    hidden.extend_from_slice(&values);
    let mut used = vec![0x00];
    used.extend_from_slice(&[1; 64]);
    let both = [used.clone(), hidden.clone()].concat();
    for extra in [segment(0xDB, &hidden), segment(0xDB, &both)] {
        let input = jpeg_with(&extra, b"");
        let inspection = plan(&input, &Policy::default()).unwrap();
        let out = inspection.plan.to_vec(&input).unwrap();
        assert!(!out.windows(12).any(|w| w == b"Jane Planted"));
        assert!(inspection
            .findings
            .iter()
            .any(|f| f.field == "Unused quantization table"));
        let again = plan(&out, &Policy::default()).unwrap();
        assert!(
            again.findings.iter().all(|f| !f.is_leak()),
            "{:?}",
            again.findings
        );
    }
    // Table 0, used by the frame, stays whole.
    let input = jpeg_with(&segment(0xDB, &both), b"");
    let out = plan(&input, &Policy::default())
        .unwrap()
        .plan
        .to_vec(&input)
        .unwrap();
    assert!(out.windows(65).any(|w| w == used.as_slice()));
}

#[test]
fn arithmetic_and_jpeg_ls_parameters_must_be_what_they_say() {
    for (marker, body) in [
        (0xCC, b"Jane Planted".to_vec()),
        (0xCC, vec![0x00, 0x12]),
        (0xCC, vec![0x10, 0x00]),
        (0xF8, b"\x01Jane Planted".to_vec()),
        (0xF8, b"\x09abc".to_vec()),
    ] {
        let input = jpeg_with(&segment(marker, &body), b"");
        assert!(
            plan(&input, &Policy::default()).is_err(),
            "{marker:02X} {body:?}"
        );
    }
    for (marker, body) in [
        (0xCC, vec![0x00, 0x10, 0x11, 0x05]),
        (0xF8, vec![1, 0, 255, 0, 3, 0, 7, 0, 21, 0, 64]),
    ] {
        let input = jpeg_with(&segment(marker, &body), b"");
        assert!(plan(&input, &Policy::default()).is_ok(), "{marker:02X}");
    }
}

#[test]
fn adobe_flags_are_not_copied() {
    let mut adobe = b"Adobe\x00\x65Jane\x01".to_vec();
    adobe.truncate(12);
    let input = jpeg_with(&segment(0xEE, &adobe), b"");
    let out = plan(&input, &Policy::default())
        .unwrap()
        .plan
        .to_vec(&input)
        .unwrap();
    assert!(!out.windows(4).any(|w| w == b"Jane"));
    assert!(out.windows(12).any(|w| w == b"Adobe\x00\x64\0\0\0\0\x01"));
}
