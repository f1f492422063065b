use super::describe::date_utc;
use super::*;
use crate::container::Filler;
use crate::io::Source;
use crate::limits::Limits;
use crate::policy::Policy;
use crate::Inspection;

fn plan(src: &dyn Source, policy: &Policy) -> Result<crate::Inspection> {
    crate::formats::inspect_for_test(crate::Format::Matroska, src, policy)
}
use crate::finding::Fate;

/// An element with a 1-byte size (bodies under 127 bytes) or an 8-byte
/// size.
fn el(id: u32, body: &[u8]) -> Vec<u8> {
    let size_len = if body.len() < 127 { 1 } else { 8 };
    mediascrub_fixtures::ebml::element_sized(id, size_len, body)
}

/// An element of unknown size (8-byte all-ones size).
fn unknown(id: u32, body: &[u8]) -> Vec<u8> {
    mediascrub_fixtures::ebml::unknown_size(id, body)
}

fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

fn ebml_header() -> Vec<u8> {
    el(
        id::EBML,
        &cat(&[el(id::EBML_VERSION, &[1]), el(id::DOC_TYPE, b"webm")]),
    )
}

const CLUSTER_BODY: &[u8] = &[0xE7, 0x81, 0x00, 0xA3, 0x85, 0x81, 0x00, 0x00, 0x80, 0x42];

fn info() -> Vec<u8> {
    el(
        id::INFO,
        &cat(&[
            el(id::CRC32, &[1, 2, 3, 4]),
            el(id::TIMESTAMP_SCALE, &[0x0F, 0x42, 0x40]),
            el(id::MUXING_APP, b"SecretMuxer 1.2.3"),
            el(id::WRITING_APP, b"SecretWriter 4.5.6"),
            el(id::TITLE, b"Holiday at Grandma's"),
            el(
                id::DATE_UTC,
                &[0x05, 0x8B, 0x1C, 0x26, 0x3A, 0x4B, 0x00, 0x00],
            ),
            el(id::SEGMENT_UUID, &[0xAB; 16]),
        ]),
    )
}

fn tracks() -> Vec<u8> {
    el(
        id::TRACKS,
        &el(
            id::TRACK_ENTRY,
            &cat(&[
                el(id::TRACK_NUMBER, &[1]),
                el(
                    id::TRACK_UID,
                    &[0xDE, 0xAD, 0xBE, 0xEF, 0x12, 0x34, 0x56, 0x78],
                ),
                el(id::TRACK_TYPE, &[1]),
                el(id::CODEC_ID, b"V_VP8"),
                el(id::NAME, b"Alice's camera"),
                el(
                    id::VIDEO,
                    &cat(&[
                        el(id::PIXEL_WIDTH, &[2]),
                        el(id::PIXEL_HEIGHT, &[2]),
                        el(0x5A5A, b"??"),
                    ]),
                ),
            ]),
        ),
    )
}

fn tags() -> Vec<u8> {
    el(
        id::TAGS,
        &el(
            id::TAG,
            &el(
                id::SIMPLE_TAG,
                &cat(&[
                    el(id::TAG_NAME, b"ARTIST"),
                    el(id::TAG_STRING, b"Alice Example"),
                ]),
            ),
        ),
    )
}

fn seek_head(tags_position: u8) -> Vec<u8> {
    el(
        id::SEEK_HEAD,
        &cat(&[
            el(
                id::SEEK,
                &cat(&[
                    el(id::SEEK_ID, &[0x15, 0x49, 0xA9, 0x66]),
                    el(id::SEEK_POSITION, &[0]),
                ]),
            ),
            el(
                id::SEEK,
                &cat(&[
                    el(id::SEEK_ID, &[0x12, 0x54, 0xC3, 0x67]),
                    el(id::SEEK_POSITION, &[tags_position]),
                ]),
            ),
        ]),
    )
}

fn sample(segment_of_unknown_size: bool) -> Vec<u8> {
    let body = cat(&[
        seek_head(0x40),
        info(),
        tracks(),
        tags(),
        el(
            id::ATTACHMENTS,
            &el(
                id::ATTACHED_FILE,
                &cat(&[
                    el(id::FILE_NAME, b"cover-alice.jpg"),
                    el(id::FILE_MEDIA_TYPE, b"image/jpeg"),
                    el(id::FILE_DATA, &[0xFF, 0xD8, 0xFF, 0xD9]),
                ]),
            ),
        ),
        el(
            id::CHAPTERS,
            &el(
                id::EDITION_ENTRY,
                &el(
                    id::CHAPTER_ATOM,
                    &el(
                        id::CHAPTER_DISPLAY,
                        &el(id::CHAP_STRING, b"Arrival at the safe house"),
                    ),
                ),
            ),
        ),
        el(0x4F4F, b"unknown level-1 element"),
        if segment_of_unknown_size {
            unknown(id::CLUSTER, CLUSTER_BODY)
        } else {
            el(id::CLUSTER, CLUSTER_BODY)
        },
        el(id::CUES, &[0xBB, 0x80]),
    ]);
    let segment = if segment_of_unknown_size {
        unknown(id::SEGMENT, &body)
    } else {
        el(id::SEGMENT, &body)
    };
    cat(&[ebml_header(), segment])
}

