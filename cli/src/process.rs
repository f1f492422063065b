//! Processing one input: open it (locked against other runs, and rolled
//! back first if an in-place clean of it was interrupted), run the library
//! on it once, and for `clean` write the verified output: patched into the
//! file itself when `--in-place` can be ([`crate::patch`]), else through
//! [`crate::output`]; then [`finish_batch`] makes a batch's new outputs
//! durable together. Every failure ends up in the file's report, never as
//! a panic or an early exit: one bad file must not stop the others.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{anyhow, bail, Context, Result};
use mediascrub::sniff::identify_source;
#[cfg(unix)]
use mediascrub::Source;
use mediascrub::{FileSource, Policy};

use crate::args::is_stdio;
use crate::budget::{estimate, Budget, Grant};
use crate::job::{
    media_extension, sibling_path, Destination, FileReport, Input, Mode, Outcome, Written,
};
use crate::output::{self, AtomicOutput, Staged};
use crate::{names, stdio, traces};

/// What a written output still needs once the batch's files are all
/// processed ([`finish_batch`]).
pub enum Pending {
    /// A new file (`--out`, `-o`, sibling), already under its final name:
    /// only its folder's file system is flushed.
    Written { file: PathBuf, dir: PathBuf },
    /// An `--in-place` output still under its temporary name: it replaces
    /// the original only once every temporary of the batch is on disk.
    Staged {
        staged: Staged,
        input: PathBuf,
        before: Option<Stamp>,
    },
}

/// Process one input as `mode` asks; the report says what was found and
/// what became of it, and a written output what it still needs.
pub fn process(
    input: &Input,
    mode: &Mode,
    policy: &Policy,
    budget: &Budget,
) -> (FileReport, Option<Pending>) {
    match mode {
        Mode::Scan => (scan_one(input, policy, budget), None),
        Mode::Clean {
            dry_run,
            destination,
        } => clean_one(input, destination, policy, *dry_run, budget),
    }
}

/// Finish a batch of processed files: make the outputs durable and, for
/// `--in-place`, replace the originals. New files were renamed as they
/// were written; one flush of their file systems ends the batch (none
/// with `sync` false, as `cp` does). In-place temporaries are flushed
/// together, then each replaces its original (if the original did not
/// change meanwhile), then the folders are flushed once. A file that fails
/// here has its report turned into a failure, passed to `failed`.
pub fn finish_batch(
    batch: Vec<(FileReport, Option<Pending>)>,
    sync: bool,
    mut failed: impl FnMut(&FileReport),
) -> Vec<FileReport> {
    let (mut reports, pending): (Vec<FileReport>, Vec<Option<Pending>>) = batch.into_iter().unzip();
    let mut written = Vec::new();
    let mut staged = Vec::new();
    for (index, pending) in pending.into_iter().enumerate() {
        match pending {
            Some(Pending::Written { file, dir }) => written.push((index, file, dir)),
            Some(Pending::Staged {
                staged: output,
                input,
                before,
            }) => staged.push((index, output, input, before)),
            None => {}
        }
    }
    let mut fail = |report: &mut FileReport, why: String| {
        report.outcome = Outcome::Failed(why);
        failed(report);
    };
    if sync && !written.is_empty() {
        let files = written.iter().map(|(_, file, _)| file.as_path());
        let dirs = written.iter().map(|(_, _, dir)| dir.as_path());
        if let Err(err) = output::flush(files, dirs) {
            for (index, file, _) in &written {
                if let Some(report) = reports.get_mut(*index) {
                    fail(
                        report,
                        format!(
                            "{} was written but may not be on disk: {err:#}",
                            file.display()
                        ),
                    );
                }
            }
        }
    }
    if staged.is_empty() {
        return reports;
    }
    // The temporaries first, all together: a power cut after a rename
    // must find the new content under the name, not unwritten blocks.
    let files = staged.iter().map(|(_, s, _, _)| s.temp_path());
    let dirs = staged.iter().map(|(_, s, _, _)| s.dir());
    if let Err(err) = output::flush(files, dirs) {
        for (index, _, _, _) in &staged {
            if let Some(report) = reports.get_mut(*index) {
                fail(report, format!("{err:#}; original left as is"));
            }
        }
        return reports; // Dropping `staged` removes the temporaries.
    }
    let mut renamed = Vec::new();
    for (index, output, input, before) in staged {
        let Some(report) = reports.get_mut(index) else {
            continue;
        };
        if stamp(&input) != before {
            fail(
                report,
                "the file changed while the batch was being cleaned; output discarded, original left as is".to_string(),
            );
            continue;
        }
        let dir = output.dir().to_path_buf();
        match output.rename() {
            Ok(()) => renamed.push(dir),
            Err(err) => fail(report, format!("{err:#}")),
        }
    }
    output::sync_dirs(renamed.iter().map(PathBuf::as_path));
    reports
}

