//! Subtitle text that is really telemetry. Drones and dashcams write their
//! position into a subtitle track (`GPS (24.7536, 59.4370, 19)` once a
//! second): such a track is a location log, whatever the policy says about
//! subtitles. Shared by every container that carries text tracks (MP4,
//! Matroska), so that they judge the same text the same way.

/// Printable runs (at least 6 characters, at most 64) in subtitle sample
/// bytes: the lines a leak scan can search for, and what the telemetry
/// heuristic reads. Markup and binary framing split runs.
pub fn printable_runs(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    text.split(|c: char| c.is_control() || c == '\u{FFFD}')
        .map(str::trim)
        .filter(|run| run.len() >= 6)
        .map(|run| run.chars().take(64).collect())
        .collect()
}

/// Whether a subtitle line carries positions (drone and dashcam subtitle
/// telemetry): GPS words, or two numbers with four or more decimals.
pub fn looks_like_telemetry(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "gps",
        "latitude",
        "longitude",
        "lat:",
        "lon:",
        "lng",
        "altitude",
        "home(",
        "coordinates",
    ];
    if WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    let mut precise_numbers = 0;
    for token in lower.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
        if let Some((_, decimals)) = token.split_once('.') {
            if decimals.len() >= 4 && decimals.chars().all(|c| c.is_ascii_digit()) {
                precise_numbers += 1;
            }
        }
    }
    precise_numbers >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telemetry_heuristic() {
        assert!(looks_like_telemetry("GPS (24.7536, 59.4370, 19)"));
        assert!(looks_like_telemetry("59.43701 24.75362 alt 19"));
        assert!(!looks_like_telemetry("Hello, world. See you at 10.30"));
    }

    #[test]
    fn runs_split_on_control_bytes() {
        let runs = printable_runs(b"\x81\x00\x00\x80GPS (1.5, 2.5)\nok\nsecond line");
        assert_eq!(runs, ["GPS (1.5, 2.5)", "second line"]);
    }
}
