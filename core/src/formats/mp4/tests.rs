//! Synthetic files: a video track, a subtitle track carrying positions,
//! user data with a location, in both layouts and fragmented.

use super::layout::free_boxes;
use super::*;
use crate::container::isobmff::Children;
use crate::finding::Fate;
use crate::io::Source;
use crate::limits::Mp4Limits as Limits;
use crate::policy::Policy;

fn plan(src: &dyn Source, policy: &Policy) -> Result<crate::Inspection> {
    crate::formats::inspect_for_test(crate::Format::Mp4, src, policy)
}

/// [`plan`] under lowered MP4 limits.
fn plan_with(src: &dyn Source, policy: &Policy, limits: &Limits) -> Result<crate::Inspection> {
    let all = crate::limits::Limits {
        mp4: *limits,
        ..crate::limits::Limits::default()
    };
    crate::engine::inspect_as(crate::Format::Mp4, src, policy, &all)
}

use mediascrub_fixtures::isobmff::{bx, full_box_header};

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn full(version: u8, flags: u32, rest: &[u8]) -> Vec<u8> {
    [&full_box_header(version, flags)[..], rest].concat()
}

const CREATED: u32 = 3_786_912_000; // 2024-01-01

fn mvhd() -> Vec<u8> {
    let mut rest = Vec::new();
    rest.extend_from_slice(&CREATED.to_be_bytes());
    rest.extend_from_slice(&CREATED.to_be_bytes());
    rest.extend_from_slice(&1000u32.to_be_bytes());
    rest.extend_from_slice(&1000u32.to_be_bytes());
    rest.resize(96, 0);
    bx(b"mvhd", &full(0, 0, &rest))
}

fn tkhd(track_id: u32, rotate90: bool) -> Vec<u8> {
    let mut rest = Vec::new();
    rest.extend_from_slice(&CREATED.to_be_bytes());
    rest.extend_from_slice(&CREATED.to_be_bytes());
    rest.extend_from_slice(&track_id.to_be_bytes());
    rest.extend_from_slice(&[0; 4]);
    rest.extend_from_slice(&1000u32.to_be_bytes());
    rest.extend_from_slice(&[0; 16]);
    let one = 0x10000i32;
    let m: [i32; 9] = if rotate90 {
        [0, one, 0, -one, 0, 0, 0, 0, 0x4000_0000]
    } else {
        [one, 0, 0, 0, one, 0, 0, 0, 0x4000_0000]
    };
    for v in m {
        rest.extend_from_slice(&v.to_be_bytes());
    }
    rest.extend_from_slice(&[0; 8]);
    bx(b"tkhd", &full(0, 3, &rest))
}

fn hdlr(handler: &[u8; 4], name: &str) -> Vec<u8> {
    let mut rest = vec![0; 4];
    rest.extend_from_slice(handler);
    rest.extend_from_slice(&[0; 12]);
    rest.extend_from_slice(name.as_bytes());
    rest.push(0);
    bx(b"hdlr", &full(0, 0, &rest))
}

fn mdhd() -> Vec<u8> {
    let mut rest = Vec::new();
    rest.extend_from_slice(&CREATED.to_be_bytes());
    rest.extend_from_slice(&CREATED.to_be_bytes());
    rest.extend_from_slice(&1000u32.to_be_bytes());
    rest.extend_from_slice(&1000u32.to_be_bytes());
    rest.extend_from_slice(&[0x55, 0xC4, 0, 0]);
    bx(b"mdhd", &full(0, 0, &rest))
}

fn visual_entry() -> Vec<u8> {
    let mut body = vec![0; 6];
    body.extend_from_slice(&1u16.to_be_bytes());
    body.extend_from_slice(&[0; 16]);
    body.extend_from_slice(&64u16.to_be_bytes());
    body.extend_from_slice(&48u16.to_be_bytes());
    body.extend_from_slice(&[0, 0x48, 0, 0, 0, 0x48, 0, 0, 0, 0, 0, 0, 0, 1]);
    let mut name = [0u8; 32];
    name[0] = 11;
    name[1..12].copy_from_slice(b"Secret Cam1");
    body.extend_from_slice(&name);
    body.extend_from_slice(&[0, 24, 0xFF, 0xFF]);
    // Baseline profile, 4-byte lengths, one SPS, no PPS.
    body.extend_from_slice(&bx(
        b"avcC",
        &[1, 0x42, 0, 0x1E, 0xFF, 0xE1, 0, 2, 0x67, 0x42, 0],
    ));
    bx(b"avc1", &body)
}

fn text_entry() -> Vec<u8> {
    let mut body = vec![0; 6];
    body.extend_from_slice(&1u16.to_be_bytes());
    body.extend_from_slice(&[0; 30]);
    bx(b"tx3g", &body)
}

/// Sample tables for `sizes` in one chunk per sample at `offsets`.
fn stbl(entry: &[u8], sizes: &[u32], offsets: &[u32]) -> Vec<u8> {
    let mut stsd = full(0, 0, &1u32.to_be_bytes());
    stsd.extend_from_slice(entry);
    let mut stsz = full(0, 0, &0u32.to_be_bytes());
    stsz.extend_from_slice(&(sizes.len() as u32).to_be_bytes());
    for s in sizes {
        stsz.extend_from_slice(&s.to_be_bytes());
    }
    let mut stsc = full(0, 0, &1u32.to_be_bytes());
    stsc.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    let mut stco = full(0, 0, &(offsets.len() as u32).to_be_bytes());
    for o in offsets {
        stco.extend_from_slice(&o.to_be_bytes());
    }
    let stts = full(0, 0, &[0, 0, 0, 1, 0, 0, 0, sizes.len() as u8, 0, 0, 0, 1]);
    bx(
        b"stbl",
        &cat(&[
            &bx(b"stsd", &stsd),
            &bx(b"stts", &stts),
            &bx(b"stsc", &stsc),
            &bx(b"stsz", &stsz),
            &bx(b"stco", &stco),
        ]),
    )
}

