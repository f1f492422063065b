//! Everyday use: the policy flags (`--keep`, `--remove`, `--strict`), what
//! file names and file-system entries give away (`--rename`, times,
//! extended attributes), pipelines (`-`, `--jsonl`, `--files-from`,
//! `formats`, a reader that goes away), and what a new user runs into
//! (symbolic links to folders, `--out` among the inputs, files named
//! `clean.jpg`, refused files, wide columns).

mod common;

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mediascrub"))
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

fn run(args: &[&str], paths: &[&Path]) -> Output {
    bin().args(args).args(paths).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// exiftool's tags of `path` (`-a -G1 -s`, groups of the file on disk
/// left out), one `[Group] Name : value` per line; `None` without
/// exiftool (reported as a skip, or a failure under CI).
fn exiftool(path: &Path) -> Option<String> {
    let out = match Command::new("exiftool")
        .args([
            "-a",
            "-G1",
            "-s",
            "-e",
            "--System:all",
            "--File:all",
            "--ExifTool:all",
        ])
        .arg(path)
        .output()
    {
        Ok(out) if out.status.success() => out,
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "exiftool is required under CI"
            );
            common::skip(
                "everyday: exiftool is not installed (apt-get install libimage-exiftool-perl)",
            );
            return None;
        }
    };
    Some(text(&out.stdout))
}

/// A minimal valid JPEG with `segments` (marker and body) before its frame.
fn jpeg_with(segments: &[(u8, &[u8])]) -> Vec<u8> {
    let mut f = vec![0xFF, 0xD8];
    for (marker, body) in segments {
        f.extend_from_slice(&[0xFF, *marker]);
        f.extend_from_slice(&(body.len() as u16 + 2).to_be_bytes());
        f.extend_from_slice(body);
    }
    f.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
    f.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0]);
    f.extend(std::iter::repeat_n(0x12, 64));
    f.extend_from_slice(&[0xFF, 0xD9]);
    f
}

fn findings(file: &Value) -> &Vec<Value> {
    file["findings"].as_array().unwrap()
}

fn finding<'a>(file: &'a Value, field: &str) -> &'a Value {
    findings(file)
        .iter()
        .find(|f| f["field"].as_str().is_some_and(|s| s.starts_with(field)))
        .unwrap_or_else(|| panic!("no {field} in {file}"))
}

// --- Policy -------------------------------------------------------------

#[test]
fn remove_is_the_complement_of_keep_and_help_prints_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let photo = samples().join("photo-gps.jpg");
    let out = dir.path().join("o.jpg");
    let result = run(
        &["clean", "-q", "--remove", "orientation,location", "-o"],
        &[&out, &photo],
    );
    assert!(result.status.success(), "{}", text(&result.stderr));
    if let Some(tags) = exiftool(&out) {
        assert!(!tags.contains("Orientation"), "{tags}");
        assert!(tags.contains("ICC") || !tags.contains("GPS"), "{tags}");
    }
    // The default keeps it.
    let kept = dir.path().join("k.jpg");
    assert!(run(&["clean", "-q", "-o"], &[&kept, &photo])
        .status
        .success());
    if let Some(tags) = exiftool(&kept) {
        assert!(tags.contains("Orientation"), "{tags}");
        assert!(!tags.contains("GPS"), "{tags}");
    }
    // `--remove all` keeps nothing optional, like `--keep none`.
    let none = dir.path().join("n.jpg");
    assert!(
        run(&["clean", "-q", "--remove", "all", "-o"], &[&none, &photo])
            .status
            .success()
    );
    assert!(!contains(&fs::read(&none).unwrap(), b"Exif\0\0"));

    let never = run(&["clean", "--keep", "orientation,location"], &[&photo]);
    assert_eq!(never.status.code(), Some(2));
    assert!(text(&never.stderr).contains("location metadata is always removed"));
    let unknown = run(&["clean", "--remove", "gps"], &[&photo]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("unknown item to remove: 'gps'"));

    let help = text(&run(&["clean", "--help"], &[]).stdout);
    for needle in [
        "[default: orientation,icc]",
        "--remove <LIST>",
        "--strict",
        "NAME.clean.EXT",
        "- for standard output",
    ] {
        assert!(
            help.contains(needle),
            "{needle} not in clean --help:\n{help}"
        );
    }
}

