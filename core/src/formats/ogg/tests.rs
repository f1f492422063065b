use super::*;
use crate::policy::Policy;
use crate::{Format, Malformation};
use mediascrub_fixtures::audio::{ogg_crc, ogg_lacing, ogg_opus, ogg_page, vorbis_comment};

fn plan(src: &[u8]) -> Result<crate::Inspection> {
    crate::formats::inspect_for_test(Format::Ogg, &src, &Policy::default())
}

fn clean(input: &[u8]) -> (Vec<u8>, crate::Inspection) {
    crate::formats::clean_for_test(Format::Ogg, input)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every page of `file`: (offset, length), each CRC checked.
fn pages(file: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < file.len() {
        assert_eq!(&file[pos..pos + 4], b"OggS");
        let segments = file[pos + 26] as usize;
        let data: usize = file[pos + 27..pos + 27 + segments]
            .iter()
            .map(|v| *v as usize)
            .sum();
        let len = 27 + segments + data;
        let mut page = file[pos..pos + len].to_vec();
        let stored = u32::from_le_bytes(page[22..26].try_into().unwrap());
        page[22..26].fill(0);
        assert_eq!(ogg_crc(&page), stored, "page at {pos}");
        out.push((pos, len));
        pos += len;
    }
    out
}

/// Lay `packets` out in pages of at most 255 segments, continuing packets
/// across pages; the first page gets `first_flags`.
fn paginate(serial: u32, first_seq: u32, first_flags: u8, packets: &[Vec<u8>]) -> Vec<u8> {
    let mut segments: Vec<(u8, Vec<u8>)> = Vec::new();
    for packet in packets {
        let lacing = ogg_lacing(packet.len());
        let mut at = 0;
        for value in lacing {
            segments.push((value, packet[at..at + value as usize].to_vec()));
            at += value as usize;
        }
    }
    let mut out = Vec::new();
    let mut continued = false;
    for (seq, (i, page)) in (first_seq..).zip(segments.chunks(255).enumerate()) {
        let lacing: Vec<u8> = page.iter().map(|(v, _)| *v).collect();
        let data: Vec<u8> = page.iter().flat_map(|(_, d)| d.clone()).collect();
        let mut flags = if continued { CONTINUED } else { 0 };
        if i == 0 {
            flags |= first_flags;
        }
        out.extend(ogg_page(flags, 0, serial, seq, &lacing, &data));
        continued = *lacing.last().unwrap() == 255;
    }
    out
}

fn vorbis_file(comments: &[&str]) -> Vec<u8> {
    let serial = 0x0BAD_CAFE;
    let mut ident = b"\x01vorbis".to_vec();
    ident.extend_from_slice(&[
        0, 0, 0, 0, 1, 0x44, 0xAC, 0, 0, 0, 0, 0, 0, 0xF4, 1, 0, 0, 0, 0, 0, 0xB8, 1,
    ]);
    let mut comment = b"\x03vorbis".to_vec();
    comment.extend_from_slice(&vorbis_comment("Xiph.Org libVorbis I 20200704", comments));
    comment.push(1);
    let setup = b"\x05vorbis setup header bytes".to_vec();
    let mut out = ogg_page(FIRST, 0, serial, 0, &ogg_lacing(ident.len()), &ident);
    out.extend(paginate(serial, 1, 0, &[comment, setup]));
    out.extend(ogg_page(0, 1024, serial, 90, &[5], b"audio"));
    out.extend(ogg_page(LAST, 2048, serial, 91, &[6], b"audio2"));
    out
}

#[test]
fn opus_tags_are_blanked_at_the_same_length() {
    let input = ogg_opus(
        "Lavf59.27.100",
        &[
            "ARTIST=Jane Planted",
            "DATE=2024-05-06",
            "LOCATION=+59.4370+024.7536/",
        ],
    );
    let (out, inspection) = clean(&input);
    assert_eq!(out.len(), input.len());
    assert!(!contains(&out, b"Jane"));
    assert!(!contains(&out, b"Lavf"));
    let before = pages(&input);
    let after = pages(&out);
    assert_eq!(before, after);
    // Only the OpusTags page changed.
    for (i, (at, len)) in before.iter().enumerate() {
        let same = input[*at..at + len] == out[*at..at + len];
        assert_eq!(same, i != 1, "page {i}");
    }
    let has = |category: Category, field: &str| {
        inspection
            .findings
            .iter()
            .any(|f| f.category == category && f.field.contains(field))
    };
    assert!(has(Category::Identity, "ARTIST"));
    assert!(has(Category::Time, "DATE"));
    assert!(has(Category::Location, "LOCATION"));
    assert!(has(Category::Software, "vendor"));
}

#[test]
fn a_vorbis_comment_across_pages_is_blanked_and_the_setup_kept() {
    let cover = format!("METADATA_BLOCK_PICTURE={}", "QUJD".repeat(20_000));
    let input = vorbis_file(&["ARTIST=Jane Planted", &cover]);
    let before = pages(&input);
    assert!(before.len() >= 5, "the comment must span pages");
    let (out, inspection) = clean(&input);
    assert_eq!(pages(&out), before);
    assert!(!contains(&out, b"Jane"));
    assert!(!contains(&out, b"QUJDQUJD"));
    assert!(contains(&out, b"\x05vorbis setup header bytes"));
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.category == Category::Embedded));
}

#[test]
fn other_streams_bad_checksums_and_cuts() {
    // Ogg FLAC is refused by name.
    let flac = ogg_page(FIRST, 0, 1, 0, &[9], b"\x7fFLAC\x01\x00\x00\x01");
    assert!(matches!(plan(&flac), Err(Error::Unsupported(m)) if m.contains("Ogg FLAC")));
    // A bad CRC on the page that would be rewritten.
    let mut input = ogg_opus("v", &["ARTIST=Jane"]);
    let (at, _) = pages(&input)[1];
    input[at + 22] ^= 1;
    assert!(plan(&input).is_err());
    // Junk between pages, and junk after the end of every stream.
    let good = ogg_opus("v", &["ARTIST=Jane"]);
    let (third, _) = pages(&good)[2];
    let junk = [&good[..third], b"JUNKJUNK", &good[third..]].concat();
    assert_eq!(
        plan(&junk).unwrap_err().malformation(),
        Some(Malformation::Invalid)
    );
    let (out, _) = clean(&[&good[..], b"trailing bytes"].concat());
    assert_eq!(out.len(), good.len());
    // A page of a stream that never started.
    let stray = [good.clone(), ogg_page(0, 0, 99, 0, &[1], b"x")].concat();
    assert!(plan(&stray).is_err());
    // Every cut: refused while the headers are incomplete, cleaned after.
    let (tags_at, tags_len) = pages(&good)[1];
    for len in 0..good.len() {
        let result = plan(&good[..len]);
        if len >= tags_at + tags_len {
            assert!(result.is_ok(), "cut at {len}: {:?}", result.err());
        } else {
            assert!(result.is_err(), "cut at {len}");
        }
    }
}