fn trak(track_id: u32, handler: &[u8; 4], entry: &[u8], sizes: &[u32], offsets: &[u32]) -> Vec<u8> {
    let dref = bx(
        b"dref",
        &full(
            0,
            0,
            &cat(&[&1u32.to_be_bytes(), &bx(b"url ", &full(0, 1, &[]))]),
        ),
    );
    let minf = bx(
        b"minf",
        &cat(&[
            &bx(b"vmhd", &full(0, 1, &[0; 8])),
            &bx(b"dinf", &dref),
            &stbl(entry, sizes, offsets),
        ]),
    );
    let mdia = bx(
        b"mdia",
        &cat(&[&mdhd(), &hdlr(handler, "Secret Handler"), &minf]),
    );
    let tref = bx(b"tref", &bx(b"chap", &2u32.to_be_bytes()));
    bx(
        b"trak",
        &cat(&[&tkhd(track_id, track_id == 1), &tref, &mdia]),
    )
}

fn udta() -> Vec<u8> {
    let text = b"+59.4370+024.7536/";
    let mut xyz = (text.len() as u16).to_be_bytes().to_vec();
    xyz.extend_from_slice(&[0x15, 0xC7]);
    xyz.extend_from_slice(text);
    bx(b"udta", &bx(b"\xA9xyz", &xyz))
}

const VIDEO: [&[u8]; 2] = [b"VIDEOSAMPLE-ONE", b"VIDEOSAMPLE-TWO!"];
const GPS_LINE: &[u8] = b"\x00\x1AGPS (24.7536, 59.4370, 19)";

fn moov(video_offsets: [u32; 2], text_offset: u32) -> Vec<u8> {
    moov_as(video_offsets, text_offset, b"text", &text_entry())
}

/// [`moov`] with the second track under `handler` with `entry`.
fn moov_as(video_offsets: [u32; 2], text_offset: u32, handler: &[u8; 4], entry: &[u8]) -> Vec<u8> {
    bx(
        b"moov",
        &cat(&[
            &mvhd(),
            &trak(1, b"vide", &visual_entry(), &[15, 16], &video_offsets),
            &trak(2, handler, entry, &[GPS_LINE.len() as u32], &[text_offset]),
            &udta(),
        ]),
    )
}

fn ftyp() -> Vec<u8> {
    bx(b"ftyp", b"isom\0\0\x02\0isomiso2mp41")
}

/// mdat body: video 1, text, video 2.
fn mdat_body() -> Vec<u8> {
    cat(&[VIDEO[0], GPS_LINE, VIDEO[1]])
}

/// ftyp, moov, free, uuid, mdat.
fn faststart() -> Vec<u8> {
    let ftyp = ftyp();
    let extra = cat(&[&bx(b"free", b"leftover"), &bx(b"uuid", &[7; 20])]);
    let moov_len = moov([0, 0], 0).len();
    let data_at = (ftyp.len() + moov_len + extra.len() + 8) as u32;
    let moov = moov(
        [data_at, data_at + 15 + GPS_LINE.len() as u32],
        data_at + 15,
    );
    cat(&[&ftyp, &moov, &extra, &bx(b"mdat", &mdat_body())])
}

/// ftyp, free, mdat, moov.
fn moov_last() -> Vec<u8> {
    moov_last_as(b"text", &text_entry(), 0)
}