/// An input open for reading, locked against other mediascrub runs.
struct Opened {
    /// The file; the lock lives as long as it is open.
    src: FileSource,
    /// Whether this run holds the file's exclusive lock: only then may it
    /// be patched.
    #[cfg_attr(not(unix), allow(dead_code))]
    exclusive: bool,
}

/// Open an input for positioned reads. Locked first (shared, or exclusive
/// when it may be patched — `patch` — or must be rolled back), then, if an
/// earlier in-place clean of it was interrupted, rolled back from its
/// journal (said in `report`): what is read is always a whole file, never
/// one half-patched or being patched by another run.
fn open(input: &Input, patch: bool, report: &mut FileReport) -> Result<Opened> {
    if is_stdio(&input.path) {
        // Standard input: nobody else's file to lock, nothing to patch.
        let _ = (patch, &report);
        return Ok(Opened {
            src: stdio::open_stdin()?,
            exclusive: false,
        });
    }
    // Checked before opening: opening a FIFO (or a device) for reading can
    // block forever waiting for a writer.
    let meta = fs::metadata(&input.path).context("cannot open")?;
    if !meta.is_file() {
        bail!("not a regular file");
    }
    let file = File::open(&input.path).context("cannot open")?;
    // Checked again on the open file: the path may have been replaced in
    // between.
    if !file.metadata().context("cannot read")?.is_file() {
        bail!("not a regular file");
    }
    #[cfg(unix)]
    let exclusive = {
        use crate::journal::{self, Lock};
        let real = real_path(&input.path);
        let recover = journal::exists(&real);
        let lock = journal::lock(&file, patch || recover)?;
        if recover {
            if let Some(note) = journal::recover(&real)?.note() {
                report.warnings.push(note);
            }
        }
        lock == Lock::Exclusive
    };
    #[cfg(not(unix))]
    let exclusive = {
        let _ = (patch, report);
        false
    };
    let src = FileSource::new(file).context("cannot read")?;
    Ok(Opened { src, exclusive })
}

/// The file `path` names, its last link resolved: a journal lies beside
/// the file itself, not beside a link to it.
#[cfg(unix)]
fn real_path(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// The file being read (`locked`), opened again for writing, once it is
/// known to be patched: opened only then, since closing a file opened for
/// writing tells file watchers it changed. `None` (rewrite it instead)
/// when it cannot be (read-only) or `path` no longer names that file (a
/// link or another file swapped in).
#[cfg(unix)]
fn reopen_for_writing(path: &Path, locked: &File) -> Option<File> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(crate::journal::no_follow())
        .open(path)
        .ok()?;
    let (a, b) = (file.metadata().ok()?, locked.metadata().ok()?);
    (a.dev() == b.dev() && a.ino() == b.ino()).then_some(file)
}

/// Wait until the batch's memory budget has room for `src`.
fn admit<'a>(src: &FileSource, budget: &'a Budget) -> Grant<'a> {
    budget.acquire(estimate(src, mediascrub::sniff(src)))
}

/// A fingerprint of a file's state: its length and modification time.
pub type Stamp = (u64, Option<SystemTime>);

/// A fingerprint of the input's state, to notice it changing under us.
fn stamp(path: &Path) -> Option<Stamp> {
    let meta = fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()))
}

/// Inspect `src` into `report`: its format and findings. When the file
/// cannot be inspected, the format is still reported if it was recognised,
/// to say what kind of file failed.
fn inspect_into(
    src: &FileSource,
    path: &Path,
    policy: &Policy,
    report: &mut FileReport,
) -> Result<mediascrub::Inspection> {
    match mediascrub::inspect(src, policy) {
        Ok(inspection) => {
            report.format = Some(inspection.format);
            report.findings = inspection.findings.clone();
            Ok(inspection)
        }
        Err(err) => {
            report.format = mediascrub::sniff(src);
            match err {
                mediascrub::Error::Unsupported(_) => Err(anyhow!(unsupported(src, path, &err))),
                err => Err(err.into()),
            }
        }
    }
}

