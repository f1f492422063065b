//! Explicit limits of the video parsers (docs/SECURITY.md), probed with
//! files built here: each limit is refused with `Error::Limit`, quickly and
//! without the memory the file asks for, while a file just under it passes.

use std::time::{Duration, Instant};

use mediascrub::finding::MAX_FINDINGS;
use mediascrub::{clean_bytes, fuzzing, Error, Format, Policy};

fn plan(format: Format, data: &[u8]) -> mediascrub::Result<mediascrub::Inspection> {
    fuzzing::plan_as(format, &data, &Policy::default())
}

/// Refused with `Error::Limit` within a few seconds (debug build).
fn assert_limit(format: Format, data: &[u8]) {
    let start = Instant::now();
    let result = plan(format, data);
    assert!(
        matches!(result, Err(Error::Limit { .. })),
        "{format}: {:?}",
        result.map(|i| i.findings.len())
    );
    assert!(start.elapsed() < Duration::from_secs(10));
}

// --- Matroska -------------------------------------------------------------

/// An element with an 8-byte size.
fn ebml(id: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = id.to_vec();
    out.push(0x01);
    out.extend_from_slice(&(body.len() as u64).to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

fn matroska(segment_body: &[u8]) -> Vec<u8> {
    let header = ebml(
        &[0x1A, 0x45, 0xDF, 0xA3],
        &[0x42, 0x82, 0x84, b'w', b'e', b'b', b'm'],
    );
    [header, ebml(&[0x18, 0x53, 0x80, 0x67], segment_body)].concat()
}

/// `Tags/Tag` holding `n` empty `SimpleTag`s (3 bytes each, one finding
/// each).
fn matroska_simple_tags(n: usize) -> Vec<u8> {
    let simple = [0x67, 0xC8, 0x80].repeat(n);
    let tag = ebml(&[0x73, 0x73], &simple);
    matroska(&ebml(&[0x12, 0x54, 0xC3, 0x67], &tag))
}

#[test]
fn matroska_findings_are_limited() {
    assert_limit(Format::Matroska, &matroska_simple_tags(MAX_FINDINGS + 10));
    let fine = plan(Format::Matroska, &matroska_simple_tags(1000)).unwrap();
    assert!(fine.findings.len() >= 1000);
    // Unknown two-byte elements, each removed and reported on its own.
    assert_limit(
        Format::Matroska,
        &matroska(&[0xC0, 0x80].repeat(MAX_FINDINGS + 10)),
    );
}

#[test]
fn matroska_flac_blocks_are_limited() {
    // A_FLAC CodecPrivate of empty APPLICATION blocks, one finding each.
    let flac = |n: usize| {
        let private = [b"fLaC".to_vec(), [0x02, 0, 0, 0].repeat(n)].concat();
        let entry = [
            ebml(&[0xD7], &[1]),
            ebml(&[0x86], b"A_FLAC"),
            ebml(&[0x63, 0xA2], &private),
        ]
        .concat();
        let tracks = ebml(&[0x16, 0x54, 0xAE, 0x6B], &ebml(&[0xAE], &entry));
        matroska(&tracks)
    };
    let start = Instant::now();
    assert!(plan(Format::Matroska, &flac(MAX_FINDINGS + 10)).is_err());
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(plan(Format::Matroska, &flac(100)).is_ok());
}

#[test]
fn matroska_overwrites_are_limited() {
    // A SeekHead of empty Seek entries: each is blanked without a finding,
    // so only the limit on overwrites (2^18) bounds them.
    let seeks = |n: usize| {
        let entries = [0x4D, 0xBB, 0x80].repeat(n);
        matroska(&ebml(&[0x11, 0x4D, 0x9B, 0x74], &entries))
    };
    assert_limit(Format::Matroska, &seeks((1 << 18) + 10));
    assert!(plan(Format::Matroska, &seeks(1000)).is_ok());
}

#[test]
fn matroska_many_removed_elements_stay_fast() {
    // 60 000 removed elements, each blanked: was quadratic in the edits.
    let file = matroska(&[0xC0, 0x80].repeat(60_000));
    let start = Instant::now();
    let inspection = plan(Format::Matroska, &file).unwrap();
    assert_eq!(inspection.findings.len(), 60_000);
    assert!(start.elapsed() < Duration::from_secs(10));
}

// --- AVI ------------------------------------------------------------------

fn riff_chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = id.to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    if body.len() % 2 == 1 {
        out.push(0);
    }
    out
}

#[test]
fn avi_findings_are_limited() {
    let avi = |n: usize| {
        let mut body = b"AVI ".to_vec();
        body.extend(riff_chunk(b"zzzz", &[]).repeat(n));
        riff_chunk(b"RIFF", &body)
    };
    assert_limit(Format::Avi, &avi(MAX_FINDINGS + 10));
    assert!(plan(Format::Avi, &avi(1000)).is_ok());
}

// --- MP4 ------------------------------------------------------------------

fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u32 + 8).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

