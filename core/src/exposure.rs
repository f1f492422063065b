//! What a stranger would learn from a file, in one plain sentence, from its
//! findings: "Taken at 59.4370 N, 24.7536 E (Tallinn) on 6 May 2024 07:08
//! with a PlantedCam PC-1 Mark II (body serial MSCRUB-SN-0042) by Jane
//! Planted; holds a hidden thumbnail image (JPEG, 3.0 KB); and 8 other
//! details."
//!
//! Every front end (the CLI's report, the browser's cards) says the same
//! sentence, so it is built here once. Only findings that cleaning takes
//! out count: what is kept on purpose (orientation, colour profile) is not
//! an exposure. No look-ups: place names appear only when the file itself
//! names them.

use crate::finding::{Category, Finding};

/// One sentence of what `findings` give away, or `None` when nothing
/// identifying was found.
///
/// ```
/// use mediascrub::{Category, Finding};
/// let findings = [
///     Finding::removed(Category::Location, "GPS position", "APP1/Exif/GPS", "59.437000, 24.753600 (8 GPS tags)"),
///     Finding::removed(Category::Identity, "Artist", "APP1/Exif/IFD0", "Jane Planted"),
/// ];
/// assert_eq!(
///     mediascrub::exposure::summary(&findings).as_deref(),
///     Some("Taken at 59.4370 N, 24.7536 E by Jane Planted."),
/// );
/// ```
pub fn summary(findings: &[Finding]) -> Option<String> {
    let exposed: Vec<&Finding> = findings.iter().filter(|f| f.is_leak()).collect();
    if exposed.is_empty() {
        return None;
    }
    let of = |category: Category| -> Vec<&Finding> {
        exposed
            .iter()
            .copied()
            .filter(|f| f.category == category)
            .collect()
    };
    let mut said = 0usize;
    let mut main: Vec<String> = Vec::new();

    let location = of(Category::Location);
    if let Some(place) = place(&location) {
        main.push(format!("taken at {place}"));
        said += location.len();
    } else if !location.is_empty() {
        main.push("taken at a recorded place".to_owned());
        said += location.len();
    }
    let time = of(Category::Time);
    if let Some(when) = when(&time) {
        main.push(format!("on {when}"));
        said += time.len();
    }
    let device = of(Category::Device);
    if let Some(device_text) = device_phrase(&device) {
        main.push(device_text);
        said += device.len();
    }
    let identity = of(Category::Identity);
    if let Some(who) = who(&identity) {
        main.push(format!("by {who}"));
        said += identity.len();
    }

    let mut extras: Vec<String> = Vec::new();
    let embedded = of(Category::Embedded);
    if !embedded.is_empty() {
        extras.push(hidden(&embedded));
        said += embedded.len();
    }
    let telemetry = of(Category::Telemetry);
    if let Some(first) = telemetry.first() {
        extras.push(format!("carries telemetry ({})", short(&first.value, 60)));
        said += telemetry.len();
    }
    let provenance = of(Category::Provenance);
    if !provenance.is_empty() {
        extras.push("carries content credentials naming tools and people".to_owned());
        said += provenance.len();
    }
    let software = of(Category::Software);
    if let Some(first) = software.iter().find(|f| !f.value.is_empty()) {
        extras.push(format!("names its software ({})", short(&first.value, 40)));
        said += software.len();
    }
    let rest = exposed.len().saturating_sub(said);
    if rest > 0 {
        extras.push(format!(
            "{} other detail{}",
            rest,
            if rest == 1 { "" } else { "s" }
        ));
    }

    let mut clauses: Vec<String> = Vec::new();
    if !main.is_empty() {
        // "taken at … on … with … by …", or "made on …" without a place.
        let text = main.join(" ");
        clauses.push(if text.starts_with("taken") {
            text
        } else {
            format!("made {text}")
        });
    }
    clauses.extend(extras);
    let last = clauses.len().saturating_sub(1);
    let mut sentence = String::new();
    for (index, clause) in clauses.iter().enumerate() {
        match index {
            0 => sentence.push_str(clause),
            _ if index == last => {
                sentence.push_str("; and ");
                sentence.push_str(clause);
            }
            _ => {
                sentence.push_str("; ");
                sentence.push_str(clause);
            }
        }
    }
    capitalize(&mut sentence);
    sentence.push('.');
    Some(sentence)
}

