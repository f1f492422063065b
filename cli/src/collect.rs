//! Turning command-line paths (and `--files-from` lists) into the list of
//! files to process and where each one's output goes: the directory walk
//! (and what it passes over), the mapping of each input to its output path
//! (mirrored, by name, or `--rename`d), and the refusal of inputs whose
//! outputs would overwrite an input or each other.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};
use walkdir::WalkDir;

use mediascrub::sniff::{identify, Recognised, IDENTIFY_HEAD};
use mediascrub::{Fate, FileSource, Policy};

use crate::args::is_stdio;
use crate::job::{
    is_interrupted_temp, journal_target, media_extension, sibling_original, sibling_path,
    Destination, FileReport, Input, Rename, Skipped,
};

/// Where the paths to collect come from, and how outputs are named.
pub struct Sources<'a> {
    /// Paths named on the command line: a file lands under `--out` by its
    /// name, a folder's files by their path inside it.
    pub args: &'a [PathBuf],
    /// Paths read from `--files-from`: mirrored under `--out` as listed.
    pub listed: &'a [PathBuf],
    /// `--rename`.
    pub rename: Option<Rename>,
    /// What is kept (to recognise an earlier cleaned copy by its content).
    pub policy: &'a Policy,
}

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

/// Read a `--files-from` list: one path per line (or per NUL with
/// `null`), empty entries ignored, `-` for standard input. An entry `-` is
/// a file of that name, not standard input.
pub fn read_list(list: &Path, null: bool) -> Result<Vec<PathBuf>> {
    let mut bytes = Vec::new();
    if is_stdio(list) {
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .context("cannot read the list of paths from standard input")?;
    } else {
        std::fs::File::open(list)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .with_context(|| format!("cannot read the list of paths {}", list.display()))?;
    }
    let separator = if null { b'\0' } else { b'\n' };
    let mut paths = Vec::new();
    for entry in bytes.split(|b| *b == separator) {
        // A list written on Windows ends its lines with CR LF.
        let entry = match entry {
            [rest @ .., b'\r'] if !null => rest,
            entry => entry,
        };
        if entry.is_empty() {
            continue;
        }
        let path = path_from_bytes(entry);
        paths.push(if is_stdio(&path) {
            Path::new(".").join(path)
        } else {
            path
        });
    }
    Ok(paths)
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

/// How a path's outputs are placed under `--out DIR`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mirror {
    /// A command-line argument: a file by its name, a folder's files by
    /// their path inside it.
    ByName,
    /// A listed path: as listed.
    AsListed,
}

/// A listed path as it is mirrored under `--out`: its normal components
/// (a leading `/` or `./` dropped); `None` when it climbs with `..`.
fn listed_relative(path: &Path) -> Option<PathBuf> {
    let mut relative = PathBuf::new();
    for part in path.components() {
        match part {
            Component::Normal(part) => relative.push(part),
            Component::ParentDir => return None,
            Component::RootDir | Component::Prefix(_) | Component::CurDir => {}
        }
    }
    Some(relative)
}

/// Collect files from `sources` and map each to its output. A usage error
/// (`Err`) when the destination cannot work for these inputs.
pub fn collect(sources: &Sources<'_>, destination: Option<&Destination>) -> Result<Collected> {
    let mut collected = Collected::default();
    let all = || sources.args.iter().chain(sources.listed);
    let count = all().count();
    match destination {
        Some(Destination::File(_)) if count != 1 || all().any(|p| p.is_dir()) => {
            bail!("-o/--output takes exactly one input file; use --out DIR for several")
        }
        Some(Destination::Stdout) if count != 1 || all().any(|p| p.is_dir()) => bail!(
            "standard output takes exactly one cleaned file (one input with -o -, or - alone)"
        ),
        _ => {}
    }
    let out_dir = match destination {
        Some(Destination::Directory(dir)) => Some(resolved(dir)),
        _ => None,
    };
    if let Some(out) = &out_dir {
        for input in all().filter(|p| !is_stdio(p)) {
            check_not_inside_out(input, out)?;
        }
    }
    let sources_in_order = sources
        .args
        .iter()
        .map(|p| (p, Mirror::ByName))
        .chain(sources.listed.iter().map(|p| (p, Mirror::AsListed)));
    for (arg, mirror) in sources_in_order {
        if mirror == Mirror::ByName && is_stdio(arg) {
            push_input(&mut collected, arg.clone(), Path::new(""), destination);
            continue;
        }
        let prefix = match mirror {
            Mirror::ByName => PathBuf::new(),
            Mirror::AsListed => match listed_relative(arg) {
                Some(relative) => relative,
                None if out_dir.is_some() => {
                    collected.rejected.push(FileReport::rejected(
                        arg,
                        "a listed path with '..' cannot be mirrored under --out; list it without '..'",
                    ));
                    continue;
                }
                None => PathBuf::new(),
            },
        };
        let meta = match std::fs::symlink_metadata(arg) {
            Ok(meta) => meta,
            Err(err) => {
                collected
                    .rejected
                    .push(FileReport::rejected(arg, format!("cannot read: {err}")));
                continue;
            }
        };
        // A link named here is followed, to a folder too (as `find -H`
        // and `rg` do); links met inside the walk are not.
        if meta.is_dir() || meta.file_type().is_symlink() && arg.is_dir() {
            walk_dir(
                arg,
                &prefix,
                destination,
                out_dir.as_deref(),
                sources.policy,
                &mut collected,
            );
        } else {
            // A listed file is judged as a walk judges it (a list is
            // usually a walk made by `find`): plainly not media, or left
            // by an interrupted run, it is passed over.
            if mirror == Mirror::AsListed && meta.is_file() {
                let reason = if is_interrupted_temp(arg) {
                    Some(
                        "temporary file of an interrupted mediascrub run (safe to delete)"
                            .to_string(),
                    )
                } else if journal_target(arg).is_some() {
                    // Applied when the file it belongs to is processed.
                    Some("rollback journal of an interrupted in-place clean (kept)".to_string())
                } else {
                    skip_reason(arg)
                };
                if let Some(reason) = reason {
                    collected.skipped.push(Skipped::new(arg, reason));
                    continue;
                }
            }
            // A file named on the command line is taken as given (a link to
            // a file is followed: the user named it).
            let relative = match mirror {
                Mirror::ByName => {
                    PathBuf::from(arg.file_name().map(OsString::from).unwrap_or_default())
                }
                Mirror::AsListed => prefix,
            };
            let path = if meta.file_type().is_symlink()
                && matches!(destination, Some(Destination::InPlace { .. }))
            {
                // Replace the file the link points to, not the link.
                std::fs::canonicalize(arg).unwrap_or_else(|_| arg.clone())
            } else {
                arg.clone()
            };
            push_input(&mut collected, path, &relative, destination);
        }
    }
    if let (Some(rename), Some(Destination::Directory(dir))) = (sources.rename, destination) {
        rename_outputs(&mut collected.inputs, dir, rename);
    }
    reject_collisions(&mut collected);
    Ok(collected)
}

