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
        let path = terminal_safe(&report.path);
        match &report.outcome {
            // Already reported on stderr, and never processed.
            Outcome::Rejected(_) => continue,
            Outcome::Failed(error) => writeln!(
                out,
                "{path} ({format}): NOT CLEANED: {}",
                terminal_safe(error)
            )?,
            Outcome::Written(output) if cleaning => {
                writeln!(out, "{path} ({format}) -> {}", terminal_safe(output))?
            }
            Outcome::Written(_) | Outcome::Checked if cleaning && dry_run => {
                writeln!(out, "{path} ({format}): would be cleaned (dry run)")?
            }
            Outcome::Written(_) | Outcome::Checked => writeln!(out, "{path} ({format})")?,
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
                terminal_safe(&f.field),
                terminal_safe(&f.value),
                terminal_safe(&f.location),
                fate
            )?;
        }
        for warning in &report.warnings {
            writeln!(out, "    WARNING: {}", terminal_safe(warning))?;
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
