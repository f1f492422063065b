//! Printing the results: the human report or one JSON document on stdout,
//! and the summary on stderr.
//!
//! Everything printed for humans goes through [`terminal_safe`]: file names
//! and whatever a file says about itself (field names, values, locations)
//! are the file author's text, and must not drive the terminal. JSON is
//! exact (serde escapes control characters).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

use anyhow::Result;
use mediascrub::{Category, Fate, Finding};
use serde::Serialize;

use crate::job::{FileReport, Mode, Outcome, Skipped, Written, FILE_NAME, NOT_CLEANED};

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

/// ANSI colours for the human report, by how much a finding reveals.
struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Red for what locates or names someone, yellow for what dates or
    /// hides something, dim for what is kept.
    fn finding(&self, f: &Finding, text: &str) -> String {
        if f.fate == Fate::Kept {
            return self.wrap("2", text);
        }
        match f.category {
            Category::Location | Category::Identity | Category::Device => self.wrap("31", text),
            Category::Time | Category::Embedded | Category::Telemetry | Category::Provenance => {
                self.wrap("33", text)
            }
            Category::Software | Category::Other => text.to_owned(),
        }
    }
}

/// `text` cut to `width` characters (the JSON output has it whole), padded.
fn column(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        format!("{text:<width$}")
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// The human report on stdout: each file, one sentence of what it gives
/// away, and its findings grouped by category.
pub fn print_human(reports: &[FileReport], mode: &Mode, color: bool) -> Result<()> {
    let (cleaning, dry_run) = wording(mode);
    let paint = Paint(color);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for report in reports {
        let format = report.format.map_or("?", |f| f.name());
        let path = terminal_safe(&report.path);
        let bold_path = paint.wrap("1", &path);
        match &report.outcome {
            // Already reported on stderr, and never processed.
            Outcome::Rejected(_) => continue,
            Outcome::Failed(error) => writeln!(
                out,
                "{bold_path} ({format}): {}: {}",
                paint.wrap("1;31", "NOT CLEANED"),
                terminal_safe(error)
            )?,
            Outcome::Written(output) if cleaning => {
                let how = match report.written {
                    Some(Written::Patched) => " (patched in place)",
                    Some(Written::Rewritten) => " (rewritten)",
                    Some(Written::Unchanged) => " (already clean, unchanged)",
                    Some(Written::New) | None => "",
                };
                writeln!(
                    out,
                    "{bold_path} ({format}) -> {}{how}",
                    terminal_safe(output)
                )?
            }
            Outcome::Written(_) | Outcome::Checked if cleaning && dry_run => {
                writeln!(out, "{bold_path} ({format}): would be cleaned (dry run)")?
            }
            Outcome::Written(_) | Outcome::Checked => writeln!(out, "{bold_path} ({format})")?,
        }
        if report.findings.is_empty() && report.error().is_none() {
            writeln!(out, "    nothing found")?;
        }
        if let Some(sentence) = report.exposure() {
            writeln!(out, "  {}", terminal_safe(&sentence))?;
        }
        let mut findings: Vec<&Finding> = report.findings.iter().collect();
        findings.sort_by_key(|f| f.category);
        for f in findings {
            let row = format!(
                "    {:<10} {} {} [{}] {}",
                f.category.name(),
                column(&terminal_safe(&f.field), 28),
                column(&terminal_safe(&f.value), 40),
                terminal_safe(&f.location),
                shown_fate(report, f, cleaning)
            );
            writeln!(out, "{}", paint.finding(f, &row))?;
        }
        for warning in &report.warnings {
            writeln!(out, "    WARNING: {}", terminal_safe(warning))?;
        }
    }
    out.flush()?;
    Ok(())
}

/// A finding's fate as the human report says it: what became of it, or
/// would with `scan` (`would be removed`), and `not cleaned` for every
/// finding of a file that got no output, since nothing was removed.
fn shown_fate(report: &FileReport, finding: &Finding, cleaning: bool) -> Cow<'static, str> {
    match (report.error(), cleaning) {
        (Some(_), _) => Cow::Borrowed(NOT_CLEANED),
        (None, true) => Cow::Borrowed(finding.fate.name()),
        (None, false) => Cow::Owned(format!("would be {}", finding.fate.name())),
    }
}

/// What a finding must be to count for one line of [`batch_exposure`].
type Revealing<'a> = (&'a str, &'a dyn Fn(&Finding) -> bool);

/// What a batch gave away, as lines such as "3 files revealed a location".
pub fn batch_exposure(reports: &[FileReport]) -> Vec<String> {
    let field_has = |f: &Finding, key: &str| f.field.to_ascii_lowercase().contains(key);
    let kinds: [Revealing; 8] = [
        ("a location", &|f| f.category == Category::Location),
        ("a device serial number", &|f| {
            f.category == Category::Device && field_has(f, "serial")
        }),
        ("the camera or phone model", &|f| {
            f.category == Category::Device && (field_has(f, "make") || field_has(f, "model"))
        }),
        ("a person's name", &|f| f.category == Category::Identity),
        ("when it was made", &|f| f.category == Category::Time),
        ("a hidden picture or embedded file", &|f| {
            f.category == Category::Embedded
        }),
        ("telemetry", &|f| f.category == Category::Telemetry),
        ("content credentials", &|f| {
            f.category == Category::Provenance
        }),
    ];
    kinds
        .iter()
        .filter_map(|(what, test)| {
            let files = reports
                .iter()
                .filter(|r| !matches!(r.outcome, Outcome::Rejected(_)))
                .filter(|r| r.findings.iter().any(|f| crate::job::reveals(f) && test(f)))
                .count();
            (files > 0).then(|| {
                format!(
                    "{files} file{} revealed {what}",
                    if files == 1 { "" } else { "s" }
                )
            })
        })
        .collect()
}

