//! Turning command-line paths into the list of files to process and where
//! each one's output goes: the directory walk (and what it passes over),
//! the mapping of each input to its output path, and the refusal of inputs
//! whose outputs would overwrite an input or each other.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use walkdir::WalkDir;

use crate::job::{
    is_interrupted_temp, is_sibling_output, sibling_path, Destination, FileReport, Input, Skipped,
};

/// The result of collecting inputs.
#[derive(Debug, Default)]
pub struct Collected {
    /// Files to process.
    pub inputs: Vec<Input>,
    /// Files refused before processing (missing, colliding outputs).
    pub rejected: Vec<FileReport>,
    /// Files passed over in directory walks.
    pub skipped: Vec<Skipped>,
}

/// Extensions of media files: a walked file with one of these is always
/// processed (and refused if it is not readable media), whatever its
/// content looks like.
const MEDIA_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "jpe", "jfif", "mpo", "png", "gif", "webp", "tif", "tiff", "dng", "heic",
    "heif", "hif", "avif", "jxl", "jp2", "cr2", "cr3", "nef", "rw2", "raf", "arw", "orf", "mp4",
    "m4v", "m4a", "mov", "qt", "3gp", "3g2", "mkv", "mka", "webm", "avi", "mts", "m2ts", "ts",
    "insv", "lrv",
];

fn has_media_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MEDIA_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Whether a walked file should be passed over: its content is not a
/// recognised format and its name does not claim to be media.
fn is_not_media(path: &Path) -> bool {
    if has_media_extension(path) {
        return false;
    }
    let Ok(file) = std::fs::File::open(path) else {
        return false; // let processing report the error
    };
    match mediascrub::FileSource::new(file) {
        Ok(src) => mediascrub::sniff(&src).is_none(),
        Err(_) => false,
    }
}

/// Collect files from `paths` and map each to its output.
pub fn collect(paths: &[PathBuf], destination: Option<&Destination>) -> Result<Collected> {
    let mut collected = Collected::default();
    if let Some(Destination::File(_)) = destination {
        if paths.len() != 1 || paths.iter().any(|p| p.is_dir()) {
            bail!("-o/--output takes exactly one input file; use --out DIR for several");
        }
    }
    let out_dir = match destination {
        Some(Destination::Directory(dir)) => Some(resolved(dir)),
        _ => None,
    };
    for arg in paths {
        let meta = match std::fs::symlink_metadata(arg) {
            Ok(meta) => meta,
            Err(err) => {
                collected
                    .rejected
                    .push(FileReport::rejected(arg, format!("cannot read: {err}")));
                continue;
            }
        };
        if meta.is_dir() {
            walk_dir(arg, destination, out_dir.as_deref(), &mut collected);
        } else {
            // A file named on the command line is taken as given (a link to
            // a file is followed: the user named it).
            let name = arg.file_name().map(OsString::from).unwrap_or_default();
            let path = if meta.file_type().is_symlink()
                && matches!(destination, Some(Destination::InPlace))
            {
                // Replace the file the link points to, not the link.
                std::fs::canonicalize(arg).unwrap_or_else(|_| arg.clone())
            } else {
                arg.clone()
            };
            push_input(&mut collected, path, Path::new(&name), destination);
        }
    }
    reject_collisions(&mut collected);
    Ok(collected)
}

fn walk_dir(
    root: &Path,
    destination: Option<&Destination>,
    out_dir: Option<&Path>,
    collected: &mut Collected,
) {
    // Hidden files are included on purpose: a scrubber must not skip them.
    let walker = WalkDir::new(root).follow_links(false).sort_by_file_name();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().unwrap_or(root).to_path_buf();
                collected
                    .rejected
                    .push(FileReport::rejected(&path, format!("cannot read: {err}")));
                continue;
            }
        };
        let path = entry.path();
        if entry.file_type().is_dir() {
            continue;
        }
        if out_dir.is_some_and(|out| resolved(path).starts_with(out)) {
            continue; // our own output from an earlier run: never re-scanned
        }
        if entry.file_type().is_symlink() {
            collected
                .skipped
                .push(Skipped::new(path, "symbolic link (not followed)"));
            continue;
        }
        if !entry.file_type().is_file() {
            collected
                .skipped
                .push(Skipped::new(path, "not a regular file"));
            continue;
        }
        if is_interrupted_temp(path) {
            // A killed run cannot remove its temporary file; it is never a
            // finished output and never an input. Left for the user to delete.
            collected.skipped.push(Skipped::new(
                path,
                "temporary file of an interrupted mediascrub run (safe to delete)",
            ));
            continue;
        }
        if matches!(destination, Some(Destination::Sibling)) && is_sibling_output(path) {
            collected.skipped.push(Skipped::new(
                path,
                "looks like an earlier cleaned copy (*.clean.*)",
            ));
            continue;
        }
        if is_not_media(path) {
            collected
                .skipped
                .push(Skipped::new(path, "not a photo or video"));
            continue;
        }
        let relative = path.strip_prefix(root).unwrap_or(path).to_path_buf();
        push_input(collected, path.to_path_buf(), &relative, destination);
    }
}

fn push_input(
    collected: &mut Collected,
    path: PathBuf,
    relative: &Path,
    destination: Option<&Destination>,
) {
    let (output, overwrite) = match destination {
        None => (None, false),
        Some(Destination::File(file)) => (Some(file.clone()), true),
        Some(Destination::Directory(dir)) => (Some(dir.join(relative)), true),
        Some(Destination::InPlace) => (Some(path.clone()), true),
        Some(Destination::Sibling) => (Some(sibling_path(&path)), false),
    };
    if let (Some(out), Some(dest)) = (&output, destination) {
        if !matches!(dest, Destination::InPlace) && same_file(out, &path) {
            collected.rejected.push(FileReport::rejected(
                &path,
                "the output would overwrite the input; use --in-place to replace it",
            ));
            return;
        }
    }
    collected.inputs.push(Input {
        path,
        output,
        overwrite,
    });
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => resolved(a) == resolved(b),
    }
}

/// `path` with links and `..` resolved when it exists, else [`absolute`].
fn resolved(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| absolute(path))
}

/// `path` joined to the current directory, without touching the file
/// system (an absolute `path` is returned as is).
fn absolute(path: &Path) -> PathBuf {
    std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Two inputs writing the same output would overwrite each other: refuse
/// every one of them.
fn reject_collisions(collected: &mut Collected) {
    // Compared lexically: most outputs do not exist yet, so they cannot be
    // resolved, and one map must not mix resolved and unresolved forms.
    let mut by_output: HashMap<PathBuf, usize> = HashMap::new();
    for input in &collected.inputs {
        if let Some(out) = &input.output {
            *by_output.entry(absolute(out)).or_default() += 1;
        }
    }
    let (ok, clashing): (Vec<Input>, Vec<Input>) = std::mem::take(&mut collected.inputs)
        .into_iter()
        .partition(|input| {
            input
                .output
                .as_ref()
                .is_none_or(|out| by_output.get(&absolute(out)).copied() == Some(1))
        });
    collected.inputs = ok;
    for input in clashing {
        let out = input.output.as_deref().unwrap_or(Path::new(""));
        collected.rejected.push(FileReport::rejected(
            &input.path,
            format!(
                "another input also writes {}; refusing to overwrite",
                out.display()
            ),
        ));
    }
}
