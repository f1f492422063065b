//! Safe writes under faults: a full disk, a read-only destination, an input
//! that changes while it is cleaned, a process killed mid-write. In every
//! case the original is intact and nothing partial sits at the target path.
//!
//! Some faults are real (a 64 KiB tmpfs, `chattr +i`) and need root with
//! the right capabilities: without them those tests print SKIP and pass.
//! The others use the writer's test-only fault injection, which works
//! everywhere.

#![cfg(all(unix, feature = "fault-injection"))]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mediascrub"))
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A structurally valid JPEG with a planted comment and `scan_len` bytes of
/// entropy-coded data (so that its cleaned output is about that large).
fn big_jpeg(scan_len: usize) -> Vec<u8> {
    let mut f = vec![0xFF, 0xD8];
    let comment = b"owner Jane Planted";
    f.extend_from_slice(&[0xFF, 0xFE, 0, comment.len() as u8 + 2]);
    f.extend_from_slice(comment);
    f.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
    f.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0]);
    f.extend(std::iter::repeat_n(0x12, scan_len));
    f.extend_from_slice(&[0xFF, 0xD9]);
    f
}

/// Names in `dir` starting with our temporary prefix.
fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".mediascrub-"))
                .collect()
        })
        .unwrap_or_default()
}

/// Wait for `child` to exit, at most `limit`.
fn wait(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the CLI did not exit in {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Wait until a temporary output appears in `dir`.
fn wait_for_temp(dir: &Path, child: &mut Child) {
    let start = Instant::now();
    while temp_files(dir).is_empty() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the CLI exited ({status}) before writing");
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no temp file");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn injected_disk_full_leaves_no_output_and_the_original_intact() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("photo.jpg");
    let original = fs::read(samples().join("photo-gps.jpg")).unwrap();
    fs::write(&input, &original).unwrap();
    let out_dir = dir.path().join("out");
    let o_target = dir.path().join("o.jpg");
    let cases: [(&str, Vec<&std::ffi::OsStr>, PathBuf); 3] = [
        (
            "-o",
            vec!["-o".as_ref(), o_target.as_os_str()],
            o_target.clone(),
        ),
        (
            "--out",
            vec!["--out".as_ref(), out_dir.as_os_str()],
            out_dir.join("photo.jpg"),
        ),
        ("--in-place", vec!["--in-place".as_ref()], input.clone()),
    ];
    for (what, args, target) in cases {
        for fail_after in ["0", "1000"] {
            let result = bin()
                .arg("clean")
                .args(&args)
                .arg(&input)
                .env("MEDIASCRUB_TEST_FAIL_WRITE_AFTER", fail_after)
                .output()
                .unwrap();
            let err = stderr(&result);
            assert_eq!(result.status.code(), Some(1), "{what}: {err}");
            assert!(err.contains("No space left"), "{what}: {err}");
            assert_eq!(fs::read(&input).unwrap(), original, "{what}: original");
            if target != input {
                assert!(!target.exists(), "{what}: partial output at the target");
            }
            let target_dir = target.parent().unwrap();
            assert!(temp_files(target_dir).is_empty(), "{what}: temp left");
        }
    }
}

/// A tmpfs mounted for the life of the value.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        fs::create_dir_all(at).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn real_full_disk_tmpfs() {
    let dir = tempfile::tempdir().unwrap();
    let Some(mnt) = Tmpfs::mount(&dir.path().join("small"), "64k") else {
        common::skip("faults: cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)");
        return;
    };
    // 1. A 256 KiB output into a 64 KiB file system.
    let input = dir.path().join("big.jpg");
    fs::write(&input, big_jpeg(256 << 10)).unwrap();
    let target = mnt.0.join("big.jpg");
    let result = bin()
        .args(["clean", "-o"])
        .arg(&target)
        .arg(&input)
        .output()
        .unwrap();
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(err.contains("No space left"), "{err}");
    assert!(!target.exists(), "partial output at the target");
    assert!(
        temp_files(&mnt.0).is_empty(),
        "temp file left on the full disk"
    );
    // 2. In place, on the full disk itself: the original must survive.
    let original = big_jpeg(30 << 10)
        .into_iter()
        .chain(std::iter::repeat_n(0, 24 << 10)) // a trailer, removed
        .collect::<Vec<u8>>();
    let inside = mnt.0.join("photo.jpg");
    fs::write(&inside, &original).unwrap();
    let result = bin()
        .args(["clean", "--in-place"])
        .arg(&inside)
        .output()
        .unwrap();
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(err.contains("No space left"), "{err}");
    assert_eq!(fs::read(&inside).unwrap(), original, "original damaged");
    assert!(
        temp_files(&mnt.0).is_empty(),
        "temp file left on the full disk"
    );
}

/// A directory made immutable (`chattr +i`, which binds root too) for the
/// life of the value.
struct Immutable(PathBuf);

impl Immutable {
    fn set(dir: &Path) -> Option<Immutable> {
        let ok = Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Immutable(dir.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn read_only_destination_is_refused_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    fs::create_dir(&ro).unwrap();
    let original = fs::read(samples().join("photo-gps.jpg")).unwrap();
    let inside = ro.join("photo.jpg");
    fs::write(&inside, &original).unwrap();
    let input = dir.path().join("photo.jpg");
    fs::write(&input, &original).unwrap();
    let Some(_guard) = Immutable::set(&ro) else {
        common::skip("faults: cannot make a directory read-only here (chattr +i unsupported)");
        return;
    };
    // Writing a new file into it.
    let target = ro.join("clean.jpg");
    let result = bin()
        .args(["clean", "-o"])
        .arg(&target)
        .arg(&input)
        .output()
        .unwrap();
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot create a temporary file"), "{err}");
    assert!(!target.exists());
    // Replacing a file inside it.
    let result = bin()
        .args(["clean", "--in-place"])
        .arg(&inside)
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    assert_eq!(fs::read(&inside).unwrap(), original);
    assert!(temp_files(&ro).is_empty());
    assert_eq!(fs::read(&input).unwrap(), original);
}

#[test]
fn input_truncated_while_being_cleaned_gives_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.jpg");
    fs::write(&input, big_jpeg(6 << 20)).unwrap();
    let out_dir = dir.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("big.jpg");
    let mut child = bin()
        .args(["clean", "-o"])
        .arg(&target)
        .arg(&input)
        .env("MEDIASCRUB_TEST_WRITE_DELAY_MS", "150")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_temp(&out_dir, &mut child);
    // Another program cuts the file short while we copy from it.
    fs::OpenOptions::new()
        .write(true)
        .open(&input)
        .unwrap()
        .set_len(1000)
        .unwrap();
    let status = wait(&mut child, Duration::from_secs(60));
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains("changed while it was being cleaned") || err.contains("read error"),
        "{err}"
    );
    assert!(!target.exists(), "output written from a changing input");
    assert!(temp_files(&out_dir).is_empty(), "temp file left");
}

#[test]
fn killed_mid_write_leaves_no_output_only_a_marked_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let input_dir = dir.path().join("in");
    fs::create_dir(&input_dir).unwrap();
    let input = input_dir.join("big.jpg");
    let original = big_jpeg(6 << 20);
    fs::write(&input, &original).unwrap();
    // In place: the worst case, the original itself is the target.
    let mut child = bin()
        .args(["clean", "--in-place"])
        .arg(&input)
        .env("MEDIASCRUB_TEST_WRITE_DELAY_MS", "150")
        .spawn()
        .unwrap();
    wait_for_temp(&input_dir, &mut child);
    std::thread::sleep(Duration::from_millis(400)); // some bytes written
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert_eq!(fs::read(&input).unwrap(), original, "original damaged");
    // What remains: exactly one temporary file, named with our prefix.
    let temps = temp_files(&input_dir);
    assert_eq!(temps.len(), 1, "{temps:?}");
    let names: Vec<_> = fs::read_dir(&input_dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // A later run over the folder skips it (never an input, never output).
    let out = dir.path().join("out");
    let result = bin()
        .args(["clean", "--json", "--out"])
        .arg(&out)
        .arg(&input_dir)
        .output()
        .unwrap();
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(
        stderr(&result).contains("interrupted") || {
            String::from_utf8_lossy(&result.stdout).contains("interrupted")
        },
        "{}",
        stderr(&result)
    );
    let written: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, vec!["big.jpg".to_string()]);
}