/// Why a file the core does not clean is refused, naming what it is by
/// content (`Fujifilm RAF raw is not supported`) and, when its name claims
/// media its content is not, saying so.
fn unsupported(src: &FileSource, path: &Path, err: &mediascrub::Error) -> String {
    let named_like = media_extension(path);
    match (identify_source(src), named_like) {
        // The core knows the container but has no cleaner for it yet.
        (Some(r), _) if r.format.is_some_and(|f| f.name() != r.name) => {
            format!("{}: {err}", r.name)
        }
        (Some(r), _) if r.format.is_some() => err.to_string(),
        (Some(r), _) if r.kind.is_media() => {
            format!("{} is not supported (not cleaned)", r.name)
        }
        (Some(r), Some(ext)) => format!(
            "named like media (.{ext}) but its content is {}, not a photo or video (not cleaned)",
            r.name
        ),
        (Some(r), None) => format!("{}, not a photo or video (not cleaned)", r.name),
        (None, Some(ext)) => {
            format!("named like media (.{ext}) but its content is not recognised (not cleaned)")
        }
        (None, None) => {
            "content not recognised as any photo, video or audio format (not cleaned)".to_string()
        }
    }
}

/// What `input`'s name and file-system entry give away: the name's
/// findings are kept when `output` (where the cleaned file goes; `None`
/// for standard output) shares them.
fn traces_of(input: &Input, output: Option<&Path>) -> Vec<mediascrub::Finding> {
    // Standard input has neither; a FIFO or device is never read.
    if is_stdio(&input.path) || !fs::metadata(&input.path).is_ok_and(|m| m.is_file()) {
        return Vec::new();
    }
    let mut found = names::name_findings(&input.path, output);
    found.extend(traces::findings(&input.path));
    found
}

/// List what one input holds.
fn scan_one(input: &Input, policy: &Policy, budget: &Budget) -> FileReport {
    let mut report = FileReport::new(input);
    let scanned = open(input, false, &mut report).and_then(|opened| {
        let _grant = admit(&opened.src, budget);
        let inspection = inspect_into(&opened.src, &input.path, policy, &mut report)?;
        // What `clean --strict` would refuse.
        inspection.check_unknown(policy)?;
        Ok(())
    });
    // A plain `clean` keeps the name (NAME.clean.EXT).
    report
        .findings
        .extend(traces_of(input, Some(&sibling_path(&input.path))));
    if let Err(err) = scanned {
        report.outcome = Outcome::Failed(format!("{err:#}"));
    }
    report
}

/// Clean one input (or with `dry_run` only plan and verify it).
fn clean_one(
    input: &Input,
    destination: &Destination,
    policy: &Policy,
    dry_run: bool,
    budget: &Budget,
) -> (FileReport, Option<Pending>) {
    let mut report = FileReport::new(input);
    let mut pending = None;
    // Read before cleaning: in place, cleaning changes them.
    let traces = traces_of(input, input.output.as_deref());
    let result = clean_inner(input, destination, policy, dry_run, budget, &mut report);
    report.findings.extend(traces);
    if let Ok((_, Some(Written::Unchanged))) = &result {
        // Already clean: not a byte written, so its time is as it was
        // (its extended attributes were dropped all the same).
        for finding in &mut report.findings {
            if finding.location == traces::FILE_SYSTEM && finding.field == traces::MODIFIED {
                finding.fate = mediascrub::Fate::Kept;
            }
        }
    }
    report.outcome = match result {
        Ok((written, how)) => {
            pending = written;
            report.written = how;
            match (&input.output, destination, dry_run) {
                (Some(output), _, false) => Outcome::Written(output.display().to_string()),
                (None, Destination::Stdout, false) => Outcome::Written("-".to_string()),
                _ => Outcome::Checked,
            }
        }
        Err(err) => Outcome::Failed(format!("{err:#}")),
    };
    (report, pending)
}