/// [`moov_last`] with the second track under `handler` with `entry`, its
/// chunk offset moved by `shift` bytes.
fn moov_last_as(handler: &[u8; 4], entry: &[u8], shift: i64) -> Vec<u8> {
    let ftyp = ftyp();
    let free = bx(b"free", &[0; 4]);
    let data_at = (ftyp.len() + free.len() + 8) as u32;
    let moov = moov_as(
        [data_at, data_at + 15 + GPS_LINE.len() as u32],
        (i64::from(data_at) + 15 + shift) as u32,
        handler,
        entry,
    );
    cat(&[&ftyp, &free, &bx(b"mdat", &mdat_body()), &moov])
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Read the chunk offsets of track 1 from an output file.
fn video_offsets(file: &[u8]) -> Vec<u64> {
    let at = find(file, b"stco").unwrap();
    let count = u32::from_be_bytes(file[at + 8..at + 12].try_into().unwrap()) as usize;
    (0..count)
        .map(|i| {
            u32::from_be_bytes(file[at + 12 + 4 * i..at + 16 + 4 * i].try_into().unwrap()) as u64
        })
        .collect()
}

fn check_clean(input: &[u8]) -> Vec<u8> {
    let (out, cleaning) = crate::clean_bytes(input, &Policy::default()).unwrap();
    let field = |name: &str| cleaning.findings.iter().find(|f| f.field == name);
    assert_eq!(
        field("GPS coordinates (ISO 6709)").unwrap().fate,
        Fate::Removed
    );
    assert_eq!(field("Movie creation time").unwrap().fate, Fate::Zeroed);
    assert_eq!(field("Compressor name").unwrap().value, "avc1: Secret Cam1");
    assert_eq!(field("Display orientation").unwrap().fate, Fate::Kept);
    let subtitle = field("Subtitle telemetry track").unwrap();
    assert!(subtitle.value.contains("1 samples"), "{}", subtitle.value);
    for secret in [&b"GPS (24.7536"[..], b"+59.4370", b"Secret", b"leftover"] {
        assert!(
            find(&out, secret).is_none(),
            "{:?} survived",
            String::from_utf8_lossy(secret)
        );
    }
    // Video samples are where the rewritten chunk offsets say.
    let offsets = video_offsets(&out);
    assert_eq!(offsets.len(), 2);
    for (offset, sample) in offsets.iter().zip(VIDEO) {
        let at = *offset as usize;
        assert_eq!(&out[at..at + sample.len()], sample);
    }
    // The subtitle track and its reference are gone, the rotation stayed.
    assert!(find(&out, b"tx3g").is_none());
    assert!(find(&out, b"tref").is_none());
    assert!(find(&out, &[0, 1, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0]).is_some());
    // Cleaning the output again finds nothing to do.
    let again = plan(&out, &Policy::default()).unwrap();
    assert!(
        again.findings.iter().all(|f| f.fate == Fate::Kept),
        "{:?}",
        again.findings
    );
    assert_eq!(again.plan.output_len(), out.len() as u64);
    out
}

#[test]
fn faststart_offsets_are_patched() {
    let input = faststart();
    let out = check_clean(&input);
    assert!(out.len() < input.len());
    assert!(find(&out, b"uuid").is_none());
}

#[test]
fn moov_last_is_cleaned_in_place() {
    let input = moov_last();
    let out = check_clean(&input);
    // Nothing moved: the free box before mdat was blanked, the moov padded.
    assert_eq!(out.len(), input.len());
    assert_eq!(video_offsets(&input), video_offsets(&out));
    let inspection = plan(&input, &Policy::default()).unwrap();
    assert!(inspection.plan.is_in_place(input.len() as u64));
    // Only metadata is rewritten: the video samples are copied in place.
    let copied: u64 = inspection
        .plan
        .pieces()
        .iter()
        .filter(|p| matches!(p, crate::Piece::Copy { .. }))
        .map(|p| p.len())
        .sum();
    assert!(copied >= 31, "{copied}");
}

#[test]
fn moov_last_with_uuid_before_mdat_stays_in_place() {
    // A vendor uuid before the media data is blanked, not dropped.
    let input = moov_last();
    let mut with_uuid = ftyp();
    with_uuid.extend_from_slice(&bx(b"uuid", &[9; 24]));
    let rest = &input[ftyp().len()..];
    with_uuid.extend_from_slice(rest);
    // Chunk offsets of the original point 32 bytes too early now: fix them.
    let at = find(&with_uuid, b"stco").unwrap() + 12;
    for i in 0..2 {
        let p = at + 4 * i;
        let v = u32::from_be_bytes(with_uuid[p..p + 4].try_into().unwrap()) + 32;
        with_uuid[p..p + 4].copy_from_slice(&v.to_be_bytes());
    }
    let text_at = find(&with_uuid[at + 8..], b"stco").unwrap() + at + 8 + 12;
    let v = u32::from_be_bytes(with_uuid[text_at..text_at + 4].try_into().unwrap()) + 32;
    with_uuid[text_at..text_at + 4].copy_from_slice(&v.to_be_bytes());
    let out = check_clean(&with_uuid);
    assert_eq!(out.len(), with_uuid.len());
}

#[test]
fn kept_subtitles_stay_unless_they_carry_positions() {
    let policy = Policy {
        keep_subtitles: true,
        ..Policy::default()
    };
    // Positions: still removed.
    let inspection = plan(&faststart(), &policy).unwrap();
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.field == "Subtitle telemetry track"));
    // Plain dialogue: kept.
    let input = faststart();
    let at = find(&input, GPS_LINE).unwrap();
    let mut dialogue = input.clone();
    dialogue[at + 2..at + GPS_LINE.len()].copy_from_slice(b"Hello there, how are you?!");
    let (out, cleaning) = crate::clean_bytes(&dialogue, &policy).unwrap();
    let kept = cleaning
        .findings
        .iter()
        .find(|f| f.field == "Subtitle track")
        .unwrap();
    assert_eq!(kept.fate, Fate::Kept);
    assert!(find(&out, b"Hello there").is_some());
    assert!(find(&out, b"tx3g").is_some());
    // The kept entry keeps its font table and loses anything else.
    let extra = cat(&[
        &bx(b"ftab", &[0, 1, 0, 1, 5, b'S', b'e', b'r', b'i', b'f']),
        &bx(b"uuid", b"PLANTED-TX3G"),
    ]);
    let entry = bx(b"tx3g", &cat(&[&text_entry()[8..], &extra]));
    let mut moved = moov_last_as(b"text", &entry, 0);
    let at = find(&moved, GPS_LINE).unwrap();
    moved[at + 2..at + GPS_LINE.len()].copy_from_slice(b"Hello there, how are you?!");
    let (out, _) = crate::clean_bytes(&moved, &policy).unwrap();
    assert!(find(&out, b"Hello there").is_some());
    assert!(find(&out, b"Serif").is_some());
    assert!(find(&out, b"PLANTED-TX3G").is_none());
}

#[test]
fn trailers_after_the_last_box_are_dropped() {
    for input in [faststart(), moov_last()] {
        let mut with_trailer = input.clone();
        with_trailer.extend_from_slice(
            b"\x00\x00\x01\x0a\x0e\x00\x00\x00Image_UTC_Data1700000000000SEFHxxxxSEFT",
        );
        let out = check_clean(&with_trailer);
        assert!(find(&out, b"SEFT").is_none());
        assert!(find(&out, b"Image_UTC").is_none());
        let (_, cleaning) = crate::clean_bytes(&with_trailer, &Policy::default()).unwrap();
        assert!(cleaning
            .findings
            .iter()
            .any(|f| f.field == "Trailer" && f.value.contains("Samsung")));
    }
}

