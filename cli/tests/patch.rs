//! `--in-place` by patching, under crashes: the process is aborted at every
//! step of a patch (journal half written, written, flushed; patch half
//! written, written, flushed; journal about to be removed, removed; a
//! rollback half written) through the CLI's test-only hook
//! `MEDIASCRUB_TEST_CRASH_AT`, then the tool is run again. Whatever the
//! step, the file ends up byte-identical either to the original or to the
//! verified clean version, which is exactly what `-o` writes; a leftover
//! journal is rolled back (or, torn, deleted) by the next `scan` or
//! `clean` that reaches the file, on its own or through its folder, and
//! that run says so.
//!
//! MP4 (moov after the media, telemetry zeroed inside `mdat`), Matroska
//! (WebM sample and an ffmpeg MKV), AVI.

#![cfg(all(unix, feature = "fault-injection"))]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mediascrub"))
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Run the CLI in `dir` (where a crash would drop a core file, if any).
fn run(dir: &Path, args: &[&str], paths: &[&Path], env: &[(&str, &str)]) -> Output {
    let mut command = bin();
    command.current_dir(dir).args(args).args(paths);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

/// Files in `dir` named like a rollback journal.
fn journals(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".mediascrub-journal"))
        .collect()
}

/// The `written` field of the only file of a JSON report.
fn written(out: &Output) -> String {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    doc["files"][0]["written"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// `ffmpeg` is needed to make a Matroska file whose metadata is a small
/// part of it. Missing, the test fails — unless `MEDIASCRUB_ALLOW_SKIP` is
/// set outside CI, when it prints SKIP and goes on without that file (the
/// rule of the conformance tests).
fn have_ffmpeg() -> bool {
    let found = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return true;
    }
    let allowed = std::env::var("MEDIASCRUB_ALLOW_SKIP")
        .is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    if std::env::var_os("CI").is_some() || !allowed {
        panic!("ffmpeg not found: install it (Debian: apt-get install ffmpeg), or set MEDIASCRUB_ALLOW_SKIP=1 to skip what needs it");
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIP: ffmpeg not found; no generated MKV"
    );
    false
}

/// An MKV of a few hundred KiB with a planted title and location.
fn ffmpeg_mkv(dir: &Path) -> PathBuf {
    let path = dir.join("clip.mkv");
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc=size=320x240:rate=10")
        .args(["-t", "4", "-c:v", "mpeg4", "-q:v", "5"])
        .args(["-metadata", "title=Planted Title"])
        .args(["-metadata", "location=+59.4370+024.7536/"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    path
}

/// A media file the patch path handles, with its original bytes and the
/// clean version `-o` writes.
struct Case {
    name: String,
    original: Vec<u8>,
    clean: Vec<u8>,
}

/// The files the crash tests run on: each one must be patched in place.
fn cases(work: &Path) -> Vec<Case> {
    let mut sources: Vec<PathBuf> = [
        "moov-last.mp4",
        "drone-telemetry.mp4",
        "tagged.webm",
        "info.avi",
    ]
    .iter()
    .map(|n| samples().join(n))
    .collect();
    if have_ffmpeg() {
        sources.push(ffmpeg_mkv(work));
    }
    sources
        .iter()
        .map(|source| {
            let name = source.file_name().unwrap().to_string_lossy().into_owned();
            let original = fs::read(source).unwrap();
            let reference = work.join(format!("reference-{name}"));
            let out = run(work, &["clean", "-q", "-o"], &[&reference, source], &[]);
            assert!(out.status.success(), "{name}: {}", stderr(&out));
            let clean = fs::read(&reference).unwrap();
            assert_eq!(clean.len(), original.len(), "{name}: not a same-size plan");
            assert_ne!(clean, original, "{name}: nothing to clean");
            // It does take the patch path.
            let dir = work.join(format!("probe-{name}"));
            fs::create_dir(&dir).unwrap();
            let file = dir.join(&name);
            fs::write(&file, &original).unwrap();
            let out = run(&dir, &["clean", "--json", "--in-place"], &[&file], &[]);
            assert!(out.status.success(), "{name}: {}", stderr(&out));
            assert_eq!(written(&out), "patched", "{name}");
            assert_eq!(fs::read(&file).unwrap(), clean, "{name}: patch != -o");
            Case {
                name,
                original,
                clean,
            }
        })
        .collect()
}

/// Steps of a patch the process is aborted at, and what the file may be
/// right after the crash: `true` when it is always the original or the
/// clean version already (a patch half written is neither).
const CRASH_POINTS: &[(&str, bool)] = &[
    ("journal-half-written", true),
    ("journal-written", true),
    ("journal-synced", true),
    ("patch-half-written", false),
    ("patch-written", true),
    ("patch-synced", true),
    ("before-journal-removed", true),
    ("journal-removed", true),
];

/// Abort an in-place clean of `file` at `point`; the process must really
/// have died there.
fn crash(dir: &Path, file: &Path, point: &str) {
    let out = run(
        dir,
        &["clean", "-q", "--in-place"],
        &[file],
        &[("MEDIASCRUB_TEST_CRASH_AT", point)],
    );
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        out.status.signal(),
        Some(6),
        "{point}: not aborted ({:?}): {}",
        out.status,
        stderr(&out)
    );
}

/// What a run after a crash must say, given the step of the crash.
fn check_recovery_line(point: &str, err: &str, what: &str) {
    match point {
        "journal-half-written" => assert!(
            err.contains("deleted its incomplete journal"),
            "{what}: {err}"
        ),
        "journal-removed" => assert!(!err.contains("interrupted"), "{what}: {err}"),
        _ => assert!(
            err.contains("rolled back from its journal"),
            "{what}: {err}"
        ),
    }
    // One line, naming the file.
    let lines = err.lines().filter(|l| l.contains("interrupted")).count();
    assert!(lines <= 1, "{what}: {err}");
}

#[test]
fn killed_at_every_step_the_next_run_finds_the_original_or_the_clean_file() {
    let work = tempfile::tempdir().unwrap();
    for case in cases(work.path()) {
        for &(point, whole) in CRASH_POINTS {
            let what = format!("{} at {point}", case.name);
            // 1. Crash, then `scan` of the folder: rolled back, reported.
            let dir = work.path().join(format!("scan-{}-{point}", case.name));
            fs::create_dir(&dir).unwrap();
            let file = dir.join(&case.name);
            fs::write(&file, &case.original).unwrap();
            crash(&dir, &file, point);
            let now = fs::read(&file).unwrap();
            if whole {
                assert!(
                    now == case.original || now == case.clean,
                    "{what}: neither original nor clean after the crash"
                );
            }
            let expect_journal = point != "journal-removed";
            assert_eq!(journals(&dir).len(), usize::from(expect_journal), "{what}");
            let out = run(&dir, &["scan", "-q"], &[&dir], &[]);
            let err = stderr(&out);
            assert!(out.status.success(), "{what}: {err}");
            check_recovery_line(point, &err, &what);
            let expected = if point == "journal-removed" {
                &case.clean
            } else {
                &case.original
            };
            assert!(fs::read(&file).unwrap() == *expected, "{what}: after scan");
            assert!(journals(&dir).is_empty(), "{what}: journal left");
            // Cleaning then gives exactly what -o gives.
            let out = run(&dir, &["clean", "-q", "--in-place"], &[&file], &[]);
            assert!(out.status.success(), "{what}: {}", stderr(&out));
            assert!(
                fs::read(&file).unwrap() == case.clean,
                "{what}: clean != -o"
            );

            // 2. Crash, then `clean --in-place` of the file itself: rolled
            //    back, then cleaned.
            let dir = work.path().join(format!("clean-{}-{point}", case.name));
            fs::create_dir(&dir).unwrap();
            let file = dir.join(&case.name);
            fs::write(&file, &case.original).unwrap();
            crash(&dir, &file, point);
            let out = run(&dir, &["clean", "--json", "--in-place"], &[&file], &[]);
            let err = stderr(&out);
            assert!(out.status.success(), "{what}: {err}");
            check_recovery_line(point, &err, &what);
            let expect = if point == "journal-removed" {
                "unchanged"
            } else {
                "patched"
            };
            assert_eq!(written(&out), expect, "{what}");
            if point != "journal-removed" {
                let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                let warning = doc["files"][0]["warnings"][0].as_str().unwrap_or("");
                assert!(warning.contains("interrupted"), "{what}: {doc}");
            }
            assert!(
                fs::read(&file).unwrap() == case.clean,
                "{what}: clean != -o"
            );
            assert!(journals(&dir).is_empty(), "{what}: journal left");
            let names: Vec<_> = fs::read_dir(&dir).unwrap().flatten().collect();
            assert_eq!(names.len(), 1, "{what}: {names:?}");
        }
    }
}

/// A crash while a rollback is being written leaves the journal: the next
/// run rolls back again, from the start.
#[test]
fn killed_while_rolling_back_the_next_run_rolls_back_again() {
    let work = tempfile::tempdir().unwrap();
    for case in cases(work.path()) {
        let dir = work.path().join(format!("rb-{}", case.name));
        fs::create_dir(&dir).unwrap();
        let file = dir.join(&case.name);
        fs::write(&file, &case.original).unwrap();
        crash(&dir, &file, "patch-synced");
        assert!(fs::read(&file).unwrap() == case.clean, "{}", case.name);
        let out = run(
            &dir,
            &["scan", "-q"],
            &[&file],
            &[("MEDIASCRUB_TEST_CRASH_AT", "rollback-half-written")],
        );
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            out.status.signal(),
            Some(6),
            "{}: {}",
            case.name,
            stderr(&out)
        );
        assert_eq!(journals(&dir).len(), 1, "{}", case.name);
        let out = run(&dir, &["scan", "-q"], &[&dir], &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).contains("rolled back"), "{}", stderr(&out));
        assert!(fs::read(&file).unwrap() == case.original, "{}", case.name);
        assert!(journals(&dir).is_empty());
    }
}

