//! Printing the results: the human report or one JSON document on stdout,
//! and the summary on stderr.

use std::collections::BTreeMap;
use std::io::{self, Write};

use anyhow::Result;
use mediascrub::{Category, Fate};
use serde::Serialize;

use crate::job::{FileReport, Mode, Outcome, Skipped};

#[derive(Serialize)]
struct JsonDocument<'a> {
    files: &'a [FileReport],
    skipped: &'a [Skipped],
}

/// One JSON document on stdout.
pub fn print_json(reports: &[FileReport], skipped: &[Skipped]) -> Result<()> {
    let doc = JsonDocument {
        files: reports,
        skipped,
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    serde_json::to_writer_pretty(&mut out, &doc)?;
    writeln!(out)?;
    Ok(())
}

/// `(cleaning, dry_run)`: the two things the wording depends on.
fn wording(mode: &Mode) -> (bool, bool) {
    match mode {
        Mode::Scan => (false, false),
        Mode::Clean { dry_run, .. } => (true, *dry_run),
    }
}

/// The human report on stdout: each file and its findings.
pub fn print_human(reports: &[FileReport], mode: &Mode) -> Result<()> {
    let (cleaning, dry_run) = wording(mode);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for report in reports {
        let format = report.format.map_or("?", |f| f.name());
        match &report.outcome {
            // Already reported on stderr, and never processed.
            Outcome::Rejected(_) => continue,
            Outcome::Failed(error) => {
                writeln!(out, "{} ({format}): NOT CLEANED: {error}", report.path)?
            }
            Outcome::Written(output) if cleaning => {
                writeln!(out, "{} ({format}) -> {output}", report.path)?
            }
            Outcome::Written(_) | Outcome::Checked if cleaning && dry_run => writeln!(
                out,
                "{} ({format}): would be cleaned (dry run)",
                report.path
            )?,
            Outcome::Written(_) | Outcome::Checked => writeln!(out, "{} ({format})", report.path)?,
        }
        if report.findings.is_empty() && report.error().is_none() {
            writeln!(out, "    nothing found")?;
        }
        for f in &report.findings {
            let fate = if cleaning {
                f.fate.name().to_string()
            } else {
                format!("would be {}", f.fate.name())
            };
            writeln!(
                out,
                "    {:<10} {:<28} {:<40} [{}] {}",
                f.category.name(),
                f.field,
                f.value,
                f.location,
                fate
            )?;
        }
    }
    Ok(())
}

/// The summary on stderr.
pub fn print_summary(reports: &[FileReport], skipped: &[Skipped], mode: &Mode) {
    let (cleaning, dry_run) = wording(mode);
    let ok = reports.iter().filter(|r| r.error().is_none()).count();
    let failed = reports.len() - ok;
    let mut removed: BTreeMap<Category, usize> = BTreeMap::new();
    let mut zeroed = 0usize;
    let mut kept = 0usize;
    for f in reports
        .iter()
        .filter(|r| r.error().is_none())
        .flat_map(|r| &r.findings)
    {
        match f.fate {
            Fate::Removed => *removed.entry(f.category).or_default() += 1,
            Fate::Zeroed => zeroed += 1,
            Fate::Kept => kept += 1,
        }
    }
    let verb = match (cleaning, dry_run) {
        (true, false) => "cleaned",
        (true, true) => "would clean",
        (false, _) => "scanned",
    };
    let by_category: Vec<String> = removed
        .iter()
        .map(|(c, n)| format!("{n} {}", c.name()))
        .collect();
    let mut line = format!("{verb} {ok} file(s)");
    if failed > 0 {
        line.push_str(&format!(", {failed} refused (no output)"));
    }
    if !skipped.is_empty() {
        line.push_str(&format!(", {} skipped", skipped.len()));
    }
    let action = if cleaning { "removed" } else { "to remove" };
    if !by_category.is_empty() {
        line.push_str(&format!("; {action}: {}", by_category.join(", ")));
    }
    if zeroed > 0 {
        line.push_str(&format!("; {zeroed} zeroed"));
    }
    if kept > 0 {
        line.push_str(&format!("; {kept} kept for display"));
    }
    eprintln!("{line}");
    for Skipped { path, reason } in skipped {
        eprintln!("  skipped {path}: {reason}");
    }
}
