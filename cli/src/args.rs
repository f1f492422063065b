//! The command line: clap's types, and their translation into the
//! [`Options`] a run needs (a [`Mode`], a [`Policy`], the paths, the report
//! style). Nothing here touches the file system.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Args, Parser, Subcommand};

use mediascrub::Policy;

use crate::job::{Destination, Mode, Rename};

#[derive(Parser, Debug)]
#[command(
    name = "mediascrub",
    version,
    about = "Find and remove what photos and videos give away (GPS, serial numbers, dates, names, thumbnails, telemetry) without re-encoding them.",
    after_help = "Exit status: 0 when every file was handled, 1 when any file could not be (it gets no output), 2 for usage errors.\n\nExamples:\n  mediascrub scan ~/Pictures/trip\n  mediascrub clean ~/Pictures/trip --out ~/upload\n  mediascrub clean - <in.jpg >out.jpg\n  find . -name '*.mp4' -print0 | mediascrub clean --files-from - -0 --out ../clean --jsonl"
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
    /// Write cleaned copies: by default beside each file as NAME.clean.EXT.
    #[command(
        long_about = "Write cleaned copies. By default each one goes beside its file as \
NAME.clean.EXT (photo.jpg -> photo.clean.jpg), never overwriting anything; --out DIR \
puts them under DIR instead, -o FILE names the one output (- for standard output), and \
--in-place cleans the files themselves (patched where they lie when only metadata \
changes, else replaced)."
    )]
    Clean(CleanArgs),
    /// List every format: what is removed from it and what is kept.
    Formats(FormatsArgs),
}

#[derive(Args, Debug)]
struct FormatsArgs {
    /// Print one JSON document instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct CommonArgs {
    /// Files or directories. Directories are walked recursively, hidden
    /// files included; a symbolic link named here is followed, links met
    /// inside a walk are not. `-` reads one file from standard input.
    #[arg(value_name = "PATH", required_unless_present = "files_from")]
    paths: Vec<PathBuf>,

    /// Also take the paths listed in FILE, one per line (`-`: standard
    /// input), for lists too long for a command line. Listed files are
    /// judged as a walk judges them (plainly non-media files are passed
    /// over), and under --out DIR each listed path is mirrored as listed
    /// (photos/a.jpg -> DIR/photos/a.jpg).
    #[arg(long, value_name = "FILE")]
    files_from: Option<PathBuf>,

    /// With --files-from: the paths are separated by NUL bytes (as `find
    /// -print0` writes them), not by newlines.
    #[arg(short = '0', long = "null", requires = "files_from")]
    null: bool,

    /// Print one JSON document on stdout instead of the human report.
    #[arg(long, conflicts_with = "jsonl")]
    json: bool,

    /// Print one JSON object per file on stdout (JSON Lines) as soon as
    /// that file is finished, instead of the human report.
    #[arg(long)]
    jsonl: bool,

    /// Optional things to keep for display, comma-separated: orientation
    /// (rewritten into a minimal tag), icc (the colour profile), subtitles
    /// (text tracks that are not telemetry), or none. Everything else is
    /// always removed.
    #[arg(long, value_name = "LIST", default_value = "orientation,icc")]
    keep: Policy,

    /// Optional things not to keep after all, comma-separated: orientation,
    /// icc, subtitles, or all (then nothing optional is kept). Category
    /// names (location, device, time, identity, software, embedded,
    /// telemetry, provenance, other) are accepted and change nothing: they
    /// are always removed. [default: nothing more than --keep leaves out]
    #[arg(long, value_name = "LIST")]
    remove: Option<String>,

    /// Refuse every file that holds a block mediascrub does not understand
    /// (an unknown box, chunk, segment, element or tag): it gets no output
    /// and the batch exits 1. Without --strict such blocks are removed.
    #[arg(long)]
    strict: bool,

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

    /// Write the cleaned file here (one input only); `-` writes it to
    /// standard output (then no report is printed on stdout).
    #[arg(short = 'o', long = "output", value_name = "FILE", conflicts_with_all = ["out", "in_place"])]
    output: Option<PathBuf>,

    /// Write cleaned files under this directory, mirroring each file's path
    /// relative to the directory argument it came from.
    #[arg(long, value_name = "DIR", conflicts_with = "in_place")]
    out: Option<PathBuf>,

