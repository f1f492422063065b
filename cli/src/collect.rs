//! Turning command-line paths into the list of files to process and where
//! each one's output goes: the directory walk (and what it passes over),
//! the mapping of each input to its output path, and the refusal of inputs
//! whose outputs would overwrite an input or each other.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use walkdir::WalkDir;

use mediascrub::sniff::{identify, Recognised, IDENTIFY_HEAD};

use crate::job::{
    is_interrupted_temp, is_sibling_output, media_extension, sibling_path, Destination, FileReport,
    Input, Skipped,
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

/// Why a walked regular file is passed over, or `None` to process it.
///
/// Only files that are plainly not media are passed over: not named like
/// media, and recognised by content as text, a document, an archive or
/// data. Everything else is processed, so that media the core cannot clean
/// (and content nobody recognises) is refused by name, never skipped.
fn skip_reason(path: &Path) -> Option<String> {
    if media_extension(path).is_some() {
        return None;
    }
    let recognised = identify_file(path).ok()??;
    (!recognised.kind.is_media()).then(|| format!("not media: {}", recognised.name))
}

/// [`mediascrub::sniff::identify`] on the start of the file at `path`.
fn identify_file(path: &Path) -> std::io::Result<Option<Recognised>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut head = Vec::with_capacity(IDENTIFY_HEAD);
    file.take(IDENTIFY_HEAD as u64).read_to_end(&mut head)?;
    Ok(identify(&head, len))
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
                && matches!(destination, Some(Destination::InPlace { .. }))
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
    let walk_root = resolved(root);
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
            judge_symlink(path, &walk_root, collected);
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
        if let Some(reason) = skip_reason(path) {
            collected.skipped.push(Skipped::new(path, reason));
            continue;
        }
        let relative = path.strip_prefix(root).unwrap_or(path).to_path_buf();
        push_input(collected, path.to_path_buf(), &relative, destination);
    }
}

/// Links in a walk are never followed (the file a link names is cleaned
/// under its own name when the walk reaches it). A link leading out of the
/// walked folder to media or to a folder is refused: what it leads to is
/// not cleaned, and passing over it in silence would report a clean folder
/// that still hands out metadata.
fn judge_symlink(path: &Path, walk_root: &Path, collected: &mut Collected) {
    let Ok(target) = std::fs::canonicalize(path) else {
        collected
            .skipped
            .push(Skipped::new(path, "dangling symbolic link"));
        return;
    };
    if target.starts_with(walk_root) {
        collected.skipped.push(Skipped::new(
            path,
            format!(
                "symbolic link to {} (not followed; that file is handled under its own name)",
                target.display()
            ),
        ));
        return;
    }
    let refuse = |what: &str| {
        FileReport::rejected(
            path,
            format!(
                "symbolic link to {what} outside the walked folder ({}): not followed, so not cleaned",
                target.display()
            ),
        )
    };
    if target.is_dir() {
        collected.rejected.push(refuse("a folder"));
    } else if media_extension(path).is_some()
        || media_extension(&target).is_some()
        || identify_file(&target)
            .ok()
            .flatten()
            .is_none_or(|r| r.kind.is_media())
    {
        collected.rejected.push(refuse("media"));
    } else {
        collected.skipped.push(Skipped::new(
            path,
            "symbolic link to a file that is not media (not followed)",
        ));
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
        Some(Destination::InPlace { .. }) => (Some(path.clone()), true),
        Some(Destination::Sibling) => (Some(sibling_path(&path)), false),
    };
    if let (Some(out), Some(dest)) = (&output, destination) {
        if !matches!(dest, Destination::InPlace { .. }) && same_file(out, &path) {
            collected.rejected.push(FileReport::rejected(
                &path,
                "the output would overwrite the input; use --in-place to replace it",
            ));
            return;
        }
    }
    let confine = match destination {
        Some(Destination::Directory(dir)) => Some(dir.clone()),
        _ => None,
    };
    collected.inputs.push(Input {
        path,
        output,
        overwrite,
        confine,
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

/// What two output paths share when they name the same file: the
/// absolute path, and on Windows and macOS, whose file systems ignore case
/// by default, in lower case (`A.jpg` and `a.JPG` are one file there).
fn collision_key(out: &Path) -> PathBuf {
    let key = absolute(out);
    if cfg!(any(windows, target_os = "macos")) {
        if let Some(text) = key.to_str() {
            return PathBuf::from(text.to_lowercase());
        }
    }
    key
}

/// Two inputs writing the same output would overwrite each other: refuse
/// every one of them.
fn reject_collisions(collected: &mut Collected) {
    // Compared lexically: most outputs do not exist yet, so they cannot be
    // resolved, and one map must not mix resolved and unresolved forms.
    let mut by_output: HashMap<PathBuf, usize> = HashMap::new();
    for input in &collected.inputs {
        if let Some(out) = &input.output {
            *by_output.entry(collision_key(out)).or_default() += 1;
        }
    }
    let (ok, clashing): (Vec<Input>, Vec<Input>) = std::mem::take(&mut collected.inputs)
        .into_iter()
        .partition(|input| {
            input
                .output
                .as_ref()
                .is_none_or(|out| by_output.get(&collision_key(out)).copied() == Some(1))
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