/// A write that fails half-way through the patch, or a patched file that
/// does not verify: rolled back at once, reported as failed, no journal
/// left, the original's modification time back.
#[test]
fn a_failed_patch_is_rolled_back_and_reported() {
    let work = tempfile::tempdir().unwrap();
    let case = cases(work.path()).swap_remove(0);
    for step in ["patch-write", "patch-verify"] {
        let dir = work.path().join(step);
        fs::create_dir(&dir).unwrap();
        let file = dir.join(&case.name);
        fs::write(&file, &case.original).unwrap();
        let before = fs::metadata(&file).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let out = run(
            &dir,
            &["clean", "--in-place"],
            &[&file],
            &[("MEDIASCRUB_TEST_FAIL_AT", step)],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{step}: {err}");
        assert!(err.contains("injected failure"), "{step}: {err}");
        assert!(err.contains("rolled back to the original"), "{step}: {err}");
        assert!(fs::read(&file).unwrap() == case.original, "{step}");
        assert_eq!(fs::metadata(&file).unwrap().modified().unwrap(), before);
        assert!(journals(&dir).is_empty(), "{step}");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1, "{step}");
    }
}

/// A full disk while the journal is written: no patch starts; the file
/// then takes the rewrite path, which fails the same way; the original is
/// intact and nothing is left behind.
#[test]
fn disk_full_while_writing_the_journal_leaves_the_original() {
    let work = tempfile::tempdir().unwrap();
    let case = cases(work.path()).swap_remove(0);
    for after in ["0", "100"] {
        let dir = work.path().join(format!("full-{after}"));
        fs::create_dir(&dir).unwrap();
        let file = dir.join(&case.name);
        fs::write(&file, &case.original).unwrap();
        let out = run(
            &dir,
            &["clean", "--in-place"],
            &[&file],
            &[("MEDIASCRUB_TEST_FAIL_WRITE_AFTER", after)],
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("No space left"), "{err}");
        assert!(fs::read(&file).unwrap() == case.original);
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1, "left behind");
    }
}

