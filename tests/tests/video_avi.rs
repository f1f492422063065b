//! AVI conformance: every corpus file and generated fixtures are cleaned
//! through the public API and judged by exiftool and ffmpeg.

use std::path::Path;

use crate::common::have;
use crate::video_common::{
    assert_conformant, check_corpus, clean_to, conformance_problems, contains, ffmpeg, CorpusCase,
};
use mediascrub::{Category, Fate};

/// Corpus files that must be refused, and the reason that must be given.
const EXPECTED_REFUSALS: &[(&str, &str)] = &[
    // exiftool's test images keep only the headers of real files: the RIFF
    // chunk claims megabytes that are not there.
    ("exiftool_RIFF.avi", "claims"),
    ("exiftool_Pentax.avi", "claims"),
];

fn tools() -> bool {
    have("exiftool") && have("ffmpeg")
}

#[test]
fn corpus_avi_files_are_cleaned_and_still_play() {
    check_corpus(&CorpusCase {
        folders: &["avi"],
        tools: &["exiftool", "ffmpeg"],
        expected_refusals: EXPECTED_REFUSALS,
        must_find_something: true,
        same_length: true,
        min_cleaned: 1,
        judge: conformance_problems,
    });
}

const SMALL_VIDEO: &str = "testsrc=size=160x120:rate=25:duration=1";

const PLANTED: &[&str] = &[
    "Planted Artist Name",
    "Planted Comment Text",
    "Planted Secret Title",
    "Planted Copyright Owner",
    "Planted Stream Name",
];

fn make_avi(dir: &Path, name: &str, video: &str, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join(name);
    let mut args: Vec<&str> = vec![
        "-f",
        "lavfi",
        "-i",
        video,
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:duration=1",
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-metadata",
        "artist=Planted Artist Name",
        "-metadata",
        "comment=Planted Comment Text",
        "-metadata",
        "title=Planted Secret Title",
        "-metadata",
        "copyright=Planted Copyright Owner",
        "-metadata",
        "date=2021-05-06",
        "-metadata:s:v:0",
        "title=Planted Stream Name",
        "-c:v",
        "mjpeg",
        "-c:a",
        "pcm_s16le",
    ];
    args.extend_from_slice(extra);
    args.push(out.to_str().unwrap());
    ffmpeg(&args);
    out
}

fn check_fixture(input: &Path) {
    let before = crate::common::exiftool_tags(input);
    assert!(
        before.iter().any(|t| t.name == "Artist"),
        "fixture lacks INFO tags: {before:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let (out, cleaning) = clean_to(input, dir.path()).unwrap();
    let found = |category: Category| {
        cleaning
            .findings
            .iter()
            .any(|f| f.category == category && f.fate != Fate::Kept)
    };
    assert!(
        found(Category::Identity),
        "no identity finding: {:?}",
        cleaning.findings
    );
    assert!(
        found(Category::Software),
        "no software finding: {:?}",
        cleaning.findings
    );
    assert_conformant(input, &out);
    let bytes = std::fs::read(&out).unwrap();
    for planted in PLANTED {
        assert!(
            !contains(&bytes, planted.as_bytes()),
            "'{planted}' survived"
        );
    }
    assert!(!contains(&bytes, b"Lavf"), "the muxer name survived");
    let (_, again) = clean_to(&out, tempfile::tempdir().unwrap().path()).unwrap();
    assert!(
        again.findings.iter().all(|f| f.fate == Fate::Kept),
        "{:?}",
        again.findings
    );
}

#[test]
fn generated_avi_with_info_tags() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    check_fixture(&make_avi(dir.path(), "fixture.avi", SMALL_VIDEO, &[]));
}

/// ffmpeg writes OpenDML (`indx` super-indexes, `ix##` standard indexes
/// with absolute offsets, `RIFF AVIX` continuations) only past 1 GiB, so
/// this fixture is large: run with `cargo test -- --ignored`.
#[test]
#[ignore = "writes about 2.5 GB to the temporary directory"]
fn generated_opendml_avi_over_one_gigabyte() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = make_avi(
        dir.path(),
        "odml.avi",
        "testsrc=size=1920x1080:rate=200:duration=1",
        &["-c:v", "rawvideo", "-pix_fmt", "bgr24"],
    );
    let mut head = vec![0u8; 64 * 1024];
    use std::io::Read;
    std::fs::File::open(&input)
        .unwrap()
        .read_exact(&mut head)
        .unwrap();
    assert!(
        contains(&head, b"indx"),
        "no OpenDML super-index in the fixture"
    );
    check_fixture(&input);
}
