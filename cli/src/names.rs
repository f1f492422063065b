//! What a file's name gives away, before anyone opens it: the capture date
//! and time cameras and phones write into names (`IMG_20240301_101112.jpg`,
//! `PXL_20240301_101112345.jpg`, `VID-20240301-WA0001.mp4`), the device or
//! app that made it (`DJI_0042.MP4`, `GOPR0042.MP4`, WhatsApp, Signal,
//! screenshots). These are reported as findings at the location
//! [`FILE_NAME`]; `clean --rename` gives outputs names without them.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};
use mediascrub::{Category, Fate, Finding};
use serde::Serialize;

use crate::job::FileReport;

pub use crate::job::FILE_NAME;

/// Name prefixes (compared without case) that say which device or app
/// made a file, with what they say. Longer prefixes first where they
/// overlap.
const PREFIXES: &[(&str, Category, &str)] = &[
    ("PXL_", Category::Device, "Google Pixel phone"),
    ("DJI_", Category::Device, "DJI drone or camera"),
    ("GOPR", Category::Device, "GoPro camera"),
    ("DSCN", Category::Device, "Nikon camera"),
    ("DSCF", Category::Device, "Fujifilm camera"),
    ("DSC_", Category::Device, "Nikon camera"),
    ("_DSC", Category::Device, "Nikon or Sony camera"),
    ("_MG_", Category::Device, "Canon camera"),
    ("MVI_", Category::Device, "Canon camera"),
    ("MAH0", Category::Device, "Sony camera"),
    ("INSTA360", Category::Device, "Insta360 camera"),
    ("LRV_", Category::Device, "Insta360 camera"),
    ("FB_IMG_", Category::Software, "Facebook app"),
    ("SIGNAL-", Category::Software, "Signal app"),
    ("WHATSAPP ", Category::Software, "WhatsApp"),
    ("TELEGRAM", Category::Software, "Telegram"),
    ("SCREENSHOT", Category::Software, "a screenshot"),
    ("SCREEN SHOT", Category::Software, "a screenshot"),
    ("SCREEN RECORDING", Category::Software, "a screen recording"),
    ("SCREENRECORD", Category::Software, "a screen recording"),
    ("PANO_", Category::Software, "a phone camera's panorama"),
    (
        "MVIMG_",
        Category::Software,
        "a phone camera's motion photo",
    ),
];

/// What `name` gives away: at most one device or app finding and one date.
pub fn classify(name: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    let upper = name.to_ascii_uppercase();
    let device = PREFIXES
        .iter()
        .find(|(prefix, _, _)| upper.starts_with(prefix))
        .map(|(_, category, what)| (*category, *what))
        .or_else(|| gopro(&upper).then_some((Category::Device, "GoPro camera")))
        .or_else(|| whatsapp(&upper).then_some((Category::Software, "WhatsApp")));
    if let Some((category, what)) = device {
        let field = match category {
            Category::Device => "Device in the file name",
            _ => "App in the file name",
        };
        found.push(Finding::removed(category, field, FILE_NAME, what));
    }
    if let Some(date) = find_date(name) {
        found.push(Finding::removed(
            Category::Time,
            "Date in the file name",
            FILE_NAME,
            date,
        ));
    }
    found
}

/// The findings of `input`'s name, each kept when `output`'s name (the
/// name the cleaned file gets; `None` when it gets none, on standard
/// output) gives the same away, removed otherwise.
pub fn name_findings(input: &Path, output: Option<&Path>) -> Vec<Finding> {
    let name = |path: &Path| {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let kept = output.map(|out| classify(&name(out))).unwrap_or_default();
    classify(&name(input))
        .into_iter()
        .map(|finding| {
            let same = kept
                .iter()
                .any(|k| k.field == finding.field && k.value == finding.value);
            finding.with_fate(if same { Fate::Kept } else { Fate::Removed })
        })
        .collect()
}

/// `--rename-map FILE` must not land among the outputs: whoever receives
/// the `--out` folder would receive the original names with it.
pub fn check_map_outside(map: &Path, out: &Path) -> Result<()> {
    let resolve = |path: &Path| {
        std::path::absolute(path).map(|p| {
            // Resolve what exists of it (the map itself may not yet).
            p.ancestors()
                .find_map(|a| {
                    std::fs::canonicalize(a)
                        .ok()
                        .map(|c| c.join(p.strip_prefix(a).unwrap_or(Path::new(""))))
                })
                .unwrap_or(p)
        })
    };
    let (map_at, out_at) = (resolve(map)?, resolve(out)?);
    if map_at.starts_with(&out_at) {
        bail!(
            "--rename-map {} is inside the --out folder {}: it would travel with the outputs and give their original names away; write it elsewhere",
            map.display(),
            out.display()
        );
    }
    Ok(())
}

#[derive(Serialize)]
struct MapLine<'a> {
    path: &'a str,
    output: &'a str,
}