#[test]
fn truncation_anywhere_is_an_error_not_a_panic() {
    for input in [faststart(), moov_last()] {
        for len in 0..input.len() {
            let cut = &input[..len];
            assert!(
                plan(&cut, &Policy::default()).is_err(),
                "truncated at {len}"
            );
        }
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    for input in [faststart(), moov_last(), fragmented()] {
        for at in 0..input.len() {
            for value in [0x00, 0xFF, 0x7F, 0x01, 0x08] {
                let mut bad = input.clone();
                bad[at] = value;
                if let Ok(inspection) = plan(&bad, &Policy::default()) {
                    // Whatever is accepted yields a plan inside the input.
                    assert!(inspection.plan.check_ranges(bad.len() as u64).is_ok());
                }
            }
        }
    }
}

#[test]
fn compressed_movie_headers_are_refused() {
    let file = cat(&[
        &ftyp(),
        &bx(b"moov", &bx(b"cmov", &[0; 16])),
        &bx(b"mdat", b"x"),
    ]);
    assert!(matches!(
        plan(&file, &Policy::default()),
        Err(Error::Unsupported(_))
    ));
}

#[test]
fn huge_claims_are_errors_not_allocations() {
    // A moov claiming 4 GiB in a tiny file.
    let mut file = ftyp();
    file.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xF0]);
    file.extend_from_slice(b"moov");
    file.extend_from_slice(&[0; 32]);
    assert!(plan(&file, &Policy::default()).is_err());
    // A 64-bit size beyond the end of the file.
    let mut file = ftyp();
    file.extend_from_slice(&1u32.to_be_bytes());
    file.extend_from_slice(b"mdat");
    file.extend_from_slice(&(1u64 << 40).to_be_bytes());
    assert!(plan(&file, &Policy::default()).is_err());
    // A moov above the in-memory limit (claimed, the file really has it).
    let limits = Limits::default();
    let big = vec![0u8; limits.max_moov as usize + 1];
    let file = cat(&[&ftyp(), &bx(b"moov", &big)]);
    assert!(matches!(
        plan(&file, &Policy::default()),
        Err(Error::Limit { .. })
    ));
}

#[test]
fn no_moov_is_refused() {
    let file = cat(&[&ftyp(), &bx(b"mdat", b"data")]);
    assert!(plan(&file, &Policy::default()).is_err());
}

/// moov with trex for tracks 1 and 2, then moof (traf 1 video, traf 2
/// text, default-base-is-moof) + mdat.
fn fragmented() -> Vec<u8> {
    fragmented_with(&[], &[])
}

/// [`fragmented`] with `traf_extra` appended to the video `traf` and
/// `moof_extra` to the `moof`.
fn fragmented_with(traf_extra: &[u8], moof_extra: &[u8]) -> Vec<u8> {
    let trex = |id: u32| {
        let mut rest = id.to_be_bytes().to_vec();
        rest.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        bx(b"trex", &full(0, 0, &rest))
    };
    let moov = bx(
        b"moov",
        &cat(&[
            &mvhd(),
            &trak(1, b"vide", &visual_entry(), &[], &[]),
            &trak(2, b"text", &text_entry(), &[], &[]),
            &bx(b"mvex", &cat(&[&trex(1), &trex(2)])),
            &udta(),
        ]),
    );
    let traf = |id: u32, sizes: &[u32], data_offset: i32| {
        let tfhd = bx(b"tfhd", &full(0, 0x2_0000, &id.to_be_bytes()));
        let mut rest = (sizes.len() as u32).to_be_bytes().to_vec();
        rest.extend_from_slice(&data_offset.to_be_bytes());
        for s in sizes {
            rest.extend_from_slice(&s.to_be_bytes());
        }
        let trun = bx(b"trun", &full(0, 0x201, &rest));
        let extra = if id == 1 { traf_extra } else { &[] };
        bx(b"traf", &cat(&[&tfhd, &trun, extra]))
    };
    let build = |video_at: i32, text_at: i32| {
        bx(
            b"moof",
            &cat(&[
                &bx(b"mfhd", &full(0, 0, &1u32.to_be_bytes())),
                &traf(1, &[15, 16], video_at),
                &traf(2, &[GPS_LINE.len() as u32], text_at),
                moof_extra,
            ]),
        )
    };
    let moof_len = build(0, 0).len() as i32;
    let video_at = moof_len + 8;
    let text_at = video_at + 31;
    // mdat: video 1, video 2, text.
    let mdat = bx(b"mdat", &cat(&[VIDEO[0], VIDEO[1], GPS_LINE]));
    cat(&[&ftyp(), &moov, &build(video_at, text_at), &mdat])
}

#[test]
fn fragments_of_removed_tracks_are_blanked_and_zeroed() {
    let input = fragmented();
    let (out, cleaning) = crate::clean_bytes(&input, &Policy::default()).unwrap();
    assert!(find(&out, b"GPS (24.7536").is_none());
    assert!(find(&out, b"+59.4370").is_none());
    let track = cleaning
        .findings
        .iter()
        .find(|f| f.field.starts_with("Subtitle"))
        .unwrap();
    assert!(track.value.contains("1 samples"), "{}", track.value);
    // The moof kept its size: the video data offsets (relative to the moof)
    // still point at the video samples.
    let moof_at = find(&out, b"moof").unwrap() - 4;
    let trun_at = find(&out, b"trun").unwrap() - 4;
    let data_offset = i32::from_be_bytes(out[trun_at + 16..trun_at + 20].try_into().unwrap());
    let video = moof_at + data_offset as usize;
    assert_eq!(&out[video..video + 15], VIDEO[0]);
    assert_eq!(find(&out, b"trex").map(|_| ()), Some(()));
    assert_eq!(out.windows(4).filter(|w| w == b"trex").count(), 1);
    assert_eq!(out.windows(4).filter(|w| w == b"traf").count(), 1);
    // Cut right after `moov` the file is a valid initialisation segment
    // (zero bytes after it are padding, dropped); anywhere else a cut must
    // be an error.
    let init_len = find(&input, b"moof").unwrap() - 4;
    let is_init = |len: usize| len >= init_len && input[init_len..len].iter().all(|b| *b == 0);
    for len in (0..input.len()).filter(|len| !is_init(*len)) {
        assert!(
            plan(&&input[..len], &Policy::default()).is_err(),
            "truncated at {len}"
        );
    }
}

