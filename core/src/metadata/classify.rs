//! Name-based classification of metadata fields whose names come from the
//! file (XMP properties, QuickTime keys, Matroska tags, RIFF INFO ids).

use crate::finding::Category;

/// Classify a field by its name. Fail closed: anything not recognised is
/// `Other`, which is still removed.
pub fn category_for_name(name: &str) -> Category {
    let lower = name.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    // Checked first: these contain words of other categories ("creator").
    if has(&[
        "creatortool",
        "software",
        "firmware",
        "encoder",
        "muxingapp",
        "writingapp",
    ]) {
        return Category::Software;
    }
    if has(&[
        "gps",
        "latitude",
        "longitude",
        "altitude",
        "location",
        "coordinates",
        "city",
        "country",
        "province",
        "state",
        "sublocation",
        "address",
        "iso6709",
        "place",
        "geo",
    ]) {
        Category::Location
    } else if has(&[
        "serial",
        "make",
        "model",
        "lens",
        "uniqueid",
        "documentid",
        "instanceid",
        "deviceid",
        "cameraid",
        "bodyid",
        "contentidentifier",
        "mediagroupuuid",
        "uuid",
        "device",
    ]) {
        Category::Device
    } else if has(&["date", "time", "when", "year"]) {
        Category::Time
    } else if has(&[
        "creator",
        "author",
        "artist",
        "owner",
        "rights",
        "copyright",
        "credit",
        "contact",
        "email",
        "phone",
        "person",
        "by-line",
        "byline",
        "writer",
        "publisher",
        "user",
        "name",
        "producer",
        "director",
        "performer",
        "composer",
    ]) {
        Category::Identity
    } else if has(&[
        "software", "tool", "firmware", "encoder", "encoded", "app", "history", "computer",
        "version", "agent",
    ]) {
        Category::Software
    } else if has(&[
        "thumbnail",
        "preview",
        "motionphoto",
        "microvideo",
        "container",
    ]) {
        Category::Embedded
    } else {
        Category::Other
    }
}

/// A finding for the coordinates that a free-text value holds (`recorded
/// at 59.4370 24.7536`, ISO 6709 `+59.4370+024.7536/`): the first two
/// adjacent decimal numbers with three or more decimals that can be a
/// latitude and a longitude. Comments, coding histories and user tags
/// carry positions under names that say nothing about places.
pub(crate) fn coordinates_in(value: &str, field: &str, place: &str) -> Option<crate::Finding> {
    // Each number with where it starts and ends in `value`.
    let mut numbers: Vec<(f64, usize, usize)> = Vec::new();
    let bytes = value.as_bytes();
    let mut i = 0usize;
    while i < bytes.len() {
        let start = i;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let int_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let has_int = i > int_start;
        if has_int && bytes.get(i) == Some(&b'.') {
            let frac_start = i + 1;
            let mut j = frac_start;
            while bytes.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            if j - frac_start >= 3 {
                let text = value.get(start..j).unwrap_or_default();
                if let Ok(number) = text.parse::<f64>() {
                    numbers.push((number, start, j));
                }
            }
            i = j;
        } else if i == start {
            i += 1;
        }
    }
    // Two numbers written as a pair: nothing but separators between them.
    let pair = numbers.windows(2).find_map(|pair| match pair {
        [(lat, _, a_end), (lon, b_start, _)]
            if lat.abs() <= 90.0
                && lon.abs() <= 180.0
                && value.get(*a_end..*b_start).is_some_and(|gap| {
                    gap.chars().all(|c| c.is_whitespace() || ",;/".contains(c))
                }) =>
        {
            Some((pair.first()?, pair.get(1)?))
        }
        _ => None,
    })?;
    let text = |&(_, start, end): &(f64, usize, usize)| {
        value
            .get(start..end)
            .unwrap_or_default()
            .trim_start_matches('+')
            .to_string()
    };
    let (lat, lon) = pair;
    Some(
        crate::Finding::removed(
            Category::Location,
            format!("Coordinates in {field}"),
            place,
            format!("{:.6}, {:.6}", lat.0, lon.0),
        )
        .with_needle(text(lat))
        .with_needle(text(lon)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_common_names() {
        assert_eq!(category_for_name("exif:GPSLatitude"), Category::Location);
        assert_eq!(category_for_name("aux:SerialNumber"), Category::Device);
        assert_eq!(category_for_name("xmp:CreateDate"), Category::Time);
        assert_eq!(category_for_name("dc:creator"), Category::Identity);
        assert_eq!(category_for_name("xmp:CreatorTool"), Category::Software);
        assert_eq!(category_for_name("crs:Exposure2012"), Category::Other);
    }

    #[test]
    fn finds_coordinates_in_free_text() {
        let found = |v: &str| coordinates_in(v, "x", "p").map(|f| f.value);
        assert_eq!(
            found("A=PCM,F=48000,W=16,T=PC-1 at 59.4370 24.7536").as_deref(),
            Some("59.437000, 24.753600")
        );
        assert_eq!(
            found("+59.4370+024.7536/").as_deref(),
            Some("59.437000, 24.753600")
        );
        assert_eq!(found("Lavf59.27.100"), None);
        assert_eq!(found("gain -6.123 dB, peak 0.98765"), None);
        assert_eq!(found("1.5 2.5"), None);
        let f = coordinates_in("at -33.8568, 151.2153", "Comment", "p").unwrap();
        assert!(f.needles.iter().any(|n| n == b"-33.8568"));
    }
}
