//! `--report FILE.html`: one self-contained, offline page for a batch. Per
//! file: what a stranger would learn (the core's exposure sentence), the
//! embedded thumbnails shown as pictures (they often show the uncropped,
//! unedited original), the details by category, and what became of the
//! file. Everything the files say about themselves is HTML-escaped; the
//! pictures are `data:` URIs, so the page loads nothing from anywhere.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use base64::Engine as _;
use mediascrub::{Category, Fate, Finding};

use crate::job::{FileReport, Mode, Outcome};
use crate::report::{batch_exposure, batch_formats};

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters from a file's text are made visible.
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
body{font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#111;background:#fff;margin:0 auto;max-width:60rem;padding:0 1rem 3rem}\
h1{font-size:1.6rem}h2{font-size:1.15rem;margin:0;overflow-wrap:anywhere}\
.batch{border:2px solid #0b4f9c;border-radius:10px;padding:.5rem 1rem}\
.file{border:2px solid #c8c8c8;border-radius:10px;padding:.75rem 1rem;margin:1rem 0}\
.file.cleaned{border-color:#0a6b2c}.file.refused{border-color:#a4161a}\
.status{font-weight:700}.cleaned .status{color:#0a6b2c}.refused .status{color:#a4161a}\
.gist{font-size:1.05rem}.pictures{display:flex;flex-wrap:wrap;gap:1rem}\
figure{margin:0;border:1px solid #c8c8c8;border-radius:6px;padding:.4rem;background:#f6f6f6}\
figure img{display:block;max-width:320px;max-height:320px}figcaption{font-size:.85rem;color:#4a4a4a}\
table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{text-align:left;vertical-align:top;padding:.25rem .4rem;border-bottom:1px solid #ddd}\
td.value{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem;overflow-wrap:anywhere}\
.where{display:block;color:#4a4a4a;font-size:.78rem}h3{font-size:1rem;margin:.8rem 0 .2rem}\
@media (prefers-color-scheme:dark){body{color:#f2f2f2;background:#111}figure{background:#222}th,td{border-color:#444}}";

/// Write the report of `reports` to `path` (replacing it).
pub fn write_report(path: &Path, reports: &[FileReport], mode: &Mode) -> Result<()> {
    let page = render(reports, mode);
    let mut file = std::fs::File::create(path)
        .with_context(|| format!("cannot write the report {}", path.display()))?;
    file.write_all(page.as_bytes())
        .with_context(|| format!("cannot write the report {}", path.display()))?;
    Ok(())
}

fn render(reports: &[FileReport], mode: &Mode) -> String {
    let cleaning = matches!(mode, Mode::Clean { dry_run: false, .. });
    let mut html = String::new();
    let listed: Vec<&FileReport> = reports
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Rejected(_)))
        .collect();
    let failed = listed.iter().filter(|r| r.error().is_some()).count();
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\
         <title>mediascrub report</title><style>{STYLE}</style></head><body>\
         <h1>What these files gave away</h1><section class=\"batch\"><p><strong>{} file{}{}</strong>",
        listed.len(),
        if listed.len() == 1 { "" } else { "s" },
        match (cleaning, failed) {
            (true, 0) => ", all cleaned".to_owned(),
            (true, n) => format!(", {} cleaned, {n} not cleaned", listed.len() - n),
            (false, 0) => ", scanned".to_owned(),
            (false, n) => format!(", {n} could not be read"),
        },
    );
    html.push_str("</p><ul>");
    for line in batch_exposure(reports) {
        let _ = write!(html, "<li>{}</li>", escape(&line));
    }
    html.push_str("</ul>");
    let _ = write!(
        html,
        "<p>Formats: {}</p></section>",
        escape(&batch_formats(reports))
    );

    for report in listed {
        file_section(&mut html, report, cleaning);
    }
    html.push_str(
        "<p><small>Made by mediascrub. The pictures above are the hidden thumbnails \
         and previews found inside the files, as a stranger would see them.</small></p>\
         </body></html>\n",
    );
    html
}

fn file_section(html: &mut String, report: &FileReport, cleaning: bool) {
    let (class, status) = match &report.outcome {
        Outcome::Failed(error) => ("refused", format!("Not cleaned: {error}")),
        Outcome::Written(output) => ("cleaned", format!("Cleaned → {output}")),
        Outcome::Checked if cleaning => ("cleaned", "Cleaned".to_owned()),
        Outcome::Checked | Outcome::Rejected(_) => ("scanned", String::new()),
    };
    let format = report.format.map_or("?", |f| f.name());
    let _ = write!(
        html,
        "<section class=\"file {class}\"><h2>{} <small>({})</small></h2>",
        escape(&report.path),
        escape(format)
    );
    if !status.is_empty() {
        let _ = write!(html, "<p class=\"status\">{}</p>", escape(&status));
    }
    let gist = report
        .exposure()
        .unwrap_or_else(|| "Nothing identifying was found.".to_owned());
    let _ = write!(html, "<p class=\"gist\">{}</p>", escape(&gist));

    let pictures: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.picture.is_some())
        .collect();
    if !pictures.is_empty() {
        html.push_str("<div class=\"pictures\">");
        for finding in pictures {
            if let Some(picture) = &finding.picture {
                let data = base64::engine::general_purpose::STANDARD.encode(&picture.bytes);
                let _ = write!(
                    html,
                    "<figure><img alt=\"{} found in the file\" src=\"data:{};base64,{data}\">\
                     <figcaption>{} — {} ({})</figcaption></figure>",
                    escape(&finding.field),
                    picture.mime,
                    escape(&finding.field),
                    escape(&finding.value),
                    escape(&finding.location),
                );
            }
        }
        html.push_str("</div>");
    }

    for category in Category::ALL {
        let rows: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.category == category)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = write!(
            html,
            "<h3>{}</h3><table><tr><th>What</th><th>Value</th><th>Now</th></tr>",
            escape(category_title(category))
        );
        for finding in rows {
            let fate = match (&report.outcome, finding.fate) {
                (Outcome::Failed(_), _) => "not cleaned",
                (_, Fate::Kept) => "kept",
                (_, fate) if cleaning => fate.name(),
                (_, Fate::Zeroed) => "would be blanked",
                (_, _) => "would be removed",
            };
            let _ = write!(
                html,
                "<tr><td>{}<span class=\"where\">{}</span></td><td class=\"value\">{}</td><td>{}</td></tr>",
                escape(&finding.field),
                escape(&finding.location),
                escape(&finding.value),
                fate
            );
        }
        html.push_str("</table>");
    }
    html.push_str("</section>");
}

fn category_title(category: Category) -> &'static str {
    match category {
        Category::Location => "Location",
        Category::Device => "Camera or phone",
        Category::Time => "Date and time",
        Category::Identity => "People and owners",
        Category::Software => "Software and editing",
        Category::Embedded => "Hidden pictures and embedded files",
        Category::Telemetry => "Telemetry",
        Category::Provenance => "Content credentials",
        Category::Other => "Other details",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_text_cannot_inject_markup() {
        let text = escape("<script>alert('x')</script>&\u{1b}[31m");
        assert!(!text.contains('<'));
        assert!(!text.contains('\u{1b}'));
        assert!(text.contains("&lt;script&gt;"));
    }
}