#[test]
fn strict_refuses_unknown_blocks_and_refused_files_say_not_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("odd.jpg");
    fs::write(
        &photo,
        jpeg_with(&[(0xE9, b"MYSTERYVENDOR\0data"), (0xFE, b"Jane's comment")]),
    )
    .unwrap();
    let out = dir.path().join("out");

    // Default: the unknown block goes, flagged as such.
    let result = run(&["clean", "--json", "--out"], &[&out, &photo]);
    assert!(result.status.success(), "{}", text(&result.stderr));
    let doc = json(&result);
    let unknown = finding(&doc["files"][0], "Unknown block");
    assert_eq!(unknown["unknown"], true);
    assert_eq!(unknown["fate"], "removed");
    assert!(finding(&doc["files"][0], "Comment")
        .get("unknown")
        .is_none());
    assert!(!contains(
        &fs::read(out.join("odd.jpg")).unwrap(),
        b"MYSTERY"
    ));

    // --strict: no output, exit 1, one line naming the block; every
    // finding "not cleaned", in JSON and for humans.
    let strict_out = dir.path().join("strict");
    let result = run(
        &["clean", "--strict", "--json", "--out"],
        &[&strict_out, &photo],
    );
    assert_eq!(result.status.code(), Some(1));
    let err = text(&result.stderr);
    assert!(
        err.contains("odd.jpg") && err.contains("does not understand") && err.contains("APP9"),
        "{err}"
    );
    assert!(!strict_out.join("odd.jpg").exists());
    let doc = json(&result);
    let file = &doc["files"][0];
    assert!(file["error"].as_str().unwrap().contains("strict"));
    assert!(
        findings(file).iter().all(|f| f["fate"] == "not cleaned"),
        "{file}"
    );
    let human = run(&["clean", "--strict", "--out"], &[&strict_out, &photo]);
    let report = text(&human.stdout);
    assert!(report.contains("NOT CLEANED"), "{report}");
    let rows: Vec<&str> = report.lines().filter(|l| l.starts_with("    ")).collect();
    assert!(
        !rows.is_empty() && rows.iter().all(|l| l.ends_with("not cleaned")),
        "{report}"
    );

    // scan --strict says which files clean --strict would refuse.
    let scan = run(
        &["scan", "--strict", "-q"],
        &[&photo, &samples().join("photo-gps.png")],
    );
    assert_eq!(scan.status.code(), Some(1));
    assert!(
        text(&scan.stderr).contains("1 refused"),
        "{}",
        text(&scan.stderr)
    );
}

#[test]
fn matroska_track_uids_are_said_to_be_replaced() {
    let result = run(&["scan", "--json"], &[&samples().join("tagged.mkv")]);
    let doc = json(&result);
    let uid = finding(&doc["files"][0], "Track UID");
    assert_eq!(uid["fate"], "replaced", "{uid}");
    assert!(
        uid["value"].as_str().unwrap().contains("the track number"),
        "{uid}"
    );
}

// --- Names and file-system traces ---------------------------------------

