//! The command line: clap's types, and their translation into the
//! [`Options`] a run needs (a [`Mode`], a [`Policy`], the paths, the report
//! style). Nothing here touches the file system.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Args, Parser, Subcommand};

use mediascrub::Policy;

use crate::job::{Destination, Mode};

#[derive(Parser, Debug)]
#[command(
    name = "mediascrub",
    version,
    about = "Find and remove what photos and videos give away (GPS, serial numbers, dates, names, thumbnails, telemetry) without re-encoding them.",
    after_help = "Exit status: 0 when every file was handled, 1 when any file could not be (it gets no output), 2 for usage errors."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the metadata in files without changing anything (but a file
    /// whose in-place clean was interrupted is first rolled back to its
    /// original, as every command does).
    Scan(ScanArgs),
    /// Write cleaned copies (or clean files in place with --in-place).
    Clean(CleanArgs),
}

#[derive(Args, Debug)]
struct CommonArgs {
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

    /// Also write a self-contained HTML page for the batch: per file what
    /// it gave away, its hidden thumbnails shown as pictures, the details,
    /// and what became of it.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,

    /// Colour the human report by severity: auto (a terminal, and
    /// NO_COLOR unset), always, never.
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,

    /// Memory the files processed at once may take together, in MiB: a
    /// file starts only when its estimated need fits (one bigger than the
    /// whole budget runs alone).
    #[arg(long, value_name = "MIB", default_value_t = 1024)]
    memory_budget: u64,
}

#[derive(Args, Debug)]
struct ScanArgs {
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Args, Debug)]
struct CleanArgs {
    #[command(flatten)]
    common: CommonArgs,

    /// Write the cleaned file here (one input file only).
    #[arg(short = 'o', long = "output", value_name = "FILE", conflicts_with_all = ["out", "in_place"])]
    output: Option<PathBuf>,

    /// Write cleaned files under this directory, mirroring each file's path
    /// relative to the directory argument it came from.
    #[arg(long, value_name = "DIR", conflicts_with = "in_place")]
    out: Option<PathBuf>,

    /// Clean each file in place. When only metadata changes and nothing
    /// moves (MP4/MOV with the movie header after the media, Matroska,
    /// AVI), just the changed bytes are written into the file, after their
    /// originals are saved to a rollback journal beside it
    /// (.NAME.mediascrub-journal); a run interrupted mid-way is rolled
    /// back by the next run that reaches the file. Otherwise the file is
    /// replaced atomically by a new one. Owner, group, mode and ACL are
    /// kept either way.
    #[arg(long)]
    in_place: bool,

    /// With --in-place, also replace files that have other hard links:
    /// only the name given is replaced (never patched), and the other
    /// names keep the original, metadata included (each such file gets a
    /// warning). Without it such files are refused.
    #[arg(long, requires = "in_place")]
    allow_hardlinks: bool,

    /// Plan and verify everything, but write nothing.
    #[arg(long)]
    dry_run: bool,

    /// Do not flush new files to disk at the end of the run (as `cp`
    /// does not): a power cut soon after may leave them empty or partly
    /// written under their final names. Never with --in-place, whose
    /// replacements and patches are always flushed.
    #[arg(long, conflicts_with = "in_place")]
    no_sync: bool,
}

/// Everything a run needs to know, decided from the command line.
#[derive(Debug)]
pub struct Options {
    /// The paths as given (files or directories to walk).
    pub paths: Vec<PathBuf>,
    pub mode: Mode,
    pub policy: Policy,
    /// Number of files processed in parallel.
    pub jobs: usize,
    /// One JSON document on stdout instead of the human report.
    pub json: bool,
    /// Only errors and the summary.
    pub quiet: bool,
    /// Bytes of memory the files in flight may take together.
    pub memory_budget: u64,
    /// Where to write the HTML report of the batch.
    pub report: Option<PathBuf>,
    /// Colour the human report.
    pub color: bool,
    /// Flush new outputs to disk at the end of the run (`--no-sync`
    /// clears it; in-place replacements are flushed regardless).
    pub sync: bool,
}

impl Cli {
    /// The run these arguments ask for; `Err` for a usage error that clap
    /// cannot express.
    pub fn into_options(self) -> Result<Options> {
        let mut sync = true;
        let (common, mode) = match self.command {
            Command::Scan(args) => (args.common, Mode::Scan),
            Command::Clean(args) => {
                let destination = if let Some(file) = args.output {
                    Destination::File(file)
                } else if let Some(dir) = args.out {
                    Destination::Directory(dir)
                } else if args.in_place {
                    Destination::InPlace {
                        allow_hardlinks: args.allow_hardlinks,
                    }
                } else {
                    Destination::Sibling
                };
                let mode = Mode::Clean {
                    destination,
                    dry_run: args.dry_run,
                };
                sync = !args.no_sync;
                (args.common, mode)
            }
        };
        // Cleaning is mostly waiting on reads and writes, so by default more
        // files are in flight than there are CPUs.
        let jobs = match common.jobs {
            Some(0) => bail!("-j needs at least 1"),
            Some(jobs) => jobs,
            None => std::thread::available_parallelism().map_or(4, |n| (n.get() * 2).max(4)),
        };
        if common.memory_budget == 0 {
            bail!("--memory-budget needs at least 1 (MiB)");
        }
        Ok(Options {
            paths: common.paths,
            mode,
            policy: common.keep,
            jobs,
            json: common.json,
            quiet: common.quiet,
            memory_budget: common.memory_budget.saturating_mul(crate::budget::MIB),
            report: common.report,
            color: match common.color.as_str() {
                "always" => true,
                "never" => false,
                _ => {
                    use std::io::IsTerminal;
                    std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                        && std::env::var("TERM").map_or(true, |t| t != "dumb")
                }
            },
            sync,
        })
    }
}
