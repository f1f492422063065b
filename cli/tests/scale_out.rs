//! Running mediascrub from existing engines, on a small scale: the forms
//! `docs/SCALE-OUT.md` documents, run as written. GNU parallel (one
//! process per file, and chunks of a list through `--files-from -`),
//! `xargs -P` (the same, with what every system has), and the shard
//! script of the Kubernetes Job in `docs/scale-out/k8s-job.yaml`, run for
//! every index at once. Each must clean every file into its mirrored path
//! exactly as one process does, and report one JSON line per file.

#![cfg(unix)]

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `PATH` with the built binary's folder first, so that the documented
/// commands can say `mediascrub`.
fn path_with_binary() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_mediascrub"));
    format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Run `script` with `sh` in `dir`.
fn sh(dir: &Path, script: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("PATH", path_with_binary())
        .output()
        .unwrap()
}

/// Media files whose names repeat across folders (a flat output would
/// collide), and a text file that is not media.
const TREE: &[(&str, &str)] = &[
    ("photos/2023/IMG_0001.JPG", "photo-gps.jpg"),
    ("photos/2023/IMG_0002.JPG", "nested/owner.jpg"),
    ("photos/2023/clip.mp4", "phone-faststart.mp4"),
    ("photos/2024/IMG_0001.JPG", ".hidden-photo.jpg"),
    ("photos/2024/IMG_0002.png", "photo-gps.png"),
    ("photos/2024/trip/IMG_0001.JPG", "motion-photo.jpg"),
    ("photos/2024/trip/walk.mkv", "tagged.mkv"),
    ("photos/2024/trip/walk.webp", "photo-gps.webp"),
    ("photos/2024/trip/drone.mp4", "drone-telemetry.mp4"),
    ("photos/2024/trip/still.heic", "photo-gps.heic"),
];

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, sample) in TREE {
        let path = dir.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::copy(samples().join(sample), path).unwrap();
    }
    fs::write(dir.path().join("photos/2024/notes.txt"), "not media").unwrap();
    dir
}

/// What one process makes of the tree: the reference every engine's
/// outputs must equal, byte for byte.
fn reference(root: &Path) -> PathBuf {
    let out = root.join("reference");
    let result = sh(root, "mediascrub clean -q --out reference/photos photos");
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    out
}

/// Every media file of the tree is under `out` at its mirrored path,
/// equal to the reference; `report` holds one JSON line per media file,
/// none with an error (and `skipped` lines for what is not media).
fn check(root: &Path, out: &str, report: &str, form: &str) {
    let reference = root.join("reference");
    for (rel, _) in TREE {
        let cleaned = fs::read(root.join(out).join(rel))
            .unwrap_or_else(|e| panic!("{form}: no output for {rel}: {e}"));
        let expected = fs::read(reference.join(rel)).unwrap();
        assert!(
            cleaned == expected,
            "{form}: {rel} differs from one process's output"
        );
    }
    let text = fs::read_to_string(root.join(report)).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{form}: {e}: {l}")))
        .collect();
    let files: BTreeSet<String> = lines
        .iter()
        .filter(|l| l.get("findings").is_some())
        .map(|l| {
            assert!(l["error"].is_null(), "{form}: {l}");
            let path = l["path"].as_str().unwrap();
            path.trim_start_matches("./").to_string()
        })
        .collect();
    let expected: BTreeSet<String> = TREE.iter().map(|(rel, _)| rel.to_string()).collect();
    assert_eq!(files, expected, "{form}: the JSON lines");
    assert!(
        lines
            .iter()
            .all(|l| l.get("findings").is_some() || l.get("skipped").is_some()),
        "{form}"
    );
    // The oracle: nothing positional or personal left anywhere.
    if let Ok(found) = Command::new("exiftool")
        .args([
            "-r",
            "-q",
            "-q",
            "-if",
            "$GPSLatitude or $Artist or $OwnerName",
            "-p",
            "$Directory/$FileName",
        ])
        .arg(root.join(out))
        .output()
    {
        assert!(
            found.stdout.is_empty(),
            "{form}: {}",
            String::from_utf8_lossy(&found.stdout)
        );
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "exiftool is required under CI"
        );
        common::skip("scale_out: exiftool is not installed");
    }
}