/// An input at or below the `--out` folder would have its output land
/// among the originals: on the input itself (`clean DIR --out DIR`) or
/// beside other originals it could replace (`clean photos/2024 --out
/// photos`). Refused up front, saying what to do instead. (An `--out`
/// folder *inside* an input folder is fine: it is never walked.)
fn check_not_inside_out(input: &Path, out: &Path) -> Result<()> {
    let Ok(input_resolved) = std::fs::canonicalize(input) else {
        return Ok(()); // Missing: refused per file later.
    };
    if input_resolved == out {
        bail!(
            "--out {} is the folder being cleaned: every output would replace its original; \
             to clean the files where they are use --in-place, or choose an --out folder outside it",
            input.display()
        );
    }
    if input_resolved.starts_with(out) {
        bail!(
            "--out {} holds the input {}: the outputs would land among the originals and could \
             replace some of them; choose an --out folder outside the inputs",
            out.display(),
            input.display()
        );
    }
    Ok(())
}

/// `--rename`: every output directly in `dir` under a neutral name with
/// its input's extension.
fn rename_outputs(inputs: &mut [Input], dir: &Path, rename: Rename) {
    let width = inputs.len().to_string().len().max(4);
    for (index, input) in inputs.iter_mut().enumerate() {
        let mut name = match rename {
            Rename::Numbered => OsString::from(format!("{:0width$}", index + 1)),
            Rename::Random => OsString::from(format!("{:016x}", fastrand::u64(..))),
        };
        if let Some(ext) = input.path.extension() {
            name.push(".");
            name.push(ext);
        }
        input.output = Some(dir.join(name));
    }
}

fn walk_dir(
    root: &Path,
    prefix: &Path,
    destination: Option<&Destination>,
    out_dir: Option<&Path>,
    policy: &Policy,
    collected: &mut Collected,
) {
    let walk_root = resolved(root);
    let mut journals = Vec::new();
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
        // The root itself (a folder, or a link to one named by the user).
        if entry.depth() == 0 || entry.file_type().is_dir() {
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
        if journal_target(path).is_some() {
            // Never an input: applied when the file it belongs to is
            // processed, before that file is read.
            journals.push(path.to_path_buf());
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
        if matches!(destination, Some(Destination::Sibling)) {
            if let Some(original) = earlier_output(path, policy) {
                let name = original.file_name().unwrap_or_default().to_string_lossy();
                collected.skipped.push(Skipped::new(
                    path,
                    format!("the cleaned copy of {name} from an earlier run (named so, beside it, and holding nothing to remove): not cleaned again"),
                ));
                continue;
            }
        }
        if let Some(reason) = skip_reason(path) {
            collected.skipped.push(Skipped::new(path, reason));
            continue;
        }
        let relative = prefix.join(path.strip_prefix(root).unwrap_or(path));
        push_input(collected, path.to_path_buf(), &relative, destination);
    }
    skip_journals(journals, collected);
}

/// Rollback journals found in a walk. One whose file this run processes
/// goes unmentioned here (processing the file rolls it back and says so);
/// any other is listed as skipped and left alone.
fn skip_journals(journals: Vec<PathBuf>, collected: &mut Collected) {
    for journal in journals {
        let Some(target) = journal_target(&journal) else {
            continue;
        };
        if collected.inputs.iter().any(|input| input.path == target) {
            continue;
        }
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        let reason = if target.exists() {
            format!("rollback journal of an interrupted in-place clean of {name}, which this run does not process (kept)")
        } else {
            format!("rollback journal of an interrupted in-place clean of {name}, which is not here (kept; delete it if {name} is gone for good)")
        };
        collected.skipped.push(Skipped::new(&journal, reason));
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

/// When `path` is the cleaned sibling an earlier run wrote, the original
/// it was made from. Surer than the name alone (a user's own photo may be
/// called `x.clean.jpg`): the original must be beside it, and its content
/// must hold nothing that cleaning would remove.
fn earlier_output(path: &Path, policy: &Policy) -> Option<PathBuf> {
    let original = sibling_original(path)?;
    if !original.is_file() {
        return None;
    }
    let src = FileSource::new(std::fs::File::open(path).ok()?).ok()?;
    let inspection = mediascrub::inspect(&src, policy).ok()?;
    inspection
        .findings
        .iter()
        .all(|f| f.fate == Fate::Kept)
        .then_some(original)
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
        Some(Destination::Stdout) => (None, false),
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