#[cfg(unix)]
#[test]
fn names_times_and_extended_attributes_are_reported_and_never_inherited() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    fs::create_dir_all(input.join("Trip to Tallinn")).unwrap();
    let names = [
        "IMG_20240301_101112.jpg",
        "PXL_20240302_080910123.jpg",
        "Trip to Tallinn/VID-20240303-WA0001.mp4",
        "Trip to Tallinn/DJI_0042.MP4",
    ];
    for name in names {
        let sample = if name.ends_with(".jpg") {
            "photo-gps.jpg"
        } else {
            "phone-faststart.mp4"
        };
        fs::copy(samples().join(sample), input.join(name)).unwrap();
    }
    let first = input.join(names[0]);
    // Taken (and copied with its time) in 2001, downloaded from a page.
    let old = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    fs::File::options()
        .write(true)
        .open(&first)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let with_xattr = rustix::fs::setxattr(
        &first,
        "user.xdg.origin.url",
        b"https://social.example/u/jane/photo/42",
        rustix::fs::XattrFlags::empty(),
    )
    .is_ok();
    if !with_xattr {
        common::skip(
            "names_times_and_extended_attributes: the temporary folder has no user xattrs",
        );
    }

    let scan = run(&["scan", "--json"], &[&input]);
    assert!(scan.status.success(), "{}", text(&scan.stderr));
    let doc = json(&scan);
    let file = |name: &str| {
        doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .unwrap()
            .clone()
    };
    let img = file(names[0]);
    let date = finding(&img, "Date in the file name");
    assert_eq!(date["value"], "2024-03-01 10:11:12");
    assert_eq!(
        (date["where"].as_str(), date["category"].as_str()),
        (Some("file name"), Some("time"))
    );
    // A plain clean keeps the name (NAME.clean.EXT), and says so.
    assert_eq!(date["fate"], "kept");
    let mtime = finding(&img, "File modification time");
    assert_eq!(mtime["value"], "2001-09-09 01:46:40 UTC");
    assert_eq!(mtime["fate"], "removed");
    if with_xattr {
        let url = finding(&img, "Download address (user.xdg.origin.url)");
        assert_eq!(url["value"], "https://social.example/u/jane/photo/42");
        assert_eq!(url["category"], "provenance");
    }
    assert!(finding(&file(names[1]), "Device in the file name")["value"]
        .as_str()
        .unwrap()
        .contains("Pixel"));
    assert_eq!(
        finding(&file(names[2]), "App in the file name")["value"],
        "WhatsApp"
    );
    assert_eq!(
        finding(&file(names[2]), "Date in the file name")["value"],
        "2024-03-03"
    );
    assert!(finding(&file(names[3]), "Device in the file name")["value"]
        .as_str()
        .unwrap()
        .contains("DJI"));

    // --rename: neutral names, flat, extensions kept; no mapping unless
    // asked.
    let out = dir.path().join("out");
    let clean = run(&["clean", "--json", "--rename", "--out"], &[&out, &input]);
    assert!(clean.status.success(), "{}", text(&clean.stderr));
    let mut written: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, ["0001.jpg", "0002.jpg", "0003.MP4", "0004.mp4"]);
    let doc = json(&clean);
    for file in doc["files"].as_array().unwrap() {
        for f in findings(file) {
            if f["where"] == "file name" || f["where"] == "file system" {
                assert_eq!(f["fate"], "removed", "{f}");
            }
        }
    }
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        2,
        "a mapping was written"
    );
    // Outputs are new files: the time of the cleaning, no attributes.
    let now = std::time::SystemTime::now();
    for name in &written {
        let path = out.join(name);
        let modified = fs::metadata(&path).unwrap().modified().unwrap();
        assert!(
            now.duration_since(modified)
                .map_or(true, |d| d.as_secs() < 600),
            "{name} kept an old time"
        );
        let mut list = vec![0u8; 4096];
        let len = rustix::fs::listxattr(&path, &mut list[..]).unwrap_or(0);
        let attrs = text(&list[..len]);
        assert!(!attrs.contains("user."), "{name} has {attrs}");
        if let Some(tags) = exiftool(&path) {
            assert!(
                !tags.contains("GPS") && !tags.contains("Jane"),
                "{name}: {tags}"
            );
        }
    }

    // The mapping, when asked for: outside the outputs, owner-only.
    let map = dir.path().join("map.jsonl");
    let out2 = dir.path().join("out2");
    let mapped = run(
        &["clean", "-q", "--rename=random", "--rename-map"],
        &[&map, Path::new("--out"), &out2, &input],
    );
    assert!(mapped.status.success(), "{}", text(&mapped.stderr));
    let lines: Vec<Value> = fs::read_to_string(&map)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    for line in &lines {
        let output = Path::new(line["output"].as_str().unwrap());
        let stem = output.file_stem().unwrap().to_str().unwrap();
        assert!(
            stem.len() == 16 && stem.bytes().all(|b| b.is_ascii_hexdigit()),
            "{stem}"
        );
        assert!(output.exists());
        assert!(Path::new(line["path"].as_str().unwrap()).exists());
    }
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(fs::metadata(&map).unwrap().permissions().mode() & 0o077, 0);
    let inside = run(
        &["clean", "-q", "--rename", "--rename-map"],
        &[&out2.join("map.jsonl"), Path::new("--out"), &out2, &input],
    );
    assert_eq!(inside.status.code(), Some(2));
    assert!(text(&inside.stderr).contains("inside the --out folder"));
    // --rename needs --out.
    assert_eq!(
        run(&["clean", "--rename"], &[&input]).status.code(),
        Some(2)
    );
}