fn capitalize(text: &mut String) {
    if let Some(first) = text.get(..1) {
        let upper = first.to_uppercase();
        text.replace_range(..1, &upper);
    }
}

/// A value cut to `max` characters.
fn short(value: &str, max: usize) -> String {
    let value = value.trim();
    if value.chars().count() <= max {
        return value.to_owned();
    }
    let mut out: String = value.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Signed decimal numbers in `text`, in order ("+59.437+024.7536" gives
/// 59.437 and 24.7536).
fn numbers(text: &str) -> Vec<f64> {
    let mut found = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, found: &mut Vec<f64>| {
        if current.chars().any(|c| c.is_ascii_digit()) {
            if let Ok(value) = current.parse::<f64>() {
                found.push(value);
            }
        }
        current.clear();
    };
    for ch in text.chars() {
        match ch {
            '0'..='9' | '.' => current.push(ch),
            '+' | '-' => {
                flush(&mut current, &mut found);
                current.push(ch);
            }
            _ => flush(&mut current, &mut found),
        }
    }
    flush(&mut current, &mut found);
    found
}

/// "59.4370 N, 24.7536 E", with the place the file names, if any.
fn place(location: &[&Finding]) -> Option<String> {
    let position = location.iter().find_map(|f| {
        // The first pair of numbers that can be a position ("ISO 6709
        // +59.437+024.7536" starts with the standard's number).
        numbers(&f.value).windows(2).find_map(|pair| match pair {
            [lat, lon]
                if lat.abs() <= 90.0 && lon.abs() <= 180.0 && (*lat != 0.0 || *lon != 0.0) =>
            {
                Some((*lat, *lon))
            }
            _ => None,
        })
    });
    let city = location.iter().find_map(|f| {
        let field = f.field.to_ascii_lowercase();
        let names_place = ["city", "location name", "sublocation", "state", "country"]
            .iter()
            .any(|key| field.contains(key));
        (names_place && numbers(&f.value).is_empty() && !f.value.is_empty())
            .then(|| short(&f.value, 40))
    });
    let coordinates = position.map(|(lat, lon)| {
        format!(
            "{:.4} {}, {:.4} {}",
            lat.abs(),
            if lat < 0.0 { 'S' } else { 'N' },
            lon.abs(),
            if lon < 0.0 { 'W' } else { 'E' }
        )
    });
    match (coordinates, city) {
        (Some(at), Some(city)) => Some(format!("{at} ({city})")),
        (Some(at), None) => Some(at),
        (None, Some(city)) => Some(city),
        (None, None) => None,
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "6 May 2024 07:08" from Exif ("2024:05:06 07:08:09"), ISO 8601 and
/// the other date forms the describers print.
fn readable_date(value: &str) -> Option<String> {
    let digits: Vec<u32> = value
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .filter_map(|part| part.parse().ok())
        .collect();
    let year = *digits.first()?;
    let month = *digits.get(1)?;
    let day = *digits.get(2)?;
    if !(1900..=2200).contains(&year) || day == 0 || day > 31 {
        return None;
    }
    let name = MONTHS.get(usize::try_from(month).ok()?.checked_sub(1)?)?;
    let mut text = format!("{day} {name} {year}");
    if let (Some(hour), Some(minute)) = (digits.get(3), digits.get(4)) {
        if *hour < 24 && *minute < 60 {
            text.push_str(&format!(" {hour:02}:{minute:02}"));
        }
    }
    Some(text)
}

/// When it was taken: the capture date before creation and modification
/// dates.
fn when(time: &[&Finding]) -> Option<String> {
    let rank = |f: &Finding| {
        let field = f.field.to_ascii_lowercase();
        if field.contains("original") {
            0
        } else if field.contains("creat") || field.contains("digitized") {
            1
        } else {
            2
        }
    };
    let mut dated: Vec<(u8, String)> = time
        .iter()
        .filter_map(|f| Some((rank(f), readable_date(&f.value)?)))
        .collect();
    dated.sort_by_key(|(rank, _)| *rank);
    dated.into_iter().next().map(|(_, text)| text)
}

/// "with a PlantedCam PC-1 Mark II (body serial MSCRUB-SN-0042)".
fn device_phrase(device: &[&Finding]) -> Option<String> {
    let field_has = |f: &Finding, key: &str| f.field.to_ascii_lowercase().contains(key);
    let make = device
        .iter()
        .find(|f| field_has(f, "make") && !f.value.is_empty());
    let model = device
        .iter()
        .find(|f| field_has(f, "model") && !f.value.is_empty());
    let serial = device
        .iter()
        .filter(|f| field_has(f, "serial") && !f.value.is_empty())
        .min_by_key(|f| usize::from(field_has(f, "lens")));
    let mut name = String::new();
    if let Some(make) = make {
        name.push_str(&short(&make.value, 30));
    }
    if let Some(model) = model {
        let model = short(&model.value, 30);
        // Many makers repeat their name in the model ("Canon Canon EOS").
        if !model
            .to_ascii_lowercase()
            .starts_with(&name.to_ascii_lowercase())
            || name.is_empty()
        {
            if !name.is_empty() {
                name.push(' ');
            }
            name.push_str(&model);
        } else {
            name = model;
        }
    }
    let serial = serial.map(|f| {
        let kind = if field_has(f, "lens") {
            "lens serial"
        } else if field_has(f, "body") || field_has(f, "camera") {
            "body serial"
        } else {
            "serial"
        };
        format!("{kind} {}", short(&f.value, 30))
    });
    match (name.is_empty(), serial) {
        (false, Some(serial)) => Some(format!("with a {name} ({serial})")),
        (false, None) => Some(format!("with a {name}")),
        (true, Some(serial)) => Some(format!("with a device of {serial}")),
        (true, None) if !device.is_empty() => Some("with device identifiers".to_owned()),
        (true, None) => None,
    }
}

/// The name of who made or owns it: an author before a copyright line.
fn who(identity: &[&Finding]) -> Option<String> {
    let is_copyright = |f: &Finding| f.field.to_ascii_lowercase().contains("copyright");
    identity
        .iter()
        .filter(|f| !f.value.is_empty())
        .min_by_key(|f| usize::from(is_copyright(f)))
        .map(|f| short(&f.value, 40))
}

/// "holds a hidden thumbnail image (JPEG, 3.0 KB)".
fn hidden(embedded: &[&Finding]) -> String {
    let mut things: Vec<String> = Vec::new();
    for finding in embedded {
        let field = finding.field.to_ascii_lowercase();
        let thing = if field.contains("thumbnail") || field.contains("preview") {
            format!("a hidden {field} ({})", short(&finding.value, 30))
        } else if field == "trailer" {
            format!("an appended {}", short(&finding.value, 40))
        } else if field.contains("attached") {
            format!("an attached file {}", short(&finding.value, 40))
        } else {
            continue;
        };
        if !things.contains(&thing) {
            things.push(thing);
        }
        if things.len() == 2 {
            break;
        }
    }
    if things.is_empty() {
        "holds hidden embedded data".to_owned()
    } else {
        format!("holds {}", things.join(" and "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(category: Category, field: &str, value: &str) -> Finding {
        Finding::removed(category, field, "test", value)
    }

    #[test]
    fn the_planted_photo_reads_as_one_sentence() {
        let findings = [
            found(Category::Device, "Make", "PlantedCam"),
            found(Category::Device, "Model", "PC-1 Mark II"),
            found(Category::Software, "Software", "PlantedSoft 9.9"),
            found(Category::Time, "Modify date", "2024:05:06 07:08:10"),
            found(Category::Identity, "Copyright", "(c) Jane Planted"),
            found(Category::Identity, "Artist", "Jane Planted"),
            found(Category::Time, "Date/time original", "2024:05:06 07:08:09"),
            found(Category::Device, "Lens serial number", "LENS-SN-7731"),
            found(Category::Device, "Body serial number", "MSCRUB-SN-0042"),
            found(
                Category::Location,
                "GPS position",
                "59.437000, 24.753600 (8 GPS tags)",
            ),
            found(Category::Location, "IPTC city", "Tallinn"),
            found(Category::Embedded, "Thumbnail image", "JPEG, 3.0 KB"),
            found(Category::Other, "Exposure", "1/100"),
            Finding::removed(Category::Other, "Orientation", "test", "6")
                .with_fate(crate::Fate::Kept),
        ];
        assert_eq!(
            summary(&findings).unwrap(),
            "Taken at 59.4370 N, 24.7536 E (Tallinn) on 6 May 2024 07:08 with a \
             PlantedCam PC-1 Mark II (body serial MSCRUB-SN-0042) by Jane Planted; \
             holds a hidden thumbnail image (JPEG, 3.0 KB); names its software \
             (PlantedSoft 9.9); and 1 other detail."
        );
    }

    #[test]
    fn coordinates_in_every_form_the_describers_print() {
        for (value, expected) in [
            ("ISO 6709 +59.437+024.7536+19.000/", "59.4370 N, 24.7536 E"),
            ("lat 59.43700 lon 24.75359 alt 19.0", "59.4370 N, 24.7536 E"),
            (
                "-33.856900, 151.215300 (4 GPS tags)",
                "33.8569 S, 151.2153 E",
            ),
            ("+40.6892-074.0445/", "40.6892 N, 74.0445 W"),
        ] {
            let findings = [found(Category::Location, "GPS position", value)];
            assert_eq!(
                summary(&findings).unwrap(),
                format!("Taken at {expected}."),
                "{value}"
            );
        }
    }

    #[test]
    fn without_a_place_or_a_date() {
        let findings = [
            found(
                Category::Time,
                "Media creation time",
                "2024-05-06 07:08:09 UTC",
            ),
            found(Category::Identity, "Tag ARTIST", "Jane Planted"),
        ];
        assert_eq!(
            summary(&findings).unwrap(),
            "Made on 6 May 2024 07:08 by Jane Planted."
        );
        let findings = [found(Category::Software, "Encoder", "Lavf59.27.100")];
        assert_eq!(
            summary(&findings).unwrap(),
            "Names its software (Lavf59.27.100)."
        );
        let findings = [
            found(Category::Software, "Encoder", "Lavf59.27.100"),
            found(Category::Other, "Title", "x"),
        ];
        assert_eq!(
            summary(&findings).unwrap(),
            "Names its software (Lavf59.27.100); and 1 other detail."
        );
    }

    #[test]
    fn nothing_exposed_says_nothing() {
        assert_eq!(summary(&[]), None);
        let kept = [found(Category::Other, "Orientation", "6").with_fate(crate::Fate::Kept)];
        assert_eq!(summary(&kept), None);
    }

    #[test]
    fn hostile_values_do_not_panic() {
        for value in [
            "",
            "+",
            "-.",
            "99999-99999",
            "2024:13:40 99:99",
            "ÿ\u{0}…",
            "1e400, 5",
        ] {
            let findings = [
                found(Category::Location, "GPS position", value),
                found(Category::Time, "Date", value),
                found(Category::Device, "Make", value),
                found(Category::Embedded, "Thumbnail image", value),
            ];
            let _ = summary(&findings);
        }
    }
}