/// "12 jpeg, 3 mp4": the files of the batch per format.
pub fn batch_formats(reports: &[FileReport]) -> String {
    let mut formats: BTreeMap<&str, usize> = BTreeMap::new();
    for report in reports
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Rejected(_)))
    {
        *formats
            .entry(report.format.map_or("unknown", |f| f.name()))
            .or_default() += 1;
    }
    formats
        .iter()
        .map(|(format, n)| format!("{n} {format}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The summary on stderr.
pub fn print_summary(reports: &[FileReport], skipped: &[Skipped], mode: &Mode) {
    let (cleaning, dry_run) = wording(mode);
    let ok = reports.iter().filter(|r| r.error().is_none()).count();
    let failed = reports.len() - ok;
    let mut removed: BTreeMap<Category, usize> = BTreeMap::new();
    let (mut zeroed, mut replaced, mut kept, mut names) = (0usize, 0usize, 0usize, 0usize);
    for f in reports
        .iter()
        .filter(|r| r.error().is_none())
        .flat_map(|r| &r.findings)
    {
        match f.fate {
            Fate::Removed => *removed.entry(f.category).or_default() += 1,
            Fate::Zeroed => zeroed += 1,
            Fate::Replaced => replaced += 1,
            Fate::Kept if f.location == FILE_NAME => names += 1,
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
    if replaced > 0 {
        line.push_str(&format!("; {replaced} replaced"));
    }
    if kept > 0 {
        line.push_str(&format!("; {kept} kept for display"));
    }
    if names > 0 {
        line.push_str(&format!(
            "; {names} date(s) or device(s) left in file names (clean --rename)"
        ));
    }
    eprintln!("{line}");
    if reports.len() > 1 {
        let formats = batch_formats(reports);
        if !formats.is_empty() {
            eprintln!("  formats: {formats}");
        }
        let exposure = batch_exposure(reports);
        if !exposure.is_empty() {
            eprintln!("  found: {}", exposure.join(", "));
        }
    }
    for Skipped { path, reason } in skipped {
        eprintln!(
            "  skipped {}: {}",
            terminal_safe(path),
            terminal_safe(reason)
        );
    }
}

/// One line about one file on stderr (`mediascrub: PATH: MESSAGE`), made
/// safe for a terminal.
pub fn file_line(path: &str, message: &str) -> String {
    format!(
        "mediascrub: {}: {}",
        terminal_safe(path),
        terminal_safe(message)
    )
}

/// `text` with everything that could drive a terminal or reorder what is
/// shown made visible: C0 controls (newlines and tabs included), DEL, C1
/// controls, and the Unicode bidirectional controls become `\u{XX}`
/// escapes (so a name cannot forge a line, colour or move the cursor, or
/// display `gpj.exe` as `exe.jpg`); a backslash becomes `\\` so that
/// an escape cannot be forged either, except on Windows, where it
/// separates the folders of every path and cannot be part of a file name
/// (a value can then show the text of an escape, which is harmless).
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    const ESCAPE_BACKSLASH: bool = cfg!(not(windows));
    let unsafe_char = |c: char| {
        (c == '\\' && ESCAPE_BACKSLASH)
            || c.is_control()
            || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\\' && ESCAPE_BACKSLASH {
            safe.push_str("\\\\");
        } else if unsafe_char(c) {
            safe.push_str(&format!("\\u{{{:X}}}", u32::from(c)));
        } else {
            safe.push(c);
        }
    }
    Cow::Owned(safe)
}

#[cfg(test)]
mod tests {
    use super::terminal_safe;

    #[test]
    fn terminal_controls_are_made_visible() {
        assert_eq!(terminal_safe("a/b c.jpg"), "a/b c.jpg");
        assert_eq!(terminal_safe("café 東京.jpg"), "café 東京.jpg");
        assert_eq!(
            terminal_safe("x\u{1b}[2J\u{1b}]0;pwned\u{7}.jpg"),
            "x\\u{1B}[2J\\u{1B}]0;pwned\\u{7}.jpg"
        );
        assert_eq!(terminal_safe("a\nb\tc\r"), "a\\u{A}b\\u{9}c\\u{D}");
        assert_eq!(terminal_safe("\u{9b}31m\u{7f}"), "\\u{9B}31m\\u{7F}");
        assert_eq!(
            terminal_safe("photo\u{202E}gpj.exe"),
            "photo\\u{202E}gpj.exe"
        );
        assert_eq!(terminal_safe("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        #[cfg(not(windows))]
        assert_eq!(terminal_safe("C:\\u{1B}"), "C:\\\\u{1B}");
        #[cfg(windows)]
        assert_eq!(
            terminal_safe("C:\\Users\\Jane\\фото.jpg"),
            "C:\\Users\\Jane\\фото.jpg"
        );
    }
}