// --- Pipelines ----------------------------------------------------------

/// Run with `input` on standard input, written from another thread (a
/// pipe, not a file).
fn run_piped(args: &[&str], input: Vec<u8>) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

#[test]
fn dash_reads_stdin_and_writes_stdout_only_verified_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for sample in ["photo-gps.jpg", "phone-faststart.mp4", "tagged.mkv"] {
        let input = samples().join(sample);
        let reference = dir.path().join(format!("ref-{sample}"));
        assert!(run(&["clean", "-q", "-o"], &[&reference, &input])
            .status
            .success());
        let expected = fs::read(&reference).unwrap();
        // From a pipe (spooled), to a pipe.
        let piped = run_piped(&["clean", "-"], fs::read(&input).unwrap());
        assert!(piped.status.success(), "{sample}: {}", text(&piped.stderr));
        assert_eq!(piped.stdout, expected, "{sample} from a pipe");
        assert!(
            text(&piped.stderr).contains("cleaned 1 file"),
            "{}",
            text(&piped.stderr)
        );
        // From a file redirect (read in place), to a file redirect.
        let redirected = dir.path().join(format!("out-{sample}"));
        let status = bin()
            .args(["clean", "-", "-o", "-"])
            .stdin(fs::File::open(&input).unwrap())
            .stdout(fs::File::create(&redirected).unwrap())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(
            fs::read(&redirected).unwrap(),
            expected,
            "{sample} redirected"
        );
        // A named file to standard output.
        let named = run(&["clean", "-o", "-"], &[&input]);
        assert_eq!(named.stdout, expected, "{sample} -o -");
    }
    if let Some(tags) = exiftool(&dir.path().join("out-photo-gps.jpg")) {
        assert!(!tags.contains("GPS") && !tags.contains("Jane"), "{tags}");
    }
    // A file that cannot be cleaned writes nothing at all to stdout.
    let refused = run_piped(&["clean", "-"], b"\xFF\xD8\xFF\xE1\xFF\xF0Exif".to_vec());
    assert_eq!(refused.status.code(), Some(1));
    assert!(refused.stdout.is_empty());
    // Scanning standard input.
    let scan = run_piped(
        &["scan", "--json", "-"],
        fs::read(samples().join("photo-gps.jpg")).unwrap(),
    );
    assert_eq!(json(&scan)["files"][0]["path"], "-");
    // Nothing to write `-o -` into a JSON report beside.
    let both = run(
        &["clean", "--json", "-o", "-"],
        &[&samples().join("photo-gps.jpg")],
    );
    assert_eq!(both.status.code(), Some(2));
    // -o - names standard output, never a file called "-".
    assert!(!Path::new("-").exists());
}