#[test]
fn mp4_findings_are_limited() {
    let ftyp = bx(b"ftyp", b"isom\0\0\0\0isom");
    // A top-level udta of empty unknown atoms: one finding per 8 bytes.
    let udta = |n: usize| bx(b"udta", &bx(b"zzzz", &[]).repeat(n));
    let file = [ftyp.clone(), udta(MAX_FINDINGS + 10)].concat();
    assert_limit(Format::Mp4, &file);
    // Unknown top-level boxes, one finding each.
    let file = [ftyp.clone(), bx(b"zzzz", &[]).repeat(MAX_FINDINGS + 10)].concat();
    assert_limit(Format::Mp4, &file);
    // Unknown boxes inside moov.
    let moov = bx(b"moov", &bx(b"zzzz", &[]).repeat(MAX_FINDINGS + 10));
    assert_limit(Format::Mp4, &[ftyp, moov].concat());
}

fn full_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    bx(kind, &[&[0u8; 4][..], body].concat())
}

/// `n` text tracks whose 16 chunks all point at the same 4 KiB of text.
fn mp4_text_tracks(n: u32) -> Vec<u8> {
    let ftyp = bx(b"ftyp", b"isom\0\0\0\0isom");
    let text: Vec<u8> = b"abcdef\n".iter().copied().cycle().take(4096).collect();
    let text_at = (ftyp.len() + 8) as u32;
    let trak = |id: u32| {
        let be = |v: u32| v.to_be_bytes();
        let stsd = full_box(b"stsd", &[&be(1)[..], &bx(b"tx3g", &[0; 8])].concat());
        let stsz = full_box(b"stsz", &[be(4096), be(16)].concat());
        let stsc = full_box(b"stsc", &[be(1), be(1), be(1), be(1)].concat());
        let stco = full_box(b"stco", &[be(16).to_vec(), be(text_at).repeat(16)].concat());
        let hdlr = full_box(b"hdlr", &[&[0u8; 4][..], b"text", &[0; 13]].concat());
        let tkhd = full_box(b"tkhd", &[&[0u8; 8][..], &be(id), &[0; 68]].concat());
        let stbl = bx(b"stbl", &[stsd, stsz, stsc, stco].concat());
        let mdia = bx(b"mdia", &[hdlr, bx(b"minf", &stbl)].concat());
        bx(b"trak", &[tkhd, mdia].concat())
    };
    let mut moov_body = full_box(b"mvhd", &[0; 96]);
    for id in 1..=n {
        moov_body.extend(trak(id));
    }
    [ftyp, bx(b"mdat", &text), bx(b"moov", &moov_body)].concat()
}

#[test]
fn mp4_text_read_for_needles_is_limited() {
    // 3 000 tracks sharing 4 KiB of text took 1.5 GB of needles and 32 s.
    assert_limit(Format::Mp4, &mp4_text_tracks(100));
    let fine = plan(Format::Mp4, &mp4_text_tracks(60)).unwrap();
    assert!(fine.findings.iter().any(|f| f.field == "Subtitle track"));
}

#[test]
fn mp4_constant_sample_size_count_is_not_iterated() {
    // The regression file, also run by regressions.rs: a constant-size stsz
    // of 2^32 - 1 samples, all in one chunk.
    let file = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("regressions/mp4-stsz-constant-huge.mp4"),
    )
    .unwrap();
    let start = Instant::now();
    assert!(clean_bytes(&file, &Policy::default()).is_err());
    assert!(start.elapsed() < Duration::from_secs(5));
}
