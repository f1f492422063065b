//! `mediascrub`: find and remove identifying metadata from photos and
//! videos, losslessly.
//!
//! A thin driver over the `mediascrub` library. The flow is one-way:
//! [`args`] turns the command line into options, [`collect`] turns paths
//! into inputs, [`process`] runs the library on each input (in parallel)
//! and writes verified outputs through [`output`], and [`report`] prints
//! the results ([`stream`] as each file finishes, with `--jsonl`). [`job`]
//! holds the types they share. [`names`] and [`traces`] report what a
//! file's name and file-system entry give away, [`stdio`] reads standard
//! input and writes standard output as files, and [`formats_cmd`] answers
//! `mediascrub formats`.
//! [`generate`] adds the `completions` and `man` subcommands, made from
//! the same definition, and the version string with the commit.

mod args;
mod budget;
mod collect;
mod faults;
mod formats_cmd;
mod generate;
mod html;
mod job;
#[cfg(unix)]
mod journal;
mod names;
mod output;
#[cfg(unix)]
mod patch;
mod process;
mod report;
mod stdio;
mod stream;
mod traces;

use std::process::ExitCode;

use anyhow::{Context, Result};
use indicatif::{ParallelProgressIterator, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::args::{Cli, Request};
use crate::job::{Destination, FileReport, Outcome};

/// The static Linux release (musl) allocates through mimalloc: musl's own
/// allocator maps and unmaps every large buffer, which made batches up to
/// twice as slow. Off by default (it compiles C).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match run(generate::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) if stdio::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mediascrub: {}", report::terminal_safe(&format!("{err:#}")));
            ExitCode::from(2)
        }
    }
}

