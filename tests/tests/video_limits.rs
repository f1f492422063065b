//! Explicit limits of the video parsers (docs/SECURITY.md), probed with
//! files built here: each limit is refused with `Error::Limit`, quickly and
//! without the memory the file asks for, while a file just under it passes.

use std::time::{Duration, Instant};

use mediascrub::finding::MAX_FINDINGS;
use mediascrub::{clean_bytes, fuzzing, Error, Format, Policy};
use mediascrub_fixtures::isobmff::bx;
use mediascrub_fixtures::{ebml, isobmff, riff};

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

// Matroska element IDs.
const EBML: u32 = 0x1A45_DFA3;
const DOC_TYPE: u32 = 0x4282;
const SEGMENT: u32 = 0x1853_8067;
const SEEK_HEAD: u32 = 0x114D_9B74;
const SEEK: u32 = 0x4DBB;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_NUMBER: u32 = 0xD7;
const CODEC_ID: u32 = 0x86;
const CODEC_PRIVATE: u32 = 0x63A2;
const TAGS: u32 = 0x1254_C367;
const TAG: u32 = 0x7373;
const SIMPLE_TAG: u32 = 0x67C8;
/// A one-byte ID that no Matroska version defines.
const UNKNOWN: u32 = 0xC0;

/// An element with an 8-byte size, as muxers that patch sizes write it.
fn el(id: u32, body: &[u8]) -> Vec<u8> {
    ebml::element_sized(id, 8, body)
}

fn matroska(segment_body: &[u8]) -> Vec<u8> {
    let header = el(EBML, &ebml::element(DOC_TYPE, b"webm"));
    [header, el(SEGMENT, segment_body)].concat()
}

/// `Tags/Tag` holding `n` empty `SimpleTag`s (3 bytes each, one finding
/// each).
fn matroska_simple_tags(n: usize) -> Vec<u8> {
    let simple = ebml::element(SIMPLE_TAG, &[]).repeat(n);
    let tag = el(TAG, &simple);
    matroska(&el(TAGS, &tag))
}

#[test]
fn matroska_findings_are_limited() {
    assert_limit(Format::Matroska, &matroska_simple_tags(MAX_FINDINGS + 10));
    let fine = plan(Format::Matroska, &matroska_simple_tags(1000)).unwrap();
    assert!(fine.findings.len() >= 1000);
    // Unknown two-byte elements, each removed and reported on its own.
    assert_limit(
        Format::Matroska,
        &matroska(&ebml::element(UNKNOWN, &[]).repeat(MAX_FINDINGS + 10)),
    );
}

#[test]
fn matroska_flac_blocks_are_limited() {
    // A_FLAC CodecPrivate of empty APPLICATION blocks, one finding each.
    let flac = |n: usize| {
        let private = [b"fLaC".to_vec(), [0x02, 0, 0, 0].repeat(n)].concat();
        let entry = [
            el(TRACK_NUMBER, &[1]),
            el(CODEC_ID, b"A_FLAC"),
            el(CODEC_PRIVATE, &private),
        ]
        .concat();
        let tracks = el(TRACKS, &el(TRACK_ENTRY, &entry));
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
        let entries = ebml::element(SEEK, &[]).repeat(n);
        matroska(&el(SEEK_HEAD, &entries))
    };
    assert_limit(Format::Matroska, &seeks((1 << 18) + 10));
    assert!(plan(Format::Matroska, &seeks(1000)).is_ok());
}

#[test]
fn matroska_many_removed_elements_stay_fast() {
    // 60 000 removed elements, each blanked: was quadratic in the edits.
    let file = matroska(&ebml::element(UNKNOWN, &[]).repeat(60_000));
    let start = Instant::now();
    let inspection = plan(Format::Matroska, &file).unwrap();
    assert_eq!(inspection.findings.len(), 60_000);
    assert!(start.elapsed() < Duration::from_secs(10));
}

// --- AVI ------------------------------------------------------------------

#[test]
fn avi_findings_are_limited() {
    let avi = |n: usize| {
        let chunks = vec![riff::chunk(b"zzzz", &[]); n];
        riff::riff(b"AVI ", &chunks)
    };
    assert_limit(Format::Avi, &avi(MAX_FINDINGS + 10));
    assert!(plan(Format::Avi, &avi(1000)).is_ok());
}

// --- MP4 ------------------------------------------------------------------

#[test]
fn mp4_findings_are_limited() {
    let ftyp = isobmff::ftyp(b"isom", &[b"isom"]);
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

/// A full box of version 0 without flags.
fn full_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    isobmff::full_box(kind, 0, 0, body)
}

/// `n` text tracks whose 16 chunks all point at the same 4 KiB of text.
fn mp4_text_tracks(n: u32) -> Vec<u8> {
    let ftyp = isobmff::ftyp(b"isom", &[b"isom"]);
    // One 3GPP timed-text sample: a 16-bit length, then the text.
    let mut text = 4094u16.to_be_bytes().to_vec();
    text.extend(b"abcdef\n".iter().copied().cycle().take(4094));
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
