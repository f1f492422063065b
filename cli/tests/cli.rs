//! The command-line contract: paths, destinations, exit codes, JSON, and
//! never losing or half-writing a file.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mediascrub"))
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

fn run(args: &[&str], paths: &[&Path]) -> Output {
    bin().args(args).args(paths).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A folder with two planted photos (one hidden, one nested), a text file
/// and a JPEG with a misleading extension.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("sub")).unwrap();
    fs::copy(samples().join("photo-gps.jpg"), root.join("a.jpg")).unwrap();
    fs::copy(
        samples().join(".hidden-photo.jpg"),
        root.join(".hidden.jpg"),
    )
    .unwrap();
    fs::copy(samples().join("nested/owner.jpg"), root.join("sub/b.jpg")).unwrap();
    fs::copy(samples().join("jpeg-named.png"), root.join("sub/c.png")).unwrap();
    fs::write(root.join("notes.txt"), "not media").unwrap();
    dir
}

#[test]
fn out_dir_mirrors_tree_including_hidden_files() {
    let input = fixture();
    let out = tempfile::tempdir().unwrap();
    let result = run(&["clean", "-q", "--out"], &[out.path(), input.path()]);
    assert!(result.status.success(), "{}", stderr(&result));
    for rel in ["a.jpg", ".hidden.jpg", "sub/b.jpg", "sub/c.png"] {
        let cleaned = fs::read(out.path().join(rel)).unwrap();
        assert!(cleaned.starts_with(&[0xFF, 0xD8]), "{rel}");
        assert!(
            !contains(&cleaned, b"Jane Planted"),
            "{rel} leaks the owner"
        );
        assert!(
            !contains(&cleaned, b"MSCRUB-SN-0042"),
            "{rel} leaks the serial"
        );
    }
    assert!(!out.path().join("notes.txt").exists());
    assert!(stderr(&result).contains("skipped"));
    // The originals are untouched.
    assert_eq!(
        fs::read(input.path().join("a.jpg")).unwrap(),
        fs::read(samples().join("photo-gps.jpg")).unwrap()
    );
}

#[test]
fn file_argument_lands_by_name_and_orientation_is_kept() {
    let out = tempfile::tempdir().unwrap();
    let photo = samples().join("photo-gps.jpg");
    let result = run(&["clean", "--out"], &[out.path(), &photo]);
    assert!(result.status.success(), "{}", stderr(&result));
    let cleaned = fs::read(out.path().join("photo-gps.jpg")).unwrap();
    // The minimal Exif: big-endian TIFF, one entry, Orientation = 6.
    assert!(contains(
        &cleaned,
        b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06"
    ));
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(stdout.contains("GPS position"), "{stdout}");
    assert!(stdout.contains("removed"), "{stdout}");
}

#[test]
fn malformed_files_get_no_output_and_one_line_each_but_the_batch_goes_on() {
    let input = tempfile::tempdir().unwrap();
    let good = fs::read(samples().join("photo-gps.jpg")).unwrap();
    fs::write(input.path().join("good.jpg"), &good).unwrap();
    // Cut inside its headers (a cut inside the image data is cleaned).
    fs::write(input.path().join("truncated.jpg"), &good[..300]).unwrap();
    fs::write(
        input.path().join("garbage.jpg"),
        b"this is not an image at all",
    )
    .unwrap();
    fs::write(input.path().join("empty.jpg"), b"").unwrap();
    let mut long_segment = good[..2].to_vec();
    long_segment.extend_from_slice(&[0xFF, 0xE1, 0xFF, 0xF0, b'E', b'x']);
    fs::write(input.path().join("past-end.jpg"), &long_segment).unwrap();
    let out = tempfile::tempdir().unwrap();
    let result = run(&["clean", "-q", "--out"], &[out.path(), input.path()]);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    for name in ["truncated.jpg", "garbage.jpg", "empty.jpg", "past-end.jpg"] {
        let lines: Vec<&str> = err.lines().filter(|l| l.contains(name)).collect();
        assert_eq!(lines.len(), 1, "{name}: {err}");
        assert!(!out.path().join(name).exists(), "{name} got an output");
    }
    assert!(err.contains("truncated"), "{err}");
    assert!(err.contains("claims"), "{err}");
    assert!(out.path().join("good.jpg").exists());
    let leftovers: Vec<_> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "temporary files left: {leftovers:?}");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["clean"], &[]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"], &[]).status.code(), Some(2));
    let dir = fixture();
    let target = dir.path().join("x.jpg");
    let result = run(&["clean", "-o"], &[&target, dir.path()]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    let result = run(&["clean", "--in-place", "--out", "x"], &[dir.path()]);
    assert_eq!(result.status.code(), Some(2));
    let result = run(&["clean", "--keep", "gps"], &[dir.path()]);
    assert_eq!(result.status.code(), Some(2));
}