#[test]
fn rewritten_fragments_held_in_memory_are_limited() {
    // Every moof of this file is rewritten (a removed track's fragment is
    // blanked); a file of thousands of 16 MiB moofs must not be held whole.
    let input = fragmented();
    let moof_len = find(&input, b"mdat").unwrap() - find(&input, b"moof").unwrap();
    let mut limits = Limits {
        max_moofs_held: moof_len as u64 - 1,
        ..Limits::default()
    };
    assert!(matches!(
        plan_with(&input, &Policy::default(), &limits),
        Err(Error::Limit { .. })
    ));
    limits.max_moofs_held = moof_len as u64;
    assert!(plan_with(&input, &Policy::default(), &limits).is_ok());
}

#[test]
fn co64_and_version1_times() {
    // Version 1 mvhd with 64-bit times is zeroed and reported.
    let mut rest = Vec::new();
    rest.extend_from_slice(&u64::from(CREATED).to_be_bytes());
    rest.extend_from_slice(&u64::from(CREATED).to_be_bytes());
    rest.extend_from_slice(&1000u32.to_be_bytes());
    rest.extend_from_slice(&1000u64.to_be_bytes());
    rest.resize(108, 0);
    let mvhd1 = bx(b"mvhd", &full(1, 0, &rest));
    let file = cat(&[&ftyp(), &bx(b"moov", &mvhd1), &bx(b"mdat", b"x")]);
    let (out, cleaning) = crate::clean_bytes(&file, &Policy::default()).unwrap();
    let zeroed_times = cleaning
        .findings
        .iter()
        .filter(|f| f.fate == Fate::Zeroed && f.category == crate::Category::Time);
    assert_eq!(zeroed_times.count(), 2);
    // No track refers to the media data: it is zeroed as a leftover.
    assert!(cleaning
        .findings
        .iter()
        .any(|f| f.field == "Media data referenced by no track"));
    let at = find(&out, b"mvhd").unwrap() + 8;
    assert!(out[at..at + 16].iter().all(|b| *b == 0));
}

/// Insert `child` at the end of the `avc1` entry and fix the sizes of
/// every enclosing box (avc1, stsd, stbl, minf, mdia, trak, moov). Used on
/// moov-last files, whose chunk offsets stay valid.
fn with_entry_child(input: Vec<u8>, child: &[u8]) -> Vec<u8> {
    grow_inside(
        input,
        b"avc1",
        child,
        &[
            b"avc1", b"stsd", b"stbl", b"minf", b"mdia", b"trak", b"moov",
        ],
    )
}

/// Insert `child` at the end of the first box of type `at` and grow every
/// box of `parents` (outermost last) by its size.
fn grow_inside(input: Vec<u8>, at: &[u8; 4], child: &[u8], parents: &[&[u8; 4]]) -> Vec<u8> {
    let start = find(&input, at).unwrap() - 4;
    let size = u32::from_be_bytes(input[start..start + 4].try_into().unwrap()) as usize;
    let mut out = input.clone();
    out.splice(start + size..start + size, child.iter().copied());
    let grow = child.len() as u32;
    for kind in parents {
        let at = find(&out, &kind[..]).unwrap() - 4;
        let size = u32::from_be_bytes(out[at..at + 4].try_into().unwrap()) + grow;
        out[at..at + 4].copy_from_slice(&size.to_be_bytes());
    }
    out
}

#[test]
fn icc_profiles_in_sample_entries_follow_the_policy() {
    // An identifying profile: kept by default but neutralised at the same
    // length; dropped under the strict policy.
    let profile = crate::metadata::icc::tests::sample_profile();
    let colr = bx(b"colr", &cat(&[b"prof", &profile]));
    let input = with_entry_child(moov_last(), &colr);
    assert!(find(&input, b"Jane Planted").is_some());
    let (out, cleaning) = crate::clean_bytes(&input, &Policy::default()).unwrap();
    assert!(find(&out, b"Jane Planted").is_none());
    let at = find(&out, b"colr").unwrap() - 4;
    let size = u32::from_be_bytes(out[at..at + 4].try_into().unwrap()) as usize;
    assert_eq!(size, colr.len(), "the profile keeps its length");
    assert!(cleaning
        .findings
        .iter()
        .any(|f| f.field == "ICC colour profile" && f.fate == Fate::Kept));
    let (out, cleaning) = crate::clean_bytes(&input, &Policy::keep_nothing()).unwrap();
    assert!(find(&out, b"colr").is_none());
    assert!(cleaning
        .findings
        .iter()
        .any(|f| f.field == "ICC colour profile"));
    // A profile that cannot be walked is dropped, never copied.
    let garbage = bx(b"colr", b"profICC-PROFILE-BYTES");
    let input = with_entry_child(moov_last(), &garbage);
    let (out, cleaning) = crate::clean_bytes(&input, &Policy::default()).unwrap();
    assert!(find(&out, b"ICC-PROFILE-BYTES").is_none());
    assert!(cleaning
        .findings
        .iter()
        .any(|f| f.field == "ICC colour profile (unreadable, removed)"));
}

