//! `mediascrub`: find and remove identifying metadata from photos and
//! videos, losslessly.
//!
//! A thin driver over the `mediascrub` library. The flow is one-way:
//! [`args`] turns the command line into options, [`collect`] turns paths
//! into inputs, [`process`] runs the library on each input (in parallel)
//! and writes verified outputs through [`output`], and [`report`] prints
//! the results. [`job`] holds the types they share.

mod args;
mod budget;
mod collect;
mod faults;
mod job;
mod output;
mod process;
mod report;

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use indicatif::{ParallelProgressIterator, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::args::Cli;
use crate::job::{FileReport, Outcome};

fn main() -> ExitCode {
    match run(Cli::parse()) {
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
    let mut reports: Vec<FileReport> = collected
        .inputs
        .par_iter()
        .progress_with(progress.clone())
        .map(|input| {
            let report = process::process(input, &options.mode, &options.policy, &budget);
            // Said as it happens, so that a long run does not hide failures
            // until the end.
            if let Some(error) = report.error() {
                progress.suspend(|| eprintln!("{}", report::file_line(&report.path, error)));
            }
            for warning in &report.warnings {
                progress.suspend(|| {
                    eprintln!(
                        "{}",
                        report::file_line(&report.path, &format!("warning: {warning}"))
                    )
                });
            }
            report
        })
        .collect();
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