#[test]
fn sibling_copy_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("p.jpg");
    fs::copy(samples().join("photo-gps.jpg"), &photo).unwrap();
    let result = run(&["clean"], &[&photo]);
    assert!(result.status.success(), "{}", stderr(&result));
    let sibling = dir.path().join("p.clean.jpg");
    assert!(sibling.exists());
    assert!(String::from_utf8_lossy(&result.stdout).contains("p.clean.jpg"));
    fs::write(&sibling, b"precious").unwrap();
    let again = run(&["clean"], &[&photo]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("not overwriting"),
        "{}",
        stderr(&again)
    );
    assert_eq!(fs::read(&sibling).unwrap(), b"precious");
}

#[cfg(unix)]
#[test]
fn in_place_replaces_atomically_and_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("p.jpg");
    fs::copy(samples().join("photo-gps.jpg"), &photo).unwrap();
    fs::set_permissions(&photo, fs::Permissions::from_mode(0o640)).unwrap();
    let result = run(&["clean", "--in-place"], &[&photo]);
    assert!(result.status.success(), "{}", stderr(&result));
    let cleaned = fs::read(&photo).unwrap();
    assert!(!contains(&cleaned, b"Jane Planted"));
    let mode = fs::metadata(&photo).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "temporary file left behind"
    );
}

