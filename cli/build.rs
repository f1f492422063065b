//! Puts the commit into `mediascrub --version`: `0.1.0 (3fb6d62 2025-12-02)`.
//!
//! Where the commit comes from, first found wins:
//! 1. `MEDIASCRUB_COMMIT` in the environment (a packager building from a
//!    source tarball), used as it is; empty means "say none";
//! 2. `.cargo_vcs_info.json`, which `cargo package` writes into a crate
//!    (`cargo install mediascrub-cli` builds from that, outside any git
//!    repository): its commit, without a date;
//! 3. `git`, when this file is tracked by the repository it is in (so that
//!    a crate unpacked inside some other repository never reports that
//!    repository's commit).
//!
//! Otherwise the version is the crate's alone. The build script reruns
//! only when the commit can have changed: this worktree's `HEAD`, its
//! reflog and the branch's ref (never a path that does not exist, which
//! would make Cargo rerun it on every build).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=MEDIASCRUB_COMMIT");
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = match std::env::var("MEDIASCRUB_COMMIT") {
        Ok(commit) => Some(commit.trim().to_string()).filter(|c| !c.is_empty()),
        Err(_) => from_cargo_vcs_info(&manifest_dir).or_else(|| from_git(&manifest_dir)),
    };
    let full = match &commit {
        Some(commit) => format!("{version} ({commit})"),
        None => version,
    };
    println!("cargo:rustc-env=MEDIASCRUB_VERSION={full}");
    // The commit's date alone, for the manual pages' header ("" if unknown).
    let date = commit
        .as_deref()
        .and_then(|c| c.split(' ').nth(1))
        .unwrap_or_default()
        .to_string();
    println!("cargo:rustc-env=MEDIASCRUB_DATE={date}");
}

/// The commit recorded by `cargo package` (`"sha1": "<40 hex>"`), shortened.
fn from_cargo_vcs_info(dir: &Path) -> Option<String> {
    let path = dir.join(".cargo_vcs_info.json");
    let text = std::fs::read_to_string(&path).ok()?;
    println!("cargo:rerun-if-changed={}", path.display());
    let start = text.find("\"sha1\"")?;
    let rest = text.get(start + 6..)?;
    let hex: String = rest
        .chars()
        .skip_while(|c| !c.is_ascii_hexdigit())
        .take_while(char::is_ascii_hexdigit)
        .collect();
    let short = hex.get(..9)?;
    let dirty = text.contains("\"dirty\": true") || text.contains("\"dirty\":true");
    Some(format!("{short}{}", if dirty { "-dirty" } else { "" }))
}

/// `git rev-parse --short HEAD` and the commit date, when `dir` is tracked.
fn from_git(dir: &Path) -> Option<String> {
    git(dir, &["ls-files", "--error-unmatch", "Cargo.toml"])?;
    let head = git(dir, &["rev-parse", "--short=9", "HEAD"])?;
    let date = git(
        dir,
        &["log", "-1", "--no-show-signature", "--format=%cs", "HEAD"],
    );
    // Rerun when HEAD moves: a commit, checkout, reset or rebase rewrites
    // HEAD or the branch's ref and appends to HEAD's reflog.
    let mut watch = vec![git(dir, &["rev-parse", "--git-path", "HEAD"])?];
    watch.extend(git(dir, &["rev-parse", "--git-path", "logs/HEAD"]));
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watch.extend(git(dir, &["rev-parse", "--git-path", &branch]));
    }
    watch.extend(git(dir, &["rev-parse", "--git-path", "packed-refs"]));
    for path in watch {
        let path = dir.join(path); // --git-path may be relative to `dir`
        if path.is_file() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    Some(match date {
        Some(date) => format!("{head} {date}"),
        None => head,
    })
}

/// One line of `git -C dir ARGS`, or `None` when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    Some(text.lines().next()?.trim().to_string()).filter(|line| !line.is_empty())
}