#[test]
fn media_data_no_track_refers_to_is_zeroed() {
    let mut input = moov_last();
    let mdat = find(&input, b"mdat").unwrap() - 4;
    let size = u32::from_be_bytes(input[mdat..mdat + 4].try_into().unwrap()) as usize;
    let leftover = b"LEFTOVER-SECRET-BYTES";
    input.splice(mdat + size..mdat + size, leftover.iter().copied());
    let grown = (size + leftover.len()) as u32;
    input[mdat..mdat + 4].copy_from_slice(&grown.to_be_bytes());
    let out = check_clean(&input);
    assert!(find(&out, b"LEFTOVER").is_none());
    assert_eq!(out.len(), input.len());
}

#[test]
fn moov_padding_is_split_into_boxes_a_reinspection_reads_as_empty() {
    // The moov of a moov-last file shrinks by more than `max_describe` (here
    // lowered to 32 bytes; by default 16 MiB, reached when a removed track
    // had a big sample table): the pad must be several `free` boxes, each
    // small enough to be read and found empty, or verification refuses it.
    let input = moov_last();
    let limits = Limits {
        max_describe: 32,
        ..Limits::default()
    };
    let inspection = plan_with(&input, &Policy::default(), &limits).unwrap();
    let out = inspection.plan.to_vec(&input).unwrap();
    assert_eq!(out.len(), input.len());
    let moov_at = find(&out, b"moov").unwrap() - 4;
    let moov_len = u32::from_be_bytes(out[moov_at..moov_at + 4].try_into().unwrap()) as usize;
    let pad = moov_at + moov_len;
    assert!(
        input.len() - pad > 32,
        "the pad must exceed the lowered limit"
    );
    let again = plan_with(&out, &Policy::default(), &limits).unwrap();
    assert!(
        again
            .findings
            .iter()
            .all(|f| !f.field.starts_with("Padding")),
        "{:?}",
        again.findings
    );
    assert!(out.windows(4).filter(|w| w == b"free").count() > 2);
    for size in [0u64, 8, 9, 15, 16, 17, 40, 41, 47, 48, 1000] {
        let mut plan = Plan::new();
        free_boxes(&mut plan, size, 40);
        assert_eq!(plan.output_len(), if size < 8 { 0 } else { size }, "{size}");
        let bytes = plan.to_vec(&Vec::<u8>::new()).unwrap();
        let boxes: Vec<_> = Children::new(&bytes, 0).collect::<Result<_>>().unwrap();
        assert!(boxes
            .iter()
            .all(|b| b.kind() == *b"free" && b.header.size <= 40));
    }
}

#[test]
fn zeroed_ranges_are_limited() {
    // Leftover bytes between samples: each gap is a zeroed range.
    let mut input = moov_last();
    let mdat = find(&input, b"mdat").unwrap() - 4;
    let size = u32::from_be_bytes(input[mdat..mdat + 4].try_into().unwrap()) as usize;
    input.splice(mdat + size..mdat + size, b"LEFTOVER".iter().copied());
    let grown = (size + 8) as u32;
    input[mdat..mdat + 4].copy_from_slice(&grown.to_be_bytes());
    let mut limits = Limits::default();
    assert!(plan_with(&input, &Policy::default(), &limits).is_ok());
    limits.max_zero_ranges = 0;
    assert!(matches!(
        plan_with(&input, &Policy::default(), &limits),
        Err(Error::Limit { .. })
    ));
}

/// Every planted string must be gone from `out`, and cleaning `out` again
/// must find nothing but what is kept on purpose.
fn assert_clean(out: &[u8], planted: &[&[u8]]) {
    for secret in planted {
        let le: Vec<u8> = secret.iter().flat_map(|b| [*b, 0]).collect();
        let be: Vec<u8> = secret.iter().flat_map(|b| [0, *b]).collect();
        for form in [secret.to_vec(), le, be] {
            assert!(
                find(out, &form).is_none(),
                "{:?} survived",
                String::from_utf8_lossy(secret)
            );
        }
    }
    let again = plan(&out, &Policy::default()).unwrap();
    assert!(
        again.findings.iter().all(|f| f.fate == Fate::Kept),
        "{:?}",
        again.findings
    );
}