/// The media files of the tree, as `find` lists them, NUL-separated.
const FIND_MEDIA: &str = "find photos -type f ! -name '*.txt' -print0";

#[test]
fn xargs_p_per_file_and_in_chunks() {
    let dir = tree();
    let root = dir.path();
    reference(root);
    // One process per file, four at a time; -o mirrors each path.
    let result = sh(
        root,
        &format!("{FIND_MEDIA} | xargs -0 -P 4 -I{{}} mediascrub clean -q --jsonl -o per-file/{{}} {{}} > per-file.jsonl"),
    );
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    check(root, "per-file", "per-file.jsonl", "xargs -P, per file");
    // Chunks of the list, each a process reading its chunk as a list.
    let result = sh(
        root,
        "find photos -type f -print0 > list0 && split -t '\\0' -l 3 list0 chunk. && \
         ls chunk.* | xargs -P 4 -I{} mediascrub clean -q --files-from {} -0 --out chunks --jsonl > chunks.jsonl",
    );
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    check(
        root,
        "chunks",
        "chunks.jsonl",
        "xargs -P, chunks of the list",
    );
}

#[test]
fn gnu_parallel_per_file_and_in_chunks() {
    // moreutils has a `parallel` too, with other options.
    let gnu = Command::new("parallel")
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("GNU parallel"));
    if !gnu {
        assert!(
            std::env::var_os("CI").is_none(),
            "GNU parallel is required under CI (apt-get install parallel; .ci/run installs it)"
        );
        common::skip("gnu_parallel_per_file_and_in_chunks: GNU parallel is not installed (apt-get install parallel)");
        return;
    }
    let dir = tree();
    let root = dir.path();
    reference(root);
    // The commands of docs/SCALE-OUT.md.
    let result = sh(
        root,
        &format!("{FIND_MEDIA} | parallel -0 -j 4 mediascrub clean -q --jsonl -o per-file/{{}} {{}} > per-file.jsonl"),
    );
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    check(root, "per-file", "per-file.jsonl", "GNU parallel, per file");
    let result = sh(
        root,
        "find photos -type f -print0 | parallel --pipe --recend '\\0' -N 3 -j 4 \
         mediascrub clean -q --files-from - -0 --out chunks --jsonl > chunks.jsonl",
    );
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    check(
        root,
        "chunks",
        "chunks.jsonl",
        "GNU parallel, chunks of the list",
    );
}

/// The shard script of the Kubernetes Job, between its markers.
fn shard_script() -> String {
    let manifest = fs::read_to_string(repo().join("docs/scale-out/k8s-job.yaml")).unwrap();
    let lines: Vec<&str> = manifest.lines().collect();
    let begin = lines
        .iter()
        .position(|l| l.contains("--- shard script begin"))
        .unwrap();
    let end = lines
        .iter()
        .position(|l| l.contains("--- shard script end"))
        .unwrap();
    lines[begin..=end]
        .iter()
        .map(|l| l.trim_start())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_kubernetes_job_shards_run_together() {
    let dir = tree();
    let root = dir.path();
    reference(root);
    let list: String = TREE.iter().map(|(rel, _)| format!("{rel}\n")).collect();
    fs::write(
        root.join("list.txt"),
        format!("{list}photos/2024/notes.txt\n"),
    )
    .unwrap();
    let script = shard_script();
    let shards = 3;
    let children: Vec<_> = (0..shards)
        .map(|index| {
            Command::new("sh")
                .arg("-c")
                .arg(&script)
                .current_dir(root)
                .env("PATH", path_with_binary())
                .env("SHARDS", shards.to_string())
                .env("JOB_COMPLETION_INDEX", index.to_string())
                .env("LIST", root.join("list.txt"))
                .env("MEDIA", root)
                .env("OUT", root.join("k8s"))
                .env("REPORTS", root.join("reports"))
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let mut all = String::new();
    for index in 0..shards {
        all.push_str(
            &fs::read_to_string(root.join(format!("reports/shard-{index}.jsonl"))).unwrap(),
        );
    }
    fs::write(root.join("all.jsonl"), all).unwrap();
    check(root, "k8s", "all.jsonl", "Kubernetes Job shards");
}