    /// With --out DIR: give the outputs neutral names, directly in DIR
    /// (folders are not mirrored: their names give things away too) and
    /// with the original extension: numbered (0001.jpg, 0002.mp4, … in
    /// the order the files are listed) or random (16 hex digits).
    #[arg(long, value_name = "HOW", num_args = 0..=1, default_missing_value = "numbered", requires = "out", value_enum)]
    rename: Option<Rename>,

    /// With --rename: write which original became which output to FILE
    /// (JSON Lines, {"path": …, "output": …}, readable by its owner only).
    /// Never written otherwise, and never inside the --out folder.
    #[arg(long, value_name = "FILE", requires = "rename")]
    rename_map: Option<PathBuf>,

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

/// What the command line asks for.
#[derive(Debug)]
pub enum Request {
    /// Scan or clean files.
    Run(Options),
    /// `formats`: list the formats (as JSON with `json`).
    Formats { json: bool },
}

/// Everything a run needs to know, decided from the command line.
#[derive(Debug)]
pub struct Options {
    /// The paths as given (files or directories to walk; `-` for stdin).
    pub paths: Vec<PathBuf>,
    /// `--files-from`: a file listing more paths (`-` for stdin).
    pub files_from: Option<PathBuf>,
    /// `-0`: that list is NUL-separated.
    pub null: bool,
    /// `--jsonl`: one JSON object per file on stdout as it finishes.
    pub jsonl: bool,
    /// `--rename`: neutral output names under `--out`.
    pub rename: Option<Rename>,
    /// `--rename-map`: where to write the original → output mapping.
    pub rename_map: Option<PathBuf>,
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
    pub fn into_request(self) -> Result<Request> {
        let mut sync = true;
        let (mut rename, mut rename_map) = (None, None);
        let (common, mode) = match self.command {
            Command::Formats(args) => return Ok(Request::Formats { json: args.json }),
            Command::Scan(args) => (args.common, Mode::Scan),
            Command::Clean(args) => {
                let reads_stdin = args.common.paths.iter().any(|p| is_stdio(p));
                let destination = if let Some(file) = args.output {
                    if is_stdio(&file) {
                        Destination::Stdout
                    } else {
                        Destination::File(file)
                    }
                } else if let Some(dir) = args.out {
                    Destination::Directory(dir)
                } else if args.in_place {
                    Destination::InPlace {
                        allow_hardlinks: args.allow_hardlinks,
                    }
                } else if reads_stdin {
                    // Standard input has no name to put a sibling beside.
                    Destination::Stdout
                } else {
                    Destination::Sibling
                };
                if reads_stdin
                    && matches!(
                        destination,
                        Destination::Directory(_) | Destination::InPlace { .. }
                    )
                {
                    bail!("standard input (-) has no name to write under --out or to replace in place; use -o FILE, or -o - for standard output");
                }
                let mode = Mode::Clean {
                    destination,
                    dry_run: args.dry_run,
                };
                sync = !args.no_sync;
                rename = args.rename;
                rename_map = args.rename_map;
                (args.common, mode)
            }
        };
        if common.paths.iter().filter(|p| is_stdio(p)).count() > 1 {
            bail!("standard input (-) can be read only once");
        }
        if common.paths.iter().any(|p| is_stdio(p))
            && common.files_from.as_deref().is_some_and(is_stdio)
        {
            bail!("--files-from - and the path - both want standard input");
        }
        let stdout_data = matches!(mode.destination(), Some(Destination::Stdout));
        if stdout_data && (common.json || common.jsonl) {
            bail!("the cleaned file goes to standard output, so the JSON report cannot; write the file with -o FILE instead");
        }
        let mut policy = common.keep;
        if let Some(list) = &common.remove {
            policy.remove(list)?;
        }
        policy.refuse_unknown = common.strict;
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
        Ok(Request::Run(Options {
            paths: common.paths,
            files_from: common.files_from,
            null: common.null,
            jsonl: common.jsonl,
            rename,
            rename_map,
            mode,
            policy,
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
        }))
    }
}

/// Whether `path` is `-`, standard input or output.
pub fn is_stdio(path: &std::path::Path) -> bool {
    path.as_os_str() == "-"
}