#[test]
fn a_reader_that_goes_away_is_neither_an_error_nor_reported() {
    let mut child = bin()
        .args(["scan"])
        .arg(samples())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout); // `| head -c 16`
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.to_lowercase().contains("broken pipe"), "{err}");
    assert!(err.contains("scanned"), "{err}");
}

#[test]
fn jsonl_streams_one_object_per_file() {
    for args in [
        &["scan", "--jsonl"][..],
        &["clean", "--jsonl", "--dry-run"][..],
    ] {
        let result = run(args, &[&samples()]);
        assert!(result.status.success(), "{}", text(&result.stderr));
        let lines: Vec<Value> = text(&result.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        let files = lines.iter().filter(|l| l.get("findings").is_some()).count();
        let skipped = lines.iter().filter(|l| l.get("skipped").is_some()).count();
        assert_eq!(files + skipped, lines.len());
        assert!(files >= 18, "{files}");
        assert_eq!(skipped, 2); // README.md, make-samples.sh
        let mut paths: Vec<&str> = lines.iter().map(|l| l["path"].as_str().unwrap()).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), lines.len());
    }
    let dir = tempfile::tempdir().unwrap();
    let result = run(
        &["clean", "--jsonl", "--out"],
        &[dir.path(), &samples().join("photo-gps.jpg")],
    );
    let line: Value = serde_json::from_slice(&result.stdout).unwrap();
    assert!(Path::new(line["output"].as_str().unwrap()).exists());
    assert_eq!(
        run(&["scan", "--json", "--jsonl"], &[&samples()])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn files_from_reads_lists_and_mirrors_them_under_out() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    fs::create_dir_all(root.join("2023")).unwrap();
    fs::create_dir_all(root.join("2024")).unwrap();
    // The same name in two folders: mirrored, they cannot collide.
    fs::copy(
        samples().join("photo-gps.jpg"),
        root.join("2023/IMG_0001.JPG"),
    )
    .unwrap();
    fs::copy(
        samples().join("photo-gps.png"),
        root.join("2024/IMG_0001.JPG"),
    )
    .unwrap();
    fs::copy(
        samples().join("photo-gps.jpg"),
        root.join("2024/line\nbreak.jpg"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let list0 =
        b"photos/2023/IMG_0001.JPG\0photos/2024/IMG_0001.JPG\0photos/2024/line\nbreak.jpg\0";
    // NUL-separated, on standard input.
    let mut child = bin()
        .current_dir(dir.path())
        .args(["clean", "-q", "--files-from", "-", "-0", "--out", "out"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(list0).unwrap();
    let result = child.wait_with_output().unwrap();
    assert!(result.status.success(), "{}", text(&result.stderr));
    for rel in [
        "photos/2023/IMG_0001.JPG",
        "photos/2024/IMG_0001.JPG",
        "photos/2024/line\nbreak.jpg",
    ] {
        let cleaned = fs::read(out.join(rel)).unwrap();
        assert!(!contains(&cleaned, b"Jane Planted"), "{rel}");
    }
    // Newline-separated, from a file, folders too; `..` refused.
    let list = dir.path().join("list.txt");
    fs::write(
        &list,
        "photos/2023\r\n\n./photos/2024/IMG_0001.JPG\nphotos/../photos/2023/IMG_0001.JPG\n",
    )
    .unwrap();
    let out2 = dir.path().join("out2");
    let result = bin()
        .current_dir(dir.path())
        .args(["clean", "--json", "--files-from"])
        .arg(&list)
        .arg("--out")
        .arg(&out2)
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(1));
    assert!(out2.join("photos/2023/IMG_0001.JPG").exists());
    assert!(out2.join("photos/2024/IMG_0001.JPG").exists());
    assert!(
        text(&result.stderr).contains("cannot be mirrored"),
        "{}",
        text(&result.stderr)
    );
    // With paths given too, and without --out (scan).
    let result = bin()
        .current_dir(dir.path())
        .args(["scan", "-q", "--files-from"])
        .arg(&list)
        .arg(samples().join("photo-gps.jpg"))
        .output()
        .unwrap();
    assert!(result.status.success(), "{}", text(&result.stderr));
    assert!(
        text(&result.stderr).contains("scanned 4 file(s)"),
        "{}",
        text(&result.stderr)
    );
}

#[test]
fn formats_lists_every_format_with_what_goes_and_stays() {
    let table = run(&["formats"], &[]);
    assert!(table.status.success());
    let table = text(&table.stdout);
    for name in [
        "JPEG",
        "PNG",
        "GIF",
        "WebP",
        "TIFF",
        "HEIF",
        "MP4/MOV",
        "Matroska",
        "AVI",
        "JPEG XL",
        "JPEG 2000",
        "MPEG-TS",
        "Fujifilm RAF",
        "Canon CR3",
    ] {
        assert!(table.contains(name), "{name}:\n{table}");
    }
    assert!(table.contains("removed:") && table.contains("kept:"));
    let doc = json(&run(&["formats", "--json"], &[]));
    let formats = doc["formats"].as_array().unwrap();
    assert_eq!(formats.len(), 14);
    let cleaned = formats.iter().filter(|f| f["cleaned"] == true).count();
    assert_eq!(cleaned, 11);
    assert!(formats
        .iter()
        .any(|f| f["format"] == "jpeg" && f["removed"].as_str().unwrap().contains("GPS")));
}

// --- What a new user runs into -------------------------------------------

#[cfg(unix)]
#[test]
fn a_symlinked_folder_named_on_the_command_line_is_walked() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real");
    fs::create_dir_all(real.join("sub")).unwrap();
    fs::copy(samples().join("photo-gps.jpg"), real.join("sub/a.jpg")).unwrap();
    let link = dir.path().join("Pictures");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let scan = run(&["scan", "--json"], &[&link]);
    assert!(scan.status.success(), "{}", text(&scan.stderr));
    let doc = json(&scan);
    assert_eq!(doc["files"].as_array().unwrap().len(), 1);
    assert!(doc["skipped"].as_array().unwrap().is_empty(), "{doc}");
    let out = dir.path().join("out");
    let clean = run(&["clean", "-q", "--out"], &[&out, &link]);
    assert!(clean.status.success(), "{}", text(&clean.stderr));
    assert!(out.join("sub/a.jpg").exists());
}

#[test]
fn out_among_the_inputs_is_explained_not_silently_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    fs::create_dir_all(photos.join("2024")).unwrap();
    fs::copy(samples().join("photo-gps.jpg"), photos.join("2024/a.jpg")).unwrap();
    fs::copy(samples().join("photo-gps.png"), photos.join("a.jpg")).unwrap();
    let before = fs::read(photos.join("a.jpg")).unwrap();
    let same = run(&["clean", "--out"], &[&photos, &photos]);
    assert_eq!(same.status.code(), Some(2));
    assert!(
        text(&same.stderr).contains("is the folder being cleaned"),
        "{}",
        text(&same.stderr)
    );
    assert!(text(&same.stderr).contains("--in-place"));
    let parent = run(&["clean", "--out"], &[&photos, &photos.join("2024")]);
    assert_eq!(parent.status.code(), Some(2));
    assert!(
        text(&parent.stderr).contains("holds the input"),
        "{}",
        text(&parent.stderr)
    );
    assert_eq!(fs::read(photos.join("a.jpg")).unwrap(), before);
}

#[test]
fn own_photos_named_clean_are_cleaned_and_only_real_earlier_outputs_skipped() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["clean.jpg", "x.clean.jpg", "p.jpg"] {
        fs::copy(samples().join("photo-gps.jpg"), dir.path().join(name)).unwrap();
    }
    let first = run(&["clean", "--json"], &[dir.path()]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    for made in ["clean.clean.jpg", "x.clean.clean.jpg", "p.clean.jpg"] {
        assert!(dir.path().join(made).exists(), "{made}");
    }
    // A second run passes over what the first wrote, saying why, and
    // refuses to overwrite it.
    let second = run(&["clean", "--json"], &[dir.path()]);
    let doc = json(&second);
    let skipped = doc["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 3, "{doc}");
    for s in skipped {
        assert!(s["reason"].as_str().unwrap().contains("earlier run"), "{s}");
    }
    // A file named like an output, its original beside it, that still
    // holds metadata, is not ours: it is cleaned.
    fs::copy(
        samples().join("photo-gps.jpg"),
        dir.path().join("p.clean.jpg"),
    )
    .unwrap();
    fs::remove_file(dir.path().join("p.clean.clean.jpg")).ok();
    let third = run(&["clean", "--json"], &[dir.path()]);
    let doc = json(&third);
    assert!(doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["path"].as_str().unwrap().ends_with("/p.clean.jpg")));
}

#[test]
fn columns_line_up_even_with_long_field_names() {
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("p.jpg");
    let long = "A comment long enough to run past any fixed column width we could pick";
    fs::write(
        &photo,
        jpeg_with(&[(0xFE, long.as_bytes()), (0xE9, b"VENDOR")]),
    )
    .unwrap();
    let scan = run(&["scan"], &[&photo, &samples().join("phone-faststart.mp4")]);
    let report = text(&scan.stdout);
    // Within each file, the `[where]` column starts at the same place.
    let mut column: Option<usize> = None;
    let mut rows = 0;
    for line in report.lines() {
        if !line.starts_with("    ") {
            column = None;
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        let at = chars
            .windows(2)
            .rposition(|w| w == [' ', '['])
            .unwrap_or_else(|| panic!("no [where] in {line}"));
        rows += 1;
        match column {
            None => column = Some(at),
            Some(col) => assert_eq!(col, at, "misaligned: {line}\n{report}"),
        }
    }
    assert!(rows > 10, "{report}");
}

#[cfg(unix)]
#[test]
fn a_file_patched_in_place_loses_its_attributes_too() {
    let dir = tempfile::tempdir().unwrap();
    // The movie header after the media: patched where it lies.
    let video = dir.path().join("walk.mp4");
    fs::copy(samples().join("moov-last.mp4"), &video).unwrap();
    if rustix::fs::setxattr(
        &video,
        "user.xdg.origin.url",
        b"https://social.example/u/jane/video/7",
        rustix::fs::XattrFlags::empty(),
    )
    .is_err()
    {
        common::skip("a_file_patched_in_place_loses_its_attributes_too: no user xattrs here");
        return;
    }
    let result = run(&["clean", "--json", "--in-place"], &[&video]);
    assert!(result.status.success(), "{}", text(&result.stderr));
    let doc = json(&result);
    let file = &doc["files"][0];
    assert_eq!(file["written"], "patched", "{file}");
    assert_eq!(finding(file, "Download address")["fate"], "removed");
    assert_eq!(finding(file, "File modification time")["fate"], "removed");
    let mut list = vec![0u8; 4096];
    let len = rustix::fs::listxattr(&video, &mut list[..]).unwrap_or(0);
    assert!(
        !text(&list[..len]).contains("user."),
        "{}",
        text(&list[..len])
    );
    // Already clean: nothing written, so its time stays, and says so.
    let again = json(&run(&["clean", "--json", "--in-place"], &[&video]));
    let file = &again["files"][0];
    assert_eq!(file["written"], "unchanged", "{file}");
    assert_eq!(finding(file, "File modification time")["fate"], "kept");
}