#[test]
fn boxes_once_copied_whole_are_walked() {
    let mut input = moov_last();
    // ftyp: a vendor brand.
    let brand = find(&input, b"mp41").unwrap();
    input[brand..brand + 4].copy_from_slice(b"JNPL");
    // mvhd: QuickTime's preview/poster times (ISO pre_defined) and the
    // reserved bytes hold text.
    let mvhd = find(&input, b"mvhd").unwrap() + 4;
    input[mvhd + 26..mvhd + 36].copy_from_slice(b"PLANTED-R1");
    input[mvhd + 72..mvhd + 96].copy_from_slice(b"PLANTED-PREDEFINED-MVHD!");
    let trak_parents: &[&[u8; 4]] = &[b"trak", b"moov"];
    let mdia_parents: &[&[u8; 4]] = &[b"mdia", b"trak", b"moov"];
    let minf_parents: &[&[u8; 4]] = &[b"minf", b"mdia", b"trak", b"moov"];
    let stbl_parents: &[&[u8; 4]] = &[b"stbl", b"minf", b"mdia", b"trak", b"moov"];
    // Sample entry: an XMP-like uuid child and bytes after the children.
    let entry_extra = cat(&[&bx(b"uuid", b"PLANTED-ENTRY-UUID"), b"PLANTED-TAIL"]);
    input = with_entry_child(input, &entry_extra);
    // edts: an unknown child next to elst, and slack after elst's entries.
    let elst = bx(
        b"elst",
        &full(
            0,
            0,
            &cat(&[&1u32.to_be_bytes(), &[0; 12], b"PLANTED-ELST"]),
        ),
    );
    let edts = bx(b"edts", &cat(&[&elst, &bx(b"XMPx", b"PLANTED-EDTS")]));
    input = grow_inside(input, b"trak", &edts, trak_parents);
    // QuickTime track boxes: clipping, preload, aperture with slack.
    let extras = cat(&[
        &bx(b"load", b"PLANTED-LOAD"),
        &bx(b"clip", b"PLANTED-CLIP"),
        &bx(b"tapt", &bx(b"clef", &cat(&[&[0; 12], b"PLANTED-TAPT"]))),
    ]);
    input = grow_inside(input, b"trak", &extras, trak_parents);
    // An unknown reference type.
    input = grow_inside(
        input,
        b"tref",
        &bx(b"zzzz", b"PLANTED-TREF"),
        &[b"tref", b"trak", b"moov"],
    );
    // elng that is not a language tag.
    input = grow_inside(
        input,
        b"mdia",
        &bx(b"elng", &full(0, 0, b"PLANTED ELNG\0")),
        mdia_parents,
    );
    // gmhd with a text child.
    let gmhd = bx(
        b"gmhd",
        &cat(&[&bx(b"gmin", &[0; 16]), &bx(b"text", b"PLANTED-GMHD")]),
    );
    input = grow_inside(input, b"minf", &gmhd, minf_parents);
    // A sample group of an unknown type, and slack after stts's entries.
    let sgpd = bx(
        b"sgpd",
        &full(
            1,
            0,
            &cat(&[b"zzzz", &[0, 0, 0, 0], &1u32.to_be_bytes(), b"PLANTED-SGPD"]),
        ),
    );
    input = grow_inside(input, b"stbl", &sgpd, stbl_parents);
    input = grow_inside(
        input,
        b"stts",
        b"PLANTED-STTS",
        &[b"stts", b"stbl", b"minf", b"mdia", b"trak", b"moov"],
    );
    // moov: DRM system data and an object descriptor.
    let moov_extra = cat(&[&bx(b"pssh", b"PLANTED-PSSH"), &bx(b"iods", b"PLANTED-IODS")]);
    input = grow_inside(input, b"moov", &moov_extra, &[b"moov"]);
    let planted: &[&[u8]] = &[
        b"JNPL",
        b"PLANTED-R1",
        b"PLANTED-PREDEFINED",
        b"PLANTED-ENTRY-UUID",
        b"PLANTED-TAIL",
        b"PLANTED-ELST",
        b"PLANTED-EDTS",
        b"PLANTED-LOAD",
        b"PLANTED-CLIP",
        b"PLANTED-TAPT",
        b"PLANTED-TREF",
        b"PLANTED ELNG",
        b"PLANTED-GMHD",
        b"PLANTED-SGPD",
        b"PLANTED-STTS",
        b"PLANTED-PSSH",
        b"PLANTED-IODS",
    ];
    for secret in planted {
        assert!(find(&input, secret).is_some());
    }
    let (out, _) = crate::clean_bytes(&input, &Policy::default()).unwrap();
    assert_clean(&out, planted);
    // What playback needs stayed: the edit list, the aperture, gmin.
    for kept in [&b"elst"[..], b"clef", b"gmin", b"avcC", b"stts"] {
        assert!(
            find(&out, kept).is_some(),
            "{}",
            String::from_utf8_lossy(kept)
        );
    }
    // Video samples stayed where the chunk offsets say.
    let offsets = video_offsets(&out);
    for (offset, sample) in offsets.iter().zip(VIDEO) {
        let at = *offset as usize;
        assert_eq!(&out[at..at + sample.len()], sample);
    }
}

#[test]
fn telemetry_under_a_media_handler_is_still_telemetry() {
    // Text samples of GPS positions relabelled as sound or video.
    for handler in [b"soun", b"vide"] {
        let input = moov_last_as(handler, &text_entry(), 0);
        let (out, cleaning) = crate::clean_bytes(&input, &Policy::default()).unwrap();
        assert!(find(&out, b"GPS (24.7536").is_none());
        assert!(
            cleaning
                .findings
                .iter()
                .any(|f| f.field == "Subtitle telemetry track" && f.fate == Fate::Removed),
            "{:?}",
            cleaning.findings
        );
        assert_clean(&out, &[b"GPS (24"]);
    }
    // An unknown sample entry under a video handler: removed, samples
    // zeroed.
    let mut entry = text_entry();
    let at = find(&entry, b"tx3g").unwrap();
    entry[at..at + 4].copy_from_slice(b"zzzz");
    let input = moov_last_as(b"vide", &entry, 0);
    let (out, cleaning) = crate::clean_bytes(&input, &Policy::default()).unwrap();
    assert!(find(&out, b"GPS (24.7536").is_none());
    assert!(cleaning
        .findings
        .iter()
        .any(|f| f.value.contains("Unrecognised sample entry 'zzzz'")));
}

#[test]
fn removed_samples_that_are_not_what_their_track_says_are_refused() {
    // The text track's table points two bytes into its sample: its "length"
    // reads "GP", longer than the sample. A table that points at other
    // bytes than the real samples would leave them unzeroed.
    let input = moov_last_as(b"text", &text_entry(), 2);
    let err = crate::clean_bytes(&input, &Policy::default()).unwrap_err();
    assert!(err.to_string().contains("removed track"), "{err}");
    // A GPMF track whose table points at bytes that are no `DEVC`
    // container, and a CAMM track whose samples have no valid type.
    for format in [b"gpmd", b"camm"] {
        let entry = bx(format, &[0, 0, 0, 0, 0, 0, 0, 1]);
        let input = moov_last_as(b"meta", &entry, 0);
        let err = crate::clean_bytes(&input, &Policy::default()).unwrap_err();
        assert!(err.to_string().contains("removed track"), "{err}");
    }
    // The honest file is cleaned.
    assert!(crate::clean_bytes(&moov_last(), &Policy::default()).is_ok());
}