#[test]
fn in_place_failure_leaves_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("p.jpg");
    let good = fs::read(samples().join("photo-gps.jpg")).unwrap();
    // Cut inside its Exif block: refused (a cut inside the image data
    // would be cleaned as an incomplete image).
    fs::write(&photo, &good[..300]).unwrap();
    let result = run(&["clean", "--in-place"], &[&photo]);
    assert_eq!(result.status.code(), Some(1));
    assert_eq!(fs::read(&photo).unwrap(), &good[..300]);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn json_report_has_the_documented_shape() {
    let photo = samples().join("photo-gps.jpg");
    let result = run(&["scan", "--json"], &[&photo]);
    assert!(result.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    let file = &doc["files"][0];
    assert_eq!(file["format"], "jpeg");
    assert!(file["error"].is_null());
    let findings = file["findings"].as_array().unwrap();
    for f in findings {
        for key in ["category", "field", "where", "value", "fate"] {
            assert!(f.get(key).is_some(), "missing {key} in {f}");
        }
    }
    let has = |cat: &str| findings.iter().any(|f| f["category"] == cat);
    for cat in [
        "location", "device", "time", "identity", "software", "embedded",
    ] {
        assert!(has(cat), "no {cat} finding");
    }
    assert!(findings
        .iter()
        .any(|f| f["field"] == "Orientation" && f["fate"] == "kept"));
}

#[test]
fn json_clean_reports_errors_per_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bad.jpg"), [0xFF, 0xD8, 0xFF]).unwrap();
    let out = tempfile::tempdir().unwrap();
    let result = run(&["clean", "--json", "--out"], &[out.path(), dir.path()]);
    assert_eq!(result.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    assert!(doc["files"][0]["error"].as_str().unwrap().contains("JPEG"));
}

#[test]
fn jpeg_named_png_is_cleaned_as_jpeg_under_its_own_name() {
    let out = tempfile::tempdir().unwrap();
    let result = run(
        &["clean", "--json", "--out"],
        &[out.path(), &samples().join("jpeg-named.png")],
    );
    assert!(result.status.success(), "{}", stderr(&result));
    let doc: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    assert_eq!(doc["files"][0]["format"], "jpeg");
    assert!(out.path().join("jpeg-named.png").exists());
}

#[test]
fn colliding_outputs_are_refused() {
    let a = fixture();
    let b = fixture();
    let out = tempfile::tempdir().unwrap();
    let result = run(
        &["clean", "-q", "--out"],
        &[out.path(), &a.path().join("a.jpg"), &b.path().join("a.jpg")],
    );
    assert_eq!(result.status.code(), Some(1));
    assert!(
        stderr(&result).contains("another input also writes"),
        "{}",
        stderr(&result)
    );
    assert!(!out.path().join("a.jpg").exists());
}

#[test]
fn out_dir_inside_input_is_not_rescanned() {
    let input = fixture();
    let out = input.path().join("cleaned");
    let first = run(&["clean", "-q", "--out"], &[&out, input.path()]);
    assert!(first.status.success(), "{}", stderr(&first));
    let second = run(&["clean", "--json", "--out"], &[&out, input.path()]);
    assert!(second.status.success(), "{}", stderr(&second));
    let doc: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    for file in doc["files"].as_array().unwrap() {
        assert!(
            !file["path"].as_str().unwrap().contains("cleaned"),
            "{file}"
        );
    }
    assert!(!out.join("cleaned").exists());
}

#[cfg(unix)]
#[test]
fn symlinks_in_walked_trees_are_not_followed() {
    let input = fixture();
    let outside = tempfile::tempdir().unwrap();
    fs::copy(
        samples().join("photo-gps.jpg"),
        outside.path().join("secret.jpg"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.jpg"),
        input.path().join("link.jpg"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), input.path().join("linkdir")).unwrap();
    std::os::unix::fs::symlink(input.path().join("a.jpg"), input.path().join("inside.jpg"))
        .unwrap();
    std::os::unix::fs::symlink(input.path().join("notes.txt"), input.path().join("n.txt")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let result = run(&["clean", "-q", "--out"], &[out.path(), input.path()]);
    // Links are never followed. One leading to media or a folder outside
    // the walk leaves metadata reachable through the folder: refused, so
    // the batch is not reported clean.
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(!out.path().join("link.jpg").exists());
    assert!(!out.path().join("linkdir").exists());
    assert!(!out.path().join("inside.jpg").exists());
    let line = |name: &str| {
        err.lines()
            .find(|l| l.contains(name))
            .unwrap_or("")
            .to_string()
    };
    assert!(
        line("link.jpg").contains("symbolic link to media outside"),
        "{err}"
    );
    assert!(
        line("linkdir").contains("symbolic link to a folder outside"),
        "{err}"
    );
    // A link to a file inside the walk, or to a non-media file: skipped.
    assert!(line("inside.jpg").contains("skipped"), "{err}");
    assert!(line("n.txt").contains("skipped"), "{err}");
    assert!(out.path().join("a.jpg").exists());
}

#[test]
fn dry_run_writes_nothing() {
    let input = fixture();
    let out = input.path().join("never");
    let result = run(&["clean", "--dry-run", "--out"], &[&out, input.path()]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(!out.exists());
    assert!(String::from_utf8_lossy(&result.stdout).contains("dry run"));
}

#[test]
fn keep_none_drops_orientation_too() {
    let out = tempfile::tempdir().unwrap();
    let photo = samples().join("photo-gps.jpg");
    let result = run(
        &["clean", "-q", "--keep", "none", "--out"],
        &[out.path(), &photo],
    );
    assert!(result.status.success(), "{}", stderr(&result));
    let cleaned = fs::read(out.path().join("photo-gps.jpg")).unwrap();
    assert!(!contains(&cleaned, b"Exif\0\0"));
}

#[test]
fn parallel_batches_match_serial_ones() {
    let input = fixture();
    let serial = tempfile::tempdir().unwrap();
    let parallel = tempfile::tempdir().unwrap();
    assert!(run(
        &["clean", "-q", "-j", "1", "--out"],
        &[serial.path(), input.path()]
    )
    .status
    .success());
    assert!(run(
        &["clean", "-q", "-j", "4", "--out"],
        &[parallel.path(), input.path()]
    )
    .status
    .success());
    for rel in ["a.jpg", ".hidden.jpg", "sub/b.jpg", "sub/c.png"] {
        assert_eq!(
            fs::read(serial.path().join(rel)).unwrap(),
            fs::read(parallel.path().join(rel)).unwrap()
        );
    }
}

/// Media the core does not clean is refused by name, never skipped, even
/// when its extension is unusual or absent; only plainly non-media files
/// are skipped, and say what they are.
#[test]
fn media_it_cannot_clean_fails_the_batch_by_name_and_only_non_media_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::copy(samples().join("photo-gps.jpg"), root.join("a.jpg")).unwrap();
    let asf = b"\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9\x00\xAA\x00\x62\xCE\x6C WM/ToolName";
    let files: &[(&str, &[u8], &str)] = &[
        ("clip.wmv", asf, "WMV/ASF (Windows Media) is not supported"),
        (
            "clip-no-ext",
            asf,
            "WMV/ASF (Windows Media) is not supported",
        ),
        (
            "x.raf",
            b"FUJIFILMCCD-RAW 0201FF383501",
            "Fujifilm RAF is not supported",
        ),
        (
            "c.cr3",
            b"\0\0\0\x18ftypcrx \0\0\0\x01",
            "Canon CR3 is not supported",
        ),
        (
            "art.psd",
            b"8BPS\0\x01\0\0\0\0Artist",
            "Photoshop PSD is not supported",
        ),
        (
            "cam.x3f",
            b"FOVb\0\0\x02\0serial",
            "Sigma X3F raw is not supported",
        ),
        (
            "song.dat",
            b"FORM\0\0\0\x20AIFFCOMM",
            "AIFF audio is not supported",
        ),
        (
            "fake.wmv",
            b"just text",
            "named like media (.wmv) but its content is text",
        ),
        (
            "mystery.flv",
            b"\0\x9f\x13\x80\x01",
            "named like media (.flv) but its content is not recognised",
        ),
        ("blob.bin", b"\0\x9f\x13\x80\x01", "content not recognised"),
        (
            "o.orf",
            b"IIRO\x08\0\0\0",
            "Olympus ORF raw: unsupported format",
        ),
    ];
    for (name, bytes, _) in files {
        fs::write(root.join(name), bytes).unwrap();
    }
    fs::write(root.join("notes.txt"), "not media").unwrap();
    fs::write(root.join("doc.pdf"), "%PDF-1.7\n").unwrap();
    fs::write(root.join("a.zip"), b"PK\x03\x04\x14\0\0\0\0\0photo.jpg").unwrap();
    for args in [&["clean", "-q", "--in-place"][..], &["scan", "-q"][..]] {
        let result = run(args, &[root]);
        let err = stderr(&result);
        assert_eq!(result.status.code(), Some(1), "{args:?}: {err}");
        for (name, _, reason) in files {
            let lines: Vec<&str> = err.lines().filter(|l| l.contains(name)).collect();
            assert_eq!(lines.len(), 1, "{name}: {err}");
            assert!(lines[0].contains(reason), "{name}: {}", lines[0]);
        }
        assert!(err.contains("skipped"), "{err}");
        for (name, kind) in [
            ("notes.txt", "text"),
            ("doc.pdf", "PDF document"),
            ("a.zip", "ZIP archive"),
        ] {
            let line = err.lines().find(|l| l.contains(name)).unwrap();
            assert!(line.contains("skipped") && line.contains(kind), "{line}");
        }
        assert!(err.contains(&format!("{} refused", files.len())), "{err}");
        assert!(err.contains("3 skipped"), "{err}");
    }
    // Nothing that was refused was touched.
    for (name, bytes, _) in files {
        assert_eq!(&fs::read(root.join(name)).unwrap(), bytes, "{name}");
    }
    // The same files named on the command line get the same reasons.
    let result = run(
        &["clean", "--json", "--out"],
        &[root.join("out").as_path(), &root.join("x.raf")],
    );
    assert_eq!(result.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    let error = doc["files"][0]["error"].as_str().unwrap();
    assert!(
        error.starts_with("Fujifilm RAF raw: ") && error.contains("Fujifilm RAF is not supported"),
        "{error}"
    );
}

/// A minimal valid JPEG whose comment is `comment`.
fn jpeg_with_comment(comment: &[u8]) -> Vec<u8> {
    let mut f = vec![0xFF, 0xD8];
    f.extend_from_slice(&[0xFF, 0xFE, 0, comment.len() as u8 + 2]);
    f.extend_from_slice(comment);
    f.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
    f.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0]);
    f.extend(std::iter::repeat_n(0x12, 64));
    f.extend_from_slice(&[0xFF, 0xD9]);
    f
}

#[cfg(unix)]
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("probe"), b"").unwrap();
    fs::metadata(dir.path().join("probe")).unwrap().uid() == 0
}

