//! Human and JSON reports.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use anyhow::Result;
use mediascrub::{Category, Fate, Finding, Format};
use serde::Serialize;

use crate::inputs::Input;

/// What happened to one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The input path as given or walked.
    pub path: String,
    /// The detected format.
    pub format: Option<Format>,
    /// What was found and its fate.
    pub findings: Vec<Finding>,
    /// Why the file got no output, if it did not.
    pub error: Option<String>,
    /// Where the cleaned file was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Refused before processing (already reported on stderr at the end).
    #[serde(skip)]
    pub rejected_early: bool,
}

impl FileReport {
    /// An empty report for `input`.
    pub fn new(input: &Input) -> Self {
        FileReport {
            path: input.display_path(),
            format: None,
            findings: Vec::new(),
            error: None,
            output: None,
            rejected_early: false,
        }
    }

    /// A file refused before processing.
    pub fn rejected(path: &Path, error: impl Into<String>) -> Self {
        FileReport {
            path: path.display().to_string(),
            format: None,
            findings: Vec::new(),
            error: Some(error.into()),
            output: None,
            rejected_early: true,
        }
    }
}

#[derive(Serialize)]
struct JsonDocument<'a> {
    files: &'a [FileReport],
    skipped: Vec<JsonSkipped<'a>>,
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    path: &'a str,
    reason: &'a str,
}

/// One JSON document on stdout.
pub fn print_json(reports: &[FileReport], skipped: &[(String, String)]) -> Result<()> {
    let doc = JsonDocument {
        files: reports,
        skipped: skipped
            .iter()
            .map(|(path, reason)| JsonSkipped { path, reason })
            .collect(),
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    serde_json::to_writer_pretty(&mut out, &doc)?;
    writeln!(out)?;
    Ok(())
}

/// The human report on stdout: each file and its findings.
pub fn print_human(reports: &[FileReport], cleaning: bool, dry_run: bool) -> Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for report in reports {
        if report.rejected_early {
            continue;
        }
        let format = report.format.map_or("?", |f| f.name());
        match (&report.error, &report.output) {
            (Some(error), _) => writeln!(out, "{} ({format}): NOT CLEANED: {error}", report.path)?,
            (None, Some(output)) if cleaning => {
                writeln!(out, "{} ({format}) -> {output}", report.path)?
            }
            (None, _) if cleaning && dry_run => writeln!(
                out,
                "{} ({format}): would be cleaned (dry run)",
                report.path
            )?,
            _ => writeln!(out, "{} ({format})", report.path)?,
        }
        if report.findings.is_empty() && report.error.is_none() {
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
pub fn print_summary(
    reports: &[FileReport],
    skipped: &[(String, String)],
    cleaning: bool,
    dry_run: bool,
) {
    let ok = reports.iter().filter(|r| r.error.is_none()).count();
    let failed = reports.len() - ok;
    let mut removed: BTreeMap<Category, usize> = BTreeMap::new();
    let mut zeroed = 0usize;
    let mut kept = 0usize;
    for f in reports
        .iter()
        .filter(|r| r.error.is_none())
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
    for (path, reason) in skipped {
        eprintln!("  skipped {path}: {reason}");
    }
}