#[test]
fn fragment_gaps_and_unknown_fragment_boxes_are_blanked() {
    let traf_extra = bx(b"zzzz", b"PLANTED-TRAF");
    let moof_extra = cat(&[
        &bx(b"uuid", b"PLANTED-MOOF-UUID"),
        &bx(b"pssh", b"PLANTED-PSSH"),
    ]);
    let input = fragmented_with(&traf_extra, &moof_extra);
    // Bytes in mdat no trun refers to.
    let input = grow_inside(input, b"mdat", b"PLANTED-GAP-IN-MDAT", &[b"mdat"]);
    let (out, cleaning) = crate::clean_bytes(&input, &Policy::default()).unwrap();
    assert!(cleaning
        .findings
        .iter()
        .any(|f| f.field == "Media data referenced by no track"));
    assert_clean(
        &out,
        &[
            b"PLANTED-TRAF",
            b"PLANTED-MOOF",
            b"PLANTED-PSSH",
            b"PLANTED-GAP",
            b"GPS (24",
        ],
    );
    // The video samples are untouched.
    assert!(find(&out, VIDEO[0]).is_some() && find(&out, VIDEO[1]).is_some());
}

#[test]
fn decoder_configurations_are_kept_to_their_structure() {
    // hvcC: a VPS array is kept, a prefix-SEI array (x265 writes its
    // settings there) is dropped, bytes after the arrays too.
    let mut hvcc = vec![1u8];
    hvcc.extend_from_slice(&[0; 21]);
    hvcc.push(2); // two arrays
    hvcc.extend_from_slice(&[0x20, 0, 1, 0, 3, 0x40, 0x01, 0x0C]); // VPS
    let sei = b"\x4e\x01x265 PLANTED-SEI";
    hvcc.extend_from_slice(&[0x27, 0, 1, 0, sei.len() as u8]);
    hvcc.extend_from_slice(sei);
    hvcc.extend_from_slice(b"PLANTED-HVCC-TAIL");
    let input = with_entry_child(moov_last(), &bx(b"hvcC", &hvcc));
    let (out, cleaning) = crate::clean_bytes(&input, &Policy::default()).unwrap();
    assert!(cleaning
        .findings
        .iter()
        .any(|f| f.field == "SEI or other NAL units in the decoder configuration"));
    assert_clean(&out, &[b"PLANTED-SEI", b"PLANTED-HVCC-TAIL"]);
    let at = find(&out, b"hvcC").unwrap();
    assert_eq!(
        &out[at + 4 + 22..at + 4 + 31],
        &[1, 0x20, 0, 1, 0, 3, 0x40, 0x01, 0x0C]
    );
    // avcC: an SEI among the parameter sets is refused; slack is dropped.
    let mut avcc = vec![1, 0x42, 0, 0x1E, 0xFF, 0xE1, 0, 2, 0x06, 0x05, 0];
    let input = with_entry_child(moov_last(), &bx(b"avcC", &avcc));
    assert!(crate::clean_bytes(&input, &Policy::default()).is_err());
    avcc[8] = 0x67;
    avcc.extend_from_slice(b"PLANTED-AVCC-TAIL");
    let input = with_entry_child(moov_last(), &bx(b"avcC", &avcc));
    let (out, _) = crate::clean_bytes(&input, &Policy::default()).unwrap();
    assert_clean(&out, &[b"PLANTED-AVCC-TAIL"]);
}

#[test]
fn motion_jpeg_frames_are_blanked_in_place_within_limits() {
    let input = include_bytes!("../../../../samples/mjpeg-frames.mov");
    let (out, cleaning) = crate::clean_bytes(input, &Policy::default()).unwrap();
    // Every frame kept its size and place: the output is as long, and only
    // bytes inside the frames changed besides `moov`.
    assert_eq!(out.len(), input.len());
    assert!(cleaning
        .findings
        .iter()
        .any(|f| f.field == "Metadata inside Motion JPEG frames" && f.value.contains("2 frame")));
    assert_clean(&out, &[b"Jane Planted", b"MSCRUB-SN-0042"]);
    // Samples walked one by one are limited, all tracks together.
    let limits = Limits {
        max_samples_walked: 1,
        ..Limits::default()
    };
    assert!(matches!(
        plan_with(&&input[..], &Policy::default(), &limits),
        Err(Error::Limit { .. })
    ));
    // So are the in-place edits held in memory.
    let all = crate::limits::Limits {
        max_overwrites: 1,
        ..crate::limits::Limits::default()
    };
    assert!(matches!(
        crate::engine::inspect_as(crate::Format::Mp4, &&input[..], &Policy::default(), &all),
        Err(Error::Limit { .. })
    ));
}

#[test]
fn fragments_of_undeclared_tracks_are_removed() {
    // The text fragment claims track 9, which `moov` does not declare.
    let mut input = fragmented();
    let second_tfhd = input
        .windows(4)
        .enumerate()
        .filter(|(_, w)| w == b"tfhd")
        .nth(1)
        .unwrap()
        .0;
    input[second_tfhd + 8..second_tfhd + 12].copy_from_slice(&9u32.to_be_bytes());
    let (out, cleaning) = crate::clean_bytes(&input, &Policy::default()).unwrap();
    assert!(cleaning.findings.iter().any(|f| f
        .value
        .contains("Fragments of a track the movie does not declare")));
    assert_clean(&out, &[b"GPS (24"]);
    assert!(find(&out, VIDEO[0]).is_some());
}