/// A POSIX access ACL as Linux stores it: owner rw, user 4321 r, group r,
/// mask r, others nothing.
#[cfg(unix)]
fn acl_blob() -> Vec<u8> {
    let mut blob = 2u32.to_le_bytes().to_vec();
    for (tag, perm, id) in [
        (0x01u16, 6u16, u32::MAX),
        (0x02, 4, 4321),
        (0x04, 4, u32::MAX),
        (0x10, 4, u32::MAX),
        (0x20, 0, u32::MAX),
    ] {
        blob.extend(tag.to_le_bytes());
        blob.extend(perm.to_le_bytes());
        blob.extend(id.to_le_bytes());
    }
    blob
}

#[cfg(unix)]
#[test]
fn in_place_keeps_owner_group_mode_and_acl_but_not_mtime() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if !is_root() {
        common::skip("in_place_keeps_owner_group_mode_and_acl: needs root to chown");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("p.jpg");
    fs::copy(samples().join("photo-gps.jpg"), &photo).unwrap();
    std::os::unix::fs::chown(&photo, Some(1234), Some(1234)).unwrap();
    fs::set_permissions(&photo, fs::Permissions::from_mode(0o2640)).unwrap();
    let acl = acl_blob();
    let with_acl = rustix::fs::setxattr(
        &photo,
        "system.posix_acl_access",
        &acl,
        rustix::fs::XattrFlags::empty(),
    )
    .is_ok();
    if !with_acl {
        common::skip("in_place_keeps_owner_group_mode_and_acl: ACL part: the temporary folder's file system has no POSIX ACLs");
    }
    let before = fs::metadata(&photo).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let result = run(&["clean", "-q", "--in-place"], &[&photo]);
    assert!(result.status.success(), "{}", stderr(&result));
    let after = fs::metadata(&photo).unwrap();
    assert!(!contains(&fs::read(&photo).unwrap(), b"Jane Planted"));
    assert_ne!(after.ino(), before.ino(), "not replaced");
    assert_eq!((after.uid(), after.gid()), (1234, 1234));
    assert_eq!(after.mode() & 0o7777, before.mode() & 0o7777);
    assert!(after.modified().unwrap() > before.modified().unwrap());
    if with_acl {
        let mut buf = vec![0u8; 1024];
        let n = rustix::fs::getxattr(&photo, "system.posix_acl_access", &mut buf[..]).unwrap();
        assert_eq!(&buf[..n], &acl[..]);
    }
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[cfg(unix)]
#[test]
fn in_place_refuses_a_file_whose_owner_it_cannot_keep() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if !is_root() || Command::new("setpriv").arg("--version").output().is_err() {
        common::skip("in_place_refuses_a_file_whose_owner_it_cannot_keep: needs root and setpriv");
        return;
    }
    // User 1234 may write the folder and the file, but cannot give a new
    // file the owner 4321: the original must stay.
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let binary = dir.path().join("mediascrub");
    fs::copy(env!("CARGO_BIN_EXE_mediascrub"), &binary).unwrap();
    fs::set_permissions(&binary, fs::Permissions::from_mode(0o755)).unwrap();
    let photo = dir.path().join("p.jpg");
    fs::copy(samples().join("photo-gps.jpg"), &photo).unwrap();
    std::os::unix::fs::chown(&photo, Some(4321), Some(4321)).unwrap();
    fs::set_permissions(&photo, fs::Permissions::from_mode(0o666)).unwrap();
    let original = fs::read(&photo).unwrap();
    // A copy just written can be "busy" for a moment when another test's
    // child inherited the writing descriptor (ETXTBSY, exit 126): retry.
    let mut result = None;
    for _ in 0..20 {
        let attempt = Command::new("setpriv")
            .args(["--reuid=1234", "--regid=1234", "--clear-groups", "--"])
            .arg(&binary)
            .args(["clean", "--in-place"])
            .arg(&photo)
            .output()
            .unwrap();
        let busy = attempt.status.code() == Some(126)
            && String::from_utf8_lossy(&attempt.stderr).contains("Text file busy");
        result = Some(attempt);
        if !busy {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let result = result.unwrap();
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(
        err.contains("p.jpg") && err.contains("owner and group (4321:4321)"),
        "{err}"
    );
    assert_eq!(fs::read(&photo).unwrap(), original);
    assert_eq!(fs::metadata(&photo).unwrap().uid(), 4321);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        2,
        "temporary file left"
    );
}

#[cfg(unix)]
#[test]
fn outputs_never_replace_fifos_devices_or_links() {
    let dir = tempfile::tempdir().unwrap();
    let photo = samples().join("photo-gps.jpg");
    let fifo = dir.path().join("fifo.jpg");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let link = dir.path().join("link.jpg");
    fs::write(dir.path().join("target.jpg"), b"precious").unwrap();
    std::os::unix::fs::symlink(dir.path().join("target.jpg"), &link).unwrap();
    for (target, kind) in [
        (fifo.as_path(), "a FIFO"),
        (Path::new("/dev/null"), "a device"),
        (link.as_path(), "a symbolic link"),
        (dir.path(), "a folder"),
    ] {
        let result = run(&["clean", "-o"], &[target, &photo]);
        let err = stderr(&result);
        assert_eq!(result.status.code(), Some(1), "{kind}: {err}");
        assert!(
            err.contains(&format!("is {kind}; not replacing it")),
            "{err}"
        );
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        fs::read(dir.path().join("target.jpg")).unwrap(),
        b"precious"
    );
    // The same under --out: an existing FIFO where an output would go.
    let input = tempfile::tempdir().unwrap();
    fs::copy(&photo, input.path().join("a.jpg")).unwrap();
    let out = tempfile::tempdir().unwrap();
    assert!(Command::new("mkfifo")
        .arg(out.path().join("a.jpg"))
        .status()
        .unwrap()
        .success());
    let result = run(&["clean", "--out"], &[out.path(), input.path()]);
    assert_eq!(result.status.code(), Some(1));
    assert!(stderr(&result).contains("is a FIFO"), "{}", stderr(&result));
}

#[cfg(unix)]
#[test]
fn hard_linked_files_are_refused_in_place_unless_allowed_and_then_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("p.jpg");
    let other = dir.path().join("other-name.jpg");
    fs::copy(samples().join("photo-gps.jpg"), &photo).unwrap();
    fs::hard_link(&photo, &other).unwrap();
    let original = fs::read(&photo).unwrap();
    let result = run(&["clean", "--in-place"], &[&photo]);
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert!(
        err.contains("p.jpg") && err.contains("1 other hard link"),
        "{err}"
    );
    assert!(err.contains("--allow-hardlinks"), "{err}");
    assert_eq!(fs::read(&photo).unwrap(), original);
    let result = run(
        &["clean", "--json", "--in-place", "--allow-hardlinks"],
        &[&photo],
    );
    let err = stderr(&result);
    assert!(result.status.success(), "{err}");
    assert!(err.contains("warning: 1 other hard link(s)"), "{err}");
    let doc: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    assert!(doc["files"][0]["warnings"][0]
        .as_str()
        .unwrap()
        .contains("still hold the original"));
    assert!(!contains(&fs::read(&photo).unwrap(), b"Jane Planted"));
    // As documented: the other name keeps the original.
    assert_eq!(fs::read(&other).unwrap(), original);
    // The flag only makes sense with --in-place.
    assert_eq!(
        run(&["clean", "--allow-hardlinks"], &[&photo])
            .status
            .code(),
        Some(2)
    );
}