/// Runs the command; `Ok(true)` when every file succeeded, `Err` for usage
/// errors.
fn run(cli: Cli) -> Result<bool> {
    let options = match cli.into_request()? {
        Request::Formats { json } => return formats_cmd::print(json).map(|()| true),
        Request::Run(options) => options,
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .build_global()
        .context("could not set up the worker threads")?;
    let listed = match &options.files_from {
        Some(list) => collect::read_list(list, options.null)?,
        None => Vec::new(),
    };
    let sources = collect::Sources {
        args: &options.paths,
        listed: &listed,
        rename: options.rename,
        policy: &options.policy,
    };
    let collected = collect::collect(&sources, options.mode.destination())?;
    if let (Some(map), Some(Destination::Directory(out))) =
        (&options.rename_map, options.mode.destination())
    {
        names::check_map_outside(map, out)?;
    }
    let jsonl = options.jsonl.then(stream::JsonLines::new);
    if let Some(lines) = &jsonl {
        for skipped in &collected.skipped {
            lines.skipped(skipped);
        }
    }

    let budget = budget::Budget::new(options.memory_budget);
    let progress = progress_bar(collected.inputs.len());
    let say_error = |report: &FileReport| {
        if let Some(error) = report.error() {
            progress.suspend(|| eprintln!("{}", report::file_line(&report.path, error)));
        }
    };
    let in_place = matches!(
        options.mode.destination(),
        Some(job::Destination::InPlace { .. })
    );
    let mut reports: Vec<FileReport> = Vec::with_capacity(collected.inputs.len());
    for batch in batches(&collected.inputs, in_place) {
        let processed: Vec<_> = batch
            .par_iter()
            .progress_with(progress.clone())
            .map(|input| {
                let (report, pending) =
                    process::process(input, &options.mode, &options.policy, &budget);
                // Said as it happens, so that a long run does not hide
                // failures until the end.
                say_error(&report);
                for warning in &report.warnings {
                    progress.suspend(|| {
                        eprintln!(
                            "{}",
                            report::file_line(&report.path, &format!("warning: {warning}"))
                        )
                    });
                }
                match &jsonl {
                    // A streamed line must be the file's last word: a new
                    // file is made durable on its own before it is
                    // announced (an in-place batch is announced once it
                    // is finished, below).
                    Some(lines) if !in_place => {
                        let reports =
                            process::finish_batch(vec![(report, pending)], options.sync, say_error);
                        reports.iter().for_each(|report| lines.file(report));
                        Processed::Final(reports)
                    }
                    _ => Processed::Pending(Box::new((report, pending))),
                }
            })
            .collect();
        let mut unfinished = Vec::new();
        for processed in processed {
            match processed {
                Processed::Final(done) => reports.extend(done),
                Processed::Pending(waiting) => unfinished.push(*waiting),
            }
        }
        let finished = process::finish_batch(unfinished, options.sync, say_error);
        if let Some(lines) = &jsonl {
            finished.iter().for_each(|report| lines.file(report));
        }
        reports.extend(finished);
    }
    progress.finish_and_clear();

    if let Some(lines) = &jsonl {
        for rejected in &collected.rejected {
            lines.file(rejected);
        }
    }
    reports.extend(collected.rejected);
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    for rejected in &reports {
        if let Outcome::Rejected(error) = &rejected.outcome {
            eprintln!("{}", report::file_line(&rejected.path, error));
        }
    }
    // Standard output may carry the cleaned file itself: then no report
    // goes there (the summary on stderr remains).
    let stdout_data = matches!(options.mode.destination(), Some(Destination::Stdout));
    let printed = if options.json {
        report::print_json(&reports, &collected.skipped)
    } else if !options.quiet && !options.jsonl && !stdout_data {
        report::print_human(&reports, &options.mode, options.color)
    } else {
        Ok(())
    };
    // A reader that stopped reading (`| head`) is not an error of the
    // run: the files were handled, and the exit status says how.
    let mut ok = true;
    if let Err(err) = printed {
        if !stdio::is_broken_pipe(&err) {
            eprintln!("mediascrub: cannot write the report: {err:#}");
            ok = false;
        }
    }
    if let Some(err) = jsonl.as_ref().and_then(stream::JsonLines::error) {
        eprintln!("mediascrub: cannot write the JSON Lines report: {err}");
        ok = false;
    }
    if let Some(map) = &options.rename_map {
        if let Err(err) = names::write_rename_map(map, &reports) {
            eprintln!("mediascrub: {err:#}");
            ok = false;
        }
    }
    report::print_summary(&reports, &collected.skipped, &options.mode);
    if let Some(path) = &options.report {
        match html::write_report(path, &reports, &options.mode) {
            Ok(()) if !options.quiet => eprintln!(
                "report written to {}",
                report::terminal_safe(&path.display().to_string())
            ),
            Ok(()) => {}
            Err(err) => {
                eprintln!("mediascrub: cannot write the report: {err:#}");
                ok = false;
            }
        }
    }
    Ok(ok && reports.iter().all(|r| r.error().is_none()))
}

/// A file processed by a worker: finished (streamed with `--jsonl`), or
/// waiting for its batch to be finished.
enum Processed {
    Final(Vec<FileReport>),
    Pending(Box<(FileReport, Option<process::Pending>)>),
}

/// In place, every temporary of a batch exists on disk at once (they are
/// flushed together before any original is replaced): batches are capped
/// so that the extra space and the work a crash would discard stay
/// bounded. New files form a single batch, flushed once at its end.
const IN_PLACE_BATCH_FILES: usize = 256;
const IN_PLACE_BATCH_BYTES: u64 = 2 << 30;

/// The inputs cut into the batches [`process::finish_batch`] finishes.
fn batches(inputs: &[job::Input], in_place: bool) -> Vec<&[job::Input]> {
    if !in_place {
        return vec![inputs];
    }
    let mut batches = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (index, input) in inputs.iter().enumerate() {
        let len = std::fs::metadata(&input.path).map_or(0, |m| m.len());
        if index > start
            && (index - start >= IN_PLACE_BATCH_FILES
                || bytes.saturating_add(len) > IN_PLACE_BATCH_BYTES)
        {
            batches.extend(inputs.get(start..index));
            (start, bytes) = (index, 0);
        }
        bytes = bytes.saturating_add(len);
    }
    batches.extend(inputs.get(start..));
    batches
}

fn progress_bar(len: usize) -> ProgressBar {
    if len < 2 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed}") {
        bar.set_style(style);
    }
    bar
}