#[test]
fn fifo_argument_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.jpg");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        common::skip("faults: mkfifo not available");
        return;
    }
    for args in [&["scan"][..], &["clean", "--out", "out"][..]] {
        let mut child = bin()
            .args(args)
            .arg(&fifo)
            .current_dir(dir.path())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let status = wait(&mut child, Duration::from_secs(10));
        let out = child.wait_with_output().unwrap();
        assert_eq!(status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("not a regular file"),
            "{}",
            stderr(&out)
        );
    }
    assert!(!dir.path().join("out/pipe.jpg").exists());
}

/// A disk that fills while a chowned, 0640 file is cleaned in place leaves
/// it exactly as it was: content, owner, group, mode, inode.
#[test]
fn injected_disk_full_in_place_keeps_the_original_and_its_owner() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("photo.jpg");
    let original = fs::read(samples().join("photo-gps.jpg")).unwrap();
    fs::write(&input, &original).unwrap();
    fs::set_permissions(&input, fs::Permissions::from_mode(0o640)).unwrap();
    if std::os::unix::fs::chown(&input, Some(1234), Some(1234)).is_err() {
        common::skip("faults: chown needs root; checking content and mode only");
    }
    let before = fs::metadata(&input).unwrap();
    let result = bin()
        .args(["clean", "--in-place"])
        .arg(&input)
        .env("MEDIASCRUB_TEST_FAIL_WRITE_AFTER", "1000")
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    let after = fs::metadata(&input).unwrap();
    assert_eq!(fs::read(&input).unwrap(), original);
    assert_eq!(
        (after.ino(), after.uid(), after.gid(), after.mode()),
        (before.ino(), before.uid(), before.gid(), before.mode())
    );
    assert!(temp_files(dir.path()).is_empty());
}