fn clean(input: &[u8]) -> (Vec<u8>, Inspection) {
    let inspection = plan(&input, &Policy::default()).unwrap();
    let out = inspection.plan.to_vec(&input).unwrap();
    (out, inspection)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn blanks_metadata_in_place_and_keeps_media() {
    for unknown_size in [false, true] {
        let input = sample(unknown_size);
        let (out, inspection) = clean(&input);
        assert_eq!(out.len(), input.len());
        assert!(inspection.plan.is_in_place(input.len() as u64));
        for secret in [
            &b"SecretMuxer"[..],
            b"SecretWriter",
            b"Holiday",
            b"Alice",
            b"cover-alice",
            b"safe house",
            b"unknown level-1",
            &[0xAB; 16],
            &[0xDE, 0xAD, 0xBE, 0xEF],
        ] {
            assert!(
                !contains(&out, secret),
                "{:?} survived",
                String::from_utf8_lossy(secret)
            );
        }
        assert!(contains(&out, CLUSTER_BODY), "cluster changed");
        assert!(contains(&out, b"V_VP8"));
        let fields: Vec<&str> = inspection
            .findings
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        for field in [
            "Muxing application",
            "Date (DateUTC)",
            "Title",
            "Tag ARTIST",
            "Attached file",
            "Chapters",
            "Track name",
            "Track UID",
            "Segment UID",
            "Unknown element",
        ] {
            assert!(fields.contains(&field), "no {field} in {fields:?}");
        }
        let date = inspection
            .findings
            .iter()
            .find(|f| f.category == Category::Time)
            .unwrap();
        assert!(date.value.starts_with("20"), "{}", date.value);
        let again = plan(&out, &Policy::default()).unwrap();
        assert!(
            again.findings.iter().all(|f| f.fate == Fate::Kept),
            "{:?}",
            again.findings
        );
        assert_eq!(
            again.plan.to_vec(&out).unwrap(),
            out,
            "cleaning is idempotent"
        );
    }
}

#[test]
fn crc_of_changed_parent_is_voided_and_seek_to_tags_dropped() {
    let input = sample(false);
    let (out, _) = clean(&input);
    assert!(
        !contains(&out, &[0xBF, 0x84, 1, 2, 3, 4]),
        "stale CRC-32 kept"
    );
    // The Seek entry naming Info survives, the one naming Tags does not.
    assert!(contains(&out, &[0x53, 0xAB, 0x84, 0x15, 0x49, 0xA9, 0x66]));
    assert!(!contains(&out, &[0x53, 0xAB, 0x84, 0x12, 0x54, 0xC3, 0x67]));
}

#[test]
fn track_uid_becomes_the_track_number() {
    let (out, _) = clean(&sample(false));
    assert!(contains(&out, &[0x73, 0xC5, 0x88, 0, 0, 0, 0, 0, 0, 0, 1]));
    // The number, not the entry index: removing the subtitle entry in
    // front must not make the re-parse see a different UID.
    let entry = |number: u8, kind: u8, codec: &[u8]| {
        el(
            id::TRACK_ENTRY,
            &cat(&[
                el(id::TRACK_UID, &[0xA5; 8]),
                el(id::TRACK_TYPE, &[kind]),
                el(id::CODEC_ID, codec),
                el(id::TRACK_NUMBER, &[number]),
            ]),
        )
    };
    let tracks = el(
        id::TRACKS,
        &cat(&[entry(3, 0x11, b"S_TEXT/UTF8"), entry(7, 1, b"V_VP8")]),
    );
    let input = cat(&[ebml_header(), el(id::SEGMENT, &tracks)]);
    let (out, _) = clean_with(&input, &Policy::default());
    assert!(contains(&out, &[0x73, 0xC5, 0x88, 0, 0, 0, 0, 0, 0, 0, 7]));
    assert!(!contains(&out, &[0xA5; 8]));
}

#[test]
fn truncations_are_errors_not_panics() {
    let input = sample(false);
    for cut in 0..input.len() {
        assert!(
            plan(&&input[..cut], &Policy::default()).is_err(),
            "cut at {cut}"
        );
    }
    // Unknown sizes end where the file ends; cuts are still never panics.
    let input = sample(true);
    for cut in 0..input.len() {
        let _ = plan(&&input[..cut], &Policy::default());
    }
}

#[test]
fn sizes_past_the_end_are_errors_not_allocations() {
    let mut input = ebml_header();
    // A Tags element claiming 2^55 bytes inside an unknown-size Segment.
    input.extend_from_slice(&unknown(id::SEGMENT, &[]));
    input.extend_from_slice(&[
        0x12, 0x54, 0xC3, 0x67, 0x01, 0x7F, 0, 0, 0, 0, 0, 0, 1, 2, 3,
    ]);
    let err = plan(&input, &Policy::default()).unwrap_err();
    assert_eq!(
        err.malformation(),
        Some(crate::Malformation::Overrun),
        "{err}"
    );
}

#[test]
fn deep_nesting_hits_the_limit() {
    let mut simple = el(id::SIMPLE_TAG, &el(id::TAG_NAME, b"X"));
    for _ in 0..40 {
        simple = el(id::SIMPLE_TAG, &simple);
    }
    let input = cat(&[
        ebml_header(),
        el(id::SEGMENT, &el(id::TAGS, &el(id::TAG, &simple))),
    ]);
    let err = plan(&input, &Policy::default()).unwrap_err();
    assert!(matches!(err, Error::Limit { .. }), "{err}");
}

#[test]
fn other_ebml_documents_are_unsupported() {
    let header = el(id::EBML, &el(id::DOC_TYPE, b"other"));
    let input = cat(&[header, el(id::SEGMENT, &[])]);
    assert!(matches!(
        plan(&input, &Policy::default()),
        Err(Error::Unsupported(_))
    ));
}

#[test]
fn void_elements_have_the_exact_size() {
    for total in 2..400u64 {
        let mut void = Void::header(total).unwrap();
        void.resize(total as usize, 0);
        let element = element_at(&void, 0, total).unwrap();
        assert_eq!((element.id, element.end()), (id::VOID, Some(total)));
    }
    assert!(Void::header(1).is_none());
}

/// The element header at `pos` of `bytes`, read as the walker reads it.
fn element_at(bytes: &[u8], pos: u64, end: u64) -> Result<Element> {
    let (limits, policy) = (Limits::default(), Policy::default());
    let mut scan = Scan::new(&bytes, &policy, &limits);
    let mut walker = Walker::new(&mut scan);
    walker
        .next_element(&mut Children::new(pos, end))?
        .ok_or_else(|| Error::malformed(STRUCTURE, pos, "no element"))
}

/// A SimpleBlock of `track` (1-byte track number) holding `payload`.
fn simple_block(track: u8, payload: &[u8]) -> Vec<u8> {
    el(
        id::SIMPLE_BLOCK,
        &cat(&[vec![0x80 | track, 0, 0, 0x80], payload.to_vec()]),
    )
}

fn track_entry(number: u8, kind: u8, codec: &[u8], extra: &[Vec<u8>]) -> Vec<u8> {
    let mut parts = vec![
        el(id::TRACK_NUMBER, &[number]),
        // Equal to the entry index: the TrackUID rewrite leaves Tracks
        // unchanged, so only a removed track can void its CRC-32.
        el(id::TRACK_UID, &[number]),
        el(id::TRACK_TYPE, &[kind]),
        el(id::CODEC_ID, codec),
    ];
    parts.extend_from_slice(extra);
    el(id::TRACK_ENTRY, &cat(&parts))
}

fn cue_positions(track: u8) -> Vec<u8> {
    el(
        id::CUE_TRACK_POSITIONS,
        &cat(&[el(id::CUE_TRACK, &[track]), el(0xF1, &[0x10])]),
    )
}

const VIDEO_1: &[u8] = b"\x00\x01video-frame-one";
const VIDEO_2: &[u8] = b"\x00\x02video-frame-two";
const GPS_1: &[u8] = b"GPS (24.7536, 59.4370, 19) speed 3 m/s";
const GPS_2: &[u8] = b"GPS (24.7537, 59.4371, 20) speed 3 m/s";
const DIALOGUE_1: &[u8] = b"Where were you last night?";
const DIALOGUE_2: &[u8] = b"Nowhere you need to know about.";

/// A Segment with a video track (1) and a second track (2) of type
/// `kind`, two clusters with blocks of both, and Cues pointing at
/// both. The Segment and the second cluster have an unknown size.
fn with_second_track(kind: u8, codec: &[u8], extra: &[Vec<u8>], text: [&[u8]; 2]) -> Vec<u8> {
    second_track(kind, codec, extra, text, true)
}

/// As [`with_second_track`], every size known when `live` is false.
fn second_track(
    kind: u8,
    codec: &[u8],
    extra: &[Vec<u8>],
    text: [&[u8]; 2],
    live: bool,
) -> Vec<u8> {
    let tracks = el(
        id::TRACKS,
        &cat(&[
            el(id::CRC32, &[9, 9, 9, 9]),
            track_entry(1, 1, b"V_VP8", &[]),
            track_entry(2, kind, codec, extra),
        ]),
    );
    let cluster = el(
        id::CLUSTER,
        &cat(&[
            el(id::CRC32, &[7, 7, 7, 7]),
            el(id::TIMESTAMP, &[0]),
            simple_block(1, VIDEO_1),
            simple_block(2, text[0]),
        ]),
    );
    let sized = if live { unknown } else { el };
    let live_cluster = sized(
        id::CLUSTER,
        &cat(&[
            el(id::TIMESTAMP, &[1]),
            el(
                id::BLOCK_GROUP,
                &cat(&[
                    el(id::BLOCK, &cat(&[vec![0x82, 0, 0, 0], text[1].to_vec()])),
                    el(0x9B, &[0x10]),
                ]),
            ),
            simple_block(1, VIDEO_2),
        ]),
    );
    let cues = el(
        id::CUES,
        &cat(&[
            el(id::CUE_POINT, &cat(&[el(0xB3, &[0]), cue_positions(1)])),
            el(id::CUE_POINT, &cat(&[el(0xB3, &[1]), cue_positions(2)])),
            el(
                id::CUE_POINT,
                &cat(&[el(0xB3, &[2]), cue_positions(1), cue_positions(2)]),
            ),
        ]),
    );
    // Cues after the cluster of unknown size, which must end there.
    let body = cat(&[tracks, cluster, live_cluster, cues]);
    cat(&[ebml_header(), sized(id::SEGMENT, &body)])
}

fn gps_sample() -> Vec<u8> {
    with_second_track(
        0x11,
        b"S_TEXT/UTF8",
        &[el(id::LANGUAGE, b"est")],
        [GPS_1, GPS_2],
    )
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The element at `pos` of `out` is a Void of `len` bytes.
fn is_void(out: &[u8], pos: usize, len: usize) -> bool {
    element_at(out, pos as u64, out.len() as u64)
        .is_ok_and(|e| e.id == id::VOID && e.end() == Some((pos + len) as u64))
}

fn clean_with(input: &[u8], policy: &Policy) -> (Vec<u8>, Inspection) {
    let inspection = plan(&input, policy).unwrap();
    let out = inspection.plan.to_vec(&input).unwrap();
    let again = plan(&out, policy).unwrap();
    assert!(
        again.findings.iter().all(|f| f.fate == Fate::Kept),
        "re-inspection: {:?}",
        again.findings
    );
    assert_eq!(again.plan.to_vec(&out).unwrap(), out, "not idempotent");
    (out, inspection)
}

#[test]
fn subtitle_blocks_become_voids_of_equal_size() {
    let input = gps_sample();
    let (out, inspection) = clean_with(&input, &Policy::default());
    assert_eq!(out.len(), input.len());
    assert!(inspection.plan.is_in_place(input.len() as u64));
    for gps in [GPS_1, GPS_2] {
        assert!(!contains(&out, gps), "telemetry survived");
    }
    // The SimpleBlock and the whole BlockGroup of track 2 are Voids of
    // their own size.
    let block = simple_block(2, GPS_1);
    let at = find(&input, &block).unwrap();
    assert!(is_void(&out, at, block.len()));
    let group_at = find(&input, &[id::BLOCK_GROUP as u8]).unwrap();
    let group_len = 2 + usize::from(input[group_at + 1] & 0x7F);
    assert_eq!(input[group_at + 2], id::BLOCK as u8);
    assert!(is_void(&out, group_at, group_len));
    // Video blocks untouched, at the same offsets.
    for frame in [VIDEO_1, VIDEO_2] {
        let block = simple_block(1, frame);
        let at = find(&input, &block).unwrap();
        assert_eq!(&out[at..at + block.len()], &block[..]);
    }
    // The subtitle TrackEntry is gone; the video one stays.
    let entry = track_entry(2, 0x11, b"S_TEXT/UTF8", &[el(id::LANGUAGE, b"est")]);
    let at = find(&input, &entry).unwrap();
    assert!(is_void(&out, at, entry.len()));
    assert!(contains(&out, b"V_VP8"));
    assert!(!contains(&out, b"S_TEXT"));
    // Stale checksums of Tracks and of the changed cluster are voided.
    assert!(!contains(&out, &[0xBF, 0x84, 9, 9, 9, 9]));
    assert!(!contains(&out, &[0xBF, 0x84, 7, 7, 7, 7]));
    // Cues: the point of track 2 alone is voided whole, the mixed one
    // loses the position of track 2 only.
    let only_2 = el(id::CUE_POINT, &cat(&[el(0xB3, &[1]), cue_positions(2)]));
    let at = find(&input, &only_2).unwrap();
    assert!(is_void(&out, at, only_2.len()));
    let mixed = el(
        id::CUE_POINT,
        &cat(&[el(0xB3, &[2]), cue_positions(1), cue_positions(2)]),
    );
    let at = find(&input, &mixed).unwrap();
    let kept_len = 2 + 3 + cue_positions(1).len();
    assert_eq!(&out[at + 2..at + kept_len], &input[at + 2..at + kept_len]);
    assert!(is_void(&out, at + kept_len, cue_positions(2).len()));
    assert!(contains(
        &out,
        &el(id::CUE_POINT, &cat(&[el(0xB3, &[0]), cue_positions(1)]))
    ));
    // Reported as telemetry, with counts and needles.
    let finding = inspection
        .findings
        .iter()
        .find(|f| f.field == "Subtitle telemetry track")
        .unwrap();
    assert_eq!(finding.category, Category::Telemetry);
    assert_eq!(finding.fate, Fate::Removed);
    assert!(
        finding.value.starts_with("'est' (S_TEXT/UTF8): 2 blocks, "),
        "{}",
        finding.value
    );
    assert!(finding.needles.iter().any(|n| n == GPS_1));
}

#[test]
fn kept_subtitles_need_the_policy_and_no_positions() {
    let keep = Policy {
        keep_subtitles: true,
        ..Policy::default()
    };
    let dialogue = with_second_track(0x11, b"S_TEXT/UTF8", &[], [DIALOGUE_1, DIALOGUE_2]);
    // Kept on request: nothing in the clusters or cues changes.
    let (out, inspection) = clean_with(&dialogue, &keep);
    for line in [DIALOGUE_1, DIALOGUE_2] {
        assert!(contains(&out, line));
    }
    assert!(contains(&out, b"S_TEXT/UTF8"));
    let kept = inspection
        .findings
        .iter()
        .find(|f| f.field == "Subtitle track")
        .unwrap();
    assert_eq!(kept.fate, Fate::Kept);
    assert!(kept.value.contains("2 blocks"), "{}", kept.value);
    // Removed by default, as "other".
    let (out, inspection) = clean_with(&dialogue, &Policy::default());
    assert!(!contains(&out, DIALOGUE_1) && !contains(&out, DIALOGUE_2));
    let removed = inspection
        .findings
        .iter()
        .find(|f| f.field == "Subtitle track")
        .unwrap();
    assert_eq!(
        (removed.category, removed.fate),
        (Category::Other, Fate::Removed)
    );
    // Positions are never kept, even when only a later block has them.
    let mixed = with_second_track(0x11, b"S_TEXT/UTF8", &[], [DIALOGUE_1, GPS_2]);
    let (out, inspection) = clean_with(&mixed, &keep);
    assert!(!contains(&out, GPS_2) && !contains(&out, DIALOGUE_1));
    assert!(inspection
        .findings
        .iter()
        .any(|f| f.field == "Subtitle telemetry track" && f.fate == Fate::Removed));
    // Compressed text cannot be judged: removed.
    let encoded = with_second_track(
        0x11,
        b"S_TEXT/UTF8",
        &[el(id::CONTENT_ENCODINGS, &[0x62, 0x40, 0x80])],
        [DIALOGUE_1, DIALOGUE_2],
    );
    let (out, _) = clean_with(&encoded, &keep);
    assert!(!contains(&out, DIALOGUE_1));
}

#[test]
fn other_non_media_tracks_are_removed() {
    let keep = Policy {
        keep_subtitles: true,
        ..Policy::default()
    };
    for (kind, codec) in [
        (0x21u8, &b"D_DJI/TELEMETRY"[..]),
        (0x11, b"S_VOBSUB"),
        (0x12, b"B_VOBBTN"),
    ] {
        let input = with_second_track(kind, codec, &[], [DIALOGUE_1, DIALOGUE_2]);
        let (out, inspection) = clean_with(&input, &keep);
        assert!(!contains(&out, DIALOGUE_1), "{kind:#x} kept");
        assert!(!contains(&out, codec));
        let removed: Vec<_> = inspection
            .findings
            .iter()
            .filter(|f| f.location.ends_with("TrackEntry") && f.fate == Fate::Removed)
            .collect();
        assert_eq!(removed.len(), 1, "{:?}", inspection.findings);
        assert!(
            removed[0].value.contains("2 blocks"),
            "{}",
            removed[0].value
        );
    }
}

#[test]
fn a_video_only_file_keeps_its_clusters_unread() {
    let (out, inspection) = clean(&sample(false));
    assert!(contains(&out, CLUSTER_BODY));
    assert!(!inspection
        .findings
        .iter()
        .any(|f| f.field.contains("track")));
}

#[test]
fn track_filtering_survives_truncation() {
    for policy in [
        Policy::default(),
        Policy {
            keep_subtitles: true,
            ..Policy::default()
        },
    ] {
        // Segment and last cluster of unknown size end where the file
        // ends: cuts reach the block walk, and must never panic.
        let input = gps_sample();
        let mut refused = 0;
        for cut in 0..input.len() {
            refused += usize::from(plan(&&input[..cut], &policy).is_err());
        }
        assert!(refused > 0);
        // With every size known, every cut is an error.
        let input = second_track(0x11, b"S_TEXT/UTF8", &[], [GPS_1, GPS_2], false);
        assert!(plan(&input, &policy).is_ok());
        for cut in 0..input.len() {
            assert!(plan(&&input[..cut], &policy).is_err(), "cut at {cut}");
        }
    }
}

#[test]
fn an_hour_of_blocks_is_within_the_limits() {
    // One hour as ffmpeg muxes it: 30 fps video, 20 ms Opus frames and
    // a GPS line a second, in 5-second clusters (about 290,000 blocks).
    let mut clusters = Vec::new();
    for cluster in 0..720u32 {
        let mut body = el(id::TIMESTAMP, &cluster.to_be_bytes());
        for frame in 0..250u32 {
            if frame % 5 < 3 {
                body.extend(simple_block(1, &[0x11; 4]));
            }
            body.extend(simple_block(3, &[0x22; 4]));
            if frame % 50 == 0 {
                body.extend(simple_block(2, GPS_1));
            }
        }
        clusters.push(el(id::CLUSTER, &body));
    }
    let tracks = el(
        id::TRACKS,
        &cat(&[
            track_entry(1, 1, b"V_VP8", &[]),
            track_entry(2, 0x11, b"S_TEXT/UTF8", &[]),
            track_entry(3, 2, b"A_OPUS", &[]),
        ]),
    );
    let input = cat(&[
        ebml_header(),
        el(id::SEGMENT, &cat(&[tracks, clusters.concat()])),
    ]);
    let keep = Policy {
        keep_subtitles: true,
        ..Policy::default()
    };
    // keep_subtitles walks the blocks twice (judge, then void).
    let (out, inspection) = clean_with(&input, &keep);
    assert!(!contains(&out, GPS_1));
    let track = inspection
        .findings
        .iter()
        .find(|f| f.field == "Subtitle telemetry track")
        .unwrap();
    assert!(track.value.contains("3600 blocks"), "{}", track.value);
}

#[test]
fn duplicate_track_numbers_are_refused() {
    let tracks = el(
        id::TRACKS,
        &cat(&[
            track_entry(1, 1, b"V_VP8", &[]),
            track_entry(1, 0x11, b"S_TEXT/UTF8", &[]),
        ]),
    );
    let input = cat(&[ebml_header(), el(id::SEGMENT, &tracks)]);
    assert!(plan(&input, &Policy::default()).is_err());
}

#[test]
fn dates_are_readable() {
    assert_eq!(date_utc(&[0; 8]), "2001-01-01 00:00:00 UTC");
    // 2019-12-19 11:09:14 UTC is 598,446,554 s after 2001-01-01.
    let ns = 598_446_554_000_000_000i64.to_be_bytes();
    assert_eq!(date_utc(&ns), "2019-12-19 11:09:14 UTC");
}

/// A Segment with one video track (`codec`, `extra` children in its entry)
/// and one cluster holding a Timestamp then `cluster`.
fn one_track(codec: &[u8], extra: &[Vec<u8>], cluster: &[Vec<u8>]) -> Vec<u8> {
    let tracks = el(id::TRACKS, &track_entry(1, 1, codec, extra));
    let mut body = el(id::TIMESTAMP, &[0]);
    body.extend(cluster.concat());
    let segment = el(id::SEGMENT, &cat(&[tracks, el(id::CLUSTER, &body)]));
    cat(&[ebml_header(), segment])
}

/// `text` appears in `out` in none of ASCII, UTF-16LE and UTF-16BE.
fn assert_gone(out: &[u8], text: &str) {
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for form in [text.as_bytes().to_vec(), le, be] {
        assert!(!contains(out, &form), "'{text}' survived");
    }
}

fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn fields(inspection: &Inspection) -> Vec<&str> {
    inspection
        .findings
        .iter()
        .map(|f| f.field.as_str())
        .collect()
}

#[test]
fn void_content_is_zeroed_everywhere() {
    let seek_head = el(
        id::SEEK_HEAD,
        &el(
            id::SEEK,
            &cat(&[
                el(id::SEEK_ID, &[0x15, 0x49, 0xA9, 0x66]),
                el(id::SEEK_POSITION, &[0]),
                el(id::VOID, b"Void in Seek text"),
            ]),
        ),
    );
    let info = el(
        id::INFO,
        &cat(&[
            el(id::TIMESTAMP_SCALE, &[0x0F, 0x42, 0x40]),
            el(id::VOID, &utf16le("Void in Info text")),
        ]),
    );
    let tracks = el(id::TRACKS, &track_entry(1, 1, b"V_VP8", &[]));
    let cluster = el(
        id::CLUSTER,
        &cat(&[
            el(id::CRC32, &[7, 7, 7, 7]),
            el(id::TIMESTAMP, &[0]),
            el(id::VOID, b"Void in Cluster text"),
            el(
                id::BLOCK_GROUP,
                &cat(&[
                    el(id::BLOCK, &cat(&[vec![0x81, 0, 0, 0], VIDEO_1.to_vec()])),
                    el(id::VOID, b"Void in BlockGroup text"),
                ]),
            ),
            el(id::VOID, &[0; 12]),
        ]),
    );
    let body = cat(&[
        seek_head,
        info,
        el(id::VOID, b"Void in Segment text"),
        tracks,
        cluster,
    ]);
    let input = cat(&[
        ebml_header(),
        el(id::VOID, b"Void at the top text"),
        el(id::SEGMENT, &body),
    ]);
    let (out, inspection) = clean_with(&input, &Policy::default());
    assert_eq!(out.len(), input.len());
    for text in [
        "Void in Seek text",
        "Void in Info text",
        "Void in Segment text",
        "Void in Cluster text",
        "Void in BlockGroup text",
        "Void at the top text",
    ] {
        assert_gone(&out, text);
    }
    let padding: Vec<_> = inspection
        .findings
        .iter()
        .filter(|f| f.field == "Data in Void padding")
        .collect();
    assert_eq!(padding.len(), 1, "{:?}", inspection.findings);
    assert_eq!(padding[0].fate, Fate::Zeroed);
    assert!(
        padding[0].value.starts_with("6 Void"),
        "{}",
        padding[0].value
    );
    // The changed cluster's checksum is voided; the media stays.
    assert!(!contains(&out, &[0xBF, 0x84, 7, 7, 7, 7]));
    assert!(contains(&out, VIDEO_1));
    // Every Void is still a Void of its size (offsets unchanged).
    let at = find(&input, b"Void in Cluster text").unwrap() - 2;
    assert!(is_void(&out, at, 22));
}

#[test]
fn unknown_cluster_children_and_block_additions_are_voided() {
    let group = el(
        id::BLOCK_GROUP,
        &cat(&[
            el(id::BLOCK, &cat(&[vec![0x81, 0, 0, 0], VIDEO_2.to_vec()])),
            el(id::BLOCK_DURATION, &[1]),
            el(id::REFERENCE_BLOCK, &[0xFF]),
            el(
                id::BLOCK_ADDITIONS,
                &el(
                    0xA6,
                    &cat(&[el(0xEE, &[1]), el(0xA5, b"Planted side data")]),
                ),
            ),
            el(id::CODEC_STATE, b"Planted codec state"),
            el(0x6A6A, b"Planted group child"),
        ]),
    );
    let input = one_track(
        b"V_VP8",
        &[],
        &[
            el(id::CRC32, &[7, 7, 7, 7]),
            el(id::POSITION, &[0]),
            el(id::SILENT_TRACKS, &el(0x58D7, &[2])),
            simple_block(1, VIDEO_1),
            el(0x6B6B, b"Planted cluster child"),
            el(id::ENCRYPTED_BLOCK, b"Planted encrypted block"),
            group,
            // A block of a track that was never declared.
            simple_block(5, b"Planted orphan block"),
        ],
    );
    let (out, inspection) = clean_with(&input, &Policy::default());
    for text in [
        "Planted side data",
        "Planted codec state",
        "Planted group child",
        "Planted cluster child",
        "Planted encrypted block",
        "Planted orphan block",
    ] {
        assert_gone(&out, text);
    }
    assert!(contains(&out, &simple_block(1, VIDEO_1)));
    assert!(contains(&out, VIDEO_2));
    assert!(!contains(&out, &[0xBF, 0x84, 7, 7, 7, 7]));
    let fields = fields(&inspection);
    for field in [
        "Block additions",
        "Codec state",
        "Unknown element",
        "Encrypted block",
        "Silent tracks list",
        "Block of an undeclared track",
    ] {
        assert!(fields.contains(&field), "no {field} in {fields:?}");
    }
    let additions = inspection
        .findings
        .iter()
        .find(|f| f.field == "Block additions")
        .unwrap();
    assert!(additions.needles.iter().any(|n| n == b"Planted side data"));
    // A number that is not one is refused.
    let bad = one_track(b"V_VP8", &[], &[el(id::POSITION, b"Planted position")]);
    assert!(plan(&bad, &Policy::default()).is_err());
    // A group with two blocks is refused.
    let two = el(
        id::BLOCK_GROUP,
        &cat(&[
            el(id::BLOCK, &[0x81, 0, 0, 0]),
            el(id::BLOCK, &[0x81, 0, 0, 0]),
        ]),
    );
    assert!(plan(&one_track(b"V_VP8", &[], &[two]), &Policy::default()).is_err());
}

#[test]
fn cluster_walk_survives_truncation_and_counts_elements() {
    let input = one_track(
        b"V_VP8",
        &[],
        &[
            simple_block(1, VIDEO_1),
            el(id::VOID, b"Planted in a Void"),
            el(0x6B6B, b"Planted cluster child"),
        ],
    );
    for cut in 0..input.len() {
        assert!(
            plan(&&input[..cut], &Policy::default()).is_err(),
            "cut {cut}"
        );
    }
    let mut limits = Limits::default();
    limits.matroska.max_elements = 12;
    let err = crate::engine::inspect_as(
        crate::Format::Matroska,
        &input.as_slice(),
        &Policy::default(),
        &limits,
    );
    assert!(matches!(err, Err(Error::Limit { .. })), "{err:?}");
}

/// A JPEG frame with an Exif block and a comment planting `text`.
fn mjpeg_frame(text: &str) -> Vec<u8> {
    use mediascrub_fixtures::jpeg;
    let exif = cat(&[
        b"Exif\0\0MM\0\x2a\0\0\0\x08\0\0".to_vec(),
        text.as_bytes().to_vec(),
    ]);
    let segments = cat(&[
        jpeg::segment(0xE1, &exif),
        jpeg::segment(0xFE, format!("{text} comment").as_bytes()),
    ]);
    jpeg::tiny(&segments, &[])
}

#[test]
fn motion_jpeg_frames_lose_their_metadata() {
    let frame = mjpeg_frame("Planted Frame Owner");
    let group = el(
        id::BLOCK_GROUP,
        &el(id::BLOCK, &cat(&[vec![0x81, 0, 1, 0], frame.clone()])),
    );
    let input = one_track(
        b"V_MJPEG",
        &[],
        &[el(id::CRC32, &[7, 7, 7, 7]), simple_block(1, &frame), group],
    );
    let (out, inspection) = clean_with(&input, &Policy::default());
    assert_eq!(out.len(), input.len());
    assert_gone(&out, "Planted Frame Owner");
    assert!(!contains(&out, &[0xBF, 0x84, 7, 7, 7, 7]));
    let summary = inspection
        .findings
        .iter()
        .find(|f| f.field == "Metadata inside Motion JPEG frames")
        .unwrap();
    assert!(summary.value.contains("2 frame(s)"), "{}", summary.value);
    assert!(summary.location.contains("track 1"), "{}", summary.location);
    // The frames keep their image data, at the same offsets.
    let sof = [0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0];
    assert_eq!(
        find(&input, &sof),
        find(&out, &sof),
        "the first frame moved"
    );
    // Laced Motion JPEG is refused rather than guessed.
    let laced = el(
        id::SIMPLE_BLOCK,
        &cat(&[vec![0x81, 0, 0, 0x82, 1, 10], frame.clone(), frame]),
    );
    let err = plan(&one_track(b"V_MJPEG", &[], &[laced]), &Policy::default());
    assert!(matches!(err, Err(Error::Unsupported(_))), "{err:?}");
    // A frame that is not a JPEG image is refused.
    let junk = simple_block(1, b"Planted not a frame");
    assert!(plan(&one_track(b"V_MJPEG", &[], &[junk]), &Policy::default()).is_err());
    // Video for Windows Motion JPEG is judged the same way.
    let mut header = vec![0u8; 40];
    header[16..20].copy_from_slice(b"MJPG");
    let vfw = one_track(
        b"V_MS/VFW/FOURCC",
        &[el(id::CODEC_PRIVATE, &header)],
        &[simple_block(1, &mjpeg_frame("Planted VfW Owner"))],
    );
    let (out, _) = clean_with(&vfw, &Policy::default());
    assert_gone(&out, "Planted VfW Owner");
}

fn video_with(children: &[Vec<u8>]) -> Vec<u8> {
    let mut all = vec![el(id::PIXEL_WIDTH, &[2]), el(id::PIXEL_HEIGHT, &[2])];
    all.extend_from_slice(children);
    el(id::VIDEO, &cat(&all))
}

#[test]
fn colour_and_projection_keep_only_known_fields() {
    let colour = el(
        id::COLOUR,
        &cat(&[
            el(id::MATRIX_COEFFICIENTS, &[1]),
            el(id::MAX_CLL, &[0x03, 0xE8]),
            el(0x55EE, b"Planted colour child"),
            el(
                id::MASTERING_METADATA,
                &cat(&[
                    el(id::LUMINANCE_MAX, &1000f32.to_be_bytes()),
                    el(0x55DF, b"Planted mastering child"),
                ]),
            ),
        ]),
    );
    let equirect = [
        &[0u8; 4][..],
        &[0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4],
    ]
    .concat();
    let projection = |kind: u8, private: &[u8]| {
        el(
            id::PROJECTION,
            &cat(&[
                el(id::PROJECTION_PRIVATE, private),
                el(id::PROJECTION_TYPE, &[kind]),
                el(id::PROJECTION_POSE_YAW, &0f32.to_be_bytes()),
                el(0x7677, b"Planted projection child"),
            ]),
        )
    };
    let input = one_track(
        b"V_VP9",
        &[video_with(&[colour, projection(1, &equirect)])],
        &[simple_block(1, VIDEO_1)],
    );
    let (out, inspection) = clean_with(&input, &Policy::default());
    for text in [
        "Planted colour child",
        "Planted mastering child",
        "Planted projection child",
    ] {
        assert_gone(&out, text);
    }
    assert!(contains(&out, &el(id::PROJECTION_PRIVATE, &equirect)));
    assert!(contains(&out, &el(id::MAX_CLL, &[0x03, 0xE8])));
    assert!(contains(
        &out,
        &el(id::LUMINANCE_MAX, &1000f32.to_be_bytes())
    ));
    let locations: Vec<&str> = inspection
        .findings
        .iter()
        .map(|f| f.location.as_str())
        .collect();
    assert!(locations
        .iter()
        .any(|l| l.ends_with("Colour/MasteringMetadata")));
    // Private data in another layout, or text instead of bounds, goes.
    let cubemap = [0u8; 12];
    for (kind, private, kept) in [
        (2u8, &cubemap[..], true),
        (1, b"Planted equirect bounds!", false),
        (2, b"Planted cube", false),
        (0, &cubemap[..], false),
        (3, b"Planted mesh", false),
    ] {
        let input = one_track(
            b"V_VP9",
            &[video_with(&[projection(kind, private)])],
            &[simple_block(1, VIDEO_1)],
        );
        let (out, inspection) = clean_with(&input, &Policy::default());
        assert_eq!(
            contains(&out, &el(id::PROJECTION_PRIVATE, private)),
            kept,
            "type {kind}"
        );
        assert_eq!(
            fields(&inspection).contains(&"Projection private data"),
            !kept
        );
    }
}

#[test]
fn doc_type_extensions_are_removed() {
    let header = el(
        id::EBML,
        &cat(&[
            el(id::EBML_VERSION, &[1]),
            el(id::DOC_TYPE, b"matroska"),
            el(
                id::DOC_TYPE_EXTENSION,
                &cat(&[el(0x4283, b"Planted extension name"), el(0x4284, &[1])]),
            ),
        ]),
    );
    let input = cat(&[
        header,
        el(
            id::SEGMENT,
            &el(id::TRACKS, &track_entry(1, 1, b"V_VP8", &[])),
        ),
    ]);
    let (out, inspection) = clean_with(&input, &Policy::default());
    assert_gone(&out, "Planted extension name");
    assert!(fields(&inspection).contains(&"DocType extension"));
}

#[test]
fn block_addition_configurations_are_kept_only_when_known() {
    let mut dvcc = vec![1, 0, 0x10, 0x35, 0x10];
    dvcc.resize(24, 0);
    let mapping = |kind: &[u8], extra: &[u8]| {
        el(
            id::BLOCK_ADDITION_MAPPING,
            &cat(&[
                el(id::BLOCK_ADD_ID_EXTRA_DATA, extra),
                el(id::BLOCK_ADD_ID_TYPE, kind),
                el(id::BLOCK_ADD_ID_VALUE, &[1]),
            ]),
        )
    };
    let mut reserved = dvcc.clone();
    reserved[4] = 0x11;
    let mut planted = dvcc.clone();
    planted[8..20].copy_from_slice(b"Planted DoVi");
    for (kind, extra, kept) in [
        (&b"dvcC"[..], &dvcc[..], true),
        (b"dvvC", &dvcc[..], true),
        (b"dvcC", &reserved[..], false),
        (b"dvcC", &planted[..], false),
        (b"dvcC", &dvcc[..23], false),
        (b"mvcC", &dvcc[..], false),
        (&[0], b"Planted extra data", false),
    ] {
        let input = one_track(
            b"V_MPEGH/ISO/HEVC",
            &[mapping(kind, extra)],
            &[simple_block(1, VIDEO_1)],
        );
        let (out, inspection) = clean_with(&input, &Policy::default());
        assert_eq!(
            contains(&out, &el(id::BLOCK_ADD_ID_EXTRA_DATA, extra)),
            kept,
            "{kind:?}"
        );
        assert_eq!(
            fields(&inspection).contains(&"Block addition configuration"),
            !kept
        );
        assert_gone(&out, "Planted DoVi");
        assert_gone(&out, "Planted extra data");
    }
}

#[test]
fn bytes_after_codec_records_are_zeroed() {
    let avcc = [1u8, 66, 0, 30, 0xFF, 0xE1, 0, 2, 0x67, 0x42, 1, 0, 1, 0x68];
    let with_tail = cat(&[avcc.to_vec(), b"Planted after avcC".to_vec()]);
    let input = one_track(
        b"V_MPEG4/ISO/AVC",
        &[el(id::CODEC_PRIVATE, &with_tail)],
        &[simple_block(1, VIDEO_1)],
    );
    let (out, inspection) = clean_with(&input, &Policy::default());
    assert_gone(&out, "Planted after avcC");
    assert_eq!(out.len(), input.len());
    assert!(contains(&out, &cat(&[avcc.to_vec(), vec![0; 18]])));
    let tail = inspection
        .findings
        .iter()
        .find(|f| f.field == "Bytes after the codec configuration")
        .unwrap();
    assert_eq!(tail.fate, Fate::Zeroed);
    // Opus with text after its head, AAC with a comment.
    let mut opus = b"OpusHead".to_vec();
    opus.extend_from_slice(&[1, 2, 0x38, 1, 0x80, 0xBB, 0, 0, 0, 0, 0]);
    opus.extend_from_slice(&utf16le("Planted after Opus"));
    let input = cat(&[
        ebml_header(),
        el(
            id::SEGMENT,
            &el(
                id::TRACKS,
                &track_entry(1, 2, b"A_OPUS", &[el(id::CODEC_PRIVATE, &opus)]),
            ),
        ),
    ]);
    let (out, _) = clean_with(&input, &Policy::default());
    assert_gone(&out, "Planted after Opus");
    assert!(contains(&out, &opus[..19]));
    // A record cut short is refused.
    let short = one_track(
        b"V_MPEG4/ISO/AVC",
        &[el(id::CODEC_PRIVATE, &avcc[..10])],
        &[simple_block(1, VIDEO_1)],
    );
    let err = plan(&short, &Policy::default()).unwrap_err();
    assert!(err.to_string().contains("codec private"), "{err}");
}

#[test]
fn content_encodings_keep_only_known_fields() {
    let encodings = |compression: Vec<u8>| {
        el(
            id::CONTENT_ENCODINGS,
            &el(
                id::CONTENT_ENCODING,
                &cat(&[
                    el(id::CONTENT_ENCODING_ORDER, &[0]),
                    el(id::CONTENT_ENCODING_SCOPE, &[1]),
                    compression,
                    el(
                        id::CONTENT_ENCRYPTION,
                        &cat(&[
                            el(id::CONTENT_ENC_ALGO, &[5]),
                            el(id::CONTENT_ENC_KEY_ID, &[0x4B; 16]),
                            el(
                                id::CONTENT_ENC_AES_SETTINGS,
                                &el(id::AES_SETTINGS_CIPHER_MODE, &[1]),
                            ),
                            el(id::CONTENT_SIGNATURE, b"Planted signature"),
                        ]),
                    ),
                    el(0x5039, b"Planted encoding child"),
                ]),
            ),
        )
    };
    let stripping = el(
        id::CONTENT_COMPRESSION,
        &cat(&[
            el(id::CONTENT_COMP_ALGO, &[3]),
            el(id::CONTENT_COMP_SETTINGS, &[0x00, 0x00, 0x01]),
        ]),
    );
    let input = one_track(b"V_VP8", &[encodings(stripping.clone())], &[]);
    let (out, inspection) = clean_with(&input, &Policy::default());
    assert_gone(&out, "Planted signature");
    assert_gone(&out, "Planted encoding child");
    assert!(contains(&out, &stripping));
    assert!(contains(&out, &el(id::CONTENT_ENC_KEY_ID, &[0x4B; 16])));
    let key = inspection
        .findings
        .iter()
        .find(|f| f.field == "Encryption key ID")
        .unwrap();
    assert_eq!(key.fate, Fate::Kept);
    // zlib has no settings: they go.
    let zlib = el(
        id::CONTENT_COMPRESSION,
        &el(id::CONTENT_COMP_SETTINGS, b"Planted settings"),
    );
    let (out, inspection) = clean_with(
        &one_track(b"V_VP8", &[encodings(zlib)], &[]),
        &Policy::default(),
    );
    assert_gone(&out, "Planted settings");
    assert!(fields(&inspection).contains(&"Compression settings"));
}

#[test]
fn oversized_numbers_are_refused() {
    let input = one_track(
        b"V_VP8",
        &[el(id::FLAG_DEFAULT, b"Planted flag value")],
        &[],
    );
    let err = plan(&input, &Policy::default()).unwrap_err();
    assert!(err.to_string().contains("number"), "{err}");
}