fn clean_inner(
    input: &Input,
    destination: &Destination,
    policy: &Policy,
    dry_run: bool,
    budget: &Budget,
    report: &mut FileReport,
) -> Result<(Option<Pending>, Option<Written>)> {
    let replacing = matches!(destination, Destination::InPlace { .. });
    let opened = open(input, replacing && !dry_run, report)?;
    let src = &opened.src;
    // After any rollback: the file as it is read now.
    let before = stamp(&input.path);
    // Held until the output is written: the plan lives that long.
    let _grant = admit(src, budget);
    let mut links = 1;
    if let Destination::InPlace { allow_hardlinks } = destination {
        links = check_hard_links(&input.path, *allow_hardlinks, report)?;
    }
    // One parse of the input: verification parses only the planned output.
    let cleaning = inspect_into(src, &input.path, policy, report)?.verify(src, policy)?;
    if dry_run {
        cleaning.write_verified(src, &mut std::io::sink())?;
        return Ok((None, None));
    }
    if matches!(destination, Destination::Stdout) {
        let written = stdio::write_stdout(&cleaning, src)?;
        if written != cleaning.plan.output_len() {
            bail!(
                "wrote {written} bytes but planned {}",
                cleaning.plan.output_len()
            );
        }
        return Ok((None, None));
    }
    // Patched in place when the plan allows it. Never a file with other
    // hard links: patching changes every name's content, while
    // `--allow-hardlinks` promises to replace the given name only.
    #[cfg(unix)]
    if let Some(target) = (opened.exclusive && links == 1 && cleaning.is_in_place(src.len()))
        .then(|| reopen_for_writing(&input.path, src.file()))
        .flatten()
    {
        let meta = target.metadata().context("cannot read")?;
        let unchanged = || stamp(&input.path) == before;
        let patching = crate::patch::Patching {
            path: &input.path,
            target: &target,
            meta: &meta,
            src,
            cleaning: &cleaning,
            policy,
            unchanged: &unchanged,
        };
        if let crate::patch::Patch::Done(how, warnings) = crate::patch::patch(&patching)? {
            report.warnings.extend(warnings);
            return Ok((None, Some(how)));
        }
    }
    #[cfg(not(unix))]
    let _ = links;
    let target = input
        .output
        .as_deref()
        .ok_or_else(|| anyhow!("no output path"))?;
    let mut output = AtomicOutput::create(target, input.overwrite, input.confine.as_deref())?;
    let written = output.write_with(|writer| Ok(cleaning.write_verified(src, writer)?))?;
    if written != cleaning.plan.output_len() {
        bail!(
            "wrote {written} bytes but planned {}; output discarded",
            cleaning.plan.output_len()
        );
    }
    let staged = output.finish(&input.path, replacing)?;
    // Checked after the output is complete and before it replaces
    // anything: a file that changed mid-way may have been read half old,
    // half new. (In place, checked again just before the rename.)
    if stamp(&input.path) != before {
        bail!("the file changed while it was being cleaned; output discarded");
    }
    if replacing {
        let pending = Pending::Staged {
            staged,
            input: input.path.clone(),
            before,
        };
        return Ok((Some(pending), Some(Written::Rewritten)));
    }
    // A new file: nothing of the user's is at risk, so it takes its final
    // name now and is flushed with the rest of the batch.
    let dir = staged.dir().to_path_buf();
    staged.rename()?;
    let pending = Pending::Written {
        file: target.to_path_buf(),
        dir,
    };
    Ok((Some(pending), Some(Written::New)))
}

/// A file with other hard links, replaced in place, leaves those names
/// with the original content, metadata included: refused, unless the user
/// allowed it, and then said loudly in the report. Returns the number of
/// links.
fn check_hard_links(path: &Path, allowed: bool, report: &mut FileReport) -> Result<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let links = fs::metadata(path).context("cannot open")?.nlink();
        if links > 1 {
            let others = links - 1;
            if !allowed {
                bail!(
                    "has {others} other hard link(s), which would keep the metadata if this name were replaced; not cleaned (clean a copy with --out, or pass --allow-hardlinks to replace this name only)"
                );
            }
            report.warnings.push(format!(
                "{others} other hard link(s) to this file still hold the original, metadata included (--allow-hardlinks)"
            ));
        }
        Ok(links)
    }
    #[cfg(not(unix))]
    {
        let _ = (path, allowed, report);
        Ok(1)
    }
}