/// In place, a batch replaces no original until every temporary of the
/// batch is written and flushed: killed while the second of two files is
/// being written, both originals are intact, the first one's complete
/// output waiting beside it under a temporary name.
#[test]
fn killed_mid_batch_in_place_has_replaced_nothing_yet() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("a.jpg");
    let second = dir.path().join("b.jpg");
    let original = big_jpeg(2 << 20);
    fs::write(&first, &original).unwrap();
    fs::write(&second, &original).unwrap();
    let mut child = bin()
        .args(["clean", "-j", "1", "--in-place"])
        .arg(&first)
        .arg(&second)
        .env("MEDIASCRUB_TEST_WRITE_DELAY_MS", "150")
        .spawn()
        .unwrap();
    // Both temporaries exist: the first output is complete, the second is
    // being written.
    let start = Instant::now();
    while temp_files(dir.path()).len() < 2 {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the CLI exited ({status}) before writing the second file");
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no second temp");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert_eq!(
        fs::read(&first).unwrap(),
        original,
        "first original replaced"
    );
    assert_eq!(
        fs::read(&second).unwrap(),
        original,
        "second original damaged"
    );
    assert_eq!(temp_files(dir.path()).len(), 2);

    // Run to the end, the batch replaces both, leaving no temporary of its
    // own (the two from the killed run stay, for the user to delete).
    let result = bin()
        .args(["clean", "-q", "--in-place"])
        .arg(&first)
        .arg(&second)
        .output()
        .unwrap();
    assert!(result.status.success(), "{}", stderr(&result));
    for path in [&first, &second] {
        let cleaned = fs::read(path).unwrap();
        assert!(
            cleaned.len() < original.len(),
            "{} not cleaned",
            path.display()
        );
        assert!(!cleaned.windows(7).any(|w| w == b"Planted"));
    }
    assert_eq!(temp_files(dir.path()).len(), 2);
}

/// `--no-sync` writes the same files; it is refused with `--in-place`.
#[test]
fn no_sync_writes_the_same_and_is_refused_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("photo.jpg");
    fs::write(&input, fs::read(samples().join("photo-gps.jpg")).unwrap()).unwrap();
    let (synced, unsynced) = (dir.path().join("s.jpg"), dir.path().join("u.jpg"));
    for (target, extra) in [(&synced, None), (&unsynced, Some("--no-sync"))] {
        let result = bin()
            .args(["clean", "-q", "-o"])
            .arg(target)
            .args(extra)
            .arg(&input)
            .output()
            .unwrap();
        assert!(result.status.success(), "{}", stderr(&result));
    }
    assert_eq!(fs::read(&synced).unwrap(), fs::read(&unsynced).unwrap());
    let result = bin()
        .args(["clean", "--in-place", "--no-sync"])
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
}