/// Patching keeps the inode, owner, group and mode (the file is the same
/// file), changes the modification time, and removes extended attributes
/// a rewrite would not carry over (`user.*`), keeping ACLs.
#[test]
fn a_patched_file_keeps_its_inode_owner_and_mode_but_not_user_xattrs() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clip.mp4");
    fs::copy(samples().join("moov-last.mp4"), &file).unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
    let is_root = fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if is_root {
        std::os::unix::fs::chown(&file, Some(1234), Some(1234)).unwrap();
    }
    let xattr = rustix::fs::setxattr(
        &file,
        "user.xdg.origin.url",
        b"https://example.invalid/secret",
        rustix::fs::XattrFlags::empty(),
    )
    .is_ok();
    if !xattr {
        eprintln!("SKIP xattr part: no user extended attributes here");
    }
    let before = fs::metadata(&file).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = run(
        dir.path(),
        &["clean", "--json", "--in-place"],
        &[&file],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(written(&out), "patched");
    let after = fs::metadata(&file).unwrap();
    assert_eq!(
        (after.ino(), after.uid(), after.gid(), after.mode()),
        (before.ino(), before.uid(), before.gid(), before.mode())
    );
    assert!(after.modified().unwrap() > before.modified().unwrap());
    if xattr {
        let mut buf = vec![0u8; 256];
        assert!(rustix::fs::getxattr(&file, "user.xdg.origin.url", &mut buf[..]).is_err());
    }
    // Cleaning it again writes nothing.
    let out = run(
        dir.path(),
        &["clean", "--json", "--in-place"],
        &[&file],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(written(&out), "unchanged");
    let human = run(dir.path(), &["clean", "--in-place"], &[&file], &[]);
    assert!(
        String::from_utf8_lossy(&human.stdout).contains("already clean, unchanged"),
        "{}",
        String::from_utf8_lossy(&human.stdout)
    );
}

/// What cannot be patched is rewritten, as before, into exactly what `-o`
/// writes: a faststart MP4 (its `moov` shrinks and the media moves up), a
/// Matroska file whose changes are most of it (a large attachment), a
/// JPEG.
#[test]
fn files_that_cannot_be_patched_are_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["phone-faststart.mp4", "tagged.mkv", "photo-gps.jpg"] {
        let file = dir.path().join(name);
        fs::copy(samples().join(name), &file).unwrap();
        let reference = dir.path().join(format!("reference-{name}"));
        let out = run(
            dir.path(),
            &["clean", "-q", "-o"],
            &[&reference, &file],
            &[],
        );
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let out = run(
            dir.path(),
            &["clean", "--json", "--in-place"],
            &[&file],
            &[],
        );
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert_eq!(written(&out), "rewritten", "{name}");
        assert!(
            fs::read(&file).unwrap() == fs::read(&reference).unwrap(),
            "{name}"
        );
        assert!(journals(dir.path()).is_empty());
    }
}

