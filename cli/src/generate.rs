//! What is generated from the command line's own definition rather than
//! written by hand, so that it never falls behind a new flag: shell
//! completion scripts (`mediascrub completions SHELL`) and the manual
//! pages (`mediascrub man [DIR]`). Both subcommands are added here to the
//! command [`crate::args::Cli`] derives, and answered before the run's
//! options are read.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{value_parser, Arg, ArgMatches, CommandFactory, FromArgMatches};
use clap_complete::Shell;

use crate::args::Cli;

/// `0.1.0 (3fb6d62a1 2025-12-02)`: the crate's version and the commit it
/// was built from (see `build.rs`).
pub const VERSION: &str = env!("MEDIASCRUB_VERSION");

/// The date of that commit (`2025-12-02`), or empty when unknown.
const DATE: &str = env!("MEDIASCRUB_DATE");

/// The whole command line: the run's subcommands (`scan`, `clean`) and
/// the generators.
pub fn command() -> clap::Command {
    Cli::command()
        .version(VERSION)
        .subcommand(
            clap::Command::new("completions")
                .about("Print a shell completion script")
                .arg(
                    Arg::new("shell")
                        .value_name("SHELL")
                        .required(true)
                        .value_parser(value_parser!(Shell)),
                )
                .after_help(
                    "Install, for example:\n  \
                     bash: mediascrub completions bash > ~/.local/share/bash-completion/completions/mediascrub\n  \
                     zsh:  mediascrub completions zsh > ~/.zfunc/_mediascrub   (with fpath+=~/.zfunc before compinit)\n  \
                     fish: mediascrub completions fish > ~/.config/fish/completions/mediascrub.fish\n  \
                     PowerShell: mediascrub completions powershell | Out-String | Invoke-Expression   (in $PROFILE)",
                ),
        )
        .subcommand(
            clap::Command::new("man")
                .about("Print the manual page, or write every page (mediascrub.1, mediascrub-clean.1, ...) into DIR")
                .arg(
                    Arg::new("dir")
                        .value_name("DIR")
                        .value_parser(value_parser!(PathBuf)),
                )
                .after_help("Read it with: mediascrub man | man -l -\nInstall the pages with: mediascrub man ~/.local/share/man/man1"),
        )
}

/// The command line as [`Cli`]; `completions` and `man` are answered here
/// and end the process.
pub fn parse() -> Cli {
    let matches = command().get_matches();
    let done = match matches.subcommand() {
        Some(("completions", sub)) => completions(sub),
        Some(("man", sub)) => man(sub),
        _ => return Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit()),
    };
    if let Err(err) = done {
        eprintln!("mediascrub: {err:#}");
        std::process::exit(1);
    }
    std::process::exit(0)
}

fn completions(matches: &ArgMatches) -> Result<()> {
    let shell = *matches.get_one::<Shell>("shell").context("which shell?")?;
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command(), "mediascrub", &mut out);
    write_stdout(&out)
}

fn man(matches: &ArgMatches) -> Result<()> {
    let mut root = command().disable_help_subcommand(true);
    root.build();
    let Some(dir) = matches.get_one::<PathBuf>("dir") else {
        let mut out = Vec::new();
        render(&root, &mut out)?;
        return write_stdout(&out);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut pages = vec![root.clone()];
    pages.extend(root.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    for page in pages {
        let mut out = Vec::new();
        render(&page, &mut out)?;
        let path = dir.join(format!("{}.1", page_name(&page)));
        write_file(&path, &out)?;
    }
    Ok(())
}

/// `mediascrub`, `mediascrub-clean`, …
fn page_name(cmd: &clap::Command) -> String {
    cmd.get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string()
}

/// One manual page: clap_mangen's, with EXIT STATUS, EXAMPLES and SEE
/// ALSO before its VERSION section.
fn render(cmd: &clap::Command, out: &mut Vec<u8>) -> Result<()> {
    let name = page_name(cmd);
    let is_root = name == "mediascrub";
    // The exit status is placed below (clap_mangen would title it EXTRA).
    let cmd = cmd
        .clone()
        .version(VERSION)
        .after_help(None::<&str>)
        .after_long_help(None::<&str>);
    let mut page = Vec::new();
    // clap_mangen leaves an empty date out of `.TH`, which shifts the
    // fields after it: the version stands in for an unknown date.
    let date = if DATE.is_empty() { VERSION } else { DATE };
    clap_mangen::Man::new(cmd)
        .title(name.to_uppercase())
        .date(date)
        .source(concat!("mediascrub ", env!("CARGO_PKG_VERSION")))
        .manual("User Commands")
        .render(&mut page)?;
    let mut page = String::from_utf8(page).context("manual page is not UTF-8")?;
    let mut extra = String::new();
    if is_root || name == "mediascrub-scan" || name == "mediascrub-clean" {
        section(&mut extra, "EXIT STATUS", EXIT_STATUS);
    }
    if is_root {
        section(&mut extra, "EXAMPLES", EXAMPLES);
    }
    let mut see_also: Vec<String> = ["mediascrub", "mediascrub-scan", "mediascrub-clean"]
        .iter()
        .filter(|page| **page != name)
        .map(|page| format!("{page}(1)"))
        .collect();
    see_also.push("exiftool(1)".to_string());
    section(&mut extra, "SEE ALSO", &see_also.join(", "));
    let at = page.find("\n.SH VERSION").map_or(page.len(), |at| at + 1);
    page.insert_str(at, &extra);
    out.extend_from_slice(page.as_bytes());
    Ok(())
}

const EXIT_STATUS: &str = "0 when every file was cleaned and verified (or scanned).\n\
1 when any file could not be: it gets no output and one line on standard error naming it and why; the rest of the batch still runs.\n\
2 for usage errors.";

const EXAMPLES: &str = "mediascrub scan photo.jpg\n\
mediascrub clean DCIM --out DCIM-clean\n\
mediascrub clean --in-place holiday.mp4\n\
mediascrub clean --json --dry-run Camera";

/// A section of plain lines, each its own paragraph, escaped for roff.
fn section(out: &mut String, title: &str, text: &str) {
    out.push_str(&format!(".SH \"{title}\"\n"));
    for line in text.lines() {
        out.push_str(".PP\n");
        out.push_str(&roff_escape(line));
        out.push('\n');
    }
}

/// Text for roff: backslashes and hyphens escaped, no line starting a
/// request.
fn roff_escape(line: &str) -> String {
    let escaped = line.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .context("cannot write to standard output")
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roff_lines_never_start_a_request() {
        assert_eq!(roff_escape(".hidden"), "\\&.hidden");
        assert_eq!(roff_escape("a\\b --out"), "a\\eb \\-\\-out");
    }

    #[test]
    fn the_generators_are_subcommands() {
        let cmd = command();
        let names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
        for name in ["scan", "clean", "completions", "man"] {
            assert!(names.contains(&name), "{names:?}");
        }
        cmd.debug_assert();
    }
}