/// Write `--rename-map`: one JSON line per written output, `{"path":
/// original, "output": new}`, readable by its owner only, replaced
/// atomically.
pub fn write_rename_map(map: &Path, reports: &[FileReport]) -> Result<()> {
    let dir = match map.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::with_prefix_in(crate::job::TEMP_PREFIX, dir)
        .with_context(|| format!("cannot write the rename map {}", map.display()))?;
    {
        let mut out = std::io::BufWriter::new(temp.as_file_mut());
        for report in reports {
            if let Some(output) = report.output() {
                serde_json::to_writer(
                    &mut out,
                    &MapLine {
                        path: &report.path,
                        output,
                    },
                )?;
                out.write_all(b"\n")?;
            }
        }
        out.flush()
            .with_context(|| format!("cannot write the rename map {}", map.display()))?;
    }
    temp.as_file()
        .sync_all()
        .with_context(|| format!("cannot write the rename map {}", map.display()))?;
    temp.persist(map)
        .map_err(|e| anyhow::anyhow!(e.error))
        .with_context(|| format!("cannot write the rename map {}", map.display()))?;
    Ok(())
}

/// GoPro's newer names: `GH010042`, `GX010042`, `GP010042`, `GS010042`.
fn gopro(upper: &str) -> bool {
    let bytes = upper.as_bytes();
    matches!(bytes.get(..2), Some(b"GH" | b"GX" | b"GP" | b"GS"))
        && bytes
            .get(2..8)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        && !bytes.get(8).is_some_and(u8::is_ascii_digit)
}

/// WhatsApp's Android names: `IMG-20240301-WA0001.jpg`,
/// `VID-20240301-WA0001.mp4`, `AUD-…`, `PTT-…`.
fn whatsapp(upper: &str) -> bool {
    let mut parts = upper.splitn(3, '-');
    let (_, date, tail) = (parts.next(), parts.next(), parts.next());
    date.is_some_and(|d| d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()))
        && tail.is_some_and(|t| {
            t.strip_prefix("WA")
                .is_some_and(|n| n.bytes().next().is_some_and(|b| b.is_ascii_digit()))
        })
}

/// The first date (and time, when it follows) written in `name`, as
/// `2024-03-01 10:11:12`: `YYYYMMDD`, `YYYY-MM-DD` or `YYYY_MM_DD`,
/// optionally followed by a separator and `HHMMSS` or `HH.MM.SS`
/// (`HH-MM-SS`, `HH:MM:SS`), between non-digits. Years 1990 to 2099.
pub fn find_date(name: &str) -> Option<String> {
    let b = name.as_bytes();
    (0..b.len())
        .filter(|&i| i == 0 || !b.get(i - 1).is_some_and(u8::is_ascii_digit))
        .find_map(|i| date_at(b, i))
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let run = b.get(at..at + n)?;
    if !run.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(run.iter().fold(0, |v, d| v * 10 + u32::from(d - b'0')))
}

fn date_at(b: &[u8], i: usize) -> Option<String> {
    let year = digits(b, i, 4)?;
    // YYYYMMDD, or YYYY-MM-DD / YYYY_MM_DD.
    let (month, day, end) = match (digits(b, i + 4, 2), b.get(i + 4)) {
        (Some(month), _) => (month, digits(b, i + 6, 2)?, i + 8),
        (None, Some(b'-' | b'_' | b'.')) if b.get(i + 7) == b.get(i + 4) => {
            (digits(b, i + 5, 2)?, digits(b, i + 8, 2)?, i + 10)
        }
        _ => return None,
    };
    if !(1990..=2099).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    // Not a date if more digits follow at once (a longer number).
    if b.get(end).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some(match time_after(b, end) {
        Some((h, m, s)) => format!("{date} {h:02}:{m:02}:{s:02}"),
        None => date,
    })
}