/// With `--allow-hardlinks` only the given name is replaced, as documented:
/// a hard-linked file is rewritten, never patched (a patch would change
/// every name).
#[test]
fn hard_linked_files_are_rewritten_not_patched() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clip.mp4");
    let other = dir.path().join("other.mp4");
    fs::copy(samples().join("moov-last.mp4"), &file).unwrap();
    fs::hard_link(&file, &other).unwrap();
    let original = fs::read(&file).unwrap();
    let out = run(dir.path(), &["clean", "--in-place"], &[&file], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = run(
        dir.path(),
        &["clean", "--json", "--in-place", "--allow-hardlinks"],
        &[&file],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(written(&out), "rewritten");
    assert_ne!(fs::read(&file).unwrap(), original);
    assert_eq!(fs::read(&other).unwrap(), original);
}

/// Another run holding the file: an in-place clean (which may patch) is
/// refused while it reads; a scan is refused while it patches.
#[test]
fn a_file_locked_by_another_run_is_not_touched() {
    use rustix::fs::{flock, FlockOperation};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clip.mp4");
    fs::copy(samples().join("moov-last.mp4"), &file).unwrap();
    let original = fs::read(&file).unwrap();
    let holder = fs::File::open(&file).unwrap();
    flock(&holder, FlockOperation::LockShared).unwrap();
    let out = run(dir.path(), &["clean", "--in-place"], &[&file], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("another mediascrub run"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read(&file).unwrap(), original);
    let out = run(dir.path(), &["scan", "-q"], &[&file], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    flock(&holder, FlockOperation::LockExclusive).unwrap();
    let out = run(dir.path(), &["scan", "-q"], &[&file], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    drop(holder);
    let out = run(dir.path(), &["clean", "-q", "--in-place"], &[&file], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A journal whose file is gone is listed as skipped in a walk and kept;
/// one planted by hand for another file's bytes is refused, not applied.
#[test]
fn stray_and_foreign_journals_are_never_applied() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clip.mp4");
    let original = fs::read(samples().join("moov-last.mp4")).unwrap();
    fs::write(&file, &original).unwrap();
    crash(dir.path(), &file, "journal-synced");
    let journal = dir.path().join(".clip.mp4.mediascrub-journal");
    assert!(journal.exists());
    // The same journal beside another file of the same length and name.
    let other_dir = dir.path().join("other");
    fs::create_dir(&other_dir).unwrap();
    let other = other_dir.join("clip.mp4");
    // Other bytes all over (some around every patched range).
    let mut different = original.clone();
    for byte in different.iter_mut().step_by(512) {
        *byte ^= 0xFF;
    }
    fs::write(&other, &different).unwrap();
    fs::copy(&journal, other_dir.join(".clip.mp4.mediascrub-journal")).unwrap();
    let out = run(dir.path(), &["scan", "-q"], &[&other], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("does not belong to this file"), "{err}");
    assert_eq!(fs::read(&other).unwrap(), different);
    assert_eq!(journals(&other_dir).len(), 1);
    // The original file gone: its journal is skipped in a walk, and kept.
    fs::remove_file(&file).unwrap();
    let out = run(dir.path(), &["scan", "-q"], &[dir.path()], &[]);
    let err = stderr(&out);
    assert!(err.contains("which is not here (kept"), "{err}");
    assert!(journal.exists());
    assert!(
        !contains(&out.stdout, b"mediascrub-journal ("),
        "walked as media"
    );
}
