//! `mediascrub`: find and remove identifying metadata from photos and
//! videos, losslessly.
//!
//! A thin driver over the `mediascrub` library: it collects input files,
//! runs the library on each (in parallel), writes verified outputs
//! atomically, and reports.

mod inputs;
mod report;
mod write;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ParallelProgressIterator, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use mediascrub::Policy;

use crate::inputs::{Destination, Input};
use crate::report::FileReport;

#[derive(Parser, Debug)]
#[command(
    name = "mediascrub",
    version,
    about = "Find and remove what photos and videos give away (GPS, serial numbers, dates, names, thumbnails, telemetry) without re-encoding them.",
    after_help = "Exit status: 0 when every file was handled, 1 when any file could not be (it gets no output), 2 for usage errors."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the metadata in files without changing anything.
    Scan(ScanArgs),
    /// Write cleaned copies (or replace files with --in-place).
    Clean(CleanArgs),
}

#[derive(Args, Debug)]
struct Common {
    /// Files or directories (walked recursively, hidden files included,
    /// symbolic links not followed).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// Print one JSON document on stdout instead of the human report.
    #[arg(long)]
    json: bool,

    /// Optional things to keep, comma-separated: orientation, icc,
    /// subtitles, or none.
    #[arg(long, value_name = "LIST", default_value = "orientation,icc")]
    keep: Policy,

    /// Number of files processed in parallel (default: twice the CPUs, at
    /// least 4: cleaning mostly waits on the disk).
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    jobs: Option<usize>,

    /// Only print errors and the summary.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct ScanArgs {
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug)]
struct CleanArgs {
    #[command(flatten)]
    common: Common,

    /// Write the cleaned file here (one input file only).
    #[arg(short = 'o', long = "output", value_name = "FILE", conflicts_with_all = ["out", "in_place"])]
    output: Option<PathBuf>,

    /// Write cleaned files under this directory, mirroring each file's path
    /// relative to the directory argument it came from.
    #[arg(long, value_name = "DIR", conflicts_with = "in_place")]
    out: Option<PathBuf>,

    /// Replace each file atomically with its cleaned version.
    #[arg(long)]
    in_place: bool,

    /// Plan and verify everything, but write nothing.
    #[arg(long)]
    dry_run: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            eprintln!("mediascrub: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs the command; `Ok(true)` when every file succeeded, `Err` for usage
/// errors.
fn run(cli: Cli) -> Result<bool> {
    let (common, mode) = match cli.command {
        Command::Scan(args) => (args.common, None),
        Command::Clean(args) => {
            let destination = if let Some(file) = args.output {
                Destination::File(file)
            } else if let Some(dir) = args.out {
                Destination::Directory(dir)
            } else if args.in_place {
                Destination::InPlace
            } else {
                Destination::Sibling
            };
            (args.common, Some((destination, args.dry_run)))
        }
    };
    // Cleaning is mostly waiting on reads and fsync, so by default more
    // files are in flight than there are CPUs.
    let jobs = match common.jobs {
        Some(0) => bail!("-j needs at least 1"),
        Some(jobs) => jobs,
        None => std::thread::available_parallelism().map_or(4, |n| (n.get() * 2).max(4)),
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build_global()
        .context("could not set up the worker threads")?;
    let destination = mode.as_ref().map(|(d, _)| d);
    let collected = inputs::collect(&common.paths, destination)?;
    let progress = progress_bar(collected.inputs.len());
    let policy = &common.keep;
    let reports: Vec<FileReport> = collected
        .inputs
        .par_iter()
        .progress_with(progress.clone())
        .map(|input| {
            let report = match &mode {
                None => process_scan(input, policy),
                Some((_, dry_run)) => write::clean_one(input, policy, *dry_run),
            };
            if let Some(error) = &report.error {
                progress.suspend(|| eprintln!("mediascrub: {}: {error}", input.display_path()));
            }
            report
        })
        .collect();
    progress.finish_and_clear();
    let mut reports = reports;
    reports.extend(collected.rejected);
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    for rejected in reports.iter().filter(|r| r.rejected_early) {
        if let Some(error) = &rejected.error {
            eprintln!("mediascrub: {}: {error}", rejected.path);
        }
    }
    let cleaning = mode.is_some();
    let dry_run = mode.as_ref().is_some_and(|(_, d)| *d);
    if common.json {
        report::print_json(&reports, &collected.skipped)?;
    } else if !common.quiet {
        report::print_human(&reports, cleaning, dry_run)?;
    }
    report::print_summary(&reports, &collected.skipped, cleaning, dry_run);
    Ok(reports.iter().all(|r| r.error.is_none()))
}

fn process_scan(input: &Input, policy: &Policy) -> FileReport {
    let mut report = FileReport::new(input);
    let inspected = write::open(input).and_then(|src| {
        report.format = mediascrub::sniff(&src);
        Ok(mediascrub::inspect(&src, policy)?)
    });
    match inspected {
        Ok(inspection) => {
            report.format = Some(inspection.format);
            report.findings = inspection.findings;
        }
        Err(err) => report.error = Some(format!("{err:#}")),
    }
    report
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
