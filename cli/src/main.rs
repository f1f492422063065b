//! `mediascrub`: find and remove identifying metadata from photos and
//! videos, losslessly.
//!
//! A thin driver over the `mediascrub` library. The flow is one-way:
//! [`args`] turns the command line into options, [`collect`] turns paths
//! into inputs, [`process`] runs the library on each input (in parallel)
//! and writes verified outputs through [`output`], and [`report`] prints
//! the results. [`job`] holds the types they share. [`generate`] adds the
//! `completions` and `man` subcommands, made from the same definition, and
//! the version string with the commit.

mod args;
mod budget;
mod collect;
mod faults;
mod generate;
mod job;
mod output;
mod process;
mod report;

use std::process::ExitCode;

use anyhow::{Context, Result};
use indicatif::{ParallelProgressIterator, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::args::Cli;

/// The static Linux release (musl) allocates through mimalloc: musl's own
/// allocator maps and unmaps every large buffer, which made batches up to
/// twice as slow. Off by default (it compiles C).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use crate::job::{FileReport, Outcome};

fn main() -> ExitCode {
    match run(generate::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            eprintln!("mediascrub: {}", report::terminal_safe(&format!("{err:#}")));
            ExitCode::from(2)
        }
    }
}

/// Runs the command; `Ok(true)` when every file succeeded, `Err` for usage
/// errors.
fn run(cli: Cli) -> Result<bool> {
    let options = cli.into_options()?;
    rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .build_global()
        .context("could not set up the worker threads")?;
    let collected = collect::collect(&options.paths, options.mode.destination())?;

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
                (report, pending)
            })
            .collect();
        reports.extend(process::finish_batch(processed, options.sync, say_error));
    }
    progress.finish_and_clear();

    reports.extend(collected.rejected);
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    for rejected in &reports {
        if let Outcome::Rejected(error) = &rejected.outcome {
            eprintln!("{}", report::file_line(&rejected.path, error));
        }
    }
    if options.json {
        report::print_json(&reports, &collected.skipped)?;
    } else if !options.quiet {
        report::print_human(&reports, &options.mode)?;
    }
    report::print_summary(&reports, &collected.skipped, &options.mode);
    Ok(reports.iter().all(|r| r.error().is_none()))
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