#[cfg(unix)]
#[test]
fn out_dir_never_writes_through_a_symlinked_subfolder() {
    let input = fixture();
    let out = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), out.path().join("sub")).unwrap();
    let result = run(&["clean", "-q", "--out"], &[out.path(), input.path()]);
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{err}");
    for name in ["sub/b.jpg", "sub/c.png"] {
        let line = err.lines().find(|l| l.contains(name)).unwrap_or_default();
        assert!(
            line.contains("symbolic link inside the output folder"),
            "{err}"
        );
    }
    assert_eq!(fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    assert!(out.path().join("a.jpg").exists());
}

#[test]
fn names_and_found_text_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let evil_name = "evil\u{1b}]0;owned\u{7}\u{1b}[2J\n\u{202e}gpj.jpg";
    let photo = dir.path().join(evil_name);
    fs::write(
        &photo,
        jpeg_with_comment(b"hi \x1b[31mred\x1b[0m \xc2\x9b6n"),
    )
    .unwrap();
    let broken = dir.path().join("bad\u{1b}[1m.jpg");
    fs::write(&broken, b"\xFF\xD8\xFF").unwrap();
    for args in [&["scan"][..], &["clean", "--dry-run"][..]] {
        let result = run(args, &[dir.path()]);
        for (what, text) in [("stdout", &result.stdout), ("stderr", &result.stderr)] {
            let text = String::from_utf8(text.clone()).unwrap();
            assert!(
                !text
                    .chars()
                    .any(|c| c.is_control() && c != '\n' || ('\u{202a}'..='\u{202e}').contains(&c)),
                "{args:?} {what}: {text:?}"
            );
            assert!(!text.contains("owned\u{7}"), "{what}");
        }
        let out = String::from_utf8_lossy(&result.stdout);
        assert!(
            out.contains("evil\\u{1B}]0;owned\\u{7}\\u{1B}[2J\\u{A}\\u{202E}gpj.jpg"),
            "{out}"
        );
        assert!(out.contains("[31mred"), "{out}");
    }
    // JSON keeps the exact name (serde escapes it).
    let result = run(&["scan", "--json"], &[&photo]);
    let doc: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    assert_eq!(doc["files"][0]["path"], photo.display().to_string());
}

#[test]
fn a_tiny_memory_budget_processes_one_file_at_a_time_with_the_same_results() {
    let input = fixture();
    let normal = tempfile::tempdir().unwrap();
    let tiny = tempfile::tempdir().unwrap();
    let result = run(
        &["clean", "-q", "-j", "8", "--out"],
        &[normal.path(), input.path()],
    );
    assert!(result.status.success(), "{}", stderr(&result));
    let result = run(
        &["clean", "-q", "-j", "8", "--memory-budget", "1", "--out"],
        &[tiny.path(), input.path()],
    );
    assert!(result.status.success(), "{}", stderr(&result));
    for rel in ["a.jpg", ".hidden.jpg", "sub/b.jpg", "sub/c.png"] {
        assert_eq!(
            fs::read(normal.path().join(rel)).unwrap(),
            fs::read(tiny.path().join(rel)).unwrap()
        );
    }
    let zero = run(&["scan", "--memory-budget", "0"], &[input.path()]);
    assert_eq!(zero.status.code(), Some(2));
}