/// `HHMMSS` or `HH.MM.SS` after a separator (`_`, `-`, ` `, `T`, ` at `).
fn time_after(b: &[u8], end: usize) -> Option<(u32, u32, u32)> {
    let start = [" at ", "_", "-", " ", "T", "."]
        .iter()
        .find(|sep| b.get(end..end + sep.len()) == Some(sep.as_bytes()))
        .map(|sep| end + sep.len())?;
    let (h, m, s) = match digits(b, start, 6) {
        Some(_) => (
            digits(b, start, 2)?,
            digits(b, start + 2, 2)?,
            digits(b, start + 4, 2)?,
        ),
        None => {
            let sep = *b.get(start + 2)?;
            if !matches!(sep, b'.' | b'-' | b':' | b'_') || b.get(start + 5) != Some(&sep) {
                return None;
            }
            (
                digits(b, start, 2)?,
                digits(b, start + 3, 2)?,
                digits(b, start + 6, 2)?,
            )
        }
    };
    (h < 24 && m < 60 && s < 61).then_some((h, m, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(name: &str) -> Vec<(String, String)> {
        classify(name)
            .into_iter()
            .map(|f| (f.field, f.value))
            .collect()
    }

    #[test]
    fn dates_in_camera_and_app_names() {
        for (name, date) in [
            ("IMG_20240301_101112.jpg", "2024-03-01 10:11:12"),
            ("PXL_20240301_101112345.MP.jpg", "2024-03-01 10:11:12"),
            ("VID-20240301-WA0001.mp4", "2024-03-01"),
            ("20240301_101112.jpg", "2024-03-01 10:11:12"),
            (
                "Screenshot_20240301-101112_Chrome.png",
                "2024-03-01 10:11:12",
            ),
            (
                "Screenshot 2024-03-01 at 10.11.12.png",
                "2024-03-01 10:11:12",
            ),
            (
                "WhatsApp Image 2024-03-01 at 10.11.12.jpeg",
                "2024-03-01 10:11:12",
            ),
            ("signal-2024-03-01-101112.jpg", "2024-03-01 10:11:12"),
            ("photo_2024-03-01_10-11-12.jpg", "2024-03-01 10:11:12"),
            ("trip 2023_12_24.heic", "2023-12-24"),
        ] {
            assert_eq!(find_date(name).as_deref(), Some(date), "{name}");
        }
        for name in [
            "IMG_1234.JPG",
            "0001.jpg",
            "DJI_0042.MP4",
            "123456789012.jpg",
            "20241301.jpg",
            "a1b2c3d4e5f60718.jpg",
        ] {
            assert_eq!(find_date(name), None, "{name}");
        }
    }

    #[test]
    fn devices_and_apps_in_names() {
        let has = |name: &str, what: &str| said(name).iter().any(|(_, value)| value.contains(what));
        assert!(has("PXL_20240301_101112345.jpg", "Google Pixel"));
        assert!(has("DJI_0042.MP4", "DJI"));
        assert!(has("GOPR0042.MP4", "GoPro"));
        assert!(has("GX010042.MP4", "GoPro"));
        assert!(has("VID-20240301-WA0001.mp4", "WhatsApp"));
        assert!(has("IMG-20240301-WA0001.jpg", "WhatsApp"));
        assert!(has("DSCF1234.JPG", "Fujifilm"));
        assert!(said("holiday.jpg").is_empty());
        assert!(said("my-trip-wales.jpg").is_empty());
        assert!(said("0001.jpg").is_empty());
        assert!(said("GX0100.MP4").is_empty());
    }

    #[test]
    fn a_name_the_output_shares_is_kept() {
        let input = Path::new("d/IMG_20240301_101112.jpg");
        let sibling = Path::new("d/IMG_20240301_101112.clean.jpg");
        let fates = |out| {
            name_findings(input, out)
                .into_iter()
                .map(|f| f.fate)
                .collect::<Vec<_>>()
        };
        assert_eq!(fates(Some(sibling)), vec![Fate::Kept]);
        assert_eq!(fates(Some(Path::new("out/0001.jpg"))), vec![Fate::Removed]);
        assert_eq!(fates(None), vec![Fate::Removed]);
    }
}
